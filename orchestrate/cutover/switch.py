"""`cutover switch|rollback|status <system>`: the atomic cutover and its undo.

Final tables are built in the candidate schema (`coldchain_next`). `switch` takes a
backup, then in one transaction locks every table involved and renames schemas: the
application's schema (`coldchain`), if any, becomes `coldchain__prev_<UTC timestamp>`,
and the candidate becomes `coldchain`. Renaming a schema moves its tables, constraints,
indexes and sequences together, and FKs and views follow by OID, so nothing is rebuilt.
`rollback` renames them back: the switched tables become the candidate again, so the
same gated candidate can be switched again without a rebuild.

Both are idempotent: a second `switch` after a switch, or `rollback` with nothing to roll
back, says so and changes nothing. `switch` refuses unless the last gate of the system
passed on exactly the tables in the candidate schema (same OIDs: not rebuilt since).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

import psycopg
from psycopg import sql

from cutover.errors import CutoverError
from cutover.gx.contracts import SystemContracts
from cutover.proof.audit_store import ensure_audit_schema
from cutover.settings import TargetSettings

log = logging.getLogger(__name__)
LOCK_TIMEOUT = "10s"


@dataclass(frozen=True)
class Schemas:
    app: str
    candidate: str

    def previous(self, at: dt.datetime) -> str:
        return f"{self.app[:40]}__prev_{at:%Y%m%d_%H%M%S}"


def schemas_of(contracts: SystemContracts) -> Schemas:
    from cutover.gate import candidate_schema

    candidate = candidate_schema(contracts)
    apps = {t.app_schema for t in contracts.tables}
    if len(apps) != 1:
        raise CutoverError(f"{contracts.system}: final tables name app schemas {sorted(apps)}")
    app = apps.pop()
    if app == candidate:
        raise CutoverError(
            f"{contracts.system}: final tables are built in {app}, the application's schema "
            "itself: build them in <app>_next (dbt_project.yml) so the switch can be atomic"
        )
    return Schemas(app, candidate)


def _exists(conn: psycopg.Connection, schema: str) -> bool:
    return (
        conn.execute("select 1 from pg_namespace where nspname = %s", (schema,)).fetchone()
        is not None
    )


def _lock_tables(conn: psycopg.Connection, *schemas: str) -> None:
    """Wait (up to LOCK_TIMEOUT) for every transaction using these tables to finish."""
    conn.execute(f"set local lock_timeout = '{LOCK_TIMEOUT}'")
    tables = conn.execute(
        "select format('%%I.%%I', n.nspname, c.relname) from pg_class c "
        "join pg_namespace n on n.oid = c.relnamespace "
        "where n.nspname = any(%s) and c.relkind in ('r', 'p') order by 1",
        (list(schemas),),
    ).fetchall()
    if tables:
        conn.execute(
            "lock table " + ", ".join(name for (name,) in tables) + " in access exclusive mode"
        )


def _rename(conn: psycopg.Connection, old: str, new: str) -> None:
    conn.execute(
        sql.SQL("alter schema {} rename to {}").format(sql.Identifier(old), sql.Identifier(new))
    )


def _last_gate(conn: psycopg.Connection, system: str) -> tuple | None:  # type: ignore[type-arg]
    return conn.execute(
        "select run_id, passed, candidate_tables, finished_at from cutover_audit.gate_runs "
        "where system = %s order by finished_at desc limit 1",
        (system,),
    ).fetchone()


def _last_action(conn: psycopg.Connection, system: str) -> tuple | None:  # type: ignore[type-arg]
    return conn.execute(
        "select action, app_schema, candidate_schema, previous_schema, at "
        "from cutover_audit.switches where system = %s order by id desc limit 1",
        (system,),
    ).fetchone()


def switch(target: TargetSettings, contracts: SystemContracts, *, backup: bool = True) -> str:
    from cutover.gate import candidate_tables

    system = contracts.system
    names = schemas_of(contracts)
    with psycopg.connect(target.conninfo(), connect_timeout=10) as conn:
        ensure_audit_schema(conn)
        conn.commit()
        if not _exists(conn, names.candidate):
            last = _last_action(conn, system)
            if last and last[0] == "switch" and _exists(conn, names.app):
                return (
                    f"{system}: already switched at {last[4]:%Y-%m-%d %H:%M:%S %Z}: "
                    f"{names.app} holds the gated tables; nothing to do"
                )
            raise CutoverError(
                f"{system}: no candidate schema {names.candidate}: run the migrate-{system} "
                "job and the gate first"
            )
        gate = _last_gate(conn, system)
        if gate is None:
            raise CutoverError(f"{system}: no gate has run: run `cutover gate {system}` first")
        run_id, passed, gated_tables, finished_at = gate
        if not passed:
            raise CutoverError(
                f"{system}: the last gate ({finished_at:%Y-%m-%d %H:%M:%S %Z}) failed: "
                "fix what it reported and run it again; the switch needs a green gate"
            )
        current = candidate_tables(conn, names.candidate)
        if current != {k: int(v) for k, v in gated_tables.items()}:
            changed = sorted(set(current.items()) ^ {(k, int(v)) for k, v in gated_tables.items()})
            raise CutoverError(
                f"{system}: the candidate changed since the last gate "
                f"({', '.join(sorted({name for name, _ in changed}))} rebuilt, added or "
                f"removed): run `cutover gate {system}` again"
            )
    dump = None
    if backup:
        from cutover.backup import create_backup, default_backup_dir, prune

        taken = create_backup(target, system)
        pruned = prune(default_backup_dir(), system)
        dump = str(taken.path)
        log.info("backup before the switch: %s", taken.describe())
        if pruned:
            log.info("backups past retention removed: %s", ", ".join(p.name for p in pruned))
    at = dt.datetime.now(dt.UTC)
    with psycopg.connect(target.conninfo(), connect_timeout=10) as conn:
        _lock_tables(conn, names.app, names.candidate)
        previous = None
        if _exists(conn, names.app):
            previous = names.previous(at)
            _rename(conn, names.app, previous)
        _rename(conn, names.candidate, names.app)
        conn.execute(
            "insert into cutover_audit.switches (system, action, app_schema, candidate_schema, "
            "previous_schema, gate_run_id, backup) values (%s, 'switch', %s, %s, %s, %s, %s)",
            (system, names.app, names.candidate, previous, run_id, dump),
        )
    kept = f"; the previous {names.app} is kept as {previous}" if previous else ""
    saved = f"; backup {dump}" if dump else ""
    return f"{system}: switched: {names.candidate} is now {names.app}{kept}{saved}"


def rollback(target: TargetSettings, contracts: SystemContracts) -> str:
    system = contracts.system
    schemas_of(contracts)  # validates the configuration before touching anything
    with psycopg.connect(target.conninfo(), connect_timeout=10) as conn:
        ensure_audit_schema(conn)
        conn.commit()
        last = _last_action(conn, system)
        if last is None or last[0] != "switch":
            return f"{system}: nothing to roll back (no switch since the last rollback)"
        _, app, candidate, previous, switched_at = last
        if not _exists(conn, app):
            raise CutoverError(f"{system}: schema {app} is gone: cannot roll back")
        if previous and not _exists(conn, previous):
            raise CutoverError(
                f"{system}: the previous schema {previous} is gone: restore it from the "
                "backup taken before the switch (`cutover backup list " + system + "`)"
            )
        _lock_tables(conn, app, candidate, *([previous] if previous else []))
        # The switched tables become the candidate again; if a new candidate was built
        # meanwhile, it is kept under a dated name rather than overwritten.
        aside = None
        if _exists(conn, candidate):
            aside = f"{candidate[:40]}__aside_{dt.datetime.now(dt.UTC):%Y%m%d_%H%M%S}"
            _rename(conn, candidate, aside)
        _rename(conn, app, candidate)
        if previous:
            _rename(conn, previous, app)
        conn.execute(
            "insert into cutover_audit.switches (system, action, app_schema, candidate_schema, "
            "previous_schema) values (%s, 'rollback', %s, %s, %s)",
            (system, app, candidate, previous),
        )
    back = f"{previous} is {app} again" if previous else f"{app} no longer exists (first switch)"
    note = f"; the newer candidate was kept as {aside}" if aside else ""
    return (
        f"{system}: rolled back the switch of {switched_at:%Y-%m-%d %H:%M:%S %Z}: {back}; "
        f"the switched tables are the candidate {candidate} again{note}"
    )


def status(target: TargetSettings, contracts: SystemContracts) -> str:
    system = contracts.system
    names = schemas_of(contracts)
    with psycopg.connect(target.conninfo(), connect_timeout=10) as conn:
        ensure_audit_schema(conn)
        conn.commit()
        gate = _last_gate(conn, system)
        last = _last_action(conn, system)
        kept = [
            name
            for (name,) in conn.execute(
                "select nspname from pg_namespace where nspname like %s order by 1",
                (names.app[:40].replace("_", r"\_") + r"\_\_prev\_%",),
            ).fetchall()
        ]
        lines = [
            f"{system}: application schema {names.app}: "
            + ("present" if _exists(conn, names.app) else "absent"),
            f"candidate schema {names.candidate}: "
            + ("present" if _exists(conn, names.candidate) else "absent"),
            "last gate: "
            + (
                f"{'passed' if gate[1] else 'FAILED'} at {gate[3]:%Y-%m-%d %H:%M:%S %Z}"
                if gate
                else "none"
            ),
            "last switch/rollback: "
            + (f"{last[0]} at {last[4]:%Y-%m-%d %H:%M:%S %Z}" if last else "none"),
            "previous schemas kept: " + (", ".join(kept) if kept else "none"),
        ]
    from cutover.backup import default_backup_dir, list_backups

    backups = list_backups(default_backup_dir(), system)
    lines.append(
        "backups: " + (f"{len(backups)}, newest {backups[0].describe()}" if backups else "none")
    )
    return "\n".join(lines)
