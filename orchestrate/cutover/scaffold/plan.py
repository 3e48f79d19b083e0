"""What the scaffolder will write for one source: tables, columns, keys and indexes, with
the PostgreSQL name and type of each, decided by the rules in sqlite_types.py and
identifiers.py. Rendering (render.py) only formats this plan."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from cutover.errors import CutoverError
from cutover.scaffold.identifiers import pg_identifiers, quote_ident, shorten
from cutover.scaffold.sqlite_types import ColumnMapping, map_column, profile_column
from cutover.sources.base import SourceColumn, SourceSchema, SourceTable
from cutover.sources.sqlite import ROWID_COLUMN as ROWID
from cutover.sources.sqlite import SqliteSource, open_sqlite

ConfigValue = str | int | bool | tuple[str, ...]  # an extractor setting's value
SYSTEM_NAME = re.compile(r"^[a-z][a-z0-9_]{0,30}$")
ROWID_KEY = "sqlite_rowid"  # its name in the final table


@dataclass(frozen=True)
class ColumnPlan:
    source: str
    name: str
    mapping: ColumnMapping
    not_null: bool

    @property
    def pg_type(self) -> str:
        return self.mapping.pg_type


@dataclass(frozen=True)
class ForeignKeyPlan:
    name: str
    columns: tuple[str, ...]
    parent: str  # the parent's final table name
    parent_columns: tuple[str, ...]


@dataclass(frozen=True)
class TablePlan:
    source: str
    name: str
    columns: tuple[ColumnPlan, ...]
    primary_key: tuple[str, ...]  # final names
    source_key: tuple[str, ...]  # source names
    unique_keys: tuple[tuple[str, ...], ...]
    foreign_keys: tuple[ForeignKeyPlan, ...]
    indexes: tuple[tuple[str, tuple[str, ...]], ...]  # (name, final columns), non-unique
    identity: str | None
    sequence_floor: bool  # sqlite_sequence holds a high-water mark for this table
    row_count: int
    checks: tuple[tuple[str, str], ...] = ()  # (name, PostgreSQL expression)

    @property
    def parents(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(fk.parent for fk in self.foreign_keys if fk.parent != self.name))


@dataclass(frozen=True)
class SystemPlan:
    system: str
    source_path: Path
    tables: tuple[TablePlan, ...]
    skipped: tuple[tuple[str, str], ...]  # (source object, reason)
    views: tuple[str, ...]
    has_sqlite_sequence: bool
    triggers: tuple[str, ...] = ()
    extractor: str = "tap-sqlite"  # the Meltano extractor `<extractor>--<system>` inherits
    extractor_config: tuple[tuple[str, ConfigValue], ...] = ()  # settings besides `database`
    # The extractor's `select` patterns when it must not take every stream it discovers
    # (tap-postgres discovers views too): `<stream>.*` per planned table. Empty: all.
    extractor_select: tuple[str, ...] = ()


def check_system_name(system: str) -> None:
    if not SYSTEM_NAME.match(system):
        raise CutoverError(
            f"system name {system!r}: use lowercase letters, digits and _ (starting with a "
            "letter, at most 31 characters): it becomes schema and model names"
        )


def plan_declared_types(
    system: str,
    schema: SourceSchema,
    map_column: Callable[[SourceTable, SourceColumn], ColumnMapping],
    *,
    no_key: str,
    **plan_fields: Any,
) -> SystemPlan:
    """The plan of a source whose engine enforces its declared types (Access, SQL Server):
    each column mapped by `map_column` alone, no value profiling. A table without a
    primary key is not planned (no rowid to prove its rows by): skipped with `no_key`."""
    check_system_name(system)
    skipped = [(s.name, f"{s.kind}: {s.reason}") for s in schema.skipped]
    keyed = [t for t in schema.tables if t.primary_key]
    skipped += [(t.name, no_key) for t in schema.tables if not t.primary_key]
    table_names = pg_identifiers([t.name for t in keyed])
    column_names = {t.name: pg_identifiers([c.name for c in t.columns]) for t in keyed}
    mappings = {t.name: {c.name: map_column(t, c) for c in t.columns} for t in keyed}
    align_foreign_keys(keyed, mappings)
    tables = tuple(plan_table(t, table_names, column_names, mappings[t.name]) for t in keyed)
    return SystemPlan(
        system=system,
        tables=parents_first(tables),
        skipped=tuple(skipped),
        views=tuple(schema.views),
        triggers=tuple(schema.triggers),
        has_sqlite_sequence=False,
        **plan_fields,
    )


def plan_sqlite(system: str, path: Path) -> SystemPlan:
    check_system_name(system)
    with open_sqlite(path) as reader:
        schema = reader.schema()
        # A table without a primary key is keyed by its SQLite rowid, as the tap keys it:
        # the final table gets a `sqlite_rowid` identity so each row can still be proven.
        keyed = [t for t in schema.tables if t.primary_key or not _without_rowid(reader, t)]
        skipped = [(s.name, s.reason) for s in schema.skipped]
        table_names = pg_identifiers([t.name for t in keyed])
        column_names = {t.name: pg_identifiers([c.name for c in t.columns]) for t in keyed}
        mappings = {t.name: _map_columns(reader, t) for t in keyed}
        align_foreign_keys(keyed, mappings)
        tables = tuple(plan_table(t, table_names, column_names, mappings[t.name]) for t in keyed)
    return SystemPlan(
        system=system,
        source_path=path,
        tables=parents_first(tables),
        skipped=tuple(skipped),
        views=tuple(schema.views),
        triggers=tuple(schema.triggers),
        has_sqlite_sequence=any(t.sequence_value is not None for t in schema.tables)
        or any(name == "sqlite_sequence" for name, _ in skipped),
    )


def _without_rowid(reader: SqliteSource, table: SourceTable) -> bool:
    from cutover.sources.sqlite import is_without_rowid

    return is_without_rowid(reader._connection, table.name)


def _map_columns(reader: SqliteSource, table: SourceTable) -> dict[str, ColumnMapping]:
    fk_columns = {c for fk in table.foreign_keys for c in fk.columns}
    connection = reader._connection
    mappings = {}
    for column in table.columns:
        profile = profile_column(connection, table.name, column.name)
        mapping = map_column(
            column.declared_type,
            profile,
            name=column.name,
            is_pk=column.name in table.primary_key,
            is_fk=column.name in fk_columns,
            is_rowid_alias=table.generated_key == column.name,
        )
        if column.not_null and profile.blank and mapping.staging.startswith("clean_text("):
            # A NOT NULL column holding blanks: the application stores '' on purpose
            # (Django CharField(blank=True)); keep it instead of rejecting every such row.
            mapping = replace(
                mapping,
                staging=mapping.staging.replace("clean_text(", "trim_text(", 1),
                rule=mapping.rule + f"; NOT NULL with {profile.blank} blank value(s): kept as ''",
            )
        mappings[column.name] = mapping
    return mappings


def align_foreign_keys(
    tables: list[SourceTable], mappings: dict[str, dict[str, ColumnMapping]]
) -> None:
    """A child column gets its parent key's type, so the FK can exist (and compare)."""
    by_name = {t.name: t for t in tables}
    for table in tables:
        for fk in table.foreign_keys:
            parent = by_name.get(fk.parent_table)
            if parent is None:
                continue
            for child, key in zip(fk.columns, fk.parent_columns, strict=False):
                wanted = mappings[parent.name].get(key)
                have = mappings[table.name].get(child)
                if wanted is None or have is None or have.pg_type == wanted.pg_type:
                    continue
                mappings[table.name][child] = ColumnMapping(
                    pg_type=wanted.pg_type,
                    staging=wanted.staging if not wanted.identity else _cast_for(wanted.pg_type),
                    rule=f"same type as the parent key {parent.name}.{key} (foreign key)",
                    rule_id="fk-parent-type",
                )


def _cast_for(pg_type: str) -> str:
    return f"try_cast('{{col}}', '{pg_type}', casts)"


def plan_table(
    table: SourceTable,
    table_names: dict[str, str],
    column_names: dict[str, dict[str, str]],
    mappings: dict[str, ColumnMapping],
) -> TablePlan:
    name = table_names[table.name]
    names = dict(column_names[table.name])
    not_null = {c.name for c in table.columns if c.not_null} | set(table.primary_key)
    columns = tuple(
        ColumnPlan(c.name, names[c.name], mappings[c.name], c.name in not_null)
        for c in table.columns
    )
    source_key = table.primary_key
    generated = table.generated_key
    if not source_key:
        rowid_name = ROWID_KEY if ROWID_KEY not in names.values() else f"_{ROWID_KEY}"
        names[ROWID] = rowid_name
        rowid = ColumnMapping(
            pg_type="bigint",
            staging="try_cast('{col}', 'bigint', casts)",
            rule="no primary key in the source: keyed by its SQLite rowid (as the tap keys it)",
            rule_id="rowid-key",
            identity=True,
        )
        columns = (ColumnPlan(ROWID, rowid_name, rowid, True), *columns)
        source_key = (ROWID,)
        generated = ROWID
    fks = []
    for fk in table.foreign_keys:
        if fk.parent_table not in table_names:
            continue  # parent not migrated (no key): parity lists the FK as missing
        parent_names = column_names[fk.parent_table]
        cols = tuple(names[c] for c in fk.columns)
        fks.append(
            ForeignKeyPlan(
                name=shorten(f"fk_{name}_{'_'.join(cols)}", f"{table.name}{fk.columns}"),
                columns=cols,
                parent=table_names[fk.parent_table],
                parent_columns=tuple(parent_names.get(c, c) for c in fk.parent_columns),
            )
        )
    uniques = [tuple(names[c] for c in u) for u in table.unique_constraints]
    uniques += [
        tuple(names.get(c, c) for c in ix.columns)
        for ix in table.indexes
        if ix.unique and not ix.partial and all(c in names for c in ix.columns)
    ]
    indexes = tuple(
        (
            shorten(f"idx_{name}_{'_'.join(names[c] for c in ix.columns)}", ix.name),
            tuple(names[c] for c in ix.columns),
        )
        for ix in table.indexes
        if not ix.unique and not ix.partial and all(c in names for c in ix.columns)
    )
    identity = names[generated] if generated else None
    checks = tuple(
        (shorten(f"ck_{name}_{i + 1}", f"{table.name}{expression}"), check_sql(expression, names))
        for i, expression in enumerate(table.check_constraints)
    )
    return TablePlan(
        source=table.name,
        name=name,
        columns=columns,
        primary_key=tuple(names[c] for c in source_key),
        source_key=source_key,
        unique_keys=tuple(
            dict.fromkeys(u for u in uniques if u != tuple(names[c] for c in source_key))
        ),
        foreign_keys=tuple(fks),
        indexes=indexes,
        identity=identity,
        sequence_floor=table.sequence_value is not None,
        row_count=table.row_count,
        checks=checks,
    )


_TOKEN = re.compile(
    r"""\[(?P<bracket>[^\]]+)\]|"(?P<double>(?:[^"]|"")+)"|`(?P<tick>[^`]+)`"""
    r"""|'(?:[^']|'')*'|(?P<bare>[A-Za-z_][A-Za-z0-9_]*)"""
)


_JSON_VALID = re.compile(r"\bjson_valid\s*\(\s*([^()]+?)\s*\)", re.IGNORECASE)


def check_sql(expression: str, names: dict[str, str]) -> str:
    """A SQLite CHECK expression with its column names as the final table has them
    ([UnitPrice], "UnitPrice", `UnitPrice` or UnitPrice -> unit_price); the rest is kept:
    comparisons, AND/OR, IN lists and literals read the same in PostgreSQL."""
    folded = {source.lower(): target for source, target in names.items()}

    def replace(match: re.Match[str]) -> str:
        name = match.group("bracket") or match.group("tick")
        if match.group("double") is not None:
            name = match.group("double").replace('""', '"')
        if name is None:
            name = match.group("bare")
        if name is None or name.lower() not in folded:
            return match.group(0)
        return quote_ident(folded[name.lower()])

    renamed = _TOKEN.sub(replace, expression)
    # SQLite functions Django and others put in CHECKs, in PostgreSQL terms (16+).
    return _JSON_VALID.sub(lambda m: f"({m.group(1)} is json)", renamed)


def parents_first(tables: tuple[TablePlan, ...]) -> tuple[TablePlan, ...]:
    """Order tables so parents come before children (cycles keep source order)."""
    done: list[TablePlan] = []
    pending = list(tables)
    while pending:
        ready = [
            t
            for t in pending
            if all(
                p in {d.name for d in done} or p == t.name or p not in {x.name for x in tables}
                for p in t.parents
            )
        ]
        if not ready:  # a cycle: take the next one as is
            ready = [pending[0]]
        for table in ready:
            done.append(table)
            pending.remove(table)
    return tuple(done)
