"""`cutover backup verify <system> [dump]`: a backup is only a backup once it restored.

Restores the dump into a scratch database on the same server, then for every final table
of the system compares the content fingerprint (an aggregate of the row hashes the gate
uses) of the restored table with the live one, and re-runs the row comparison against the
source capture inside the restored copy. The scratch database is dropped afterwards.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import psycopg
from psycopg import sql

from cutover import backup
from cutover.errors import CutoverError
from cutover.gx.contracts import SystemContracts, quote
from cutover.proof.fingerprint_sql import comparison_query, final_rows_sql, plan_for
from cutover.settings import TargetSettings

log = logging.getLogger(__name__)


def table_fingerprints(
    target: TargetSettings, contracts: SystemContracts, schema: str
) -> dict[str, str]:
    """Per final table in `schema`: md5 over its rows' (key, hash), in key order."""
    found = {}
    with psycopg.connect(target.conninfo(), connect_timeout=10) as conn:
        for table in contracts.tables:
            relation = f"{quote(schema)}.{quote(table.table)}"
            exists = conn.execute("select to_regclass(%s)", (relation,)).fetchone()[0]  # type: ignore[index]
            if exists is None:
                continue
            rows = final_rows_sql(plan_for(table), relation)
            found[table.table] = conn.execute(
                f"select count(*) || ':' || coalesce(md5(string_agg(row_key || '=' || "
                f"row_hash::text, ',' order by row_key)), '') from ({rows}) as t"
            ).fetchone()[0]  # type: ignore[index]
    return found


def _differences(target: TargetSettings, contracts: SystemContracts, schema: str) -> dict[str, int]:
    found = {}
    with psycopg.connect(target.conninfo(), connect_timeout=10) as conn:
        for table in contracts.tables:
            relation = f"{quote(schema)}.{quote(table.table)}"
            if conn.execute("select to_regclass(%s)", (relation,)).fetchone()[0] is None:  # type: ignore[index]
                continue
            query = comparison_query(plan_for(table), contracts, relation)
            found[table.table] = conn.execute(f"select count(*) from ({query}) as d").fetchone()[0]  # type: ignore[index]
    return found


def _schemas_now(
    target: TargetSettings, system: str, schemas: tuple[str, ...], since: dt.datetime | None
) -> dict[str, str | None]:
    """Where each schema of the backup is now: switches and rollbacks since the backup
    renamed them (replayed from cutover_audit.switches)."""
    where: dict[str, str | None] = {name: name for name in schemas}
    if since is None:
        return where
    with psycopg.connect(target.conninfo(), connect_timeout=10) as conn:
        if conn.execute("select to_regclass('cutover_audit.switches')").fetchone()[0] is None:  # type: ignore[index]
            return where
        actions = conn.execute(
            "select action, app_schema, candidate_schema, previous_schema "
            "from cutover_audit.switches where system = %s and at > %s order by id",
            (system, since),
        ).fetchall()
    for action, app, candidate, previous in actions:
        for name, now in where.items():
            if action == "switch":
                where[name] = previous if now == app else (app if now == candidate else now)
            else:
                where[name] = candidate if now == app else (app if now == previous else now)
    return where


def verify_backup(system: str, dump: Path | None) -> int:
    from cutover.cli import _system_contracts
    from cutover.switch import schemas_of

    target = TargetSettings.from_environment()
    contracts: SystemContracts = _system_contracts(system)  # type: ignore[assignment]
    if dump is None:
        found = backup.list_backups(backup.default_backup_dir(), system)
        if not found:
            raise CutoverError(
                f"no backups of {system}: take one with `cutover backup create {system}`"
            )
        dump = found[0].path
    names = schemas_of(contracts)
    taken_at = next(
        (b.created_at for b in backup.list_backups(dump.parent.parent, system) if b.path == dump),
        None,
    )
    where_now = _schemas_now(target, system, (names.candidate, names.app), taken_at)
    scratch_name = f"{target.database[:30]}_verify_{dt.datetime.now(dt.UTC):%Y%m%d%H%M%S}"
    scratch = target.with_database(scratch_name)
    print(f"restoring {dump.name} into scratch database {scratch_name} ...")
    backup.restore(target, dump, scratch_name)
    try:
        failures = 0
        for schema in (names.candidate, names.app):
            restored = table_fingerprints(scratch, contracts, schema)
            if not restored:
                continue
            live_schema = where_now.get(schema)
            live = table_fingerprints(target, contracts, live_schema) if live_schema else {}
            for table in sorted(restored):
                rows = restored[table].split(":")[0]
                if table not in live:
                    print(f"  {schema}.{table}: {rows} rows (no live counterpart to compare with)")
                    continue
                same = live[table] == restored[table]
                failures += not same
                print(
                    f"  {schema}.{table}: {rows} rows, fingerprint "
                    + ("identical to" if same else "DIFFERS from")
                    + f" the live {live_schema}.{table}"
                )
        for table, count in _differences(scratch, contracts, names.candidate).items():
            if count:
                failures += 1
                print(f"  {names.candidate}.{table}: {count} keys differ from the source capture")
        verdict = (
            "BACKUP VERIFIED" if not failures else f"BACKUP VERIFY FAILED: {failures} table(s)"
        )
        print(f"{verdict}: {dump}")
        return 1 if failures else 0
    finally:
        with psycopg.connect(target.conninfo(), connect_timeout=10, autocommit=True) as conn:
            conn.execute(
                sql.SQL("drop database if exists {} with (force)").format(
                    sql.Identifier(scratch_name)
                )
            )
