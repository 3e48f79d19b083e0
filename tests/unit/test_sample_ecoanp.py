"""The EcoAnP sample: a legacy PostgreSQL database with every object kind the guide migrates."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from cutover.samples.ecoanp import ROLES, TABLES, EcoAnPResult, generate, table_checksum
from cutover.settings import TargetSettings
from psycopg import errors

READINGS = 20_000
OWN_SCHEMAS = ("core", "telemetry", "ai", "audit")


@dataclass
class Sample:
    result: EcoAnPResult
    settings: TargetSettings

    @property
    def manifest(self) -> dict:
        return json.loads(self.result.manifest.read_text())

    def connect(self) -> psycopg.Connection:
        return psycopg.connect(self.settings.conninfo(), autocommit=True)


@pytest.fixture(scope="module")
def sample(pg_server: TargetSettings, tmp_path_factory) -> Sample:
    manifest = tmp_path_factory.mktemp("ecoanp") / "ecoanp.manifest.json"
    result = generate(pg_server, "ecoanp_test", readings=READINGS, manifest=manifest)
    return Sample(result, pg_server.with_database("ecoanp_test"))


@pytest.fixture
def conn(sample: Sample) -> Iterator[psycopg.Connection]:
    with sample.connect() as connection:
        yield connection


def scalar(conn: psycopg.Connection, query: str, params: tuple = ()) -> object:
    row = conn.execute(query, params).fetchone()
    assert row is not None
    return row[0]


def test_row_counts_in_manifest_are_the_tables(sample: Sample, conn):
    manifest = sample.manifest
    assert manifest["row_counts"]["telemetry.sensor_readings"] == READINGS
    assert set(manifest["row_counts"]) == set(TABLES)
    for table, expected in manifest["row_counts"].items():
        assert scalar(conn, f"select count(*) from {table}") == expected, table
    assert manifest["row_counts"] == sample.result.row_counts
    for table in TABLES:
        assert manifest["row_counts"][table] > 0, table
    assert scalar(conn, "select count(*) from ai.ai_knowledge_base") < 500  # small
    assert manifest["materialized_view_rows"]["telemetry.daily_device_averages"] == scalar(
        conn, "select count(*) from telemetry.daily_device_averages"
    )


def test_object_counts_in_manifest_are_the_catalog(sample: Sample, conn):
    kinds = sample.manifest["object_counts"]
    own = "n.nspname = any(%s)"
    schemas = list(OWN_SCHEMAS)

    def count(query: str) -> int:
        return int(scalar(conn, query, (schemas,)))  # type: ignore[arg-type]

    assert kinds["Tables"] == count(
        "select count(*) from information_schema.tables n(table_catalog, nspname)"
        " where table_type = 'BASE TABLE' and nspname = any(%s)"
    )
    assert kinds["Views"] == count(
        "select count(*) from information_schema.views where table_schema = any(%s)"
    )
    assert kinds["Materialized views"] == count(
        "select count(*) from pg_class c join pg_namespace n on n.oid = c.relnamespace"
        f" where c.relkind = 'm' and {own}"
    )
    assert kinds["Own functions"] == count(
        f"select count(*) from pg_proc p join pg_namespace n on n.oid = p.pronamespace where {own}"
    )
    assert kinds["Triggers"] == count(  # information_schema has a row per event
        "select count(distinct (trigger_schema, trigger_name))"
        " from information_schema.triggers where trigger_schema = any(%s)"
    )
    assert kinds["Policies"] == count("select count(*) from pg_policies where schemaname = any(%s)")
    assert kinds["Indexes"] == count(
        "select count(*) from pg_class c join pg_namespace n on n.oid = c.relnamespace"
        f" where c.relkind = 'i' and {own}"
    )
    assert kinds["Sequences"] == count(
        "select count(*) from pg_class c join pg_namespace n on n.oid = c.relnamespace"
        f" where c.relkind = 'S' and {own}"
    )
    assert kinds["Schemas"] == len(OWN_SCHEMAS) + 1  # and public
    assert kinds["RLS tables"] == count(
        f"select count(*) from pg_class c join pg_namespace n on n.oid = c.relnamespace"
        f" where c.relrowsecurity and {own}"
    )
    assert kinds["Roles"] == len(ROLES)
    grants = count(
        "select count(*) from information_schema.role_table_grants"
        " where table_schema = any(%s) and grantee <> 'ecoanp_owner'"
    )
    assert kinds["Grants"] > grants > 0  # tables only there; schemas, functions, columns too
    # Every kind the guide names is present.
    for kind in ("Views", "Functions", "Triggers", "Policies", "Indexes", "Sequences"):
        assert kinds[kind] > 0, kind
    assert kinds["Own functions"] >= 3
    assert kinds["Materialized views"] == 1


def test_catalog_has_identity_serial_defaults_and_checks(conn):
    columns = dict(
        conn.execute(
            "select table_schema || '.' || table_name || '.' || column_name,"
            " coalesce(identity_generation, column_default)"
            " from information_schema.columns where table_schema = any(%s)"
            " and (is_identity = 'YES' or column_default is not null)",
            (list(OWN_SCHEMAS),),
        ).fetchall()
    )
    assert columns["core.organizations.id"] == "ALWAYS"
    assert columns["core.devices.id"] == "BY DEFAULT"
    assert columns["core.sites.id"].startswith("nextval(")
    assert columns["core.devices.device_uuid"] == "gen_random_uuid()"
    assert columns["core.users.created_at"] == "now()"
    contypes = {
        row[0]
        for row in conn.execute(
            "select distinct contype from pg_constraint c join pg_namespace n"
            " on n.oid = c.connamespace where n.nspname = any(%s)",
            (list(OWN_SCHEMAS),),
        )
    }
    assert {"p", "f", "u", "c"} <= contypes
    cross = scalar(
        conn,
        "select count(*) from pg_constraint where contype = 'f'"
        " and connamespace <> (select relnamespace from pg_class where oid = confrelid)",
    )
    assert cross >= 2  # telemetry and ai point at core


def test_sequences_stand_past_max_id(conn):
    for table in ("core.organizations", "core.sites", "core.devices", "core.users"):
        last, called = conn.execute(f"select last_value, is_called from {table}_id_seq").fetchone()  # type: ignore[misc]
        assert called
        assert last >= scalar(conn, f"select max(id) from {table}"), table
    assert scalar(conn, "select last_value from core.organizations_id_seq") > scalar(
        conn, "select max(id) from core.organizations"
    )
    # Deleted rows left gaps.
    assert scalar(conn, "select max(id) - count(*) from core.organizations") > 0


def test_same_seed_same_rows_other_seed_other_rows(sample: Sample, pg_server, tmp_path):
    again = generate(pg_server, "ecoanp_again", readings=READINGS, manifest=tmp_path / "a.json")
    again_manifest = json.loads(again.manifest.read_text())
    with (
        sample.connect() as first,
        psycopg.connect(
            pg_server.with_database("ecoanp_again").conninfo(), autocommit=True
        ) as second,
    ):
        first.execute("set timezone = 'UTC'")
        second.execute("set timezone = 'UTC'")
        for table in TABLES:
            assert table_checksum(first, table) == table_checksum(second, table), table
            assert table_checksum(first, table) == sample.manifest["checksums"][table], table
    assert again_manifest["checksums"] == sample.manifest["checksums"]
    assert again_manifest["object_counts"] == sample.manifest["object_counts"]
    other = generate(
        pg_server, "ecoanp_again", readings=READINGS, seed=3, manifest=tmp_path / "b.json"
    )
    other_sums = json.loads(other.manifest.read_text())["checksums"]
    assert (
        other_sums["telemetry.sensor_readings"]
        != sample.manifest["checksums"]["telemetry.sensor_readings"]
    )
    assert (
        other_sums["ai.ai_knowledge_base"] != sample.manifest["checksums"]["ai.ai_knowledge_base"]
    )
    with psycopg.connect(pg_server.conninfo("postgres"), autocommit=True) as admin:
        admin.execute("drop database ecoanp_again with (force)")


def test_rls_filters_the_app_by_organization(conn):
    total_org1 = scalar(conn, "select count(*) from core.devices where org_id = 1")
    assert 0 < total_org1 < scalar(conn, "select count(*) from core.devices")
    with conn.transaction(force_rollback=True):
        conn.execute("set local role ecoanp_app")
        assert scalar(conn, "select count(*) from core.devices") == 0  # no org set
        conn.execute("select set_config('app.org_id', '1', true)")
        assert {r[0] for r in conn.execute("select distinct org_id from core.devices")} == {1}
        assert scalar(conn, "select count(*) from core.devices") == total_org1
        assert {r[0] for r in conn.execute("select distinct org_id from core.sites")} == {1}
        assert {r[0] for r in conn.execute("select distinct org_id from core.users")} == {1}
        orgs = {r[0] for r in conn.execute("select distinct org_id from ai.ai_knowledge_base")}
        assert orgs == {None, 1}
        # WITH CHECK: not another organization's rows
        with pytest.raises(errors.InsufficientPrivilege), conn.transaction():
            conn.execute(
                "insert into ai.ai_knowledge_base (org_id, title, content) values (2, 'x', 'y')"
            )


def test_forced_rls_filters_the_owner_too(conn):
    with conn.transaction(force_rollback=True):
        conn.execute("set local role ecoanp_owner")
        conn.execute("select set_config('app.org_id', '1', true)")
        assert {r[0] for r in conn.execute("select distinct org_id from core.devices")} == {1}
        # sites has RLS without FORCE: its owner sees every organization.
        assert len({r[0] for r in conn.execute("select distinct org_id from core.sites")}) > 1
    forced = dict(
        conn.execute(
            "select relname, relforcerowsecurity from pg_class where relrowsecurity"
        ).fetchall()
    )
    assert forced == {
        "devices": True,
        "sites": False,
        "users": False,
        "ai_knowledge_base": False,
    }


def test_triggers_touch_updated_at_and_write_audit_rows(conn):
    with conn.transaction(force_rollback=True):
        device_id, before = conn.execute(
            "select id, updated_at from core.devices order by id limit 1"
        ).fetchone()  # type: ignore[misc]
        audits = scalar(conn, "select count(*) from audit.audit_log")
        after = scalar(
            conn,
            "update core.devices set firmware = '9.9.9' where id = %s returning updated_at",
            (device_id,),
        )
        assert after > before
        assert after == scalar(conn, "select now()")
        action, row_pk, new_firmware = conn.execute(
            "select action, row_pk, new_row ->> 'firmware' from audit.audit_log"
            " order by id desc limit 1"
        ).fetchone()  # type: ignore[misc]
        assert (action, row_pk, new_firmware) == ("UPDATE", str(device_id), "9.9.9")
        last_user_seq = scalar(conn, "select last_value from core.users_id_seq")
        conn.execute("set local role ecoanp_app")
        conn.execute("select set_config('app.org_id', '1', true)")
        new_id = scalar(
            conn,
            "insert into core.users (org_id, email, display_name)"
            " values (1, 'new@example.org', 'New') returning id",
        )
        assert new_id == last_user_seq + 1  # the sequence was past max(id)
        conn.execute("reset role")
        assert scalar(conn, "select count(*) from audit.audit_log") == audits + 2
        inserted = conn.execute(
            "select action, changed_by, new_row ->> 'email' from audit.audit_log"
            " where table_name = 'core.users' and row_pk = %s",
            (str(new_id),),
        ).fetchall()
        assert inserted == [("INSERT", "postgres", "new@example.org")]


def test_device_health_is_the_share_of_good_readings(conn):
    expected = dict(
        conn.execute(
            "select d.id, case when d.status = 'retired' then 0"
            " else round(100.0 * count(r.*) filter (where r.quality >= 80)"
            "   / nullif(count(r.*), 0), 2) end"
            " from core.devices d left join telemetry.sensor_readings r on r.device_id = d.id"
            " group by d.id, d.status"
        ).fetchall()
    )
    got = dict(conn.execute("select id, telemetry.device_health(id) from core.devices").fetchall())
    assert got == expected
    values = set(got.values())
    assert 0 in values  # a retired device
    assert any(v is not None and 0 < v < 90 for v in values)  # a flaky one
    assert any(v is not None and v > 95 for v in values)
    with pytest.raises(errors.NoDataFound):
        conn.execute("select telemetry.device_health(-1)")


def test_reporting_reads_but_cannot_write(conn):
    with conn.transaction(force_rollback=True):
        conn.execute("set local role ecoanp_reporting")
        assert scalar(conn, "select count(*) from telemetry.sensor_readings") == READINGS
        assert scalar(conn, "select count(*) from telemetry.daily_device_averages") > 0
        assert scalar(conn, "select count(*) from core.devices") > 0  # its own policy
        assert scalar(conn, "select count(*) from audit.audit_log") > 0
        with pytest.raises(errors.InsufficientPrivilege), conn.transaction():
            conn.execute(
                "insert into telemetry.sensor_readings (device_id, measured_at, metric, value)"
                " values (1, now(), 'pm10', 1)"
            )
        with pytest.raises(errors.InsufficientPrivilege), conn.transaction():
            conn.execute("update core.organizations set name = 'x'")
    with conn.transaction(force_rollback=True):
        conn.execute("set local role ecoanp_ingest")
        device = scalar(conn, "select min(id) from core.devices")
        conn.execute(
            "insert into telemetry.sensor_readings (device_id, measured_at, metric, value)"
            " values (%s, now(), 'pm10', 1)",
            (device,),
        )
        with pytest.raises(errors.InsufficientPrivilege), conn.transaction():
            conn.execute("select * from ai.ai_knowledge_base")


def test_hnsw_index_serves_nearest_neighbour_queries(conn):
    indexdef = scalar(
        conn,
        "select indexdef from pg_indexes where indexname = 'idx_ai_knowledge_vector'",
    )
    assert "USING hnsw (content_embedding vector_cosine_ops)" in str(indexdef)
    assert (
        scalar(
            conn,
            "select format_type(atttypid, atttypmod) from pg_attribute"
            " where attrelid = 'ai.ai_knowledge_base'::regclass and attname = 'content_embedding'",
        )
        == "vector(1536)"
    )
    with conn.transaction(force_rollback=True):
        conn.execute("set local enable_seqscan = off")
        probe = scalar(
            conn,
            "select content_embedding::text from ai.ai_knowledge_base"
            " where content_embedding is not null order by id limit 1",
        )
        plan = "\n".join(
            row[0]
            for row in conn.execute(
                "explain select id from ai.ai_knowledge_base"
                " order by content_embedding <=> %s::vector limit 5",
                (probe,),
            )
        )
        assert "idx_ai_knowledge_vector" in plan
        nearest = conn.execute(
            "select id, distance from ai.match_knowledge(%s::vector, 1)", (probe,)
        ).fetchone()
        assert nearest is not None and nearest[1] < 1e-6


def test_embeddings_are_unit_vectors_rounded_to_six_decimals(conn):
    text = str(
        scalar(
            conn,
            "select content_embedding::text from ai.ai_knowledge_base"
            " where content_embedding is not null order by id limit 1",
        )
    )
    values = [float(v) for v in text.strip("[]").split(",")]
    assert len(values) == 1536
    assert all(round(v, 6) == v for v in values)
    assert abs(sum(v * v for v in values) - 1) < 1e-3
    assert scalar(conn, "select count(*) from ai.ai_knowledge_base where content_embedding is null")


def test_full_size_takes_seconds(pg_server, tmp_path: Path):
    result = generate(pg_server, "ecoanp_full", manifest=tmp_path / "full.json")
    assert result.row_counts["telemetry.sensor_readings"] == 300_000
    assert result.seconds < 30, f"{result.seconds:.1f} s"
    print(f"EcoAnP 300,000 readings: {result.seconds:.2f} s")
    with psycopg.connect(pg_server.conninfo("postgres"), autocommit=True) as admin:
        admin.execute("drop database ecoanp_full with (force)")
