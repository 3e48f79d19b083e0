"""Settings, catalog selection and the audit stream's bookkeeping."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import uuid
from pathlib import Path

import pytest
from tap_sqlite_testlib import AUDIT_STREAM, RunTap


@pytest.fixture(scope="module")
def small_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    database = tmp_path_factory.mktemp("config") / "small.db"
    connection = sqlite3.connect(database)
    connection.executescript(
        """
        CREATE TABLE orders (id INTEGER PRIMARY KEY, total REAL, note TEXT);
        INSERT INTO orders VALUES (1, 9.5, 'a'), (2, 3.25, 'b'), (3, 1.0, 'c');
        CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT);
        INSERT INTO customers VALUES (1, 'Ann'), (2, 'Bob');
        CREATE TABLE tmp_scratch (x);
        INSERT INTO tmp_scratch VALUES (1);
        CREATE VIEW big_orders AS SELECT * FROM orders WHERE total > 2;
        CREATE INDEX orders_total ON orders (total);
        ANALYZE;
        """
    )
    connection.close()
    return database


def test_about_lists_settings(tap_executable: str) -> None:
    proc = subprocess.run(
        [tap_executable, "--about", "--format", "json"],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    about = json.loads(proc.stdout)
    settings = set(about["settings"]["properties"])
    assert {
        "database",
        "tables",
        "exclude_tables",
        "include_views",
        "include_virtual_tables",
        "batch_size",
        "emit_activate_version_messages",
        "stream_maps",
        "flattening_enabled",
    } <= settings
    assert about["settings"]["required"] == ["database"]
    assert "activate-version" in about["capabilities"]
    assert {"discover", "catalog", "state", "about", "stream-maps"} <= set(about["capabilities"])


def test_audit_record_fields(run_tap: RunTap, small_db: Path) -> None:
    run = run_tap({"database": small_db})

    assert set(run.audit) == {"orders", "customers", "tmp_scratch", "big_orders"}
    assert "sqlite_stat1" not in run.schemas  # internal tables are not streams
    orders = run.audit["orders"]
    assert orders["status"] == "extracted"
    assert orders["object_type"] == "table"
    assert orders["skip_reason"] is None
    assert json.loads(orders["primary_key"]) == ["id"]
    columns = json.loads(orders["columns"])
    assert [c["name"] for c in columns] == ["id", "total", "note"]
    assert columns[1]["json_type"] == "number"
    assert columns[1]["declared_type"] == "REAL"
    assert columns[1]["storage_classes"]["real"] == 3
    assert orders["invalid_utf8_values"] == 0
    assert orders["nul_char_values"] == 0
    assert orders["started_at"] <= orders["finished_at"]
    assert orders["started_at"].endswith("+00:00")
    assert orders["source_path"] == str(small_db.resolve())
    assert orders["source_size_bytes"] == small_db.stat().st_size
    run_ids = {record["run_id"] for record in run.audit.values()}
    assert len(run_ids) == 1
    uuid.UUID(run_ids.pop(), version=4)
    assert run.schemas[AUDIT_STREAM]["key_properties"] == ["table_name"]
    assert run.audit["big_orders"]["source_row_count"] == 2


def test_tables_and_exclude_tables_globs(run_tap: RunTap, small_db: Path) -> None:
    run = run_tap(
        {"database": small_db, "tables": ["ord*", "cust*", "tmp_*"], "exclude_tables": ["tmp_*"]}
    )

    assert set(run.record_counts) == {"orders", "customers", AUDIT_STREAM}
    assert run.audit["tmp_scratch"]["status"] == "deselected"
    assert "exclude_tables" in run.audit["tmp_scratch"]["skip_reason"]
    assert run.audit["big_orders"]["status"] == "deselected"
    assert "'tables'" in run.audit["big_orders"]["skip_reason"]
    assert run.audit["big_orders"]["source_row_count"] is None


def test_include_views_false(run_tap: RunTap, small_db: Path) -> None:
    run = run_tap({"database": small_db, "include_views": False})

    assert "big_orders" not in run.schemas
    assert run.audit["big_orders"]["status"] == "deselected"
    assert run.audit["big_orders"]["object_type"] == "view"


def test_activate_version_and_small_batches(run_tap: RunTap, small_db: Path) -> None:
    run = run_tap({"database": small_db, "emit_activate_version_messages": True, "batch_size": 1})

    activated = {m["stream"] for m in run.messages if m["type"] == "ACTIVATE_VERSION"}
    assert {"orders", "customers", AUDIT_STREAM} <= activated
    assert [r["id"] for r in run.records["orders"]] == [1, 2, 3]


def test_catalog_selects_streams_and_columns(run_tap: RunTap, small_db: Path) -> None:
    catalog = json.loads(run_tap({"database": small_db}, "--discover").stdout)
    for entry in catalog["streams"]:
        for item in entry["metadata"]:
            if entry["tap_stream_id"] == "customers" and item["breadcrumb"] == []:
                item["metadata"]["selected"] = False
            if entry["tap_stream_id"] == "orders" and item["breadcrumb"] == [
                "properties",
                "note",
            ]:
                item["metadata"]["selected"] = False

    run = run_tap({"database": small_db}, catalog=catalog)

    assert "customers" not in run.record_counts
    assert run.audit["customers"]["status"] == "deselected"
    assert run.audit["customers"]["emitted_row_count"] is None
    assert run.records["orders"][0] == {"id": 1, "total": 9.5}
    orders_schema = run.schemas["orders"]["schema"]["properties"]
    assert set(orders_schema) == {"id", "total"}
    assert orders_schema["total"]["x-sqlite-declared-type"] == "REAL"  # kept via catalog
    assert run.audit["orders"]["emitted_row_count"] == 3


def test_stale_catalog_types_yield_to_the_data(run_tap: RunTap, small_db: Path) -> None:
    catalog = json.loads(run_tap({"database": small_db}, "--discover").stdout)
    for entry in catalog["streams"]:
        if entry["tap_stream_id"] == "orders":
            entry["schema"]["properties"]["note"] = {"type": ["integer", "null"]}

    run = run_tap({"database": small_db}, catalog=catalog)

    assert run.schemas["orders"]["schema"]["properties"]["note"]["type"] == ["string", "null"]
    assert [r["note"] for r in run.records["orders"]] == ["a", "b", "c"]
    assert "re-run discovery" in run.stderr


def test_unreadable_views_and_modules_are_skipped_with_reason(
    run_tap: RunTap, tmp_path: Path
) -> None:
    database = tmp_path / "broken.db"
    connection = sqlite3.connect(database)
    connection.executescript(
        """
        CREATE TABLE gone (x); INSERT INTO gone VALUES (1);
        CREATE VIEW v_gone AS SELECT x FROM gone;
        DROP TABLE gone;
        CREATE TABLE kept (id INTEGER PRIMARY KEY); INSERT INTO kept VALUES (7);
        PRAGMA writable_schema = ON;
        INSERT INTO sqlite_master (type, name, tbl_name, rootpage, sql) VALUES
            ('table', 'vt', 'vt', 0, 'CREATE VIRTUAL TABLE vt USING nosuchmodule(a)');
        """
    )
    connection.commit()
    connection.close()

    run = run_tap({"database": database, "include_virtual_tables": True})

    assert run.records["kept"] == [{"id": 7}]
    v_gone = run.audit["v_gone"]
    assert (v_gone["status"], v_gone["object_type"]) == ("skipped", "view")
    assert v_gone["skip_reason"].startswith("view is not readable: no such table")
    vt = run.audit["vt"]
    assert (vt["status"], vt["object_type"]) == ("skipped", "virtual")
    assert vt["skip_reason"] == (
        "virtual table (module nosuchmodule) is not readable: no such module: nosuchmodule"
    )
