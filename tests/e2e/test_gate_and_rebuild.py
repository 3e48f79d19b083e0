"""The job fails when validation fails; foreign keys survive rebuilding a parent alone."""

from __future__ import annotations

import json

import pytest

from tests.conftest import database_on, make_pipeline

pytestmark = pytest.mark.e2e


def foreign_keys(conn) -> set[tuple[str, str]]:
    return set(
        conn.execute(
            "select conrelid::regclass::text, conname from pg_constraint "
            "where contype = 'f' and connamespace = 'coldchain_next'::regnamespace"
        ).fetchall()
    )


def test_fks_survive_rebuilding_a_parent_alone(coldchain_job):
    pipeline = coldchain_job.pipeline
    with pipeline.connect() as conn:
        before = foreign_keys(conn)
    assert ("coldchain_next.orders", "fk_orders_client_id") in before
    result = pipeline.meltano("invoke", "dbt", "run", "--select", "coldchain__clients")
    assert result.returncode == 0, result.stdout[-3000:]
    assert "restoring foreign key fk_orders_client_id" in result.stdout
    with pipeline.connect() as conn:
        assert foreign_keys(conn) == before
        assert conn.execute(
            "select bool_and(convalidated) from pg_constraint where contype = 'f' "
            "and connamespace = 'coldchain_next'::regnamespace"
        ).fetchone()[0]


def test_job_exits_non_zero_when_validation_fails(pg_server, coldchain_sample, tmp_path):
    """A table left out of an extraction has no source count for this run: the gate fails.

    First a full run, then a rerun whose tap selection leaves `vehicles` out (a realistic
    mistake): raw_coldchain.vehicles still holds the previous load, dbt builds from it,
    and only the gate notices that this run never counted the source's vehicles.
    """
    pipeline = make_pipeline(database_on(pg_server, "cutover_gate"), tmp_path)
    pipeline.env["TAP_SQLITE__COLDCHAIN_DATABASE"] = str(coldchain_sample)
    first = pipeline.meltano("run", "migrate-coldchain")
    assert first.returncode == 0, first.stdout[-3000:]

    tables = [
        "alembic_version",
        "users",
        "clients",
        "drivers",
        "orders",
        "dispatches",
        "sqlite_sequence",
        "_source_audit",
    ]
    select = json.dumps([f"{table}.*" for table in tables])
    second = pipeline.meltano(
        "run", "migrate-coldchain", extra_env={"TAP_SQLITE__COLDCHAIN__SELECT": select}
    )
    out = second.stdout + second.stderr
    assert second.returncode != 0
    assert "GATE FAILED: coldchain" in out
    assert "[coldchain__vehicles] Every vehicles row counted in the source" in out
    assert "[coldchain__orders]" not in out  # the other tables still pass
    assert pipeline.docs_index.is_file()  # the failure can be read in Data Docs


def test_el_and_dbt_run_as_written_rerun_without_duplicates(coldchain_job):
    """`meltano run tap-sqlite--coldchain target-postgres dbt:run-coldchain`, a second time on
    the same source: raw rows are upserted by key (no duplicates), the reconciliation still
    holds. (Plain `dbt:run` builds every system, so it needs every raw schema loaded.)"""
    pipeline = coldchain_job.pipeline
    with pipeline.connect() as conn:
        before = conn.execute("select count(*) from raw_coldchain.orders").fetchone()[0]
    result = pipeline.meltano(
        "run", "tap-sqlite--coldchain", "target-postgres", "dbt:run-coldchain"
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    with pipeline.connect() as conn:
        assert conn.execute("select count(*) from raw_coldchain.orders").fetchone()[0] == before
        rows = conn.execute(
            "select table_name, source_rows, raw_rows, final_rows + rejected_rows, "
            "unaccounted_rows from coldchain_audit.reconciliation"
        ).fetchall()
    assert len(rows) == 7
    for table, source, raw, accounted, unaccounted in rows:
        assert source == raw == accounted and unaccounted == 0, table


def test_no_secret_in_output_logs_or_docs(coldchain_job):
    password = coldchain_job.pipeline.target.password
    assert password not in coldchain_job.output
    # The session's work folder holds the dbt logs, the GX context and the Data Docs.
    scanned = 0
    for path in coldchain_job.pipeline.work.rglob("*"):
        if path.is_file() and path.suffix in {".html", ".json", ".yml", ".log", ".txt"}:
            assert password not in path.read_text(errors="ignore"), path
            scanned += 1
    assert scanned > 20
