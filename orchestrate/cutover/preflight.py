"""`cutover preflight <system>`: can this migration run here? One PASS/FAIL line per check.

Nothing is written to the target or the source. Exit 1 when any check fails; WARN and
INFO lines do not fail (free disk that cannot be measured, tables without a key).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import psycopg

from cutover.errors import CutoverError
from cutover.settings import TargetSettings

MIN_SERVER = 130000
REQUIRED_EXTENSIONS = ("vector",)
REPORTED_EXTENSIONS = ("timescaledb",)


@dataclass(frozen=True)
class Check:
    verdict: str  # PASS, FAIL, WARN, INFO
    name: str
    detail: str

    def line(self) -> str:
        return f"{self.verdict:<4}  {self.name}: {self.detail}"


def _human(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if value < 1024 or unit == "TB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"


def target_checks(
    target: TargetSettings, schemas: list[str], source_size: int | None
) -> list[Check]:
    checks: list[Check] = []
    try:
        conn = psycopg.connect(target.conninfo(), connect_timeout=10, autocommit=True)
    except psycopg.Error as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        return [Check("FAIL", "target reachable", f"{target.describe()}: {first}")]
    with conn:
        checks.append(Check("PASS", "target reachable", target.describe()))
        version_num, version = conn.execute(
            "select current_setting('server_version_num')::int, current_setting('server_version')"
        ).fetchone()  # type: ignore[misc]
        checks.append(
            Check(
                "PASS" if version_num >= MIN_SERVER else "FAIL",
                "target version",
                f"PostgreSQL {version} (13 or later needed)",
            )
        )
        available = dict(
            conn.execute("select name, installed_version from pg_available_extensions").fetchall()
        )
        for name in REQUIRED_EXTENSIONS:
            if name not in available:
                checks.append(Check("FAIL", f"extension {name}", "not available on the server"))
            else:
                state = f"installed {available[name]}" if available[name] else "available"
                checks.append(Check("PASS", f"extension {name}", state))
        for name in REPORTED_EXTENSIONS:
            state = (
                "absent (time-series tables use native partitioning)"
                if name not in available
                else (f"installed {available[name]}" if available[name] else "available")
            )
            checks.append(Check("INFO", f"extension {name}", state))
        can_create = conn.execute(
            "select has_database_privilege(current_user, current_database(), 'CREATE')"
        ).fetchone()[0]  # type: ignore[index]
        checks.append(
            Check(
                "PASS" if can_create else "FAIL",
                "privilege CREATE on database",
                f"{target.user} on {target.database}" + ("" if can_create else ": missing"),
            )
        )
        checks += _schema_ownership(conn, target.user, schemas)
        checks.append(_free_disk(conn, source_size))
    return checks


def _schema_ownership(conn: psycopg.Connection, user: str, schemas: list[str]) -> list[Check]:
    rows = conn.execute(
        "select n.nspname, pg_get_userbyid(n.nspowner), "
        "pg_has_role(current_user, n.nspowner, 'USAGE') from pg_namespace n "
        "where n.nspname = any(%s) order by 1",
        (schemas,),
    ).fetchall()
    found = {name for name, _, _ in rows}
    checks = [
        Check(
            "PASS" if owned else "FAIL",
            f"schema {name}",
            f"owned by {owner}" + ("" if owned else f", not by {user} (ALTER SCHEMA ... OWNER TO)"),
        )
        for name, owner, owned in rows
    ]
    missing = [s for s in schemas if s not in found]
    if missing:
        checks.append(Check("PASS", "schemas to create", ", ".join(missing)))
    return checks


def _free_disk(conn: psycopg.Connection, source_size: int | None) -> Check:
    """Free space where the target keeps its data: measurable when the server runs on this
    machine and lets us read data_directory (superuser or pg_read_all_settings)."""
    try:
        data_dir = conn.execute("select current_setting('data_directory')").fetchone()[0]  # type: ignore[index]
    except psycopg.Error:
        return Check("WARN", "free disk at target", "not measurable (cannot read data_directory)")
    path = Path(data_dir)
    if not path.exists():
        return Check("WARN", "free disk at target", "not measurable (server is on another machine)")
    free = shutil.disk_usage(path).free
    if source_size is None:
        return Check("WARN", "free disk at target", f"{_human(free)} free; source size unknown")
    needed = 2 * source_size
    return Check(
        "PASS" if free >= needed else "FAIL",
        "free disk at target",
        f"{_human(free)} free at {path}, {_human(needed)} needed "
        f"(2 x source {_human(source_size)})",
    )


def source_checks(system: str, override: str | None) -> tuple[list[Check], int | None]:
    from cutover.sources.registry import open_source

    try:
        reader = open_source(system, override)
    except CutoverError as error:
        return [Check("FAIL", "source readable", str(error))], None
    checks = []
    with reader:
        bypass = getattr(reader, "rls_bypass", None)  # a PostgreSQL source
        if bypass is not None:
            checks.append(
                Check("PASS", "row-level security", "the login bypasses it: no row is hidden")
                if bypass()
                else Check(
                    "FAIL",
                    "row-level security",
                    "the login is neither superuser nor BYPASSRLS: tables with policies "
                    "would be copied in part (ALTER ROLE <login> BYPASSRLS)",
                )
            )
        try:
            schema = reader.schema()
            for table in schema.tables:  # read one row of each: readable, not just listed
                next(iter(reader.iter_rows(table.name, [table.columns[0].name])), None)
        except (CutoverError, OSError) as error:
            failed = Check("FAIL", "source readable", f"{reader.description}: {error}")
            return [*checks, failed], None
        rows = sum(t.row_count for t in schema.tables)
        checks.append(
            Check(
                "PASS",
                "source readable",
                f"{reader.description}: {len(schema.tables)} tables, {rows:,} rows",
            )
        )
        keyless = [t.name for t in schema.tables if not t.primary_key]
        checks.append(
            Check(
                "WARN" if keyless else "PASS",
                "tables without a primary key",
                (", ".join(keyless) + ": cannot be proven row by row") if keyless else "none",
            )
        )
        for skipped in schema.skipped:
            checks.append(Check("INFO", f"not migrated: {skipped.name}", skipped.reason))
        return checks, reader.size_bytes


def run_preflight(system: str, source_override: str | None = None) -> int:
    from cutover.gx.cli import _contracts, _paths
    from cutover.switch import schemas_of

    checks, size = source_checks(system, source_override)
    try:
        _, manifest, _ = _paths()
        (contracts,) = _contracts(manifest, [system])
        names = schemas_of(contracts)  # type: ignore[arg-type]
        schemas = sorted(
            {names.app, names.candidate, contracts.rejects.schema, contracts.source_audit.schema}  # type: ignore[attr-defined]
            | {t.raw.schema for t in contracts.tables}  # type: ignore[attr-defined]
            | {"cutover_audit"}
        )
    except CutoverError as error:
        checks.append(Check("FAIL", "dbt project", str(error)))
        schemas = ["cutover_audit"]
    try:
        target = TargetSettings.from_environment()
    except CutoverError as error:
        checks.append(Check("FAIL", "target configured", str(error)))
    else:
        checks += target_checks(target, schemas, size)
    print(f"preflight {system}")
    print("\n".join(check.line() for check in checks))
    failed = [c for c in checks if c.verdict == "FAIL"]
    print(f"PREFLIGHT FAILED: {len(failed)} check(s)" if failed else "Preflight passed.")
    return 1 if failed else 0
