"""What the database holds, read from the sys catalog views (SQL Server 2012 and later).

One query per kind of object, for the whole database, filtered in Python. Only
``sys.*`` catalog views are read (never ``INFORMATION_SCHEMA``: it hides alias and CLR
types, identity and computed columns). Nothing is written.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

OBJECTS_SQL = """
SELECT s.name, o.name, o.object_id, o.type
FROM sys.objects AS o
JOIN sys.schemas AS s ON s.schema_id = o.schema_id
WHERE o.type IN ('U', 'V') AND o.is_ms_shipped = 0
ORDER BY s.name, o.name
"""

# Alias types (CREATE TYPE x FROM varchar(11)) resolve to their base system type; CLR
# types (geography, hierarchyid, user assemblies) keep their own name.
COLUMNS_SQL = """
SELECT c.object_id, c.column_id, c.name, t.name, COALESCE(bt.name, t.name),
       t.is_user_defined, t.is_assembly_type, c.max_length, c.[precision], c.scale,
       c.is_nullable, c.collation_name, c.is_identity, c.is_computed, cc.[definition],
       c.is_sparse, c.is_column_set
FROM sys.columns AS c
JOIN sys.objects AS o ON o.object_id = c.object_id
JOIN sys.types AS t ON t.user_type_id = c.user_type_id
LEFT JOIN sys.types AS bt
  ON t.is_user_defined = 1 AND t.is_assembly_type = 0 AND bt.user_type_id = t.system_type_id
LEFT JOIN sys.computed_columns AS cc
  ON cc.object_id = c.object_id AND cc.column_id = c.column_id
WHERE o.type IN ('U', 'V') AND o.is_ms_shipped = 0
ORDER BY c.object_id, c.column_id
"""

# Primary keys, UNIQUE constraints and unique indexes (rowstore only), key columns only.
KEYS_SQL = """
SELECT i.object_id, i.name, i.is_primary_key, i.is_unique_constraint, i.has_filter,
       c.name, c.is_nullable
FROM sys.indexes AS i
JOIN sys.index_columns AS ic ON ic.object_id = i.object_id AND ic.index_id = i.index_id
JOIN sys.columns AS c ON c.object_id = ic.object_id AND c.column_id = ic.column_id
JOIN sys.objects AS o ON o.object_id = i.object_id
WHERE o.type = 'U' AND o.is_ms_shipped = 0 AND i.is_unique = 1 AND i.type IN (1, 2)
  AND i.is_hypothetical = 0 AND ic.key_ordinal > 0
ORDER BY i.object_id, i.is_primary_key DESC, i.index_id, ic.key_ordinal
"""

FOREIGN_KEYS_SQL = """
SELECT fk.parent_object_id, fk.name, rs.name, ro.name, pc.name, rc.name,
       fk.delete_referential_action_desc, fk.update_referential_action_desc,
       fk.is_disabled, fk.is_not_trusted
FROM sys.foreign_keys AS fk
JOIN sys.foreign_key_columns AS fkc ON fkc.constraint_object_id = fk.object_id
JOIN sys.columns AS pc
  ON pc.object_id = fkc.parent_object_id AND pc.column_id = fkc.parent_column_id
JOIN sys.columns AS rc
  ON rc.object_id = fkc.referenced_object_id AND rc.column_id = fkc.referenced_column_id
JOIN sys.objects AS ro ON ro.object_id = fk.referenced_object_id
JOIN sys.schemas AS rs ON rs.schema_id = ro.schema_id
WHERE fk.is_ms_shipped = 0
ORDER BY fk.parent_object_id, fk.name, fkc.constraint_column_id
"""

IDENTITY_SQL = """
SELECT ic.object_id, ic.name, CONVERT(nvarchar(40), ic.seed_value),
       CONVERT(nvarchar(40), ic.increment_value), CONVERT(nvarchar(40), ic.last_value)
FROM sys.identity_columns AS ic
JOIN sys.objects AS o ON o.object_id = ic.object_id
WHERE o.type = 'U' AND o.is_ms_shipped = 0
"""

DATABASE_SQL = """
SELECT DB_NAME(), CAST(SERVERPROPERTY('ProductVersion') AS nvarchar(128)),
       CAST(SERVERPROPERTY('Edition') AS nvarchar(128)), d.snapshot_isolation_state,
       d.collation_name
FROM sys.databases AS d
WHERE d.database_id = DB_ID()
"""


def quote_name(name: str) -> str:
    """A T-SQL identifier in brackets (``]`` doubled)."""
    return "[" + name.replace("]", "]]") + "]"


@dataclass(frozen=True)
class Column:
    """One column as ``sys.columns`` / ``sys.types`` describe it."""

    name: str
    type_name: str  # the declared type: a system type, an alias or a CLR type name
    system_type: str  # alias types resolved to their base system type
    max_length: int = 0  # bytes; -1 for (max)
    precision: int = 0
    scale: int = 0
    nullable: bool = True
    collation: str | None = None
    is_identity: bool = False
    computed: str | None = None  # the definition of a computed column
    is_user_defined: bool = False
    is_assembly_type: bool = False
    is_sparse: bool = False
    is_column_set: bool = False

    @property
    def declared(self) -> str:
        """The declared type as T-SQL writes it: ``nvarchar(50)``, ``decimal(38,10)``."""
        base = self.system_type.lower()
        text = base + _type_arguments(base, self.max_length, self.precision, self.scale)
        if self.type_name.lower() != base:
            return f"{self.type_name} ({text})"
        return text


def _type_arguments(base: str, max_length: int, precision: int, scale: int) -> str:
    if base in {"varchar", "char", "varbinary", "binary"}:
        return "(max)" if max_length == -1 else f"({max_length})"
    if base in {"nvarchar", "nchar"}:
        return "(max)" if max_length == -1 else f"({max_length // 2})"
    if base in {"decimal", "numeric"}:
        return f"({precision},{scale})"
    if base in {"datetime2", "datetimeoffset", "time"}:
        return f"({scale})"
    return ""


@dataclass(frozen=True)
class ForeignKey:
    """A foreign key of a table (its columns, in order)."""

    name: str
    columns: tuple[str, ...]
    referenced_schema: str
    referenced_table: str
    referenced_columns: tuple[str, ...]
    on_delete: str = "NO_ACTION"
    on_update: str = "NO_ACTION"
    disabled: bool = False
    not_trusted: bool = False

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (schema annotations, audit)."""
        return {
            "name": self.name,
            "columns": list(self.columns),
            "referenced_schema": self.referenced_schema,
            "referenced_table": self.referenced_table,
            "referenced_columns": list(self.referenced_columns),
            "on_delete": self.on_delete,
            "on_update": self.on_update,
            "disabled": self.disabled,
            "not_trusted": self.not_trusted,
        }


@dataclass(frozen=True)
class UniqueKey:
    """A UNIQUE constraint or unique index (PRIMARY KEYs are kept apart)."""

    name: str
    columns: tuple[str, ...]
    constraint: bool  # True: UNIQUE constraint; False: CREATE UNIQUE INDEX
    filtered: bool = False
    nullable: bool = False  # a key column allows NULL

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "name": self.name,
            "columns": list(self.columns),
            "constraint": self.constraint,
            "filtered": self.filtered,
        }


@dataclass(frozen=True)
class Identity:
    """The IDENTITY column of a table and its counter (values as exact text)."""

    column: str
    seed: str | None
    increment: str | None
    last_value: str | None  # None: no row was ever inserted

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "column": self.column,
            "seed": self.seed,
            "increment": self.increment,
            "last_value": self.last_value,
        }


@dataclass
class Table:
    """A user table or view and what the catalog says about it."""

    schema: str
    name: str
    object_id: int
    object_type: str  # "table" | "view"
    columns: list[Column] = field(default_factory=list)
    primary_key: tuple[str, ...] = ()
    primary_key_name: str | None = None
    unique_keys: list[UniqueKey] = field(default_factory=list)
    foreign_keys: list[ForeignKey] = field(default_factory=list)
    identity: Identity | None = None

    @property
    def qualified(self) -> str:
        """``schema.table`` (unquoted, for messages)."""
        return f"{self.schema}.{self.name}"

    @property
    def sql_name(self) -> str:
        """``[schema].[table]``."""
        return f"{quote_name(self.schema)}.{quote_name(self.name)}"

    @property
    def key_properties(self) -> tuple[str, ...]:
        """PK columns; else the first unfiltered UNIQUE key on NOT NULL columns; else ()."""
        if self.primary_key:
            return self.primary_key
        for unique in self.unique_keys:
            if not unique.filtered and not unique.nullable:
                return unique.columns
        return ()


@dataclass(frozen=True)
class DatabaseInfo:
    """The database and server, for the log and the audit."""

    name: str
    product_version: str
    edition: str
    snapshot_allowed: bool
    collation: str | None


def read_database_info(cursor: Any) -> DatabaseInfo:
    """Name, version, whether SNAPSHOT isolation is allowed, default collation."""
    cursor.execute(DATABASE_SQL)
    name, version, edition, snapshot_state, collation = cursor.fetchone()
    return DatabaseInfo(str(name), str(version), str(edition), snapshot_state == 1, collation)


def read_tables(cursor: Any) -> list[Table]:
    """Every user table and view, with columns, keys, foreign keys and identity."""
    tables = {
        object_id: Table(schema, name, object_id, "table" if kind.strip() == "U" else "view")
        for schema, name, object_id, kind in _rows(cursor, OBJECTS_SQL)
    }
    for row in _rows(cursor, COLUMNS_SQL):
        table = tables.get(row[0])
        if table is not None:
            table.columns.append(_column(row))
    _attach_keys(tables, _rows(cursor, KEYS_SQL))
    _attach_foreign_keys(tables, _rows(cursor, FOREIGN_KEYS_SQL))
    for object_id, column, seed, increment, last_value in _rows(cursor, IDENTITY_SQL):
        if object_id in tables:
            tables[object_id].identity = Identity(column, seed, increment, last_value)
    return list(tables.values())


def _rows(cursor: Any, sql: str) -> list[tuple[Any, ...]]:
    cursor.execute(sql)
    return list(cursor.fetchall())


def _column(row: Sequence[Any]) -> Column:
    (
        _object_id,
        _column_id,
        name,
        type_name,
        system_type,
        is_user_defined,
        is_assembly_type,
        max_length,
        precision,
        scale,
        nullable,
        collation,
        is_identity,
        is_computed,
        definition,
        is_sparse,
        is_column_set,
    ) = row
    return Column(
        name=name,
        type_name=type_name,
        system_type=system_type,
        max_length=int(max_length),
        precision=int(precision),
        scale=int(scale),
        nullable=bool(nullable),
        collation=collation,
        is_identity=bool(is_identity),
        computed=definition if is_computed else None,
        is_user_defined=bool(is_user_defined),
        is_assembly_type=bool(is_assembly_type),
        is_sparse=bool(is_sparse),
        is_column_set=bool(is_column_set),
    )


def _grouped(
    tables: dict[int, Table], rows: Iterable[Sequence[Any]]
) -> list[tuple[Table, str, list[Sequence[Any]]]]:
    """Rows grouped by (object_id, name), in query order, for the tables we know."""
    grouped: dict[tuple[int, str], list[Sequence[Any]]] = {}
    for row in rows:
        grouped.setdefault((row[0], row[1]), []).append(row)
    return [
        (tables[object_id], name, members)
        for (object_id, name), members in grouped.items()
        if object_id in tables
    ]


def _attach_keys(tables: dict[int, Table], rows: Iterable[Sequence[Any]]) -> None:
    for table, name, members in _grouped(tables, rows):
        _, _, is_pk, is_constraint, has_filter, _, _ = members[0]
        columns = tuple(member[5] for member in members)
        if is_pk:
            table.primary_key = columns
            table.primary_key_name = name
            continue
        nullable = any(member[6] for member in members)
        table.unique_keys.append(
            UniqueKey(name, columns, bool(is_constraint), bool(has_filter), nullable)
        )


def _attach_foreign_keys(tables: dict[int, Table], rows: Iterable[Sequence[Any]]) -> None:
    for table, name, members in _grouped(tables, rows):
        _, _, ref_schema, ref_table, _, _, on_delete, on_update, disabled, untrusted = members[0]
        table.foreign_keys.append(
            ForeignKey(
                name=name,
                columns=tuple(member[4] for member in members),
                referenced_schema=ref_schema,
                referenced_table=ref_table,
                referenced_columns=tuple(member[5] for member in members),
                on_delete=on_delete,
                on_update=on_update,
                disabled=bool(disabled),
                not_trusted=bool(untrusted),
            )
        )
