"""`cutover`: the project's commands that Meltano, dbt and GX do not cover themselves.

Every failure a user can act on prints one line, `cutover: error: ...`, and exits 1.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

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
    sample.add_argument("system", choices=["coldchain"])
    sample.add_argument("--rows", type=int, default=None, help="orders to generate (scale)")
    sample.add_argument("--seed", type=int, default=4, help="random seed (same seed, same file)")
    sample.add_argument("--output", default=None, help="file to write (default .data/samples/)")
    sample.set_defaults(handler=_sample)
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


if __name__ == "__main__":
    sys.exit(main())
