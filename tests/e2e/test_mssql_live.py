"""tap-mssql against a real SQL Server: Chinook, every type, Korean text, column parity.

Runs only with a server: set MSSQL_HOST, MSSQL_USER, MSSQL_PASSWORD (and MSSQL_PORT if not
1433); the login needs CREATE DATABASE. Each run creates its own database
(`cutover_live_<random>`), loads ../shared/fixtures/mssql/Chinook_SqlServer.sql into it
(split on GO, its own DROP/CREATE DATABASE and USE left out), adds a schema `ko` (Korean
text) and a schema `types` (one column per SQL Server type), runs the tap executable,
loads its exact output with target-postgres (the project's loader settings) into the
session's PostgreSQL, checks, and drops the database.

SQL is sent with pymssql: in this process when it is importable, else with the Python of
the tap's venv (beside the executable), which always has it.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tests.conftest import SHARED_FIXTURES, database_on

pytestmark = pytest.mark.e2e

REPO_ROOT = Path(__file__).resolve().parents[2]
CHINOOK = SHARED_FIXTURES / "mssql" / "Chinook_SqlServer.sql"
MELTANO_TAP = REPO_ROOT / ".meltano" / "extractors" / "tap-mssql" / "venv" / "bin" / "tap-mssql"
TARGET = REPO_ROOT / ".meltano" / "loaders" / "target-postgres" / "venv" / "bin" / "target-postgres"
TIMEOUT = 1800
SERVER_VARIABLES = ("MSSQL_HOST", "MSSQL_USER", "MSSQL_PASSWORD")
RAW_SCHEMA = "raw_mssql_live"

#: SOURCES.md: Chinook v1.4.5 is 11 tables and 15,607 rows in every format.
CHINOOK_TABLES = 11
CHINOOK_ROWS = 15_607

_GO = re.compile(r"^\s*GO\s*;?\s*$", re.IGNORECASE | re.MULTILINE)
_DATABASE_LEVEL = re.compile(
    r"^\s*(USE\s|CREATE\s+DATABASE\b|DROP\s+DATABASE\b|ALTER\s+DATABASE\b)"
    r"|\bmaster\.dbo\.sysdatabases\b",
    re.IGNORECASE | re.MULTILINE,
)

RUNNER = r"""
import json, sys
import pymssql
job = json.load(sys.stdin)
connection = pymssql.connect(**job["connect"])
cursor = connection.cursor()
results = []
for sql in job["batches"]:
    cursor.execute(sql)
    results.append([list(row) for row in cursor.fetchall()] if cursor.description else None)
connection.close()
json.dump(results, sys.stdout, default=str)
"""


def split_batches(script: str) -> list[str]:
    """The T-SQL batches of a script (split on GO lines), minus database-level ones."""
    batches = [batch.strip() for batch in _GO.split(script)]
    return [b for b in batches if b and not _DATABASE_LEVEL.search(b)]


def test_chinook_script_splits_into_batches() -> None:
    """No server needed: the fixture's batches are what the live test sends."""
    if not CHINOOK.exists():
        pytest.skip(f"{CHINOOK} not present (../shared/fixtures is beside the team's checkout)")
    batches = split_batches(CHINOOK.read_text(encoding="utf-8-sig"))
    creates = [m for b in batches for m in re.findall(r"^CREATE TABLE (\S+)", b, re.M | re.I)]
    assert len(creates) == CHINOOK_TABLES
    assert not any(_DATABASE_LEVEL.search(b) for b in batches)
    assert any("INSERT INTO [dbo].[Track]" in b for b in batches)


# --- a server, when given ---------------------------------------------------------------------


def _tap_executable() -> str | None:
    configured = os.environ.get("TAP_MSSQL_EXECUTABLE")
    if configured:
        return configured
    if MELTANO_TAP.exists():
        return str(MELTANO_TAP)
    return shutil.which("tap-mssql")


@dataclass
class Server:
    """A SQL Server login and the scratch database this test owns."""

    host: str
    port: int
    user: str
    password: str
    database: str
    python: str  # a Python with pymssql

    def run(self, batches: list[str], *, database: str | None = None) -> list[Any]:
        """Send each batch (autocommit); the rows of those that return some."""
        connect = {
            "server": self.host,
            "port": str(self.port),
            "user": self.user,
            "password": self.password,
            "database": database or self.database,
            "autocommit": True,
            "login_timeout": 30,
        }
        done = subprocess.run(
            [self.python, "-c", RUNNER],
            input=json.dumps({"connect": connect, "batches": batches}),
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=TIMEOUT,
            check=False,
        )
        assert done.returncode == 0, done.stderr[-4000:]
        return json.loads(done.stdout)

    def query(self, sql: str) -> list[list[Any]]:
        return self.run([sql])[0]

    @property
    def tap_config(self) -> dict[str, Any]:
        return {
            "host": self.host,
            "port": self.port,
            "user": self.user,
            "password": self.password,
            "database": self.database,
            "batch_size": 500,
            "login_timeout": 30,
            "emit_activate_version_messages": True,
        }


def _python_with_pymssql(tap: str) -> str:
    try:
        import pymssql  # noqa: F401
    except ImportError:
        beside = Path(tap).parent / "python"
        if beside.exists():
            return str(beside)
        pytest.skip("pymssql is not importable here nor beside the tap-mssql executable")
    return sys.executable


@pytest.fixture(scope="module")
def tap() -> str:
    executable = _tap_executable()
    if executable is None:
        pytest.skip("tap-mssql is not installed (set TAP_MSSQL_EXECUTABLE)")
    return executable


@pytest.fixture(scope="module")
def server(tap: str) -> Iterator[Server]:
    missing = [name for name in SERVER_VARIABLES if not os.environ.get(name)]
    if missing:
        pytest.skip(
            f"no SQL Server: set {', '.join(missing)} (and MSSQL_PORT if not 1433) to run the "
            "live tap-mssql test; the login needs CREATE DATABASE"
        )
    if not CHINOOK.exists():
        pytest.skip(f"{CHINOOK} not present (../shared/fixtures is beside the team's checkout)")
    live = Server(
        host=os.environ["MSSQL_HOST"],
        port=int(os.environ.get("MSSQL_PORT") or 1433),
        user=os.environ["MSSQL_USER"],
        password=os.environ["MSSQL_PASSWORD"],
        database=f"cutover_live_{secrets.token_hex(4)}",
        python=_python_with_pymssql(tap),
    )
    live.run([f"CREATE DATABASE [{live.database}]"], database="master")
    try:
        live.run(split_batches(CHINOOK.read_text(encoding="utf-8-sig")))
        live.run(KOREAN_SETUP + TYPES_SETUP)
        yield live
    finally:
        live.run(
            [
                f"ALTER DATABASE [{live.database}] SET SINGLE_USER WITH ROLLBACK IMMEDIATE",
                f"DROP DATABASE [{live.database}]",
            ],
            database="master",
        )


KOREAN = "한글 텍스트 가나다"
KOREAN_SETUP = [
    "CREATE SCHEMA ko",
    "CREATE TABLE ko.korean_text (id int PRIMARY KEY, "
    "name varchar(50) COLLATE Korean_Wansung_CI_AS, uname nvarchar(50))",
    f"INSERT INTO ko.korean_text VALUES (1, N'{KOREAN}', N'{KOREAN} 😀')",
]

TYPES_SETUP = [
    "CREATE SCHEMA types",
    """CREATE TABLE types.all_types (
        id int IDENTITY(1,1) PRIMARY KEY, c_bit bit, c_tinyint tinyint, c_smallint smallint,
        c_bigint bigint, c_decimal decimal(38,10), c_money money, c_smallmoney smallmoney,
        c_float float, c_real real, c_date date, c_time time(7), c_datetime datetime,
        c_datetime2 datetime2(7), c_smalldatetime smalldatetime,
        c_datetimeoffset datetimeoffset(7), c_char char(10), c_nvarchar nvarchar(50),
        c_uniqueidentifier uniqueidentifier, c_binary binary(4), c_varbinary varbinary(max),
        c_image image, c_rowversion rowversion, c_xml xml, c_geography geography,
        c_geometry geometry, c_hierarchyid hierarchyid, c_variant_int sql_variant,
        c_variant_money sql_variant, c_variant_datetime sql_variant
    )""",
    """INSERT INTO types.all_types (c_bit, c_tinyint, c_smallint, c_bigint, c_decimal,
        c_money, c_smallmoney, c_float, c_real, c_date, c_time, c_datetime, c_datetime2,
        c_smalldatetime, c_datetimeoffset, c_char, c_nvarchar, c_uniqueidentifier, c_binary,
        c_varbinary, c_image, c_xml, c_geography, c_geometry, c_hierarchyid, c_variant_int,
        c_variant_money, c_variant_datetime)
    VALUES (1, 255, -32768, 9223372036854775807, 1234567890123456789012345678.0123456789,
        922337203685477.5807, -214748.3648, 1.5E-20, 0.1, '0001-01-01', '13:14:15.1234567',
        '2024-01-02T03:04:05.007', '2024-01-02T03:04:05.1234567', '2024-01-02T03:04:00',
        '2023-08-22T08:24:32.1277000+10:00', 'abc', N'emoji 😀',
        '6F9619FF-8B86-D011-B42D-00C04FC964FF', 0x0001FEFF, 0x00FF, 0x89504E47,
        N'<order id="1"><line>한글</line></order>',
        geography::STGeomFromText('POINT(-122.349 47.651)', 4326),
        geometry::STGeomFromText('LINESTRING(100 100, 20 180, 180 180)', 0),
        hierarchyid::Parse('/1/3/2/'), CAST(42 AS int), CAST(922337203685477.5807 AS money),
        CAST('2024-01-02T03:04:05.007' AS datetime))""",
    "INSERT INTO types.all_types (c_bit) VALUES (NULL)",
]

#: column -> the record value the tap must write for row 1 (README "Type mapping")
TYPES_EXPECTED = {
    "c_bit": True,
    "c_tinyint": 255,
    "c_smallint": -32768,
    "c_bigint": 9223372036854775807,
    "c_decimal": "1234567890123456789012345678.0123456789",
    "c_money": "922337203685477.5807",
    "c_smallmoney": "-214748.3648",
    "c_float": "1.5e-20",
    "c_real": "0.10000000149011612",
    "c_date": "0001-01-01",
    "c_time": "13:14:15.1234567",
    "c_datetime": "2024-01-02 03:04:05.007",
    "c_datetime2": "2024-01-02 03:04:05.1234567",
    "c_smalldatetime": "2024-01-02 03:04:00",
    "c_datetimeoffset": "2023-08-22 08:24:32.1277000+10:00",
    "c_char": "abc       ",
    "c_nvarchar": "emoji 😀",
    "c_uniqueidentifier": "6f9619ff-8b86-d011-b42d-00c04fc964ff",
    "c_binary": "\\x0001feff",
    "c_varbinary": "\\x00ff",
    "c_image": "\\x89504e47",
    "c_xml": '<order id="1"><line>한글</line></order>',
    "c_geography": "SRID=4326;POINT (-122.349 47.651)",
    "c_geometry": "SRID=0;LINESTRING (100 100, 20 180, 180 180)",
    "c_hierarchyid": "/1/3/2/",
    "c_variant_int": "42",
    "c_variant_money": "922337203685477.5807",
    "c_variant_datetime": "2024-01-02 03:04:05.007",
}

TARGET_CONFIG = {  # as extract/loaders.meltano.yml configures it
    "use_copy": True,
    "validate_records": False,
    "batch_size_rows": 20000,
    "add_record_metadata": True,
    "activate_version": True,
    "hard_delete": False,
    "sanitize_null_text_characters": True,
    "interpret_content_encoding": True,
}


@dataclass
class LiveRun:
    server: Server
    lines: list[str]
    messages: list[dict[str, Any]]
    target: Any  # TargetSettings of the database the raw tables are in

    def records(self, stream: str) -> list[dict[str, Any]]:
        return [
            m["record"] for m in self.messages if m["type"] == "RECORD" and m["stream"] == stream
        ]

    @property
    def audit(self) -> dict[str, dict[str, Any]]:
        return {r["table_name"]: r for r in self.records("_source_audit")}


@pytest.fixture(scope="module")
def live(server: Server, tap: str, pg_server: Any, tmp_path_factory: pytest.TempPathFactory):
    work = tmp_path_factory.mktemp("mssql-live")
    config = work / "tap.json"
    config.write_text(json.dumps(server.tap_config), encoding="utf-8")
    done = subprocess.run(
        [tap, "--config", str(config)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-6000:]
    assert server.password not in done.stderr
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    messages = [json.loads(line) for line in lines]
    target = database_on(pg_server, "mssql_live")
    if not TARGET.exists():
        pytest.skip(f"target-postgres not installed at {TARGET}")
    target_config = work / "target.json"
    target_config.write_text(
        json.dumps(
            {
                "host": target.host,
                "port": target.port,
                "user": target.user,
                "password": target.password,
                "database": target.database,
                "default_target_schema": RAW_SCHEMA,
                **TARGET_CONFIG,
            }
        ),
        encoding="utf-8",
    )
    loaded = subprocess.run(
        [str(TARGET), "--config", str(target_config)],
        input=done.stdout,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=TIMEOUT,
        check=False,
    )
    assert loaded.returncode == 0, loaded.stderr[-6000:]
    return LiveRun(server, lines, messages, target)


def server_tables(server: Server) -> dict[tuple[str, str], list[str]]:
    """(schema, table) -> column names in order, from the server's catalog."""
    rows = server.query(
        "SELECT s.name, t.name, c.name FROM sys.tables AS t "
        "JOIN sys.schemas AS s ON s.schema_id = t.schema_id "
        "JOIN sys.columns AS c ON c.object_id = t.object_id "
        "WHERE t.is_ms_shipped = 0 ORDER BY s.name, t.name, c.column_id"
    )
    tables: dict[tuple[str, str], list[str]] = {}
    for schema, table, column in rows:
        tables.setdefault((schema, table), []).append(column)
    return tables


def server_counts(server: Server, tables: list[tuple[str, str]]) -> dict[tuple[str, str], int]:
    results = server.run([f"SELECT COUNT_BIG(*) FROM [{s}].[{t}]" for s, t in tables])
    return {table: int(result[0][0]) for table, result in zip(tables, results, strict=True)}


def test_every_table_counted_and_loaded(live: LiveRun) -> None:
    tables = server_tables(live.server)
    counts = server_counts(live.server, list(tables))
    chinook = {t: n for t, n in counts.items() if t[0] == "dbo"}
    assert (len(chinook), sum(chinook.values())) == (CHINOOK_TABLES, CHINOOK_ROWS)
    audit = live.audit
    with psycopg.connect(live.target.conninfo(), autocommit=True) as connection:
        for (schema, table), count in counts.items():
            stream = f"{schema}-{table}"
            row = audit[stream]
            assert row["status"] == "extracted", row
            assert (row["source_row_count"], row["emitted_row_count"]) == (count, count), stream
            raw = connection.execute(
                f'select count(*) from "{RAW_SCHEMA}"."{table}" where _sdc_deleted_at is null'
            ).fetchone()[0]
            assert raw == count, stream


def test_every_column_of_every_table_is_a_raw_column(live: LiveRun) -> None:
    """Column parity: the server's columns, the audit's list and the raw table agree."""
    tables = server_tables(live.server)
    with psycopg.connect(live.target.conninfo(), autocommit=True) as connection:
        for (schema, table), columns in tables.items():
            audit_columns = json.loads(live.audit[f"{schema}-{table}"]["columns"])
            assert [c["name"] for c in audit_columns] == columns
            raw = {
                name
                for (name,) in connection.execute(
                    "select column_name from information_schema.columns "
                    "where table_schema = %s and table_name = %s",
                    (RAW_SCHEMA, table),
                )
            }
            assert set(columns) <= raw, (table, set(columns) - raw)


def test_schema_annotations_for_the_scaffolder(live: LiveRun) -> None:
    schemas = {m["stream"]: m for m in live.messages if m["type"] == "SCHEMA"}
    invoice_line = schemas["dbo-InvoiceLine"]
    assert invoice_line["key_properties"] == ["InvoiceLineId"]
    annotations = invoice_line["schema"]
    assert annotations["x-mssql-primary-key"] == ["InvoiceLineId"]
    parents = {fk["referenced_table"] for fk in annotations["x-mssql-foreign-keys"]}
    assert parents == {"Invoice", "Track"}
    assert annotations["properties"]["UnitPrice"]["x-mssql-type"] == "numeric(10,2)"
    identity = schemas["types-all_types"]["schema"]["x-mssql-identity"]
    assert identity["column"] == "id" and identity["last_value"] == "2"


def test_korean_text_survives_cp949(live: LiveRun) -> None:
    """A Korean_Wansung varchar (CP949 on the server), read with characterset utf8."""
    (record,) = live.records("ko-korean_text")
    assert record["name"] == KOREAN
    assert record["uname"] == f"{KOREAN} 😀"
    with psycopg.connect(live.target.conninfo(), autocommit=True) as connection:
        name, uname = connection.execute(
            f'select name, uname from "{RAW_SCHEMA}".korean_text where id = 1'
        ).fetchone()
    assert (name, uname) == (KOREAN, f"{KOREAN} 😀")


def test_every_type_as_documented(live: LiveRun) -> None:
    """The server's own text for datetime2/datetimeoffset/time/spatial/hierarchyid/
    sql_variant, and the driver's values for the rest, as tests/extract/test_tap_mssql.py
    assumes them."""
    first_line = next(
        line for line in live.lines if '"types-all_types"' in line and '"RECORD"' in line
    )
    first = json.loads(first_line, parse_float=str)["record"]
    got = {name: first[name] for name in TYPES_EXPECTED}
    assert got == TYPES_EXPECTED
    assert re.fullmatch(r"\\x[0-9a-f]{16}", first["c_rowversion"])
    records = live.records("types-all_types")
    assert len(records) == 2
    nulls = {name: value for name, value in records[1].items() if name.startswith("c_")}
    nulls.pop("c_rowversion")  # set by the server
    assert set(nulls.values()) == {None}


def test_source_reader_agrees_with_the_server(live: LiveRun) -> None:
    """cutover.sources.mssql (the gate's own view of the source) on the same database."""
    pytest.importorskip("pymssql", reason="the cutover reader needs pymssql in this venv")
    from cutover.sources.mssql import open_mssql

    settings = {key: value for key, value in live.server.tap_config.items() if key != "batch_size"}
    counts = server_counts(live.server, list(server_tables(live.server)))
    with open_mssql(settings) as reader:
        schema = reader.schema()
        assert {t.name: t.row_count for t in schema.tables} == {
            t: n for (_, t), n in counts.items()
        }
        invoice_line = schema.table("InvoiceLine")
        assert invoice_line.primary_key == ("InvoiceLineId",)
        assert {fk.parent_table for fk in invoice_line.foreign_keys} == {"Invoice", "Track"}
        types = schema.table("all_types")
        assert types.generated_key == "id" and types.sequence_value == 2
        columns = [c.name for c in types.columns]
        rows = list(reader.iter_rows("all_types", columns))
        assert len(rows) == 2
        first = dict(zip(columns, rows[0], strict=True))
        assert first["c_geography"] == TYPES_EXPECTED["c_geography"]
        assert first["c_hierarchyid"] == TYPES_EXPECTED["c_hierarchyid"]
        assert str(first["c_money"]) == TYPES_EXPECTED["c_money"]
        assert sum(1 for _ in reader.iter_rows("Track", ["TrackId"])) == counts[("dbo", "Track")]


def test_chinook_scaffolds_migrates_and_passes_the_gate(  # type: ignore[no-untyped-def]
    server: Server, request, pg_server, tmp_path
) -> None:
    """The issue's live end to end: Chinook on the server, `cutover scaffold mssql://...`,
    `meltano run migrate-<system>`, gate green with all 15,607 rows (SOURCES.md)."""
    from tests.conftest import MELTANO, database_on, make_pipeline

    root = request.getfixturevalue("project")
    database = f"cutover_chinook_{secrets.token_hex(4)}"
    server.run([f"CREATE DATABASE [{database}]"], database="master")
    try:
        server.run(split_batches(CHINOOK.read_text(encoding="utf-8-sig")), database=database)
        pipeline = make_pipeline(database_on(pg_server, "live_mssql_chinook"), tmp_path / "w")
        env = {
            **pipeline.env,
            "MELTANO_PROJECT_ROOT": str(root),
            "LIVE_MSSQL_PASSWORD": server.password,
            "TAP_MSSQL__CHINOOKMS_PASSWORD": server.password,
        }
        url = f"mssql://{server.user}@{server.host}:{server.port}/{database}"
        scaffold = subprocess.run(
            [str(MELTANO.parent / "cutover"), "scaffold", url, "--system", "chinookms",
             "--password-env", "LIVE_MSSQL_PASSWORD"],
            cwd=root, env=env, capture_output=True, text=True, check=False, timeout=600,
        )  # fmt: skip
        assert scaffold.returncode == 0, scaffold.stdout + scaffold.stderr
        assert "chinookms: 11 tables scaffolded" in scaffold.stdout
        assert server.password not in (root / "extract/chinookms.meltano.yml").read_text()
        run = subprocess.run(
            [str(MELTANO), "run", "migrate-chinookms"],
            cwd=root, env=env, capture_output=True, text=True, check=False, timeout=1800,
        )  # fmt: skip
        output = run.stdout + run.stderr
        assert run.returncode == 0, output[-5000:]
        assert "GATE PASSED: chinookms (11 tables)" in output
        assert re.search(r"total\s+15,607\s+15,607\s+15,607\s+0\s+0\s", output), output[-3000:]
        assert server.password not in output
    finally:
        server.run(
            [
                f"ALTER DATABASE [{database}] SET SINGLE_USER WITH ROLLBACK IMMEDIATE",
                f"DROP DATABASE [{database}]",
            ],
            database="master",
        )
