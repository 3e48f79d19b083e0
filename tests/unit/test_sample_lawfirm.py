"""The LawFirm AI sample: the chat store (sessions, messages) the FastAPI app leaves in SQLite."""

from __future__ import annotations

import json
import re
import sqlite3
import uuid
from datetime import datetime
from pathlib import Path

import pytest
from cutover.samples import generate_sample
from cutover.samples.lawfirm import COLUMNS, STAMPS, TABLE_ORDER, LawFirmGenerator, generate
from cutover.samples.spc import parse_timestamp, pg_text

from tests.unit.test_sample_spc import assert_every_reject_is_visible, assert_manifest_counts


def rows(path: Path, sql: str, params: tuple = ()) -> list[tuple]:
    with sqlite3.connect(f"{path.as_uri()}?mode=ro&immutable=1", uri=True) as conn:
        return conn.execute(sql, params).fetchall()


def manifest_of(path: Path) -> dict:
    return json.loads(path.with_suffix(".manifest.json").read_text())


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("s") / "lawfirm.sqlite"
    generate(path)
    return path


def test_same_seed_same_bytes_other_seed_other_data(sample, tmp_path):
    again = tmp_path / "again.sqlite"
    generate(again)
    other = tmp_path / "other.sqlite"
    generate(other, seed=5)
    assert again.read_bytes() == sample.read_bytes()
    assert (
        again.with_suffix(".manifest.json").read_text()
        == sample.with_suffix(".manifest.json").read_text()
    )
    assert other.read_bytes() != sample.read_bytes()


def test_default_size_is_a_few_thousand_messages_and_rows_scale_them(sample, tmp_path):
    counts = manifest_of(sample)["row_counts"]
    assert counts["messages"] == 3000
    assert 300 <= counts["sessions"] <= 1000
    bigger = tmp_path / "big.sqlite"
    generate_sample("lawfirm", rows=15_000, output=bigger)
    big = manifest_of(bigger)
    assert big["messages"] == 15_000 == big["row_counts"]["messages"]
    assert rows(bigger, "select count(*) from messages") == [(15_000,)]
    assert big["row_counts"]["sessions"] > 4 * counts["sessions"]
    assert_manifest_counts(bigger, big)
    assert_every_reject_is_visible(bigger, big)


def test_schema_is_what_the_session_service_creates(sample):
    tables = {n for (n,) in rows(sample, "select name from sqlite_master where type='table'")}
    assert tables == {"sessions", "messages"}  # no AUTOINCREMENT: no sqlite_sequence
    for table in TABLE_ORDER:
        info = rows(sample, f"pragma table_info({table})")
        assert [c[1] for c in info] == COLUMNS[table]
        pk = [(c[1], c[2]) for c in info if c[5]]
        assert pk == [(COLUMNS[table][0], "TEXT")], table
    messages = {c[1]: (c[2], c[3], c[4]) for c in rows(sample, "pragma table_info(messages)")}
    assert messages["session_id"] == ("TEXT", 1, None)
    assert messages["role"] == ("TEXT", 1, None)
    assert messages["timestamp"] == ("TIMESTAMP", 0, "CURRENT_TIMESTAMP")
    # user_id and ip_address were added later, at the end
    assert [c[1] for c in rows(sample, "pragma table_info(sessions)")][-2:] == [
        "user_id",
        "ip_address",
    ]
    fks = rows(sample, "pragma foreign_key_list(messages)")
    assert [(fk[2], fk[3], fk[4]) for fk in fks] == [("sessions", "session_id", "session_id")]


def test_the_guides_indexes_exist(sample):
    expected = {
        "idx_sessions_user_id": ("sessions", ["user_id"]),
        "idx_sessions_updated_at": ("sessions", ["updated_at"]),
        "idx_messages_session_id": ("messages", ["session_id"]),
        "idx_messages_timestamp": ("messages", ["timestamp"]),
    }
    found = {}
    for table in TABLE_ORDER:
        for _, name, unique, origin, _ in rows(sample, f"pragma index_list({table})"):
            columns = [r[2] for r in rows(sample, f"pragma index_info('{name}')")]
            if origin == "pk":
                assert unique and columns == [COLUMNS[table][0]]
                continue
            found[name] = (table, columns)
    assert found == expected


def test_ids_are_uuid4_text(sample):
    for table in TABLE_ORDER:
        key = COLUMNS[table][0]
        for (value,) in rows(sample, f"select {key} from {table}"):
            assert str(uuid.UUID(value)) == value and uuid.UUID(value).version == 4


def test_manifest_counts_match_the_file(sample):
    manifest = manifest_of(sample)
    assert set(manifest["row_counts"]) == set(TABLE_ORDER)
    assert manifest["sqlite_sequence"] == {}
    assert_manifest_counts(sample, manifest)


def test_every_expected_reject_is_in_the_file_with_its_dirt(sample):
    manifest = manifest_of(sample)
    reasons = {(r["table"], r["reason"]) for r in manifest["expected_rejects"]}
    assert reasons == {
        ("sessions", "too_long"),
        ("sessions", "cast_failed"),
        ("messages", "orphan_fk"),
        ("messages", "parent_rejected"),
        ("messages", "required_null"),
        ("messages", "check_failed"),
        ("messages", "cast_failed"),
    }
    keys = [(r["table"], r["key"]) for r in manifest["expected_rejects"]]
    assert len(keys) == len(set(keys))
    assert_every_reject_is_visible(sample, manifest)
    # orphans: every message whose session is gone, and only those
    orphans = rows(
        sample,
        "select message_id from messages m where trim(session_id) <> '' and not exists "
        "(select 1 from sessions s where s.session_id = m.session_id)",
    )
    expected = {r["key"] for r in manifest["expected_rejects"] if r["reason"] == "orphan_fk"}
    assert {m for (m,) in orphans} == expected and len(expected) >= 2


@pytest.mark.parametrize("seed", [4, 5, 11])
def test_computed_rejects_are_exactly_the_planted_dirt(seed):
    data = LawFirmGenerator(800, seed).build()
    planted = {(r.table, r.key): r for r in data.planted}
    computed = {(r.table, r.key): r for r in data.rejects}
    for key, reject in planted.items():
        assert (computed[key].reason, computed[key].detail) == (reject.reason, reject.detail)
    extra = [r for key, r in computed.items() if key not in planted]
    assert extra and all(r.reason == "parent_rejected" for r in extra), extra


def test_timestamps_json_and_dirt_are_there(sample):
    stamps = [v for (v,) in rows(sample, "select timestamp from messages")]
    shapes = {
        "py_sqlite3": r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{6})?$",
        "current_timestamp": r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$",
        "iso_z": r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$",
        "iso_kst": r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+09:00$",
    }
    for name, shape in shapes.items():
        assert any(isinstance(v, str) and re.match(shape, v) for v in stamps), name
    assert any(isinstance(v, float) for v in stamps), "epoch seconds stored as REAL"
    metadata = [v for (v,) in rows(sample, "select metadata from messages where metadata notnull")]
    assert any("\\u" in v for v in metadata) and any("판결" in v for v in metadata)
    assert any("NaN" in v for v in metadata)
    assert rows(sample, "select count(*) from sessions where length(ip_address) > 45") == [(1,)]
    assert {r for (r,) in rows(sample, "select distinct role from messages")} == {
        "user",
        "assistant",
        "ai",
        "",
        " \n",
    }
    # sessions from before user_id existed have none; message_count is what the app kept
    assert rows(sample, "select count(*) from sessions where user_id is null")[0][0] > 10
    counted = rows(
        sample,
        "select count(*) from sessions s where message_count = "
        "(select count(*) from messages m where m.session_id = s.session_id)",
    )
    assert counted[0][0] >= manifest_of(sample)["row_counts"]["sessions"] - 2


def test_korean_text_and_emoji_round_trip(sample):
    data = LawFirmGenerator(3000, 4).build()
    for table in TABLE_ORDER:
        columns = COLUMNS[table]
        stored = rows(sample, f"select {', '.join(columns)} from {table} order by rowid")
        assert stored == [tuple(row[c] for c in columns) for row in data.rows[table]], table
    answers = [c for (c,) in rows(sample, "select content from messages where role='assistant'")]
    assert sum(len(a) for a in answers) / len(answers) > 600
    assert all("👩\u200d⚖️" in a and "## 관련 법령" in a for a in answers)
    assert rows(sample, "select count(*) from messages where content like '%😢%'")[0][0] > 0
    assert rows(sample, "select count(*) from sessions where title glob '*[가-힣]*'")[0][0] > 300


def test_timestamp_samples_mean_what_the_manifest_says(sample):
    samples = manifest_of(sample)["timestamp_samples"]
    assert {s["format"] for s in samples} == set(STAMPS)
    for s in samples:
        assert parse_timestamp(pg_text(s["stored"])) == datetime.fromisoformat(s["expected_utc"])
        key = COLUMNS[s["table"]][0]
        stored = rows(
            sample, f"select {s['column']} from {s['table']} where {key} = ?", (s["key"],)
        )
        assert stored == [(s["stored"],)], s
