"""Read a SQL Server database for the cutover commands, over pymssql, without writing.

The settings are tap-mssql's (host, port, user, password, database, characterset,
tds_version, login_timeout, encryption, schemas, tables, exclude_tables), so this reader
sees the same tables the tap streams. Its catalog SQL is its own (below, one constant per
kind of object): the proof must not trust the tap it checks. What must be the tap's, it
takes from tap_mssql: the connection settings, identifier quoting, and the text a
sql_variant is read as (the fingerprints compare with what the tap wrote).

* Table names are the bare names target-postgres gives the raw tables (the tap's stream
  `<schema>-<table>` loses its schema part). Two tables with one name in two schemas are
  an error, as in the tap. Tables left out by `schemas`/`tables`/`exclude_tables` are
  `skipped` with that reason.
* `iter_rows` returns the values pymssql 2.4.6 gives: bool, int, Decimal, float, str,
  bytes, uuid.UUID, date, time, naive datetime (datetime2's 7th digit truncated to
  microseconds), aware datetime (datetimeoffset). Types pymssql only sees as opaque bytes
  are selected as the same text the tap emits: geography/geometry as `SRID=n;WKT`,
  hierarchyid as its path, sql_variant by base type, xml as nvarchar(max).
* Tables without a primary key have no row identifier in SQL Server: `with_rowid` is
  refused; such tables cannot be proven row by row.
"""

from __future__ import annotations

import codecs
import fnmatch
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from tap_mssql.catalog import quote_name
from tap_mssql.connection import ConnectionSettings, one_line
from tap_mssql.errors import MSSQLError
from tap_mssql.types import variant_sql

from cutover.errors import CutoverError
from cutover.sources.base import (
    SkippedObject,
    SourceColumn,
    SourceForeignKey,
    SourceIndex,
    SourceSchema,
    SourceTable,
)

FETCH_SIZE = 10_000

# --- the catalog SQL (SQL Server 2012 and later; sys catalog views only) -------------------

OBJECTS_SQL = """
SELECT o.object_id, s.name AS schema_name, o.name AS object_name, o.type
FROM sys.objects AS o
JOIN sys.schemas AS s ON s.schema_id = o.schema_id
WHERE o.type IN ('U', 'V') AND o.is_ms_shipped = 0
ORDER BY s.name, o.name
"""

# Alias types resolve to their base system type; CLR types keep their own name.
COLUMNS_SQL = """
SELECT c.object_id, c.name, COALESCE(bt.name, t.name) AS system_type, t.name AS type_name,
       t.is_assembly_type, c.max_length, c.[precision], c.scale, c.is_nullable,
       dc.[definition] AS default_definition
FROM sys.columns AS c
JOIN sys.objects AS o ON o.object_id = c.object_id
JOIN sys.types AS t ON t.user_type_id = c.user_type_id
LEFT JOIN sys.types AS bt
  ON t.is_user_defined = 1 AND t.is_assembly_type = 0 AND bt.user_type_id = t.system_type_id
LEFT JOIN sys.default_constraints AS dc
  ON dc.parent_object_id = c.object_id AND dc.parent_column_id = c.column_id
WHERE o.type = 'U' AND o.is_ms_shipped = 0
ORDER BY c.object_id, c.column_id
"""

# Rowstore indexes (clustered, nonclustered) with their key columns, PKs first.
INDEXES_SQL = """
SELECT i.object_id, i.name, i.is_primary_key, i.is_unique_constraint, i.is_unique,
       i.has_filter, c.name AS column_name
FROM sys.indexes AS i
JOIN sys.index_columns AS ic ON ic.object_id = i.object_id AND ic.index_id = i.index_id
JOIN sys.columns AS c ON c.object_id = ic.object_id AND c.column_id = ic.column_id
JOIN sys.objects AS o ON o.object_id = i.object_id
WHERE o.type = 'U' AND o.is_ms_shipped = 0 AND i.type IN (1, 2) AND i.is_hypothetical = 0
  AND ic.key_ordinal > 0
ORDER BY i.object_id, i.is_primary_key DESC, i.index_id, ic.key_ordinal
"""

FOREIGN_KEYS_SQL = """
SELECT fk.parent_object_id, fk.name, ro.name AS parent_table, pc.name AS column_name,
       rc.name AS parent_column
FROM sys.foreign_keys AS fk
JOIN sys.foreign_key_columns AS fkc ON fkc.constraint_object_id = fk.object_id
JOIN sys.columns AS pc
  ON pc.object_id = fkc.parent_object_id AND pc.column_id = fkc.parent_column_id
JOIN sys.columns AS rc
  ON rc.object_id = fkc.referenced_object_id AND rc.column_id = fkc.referenced_column_id
JOIN sys.objects AS ro ON ro.object_id = fk.referenced_object_id
WHERE fk.is_ms_shipped = 0
ORDER BY fk.parent_object_id, fk.name, fkc.constraint_column_id
"""

CHECKS_SQL = """
SELECT cc.parent_object_id, cc.[definition]
FROM sys.check_constraints AS cc
WHERE cc.is_ms_shipped = 0
ORDER BY cc.parent_object_id, cc.name
"""

# IDENT_CURRENT is the counter's last value; NULL when no row was ever inserted.
IDENTITY_SQL = """
SELECT ic.object_id, ic.name,
       CASE WHEN ic.last_value IS NULL THEN NULL
            ELSE CONVERT(nvarchar(40), IDENT_CURRENT(QUOTENAME(s.name) + '.' + QUOTENAME(o.name)))
       END AS current_value
FROM sys.identity_columns AS ic
JOIN sys.objects AS o ON o.object_id = ic.object_id
JOIN sys.schemas AS s ON s.schema_id = o.schema_id
WHERE o.type = 'U' AND o.is_ms_shipped = 0
"""

TRIGGERS_SQL = """
SELECT tr.parent_id, tr.name
FROM sys.triggers AS tr
WHERE tr.parent_class = 1 AND tr.is_ms_shipped = 0
ORDER BY tr.parent_id, tr.name
"""

TABLE_SIZES_SQL = """
SELECT p.object_id, SUM(a.total_pages) * 8192 AS size_bytes
FROM sys.partitions AS p
JOIN sys.allocation_units AS a ON a.container_id = p.partition_id
GROUP BY p.object_id
"""

DATABASE_SIZE_SQL = """
SELECT SUM(CAST(f.size AS bigint)) * 8192 FROM sys.database_files AS f WHERE f.type = 0
"""

# Other object kinds, counted for object parity.
EXTRA_COUNTS_SQL = """
SELECT 'procedures', COUNT(*) FROM sys.procedures WHERE is_ms_shipped = 0
UNION ALL SELECT 'functions', COUNT(*) FROM sys.objects
  WHERE type IN ('FN', 'IF', 'TF', 'FS', 'FT') AND is_ms_shipped = 0
UNION ALL SELECT 'sequences', COUNT(*) FROM sys.sequences
UNION ALL SELECT 'synonyms', COUNT(*) FROM sys.synonyms
UNION ALL SELECT 'user_types', COUNT(*) FROM sys.types WHERE is_user_defined = 1
"""

CATALOG_SQL = {
    "objects": OBJECTS_SQL,
    "columns": COLUMNS_SQL,
    "indexes": INDEXES_SQL,
    "foreign_keys": FOREIGN_KEYS_SQL,
    "checks": CHECKS_SQL,
    "identity": IDENTITY_SQL,
    "triggers": TRIGGERS_SQL,
    "table_sizes": TABLE_SIZES_SQL,
    "database_size": DATABASE_SIZE_SQL,
    "extra_counts": EXTRA_COUNTS_SQL,
}


def select_expression(column: str, system_type: str) -> str:
    """The select-list expression of a column: the column itself, or the tap's text form
    for types pymssql returns as opaque bytes."""
    c = quote_name(column)
    base = system_type.lower()
    if base in ("geography", "geometry"):
        return f"'SRID=' + CAST({c}.STSrid AS varchar(11)) + ';' + {c}.ToString()"
    if base == "hierarchyid":
        return f"{c}.ToString()"
    if base in ("xml", "json", "vector"):
        return f"CAST({c} AS nvarchar(max))"
    if base == "sql_variant":  # must be the tap's text, or every such row would differ
        return variant_sql(c)
    return c


def declared_type(system_type: str, max_length: int, precision: int, scale: int) -> str:
    """The declared type as T-SQL writes it: ``nvarchar(50)``, ``decimal(38,10)``."""
    base = system_type.lower()
    if base in ("varchar", "char", "varbinary", "binary"):
        return f"{base}(max)" if max_length == -1 else f"{base}({max_length})"
    if base in ("nvarchar", "nchar"):
        return f"{base}(max)" if max_length == -1 else f"{base}({max_length // 2})"
    if base in ("decimal", "numeric"):
        return f"{base}({precision},{scale})"
    if base in ("datetime2", "datetimeoffset", "time"):
        return f"{base}({scale})"
    return base


# --- settings and connection ---------------------------------------------------------------


@dataclass(frozen=True)
class MssqlSettings:
    """tap-mssql's settings, as `meltano config print` gives them: its connection (the
    tap's own ConnectionSettings) and the table filters the tap applies."""

    connection: ConnectionSettings
    schemas: tuple[str, ...] = ()
    tables: tuple[str, ...] = ()
    exclude_tables: tuple[str, ...] = ()

    @classmethod
    def from_mapping(cls, settings: Mapping[str, Any]) -> MssqlSettings:
        for required in ("host", "database"):
            if not settings.get(required):
                raise CutoverError(f"SQL Server source: setting {required!r} is not set")
        charset = str(settings.get("characterset") or "utf8")
        try:
            codecs.lookup(charset)
        except LookupError as exc:
            raise CutoverError(f"SQL Server source: unknown characterset {charset!r}") from exc
        try:
            connection = ConnectionSettings.from_config(settings)
        except MSSQLError as exc:
            raise CutoverError(f"SQL Server source: {exc}") from exc
        return cls(
            connection=replace(connection, appname="cutover"),
            schemas=tuple(settings.get("schemas") or ()),
            tables=tuple(settings.get("tables") or ()),
            exclude_tables=tuple(settings.get("exclude_tables") or ()),
        )

    @property
    def label(self) -> str:
        """``user@host:port/database`` (never the password)."""
        return self.connection.label

    def connect_kwargs(self) -> dict[str, Any]:
        return self.connection.connect_kwargs()

    def excluded(self, schema: str, table: str) -> str | None:
        """Why the tap's settings leave this table out, or None."""
        names = (table, f"{schema}.{table}", f"{schema}-{table}")
        if self.schemas and schema.casefold() not in {s.casefold() for s in self.schemas}:
            return "schema not in the extractor's 'schemas' setting"
        if self.tables and not _globs(names, self.tables):
            return "not matched by the extractor's 'tables' setting"
        if self.exclude_tables and _globs(names, self.exclude_tables):
            return "matched by the extractor's 'exclude_tables' setting"
        return None


def _globs(names: Sequence[str], patterns: Sequence[str]) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for name in names for pattern in patterns)


def _pymssql() -> Any:
    try:
        import pymssql
    except ImportError as exc:
        raise CutoverError(
            "reading a SQL Server source needs pymssql: install extract/tap-mssql into this "
            "environment (it pins pymssql==2.4.6), or `pip install pymssql==2.4.6`"
        ) from exc
    return pymssql


def error_text(exc: BaseException) -> str:
    """A pymssql/FreeTDS error as one line (its args are nested tuples of bytes)."""
    return one_line(exc)


def open_mssql(settings: Mapping[str, Any]) -> MssqlSource:
    """Connect with the extractor's settings; raises CutoverError naming the server."""
    return MssqlSource(MssqlSettings.from_mapping(settings))


# --- the reader ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _ColumnRow:
    name: str
    system_type: str
    type_name: str
    is_assembly_type: bool
    max_length: int
    precision: int
    scale: int
    nullable: bool
    default: str | None


class MssqlSource:
    """One SQL Server database, read-only. A SourceReader."""

    kind = "mssql"

    def __init__(self, settings: MssqlSettings) -> None:
        self.settings = settings
        self.description = f"SQL Server {settings.label}"
        self._schema: SourceSchema | None = None
        self._objects: dict[str, tuple[str, str]] = {}  # bare name -> (schema, name)
        self._types: dict[str, dict[str, str]] = {}  # bare table -> column -> system type
        self._keys: dict[str, tuple[str, ...]] = {}
        pymssql = _pymssql()
        self._errors = (pymssql.Error,)
        try:
            self._connection = pymssql.connect(**settings.connect_kwargs())
        except (pymssql.Error, ValueError) as exc:
            raise CutoverError(
                f"cannot connect to SQL Server {settings.label}: {error_text(exc)}"
            ) from exc
        self.size_bytes: int | None = self._database_size()

    def _query(self, sql: str) -> list[tuple[Any, ...]]:
        cursor = self._connection.cursor()
        try:
            cursor.execute(sql)
            return list(cursor.fetchall())
        except self._errors as exc:
            raise CutoverError(
                f"cannot read the catalog of {self.settings.label}: {error_text(exc)}"
            ) from exc

    def _database_size(self) -> int | None:
        rows = self._query(DATABASE_SIZE_SQL)
        return int(rows[0][0]) if rows and rows[0][0] is not None else None

    def schema(self) -> SourceSchema:
        if self._schema is None:
            self._schema = self._read_schema()
        return self._schema

    def _read_schema(self) -> SourceSchema:
        objects = self._query(OBJECTS_SQL)
        by_id: dict[int, tuple[str, str]] = {}
        views: list[str] = []
        skipped: list[SkippedObject] = []
        for object_id, schema, name, kind in objects:
            if str(kind).strip() == "V":
                views.append(name)
                continue
            reason = self.settings.excluded(schema, name)
            if reason:
                skipped.append(SkippedObject(f"{schema}.{name}", "table", reason))
                continue
            if name in self._objects:
                other = ".".join(self._objects[name])
                raise CutoverError(
                    f"SQL Server tables {other!r} and {schema}.{name!r} both load into raw table "
                    f"{name!r}: exclude one with the extractor's 'exclude_tables' or 'schemas'"
                )
            self._objects[name] = (schema, name)
            by_id[int(object_id)] = (schema, name)
        tables = self._tables(by_id)
        triggers = tuple(
            f"{by_id[int(parent)][1]}.{name}"
            for parent, name in self._query(TRIGGERS_SQL)
            if int(parent) in by_id
        )
        extra = {str(kind): int(count) for kind, count in self._query(EXTRA_COUNTS_SQL)}
        return SourceSchema(
            tables=tables,
            views=tuple(views),
            triggers=triggers,
            skipped=tuple(skipped),
            extra=extra,
        )

    def _tables(self, by_id: dict[int, tuple[str, str]]) -> tuple[SourceTable, ...]:
        columns: dict[int, list[_ColumnRow]] = {}
        for object_id, *fields in self._query(COLUMNS_SQL):
            row = _ColumnRow(*fields)
            columns.setdefault(int(object_id), []).append(row)
        keys = _group(self._query(INDEXES_SQL))
        fks = _group(self._query(FOREIGN_KEYS_SQL))
        checks: dict[int, list[str]] = {}
        for parent, definition in self._query(CHECKS_SQL):
            checks.setdefault(int(parent), []).append(definition)
        identity = {int(row[0]): (row[1], row[2]) for row in self._query(IDENTITY_SQL)}
        sizes = {int(row[0]): int(row[1]) for row in self._query(TABLE_SIZES_SQL)}
        tables = []
        for object_id, (schema, name) in by_id.items():
            table_columns = columns.get(object_id, [])
            self._types[name] = {c.name: c.system_type for c in table_columns}
            primary_key, uniques, indexes = _indexes(keys.get(object_id, {}))
            self._keys[name] = primary_key
            generated, current = identity.get(object_id, (None, None))
            tables.append(
                SourceTable(
                    name=name,
                    columns=tuple(
                        SourceColumn(
                            c.name,
                            declared_type(c.system_type, c.max_length, c.precision, c.scale),
                            not c.nullable,
                            c.default,
                        )
                        for c in table_columns
                    ),
                    primary_key=primary_key,
                    foreign_keys=tuple(
                        SourceForeignKey(
                            columns=tuple(r[3] for r in rows),
                            parent_table=rows[0][2],
                            parent_columns=tuple(r[4] for r in rows),
                            name=fk_name,
                        )
                        for fk_name, rows in fks.get(object_id, {}).items()
                    ),
                    unique_constraints=uniques,
                    check_constraints=tuple(checks.get(object_id, ())),
                    indexes=indexes,
                    generated_key=generated,
                    sequence_value=int(current) if current is not None else None,
                    row_count=self._count(schema, name),
                    size_bytes=sizes.get(object_id),
                )
            )
        return tuple(tables)

    def _count(self, schema: str, name: str) -> int:
        rows = self._query(f"SELECT COUNT_BIG(*) FROM {quote_name(schema)}.{quote_name(name)}")
        return int(rows[0][0])

    def iter_rows(
        self, table: str, columns: Sequence[str], *, with_rowid: bool = False
    ) -> Iterator[tuple[Any, ...]]:
        """Rows of `table` in primary-key order, streamed with fetchmany.

        The query runs before this returns, so a bad table or column fails here.
        """
        self.schema()
        if table not in self._objects:
            raise CutoverError(f"{self.description}: no table {table!r}")
        if with_rowid:
            raise CutoverError(
                f"{self.description}: table {table!r} has no primary key and SQL Server has "
                "no row identifier: it cannot be read row by row"
            )
        types = self._types[table]
        missing = [column for column in columns if column not in types]
        if missing or not columns:
            raise CutoverError(
                f"cannot read table {table!r} of {self.description}: no such column(s) "
                + ", ".join(repr(column) for column in missing)
            )
        schema, name = self._objects[table]
        selected = ", ".join(select_expression(c, types[c]) for c in columns)
        sql = f"SELECT {selected} FROM {quote_name(schema)}.{quote_name(name)}"
        if self._keys.get(table):
            sql += " ORDER BY " + ", ".join(quote_name(c) for c in self._keys[table])
        cursor = self._connection.cursor()
        try:
            cursor.execute(sql)
        except self._errors as exc:
            raise CutoverError(f"cannot read table {table!r}: {error_text(exc)}") from exc
        return self._fetch(cursor, table)

    def _fetch(self, cursor: Any, table: str) -> Iterator[tuple[Any, ...]]:
        try:
            while rows := cursor.fetchmany(FETCH_SIZE):
                yield from rows
        except self._errors as exc:
            raise CutoverError(f"cannot read table {table!r}: {error_text(exc)}") from exc

    def close(self) -> None:
        connection = getattr(self, "_connection", None)
        if connection is not None:
            connection.close()
            self._connection = None

    def __enter__(self) -> MssqlSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _group(rows: Sequence[tuple[Any, ...]]) -> dict[int, dict[str, list[tuple[Any, ...]]]]:
    """Rows keyed by (object_id, name), in query order."""
    grouped: dict[int, dict[str, list[tuple[Any, ...]]]] = {}
    for row in rows:
        grouped.setdefault(int(row[0]), {}).setdefault(row[1], []).append(row)
    return grouped


def _indexes(
    by_name: dict[str, list[tuple[Any, ...]]],
) -> tuple[tuple[str, ...], tuple[tuple[str, ...], ...], tuple[SourceIndex, ...]]:
    """(primary key, UNIQUE constraints, other indexes) from INDEXES_SQL rows."""
    primary_key: tuple[str, ...] = ()
    uniques: list[tuple[str, ...]] = []
    indexes: list[SourceIndex] = []
    for name, rows in by_name.items():
        _, _, is_pk, is_constraint, is_unique, has_filter, _ = rows[0]
        columns = tuple(row[6] for row in rows)
        if is_pk:
            primary_key = columns
        elif is_constraint:
            uniques.append(columns)
        else:
            indexes.append(SourceIndex(name, columns, bool(is_unique), bool(has_filter)))
    return primary_key, tuple(uniques), tuple(indexes)
