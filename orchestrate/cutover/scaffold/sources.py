"""Which kind of source a scaffold reads, and the planner and extractor for that kind.

A planner turns one source into a `SystemPlan` (tables, columns with their PostgreSQL
type and staging cast, keys, indexes), from its own catalog and type rules; everything
after the plan (render, write) is the same for every kind. SQLite is implemented
(`plan_sqlite`, rules in sqlite_types.py), MS Access (`plan_access`, access_types.py),
SQL Server (`plan_mssql`, mssql_types.py) and PostgreSQL (`plan_postgres`,
postgres_types.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from cutover.errors import CutoverError

if TYPE_CHECKING:
    from cutover.scaffold.plan import SystemPlan

SQLITE_MAGIC = b"SQLite format 3\x00"
# Jet 3/4 (.mdb) and ACE (.accdb) files: a 4-byte page header, then the engine name.
ACCESS_MAGIC = (b"Standard Jet DB", b"Standard ACE DB")
# A tap-msaccess snapshot (JSON lines recorded from an Access file: extract/tap-msaccess).
ACCESS_SNAPSHOT_MAGIC = b'{"$snapshot"'
URL = re.compile(r"^(?P<scheme>[a-z][a-z0-9+]*)://", re.IGNORECASE)
URL_KINDS = {
    "mssql": "mssql",
    "sqlserver": "mssql",
    "postgres": "postgres",
    "postgresql": "postgres",
}


@dataclass(frozen=True)
class SourceKind:
    name: str
    label: str
    extractor: str  # the Meltano extractor the scaffolded `<extractor>--<system>` inherits
    planner: Callable[[str, str, dict[str, str]], SystemPlan] | None  # (system, source, settings)


def _sqlite_planner(system: str, source: str, settings: dict[str, str]) -> SystemPlan:
    from cutover.scaffold.plan import plan_sqlite

    del settings  # a SQLite file needs none
    return plan_sqlite(system, Path(source))


def _access_planner(system: str, source: str, settings: dict[str, str]) -> SystemPlan:
    from cutover.scaffold.access_plan import plan_access

    return plan_access(system, Path(source), settings)


def _mssql_planner(system: str, source: str, settings: dict[str, str]) -> SystemPlan:
    from cutover.scaffold.mssql_plan import plan_mssql

    return plan_mssql(system, source, settings)


def _postgres_planner(system: str, source: str, settings: dict[str, str]) -> SystemPlan:
    from cutover.scaffold.postgres_plan import plan_postgres

    return plan_postgres(system, source, settings)


KINDS = {
    "sqlite": SourceKind("sqlite", "SQLite", "tap-sqlite", _sqlite_planner),
    "msaccess": SourceKind("msaccess", "MS Access", "tap-msaccess", _access_planner),
    "mssql": SourceKind("mssql", "SQL Server", "tap-mssql", _mssql_planner),
    "postgres": SourceKind("postgres", "PostgreSQL", "tap-postgres", _postgres_planner),
}


def detect_kind(source: str) -> SourceKind:
    """The kind of `source`: a URL's scheme, else the file's first bytes (not its name)."""
    url = URL.match(source)
    if url:
        kind = URL_KINDS.get(url.group("scheme").lower())
        if kind is None:
            raise CutoverError(
                f"scaffold: unknown source URL scheme {url.group('scheme')!r} "
                f"(known: {', '.join(sorted(URL_KINDS))}, or a SQLite/Access file)"
            )
        return KINDS[kind]
    path = Path(source)
    if not path.is_file():
        raise CutoverError(f"scaffold: source file not found: {path}")
    with path.open("rb") as handle:
        head = handle.read(32)
    if head.startswith(SQLITE_MAGIC):
        return KINDS["sqlite"]
    if any(magic in head for magic in ACCESS_MAGIC) or head.startswith(ACCESS_SNAPSHOT_MAGIC):
        return KINDS["msaccess"]
    raise CutoverError(
        f"scaffold: {path} is neither a SQLite nor an MS Access file nor a tap-msaccess "
        f"snapshot (its first bytes are "
        f"{head[:16]!r}); a SQL dump must be loaded into a database first"
    )


def plan_source(system: str, source: str, settings: dict[str, str] | None = None) -> SystemPlan:
    """`settings`: source settings the planner may need (Access: `jet3_charset`)."""
    kind = detect_kind(source)
    if kind.planner is None:
        raise CutoverError(
            f"scaffold: {kind.label} sources are recognised but not scaffolded yet "
            f"(they need {kind.extractor} and {kind.label} type rules); SQLite files are"
        )
    return kind.planner(system, source, dict(settings or {}))
