"""The plan of a SQL Server source: its tables with the types of mssql_types.py, foreign
keys, primary and unique keys, indexes, CHECKs and IDENTITY columns,
read through the cutover SQL Server reader. Rendering is shared with SQLite and Access.

The source is a URL without a password, `mssql://user@host:1433/Database`; the password
comes from the environment (TAP_MSSQL_PASSWORD, or `--password-env`), never from the URL,
so it cannot end up in a generated file or a log.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

from cutover.errors import CutoverError
from cutover.scaffold.mssql_types import map_mssql_column
from cutover.scaffold.plan import SystemPlan, plan_declared_types
from cutover.scaffold.sqlite_types import ColumnMapping
from cutover.sources.base import SourceSchema

_DECLARED = re.compile(r"^(?P<base>[a-z0-9_ ]+?)(?:\((?P<args>[^)]*)\))?$")
_NATIONAL = ("nchar", "nvarchar")
_LENGTHS = ("char", "varchar", "binary", "varbinary", *_NATIONAL)
NO_KEY = (
    "no primary key, so its rows cannot be proven one by one: add one "
    "(ALTER TABLE ... ADD PRIMARY KEY) and scaffold again"
)


def connection_settings(url: str, password: str | None) -> dict[str, object]:
    """tap-mssql's settings from `mssql://user@host:port/Database`."""
    parts = urlsplit(url)
    if parts.password:
        raise CutoverError(
            "scaffold: put the SQL Server password in TAP_MSSQL_PASSWORD (or name a variable "
            "with --password-env), not in the URL: the URL is written into files and logs"
        )
    database = unquote(parts.path.lstrip("/"))
    if not parts.hostname or not database:
        raise CutoverError(
            f"scaffold: a SQL Server source is mssql://user@host[:port]/Database, got {url!r}"
        )
    settings: dict[str, object] = {"host": parts.hostname, "database": database}
    if parts.port:
        settings["port"] = parts.port
    if parts.username:
        settings["user"] = unquote(parts.username)
    if password:
        settings["password"] = password
    return settings


def plan_mssql(system: str, url: str, settings: dict[str, str]) -> SystemPlan:
    from cutover.sources.mssql import open_mssql

    connection = connection_settings(url, settings.get("password"))
    with open_mssql(connection) as reader:
        schema = reader.schema()
    public = {k: str(v) for k, v in connection.items() if k != "password"}
    return plan_from_schema(system, schema, public)


def plan_from_schema(system: str, schema: SourceSchema, connection: dict[str, str]) -> SystemPlan:
    """The plan of a SQL Server schema (as the reader gives it); `connection` becomes the
    extractor's config (host, port, user, database: no password). CHECKs are renamed like
    SQLite's ([Price] >= (0) -> "price" >= (0)); one calling a T-SQL function (len(),
    getdate()) fails the dbt build, naming it, for a hand edit."""
    return plan_declared_types(
        system,
        schema,
        lambda table, column: _map(
            column.declared_type, is_identity=column.name == table.generated_key
        ),
        no_key=NO_KEY,
        source_path=Path(connection["database"]),
        extractor="tap-mssql",
        extractor_config=tuple(connection.items()),
    )


def _map(declared: str, *, is_identity: bool) -> ColumnMapping:
    """`nvarchar(50)`, `decimal(18,4)`, `datetime2(7)`, `varbinary(max)` as the reader
    declares them, back to sys.columns' (type, max_length bytes, precision, scale)."""
    match = _DECLARED.match(declared.strip().lower())
    if match is None:
        raise CutoverError(f"SQL Server type {declared!r}: cannot read it")
    base, args = match.group("base").strip(), match.group("args")
    max_length = precision = scale = 0
    if args is not None and base in _LENGTHS:
        max_length = -1 if args.strip() == "max" else int(args)
        if base in _NATIONAL and max_length > 0:
            max_length *= 2
    elif args is not None and base in ("decimal", "numeric"):
        precision, scale = (int(part) for part in args.split(","))
    elif args is not None:
        scale = int(args)
    return map_mssql_column(base, max_length, precision, scale, is_identity=is_identity)
