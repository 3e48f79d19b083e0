"""MS Access files (.mdb/.accdb) and tap-msaccess snapshots, read with the tap's own reader.

Only one reader keeps every Access value faithfully (mdb-reader, see
extract/tap-msaccess/README.md), so the proof reads the file through the same
`tap_msaccess.reader` functions, but not through the tap's encoding, the loader or dbt:
a value changed anywhere after the read still shows in the fingerprints.

Access facts the other commands need:
* relationships (MSysRelationships) are the foreign keys, enforced or not;
* primary keys and unique indexes come from mdbtools, non-unique indexes too;
* saved queries are counted as views; linked tables are skipped (reported, not followed);
* a table the reader cannot copy faithfully (calculated, attachment, multi-value or
  unknown-type columns) is skipped here with the reason the tap fails with;
* there is no rowid: a table without a primary key can only be counted, not proven row
  by row.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from cutover.errors import CutoverError
from cutover.sources.base import (
    SkippedObject,
    SourceColumn,
    SourceForeignKey,
    SourceIndex,
    SourceSchema,
    SourceTable,
)

DEFAULT_BATCH_SIZE = 10_000


def declared_type(column: Any) -> str:
    """The Access type as the planner reads it: `text(50)`, `numeric(18,4)`, `long`..."""
    kind = column.access_type
    if kind in {"text", "binary"} and column.size:
        return f"{kind}({column.size})"
    if kind == "numeric":
        return f"numeric({column.precision},{column.scale})"
    if kind == "long" and column.auto_number:
        return "long autonumber"
    if kind == "repid" and column.auto_guid:
        return "repid autonumber"
    return kind


class AccessSource:
    """One Access file or snapshot, opened read-only. A SourceReader."""

    kind = "msaccess"

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        password: str | None = None,
        jet3_charset: str | None = None,
        batch_size: int = DEFAULT_BATCH_SIZE,
        omit_calculated: bool = False,
    ) -> None:
        from tap_msaccess.errors import AccessError
        from tap_msaccess.reader import DEFAULT_JET3_CHARSET, read_schema

        self.path = Path(path)
        self.description = str(self.path)
        self.password = password
        self.batch_size: int | None = batch_size
        self.omit_calculated = omit_calculated  # the tap's `calculated_columns: omit`
        try:
            self.access = read_schema(
                self.path, password=password, jet3_charset=jet3_charset or DEFAULT_JET3_CHARSET
            )
        except AccessError as exc:
            raise CutoverError(f"cannot read {self.path} as an MS Access source: {exc}") from exc
        self.size_bytes: int | None = self.path.stat().st_size
        self._schema: SourceSchema | None = None

    def schema(self) -> SourceSchema:
        if self._schema is None:
            self._schema = self._read_schema()
        return self._schema

    def _read_schema(self) -> SourceSchema:
        access = self.access
        tables, skipped = [], []
        for table in access.tables:
            problem = _unsupported(table, self.omit_calculated)
            if problem:
                skipped.append(SkippedObject(table.name, "unsupported table", problem))
                continue
            tables.append(self._table(table))
        skipped += [
            SkippedObject(
                link.name,
                "linked table",
                f"links to {link.foreign_name or link.name} in {link.database or link.kind}: "
                "reported, not followed (migrate that database itself)",
            )
            for link in access.linked_tables
        ]
        return SourceSchema(
            tables=tuple(tables),
            views=tuple(q.name for q in access.queries),
            skipped=tuple(skipped),
            extra={"relationships": len(access.relationships)},
        )

    def _table(self, table: Any) -> SourceTable:
        columns = tuple(
            SourceColumn(c.name, declared_type(c), not_null=not c.nullable)
            for c in table.columns
            if c.name not in self._omitted(table)
        )
        foreign_keys = tuple(
            SourceForeignKey(
                columns=tuple(r.columns),
                parent_table=r.referenced_table,
                parent_columns=tuple(r.referenced_columns),
                name=r.name,
            )
            for r in self.access.relationships
            if r.table == table.name
        )
        primary = tuple(table.primary_key)
        unique = tuple(tuple(cols) for _, cols in table.unique_indexes if tuple(cols) != primary)
        indexes = tuple(
            SourceIndex(name, tuple(cols), unique=False)
            for name, cols in getattr(table, "indexes", [])
        )
        autonumber = [c.name for c in table.columns if c.auto_number]
        return SourceTable(
            name=table.name,
            columns=columns,
            primary_key=primary,
            foreign_keys=foreign_keys,
            unique_constraints=unique,
            indexes=indexes,
            generated_key=autonumber[0] if len(autonumber) == 1 else None,
            row_count=table.header_row_count or 0,
        )

    def iter_rows(
        self, table: str, columns: Sequence[str], *, with_rowid: bool = False
    ) -> Iterator[tuple[Any, ...]]:
        from tap_msaccess.errors import AccessError
        from tap_msaccess.reader import TableRows

        if with_rowid:
            raise CutoverError(
                f"{table}: an Access table has no rowid; without a primary key its rows "
                "can be counted but not proven one by one"
            )
        wanted = list(columns)
        access_table = self.access.table(table)
        reader = TableRows(
            self.access,
            access_table,
            password=self.password,
            batch_size=self.batch_size or DEFAULT_BATCH_SIZE,
            omit_columns=self._omitted(access_table),
        )
        try:
            for row in reader:
                yield tuple(row.get(name) for name in wanted)
        except AccessError as exc:
            raise CutoverError(f"{self.path}: {exc}") from exc

    def _omitted(self, table: Any) -> frozenset[str]:
        if not self.omit_calculated:
            return frozenset()
        return frozenset(c.name for c in table.columns if c.calculated_expression)

    def close(self) -> None:
        """Nothing stays open: each read is its own Node process."""

    def __enter__(self) -> AccessSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _unsupported(table: Any, omit_calculated: bool) -> str | None:
    if table.error:
        return table.error
    for column in table.columns:
        if column.calculated_expression and omit_calculated:
            continue
        if column.unsupported_reason:
            return f"column {column.name!r}: {column.unsupported_reason}"
    return None


def open_msaccess(
    path: str | os.PathLike[str],
    *,
    password: str | None = None,
    jet3_charset: str | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> AccessSource:
    """Open an Access file or snapshot read-only; CutoverError names it if it cannot."""
    return AccessSource(path, password=password, jet3_charset=jet3_charset, batch_size=batch_size)
