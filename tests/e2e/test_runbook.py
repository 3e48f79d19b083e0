"""The cutover runbook on the Cold Chain sample, as the README gives it: preflight, dry run,
migrate (EL, dbt, capture, gate), switch, rollback, switch again; backups restore with the
same fingerprints. Real Meltano, dbt, GX and PostgreSQL, in a database of its own."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import Pipeline, database_on, make_pipeline

pytestmark = pytest.mark.e2e

TABLES = ("alembic_version", "users", "clients", "drivers", "vehicles", "orders", "dispatches")


@pytest.fixture(scope="module")
def runbook(pg_server, coldchain_sample: Path, tmp_path_factory) -> Pipeline:  # type: ignore[no-untyped-def]
    pipeline = make_pipeline(database_on(pg_server, "runbook"), tmp_path_factory.mktemp("runbook"))
    pipeline.env["TAP_SQLITE__COLDCHAIN_DATABASE"] = str(coldchain_sample)
    return pipeline


def _ok(result) -> str:  # type: ignore[no-untyped-def]
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    return output


def _schemas(pipeline: Pipeline) -> set[str]:
    with pipeline.connect() as conn:
        return {
            name
            for (name,) in conn.execute(
                "select nspname from pg_namespace where nspname like 'coldchain%'"
            ).fetchall()
        }


def test_preflight_and_dry_run_write_nothing(runbook: Pipeline) -> None:
    before = _schemas(runbook)
    preflight = _ok(runbook.cutover("preflight", "coldchain"))
    for line in (
        "PASS  target version: PostgreSQL",
        "PASS  extension vector",
        "extension timescaledb: absent",
        "PASS  privilege CREATE on database",
        "PASS  free disk at target",
        "PASS  source readable",
        "PASS  tables without a primary key: none",
        "Preflight passed.",
    ):
        assert line in preflight
    dry = _ok(runbook.cutover("dry-run", "coldchain"))
    for table in TABLES:
        assert re.search(rf"^{table}\s+[\d,]+\s+\S+ \S+\s+", dry, re.M), dry
    assert "orders            2,000" in dry
    assert "Rate:" in dry
    assert _schemas(runbook) == before  # nothing was written to the target


def test_preflight_fails_clearly_on_a_missing_source(runbook: Pipeline, tmp_path: Path) -> None:
    result = runbook.cutover("preflight", "coldchain", "--source", str(tmp_path / "nope.sqlite"))
    assert result.returncode == 1
    assert "FAIL  source readable" in result.stdout
    assert "nope.sqlite" in result.stdout


def test_migrate_gate_switch_rollback_switch(runbook: Pipeline) -> None:
    job = _ok(runbook.meltano("run", "migrate-coldchain"))
    assert "GATE PASSED: coldchain" in job
    assert "7/7 match" in job
    docs = runbook.docs_index.read_text()
    assert 'id="cutover-coldchain"' in docs and "GATE PASSED: coldchain" in docs
    assert ">fingerprint<" in docs and ">match<" in docs
    with runbook.connect() as conn:
        gated = conn.execute(
            "select count(*) from cutover_audit.gate_runs where system = 'coldchain' and passed"
        ).fetchone()[0]
    assert gated == 1

    # The measured rate now feeds the dry run.
    assert "measured" in _ok(runbook.cutover("dry-run", "coldchain"))

    switched = _ok(runbook.cutover("switch", "coldchain"))
    assert "coldchain_next is now coldchain" in switched
    assert "coldchain" in _schemas(runbook) and "coldchain_next" not in _schemas(runbook)
    with runbook.connect() as conn:
        counts = {
            t: conn.execute(f"select count(*) from coldchain.{t}").fetchone()[0] for t in TABLES
        }
        fks = conn.execute(
            "select count(*) from pg_constraint where contype = 'f' "
            "and connamespace = 'coldchain'::regnamespace"
        ).fetchone()[0]
        # The application can insert right after the switch: the sequence moved with the table.
        new_id = conn.execute(
            "insert into coldchain.clients (code, name, is_active, created_at) "
            "values ('CUTOVER-TEST', 'after switch', true, now()) returning id"
        ).fetchone()[0]
        conn.execute("delete from coldchain.clients where id = %s", (new_id,))
    assert counts["orders"] == 1957 and counts["dispatches"] == 1633
    assert fks == 6
    assert "already switched" in _ok(runbook.cutover("switch", "coldchain"))
    backups = list((Path(runbook.env["CUTOVER_BACKUP_DIR"]) / "coldchain").glob("*.dump"))
    assert len(backups) == 1

    rolled = _ok(runbook.cutover("rollback", "coldchain"))
    assert "rolled back" in rolled
    assert "coldchain_next" in _schemas(runbook) and "coldchain" not in _schemas(runbook)
    assert "nothing to roll back" in _ok(runbook.cutover("rollback", "coldchain"))

    again = _ok(runbook.cutover("switch", "coldchain"))  # same gated tables: no new gate needed
    assert "coldchain_next is now coldchain" in again
    status = _ok(runbook.cutover("status", "coldchain"))
    assert "last switch/rollback: switch" in status
    assert "last gate: passed" in status

    # The backup taken before a switch restores into a scratch database with the same
    # fingerprints as the live tables and as the source capture.
    verified = _ok(runbook.cutover("backup", "verify", "coldchain"))
    assert "BACKUP VERIFIED" in verified
    assert "DIFFERS" not in verified

    # A rebuilt candidate must pass the gate again before it can be switched.
    _ok(runbook.meltano("run", "tap-sqlite--coldchain", "target-postgres", "dbt:build-coldchain"))
    refused = runbook.cutover("switch", "coldchain")
    assert refused.returncode == 1
    assert "changed since the last gate" in refused.stderr


def test_backup_retention_keeps_the_newest(runbook: Pipeline) -> None:
    folder = Path(runbook.env["CUTOVER_BACKUP_DIR"]) / "coldchain"
    folder.mkdir(parents=True, exist_ok=True)
    old = folder / "coldchain_runbook_20200101T000000Z.dump"
    old.write_bytes(b"old")
    _ok(runbook.cutover("backup", "create", "coldchain"))
    assert not old.exists()
    listed = _ok(runbook.cutover("backup", "list", "coldchain"))
    assert listed.count(".dump") >= 1
