"""tap-sqlite's BATCH path: parquet files that hold exactly what the RECORD path emits.

Every table of the type-rules database (and of the shared fixtures, when present) is read
twice, once as records and once as batches; each file row must equal its record as the
loader will COPY it (a number as its JSON text, a BLOB as ``\\x`` hex, bad UTF-8 as hex).
"""

from __future__ import annotations

import collections
import json
import math
import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pyarrow.parquet as pq
import pytest
from tap_sqlite_testlib import AUDIT_STREAM, RunTap, TapRun, build_types_db

ROWS_PER_FILE = 2


def batch_config(root: Path, rows_per_file: int = ROWS_PER_FILE) -> dict[str, Any]:
    return {
        "encoding": {"format": "parquet"},
        "storage": {"root": root.as_uri()},
        "batch_size": rows_per_file,
    }


def batch_rows(run: TapRun) -> dict[str, list[dict[str, Any]]]:
    """Rows of every BATCH file per stream, in manifest order."""
    rows: dict[str, list[dict[str, Any]]] = collections.defaultdict(list)
    for message in run.messages:
        if message["type"] == "BATCH":
            assert message["encoding"]["format"] == "parquet"
            for url in message["manifest"]:
                rows[message["stream"]].extend(pq.read_table(urlparse(url).path).to_pylist())
    return dict(rows)


def as_copied(value: Any, schema_type: list[str]) -> Any:
    """A record value as the batch file holds it: ints stay ints in integer columns."""
    if value is None:
        return None
    if "integer" in schema_type and type(value) is int:
        return value
    if type(value) is float:
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return repr(value)
    return value if isinstance(value, str) else str(value)


def assert_same_rows(records: TapRun, batches: TapRun, batch_root: Path) -> int:
    files_rows = batch_rows(batches)
    compared = 0
    for stream, stream_records in records.records.items():
        if stream == AUDIT_STREAM:
            continue
        properties = records.schemas[stream]["schema"]["properties"]
        types = {
            name: (prop["type"] if isinstance(prop["type"], list) else [prop["type"]])
            for name, prop in properties.items()
        }
        expected = [
            {name: as_copied(record.get(name), types[name]) for name in record}
            for record in stream_records
        ]
        assert files_rows.get(stream) == expected, stream
        compared += len(expected)
    assert set(files_rows) == set(records.records) - {AUDIT_STREAM}
    return compared


@pytest.fixture(scope="module")
def types_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_types_db(tmp_path_factory.mktemp("types-batch") / "types.db")


def test_batch_files_hold_what_records_hold(
    run_tap: RunTap, types_db: Path, tmp_path: Path
) -> None:
    records = run_tap({"database": types_db, "batch_size": 2})
    batches = run_tap(
        {"database": types_db, "batch_size": 2, "batch_config": batch_config(tmp_path)}
    )
    assert assert_same_rows(records, batches, tmp_path) > 20
    # Same schemas, and the audit stream stays records (the proof reads its rows).
    assert batches.schemas == records.schemas
    volatile = {"run_id", "started_at", "finished_at", "extracted_at"}
    audits = [
        [{k: v for k, v in row.items() if k not in volatile} for row in run.records[AUDIT_STREAM]]
        for run in (records, batches)
    ]
    assert audits[0] == audits[1]
    assert "RECORD" not in {m["type"] for m in batches.messages if m.get("stream") != AUDIT_STREAM}


def test_batch_messages_follow_activate_version_and_are_followed_by_state(
    run_tap: RunTap, types_db: Path, tmp_path: Path
) -> None:
    run = run_tap(
        {
            "database": types_db,
            "emit_activate_version_messages": True,
            "batch_config": batch_config(tmp_path, rows_per_file=1),
        }
    )
    kinds = [m["type"] for m in run.messages if m.get("stream") == "auto"]
    assert kinds[:2] == ["SCHEMA", "ACTIVATE_VERSION"]
    assert kinds.count("BATCH") == 2  # two rows, one row per file
    types = [m["type"] for m in run.messages]
    first_batch = types.index("BATCH")
    assert "STATE" in types[first_batch:]


def test_invalid_utf8_mid_read_resumes_at_the_same_row(run_tap: RunTap, tmp_path: Path) -> None:
    db = tmp_path / "late_bad_text.db"
    with sqlite3.connect(db) as connection:
        connection.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, t TEXT)")
        connection.executemany(
            "INSERT INTO notes VALUES (?, ?)", [(i, f"note {i}") for i in range(1, 26)]
        )
        connection.execute("UPDATE notes SET t = CAST(x'ff41' AS TEXT) WHERE id = 17")
    connection.close()
    records = run_tap({"database": db, "batch_size": 5})
    batches = run_tap({"database": db, "batch_size": 5, "batch_config": batch_config(tmp_path)})
    assert assert_same_rows(records, batches, tmp_path) == 25
    rows = batch_rows(batches)["notes"]
    assert [r["id"] for r in rows] == list(range(1, 26))
    assert rows[16]["t"] == "\\xff41"
    for run in (records, batches):
        assert "reading on from row 16" in run.stderr
        audit = next(r for r in run.records[AUDIT_STREAM] if r["table_name"] == "notes")
        assert json.loads(json.dumps(audit))["emitted_row_count"] == 25


def test_shared_fixtures_batch_equals_records(
    run_tap: RunTap, shared_sqlite: Path, tmp_path: Path
) -> None:
    compared = 0
    for db in sorted(shared_sqlite.glob("*.db")) + sorted(shared_sqlite.glob("*.sqlite")):
        root = tmp_path / db.stem
        records = run_tap({"database": db})
        batches = run_tap({"database": db, "batch_config": batch_config(root, 5000)})
        compared += assert_same_rows(records, batches, root)
    assert compared > 0
