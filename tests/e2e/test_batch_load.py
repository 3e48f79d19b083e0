"""The BATCH path through Meltano lands the same raw tables as the RECORD path.

tap-sqlite writes parquet files from Arrow columns and target-postgres COPYs them from Arrow
(extract/target-postgres/cutover_target_postgres/batch_copy.py). Here the type-rules
database (every storage class, type lie, BLOB, infinity, NUL and bad UTF-8 case) goes
through `meltano run tap-sqlite--coldchain target-postgres` both ways, into two databases,
and every table is compared column by column, with its PostgreSQL types.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from tests.conftest import REPO_ROOT, Pipeline, database_on, make_pipeline
from tests.extract.tap_sqlite_testlib import build_types_db

pytestmark = pytest.mark.e2e

SCHEMA = "raw_coldchain"
BATCH_ROOT = REPO_ROOT / ".meltano" / "batches"


def columns(conn: psycopg.Connection, table: str) -> list[tuple[str, str]]:
    return conn.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = %s and table_name = %s order by ordinal_position",
        (SCHEMA, table),
    ).fetchall()


def rows(conn: psycopg.Connection, table: str, names: list[str]) -> list[tuple[object, ...]]:
    query = sql.SQL("select {} from {} order by {}").format(
        sql.SQL(", ").join(sql.Identifier(n) for n in names),
        sql.Identifier(SCHEMA, table),
        sql.SQL(", ").join(sql.SQL("{}::text").format(sql.Identifier(n)) for n in names),
    )
    return conn.execute(query).fetchall()


def run(pipeline: Pipeline) -> str:
    result = pipeline.meltano("run", "tap-sqlite--coldchain", "target-postgres")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    return output


def config_of(pipeline: Pipeline, plugin: str) -> dict[str, object]:
    printed = pipeline.meltano("config", "print", plugin)
    assert printed.returncode == 0, printed.stderr[-2000:]
    return dict(json.loads(printed.stdout))


def run_records(pipeline: Pipeline, work: Path) -> str:
    """The same tap and loader with the same settings, minus batch_config: RECORD messages.

    (Meltano cannot unset an inherited object setting from the environment, so the two
    executables are piped here as `meltano run` pipes them.)"""
    tap_config = config_of(pipeline, "tap-sqlite--coldchain")
    assert tap_config.pop("batch_config"), "the project's tap-sqlite should use BATCH messages"
    target_config = config_of(pipeline, "target-postgres")
    target_config["default_target_schema"] = SCHEMA
    target_config["password"] = pipeline.target.password  # printed redacted
    (work / "tap.json").write_text(json.dumps(tap_config))
    (work / "target.json").write_text(json.dumps(target_config))
    plugins = REPO_ROOT / ".meltano"
    tap = subprocess.Popen(
        [str(plugins / "extractors/tap-sqlite/venv/bin/tap-sqlite"), "--config", "tap.json"],
        cwd=work,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    target = subprocess.run(
        [
            str(plugins / "loaders/target-postgres/venv/bin/target-postgres-cutover"),
            "--config",
            "target.json",
        ],
        cwd=work,
        stdin=tap.stdout,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert tap.wait(timeout=600) == 0
    assert target.returncode == 0, target.stderr[-3000:]
    return target.stderr


@pytest.fixture(scope="module")
def loads(pg_server, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:  # type: ignore[no-untyped-def]
    work = tmp_path_factory.mktemp("batch-load")
    source = build_types_db(work / "types.sqlite")
    out: dict[str, object] = {}
    for name in ("records", "batches"):
        pipeline = make_pipeline(database_on(pg_server, f"load_{name}"), work / name)
        pipeline.env["TAP_SQLITE__COLDCHAIN_DATABASE"] = str(source)
        if name == "records":
            out[f"{name}_log"] = run_records(pipeline, work / name)
        else:
            out[f"{name}_log"] = run(pipeline)
        out[name] = pipeline
    return out


def test_batch_and_record_loads_land_identical_tables(loads: dict[str, object]) -> None:
    assert "BATCH files are COPYed straight into the empty table" in str(loads["batches_log"])
    assert "BATCH files" not in str(loads["records_log"])
    by_path: dict[str, dict[str, object]] = {}
    for name in ("records", "batches"):
        pipeline = loads[name]
        assert isinstance(pipeline, Pipeline)
        with pipeline.connect() as conn:
            tables = [
                r[0]
                for r in conn.execute(
                    "select table_name from information_schema.tables where table_schema = %s "
                    "and table_name <> '_source_audit' order by 1",
                    (SCHEMA,),
                )
            ]
            by_path[name] = {}
            for table in tables:
                cols = columns(conn, table)
                data = [c for c, _ in cols if not c.startswith("_sdc_")] + ["_sdc_deleted_at"]
                meta = conn.execute(
                    sql.SQL(
                        "select count(*), count(_sdc_extracted_at), count(_sdc_received_at), "
                        "count(_sdc_batched_at), count(_sdc_sequence), "
                        "count(_sdc_table_version), count(_sdc_sync_started_at) from {}"
                    ).format(sql.Identifier(SCHEMA, table))
                ).fetchone()
                assert meta is not None and len(set(meta)) == 1, (name, table, meta)
                by_path[name][table] = (cols, rows(conn, table, data))
    assert len(by_path["records"]) >= 15
    assert by_path["batches"] == by_path["records"]
    bad_text = dict((r[0], r[1]) for r in by_path["batches"]["bad_text"][1])
    assert bad_text[1] == "\\xfffe41"  # invalid UTF-8 kept as its bytes' hex
    assert bad_text[3] == "a\ufffdb"  # NUL sanitised as on the record path


def test_batch_files_are_removed_once_loaded(loads: dict[str, object]) -> None:
    leftovers = [p.name for p in BATCH_ROOT.glob("tap-sqlite--*") if "--text_in_int-" in p.name]
    assert leftovers == []


def test_rerun_merges_into_rows_already_there(loads: dict[str, object], tmp_path: Path) -> None:
    pipeline = loads["batches"]
    assert isinstance(pipeline, Pipeline)
    source = Path(pipeline.env["TAP_SQLITE__COLDCHAIN_DATABASE"])
    changed = tmp_path / "changed.sqlite"
    changed.write_bytes(source.read_bytes())
    with sqlite3.connect(changed) as conn:
        conn.execute("delete from wr where k1 = 'z'")
        conn.execute("update wr set v = 'changed' where k1 = 'a'")
        conn.execute("insert into wr values ('n', 3, 'new')")
    conn.close()
    pipeline.env["TAP_SQLITE__COLDCHAIN_DATABASE"] = str(changed)
    log = run(pipeline)
    assert "merged (the table already holds rows)" in log
    with pipeline.connect() as db:
        live = db.execute(
            f"select k1, k2, v from {SCHEMA}.wr where _sdc_deleted_at is null order by k2, k1"
        ).fetchall()
        gone = db.execute(
            f"select k1 from {SCHEMA}.wr where _sdc_deleted_at is not null"
        ).fetchall()
    assert live == [("a", 2, "changed"), ("b", 2, "x"), ("n", 3, "new")]
    assert gone == [("z",)]


def test_a_file_that_does_not_fit_its_table_is_named_with_row_and_column(
    loads: dict[str, object], tmp_path: Path
) -> None:
    """A value COPY refuses stops the loader with the stream, the file, the row (the CSV
    line is the file's row) and the column; that file's rows are not loaded."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    pipeline = loads["records"]
    assert isinstance(pipeline, Pipeline)
    target_config = config_of(pipeline, "target-postgres")
    target_config["default_target_schema"] = "raw_misfit"
    target_config["password"] = pipeline.target.password
    (tmp_path / "target.json").write_text(json.dumps(target_config))
    batch = tmp_path / "items.parquet"
    pq.write_table(
        pa.table({"id": [1, 2, 3], "qty": ["5", "6", "seven"]}),
        batch,
    )
    schema = {
        "type": "object",
        "properties": {"id": {"type": ["integer"]}, "qty": {"type": ["integer", "null"]}},
    }
    messages = [
        {"type": "SCHEMA", "stream": "items", "schema": schema, "key_properties": ["id"]},
        {
            "type": "BATCH",
            "stream": "items",
            "encoding": {"format": "parquet", "compression": None},
            "manifest": [batch.as_uri()],
        },
    ]
    done = subprocess.run(
        [
            str(REPO_ROOT / ".meltano/loaders/target-postgres/venv/bin/target-postgres-cutover"),
            "--config",
            "target.json",
        ],
        cwd=tmp_path,
        input="".join(json.dumps(m) + "\n" for m in messages),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode != 0
    assert "stream 'items', batch file" in done.stderr
    assert "items.parquet" in done.stderr
    assert 'line 3, column qty: "seven"' in done.stderr
    assert batch.exists()  # kept for a look: only a loaded file is deleted
    with psycopg.connect(pipeline.target.conninfo()) as conn:
        assert conn.execute("select count(*) from raw_misfit.items").fetchone() == (0,)
