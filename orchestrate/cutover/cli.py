"""`cutover`: the project's commands that Meltano, dbt and GX do not cover themselves.

Every failure a user can act on prints one line, `cutover: error: ...`, and exits 1.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from cutover.errors import CutoverError

Handler = Callable[[argparse.Namespace], int]


def _pg_start(_: argparse.Namespace) -> int:
    from cutover.embedded_pg import ensure_started

    settings = ensure_started()
    print(f"PostgreSQL ready: {settings.describe()}")
    return 0


def _pg_stop(_: argparse.Namespace) -> int:
    from cutover.embedded_pg import EmbeddedServer

    stopped = EmbeddedServer.for_project().stop()
    print("embedded PostgreSQL stopped" if stopped else "embedded PostgreSQL was not running")
    return 0


def _pg_status(_: argparse.Namespace) -> int:
    from cutover.embedded_pg import EmbeddedServer
    from cutover.settings import TargetSettings

    server = EmbeddedServer.for_project()
    state = "running" if server.is_running() else "stopped"
    print(f"embedded server: {state} (data in {server.data_dir}, port {server.port})")
    try:
        print(f"target: {TargetSettings.from_environment().describe()}")
    except CutoverError as error:
        print(f"target: not configured ({error})")
    return 0


def _pg_reset(_: argparse.Namespace) -> int:
    from cutover.embedded_pg import reset

    reset()
    print("embedded PostgreSQL stopped and its data deleted")
    return 0


def _sample(args: argparse.Namespace) -> int:
    from cutover.samples import generate_sample

    result = generate_sample(args.system, rows=args.rows, output=args.output, seed=args.seed)
    print(result.describe())
    return 0


def _system_contracts(system: str) -> object:
    from cutover.gx.cli import _contracts, _paths

    _, manifest, _ = _paths()
    (contracts,) = _contracts(manifest, [system])
    return contracts


def _logged(name: str) -> None:
    from cutover.runlog import start_run_log

    path = start_run_log(name)
    print(f"log: {path}")


def _preflight(args: argparse.Namespace) -> int:
    from cutover.preflight import run_preflight

    _logged(f"preflight-{args.system}")
    return run_preflight(args.system, source_override=args.source)


def _dry_run(args: argparse.Namespace) -> int:
    from cutover.dry_run import dry_run, render
    from cutover.rates import DEFAULT_RATE, load_rate
    from cutover.sources.registry import open_source

    _logged(f"dry-run-{args.system}")
    with open_source(args.system, args.source) as reader:
        report = dry_run(reader, load_rate(args.system) or DEFAULT_RATE)
    print(render(report))
    return 0


def _capture(args: argparse.Namespace) -> int:
    from cutover.proof.capture import capture
    from cutover.settings import TargetSettings
    from cutover.sources.registry import open_source

    _logged(f"capture-{args.system}")
    contracts = _system_contracts(args.system)
    with open_source(args.system, args.source) as reader:
        captured = capture(TargetSettings.from_environment(), contracts, reader)  # type: ignore[arg-type]
    total = sum(c.rows for c in captured)
    seconds = sum(c.seconds for c in captured)
    print(
        f"{args.system}: {total:,} source rows fingerprinted in {seconds:.1f} s "
        f"({len(captured)} tables)"
    )
    return 0


def _objects(args: argparse.Namespace) -> int:
    from cutover.objects.step import carry_system

    _logged(f"objects-{args.system}")
    return carry_system(args.system, print_only=args.print)


def _gate(args: argparse.Namespace) -> int:
    from cutover.gate import run_gate
    from cutover.gx.cli import _quiet_gx

    _logged(f"gate-{args.system}")
    _quiet_gx()
    return run_gate(args.system)


def _switch(args: argparse.Namespace) -> int:
    from cutover.settings import TargetSettings
    from cutover.switch import switch

    _logged(f"switch-{args.system}")
    message = switch(
        TargetSettings.from_environment(),
        _system_contracts(args.system),  # type: ignore[arg-type]
        backup=not args.no_backup,
    )
    print(message)
    return 0


def _rollback(args: argparse.Namespace) -> int:
    from cutover.settings import TargetSettings
    from cutover.switch import rollback

    _logged(f"rollback-{args.system}")
    print(rollback(TargetSettings.from_environment(), _system_contracts(args.system)))  # type: ignore[arg-type]
    return 0


def _status(args: argparse.Namespace) -> int:
    from cutover.settings import TargetSettings
    from cutover.switch import status

    print(status(TargetSettings.from_environment(), _system_contracts(args.system)))  # type: ignore[arg-type]
    return 0


def _backup(args: argparse.Namespace) -> int:
    from cutover import backup
    from cutover.settings import TargetSettings

    target = TargetSettings.from_environment()
    directory = backup.default_backup_dir()
    if args.action == "create":
        _logged(f"backup-{args.system}")
        taken = backup.create_backup(target, args.system)
        print(f"backup: {taken.describe()}")
        for path in backup.prune(directory, args.system):
            print(f"removed (past retention): {path.name}")
        print(
            "restore with:\n  "
            + backup.restore_command(target, taken.path, f"{args.system}_restored")
        )
    elif args.action == "list":
        found = backup.list_backups(directory, args.system)
        print(
            "\n".join(b.describe() for b in found) or f"no backups of {args.system} in {directory}"
        )
    elif args.action == "prune":
        removed = backup.prune(directory, args.system)
        print("\n".join(f"removed: {p.name}" for p in removed) or "nothing past retention")
    elif args.action == "restore":
        _logged(f"restore-{args.system}")
        backup.restore(target, Path(args.dump), args.into, replace=args.replace)
        print(f"restored {args.dump} into database {args.into}")
    return 0


def _verify_backup(args: argparse.Namespace) -> int:
    from cutover.backup_check import verify_backup

    _logged(f"verify-backup-{args.system}")
    return verify_backup(args.system, Path(args.dump) if args.dump else None)


def _scaffold(args: argparse.Namespace) -> int:
    from cutover.scaffold.render import render
    from cutover.scaffold.sources import plan_source
    from cutover.scaffold.write import write_files
    from cutover.settings import project_root

    root = project_root()
    settings = {"jet3_charset": args.jet3_charset} if args.jet3_charset else {}
    if os.environ.get(args.password_env or ""):
        settings["password"] = os.environ[args.password_env]
    plan = plan_source(args.system, args.source, settings)
    report = write_files(root, render(plan, root))
    print(f"{args.system}: {len(plan.tables)} tables scaffolded from {args.source}")
    for name, reason in plan.skipped:
        print(f"  not scaffolded: {name}: {reason}")
    for label, items in (
        ("written", report.written),
        ("unchanged", report.unchanged),
        ("KEPT (edited by hand; delete to regenerate)", report.kept_edited),
    ):
        if items:
            print(f"{label}: {len(items)}")
            for item in items:
                print(f"  {item}")
    print(f"next: review the files, then `meltano install` and `meltano run migrate-{args.system}`")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cutover", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    pg = commands.add_parser("pg", help="the embedded PostgreSQL target").add_subparsers(
        dest="action", required=True
    )
    for name, handler, text in (
        ("start", _pg_start, "start it (first start: initialise it and write .env)"),
        ("stop", _pg_stop, "stop it; its data stays in .pgdata/"),
        ("status", _pg_status, "show whether it runs and which target the project uses"),
        ("reset", _pg_reset, "stop it and delete its data"),
    ):
        pg.add_parser(name, help=text).set_defaults(handler=handler)

    sample = commands.add_parser("sample", help="generate a sample legacy database")
    sample.add_argument("system", choices=["coldchain", "spc", "lawfirm", "routing", "ecoanp"])
    sample.add_argument("--rows", type=int, default=None, help="orders to generate (scale)")
    sample.add_argument("--seed", type=int, default=4, help="random seed (same seed, same file)")
    sample.add_argument(
        "--output",
        default=None,
        help="file to write (default .data/samples/); for ecoanp, the database to create "
        "on the target's server (default ecoanp_legacy)",
    )
    sample.set_defaults(handler=_sample)

    runbook = (
        ("preflight", _preflight, "check the target and the source before anything is written"),
        ("dry-run", _dry_run, "read the source only: rows, size and estimated load time per table"),
        (
            "objects",
            _objects,
            "carry a PostgreSQL source's functions, views, triggers, policies, grants, ... "
            "into the candidate schema (after dbt)",
        ),
        ("capture", _capture, "fingerprint every source row into cutover_audit (after EL)"),
        ("gate", _gate, "run every validation; exit 1 with what failed unless all pass"),
        ("switch", _switch, "back up, then swap the gated candidate into the app schema"),
        ("rollback", _rollback, "swap back what the last switch replaced"),
        ("status", _status, "schemas, last gate, last switch, backups"),
    )
    for name, handler, text in runbook:
        command = commands.add_parser(name, help=text)
        command.add_argument("system", help="the system (dbt tag), e.g. coldchain")
        if name in ("preflight", "dry-run", "capture"):
            command.add_argument(
                "--source", default=None, help="source path instead of the extractor's"
            )
        if name == "objects":
            command.add_argument(
                "--print", action="store_true", help="print the SQL for review, apply nothing"
            )
        if name == "switch":
            command.add_argument(
                "--no-backup", action="store_true", help="skip the pg_dump (not advised)"
            )
        command.set_defaults(handler=handler)

    scaffold = commands.add_parser(
        "scaffold", help="write the extractor, dbt models and checks for a source database"
    )
    scaffold.add_argument(
        "source",
        help="the source: a SQLite or MS Access file, a tap-msaccess snapshot, "
        "mssql://user@host/Database or postgresql://user@host/Database[?schemas=a,b]",
    )
    scaffold.add_argument("--system", required=True, help="short name: schemas, models, jobs")
    scaffold.add_argument(
        "--jet3-charset",
        help="MS Access 97 (Jet 3) files: the code page of their text, e.g. CP949 (Korean), "
        "GBK, cp1252 (the default); written into the extractor's config",
    )
    scaffold.add_argument(
        "--password-env",
        metavar="VAR",
        help="the environment variable holding the source's password: an encrypted Access "
        "file, or a server login (default TAP_POSTGRES_PASSWORD for PostgreSQL); never "
        "written anywhere",
    )
    scaffold.set_defaults(handler=_scaffold)

    from cutover.bench.command import add_parser as add_bench

    add_bench(commands)

    backups = commands.add_parser("backup", help="pg_dump -Fc backups of the target")
    actions = backups.add_subparsers(dest="action", required=True)
    for name, text in (
        ("create", "take a backup now and remove those past retention"),
        ("list", "list the backups, newest first"),
        ("prune", "remove backups past retention (CUTOVER_BACKUP_RETENTION_DAYS, default 7)"),
    ):
        action = actions.add_parser(name, help=text)
        action.add_argument("system")
        action.set_defaults(handler=_backup)
    restore = actions.add_parser("restore", help="restore a backup into a new database")
    restore.add_argument("system")
    restore.add_argument("dump", help="the .dump file")
    restore.add_argument("--into", required=True, help="database to create")
    restore.add_argument("--replace", action="store_true", help="drop --into first if it exists")
    restore.set_defaults(handler=_backup)
    verify = actions.add_parser(
        "verify", help="restore into a scratch database and compare its fingerprints"
    )
    verify.add_argument("system")
    verify.add_argument("dump", nargs="?", help="the .dump file (default: the newest)")
    verify.set_defaults(handler=_verify_backup)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args)
    except CutoverError as error:
        print(f"cutover: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("cutover: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # a database or tool failure: one line, not a traceback wall
        import os

        if os.environ.get("CUTOVER_DEBUG"):
            raise
        text = str(error).strip()
        first = text.splitlines()[0] if text else ""
        print(f"cutover: error: {type(error).__name__}: {first}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
