"""CHECK constraints in object parity: counted (dialects differ), except SQLite's
`JSON_VALID(col)` checks, which a json/jsonb column enforces by its type."""

from __future__ import annotations

import pytest
from cutover.gx.contracts import FinalTable, Relation
from cutover.proof.parity import KINDS, KindParity, _checks, _json_validity_column
from cutover.proof.target_catalog import CheckConstraint, TargetColumn, TargetTable
from cutover.sources.base import SourceColumn, SourceTable


@pytest.mark.parametrize(
    ("expression", "column"),
    [
        ('(JSON_VALID("metadata") OR "metadata" IS NULL)', "metadata"),  # Django JSONField
        ("json_valid(payload)", "payload"),
        ("JSON_VALID([doc])", "doc"),
        ("json_valid(a) and b > 0", None),
        ("qty >= 0", None),
    ],
)
def test_json_validity_checks_are_recognised(expression, column):
    assert _json_validity_column(expression) == column


def _tables(data_type: str, checks: tuple[str, ...], target_checks: tuple[str, ...]):
    source = SourceTable(
        name="m",
        columns=(SourceColumn("id", "integer", True), SourceColumn("Meta", "text", False)),
        primary_key=("id",),
        check_constraints=checks,
    )
    target = TargetTable(
        name="m",
        columns=(
            TargetColumn("id", "bigint", True, None, None),
            TargetColumn("meta", data_type, False, None, None),
        ),
        primary_key=None,
        foreign_keys=(),
        unique_constraints=(),
        check_constraints=tuple(CheckConstraint(n, "CHECK (true)") for n in target_checks),
        exclusion_constraints=(),
        not_null_constraint_names=(),
        indexes=(),
        sequences=(),
        rls_enabled=False,
        rls_forced=False,
        has_comment=False,
        column_comments=0,
        partitioned=False,
    )
    final = FinalTable(
        system="s",
        model="s__m",
        relation=Relation("s_next", "m"),
        raw=Relation("raw_s", "m"),
        columns=("id", "meta"),
        not_null=("id",),
        unique_keys=(),
        foreign_keys=(),
        checks=target_checks,
        renamed=(("meta", "Meta"),),
    )
    return source, target, final


def _run(data_type, checks, target_checks=()):
    result = {kind: KindParity(kind) for kind in KINDS}
    _checks(result, "m", *_tables(data_type, checks, target_checks))
    return result["check constraints"]


def test_a_jsonb_column_enforces_the_json_valid_check():
    row = _run("jsonb", ('(JSON_VALID("Meta") OR "Meta" IS NULL)',))
    assert row.ok and not row.missing
    assert any("enforced by the column's jsonb type" in e for e in row.explained)


def test_a_text_column_does_not():
    row = _run("text", ('(JSON_VALID("Meta") OR "Meta" IS NULL)',))
    assert not row.ok
    assert "the source has 1 CHECK constraint(s), the target 0" in row.missing[0]


def test_other_checks_are_still_counted():
    row = _run("jsonb", ('JSON_VALID("Meta")', "id > 0"))
    assert not row.ok
    assert "the source has 1 CHECK constraint(s), the target 0" in row.missing[0]
    assert _run("jsonb", ('JSON_VALID("Meta")', "id > 0"), ("ck_m_id",)).ok
