"""The expectations each final table must meet, derived from its contract.

Every suite is stored as JSON in expectations/gx/expectations/ so it is reviewed in pull
requests. Queries reference the other relations they need (source audit, raw, rejects,
parents) by their full schema-qualified names, because GX compares only within one
database: that is why the tap captures the source's counts into PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cutover.gx.contracts import FinalTable, Relation, SystemContracts, quote

GENERATED_BY = "cutover-gx suites (from the dbt contracts; edit the contract, not this file)"
GATE_CHECKS = Relation("cutover_audit", "gate_checks")


@dataclass(frozen=True)
class ExpectationSpec:
    """One expectation as GX stores it: its type and kwargs, plus a readable description."""

    type: str
    kwargs: dict[str, Any]
    description: str
    check: str = ""  # meta.cutover_check: how the gate's summary finds this result

    def as_config(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "kwargs": self.kwargs,
            "meta": {"cutover_check": self.check} if self.check else {},
            "description": self.description,
        }


def suite_name(table: FinalTable) -> str:
    return table.model


def expectations_for(table: FinalTable, system: SystemContracts) -> list[ExpectationSpec]:
    specs = [
        _source_rows_accounted_for(table, system),
        _raw_rows_match_source(table, system),
        *_fingerprints_match(table, system),
        ExpectationSpec(
            "expect_table_columns_to_match_set",
            {"column_set": sorted(table.columns)},  # exact_match defaults to True
            f"{table.table} has exactly the contract's columns.",
        ),
    ]
    specs += [_no_orphans(table, fk) for fk in table.foreign_keys]
    specs += [
        ExpectationSpec(
            "expect_column_values_to_not_be_null",
            {"column": column},
            f"{table.table}.{column} is never NULL (required by the application).",
        )
        for column in table.not_null
    ]
    for key in table.unique_keys:
        if len(key) == 1:
            specs.append(
                ExpectationSpec(
                    "expect_column_values_to_be_unique",
                    {"column": key[0]},
                    f"{table.table}.{key[0]} holds no duplicate.",
                )
            )
        else:
            specs.append(
                ExpectationSpec(
                    "expect_compound_columns_to_be_unique",
                    {"column_list": list(key)},
                    f"{table.table} ({', '.join(key)}) holds no duplicate.",
                )
            )
    return specs


def objects_expectations(system: SystemContracts) -> list[ExpectationSpec]:
    """What `cutover gate` checks outside GX (object parity, sequences), made visible here."""
    checks = {
        "parity": "Object parity: every source table, column, key, index and sequence has its "
        "counterpart in the target, and the target holds nothing unexplained.",
        "sequences": "Every identity/serial column's sequence is past max(id), proven by a "
        "test insert inside a rolled-back transaction.",
        "raw_fingerprint": "Row by row, every raw table is identical to the source (every "
        "source column, raw form): extraction and load lost or altered nothing.",
    }
    return [
        ExpectationSpec(
            "unexpected_rows_expectation",
            {
                "unexpected_rows_query": (
                    "select table_name, problem from {batch} "
                    f"where system = {_literal(system.system)} and check_name = {_literal(name)} "
                    "order by table_name, problem"
                )
            },
            text,
            check=name,
        )
        for name, text in checks.items()
    ]


def _audit_row(table: FinalTable, system: SystemContracts) -> str:
    return (
        f"select source_row_count from {system.source_audit.sql} "
        f"where table_name = {_literal(table.source_table)} and _sdc_deleted_at is null "
        "and status = 'extracted'"
    )


def _source_rows_accounted_for(table: FinalTable, system: SystemContracts) -> ExpectationSpec:
    query = (
        "select audit.source_row_count, final.final_rows, rejected.rejected_rows "
        "from (select count(*) as final_rows from {batch}) as final "
        f"cross join (select count(*) as rejected_rows from {system.rejects.sql} "
        f"where source_table = {_literal(table.table)}) as rejected "
        f"left join ({_audit_row(table, system)}) as audit on true "
        "where audit.source_row_count is null "
        "or audit.source_row_count <> final.final_rows + rejected.rejected_rows"
    )
    return ExpectationSpec(
        "unexpected_rows_expectation",
        {"unexpected_rows_query": query},
        f"Every {table.table} row counted in the source at extraction is in the final table "
        "or in the rejects (source = final + rejected).",
    )


def _raw_rows_match_source(table: FinalTable, system: SystemContracts) -> ExpectationSpec:
    query = (
        # The final row count is shown beside the two counts compared, for context.
        "select audit.source_row_count, raw.raw_rows, "
        "(select count(*) from {batch}) as final_rows "
        f"from (select count(*) as raw_rows from {table.raw.sql} "
        "where _sdc_deleted_at is null) as raw "
        f"left join ({_audit_row(table, system)}) as audit on true "
        "where audit.source_row_count is null or audit.source_row_count <> raw.raw_rows"
    )
    return ExpectationSpec(
        "unexpected_rows_expectation",
        {"unexpected_rows_query": query},
        f"The raw copy of {table.table} holds as many live rows as the source had.",
    )


def _fingerprints_match(table: FinalTable, system: SystemContracts) -> list[ExpectationSpec]:
    from cutover.proof.fingerprint_sql import comparison_query, plan_for

    plan = plan_for(table)
    compared = ", ".join(rule.name for rule in plan.rules)
    return [
        ExpectationSpec(
            "unexpected_rows_expectation",
            {"unexpected_rows_query": comparison_query(plan, system, "{batch}")},
            f"Row by row, {table.table} holds what the source held: each source row "
            f"(by {', '.join(plan.key)}) is in the final table with the same values "
            f"({compared}, compared by the normalisation rules) or in the rejects exactly as "
            "it was in the source; no row is missing, extra or duplicated.",
            check="fingerprint",
        ),
    ]


def _no_orphans(table: FinalTable, fk: Any) -> ExpectationSpec:
    join = " and ".join(
        f"parent.{quote(p)} = child.{quote(c)}"
        for c, p in zip(fk.columns, fk.parent_columns, strict=True)
    )
    present = " and ".join(f"child.{quote(c)} is not null" for c in fk.columns)
    query = (
        f"select {', '.join('child.' + quote(c) for c in fk.columns)} from {{batch}} as child "
        f"left join {fk.parent.sql} as parent on {join} "
        f"where {present} and parent.{quote(fk.parent_columns[0])} is null"
    )
    return ExpectationSpec(
        "unexpected_rows_expectation",
        {"unexpected_rows_query": query},
        f"Every {table.table}.{', '.join(fk.columns)} points at an existing "
        f"{fk.parent.name} row ({fk.name}).",
    )


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
