"""The target side of the row fingerprints, in SQL: the rules of `cutover.proof.normalise`
written a second time, for PostgreSQL, over the final tables, the rejects and the raw tables.

`comparison_query` is what the GX fingerprint expectation runs: one row per key whose
content differs between the source (captured by `cutover capture`) and the target, with
the problem in words. No row: every source row is in the final table with the same
values, or in the rejects exactly as it was in the source.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cutover.gx.contracts import FinalTable, Relation, SystemContracts, quote
from cutover.proof.normalise import NULL_MARK, NUMERIC_LOOKING, ColumnRule, kind_of

AUDIT_SCHEMA = "cutover_audit"
SOURCE_ROWS = Relation(AUDIT_SCHEMA, "source_rows")
SOURCE_TABLES = Relation(AUDIT_SCHEMA, "source_tables")
_WS = r"e' \t\r\n'"


@dataclass(frozen=True)
class FingerprintPlan:
    """What is compared for one final table, derived from its contract."""

    table: FinalTable
    key: tuple[str, ...]
    rules: tuple[ColumnRule, ...]  # sorted by column name (byte order), as hashed
    excluded: tuple[tuple[str, str], ...]  # (column, why it is not compared)


def plan_for(table: FinalTable) -> FingerprintPlan:
    meta = dict(table.column_meta)
    rules: list[ColumnRule] = []
    excluded: list[tuple[str, str]] = []
    for column, data_type in table.data_types:
        setting = meta.get(column, "")
        if setting == "exclude":
            excluded.append((column, "meta.fingerprint: exclude"))
            continue
        kind = kind_of(data_type)
        if kind is None:
            excluded.append((column, f"type {data_type or '(none)'} has no comparison rule"))
            continue
        rules.append(ColumnRule(column, kind[0], kind[1], lowercase=setting == "lowercase"))
    rules.sort(key=lambda rule: rule.name.encode())
    return FingerprintPlan(table, table.primary_key, tuple(rules), tuple(excluded))


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def typed_sql(expression: str, rule: ColumnRule) -> str:
    """Canonical text of a typed final column (see normalise.py for the rules)."""
    kind = rule.kind
    if kind == "text":
        text = f"nullif(btrim({expression}::text, {_WS}), '')"
        return f"lower({text})" if rule.lowercase else text
    if kind in ("integer", "boolean", "uuid"):
        return f"{expression}::text"
    if kind == "decimal":
        return f"trim_scale({expression})::text"
    if kind == "float":  # real widens to float8 exactly: the value the source stored
        value = f"({expression})::float8"
        return (
            f"case when {value} in ('NaN', 'Infinity', '-Infinity') then {value}::text "
            f"else trim_scale({value}::text::numeric)::text end"
        )
    if kind == "timestamp":
        return f"to_char({expression}, 'YYYY-MM-DD HH24:MI:SS.US')"
    if kind == "timestamptz":
        return f"to_char({expression} at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')"
    if kind == "date":
        return f"to_char({expression}, 'YYYY-MM-DD')"
    if kind == "bytes":
        return f"encode({expression}, 'hex')"
    if kind == "vector":  # each float4 element widened to float8, as the float rule
        element = "trim_scale(e::float8::text::numeric)::text"
        return (
            f"(select '[' || string_agg({element}, ',' order by n) || ']' "
            f"from unnest(({expression})::real[]) with ordinality as v(e, n))"
        )
    raise ValueError(f"no SQL rule for kind {kind}")


def raw_sql(json_value: str) -> str:
    """Canonical raw form of one jsonb value (a raw or rejected row's column)."""
    json_value = f"({json_value})"
    text = f"({json_value} #>> array[]::text[])"
    numeric = f"trim_scale({text}::numeric)::text"
    return (
        f"case jsonb_typeof({json_value}) when 'number' then {numeric} "
        f"when 'string' then case when {text} ~ {_literal(NUMERIC_LOOKING)} then {numeric} "
        f"else {text} end when 'boolean' then {text} "
        f"when 'object' then {json_value}::text when 'array' then {json_value}::text end"
    )


def key_part_sql(text_expression: str) -> str:
    trimmed = f"btrim({text_expression}, {_WS})"
    return (
        f"case when {trimmed} ~ {_literal(NUMERIC_LOOKING)} "
        f"then trim_scale({trimmed}::numeric)::text else {trimmed} end"
    )


def _encoded(parts: Sequence[str]) -> str:
    return " || ".join(
        f"coalesce(length({p})::text || ':' || {p}, {_literal(NULL_MARK)})" for p in parts
    )


def key_sql(parts: Sequence[str]) -> str:
    if len(parts) == 1:
        return f"coalesce({parts[0]}, {_literal(NULL_MARK)})"
    return _encoded(parts)


def row_hash_sql(parts: Sequence[str]) -> str:
    if not parts:
        return "md5('')::uuid"
    return f"md5({_encoded(parts)})::uuid"


def final_rows_sql(plan: FingerprintPlan, relation: str) -> str:
    """(row_key, row_hash) of every final row."""
    key = key_sql([key_part_sql(f"t.{quote(c)}::text") for c in plan.key])
    row = row_hash_sql([typed_sql(f"t.{quote(r.name)}", r) for r in plan.rules])
    return f"select {key} as row_key, {row} as row_hash from {relation} as t"


def _raw_hash_over(json_row: str, system: str, table: str) -> str:
    """md5 over every source column of the raw row, in byte order of their names."""
    part = raw_sql(f"{json_row} -> c.name")
    encoded = f"coalesce(length({part})::text || ':' || {part}, {_literal(NULL_MARK)})"
    return (
        f"(select md5(coalesce(string_agg({encoded}, '' order by c.name collate \"C\"), ''))"
        f"::uuid from {SOURCE_TABLES.sql} as st cross join lateral unnest(st.raw_columns) "
        f"as c(name) where st.system = {_literal(system)} and st.table_name = {_literal(table)})"
    )


def _key_from_json(json_row: str, key: Sequence[str]) -> str:
    return key_sql([key_part_sql(f"({json_row} ->> {_literal(c)})") for c in key])


def rejected_rows_sql(plan: FingerprintPlan, rejects: Relation, system: str) -> str:
    """Rejects hold the source key and the raw row under the source's column names."""
    table = plan.table
    source_key = [table.source_column(c) for c in plan.key]
    return (
        f"select {_key_from_json('r.source_key', source_key)} as row_key, "
        f"{_raw_hash_over('r.source_row', system, table.source_table)} as row_hash "
        f"from {rejects.sql} as r where r.source_table = {_literal(table.table)}"
    )


def raw_text_sql(text_expression: str) -> str:
    """The raw form from a raw column's text (bigint, numeric or text): as stored, numbers
    and numeric-looking text as canonical decimals (the same rule as raw_sql on jsonb)."""
    return (
        f"case when {text_expression} ~ {_literal(NUMERIC_LOOKING)} "
        f"then trim_scale({text_expression}::numeric)::text else {text_expression} end"
    )


def raw_rows_sql(plan: FingerprintPlan, raw: Relation, raw_columns: Sequence[str]) -> str:
    """(row_key, row_hash) of every live raw row, over the source's columns as captured."""
    key = key_sql([key_part_sql(f"r.{quote(plan.table.source_column(c))}::text") for c in plan.key])
    columns = sorted(raw_columns, key=str.encode)
    row = row_hash_sql([raw_text_sql(f"r.{quote(c)}::text") for c in columns])
    return (
        f"select {key} as row_key, {row} as row_hash from {raw.sql} as r "
        "where r._sdc_deleted_at is null"
    )


def comparison_query(plan: FingerprintPlan, system: SystemContracts, final: str) -> str:
    """Keys whose content differs between the source capture and final + rejects."""
    name = plan.table.source_table
    return (
        f"with source as (select row_key, typed_hash, raw_hash from {SOURCE_ROWS.sql} "
        f"where system = {_literal(system.system)} and table_name = {_literal(name)}), "
        f"target as (select row_key, row_hash, 'final' as side from "
        f"({final_rows_sql(plan, final)}) as f union all "
        f"select row_key, row_hash, 'rejected' from "
        f"({rejected_rows_sql(plan, system.rejects, system.system)}) as j), "
        "counted as (select *, count(*) over (partition by row_key) as copies from target), "
        "compared as (select coalesce(s.row_key, t.row_key) as row_key, t.side, case "
        "when s.row_key is null then 'in the target but not in the source' "
        "when t.row_key is null then 'missing: neither in the final table nor in the rejects' "
        "when t.copies > 1 then 'in the target ' || t.copies || ' times' "
        "when t.side = 'final' and t.row_hash <> s.typed_hash "
        "then 'values differ from the source' "
        "when t.side = 'rejected' and t.row_hash <> s.raw_hash "
        "then 'rejected row differs from the source row' end as problem "
        "from source as s full join counted as t on s.row_key = t.row_key) "
        "select row_key, side, problem from compared where problem is not null "
        "order by length(row_key), row_key"
    )


def raw_comparison_query(
    plan: FingerprintPlan, system: SystemContracts, raw_columns: Sequence[str]
) -> str:
    """Keys whose raw copy differs from the source row (the extraction hop). Built at gate
    time from the columns the capture found in the source."""
    name = plan.table.source_table
    return (
        f"with source as (select row_key, raw_hash from {SOURCE_ROWS.sql} "
        f"where system = {_literal(system.system)} and table_name = {_literal(name)}), "
        f"raw as (select row_key, row_hash, count(*) over (partition by row_key) as copies "
        f"from ({raw_rows_sql(plan, plan.table.raw, raw_columns)}) as r), "
        "compared as (select coalesce(s.row_key, r.row_key) as row_key, case "
        "when s.row_key is null then 'in the raw table but not in the source' "
        "when r.row_key is null then 'missing from the raw table' "
        "when r.copies > 1 then 'in the raw table ' || r.copies || ' times' "
        "when r.row_hash <> s.raw_hash then 'raw values differ from the source' end as problem "
        "from source as s full join raw as r on s.row_key = r.row_key) "
        "select row_key, problem from compared where problem is not null "
        "order by length(row_key), row_key"
    )
