"""Type rules of tap-sqlite on a generated database covering every rule."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tap_sqlite_testlib import AUDIT_STREAM, RunTap, TapRun, build_types_db, source_row_counts

FTS5_REASON = "virtual table (module fts5): its content is in shadow tables / source table"
INT64_MAX = 2**63 - 1


@pytest.fixture(scope="module")
def types_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_types_db(tmp_path_factory.mktemp("types") / "types.db")


@pytest.fixture(scope="module")
def types_run(run_tap: RunTap, types_db: Path) -> TapRun:
    return run_tap({"database": types_db, "batch_size": 2})


def prop(run: TapRun, stream: str, column: str) -> dict[str, Any]:
    return run.schemas[stream]["schema"]["properties"][column]


def values(run: TapRun, stream: str, column: str) -> list[Any]:
    return [record.get(column) for record in run.records.get(stream, [])]


def test_every_table_and_view_counted(types_run: TapRun, types_db: Path) -> None:
    expected = source_row_counts(types_db)
    for table, rows in expected.items():
        stream = table.replace("-", "_")
        assert types_run.record_counts.get(stream, 0) == rows, table
        assert types_run.audit[stream]["source_row_count"] == rows
        assert types_run.audit[stream]["emitted_row_count"] == rows
    assert types_run.stream_order[-1] == AUDIT_STREAM


def test_text_in_integer_column_arrives_as_text(types_run: TapRun) -> None:
    qty = prop(types_run, "text_in_int", "qty")
    assert qty["type"] == ["string", "null"]
    assert qty["x-sqlite-declared-type"] == "INTEGER"
    assert qty["x-sqlite-storage-classes"] == {
        "integer": 1,
        "real": 0,
        "text": 1,
        "blob": 0,
        "null": 1,
        "infinite": 0,
    }
    # Ordered by the key even though rows were inserted out of order.
    assert values(types_run, "text_in_int", "id") == [1, 2, 3]
    assert values(types_run, "text_in_int", "qty") == ["5", "abc", None]


def test_integers_and_reals_are_numbers(types_run: TapRun) -> None:
    assert prop(types_run, "numbers", "price")["type"] == ["number", "null"]
    assert values(types_run, "numbers", "price") == [1, 2.5]
    assert prop(types_run, "numbers", "n")["type"] == ["integer", "null"]
    assert values(types_run, "numbers", "n") == [INT64_MAX, -1]
    # The raw JSON keeps int64 exact (no float round trip).
    assert str(INT64_MAX) in types_run.stdout


def test_blobs_are_bytea_hex(types_run: TapRun) -> None:
    data = prop(types_run, "blobs", "data")
    assert data["type"] == ["string", "null"]
    assert data["contentEncoding"] == "base16"
    assert values(types_run, "blobs", "data") == ["\\x00ff10", "\\x", None]


def test_declared_datetime_is_always_text(types_run: TapRun) -> None:
    assert prop(types_run, "dates", "created")["type"] == ["string", "null"]
    assert prop(types_run, "dates", "day")["type"] == ["string", "null"]
    assert values(types_run, "dates", "created") == [
        "2024-01-02 03:04:05",
        "2024-01-02T03:04:05Z",
        "1700000000",
        "1700000000.5",
    ]
    assert values(types_run, "dates", "day") == ["2024-01-02", "02/01/2024", "19723", None]


def test_mixed_classes_become_text(types_run: TapRun) -> None:
    assert prop(types_run, "mixed", "v")["type"] == ["string", "null"]
    assert "contentEncoding" not in prop(types_run, "mixed", "v")
    assert values(types_run, "mixed", "v") == ["plain", "\\xcafe", "12", "1.5"]
    assert prop(types_run, "mixed", "w")["x-sqlite-declared-type"] == ""
    assert values(types_run, "mixed", "w") == ["7", "seven", "0.25", "\\x01"]


def test_invalid_utf8_and_nul_are_kept_and_counted(types_run: TapRun) -> None:
    assert values(types_run, "bad_text", "t") == ["\\xfffe41", "ok é", "a\x00b"]
    audit = types_run.audit["bad_text"]
    assert audit["invalid_utf8_values"] == 1
    assert audit["nul_char_values"] == 1
    (column,) = [c for c in json.loads(audit["columns"]) if c["name"] == "t"]
    assert column["invalid_utf8_values"] == 1
    assert column["nul_char_values"] == 1
    assert column["storage_classes"]["text"] == 3


def test_infinity_makes_the_column_text(types_run: TapRun) -> None:
    r = prop(types_run, "infinity", "r")
    assert r["type"] == ["string", "null"]
    assert r["x-sqlite-storage-classes"]["infinite"] == 2
    assert values(types_run, "infinity", "r") == ["1.5", "Infinity", "-Infinity"]


def test_empty_table_types_come_from_affinity(types_run: TapRun) -> None:
    props = types_run.schemas["empty_affinity"]["schema"]["properties"]
    types = {name: p["type"][0] for name, p in props.items()}
    assert types == {
        "_sqlite_rowid": "integer",
        "a": "integer",
        "b": "string",
        "c": "number",
        "d": "string",
        "e": "string",
        "f": "integer",
        "g": "number",
        "h": "string",
        "i": "number",
        "j": "string",
    }
    assert props["d"]["contentEncoding"] == "base16"
    assert all(p["type"][1] == "null" for n, p in props.items() if n != "_sqlite_rowid")
    assert types_run.audit["empty_affinity"]["source_row_count"] == 0
    # All-NULL columns of a non-empty table: affinity too.
    assert prop(types_run, "sparse", "maybe")["type"] == ["integer", "null"]
    assert prop(types_run, "sparse", "note")["type"] == ["string", "null"]


def test_view_has_no_key(types_run: TapRun) -> None:
    assert types_run.schemas["v_numbers"]["key_properties"] == []
    assert sorted(values(types_run, "v_numbers", "doubled")) == [2, 5.0]
    assert types_run.audit["v_numbers"]["object_type"] == "view"
    assert types_run.audit["v_numbers"]["primary_key"] == "[]"


def test_table_without_pk_is_keyed_by_rowid(types_run: TapRun) -> None:
    assert types_run.schemas["no_pk"]["key_properties"] == ["_sqlite_rowid"]
    assert types_run.records["no_pk"] == [
        {"_sqlite_rowid": 3, "a": "three"},
        {"_sqlite_rowid": 7, "a": "seven"},
        {"_sqlite_rowid": 10, "a": "ten"},
    ]
    # A column named "rowid" shadows the rowid: the real one is still found.
    assert values(types_run, "rowid_named", "_sqlite_rowid") == [1, 2]
    assert values(types_run, "rowid_named", "rowid") == ["r1", "r2"]


def test_null_in_primary_key_falls_back_to_rowid(types_run: TapRun) -> None:
    assert types_run.schemas["null_pk"]["key_properties"] == ["_sqlite_rowid"]
    assert values(types_run, "null_pk", "code") == [None, None, "c"]


def test_without_rowid_table_ordered_by_pk(types_run: TapRun) -> None:
    assert types_run.schemas["wr"]["key_properties"] == ["k2", "k1"]
    keys = [(r["k2"], r["k1"]) for r in types_run.records["wr"]]
    assert keys == [(1, "z"), (2, "a"), (2, "b")]


def test_dash_in_table_name_becomes_underscore(types_run: TapRun) -> None:
    assert "my_table" in types_run.schemas
    assert types_run.records["my_table"] == [{"id": 1, "label": "dash"}]
    assert types_run.audit["my_table"]["source_table"] == "my-table"


def test_sqlite_sequence_is_streamed(types_run: TapRun) -> None:
    assert types_run.records["sqlite_sequence"] == [{"_sqlite_rowid": 1, "name": "auto", "seq": 3}]


def test_fts5_virtual_table_skipped_shadow_tables_streamed(types_run: TapRun) -> None:
    docs = types_run.audit["docs"]
    assert docs["object_type"] == "virtual"
    assert docs["status"] == "skipped"
    assert docs["skip_reason"] == FTS5_REASON
    assert docs["source_row_count"] is None
    assert "docs" not in types_run.schemas
    assert values(types_run, "docs_content", "c0") == ["hello world", "full text"]
    for shadow in ("docs_data", "docs_idx", "docs_docsize", "docs_config"):
        assert shadow in types_run.schemas
        assert types_run.audit[shadow]["status"] == "extracted"


def test_virtual_tables_streamed_when_asked(run_tap: RunTap, types_db: Path) -> None:
    run = run_tap({"database": types_db, "include_virtual_tables": True, "tables": ["docs"]})
    assert run.audit["docs"]["status"] == "extracted"
    assert run.records["docs"] == [
        {"_sqlite_rowid": 1, "body": "hello world"},
        {"_sqlite_rowid": 2, "body": "full text"},
    ]
    assert run.audit["docs_content"]["status"] == "deselected"


def test_schema_annotations_are_in_the_catalog(run_tap: RunTap, types_db: Path) -> None:
    run = run_tap({"database": types_db}, "--discover")
    catalog = json.loads(run.stdout)
    streams = {entry["tap_stream_id"]: entry for entry in catalog["streams"]}
    assert list(streams)[-1] == AUDIT_STREAM
    qty = streams["text_in_int"]["schema"]["properties"]["qty"]
    assert qty["x-sqlite-declared-type"] == "INTEGER"
    assert qty["x-sqlite-storage-classes"]["text"] == 1
    assert streams["no_pk"]["key_properties"] == ["_sqlite_rowid"]
    assert "docs" not in streams


def test_big_table_profile_scanned_in_two_halves_counts_every_row(
    run_tap: RunTap, tmp_path: Path
) -> None:
    """From 200,000 rows the profile scan runs on two connections at once (rowid halves);
    its storage-class counts must still be the table's, across the split."""
    import sqlite3

    db = tmp_path / "big.db"
    rows = 250_003
    with sqlite3.connect(db) as connection:
        connection.execute("CREATE TABLE big (id INTEGER PRIMARY KEY, v, r REAL)")
        connection.executemany(
            "INSERT INTO big VALUES (?, ?, ?)",
            (
                (i, (i if i % 3 else f"t{i}") if i % 7 else (None if i % 2 else b"\x01"), i / 4)
                for i in range(1, rows + 1)
            ),
        )
        connection.execute("UPDATE big SET r = 9e999 WHERE id IN (5, 249000)")
        connection.execute("UPDATE big SET r = -9e999 WHERE id = 125002")
        expected = {
            name: dict(
                zip(
                    ("integer", "real", "text", "blob", "null"),
                    connection.execute(
                        f"SELECT sum(typeof({name}) = 'integer'), sum(typeof({name}) = 'real'), "
                        f"sum(typeof({name}) = 'text'), sum(typeof({name}) = 'blob'), "
                        f"sum(typeof({name}) = 'null') FROM big"
                    ).fetchone(),
                    strict=True,
                )
            )
            for name in ("id", "v", "r")
        }
    connection.close()
    run = run_tap({"database": db, "profile_reuse_seconds": 0}, "--discover")
    catalog = json.loads(run.stdout)
    props = catalog["streams"][0]["schema"]["properties"]
    for name, counts in expected.items():
        found = props[name]["x-sqlite-storage-classes"]
        assert {k: found[k] for k in counts} == counts, name
    assert props["r"]["x-sqlite-storage-classes"]["infinite"] == 3
    assert props["r"]["type"] == ["string", "null"]  # infinities: stringified
