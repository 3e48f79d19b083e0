"""What the cutover commands need from any legacy source, whatever its kind.

The taps extract; these readers exist so that preflight, dry run, object parity and the
row fingerprints can look at the source themselves, without trusting the tap they check.
A reader never writes to its source.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class SourceColumn:
    name: str
    declared_type: str  # as the source declares it ("" when SQLite declares none)
    not_null: bool
    default: str | None = None


@dataclass(frozen=True)
class SourceForeignKey:
    columns: tuple[str, ...]
    parent_table: str
    parent_columns: tuple[str, ...]  # resolved to the parent's PK when the source omits them
    name: str | None = None


@dataclass(frozen=True)
class SourceIndex:
    """An index a person created (CREATE INDEX), not one implied by a PK/UNIQUE constraint."""

    name: str
    columns: tuple[str, ...]  # expression parts as their SQL text
    unique: bool
    partial: bool = False


@dataclass(frozen=True)
class SourceTable:
    name: str
    columns: tuple[SourceColumn, ...]
    primary_key: tuple[str, ...]  # () when the table has none: no row-by-row proof
    foreign_keys: tuple[SourceForeignKey, ...] = ()
    unique_constraints: tuple[tuple[str, ...], ...] = ()  # UNIQUE constraints, not indexes
    check_constraints: tuple[str, ...] = ()  # the CHECK expressions' SQL text
    indexes: tuple[SourceIndex, ...] = ()
    # A column the source numbers by itself (SQLite INTEGER PRIMARY KEY, AUTOINCREMENT,
    # IDENTITY, serial), and the source's own counter for it when it keeps one
    # (sqlite_sequence): the target's sequence must end up past both.
    generated_key: str | None = None
    sequence_value: int | None = None
    row_count: int = 0
    size_bytes: int | None = None


@dataclass(frozen=True)
class SkippedObject:
    """A source object that is deliberately not migrated as a table, with the reason."""

    name: str
    kind: str  # "virtual table", "fts shadow table", "internal table", ...
    reason: str


@dataclass(frozen=True)
class SourceSchema:
    tables: tuple[SourceTable, ...]
    views: tuple[str, ...] = ()
    triggers: tuple[str, ...] = ()
    skipped: tuple[SkippedObject, ...] = ()
    extra: dict[str, int] = field(default_factory=dict)  # other kinds, counted

    def table(self, name: str) -> SourceTable:
        for table in self.tables:
            if table.name == name:
                return table
        raise KeyError(name)


class SourceReader(Protocol):
    """One open, read-only source. Use as a context manager."""

    kind: str  # "sqlite", "msaccess", "mssql", "postgres"
    description: str  # where it is, for reports (never a password)
    size_bytes: int | None  # the whole source's size on disk, when measurable
    batch_size: int | None  # rows the extractor reads per batch (its `batch_size`), if known

    def schema(self) -> SourceSchema: ...

    def iter_rows(
        self, table: str, columns: Sequence[str], *, with_rowid: bool = False
    ) -> Iterator[tuple[Any, ...]]:
        """Every row's values in `columns` order, as the source stores them (no cleaning).

        With `with_rowid`, each tuple starts with the source's own row identifier
        (SQLite rowid), for tables without a primary key.
        """
        ...

    def close(self) -> None: ...

    def __enter__(self) -> SourceReader: ...

    def __exit__(self, *exc: object) -> None: ...


def schema_to_dict(schema: SourceSchema) -> dict[str, Any]:
    """A JSON-ready copy, stored at capture time so the gate needs no source access."""
    from dataclasses import asdict

    return asdict(schema)


def schema_from_dict(data: dict[str, Any]) -> SourceSchema:
    def table(t: dict[str, Any]) -> SourceTable:
        return SourceTable(
            name=t["name"],
            columns=tuple(SourceColumn(**c) for c in t["columns"]),
            primary_key=tuple(t["primary_key"]),
            foreign_keys=tuple(
                SourceForeignKey(
                    columns=tuple(f["columns"]),
                    parent_table=f["parent_table"],
                    parent_columns=tuple(f["parent_columns"]),
                    name=f.get("name"),
                )
                for f in t["foreign_keys"]
            ),
            unique_constraints=tuple(tuple(u) for u in t["unique_constraints"]),
            check_constraints=tuple(t["check_constraints"]),
            indexes=tuple(
                SourceIndex(i["name"], tuple(i["columns"]), i["unique"], i.get("partial", False))
                for i in t["indexes"]
            ),
            generated_key=t.get("generated_key"),
            sequence_value=t.get("sequence_value"),
            row_count=t.get("row_count", 0),
            size_bytes=t.get("size_bytes"),
        )

    return SourceSchema(
        tables=tuple(table(t) for t in data["tables"]),
        views=tuple(data.get("views", ())),
        triggers=tuple(data.get("triggers", ())),
        skipped=tuple(SkippedObject(**s) for s in data.get("skipped", ())),
        extra=dict(data.get("extra", {})),
    )
