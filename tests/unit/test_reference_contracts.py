"""The SPC and LawFirm final tables, as scaffolded and refined by hand in transform/, are
the contracts the samples' manifests were computed from (cutover.samples.*.CONTRACTS):
same columns and types, NOT NULLs, CHECK names and expressions, FKs and unique keys. If
they drift, the planted rejects would no longer be what the migration rejects."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from cutover.samples import lawfirm, routing, spc

from tests.conftest import REPO_ROOT

SYSTEMS = {"spc": spc.CONTRACTS, "lawfirm": lawfirm.CONTRACTS, "routing": routing.CONTRACTS}


def _final_models(system: str) -> dict[str, dict]:
    path = REPO_ROOT / "transform" / "models" / "marts" / system / f"_{system}__models.yml"
    models = yaml.safe_load(path.read_text())["models"]
    return {m["config"]["alias"]: m for m in models}


def _sql(expression: str) -> str:
    return re.sub(r"\s+", " ", expression.strip().lower())


def _ref_table(system: str, to: str) -> str:
    match = re.fullmatch(rf"ref\('{system}__(\w+)'\)", to)
    assert match, to
    return match.group(1)


@pytest.mark.parametrize("system", sorted(SYSTEMS))
def test_final_contracts_are_the_samples_contracts(system: str) -> None:
    models = _final_models(system)
    contracts = {c.table: c for c in SYSTEMS[system]}
    assert sorted(models) == sorted(contracts)
    for table, contract in contracts.items():
        model = models[table]
        columns = {
            c["name"]: (
                c["data_type"],
                any(k["type"] == "not_null" for k in c.get("constraints", [])),
            )
            for c in model["columns"]
        }
        assert columns == {c.name: (c.pg_type, c.required) for c in contract.columns}, table
        by_type: dict[str, list[dict]] = {}
        for constraint in model.get("constraints", []):
            by_type.setdefault(constraint["type"], []).append(constraint)
        assert [c["columns"] for c in by_type["primary_key"]] == [[contract.key]], table
        assert {c["name"]: _sql(c["expression"]) for c in by_type.get("check", [])} == {
            c.name: _sql(c.sql) for c in contract.checks
        }, table
        assert {
            c["name"]: (c["columns"], _ref_table(system, c["to"]), c["to_columns"])
            for c in by_type.get("foreign_key", [])
        } == {
            fk.name: ([fk.column], fk.parent, [fk.parent_column]) for fk in contract.foreign_keys
        }, table
        assert {c["name"]: tuple(c["columns"]) for c in by_type.get("unique", [])} == dict(
            contract.unique
        ), table


@pytest.mark.parametrize("system", sorted(SYSTEMS))
def test_refined_files_are_marked_as_edited(system: str) -> None:
    """A re-run of `cutover scaffold` must keep the hand refinements (write.is_edited)."""
    from cutover.scaffold.write import is_edited

    marts = REPO_ROOT / "transform" / "models" / "marts" / system / f"_{system}__models.yml"
    assert is_edited(marts.read_text())
    assert Path(marts).read_text().count("Refined by hand") >= 1
