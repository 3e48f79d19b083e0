"""Object parity: what the source has and what the target has, by kind, compared by shape.

Objects are matched by what they are, not by name (a SQLite index `ix_orders_client` and
the target's `idx_orders_client_id` are the same index if they cover the same columns):

* tables and columns by name; primary keys, unique keys, foreign keys, indexes and
  NOT NULL by their columns; sequences by the column they number;
* every source object must exist on the target, unless the source reader skipped it
  with a reason or `expectations/parity/<system>.yml` explains it;
* every target object must come from the source or be declared by the dbt contract
  (constraints, `meta.named_indexes`, `meta.identity`); anything else is unexplained;
* CHECK constraints cannot be matched across SQL dialects: the target must hold every
  check its contract declares and at least as many as the source had.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml

from cutover.errors import CutoverError
from cutover.gx.contracts import FinalTable, SystemContracts
from cutover.proof.target_catalog import TargetSchema, TargetTable
from cutover.sources.base import SourceSchema, SourceTable

KINDS = (
    "tables",
    "columns",
    "primary keys",
    "foreign keys",
    "unique keys",
    "check constraints",
    "not null",
    "indexes",
    "sequences",
    "views",
    "triggers",
)


@dataclass
class KindParity:
    kind: str
    source: int = 0
    target: int = 0
    missing: list[str] = field(default_factory=list)  # in the source, not on the target
    unexplained: list[str] = field(default_factory=list)  # on the target, from nowhere
    explained: list[str] = field(default_factory=list)  # differences with their reason

    @property
    def ok(self) -> bool:
        return not self.missing and not self.unexplained

    def problems(self) -> list[str]:
        return [f"{self.kind}: missing on the target: {m}" for m in self.missing] + [
            f"{self.kind}: on the target, not in the source nor the contract: {u}"
            for u in self.unexplained
        ]


Results = dict[str, KindParity]
Expect = Callable[[str, set[str], set[str], set[str]], None]


@dataclass(frozen=True)
class Explanations:
    """Intended differences, from expectations/parity/<system>.yml."""

    reasons: dict[tuple[str, str], str]

    @classmethod
    def load(cls, path: Path) -> Explanations:
        if not path.is_file():
            return cls({})
        document = yaml.safe_load(path.read_text()) or {}
        reasons = {}
        for item in document.get("explained", []):
            try:
                reasons[(item["kind"], item["object"])] = item["reason"]
            except (KeyError, TypeError):
                raise CutoverError(
                    f"{path}: each `explained` item needs kind, object and reason: {item!r}"
                ) from None
        return cls(reasons)

    def reason(self, kind: str, obj: str) -> str | None:
        return self.reasons.get((kind, obj))


def _cols(columns: Iterable[str]) -> str:
    return "(" + ", ".join(columns) + ")"


def compare(
    source: SourceSchema,
    target: TargetSchema,
    contracts: SystemContracts,
    explanations: Explanations,
) -> list[KindParity]:
    source = in_final_names(source, contracts)
    result = {kind: KindParity(kind) for kind in KINDS}
    finals = {t.table: t for t in contracts.tables}
    targets = {t.name: t for t in target.tables}

    def expect(kind: str, wanted: set[str], actual: set[str], declared: set[str]) -> None:
        row = result[kind]
        row.source += len(wanted)
        row.target += len(actual)
        for obj in sorted(wanted - actual):
            why = explanations.reason(kind, obj)
            (row.explained if why else row.missing).append(f"{obj}" + (f": {why}" if why else ""))
        for obj in sorted(actual - wanted):
            if obj in declared:
                row.explained.append(f"{obj}: declared by the dbt contract")
            elif why := explanations.reason(kind, obj):
                row.explained.append(f"{obj}: {why}")
            else:
                row.unexplained.append(obj)
        for obj in sorted((declared - actual) - wanted):
            row.missing.append(f"{obj} (declared by the dbt contract)")

    source_tables = {t.name: t for t in source.tables}
    skipped = {s.name: s.reason for s in source.skipped}
    tables_row = result["tables"]
    for name in sorted(skipped):
        tables_row.explained.append(f"{name}: not migrated ({skipped[name]})")
    migrated = set(source_tables) & set(finals)
    expect("tables", set(source_tables), set(targets), set(finals))
    for table in migrated:
        _compare_table(result, expect, source_tables[table], targets.get(table), finals[table])
    expect("views", set(source.views), set(target.views) | set(target.materialized_views), set())
    expect(
        "triggers", set(source.triggers), {f"{t.table}.{t.name}" for t in target.triggers}, set()
    )
    return [result[kind] for kind in KINDS]


def in_final_names(source: SourceSchema, contracts: SystemContracts) -> SourceSchema:
    """The source inventory with the final tables' names for tables and columns (a scaffold
    may rename `InvoiceLine.InvoiceId` to `invoice_line.invoice_id`), so objects compare."""
    finals = {t.source_table: t for t in contracts.tables}

    def column(table: str, name: str) -> str:
        final = finals.get(table)
        return final.final_column(name) if final else name

    def columns(table: str, names: Iterable[str]) -> tuple[str, ...]:
        return tuple(column(table, n) for n in names)

    def table_name(table: str) -> str:
        return finals[table].table if table in finals else table

    tables = []
    for t in source.tables:
        tables.append(
            replace(
                t,
                name=table_name(t.name),
                columns=tuple(replace(c, name=column(t.name, c.name)) for c in t.columns),
                primary_key=columns(t.name, t.primary_key),
                foreign_keys=tuple(
                    replace(
                        fk,
                        columns=columns(t.name, fk.columns),
                        parent_table=table_name(fk.parent_table),
                        parent_columns=columns(fk.parent_table, fk.parent_columns),
                    )
                    for fk in t.foreign_keys
                ),
                unique_constraints=tuple(columns(t.name, u) for u in t.unique_constraints),
                indexes=tuple(replace(i, columns=columns(t.name, i.columns)) for i in t.indexes),
                generated_key=column(t.name, t.generated_key) if t.generated_key else None,
            )
        )
    return replace(source, tables=tuple(tables))


def _compare_table(
    result: Results,
    expect: Expect,
    source: SourceTable,
    target: TargetTable | None,
    final: FinalTable,
) -> None:
    t = source.name
    columns = target.columns if target else ()

    def have(items: Iterable[str]) -> set[str]:
        return set(items) if target else set()

    expect(
        "columns",
        {f"{t}.{c.name}" for c in source.columns},
        have(f"{t}.{c.name}" for c in columns),
        {f"{t}.{c}" for c in final.columns},
    )
    expect(
        "primary keys",
        {f"{t}{_cols(source.primary_key)}"} if source.primary_key else set(),
        have([f"{t}{_cols(target.primary_key.columns)}"] if target and target.primary_key else []),
        {f"{t}{_cols(final.primary_key)}"} if final.primary_key else set(),
    )
    fk_text = "{t}{cols} -> {parent}{pcols}"
    expect(
        "foreign keys",
        {
            fk_text.format(
                t=t, cols=_cols(fk.columns), parent=fk.parent_table, pcols=_cols(fk.parent_columns)
            )
            for fk in source.foreign_keys
        },
        have(
            fk_text.format(
                t=t, cols=_cols(fk.columns), parent=fk.parent_table, pcols=_cols(fk.parent_columns)
            )
            for fk in (target.foreign_keys if target else ())
        ),
        {
            fk_text.format(
                t=t, cols=_cols(fk.columns), parent=fk.parent.name, pcols=_cols(fk.parent_columns)
            )
            for fk in final.foreign_keys
        },
    )
    source_unique = {f"{t}{_cols(cols)}" for cols in source.unique_constraints} | {
        f"{t}{_cols(ix.columns)}" for ix in source.indexes if ix.unique and not ix.partial
    }
    target_unique = have(
        [f"{t}{_cols(u.columns)}" for u in (target.unique_constraints if target else ())]
        + [
            f"{t}{_cols(ix.columns)}"
            for ix in (target.indexes if target else ())
            if ix.unique and not ix.primary and not ix.partial and ix.constraint is None
        ]
    )
    declared_unique = {f"{t}{_cols(k)}" for k in final.unique_keys if tuple(k) != final.primary_key}
    if target and target.primary_key:  # UNIQUE on the PK's own columns: the PK enforces it
        pk = f"{t}{_cols(target.primary_key.columns)}"
        if pk in source_unique:
            target_unique = target_unique | {pk}
    expect("unique keys", source_unique, target_unique, declared_unique)
    expect(
        "not null",
        {f"{t}.{c.name}" for c in source.columns if c.not_null}
        | {f"{t}.{c}" for c in source.primary_key},
        have(f"{t}.{c.name}" for c in columns if c.not_null),
        {f"{t}.{c}" for c in final.not_null},
    )
    _indexes(result, t, source, target, final)
    _checks(result, t, source, target, final)
    expect(
        "sequences",
        {f"{t}.{source.generated_key}"} if source.generated_key else set(),
        have(f"{t}.{s.column}" for s in (target.sequences if target else ())),
        {f"{t}.{final.identity}"} if final.identity else set(),
    )


def _indexes(
    result: Results, table: str, source: SourceTable, target: TargetTable | None, final: FinalTable
) -> None:
    """Every source index has a target index on the same columns (any name, any origin:
    a UNIQUE constraint's index serves too); every target index backs a constraint, is
    named in meta.named_indexes, or matches a source index."""
    row = result["indexes"]
    present = list(target.indexes) if target else []
    row.source += len(source.indexes)
    row.target += len(present)
    by_columns: dict[tuple[str, ...], list[str]] = {}
    for index in present:
        by_columns.setdefault(tuple(index.columns), []).append(index.name)
    for index in source.indexes:
        served = by_columns.get(tuple(index.columns))
        label = f"{table}{_cols(index.columns)} ({index.name})"
        if served:
            row.explained.append(f"{label}: served by {', '.join(served)}")
        else:
            row.missing.append(label)
    named = dict(final.named_indexes)
    names = {index.name for index in present}
    row.missing += [
        f"{table}{_cols(cols)} named {name} (declared by the dbt contract)"
        for name, cols in named.items()
        if name not in names
    ]
    from_source = {tuple(index.columns) for index in source.indexes}
    for index in present:
        if index.constraint or index.name in named or tuple(index.columns) in from_source:
            continue
        row.unexplained.append(f"{table}.{index.name} {_cols(index.columns)}")


_JSON_VALIDITY = re.compile(
    r'^\(*\s*json_valid\s*\(\s*["`\[]?(?P<column>[^"`\])]+)["`\]]?\s*\)'
    r'(?:\s+or\s+["`\[]?(?P=column)["`\]]?\s+is\s+null)?\s*\)*$',
    re.IGNORECASE,
)


def _json_validity_column(expression: str) -> str | None:
    """The column of a `JSON_VALID(col) [OR col IS NULL]` check (Django's JSONField)."""
    match = _JSON_VALIDITY.match(expression.strip())
    return match.group("column") if match else None


def _checks(
    result: Results, table: str, source: SourceTable, target: TargetTable | None, final: FinalTable
) -> None:
    """Counted, not matched (expressions differ between dialects): the target holds every
    check its contract declares, nothing else, and at least as many as the source had."""
    row = result["check constraints"]
    present = [c.name for c in (target.check_constraints if target else ())]
    source_checks = list(source.check_constraints)
    for expression in source.check_constraints:
        column = _json_validity_column(expression)
        typed = target.column(final.final_column(column)) if target and column else None
        if typed and typed.data_type in ("json", "jsonb"):
            source_checks.remove(expression)
            row.explained.append(
                f"{table}: CHECK ({expression}) is enforced by the column's {typed.data_type} type"
            )
    row.source += len(source.check_constraints)
    row.target += len(present)
    row.missing += [
        f"{table}: {n} (declared by the dbt contract)" for n in final.checks if n not in present
    ]
    row.unexplained += [f"{table}: {n}" for n in present if n not in final.checks]
    if len(present) < len(source_checks):
        row.missing.append(
            f"{table}: the source has {len(source_checks)} CHECK constraint(s), "
            f"the target {len(present)}: declare them in the contract"
        )
    elif source_checks:
        row.explained.append(
            f"{table}: the source's {len(source_checks)} CHECK(s) are enforced by "
            f"the contract's ({', '.join(final.checks)})"
        )
    elif present:
        row.explained.append(f"{table}: {', '.join(present)}: declared by the dbt contract")
