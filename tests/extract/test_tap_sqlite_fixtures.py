"""tap-sqlite against the real shared fixtures (see shared/fixtures/SOURCES.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tap_sqlite_testlib import (
    AUDIT_STREAM,
    RunTap,
    TapRun,
    directory_snapshot,
    open_read_only,
    source_row_counts,
)

pytestmark = pytest.mark.fixtures  # needs ../shared/fixtures (skips when absent)

ALL_SQLITE_FIXTURES = [
    "android_burners.sqlite",
    "android_mmssms.db",
    "chinook.sqlite",
    "chrome_history_59.sqlite",
    "chrome_load_statistics.db",
    "firefox_places.sqlite",
    "imessage_chat.db",
    "northwind.sqlite",
    "safari_history.db",
]


def assert_counts_match_source(run: TapRun, database: Path) -> dict[str, int]:
    """Every source table/view is a stream whose RECORD count equals count(*)."""
    expected = source_row_counts(database)
    counts = run.record_counts
    audit = run.audit
    schemas = run.schemas
    for table, rows in expected.items():
        stream = table.replace("-", "_")
        assert stream in schemas, f"{table} has no SCHEMA message"
        assert counts.get(stream, 0) == rows, table
        record = audit[stream]
        assert record["source_table"] == table
        assert record["status"] == "extracted", record
        assert record["source_row_count"] == rows, table
        assert record["emitted_row_count"] == rows, table
    assert run.stream_order[-1] == AUDIT_STREAM
    return expected


def column_meta(run: TapRun, stream: str, column: str) -> dict:
    """The audit's per-column detail for ``stream.column``."""
    columns = json.loads(run.audit[stream]["columns"])
    return next(c for c in columns if c["name"] == column)


def test_chinook_every_table_counts_match(run_tap: RunTap, shared_sqlite: Path) -> None:
    database = shared_sqlite / "chinook.sqlite"
    run = run_tap({"database": database})

    expected = assert_counts_match_source(run, database)

    assert len(expected) == 11
    assert sum(expected.values()) == 15_607  # SOURCES.md: 11 tables, 15,607 rows
    assert set(run.audit) == set(expected)
    records = run.records
    assert run.schemas["PlaylistTrack"]["key_properties"] == ["PlaylistId", "TrackId"]
    keys = [(r["PlaylistId"], r["TrackId"]) for r in records["PlaylistTrack"]]
    assert keys == sorted(keys)  # read in key order
    assert json.loads(run.audit["PlaylistTrack"]["primary_key"]) == [
        "PlaylistId",
        "TrackId",
    ]
    # Money NUMERIC(10,2) is stored as REAL: a JSON number, no rounding here.
    track_price = run.schemas["Track"]["schema"]["properties"]["UnitPrice"]
    assert track_price["type"] == ["number", "null"]
    assert track_price["x-sqlite-declared-type"] == "NUMERIC(10,2)"
    assert {r["UnitPrice"] for r in records["Track"]} == {0.99, 1.99}
    assert max(r["Bytes"] for r in records["Track"]) == 1_059_546_140
    # DATETIME stays ISO text in the raw layer.
    invoice_date = run.schemas["Invoice"]["schema"]["properties"]["InvoiceDate"]
    assert invoice_date["type"] == ["string", "null"]
    assert records["Invoice"][0]["InvoiceDate"] == "2021-01-01 00:00:00"
    # Trailing whitespace is data.
    assert "Edinburgh " in {r["City"] for r in records["Customer"]}


def test_northwind_tables_and_views_counts_match(run_tap: RunTap, shared_sqlite: Path) -> None:
    database = shared_sqlite / "northwind.sqlite"
    run = run_tap({"database": database})

    expected = assert_counts_match_source(run, database)

    audit = run.audit
    views = {name for name, rec in audit.items() if rec["object_type"] == "view"}
    tables = {name for name, rec in audit.items() if rec["object_type"] == "table"}
    assert len(views) == 17
    assert len(tables) == 14  # 13 tables + sqlite_sequence
    assert "Order Details" in tables  # the space is kept in the stream name
    assert audit["Order Details"]["source_row_count"] == 2155
    assert audit["Alphabetical list of products"]["primary_key"] == "[]"
    assert run.schemas["Alphabetical list of products"]["key_properties"] == []
    assert sum(expected[name] for name in tables) == 3316
    customers = {r["CustomerID"] for r in run.records["Customers"]}
    assert len(customers) == 93
    assert {"Val2 ", "VALON"} <= customers  # PK with a trailing space survives
    # NUMERIC money holding integers and reals: number, counts in the audit.
    unit_price = column_meta(run, "Order Details", "UnitPrice")
    assert unit_price["json_type"] == "number"
    assert unit_price["storage_classes"]["integer"] == 943
    assert unit_price["storage_classes"]["real"] == 1212
    assert {type(r["UnitPrice"]) for r in run.records["Order Details"]} == {int, float}
    # Products.Discontinued: boolean stored as text '0'/'1' stays text.
    assert {r["Discontinued"] for r in run.records["Products"]} == {"0", "1"}


def test_android_burners_type_lies_arrive_as_text(run_tap: RunTap, shared_sqlite: Path) -> None:
    database = shared_sqlite / "android_burners.sqlite"
    run = run_tap({"database": database})

    assert_counts_match_source(run, database)

    props = run.schemas["connections"]["schema"]["properties"]
    for column in ("user_id", "burner_id"):
        assert props[column]["type"] == ["string", "null"]
        assert props[column]["x-sqlite-declared-type"] == "INTEGER"
        assert props[column]["x-sqlite-storage-classes"]["text"] == 1
    (connection,) = run.records["connections"]
    assert connection["user_id"] == "21d2ca9c-aba1-4ada-b7f5-23b0d97acb47"
    assert isinstance(connection["burner_id"], str)
    assert len(connection["burner_id"]) == 36
    # AUTOINCREMENT high-water marks are a stream; the empty table is audited.
    assert len(run.records["sqlite_sequence"]) == 4
    assert run.audit["subscriptions"]["source_row_count"] == 0
    assert "subscriptions" in run.schemas
    assert run.records["android_metadata"][0]["locale"]


def test_imessage_reads_fully_with_orphans(run_tap: RunTap, shared_sqlite: Path) -> None:
    database = shared_sqlite / "imessage_chat.db"
    before = directory_snapshot(shared_sqlite)
    run = run_tap({"database": database})

    expected = assert_counts_match_source(run, database)

    assert expected == {
        "_SqliteDatabaseProperties": 7,
        "deleted_messages": 226,
        "sqlite_sequence": 5,
        "chat_handle_join": 7,
        "chat_message_join": 236,
        "message_attachment_join": 1,
        "handle": 7,
        "message": 10,
        "chat": 7,
        "attachment": 1,
    }
    records = run.records
    message_ids = {r["ROWID"] for r in records["message"]}
    orphans = [r for r in records["chat_message_join"] if r["message_id"] not in message_ids]
    assert len(orphans) == 226  # FK orphans are data; the tap does not care
    attachment_orphans = [
        r for r in records["message_attachment_join"] if r["message_id"] not in message_ids
    ]
    assert len(attachment_orphans) == 1
    # message_attachment_join has no PRIMARY KEY (only UNIQUE): keyed by rowid.
    assert run.schemas["message_attachment_join"]["key_properties"] == ["_sqlite_rowid"]
    # Mac absolute time stays the integer it is.
    assert 469908586 in {r["date"] for r in records["message"]}
    # Binary plist / typedstream BLOBs arrive as bytea hex.
    body = run.schemas["message"]["schema"]["properties"]["attributedBody"]
    assert body["contentEncoding"] == "base16"
    assert all(r["attributedBody"].startswith("\\x") for r in records["message"])
    # Empty strings are not NULLs; whitespace is data.
    assert {r["display_name"] for r in records["chat"]} == {""}
    assert any(r["text"] != r["text"].strip() for r in records["message"] if r["text"])
    # WAL header without a -wal sidecar: opened immutable, nothing written beside.
    assert "immutable" in run.stderr
    assert directory_snapshot(shared_sqlite) == before


@pytest.mark.parametrize("name", ALL_SQLITE_FIXTURES)
def test_every_shared_fixture_counts_match(run_tap: RunTap, shared_sqlite: Path, name: str) -> None:
    database = shared_sqlite / name
    run = run_tap({"database": database})

    assert_counts_match_source(run, database)
    for record in run.audit.values():
        assert record["source_path"] == str(database.resolve())
        assert record["source_size_bytes"] == database.stat().st_size


def test_invalid_utf8_text_is_hex_and_counted(run_tap: RunTap, shared_sqlite: Path) -> None:
    run = run_tap({"database": shared_sqlite / "chrome_load_statistics.db"})

    (record,) = run.records["load_statistics"]
    assert record["resource_url_hash"].startswith("\\xe0842666599d")
    assert len(record["resource_url_hash"]) == 2 + 64  # 32 raw bytes, as found
    audit = run.audit["load_statistics"]
    assert audit["invalid_utf8_values"] == 1
    assert column_meta(run, "load_statistics", "resource_url_hash")["invalid_utf8_values"] == 1


def test_fts3_virtual_table_skipped_shadow_tables_streamed(
    run_tap: RunTap, shared_sqlite: Path
) -> None:
    run = run_tap({"database": shared_sqlite / "android_mmssms.db"})

    words = run.audit["words"]
    assert words["object_type"] == "virtual"
    assert words["status"] == "skipped"
    assert words["skip_reason"] == (
        "virtual table (module fts3): its content is in shadow tables / source table"
    )
    assert words["source_row_count"] is None
    assert "words" not in run.schemas
    assert len(run.records["words_content"]) == 9
    assert len(run.records["words_segdir"]) == 3
    assert run.schemas["words_segdir"]["key_properties"] == ["level", "idx"]
    # sms.date: INTEGER milliseconds since 1970, kept as is.
    assert 1383065788038 in {r["date"] for r in run.records["sms"]}


def test_untyped_mixed_column_becomes_text(run_tap: RunTap, shared_sqlite: Path) -> None:
    run = run_tap({"database": shared_sqlite / "safari_history.db"})

    prop = run.schemas["metadata"]["schema"]["properties"]["value"]
    assert prop["type"] == ["string", "null"]
    assert prop["x-sqlite-storage-classes"]["blob"] == 4
    assert prop["x-sqlite-storage-classes"]["integer"] == 4
    assert prop["x-sqlite-storage-classes"]["real"] == 1
    values = [r["value"] for r in run.records["metadata"]]
    assert sum(v.startswith("\\x62706c6973743030") for v in values) == 4  # bplist00
    assert "532037229.289487" in values
    # History visits: REAL seconds since 2001 stay numbers.
    visit_times = {r["visit_time"] for r in run.records["history_visits"]}
    assert 531955414.791503 in visit_times


def test_source_counts_use_read_only_open(shared_sqlite: Path) -> None:
    connection = open_read_only(shared_sqlite / "chinook.sqlite")
    try:
        assert connection.execute("SELECT count(*) FROM Track").fetchone()[0] == 3503
    finally:
        connection.close()
