"""EcoAnP (seed 002) end to end: a legacy PostgreSQL database with every object kind, through
tap-postgres, target-postgres, dbt, `cutover objects`, capture and the gate; then switched,
and its behaviour checked on the target: RLS still hides rows, triggers still fire,
functions return what they returned on the source, the reporting role reads and cannot
write."""

from __future__ import annotations

import re

import psycopg
import pytest
from cutover.objects.catalog import read_catalog
from cutover.samples.ecoanp import generate
from cutover.settings import TargetSettings
from psycopg import errors

from tests.conftest import JobRun, Pipeline, database_on, make_pipeline

pytestmark = pytest.mark.e2e

READINGS = 40_000
SOURCE_DB = "ecoanp_e2e_legacy"


@pytest.fixture(scope="module")
def source(pg_server: TargetSettings, tmp_path_factory: pytest.TempPathFactory) -> TargetSettings:
    manifest = tmp_path_factory.mktemp("ecoanp-sample") / "ecoanp.manifest.json"
    generate(pg_server, SOURCE_DB, readings=READINGS, manifest=manifest)
    return pg_server.with_database(SOURCE_DB)


@pytest.fixture(scope="module")
def job(pg_server, source, tmp_path_factory) -> JobRun:  # type: ignore[no-untyped-def]
    pipeline = make_pipeline(
        database_on(pg_server, "reference_ecoanp"), tmp_path_factory.mktemp("ecoanp-job")
    )
    pipeline.env["TAP_POSTGRES__ECOANP_DATABASE"] = SOURCE_DB
    result = pipeline.meltano("run", "migrate-ecoanp")
    run = JobRun(pipeline, result, None)  # type: ignore[arg-type]
    if result.returncode != 0:
        pytest.fail(f"migrate-ecoanp failed ({result.returncode}):\n{run.output[-6000:]}")
    return run


def _source(source: TargetSettings) -> psycopg.Connection:
    return psycopg.connect(source.conninfo(), autocommit=True)


def test_gate_passes_with_every_row_and_object(job: JobRun) -> None:
    out = job.output
    assert "GATE PASSED: ecoanp (8 tables)" in out
    total = re.search(
        r"total\s+([\d,]+)\s+([\d,]+)\s+([\d,]+)\s+0\s+0\s+8/8 match\s+8/8 tables", out
    )
    assert total and total.group(1) == total.group(2) == total.group(3), out[-3000:]
    for kind, count in {
        "functions": 5,
        "view definitions": 3,
        "materialized views": 1,
        "trigger definitions": 9,
        "row level security": 4,
        "policies": 10,
        "roles": 4,
        "sequence values": 7,
        "comments": 10,
    }.items():
        assert re.search(rf"^.*{kind}\s+{count}\s+{count}\s+ok$", out, re.M), kind
    assert re.search(r"grants\s+(\d+)\s+\1\s+ok", out)
    # The guide's verification query (6단계), on both sides.
    for kind, count in {"Views": 3, "Functions": 5, "Triggers": 9, "Policies": 10}.items():
        assert re.search(rf"{kind}\s+{count}\s+{count}\s+equal", out), kind
    assert re.search(r"Tables\s+8\s+\d+\s+explained: \d+ partitions", out)


def test_time_series_is_partitioned_by_month_and_the_rollup_refreshed(job, source) -> None:  # type: ignore[no-untyped-def]
    out = job.output
    assert "time-series path: native partitioning (TimescaleDB is not installed" in out
    with job.pipeline.connect() as conn:
        kind, key = conn.execute(
            "select c.relkind, pg_get_partkeydef(c.oid) from pg_class c "
            "where c.oid = 'ecoanp_next.sensor_readings'::regclass"
        ).fetchone()  # type: ignore[misc]
        months = conn.execute(
            "select count(*) from pg_inherits "
            "where inhparent = 'ecoanp_next.sensor_readings'::regclass"
        ).fetchone()[0]  # type: ignore[index]
        rollup = conn.execute("select count(*) from ecoanp_next.daily_device_averages").fetchone()
    assert (kind, key) == ("p", "RANGE (measured_at)")
    with _source(source) as src:
        first, last = src.execute(
            "select min(measured_at), max(measured_at) from telemetry.sensor_readings"
        ).fetchone()  # type: ignore[misc]
        expected_rollup = src.execute(
            "select count(*) from telemetry.daily_device_averages"
        ).fetchone()
    spanned = (last.year - first.year) * 12 + last.month - first.month + 1
    assert months == spanned + 3 + 1  # each month with rows, 3 ahead, and the default
    assert rollup == expected_rollup
    assert f"refreshed daily_device_averages: {expected_rollup[0]:,} rows" in out  # type: ignore[index]


def test_vectors_and_jsonb_are_intact(job, source) -> None:  # type: ignore[no-untyped-def]
    query = "select id, content_embedding::text, metadata::text from {} order by id"
    with _source(source) as src:
        expected = src.execute(query.format("ai.ai_knowledge_base")).fetchall()
    with job.pipeline.connect() as conn:
        found = conn.execute(query.format("ecoanp_next.ai_knowledge_base")).fetchall()
        column_type = conn.execute(
            "select format_type(atttypid, atttypmod) from pg_attribute where attrelid = "
            "'ecoanp_next.ai_knowledge_base'::regclass and attname = 'content_embedding'"
        ).fetchone()
    assert column_type == ("vector(1536)",)
    assert len(found) == len(expected) > 100
    assert found == expected
    with _source(source) as src:
        audit = src.execute(
            "select id, old_row::text, new_row::text from audit.audit_log order by id"
        ).fetchall()
    with job.pipeline.connect() as conn:
        carried = conn.execute(
            "select id, old_row::text, new_row::text from ecoanp_next.audit_log order by id"
        ).fetchall()
    assert carried == audit  # SQL NULL stays NULL, not the JSON literal null


def test_preflight_checks_the_source_login_bypasses_rls(job: JobRun) -> None:
    preflight = job.pipeline.cutover("preflight", "ecoanp")
    assert "PASS  row-level security: the login bypasses it" in preflight.stdout, (
        preflight.stdout + preflight.stderr
    )


def test_objects_rerun_changes_nothing(job: JobRun) -> None:
    with job.pipeline.connect() as conn:
        before = read_catalog(conn, ["ecoanp_next"])
    again = job.pipeline.cutover("objects", "ecoanp")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "objects carried into ecoanp_next" in again.stdout
    with job.pipeline.connect() as conn:
        assert read_catalog(conn, ["ecoanp_next"]) == before


def test_objects_print_shows_the_sql_for_review(job: JobRun) -> None:
    printed = job.pipeline.cutover("objects", "ecoanp", "--print")
    assert printed.returncode == 0, printed.stderr
    text = printed.stdout
    order = [
        text.index("-- role: ecoanp_app"),
        text.index("-- function: current_org_id()"),
        text.index("-- view: v_device_inventory"),
        text.index("-- trigger: devices.devices_touch"),
        text.index("-- policy: devices.devices_by_org"),
        text.index("-- grant: "),
    ]
    assert order == sorted(order)  # functions -> tables' objects -> triggers -> policies -> grants
    assert "FROM ecoanp.devices" in text  # function bodies name the application's schema


@pytest.fixture(scope="module")
def switched(job: JobRun) -> Pipeline:
    done = job.pipeline.cutover("switch", "ecoanp", "--no-backup")
    assert done.returncode == 0, done.stdout + done.stderr
    return job.pipeline


def test_rls_still_hides_other_tenants_rows(switched: Pipeline) -> None:
    with switched.connect() as conn:
        mine, total = conn.execute(
            "select count(*) filter (where org_id = 1), count(*) from ecoanp.devices"
        ).fetchone()  # type: ignore[misc]
        assert 0 < mine < total
        with conn.transaction(force_rollback=True):
            conn.execute("set local role ecoanp_app")
            conn.execute("set local app.org_id = '1'")
            assert conn.execute("select count(*) from ecoanp.devices").fetchone() == (mine,)
        with conn.transaction(force_rollback=True):
            conn.execute("set local role ecoanp_app")  # no tenant: FORCE'd RLS shows nothing
            assert conn.execute("select count(*) from ecoanp.devices").fetchone() == (0,)


def test_triggers_still_fire(switched: Pipeline) -> None:
    with switched.connect() as conn, conn.transaction(force_rollback=True):
        before = conn.execute("select count(*) from ecoanp.audit_log").fetchone()[0]  # type: ignore[index]
        conn.execute("update ecoanp.devices set firmware = 'v9.9.9' where id = 1")
        assert conn.execute(
            "select updated_at = now() from ecoanp.devices where id = 1"
        ).fetchone() == (True,)
        logged = conn.execute(
            "select count(*), max(table_name), max(action) from ecoanp.audit_log"
        ).fetchone()
        assert logged == (before + 1, "ecoanp.devices", "UPDATE")


def test_functions_return_what_they_returned_on_the_source(switched: Pipeline, source) -> None:  # type: ignore[no-untyped-def]
    with _source(source) as src:
        devices = [r[0] for r in src.execute("select id from core.devices order by id")]
        expected = [
            src.execute("select telemetry.device_health(%s)", (d,)).fetchone() for d in devices
        ]
        query = (
            "select id from ai.match_knowledge("
            "(select content_embedding from ai.ai_knowledge_base where id = 7), 5)"
        )
        nearest = src.execute(query).fetchall()
    with switched.connect() as conn:
        found = [conn.execute("select ecoanp.device_health(%s)", (d,)).fetchone() for d in devices]
        carried_nearest = conn.execute(query.replace("ai.", "ecoanp.")).fetchall()
    assert found == expected and len(devices) > 10
    assert carried_nearest == nearest


def _as_reporting(conn: psycopg.Connection, query: str) -> tuple:  # type: ignore[type-arg]
    with conn.transaction(force_rollback=True):
        conn.execute("set local role ecoanp_reporting")
        return conn.execute(query).fetchone()  # type: ignore[return-value]


def test_reporting_reads_and_cannot_write(switched: Pipeline, source) -> None:  # type: ignore[no-untyped-def]
    # What the reporting role sees is what it saw on the source, table by table and through
    # a view (which runs as its owner, so FORCE'd RLS on devices filters it there too).
    queries = {
        "select count(*) from {s}sensor_readings": "telemetry.",
        "select count(*) from {s}devices": "core.",
        "select count(*) from {s}v_device_inventory": "core.",
        "select count(*) from {s}audit_log": "audit.",
    }
    with _source(source) as src, switched.connect() as conn:
        for query, schema in queries.items():
            seen = _as_reporting(conn, query.format(s="ecoanp."))
            assert seen == _as_reporting(src, query.format(s=schema)), query
        assert _as_reporting(conn, "select count(*) from ecoanp.sensor_readings")[0] > 0
    with switched.connect() as conn, conn.transaction(force_rollback=True):
        conn.execute("set local role ecoanp_reporting")
        for statement in (
            "insert into ecoanp.alerts (device_id, metric, raised_at, value, threshold) "
            "values (1, 'pm10', now(), 1, 1)",
            "update ecoanp.sensor_readings set value = 0",
            "delete from ecoanp.users",
        ):
            with pytest.raises(errors.InsufficientPrivilege), conn.transaction():
                conn.execute(statement)


def test_extraction_refuses_a_login_that_rls_would_filter(job: JobRun, source) -> None:  # type: ignore[no-untyped-def]
    """A login without BYPASSRLS would read only the rows its policies show: the tap stops
    before the first record and says why, instead of copying part of the tables."""
    with _source(source) as src:
        src.execute("drop role if exists ecoanp_limited_reader")
        src.execute("create role ecoanp_limited_reader login password 'limited-reader-pw'")
        src.execute("grant ecoanp_app to ecoanp_limited_reader")
    try:
        result = job.pipeline.meltano(
            "invoke",
            "tap-postgres--ecoanp",
            extra_env={
                "TAP_POSTGRES__ECOANP_USER": "ecoanp_limited_reader",
                "TAP_POSTGRES__ECOANP_PASSWORD": "limited-reader-pw",
            },
        )
        output = result.stdout + result.stderr
        assert result.returncode != 0
        assert "row-level security would hide rows of" in output
        assert "core.devices" in output and "BYPASSRLS" in output
        assert '"type":"RECORD"' not in result.stdout.replace(" ", "")
        preflight = job.pipeline.cutover(
            "preflight",
            "ecoanp",
            extra_env={
                "TAP_POSTGRES__ECOANP_USER": "ecoanp_limited_reader",
                "TAP_POSTGRES__ECOANP_PASSWORD": "limited-reader-pw",
            },
        )
        assert preflight.returncode == 1
        assert "FAIL  row-level security: the login is neither superuser nor BYPASSRLS" in (
            preflight.stdout
        )
    finally:
        with _source(source) as src:
            src.execute("drop role if exists ecoanp_limited_reader")
