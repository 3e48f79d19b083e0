"""The scaffolder on PostgreSQL sources: the type rules (postgres_types.py), the source URL,
and the plan and rendered files of the EcoAnP sample read from the session's embedded
PostgreSQL (tables only, parents first, tap-postgres settings without a password, views
left out of the extractor's selection)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import jinja2
import psycopg
import pytest
import yaml
from cutover.errors import CutoverError
from cutover.samples.ecoanp import generate
from cutover.scaffold.postgres_plan import connection_settings, plan_postgres
from cutover.scaffold.postgres_types import map_postgres_column
from cutover.scaffold.render import render
from cutover.scaffold.sqlite_types import VERBATIM
from cutover.scaffold.write import write_files
from cutover.settings import TargetSettings

from tests.conftest import REPO_ROOT

DATABASE = "ecoanp_scaffold_test"
TABLES = {
    "organizations": "core", "sites": "core", "devices": "core", "users": "core",
    "sensor_readings": "telemetry", "alerts": "telemetry", "ai_knowledge_base": "ai",
    "audit_log": "audit",
}  # fmt: skip
VIEWS = ("v_device_inventory", "v_latest_readings", "v_open_alerts", "daily_device_averages")

# --- type rules ---------------------------------------------------------------------------------

TRY = "try_cast('{col}', '{t}', casts)"


@pytest.mark.parametrize(
    ("declared", "pg_type", "staging", "rule_id"),
    [
        ("smallint", "smallint", TRY, "pg-integer"),
        ("integer", "integer", TRY, "pg-integer"),
        ("bigint", "bigint", TRY, "pg-integer"),
        ("numeric(9,6)", "numeric(9,6)", TRY, "pg-number"),
        ("numeric", "numeric", TRY, "pg-number"),
        ("real", "real", TRY, "pg-number"),
        ("double precision", "double precision", TRY, "pg-number"),
        ("boolean", "boolean", VERBATIM, "pg-boolean"),
        ("text", "text", VERBATIM, "pg-text"),
        ("character varying(50)", "character varying(50)", VERBATIM, "pg-text"),
        ("character varying", "character varying", VERBATIM, "pg-text"),
        ("character(2)", "character(2)", VERBATIM, "pg-text"),
        ('"char"', "char(1)", VERBATIM, "pg-text"),
        ("date", "date", TRY, "pg-datetime"),
        ("timestamp without time zone", "timestamp without time zone", TRY, "pg-datetime"),
        ("timestamp(3) without time zone", "timestamp(3) without time zone", TRY, "pg-datetime"),
        ("timestamp with time zone", "timestamp with time zone", TRY, "pg-datetime"),
        ("time without time zone", "time without time zone", TRY, "pg-datetime"),
        ("time(0) with time zone", "time(0) with time zone", TRY, "pg-datetime"),
        ("uuid", "uuid", TRY, "pg-text-form"),
        ("inet", "inet", TRY, "pg-text-form"),
        ("bit varying(5)", "bit varying(5)", TRY, "pg-text-form"),
        ("xml", "xml", TRY, "pg-text-form"),
        ("jsonb", "jsonb", VERBATIM, "pg-jsonb"),
        ("json", "json", TRY, "pg-json"),
        ("vector(1536)", "vector(1536)", "to_vector('{col}', 1536, casts)", "pg-vector"),
        ("vector", "vector", TRY, "pg-vector"),
    ],
)
def test_postgres_type_rules(declared: str, pg_type: str, staging: str, rule_id: str) -> None:
    mapping = map_postgres_column(declared)
    assert (mapping.pg_type, mapping.rule_id) == (pg_type, rule_id)
    assert mapping.staging == staging.replace("{t}", pg_type)
    assert not mapping.identity


def test_identity_columns_keep_their_integer_type() -> None:
    mapping = map_postgres_column("bigint", is_identity=True)
    assert (mapping.pg_type, mapping.identity) == ("bigint", True)
    assert mapping.staging == "try_cast('{col}', 'bigint', casts)"
    assert map_postgres_column("uuid", is_identity=True).identity is False


@pytest.mark.parametrize(
    ("declared", "message"),
    [
        ("bytea", "bare hex"),
        ("interval", "counted from 1970"),
        ("interval year to month", "counted from 1970"),
        ("money", "lc_monetary"),
        ("integer[]", "array type 'integer\\[\\]'"),
        ("character varying(20)[]", "array type"),
        ("mood", "'mood' has no mapping rule"),
        ("core.status_t", "'core.status_t' has no mapping rule"),
        ("hstore", "has no mapping rule"),
    ],
)
def test_refused_types_name_the_column(declared: str, message: str) -> None:
    with pytest.raises(CutoverError, match=rf"^devices\.state: .*{message}"):
        map_postgres_column(declared, where="devices.state")


# --- the source URL -----------------------------------------------------------------------------


def test_url_rules() -> None:
    assert connection_settings("postgresql://app@db:5433/EcoAnP?schemas=core,telemetry", "pw") == {
        "host": "db",
        "port": 5433,
        "user": "app",
        "database": "EcoAnP",
        "filter_schemas": ["core", "telemetry"],
        "password": "pw",
    }
    assert connection_settings("postgres://app@db/ecoanp", None) == {
        "host": "db", "port": 5432, "user": "app", "database": "ecoanp",
    }  # fmt: skip
    with pytest.raises(CutoverError, match=r"TAP_POSTGRES_PASSWORD.*not in the URL"):
        connection_settings("postgresql://app:secret@db/ecoanp", None)
    form = r"postgresql://user@host\[:port\]/Database"
    with pytest.raises(CutoverError, match=form):
        connection_settings("postgresql://app@db", None)  # no database
    with pytest.raises(CutoverError, match=form):
        connection_settings("postgresql://db/ecoanp", None)  # no user: tap-postgres needs one
    with pytest.raises(CutoverError, match="unknown PostgreSQL URL option"):
        connection_settings("postgresql://app@db/ecoanp?sslmode=require", None)


# --- the EcoAnP sample --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server(pg_server: TargetSettings, tmp_path_factory) -> TargetSettings:
    manifest = tmp_path_factory.mktemp("ecoanp-scaffold") / "ecoanp.manifest.json"
    generate(pg_server, DATABASE, readings=5_000, manifest=manifest)
    return pg_server.with_database(DATABASE)


def _url(server: TargetSettings, query: str = "") -> str:
    return f"postgresql://{server.user}@{server.host}:{server.port}/{DATABASE}{query}"


def test_plan_of_the_sample(server: TargetSettings, monkeypatch) -> None:
    monkeypatch.setenv("TAP_POSTGRES_PASSWORD", server.password)
    plan = plan_postgres("ecoanp", _url(server), {})
    order = [t.name for t in plan.tables]
    assert sorted(order) == sorted(TABLES)
    for parent, child in [
        ("organizations", "sites"), ("sites", "devices"), ("devices", "sensor_readings"),
        ("devices", "alerts"), ("users", "alerts"), ("organizations", "ai_knowledge_base"),
    ]:  # fmt: skip
        assert order.index(parent) < order.index(child), (parent, child)
    tables = {t.name: t for t in plan.tables}
    assert {t.name: t.identity for t in plan.tables} == {
        name: (None if name == "sensor_readings" else "id") for name in TABLES
    }
    assert all(c.mapping.identity == (c.name == t.identity) for t in plan.tables for c in t.columns)
    assert sum(len(t.foreign_keys) for t in plan.tables) == 8
    assert tables["sensor_readings"].primary_key == ("device_id", "metric", "measured_at")
    assert not any(t.sequence_floor for t in plan.tables)  # no sqlite_sequence here
    columns = {(t.name, c.name): c for t in plan.tables for c in t.columns}
    embedding = columns[("ai_knowledge_base", "content_embedding")].mapping
    assert (embedding.pg_type, embedding.staging) == (
        "vector(1536)", "to_vector('{col}', 1536, casts)",
    )  # fmt: skip
    assert columns[("ai_knowledge_base", "metadata")].mapping.staging == VERBATIM
    assert columns[("devices", "created_at")].pg_type == "timestamp with time zone"
    assert columns[("organizations", "country")].pg_type == "character(2)"
    # HNSW and GIN indexes are not planned as btree copies: listed instead
    assert tables["ai_knowledge_base"].indexes == ()
    skipped = dict(plan.skipped)
    assert skipped["ai_knowledge_base.idx_ai_knowledge_vector"].startswith(
        "hnsw index on (content_embedding): not scaffolded"
    )
    assert skipped["ai_knowledge_base.ai_knowledge_base_metadata_idx"].startswith("gin index")
    assert ("idx_devices_site_id", ("site_id",)) in tables["devices"].indexes
    assert sorted(plan.views) == sorted(VIEWS)
    assert plan.extractor == "tap-postgres"
    assert sorted(plan.extractor_select) == sorted(
        [*(f"{s}-{t}.*" for t, s in TABLES.items()), "_source_audit.*"]
    )


def test_rendered_extractor_selects_tables_only_without_password(
    server: TargetSettings, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.delenv("TAP_POSTGRES_PASSWORD", raising=False)
    plan = plan_postgres("ecoanp", _url(server), {"password": server.password})
    files = render(plan, tmp_path)
    report = write_files(tmp_path, files)
    assert "extract/ecoanp.meltano.yml" in report.written
    text = (tmp_path / "extract/ecoanp.meltano.yml").read_text()
    assert "password:" not in text
    for body in files.values():
        assert server.password not in body
    [extractor] = yaml.safe_load(text)["plugins"]["extractors"]
    assert extractor["name"] == "tap-postgres--ecoanp"
    assert extractor["inherit_from"] == "tap-postgres"
    assert extractor["load_schema"] == "raw_ecoanp"
    assert extractor["config"] == {
        "host": server.host,
        "port": server.port,
        "user": server.user,
        "database": DATABASE,
        "dates_as_string": True,
    }
    # The tables and the audit stream the proof reads (extract/tap-postgres), no view.
    assert sorted(extractor["select"]) == sorted(
        [*(f"{s}-{t}.*" for t, s in TABLES.items()), "_source_audit.*"]
    )
    assert not [p for p in extractor["select"] if any(view in p for view in VIEWS)]
    assert "TAP_POSTGRES__ECOANP_PASSWORD" in text and "BYPASSRLS" in text
    staging = files["transform/models/staging/ecoanp/stg_ecoanp__ai_knowledge_base.sql"]
    assert "{{ to_vector('content_embedding', 1536, casts) }} as content_embedding" in staging
    assert "{{ try_cast('created_at', 'timestamp with time zone', casts) }}" in staging
    sources = yaml.safe_load(files["transform/models/staging/ecoanp/_ecoanp__sources.yml"])
    raw = {t.get("identifier", t["name"]) for t in sources["sources"][0]["tables"]}
    assert set(TABLES) <= raw  # the loader's bare table names
    final = files["transform/models/marts/ecoanp/_ecoanp__models.yml"]
    assert "sqlite_sequence" not in final and "content_embedding]" not in final


def test_schemas_option_filters_and_is_rendered(server: TargetSettings, tmp_path: Path) -> None:
    plan = plan_postgres(
        "ecoanp", _url(server, "?schemas=core,telemetry"), {"password": server.password}
    )
    assert sorted(t.name for t in plan.tables) == sorted(
        t for t, s in TABLES.items() if s in ("core", "telemetry")
    )
    assert {"ai.ai_knowledge_base", "audit.audit_log"} <= {name for name, _ in plan.skipped}
    [extractor] = yaml.safe_load(render(plan, tmp_path)["extract/ecoanp.meltano.yml"])["plugins"][
        "extractors"
    ]
    assert extractor["config"]["filter_schemas"] == ["core", "telemetry"]
    assert len(extractor["select"]) == 6 + 1  # six tables and _source_audit


def _cutover(args: list[str], root: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cutover.cli", *args],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT / "orchestrate"),
             "MELTANO_PROJECT_ROOT": str(root), **env},
        capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip


def test_cli_scaffolds_a_postgres_source(server: TargetSettings, tmp_path: Path) -> None:
    done = _cutover(
        ["scaffold", _url(server), "--system", "ecoanp", "--password-env", "ECOANP_PW"],
        tmp_path,
        ECOANP_PW=server.password,
    )
    assert done.returncode == 0, done.stderr
    assert "ecoanp: 8 tables scaffolded" in done.stdout
    assert "not scaffolded: ai_knowledge_base.idx_ai_knowledge_vector: hnsw index" in done.stdout
    assert (tmp_path / "transform/models/marts/ecoanp/ecoanp__sensor_readings.sql").is_file()
    assert server.password not in (tmp_path / "extract/ecoanp.meltano.yml").read_text()


def test_cli_wrong_password_is_one_line_without_it(server: TargetSettings, tmp_path: Path) -> None:
    secret = "wrong-secret-0815"
    done = _cutover(
        ["scaffold", _url(server), "--system", "ecoanp"], tmp_path, TAP_POSTGRES_PASSWORD=secret
    )
    assert done.returncode == 1
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert f"{server.host}:{server.port}/{DATABASE}" in done.stderr
    assert secret not in done.stderr and "Traceback" not in done.stderr


# --- staging on what tap-postgres 0.10.0 emits ----------------------------------------------------

MACROS = REPO_ROOT / "transform" / "macros" / "cleaning"

#: (declared type, raw type and value as the loader holds what the tap emitted, measured
#: on a probe table; the source value it came from, or None where staging must reject)
RAW = [
    ("timestamp with time zone", "text", "2024-03-01 03:00:00.123456+00",
     "2024-03-01 12:00:00.123456+09"),
    ("timestamp without time zone", "text", "infinity", "infinity"),
    ("timestamp(3) without time zone", "text", "2024-03-01 12:00:00.5", "2024-03-01 12:00:00.5"),
    ("date", "text", "0044-03-15 BC", "0044-03-15 BC"),
    ("time without time zone", "text", "12:34:56", "12:34:56"),
    ("time with time zone", "text", "12:34:56+02:00", "12:34:56+02"),
    ("uuid", "text", "a8aed972-c2b9-4d8f-a4c1-f69befe518ee", "A8AED972C2B94D8FA4C1F69BEFE518EE"),
    ("inet", "text", "10.0.0.1/8", "10.0.0.1/8"),
    ("bit(3)", "text", "101", "101"),
    ("bit varying(5)", "text", "1101", "1101"),
    ("numeric(9,6)", "numeric", "37.123456", "37.123456"),
    ("double precision", "numeric", "1E+308", "1e308"),
    ("json", "jsonb", '{"b": 1, "a": [1, 2]}', '{"a": [1, 2], "b": 1}'),
    ("vector(3)", "text", "[1,2.5,-3e-05]", "[1,2.5,-3e-05]"),
    ("character(4)", "text", "ab  ", "ab"),
    ("text", "text", " x ", " x "),
    # what cannot be cast goes to the rejects (NULL plus a cast error), never a crash
    ("smallint", "bigint", "70000", None),
    ("timestamp with time zone", "text", "not a time", None),
    ("vector(3)", "text", "[1,2]", None),
]  # fmt: skip


def _staged_sql(declared: str) -> str:
    env = jinja2.Environment(extensions=["jinja2.ext.do"])
    env.globals["is_valid_input"] = lambda text, data_type: (
        f"pg_input_is_valid({text}, '{data_type}')"
    )
    files = ("try_cast.sql", "to_vector.sql")
    macros = env.from_string("\n".join((MACROS / f).read_text() for f in files)).module
    staging = map_postgres_column(declared).staging_sql("c")
    return env.from_string(staging).render(
        try_cast=macros.try_cast, to_vector=macros.to_vector, casts=[]
    )


@pytest.mark.parametrize(("declared", "raw_type", "raw", "source"), RAW)
def test_staging_reads_the_taps_output_back(
    server: TargetSettings, declared: str, raw_type: str, raw: str, source: str | None
) -> None:
    query = (
        f"with s as materialized (select %s::{raw_type} as c) "
        f"select ({_staged_sql(declared)})::{declared}::text from s"
    )
    with psycopg.connect(server.conninfo(), autocommit=True) as conn:
        conn.execute("set timezone = 'UTC'")
        [staged] = conn.execute(query, (raw,)).fetchone()  # type: ignore[misc]
        expected = (
            None
            if source is None
            else conn.execute(f"select %s::{declared}::text", (source,)).fetchone()[0]  # type: ignore[index]
        )
    assert staged == expected
