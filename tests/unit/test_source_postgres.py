"""The PostgreSQL source reader (cutover.sources.postgres) on a real server: the EcoAnP
sample (schemas, identity and serial keys, RLS, pgvector) on the session's embedded
PostgreSQL, and a small database for partitions, name collisions and odd values."""

from __future__ import annotations

import json
import struct
from collections.abc import Iterator
from dataclasses import dataclass

import psycopg
import pytest
from cutover.errors import CutoverError
from cutover.samples.ecoanp import TABLES, EcoAnPResult, generate
from cutover.settings import TargetSettings
from cutover.sources.base import SourceForeignKey, SourceIndex
from cutover.sources.postgres import PostgresSource, check_expression, open_postgres
from psycopg import sql

DATABASE = "ecoanp_reader_test"
EDGE_DATABASE = "pg_reader_edge_test"
READINGS = 5_000
PROBE_ROLE = "cutover_rls_probe"


@dataclass
class Sample:
    result: EcoAnPResult
    settings: TargetSettings

    @property
    def manifest(self) -> dict:
        return json.loads(self.result.manifest.read_text())

    def tap_settings(self, **extra: object) -> dict[str, object]:
        """The settings `meltano config print --unsafe tap-postgres--ecoanp` would give."""
        s = self.settings
        return {"host": s.host, "port": s.port, "user": s.user, "password": s.password,
                "database": s.database, **extra}  # fmt: skip

    def connect(self) -> psycopg.Connection:
        return psycopg.connect(self.settings.conninfo(), autocommit=True)


@pytest.fixture(scope="module")
def sample(pg_server: TargetSettings, tmp_path_factory) -> Sample:
    manifest = tmp_path_factory.mktemp("ecoanp-reader") / "ecoanp.manifest.json"
    result = generate(pg_server, DATABASE, readings=READINGS, manifest=manifest)
    return Sample(result, pg_server.with_database(DATABASE))


@pytest.fixture(scope="module")
def reader(sample: Sample) -> Iterator[PostgresSource]:
    with open_postgres(sample.tap_settings()) as source:
        yield source


def bare(table: str) -> str:
    return table.split(".", 1)[1]


# --- schema -------------------------------------------------------------------------------------


def test_tables_views_triggers_and_other_kinds(sample: Sample, reader: PostgresSource) -> None:
    schema = reader.schema()
    assert sorted(t.name for t in schema.tables) == sorted(bare(t) for t in TABLES)
    assert sorted(schema.views) == [
        "daily_device_averages", "v_device_inventory", "v_latest_readings", "v_open_alerts",
    ]  # fmt: skip
    assert len(schema.triggers) == 9 == sample.manifest["object_counts"]["Triggers"]
    assert {"devices.devices_audit", "devices.devices_touch", "sites.sites_touch"} <= set(
        schema.triggers
    )
    kinds = sample.manifest["object_counts"]
    assert schema.extra == {
        "functions": kinds["Own functions"],  # 5: pgvector's own are not the source's
        "policies": kinds["Policies"],
        "materialized views": 1,
    }
    assert schema.extra["functions"] == 5 and schema.extra["policies"] == 10
    assert schema.skipped == ()
    assert reader.kind == "postgres" and reader.batch_size is None
    assert reader.description == f"PostgreSQL postgres@127.0.0.1:{sample.settings.port}/{DATABASE}"
    assert sample.settings.password not in reader.description


def test_row_counts_sizes_and_declared_types(sample: Sample, reader: PostgresSource) -> None:
    schema = reader.schema()
    assert {t.name: t.row_count for t in schema.tables} == {
        bare(name): count for name, count in sample.result.row_counts.items()
    }
    assert schema.table("sensor_readings").row_count == READINGS
    assert all(t.size_bytes and t.size_bytes > 0 for t in schema.tables)
    assert reader.size_bytes and reader.size_bytes > sum(t.size_bytes or 0 for t in schema.tables)
    declared = {(t.name, c.name): c.declared_type for t in schema.tables for c in t.columns}
    assert declared[("ai_knowledge_base", "content_embedding")] == "vector(1536)"
    assert declared[("ai_knowledge_base", "metadata")] == "jsonb"
    assert declared[("sites", "latitude")] == "numeric(9,6)"
    assert declared[("organizations", "country")] == "character(2)"
    assert declared[("devices", "created_at")] == "timestamp with time zone"
    assert declared[("devices", "device_uuid")] == "uuid"
    assert declared[("devices", "installed_on")] == "date"
    assert declared[("sensor_readings", "quality")] == "smallint"
    assert declared[("users", "is_active")] == "boolean"
    columns = {(t.name, c.name): c for t in schema.tables for c in t.columns}
    assert columns[("organizations", "country")].default == "'KR'::bpchar"
    assert columns[("organizations", "id")].default is None  # identity: no default
    assert columns[("sites", "id")].default == "nextval('core.sites_id_seq'::regclass)"
    assert columns[("devices", "firmware")].not_null is False
    assert columns[("devices", "serial_no")].not_null is True


def test_keys_constraints_and_indexes(reader: PostgresSource) -> None:
    schema = reader.schema()
    assert schema.table("sensor_readings").primary_key == ("device_id", "metric", "measured_at")
    assert all(t.primary_key == ("id",) for t in schema.tables if t.name != "sensor_readings")
    assert schema.table("devices").foreign_keys == (
        SourceForeignKey(("org_id",), "organizations", ("id",), "devices_org_id_fkey"),
        SourceForeignKey(("site_id",), "sites", ("id",), "devices_site_id_fkey"),
    )
    assert schema.table("sensor_readings").foreign_keys == (
        SourceForeignKey(("device_id",), "devices", ("id",), "sensor_readings_device_id_fkey"),
    )
    assert sum(len(t.foreign_keys) for t in schema.tables) == 8
    assert schema.table("devices").unique_constraints == (("device_uuid",), ("serial_no",))
    assert schema.table("sites").unique_constraints == (("org_id", "name"),)
    assert schema.table("organizations").check_constraints == (
        "(code ~ '^[A-Z]{3}[0-9]{2}$'::text)",
        "(plan = ANY (ARRAY['trial'::text, 'standard'::text, 'enterprise'::text]))",
    )
    assert schema.table("alerts").check_constraints[0] == (
        "((acknowledged_at IS NULL) OR (acknowledged_by IS NOT NULL))"
    )
    assert schema.table("ai_knowledge_base").indexes == (
        SourceIndex("ai_knowledge_base_metadata_idx", ("metadata",), unique=False),
        SourceIndex("idx_ai_knowledge_vector", ("content_embedding",), unique=False),
    )
    assert reader.index_method("ai_knowledge_base", "idx_ai_knowledge_vector") == "hnsw"
    assert reader.index_method("ai_knowledge_base", "ai_knowledge_base_metadata_idx") == "gin"
    assert schema.table("sensor_readings").indexes == (
        SourceIndex("sensor_readings_measured_at_idx", ("measured_at",), unique=False),
    )
    assert schema.table("alerts").indexes[0].columns == ("device_id", "raised_at")
    # Indexes behind a PK or UNIQUE constraint are constraints, not indexes.
    assert schema.table("organizations").indexes == ()
    assert reader.qualified_name("sensor_readings") == ("telemetry", "sensor_readings")


def test_generated_keys_and_their_sequences(sample: Sample, reader: PostgresSource) -> None:
    schema = reader.schema()
    last_values = sample.manifest["sequence_last_values"]
    for table in TABLES:
        source = schema.table(bare(table))
        if table == "telemetry.sensor_readings":
            assert (source.generated_key, source.sequence_value) == (None, None)
            continue
        assert source.generated_key == "id", table  # identity (always, by default) or serial
        assert source.sequence_value == last_values[table], table
    assert schema.table("organizations").sequence_value == 7  # org 7 was deleted


# --- rows ---------------------------------------------------------------------------------------


def test_iter_rows_in_key_order_with_the_stored_values(
    sample: Sample, reader: PostgresSource
) -> None:
    columns = ["device_id", "metric", "measured_at", "value", "quality"]
    rows = list(reader.iter_rows("sensor_readings", columns))
    with sample.connect() as conn:
        expected = conn.execute(
            "select device_id, metric, (measured_at at time zone 'UTC')::text || '+00', value, "
            "quality from telemetry.sensor_readings order by device_id, metric, measured_at"
        ).fetchall()
    assert rows == expected and len(rows) == READINGS
    # timestamptz: PostgreSQL's own text in UTC, as the tap emits it (dates_as_string)
    assert rows[0][2] == "2024-03-01 00:00:00+00"


def test_vectors_come_back_as_the_taps_text_and_json_as_objects(
    sample: Sample, reader: PostgresSource
) -> None:
    rows = list(reader.iter_rows("ai_knowledge_base", ["id", "content_embedding", "metadata"]))
    with sample.connect() as conn:
        stored = dict(
            conn.execute(
                "select id, content_embedding::real[] from ai.ai_knowledge_base order by id"
            ).fetchall()
        )
    assert [r[0] for r in rows] == sorted(stored)
    vectors = [(key, text) for key, text, _ in rows if text is not None]
    assert len(vectors) > 100 and any(text is None for _, text, _ in rows)
    for key, text in vectors:
        assert isinstance(text, str) and text.startswith("[")
        values = json.loads(text)
        assert len(values) == 1536
        assert [_float4(v) for v in values] == [_float4(v) for v in stored[key]], key
    metadata = rows[0][2]  # jsonb: its text, what the loader's jsonb column holds
    assert isinstance(metadata, str)
    assert {"topic", "lang", "source", "version"} <= set(json.loads(metadata))


def _float4(value: float) -> float:
    return struct.unpack("f", struct.pack("f", value))[0]


def test_iter_rows_refuses_what_it_cannot_read(reader: PostgresSource) -> None:
    with pytest.raises(CutoverError, match="no table 'nope'"):
        reader.iter_rows("nope", ["id"])
    with pytest.raises(CutoverError, match=r"no such column\(s\) 'nope'"):
        reader.iter_rows("devices", ["id", "nope"])
    with pytest.raises(CutoverError, match="ctid is not a stable row identifier"):
        reader.iter_rows("devices", ["id"], with_rowid=True)
    # The reader is still usable after refusals.
    assert next(reader.iter_rows("organizations", ["id"])) == (1,)


def test_the_session_is_read_only_and_named(reader: PostgresSource) -> None:
    conn = reader.connection
    assert conn.execute("show application_name").fetchone() == ("cutover",)
    assert conn.execute("show row_security").fetchone() == ("off",)
    with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
        conn.execute("delete from audit.audit_log")
    conn.rollback()


def test_filter_schemas_reads_those_and_lists_the_rest(sample: Sample) -> None:
    with open_postgres(sample.tap_settings(filter_schemas=["core", "telemetry"])) as source:
        schema = source.schema()
    assert sorted(t.name for t in schema.tables) == [
        "alerts", "devices", "organizations", "sensor_readings", "sites", "users",
    ]  # fmt: skip
    assert {s.name for s in schema.skipped} == {"ai.ai_knowledge_base", "audit.audit_log"}
    assert all("filter_schemas" in s.reason for s in schema.skipped)
    assert "v_open_alerts" in schema.views and schema.extra["policies"] == 8
    with pytest.raises(CutoverError, match="does not have: nope"):
        open_postgres(sample.tap_settings(filter_schemas=["core", "nope"])).schema()


def test_sqlalchemy_url_is_read_like_the_tap(sample: Sample) -> None:
    s = sample.settings
    url = f"postgresql+psycopg2://{s.user}:{s.password}@{s.host}:{s.port}/{DATABASE}"
    with open_postgres({"sqlalchemy_url": url, "filter_schemas": '["ai"]'}) as source:
        assert [t.name for t in source.schema().tables] == ["ai_knowledge_base"]
        assert s.password not in source.description


# --- RLS and login errors -----------------------------------------------------------------------


def test_rls_that_would_hide_rows_is_an_error_naming_table_and_bypassrls(
    sample: Sample, reader: PostgresSource
) -> None:
    assert reader.rls_bypass() is True  # the test server's superuser
    with sample.connect() as admin:
        admin.execute(
            sql.SQL("create role {} login password 'probe-pass' nobypassrls").format(
                sql.Identifier(PROBE_ROLE)
            )
        )
        admin.execute(f"grant usage on schema core to {PROBE_ROLE}")
        admin.execute(f"grant select on core.devices to {PROBE_ROLE}")
    try:
        settings = sample.tap_settings(
            user=PROBE_ROLE, password="probe-pass", filter_schemas=["core"]
        )
        with open_postgres(settings) as probe:
            assert probe.rls_bypass() is False
            with pytest.raises(CutoverError, match=r"'devices'.*BYPASSRLS") as caught:
                probe.schema()
            assert PROBE_ROLE in str(caught.value)
            with pytest.raises(CutoverError, match=r"'devices'.*BYPASSRLS"):
                probe.iter_rows("devices", ["id"])
    finally:
        with sample.connect() as admin:
            admin.execute(f"revoke select on core.devices from {PROBE_ROLE}")
            admin.execute(f"revoke usage on schema core from {PROBE_ROLE}")
            admin.execute(f"drop role {PROBE_ROLE}")


def test_wrong_password_is_one_line_without_it(sample: Sample) -> None:
    secret = "not-the-password-4711"
    with pytest.raises(CutoverError) as caught:
        open_postgres(sample.tap_settings(password=secret))
    message = str(caught.value)
    assert secret not in message
    assert "\n" not in message
    assert f"127.0.0.1:{sample.settings.port}/{DATABASE}" in message
    assert "password authentication failed" in message


def test_missing_settings_are_named() -> None:
    with pytest.raises(CutoverError, match="'database' is not set"):
        open_postgres({"host": "db"})
    with pytest.raises(CutoverError, match="scheme 'mysql'"):
        open_postgres({"sqlalchemy_url": "mysql://u:p@h/d"})


# --- partitions, collisions, odd values ---------------------------------------------------------

EDGE_DDL = """
create schema a;
create schema b;
create table a.t (id int primary key);
create table b.t (id int primary key);
create table public.events (id bigint generated always as identity, at date not null,
                            primary key (id, at)) partition by range (at);
create table public.events_2024 partition of public.events
    for values from ('2024-01-01') to ('2025-01-01');
create table public.events_max partition of public.events
    for values from ('2025-01-01') to (maxvalue);
insert into public.events (at) values ('2024-05-01'), ('2024-06-01'), ('infinity');
create table public.heap (note text, n int);
insert into public.heap values ('it''s (here)', 1);
alter table public.heap add constraint heap_n_check check (n > 0) not valid;
create index heap_lower_idx on public.heap (lower(note)) where n > 0;
"""


@pytest.fixture(scope="module")
def edge(pg_server: TargetSettings) -> Iterator[TargetSettings]:
    with psycopg.connect(pg_server.conninfo("postgres"), autocommit=True) as admin:
        admin.execute(f"drop database if exists {EDGE_DATABASE} with (force)")
        admin.execute(f"create database {EDGE_DATABASE}")
    settings = pg_server.with_database(EDGE_DATABASE)
    with psycopg.connect(settings.conninfo(), autocommit=True) as conn:
        conn.execute(EDGE_DDL)
    yield settings
    with psycopg.connect(pg_server.conninfo("postgres"), autocommit=True) as admin:
        admin.execute(f"drop database {EDGE_DATABASE} with (force)")


def _edge(settings: TargetSettings, **extra: object) -> PostgresSource:
    return open_postgres(
        {"host": settings.host, "port": settings.port, "user": settings.user,
         "password": settings.password, "database": settings.database, **extra}
    )  # fmt: skip


def test_one_name_in_two_schemas_is_an_error(edge: TargetSettings) -> None:
    with (
        _edge(edge) as source,
        pytest.raises(CutoverError, match=r"'a\.t' and 'b\.t' both load into raw table 't'"),
    ):
        source.schema()
    with _edge(edge, filter_schemas=["a", "public"]) as source:
        assert {t.name for t in source.schema().tables} == {"t", "events", "heap"}


def test_partitions_are_read_through_their_table(edge: TargetSettings) -> None:
    with _edge(edge, filter_schemas=["public"]) as source:
        schema = source.schema()
        events = schema.table("events")
        assert events.row_count == 3 and events.primary_key == ("id", "at")
        assert events.generated_key == "id" and events.sequence_value == 3
        assert events.size_bytes and events.size_bytes > 0
        skipped = {s.name: (s.kind, s.reason) for s in schema.skipped}
        assert skipped["public.events_2024"] == (
            "partition",
            "partition of public.events: its rows are read through it",
        )
        assert "public.events_max" in skipped
        rows = list(source.iter_rows("events", ["id", "at"]))
        # infinity has no Python date: PostgreSQL's text instead of a failed read
        assert [r[1] for r in rows][2] == "infinity"
        assert rows[0][1] == "2024-05-01"
        heap = schema.table("heap")
        assert heap.primary_key == () and heap.check_constraints == ("(n > 0)",)
        assert heap.indexes == (SourceIndex("heap_lower_idx", ("lower(note)",), False, True),)
        with pytest.raises(CutoverError, match=r"has no primary key.*ctid"):
            source.iter_rows("heap", ["note"], with_rowid=True)
        assert list(source.iter_rows("heap", ["note", "n"])) == [("it's (here)", 1)]


@pytest.mark.parametrize(
    ("definition", "expected"),
    [
        ("CHECK ((n > 0))", "(n > 0)"),
        ("CHECK ((n > 0)) NOT VALID", "(n > 0)"),
        ("CHECK ((note <> ')'::text))", "(note <> ')'::text)"),
        ("CHECK ((note <> 'it''s ('::text)) NO INHERIT", "(note <> 'it''s ('::text)"),
        ('CHECK (("a)b" <> \'"\'::text))', '("a)b" <> \'"\'::text)'),
    ],
)
def test_check_expression(definition: str, expected: str) -> None:
    assert check_expression(definition) == expected
