"""Find the tables, views and virtual tables of the source and their columns."""

from __future__ import annotations

import fnmatch
import re
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field

from tap_sqlite.source import SourceError
from tap_sqlite.sql import quote_identifier

AUDIT_STREAM_NAME = "_source_audit"
ROWID_COLUMN = "_sqlite_rowid"
ROWID_ALIASES = ("rowid", "_rowid_", "oid")
VIRTUAL_SKIP_REASON = (
    "virtual table (module {module}): its content is in shadow tables / source table"
)

_VIRTUAL_MODULE = re.compile(r"\bUSING\s+[\"'`\[]?(\w+)", re.IGNORECASE)
_WITHOUT_ROWID = re.compile(r"\bWITHOUT\s+ROWID\b", re.IGNORECASE)
#: table_xinfo "hidden": 0 normal, 1 hidden (virtual tables), 2/3 generated.
_VISIBLE_HIDDEN_VALUES = (0, 2, 3)


class DiscoveryError(SourceError):
    """The source cannot be mapped to streams (reported as one line)."""


@dataclass(frozen=True)
class Column:
    """One column as SQLite declares it."""

    name: str
    declared_type: str
    pk_position: int  # 0 when the column is not part of the primary key
    generated: bool = False


@dataclass
class SourceObject:
    """A table, view or virtual table from ``sqlite_master``."""

    name: str
    stream_name: str
    object_type: str  # "table" | "view" | "virtual"
    sql: str
    columns: list[Column] = field(default_factory=list)
    without_rowid: bool = False
    module: str | None = None
    rowid_expression: str | None = None  # how to select the rowid, if any
    skip_reason: str | None = None  # set: not streamed ("skipped")
    deselect_reason: str | None = None  # set: excluded by config ("deselected")

    @property
    def declared_key(self) -> list[str]:
        """Declared primary key columns in PK order."""
        keyed = sorted((c for c in self.columns if c.pk_position), key=_pk_position)
        return [column.name for column in keyed]

    @property
    def label(self) -> str:
        """How messages name this kind of object."""
        if self.object_type == "virtual":
            return f"virtual table (module {self.module})"
        return self.object_type

    @property
    def streamed(self) -> bool:
        """Whether this object becomes a stream."""
        return self.skip_reason is None and self.deselect_reason is None


def _pk_position(column: Column) -> int:
    return column.pk_position


def stream_name_for(table_name: str) -> str:
    """Stream name: the table name with '-' replaced (target-postgres splits on it)."""
    return table_name.replace("-", "_")


def virtual_module(sql: str) -> str:
    """Module name of a ``CREATE VIRTUAL TABLE ... USING module(...)`` statement."""
    match = _VIRTUAL_MODULE.search(sql)
    return match.group(1).lower() if match else "unknown"


def list_objects(connection: sqlite3.Connection) -> list[SourceObject]:
    """Every table and view in ``sqlite_master`` except internal ``sqlite_%`` ones.

    ``sqlite_sequence`` is kept: it holds AUTOINCREMENT high-water marks.
    """
    rows = connection.execute(
        "SELECT type, name, coalesce(sql, '') FROM sqlite_master "
        "WHERE type IN ('table', 'view') ORDER BY rowid"
    ).fetchall()
    objects = []
    for kind, name, sql in rows:
        if name.lower().startswith("sqlite_") and name != "sqlite_sequence":
            continue
        object_type = kind
        if kind == "table" and sql.lstrip().upper().startswith("CREATE VIRTUAL"):
            object_type = "virtual"
        objects.append(
            SourceObject(
                name=name,
                stream_name=stream_name_for(name),
                object_type=object_type,
                sql=sql,
                module=virtual_module(sql) if object_type == "virtual" else None,
            )
        )
    check_name_collisions(objects)
    return objects


def check_name_collisions(objects: Sequence[SourceObject]) -> None:
    """Fail if two objects map to one stream name (or to the audit stream)."""
    seen: dict[str, str] = {AUDIT_STREAM_NAME: "the audit stream"}
    for obj in objects:
        other = seen.get(obj.stream_name)
        if other is not None:
            msg = (
                f"stream name collision: {obj.name!r} and {other!r} both map to "
                f"stream {obj.stream_name!r}"
            )
            raise DiscoveryError(msg)
        seen[obj.stream_name] = obj.name


def _matches(obj: SourceObject, patterns: Sequence[str]) -> bool:
    names = {obj.name, obj.stream_name}
    return any(fnmatch.fnmatchcase(n, p) for n in names for p in patterns)


def apply_config_filters(
    objects: Sequence[SourceObject],
    *,
    tables: Sequence[str] | None,
    exclude_tables: Sequence[str] | None,
    include_views: bool,
    include_virtual_tables: bool,
) -> list[str]:
    """Mark objects excluded by config; return ``tables`` patterns matching nothing."""
    for obj in objects:
        if tables and not _matches(obj, tables):
            obj.deselect_reason = "not matched by the 'tables' setting"
        elif exclude_tables and _matches(obj, exclude_tables):
            obj.deselect_reason = "matched by the 'exclude_tables' setting"
        elif obj.object_type == "view" and not include_views:
            obj.deselect_reason = "views excluded ('include_views' is false)"
        elif obj.object_type == "virtual" and not include_virtual_tables:
            obj.skip_reason = VIRTUAL_SKIP_REASON.format(module=obj.module)
    return [
        pattern for pattern in tables or () if not any(_matches(obj, [pattern]) for obj in objects)
    ]


def _without_rowid(connection: sqlite3.Connection, obj: SourceObject) -> bool:
    if obj.object_type != "table":
        return False
    try:
        rows = connection.execute(
            "SELECT wr FROM pragma_table_list WHERE schema = 'main' AND name = ?",
            (obj.name,),
        ).fetchall()
    except sqlite3.Error:  # SQLite < 3.37 has no table_list: read the DDL
        rows = []
    if rows:
        return bool(rows[0][0])
    tail = obj.sql[obj.sql.rfind(")") + 1 :]
    return bool(_WITHOUT_ROWID.search(tail))


def _rowid_expression(connection: sqlite3.Connection, obj: SourceObject) -> str | None:
    """A name that selects the real rowid (not shadowed by a column), if any."""
    if obj.object_type == "view" or obj.without_rowid:
        return None
    taken = {column.name.lower() for column in obj.columns}
    table = quote_identifier(obj.name)
    for alias in ROWID_ALIASES:
        if alias in taken:
            continue
        try:
            connection.execute(f"SELECT {alias} FROM {table} LIMIT 0").fetchall()
        except sqlite3.Error:
            return None
        return alias
    return None


def describe(connection: sqlite3.Connection, obj: SourceObject) -> None:
    """Fill columns, WITHOUT ROWID flag and rowid access for a streamed object.

    An object SQLite cannot describe (a view over a missing table, a virtual table
    whose module is not available) is marked skipped with the error as reason.
    """
    try:
        rows = connection.execute(
            "SELECT name, type, pk, hidden FROM pragma_table_xinfo(?)",
            (obj.name,),
        ).fetchall()
        obj.columns = [
            Column(
                name=name,
                declared_type=declared or "",
                pk_position=int(pk or 0),
                generated=hidden in (2, 3),
            )
            for name, declared, pk, hidden in rows
            if hidden in _VISIBLE_HIDDEN_VALUES
        ]
        obj.without_rowid = _without_rowid(connection, obj)
        obj.rowid_expression = _rowid_expression(connection, obj)
    except sqlite3.Error as exc:
        obj.skip_reason = f"{obj.label} is not readable: {exc}"
        return
    if not obj.columns:
        obj.skip_reason = f"{obj.label} has no readable columns"
    elif ROWID_COLUMN in {c.name for c in obj.columns} and not obj.declared_key:
        msg = (
            f"table {obj.name!r} has no primary key and already has a column named "
            f"{ROWID_COLUMN!r}; cannot add its rowid as key"
        )
        raise DiscoveryError(msg)
