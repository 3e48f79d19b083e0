"""The read-only SQLite reader: exact schema facts, values as stored, nothing written beside.

Every database here is a real SQLite file: built in tmp_path, generated (Cold Chain), or
one of the shared real-world fixtures.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import subprocess
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest
from cutover.errors import CutoverError
from cutover.sources.base import (
    SkippedObject,
    SourceColumn,
    SourceForeignKey,
    SourceIndex,
    SourceSchema,
)
from cutover.sources.sqlite import (
    INTERNAL_SKIP_REASON,
    SEQUENCE_SKIP_REASON,
    check_constraints,
    index_parts,
    open_sqlite,
)

from tests.conftest import REPO_ROOT, shared_fixture


def fts5_available() -> bool:
    with sqlite3.connect(":memory:") as conn:
        try:
            conn.execute("CREATE VIRTUAL TABLE probe USING fts5(x)")
        except sqlite3.OperationalError:
            return False
    return True


FTS5 = fts5_available()

FEATURES_SQL = '''
CREATE TABLE parent (
    a INTEGER NOT NULL,
    b TEXT NOT NULL,
    label TEXT DEFAULT 'none',
    PRIMARY KEY (a, b)
);
CREATE TABLE child (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    pa INTEGER,
    pb TEXT,
    code TEXT NOT NULL,
    qty INTEGER CHECK (qty >= 0 AND (qty < 1000 OR (qty % 10) = 0)),
    note TEXT DEFAULT 'it''s )',
    -- a comment: CHECK (this is not a constraint)
    CONSTRAINT child_code_unique UNIQUE (code),
    UNIQUE (pa, pb, code),
    FOREIGN KEY (pa, pb) REFERENCES parent,
    CONSTRAINT check_note CHECK (note <> 'CHECK (x)' /* a ) here */ AND "pa" IS NOT "pb")
);
CREATE INDEX child_lower_code ON child (lower(code), qty DESC);
CREATE UNIQUE INDEX child_open_qty ON child (qty) WHERE qty > 0;
CREATE TABLE loose (x, y BLOB);
CREATE TABLE kv (k TEXT PRIMARY KEY, v INT) WITHOUT ROWID;
CREATE TABLE "odd ""name""" ("key" INTEGER PRIMARY KEY, "va""l" TEXT);
CREATE TABLE desc_key (id INTEGER PRIMARY KEY DESC, v);
CREATE TABLE int_key (id INT PRIMARY KEY, v);
CREATE TABLE all_aliases (rowid TEXT, _rowid_ TEXT, oid TEXT);
CREATE VIEW child_view AS SELECT id, code FROM child;
CREATE TRIGGER child_touch AFTER UPDATE OF qty ON child
BEGIN
    UPDATE child SET note = 'touched' WHERE id = new.id;
END;

INSERT INTO parent VALUES (1, 'a', 'first'), (2, 'b', NULL);
INSERT INTO child (pa, pb, code, qty)
    VALUES (1, 'a', 'c1', 5), (2, 'b', 'c2', 0), (1, 'a', 'c3', 7);
DELETE FROM child WHERE id = 3;
INSERT INTO loose VALUES (1, X'00FF01'), (CAST(X'666FFF6F' AS TEXT), NULL), (2.5, 'plain'),
    (1, X'00FF01');
INSERT INTO kv VALUES ('k1', 10), ('k2', NULL);
INSERT INTO "odd ""name""" VALUES (7, 'seven');
INSERT INTO all_aliases VALUES ('r', 'u', 'o');
'''

FTS5_SQL = """
CREATE VIRTUAL TABLE docs USING fts5(body);
INSERT INTO docs (body) VALUES ('cold chain dispatch');
"""

CHILD_CHECKS = (
    "qty >= 0 AND (qty < 1000 OR (qty % 10) = 0)",
    'note <> \'CHECK (x)\' /* a ) here */ AND "pa" IS NOT "pb"',
)


def build(path: Path, script: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path)
    try:
        conn.executescript(script)
        conn.commit()
    finally:
        conn.close()
    return path


@pytest.fixture
def features_db(tmp_path: Path) -> Path:
    script = FEATURES_SQL + (FTS5_SQL if FTS5 else "") + "ANALYZE;"
    return build(tmp_path / "source" / "features.sqlite", script)


def snapshot(folder: Path) -> dict[str, tuple[int, int, str]]:
    """Every entry of `folder` (and the folder itself): size, mtime, content hash."""
    entries = {
        ".": (0, folder.stat().st_mtime_ns, ""),
    }
    for path in sorted(folder.iterdir()):
        stat = path.stat()
        entries[path.name] = (
            stat.st_size,
            stat.st_mtime_ns,
            hashlib.sha256(path.read_bytes()).hexdigest(),
        )
    return entries


def immutable(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.as_uri()}?mode=ro&immutable=1", uri=True)


def read_everything(path: Path) -> SourceSchema:
    """Schema plus every row of every table, then close: all the reader ever does."""
    with open_sqlite(path) as source:
        schema = source.schema()
        for table in schema.tables:
            columns = [c.name for c in table.columns]
            assert sum(1 for _ in source.iter_rows(table.name, columns)) == table.row_count
    return schema


# --- the synthetic database with every feature ------------------------------------------


def test_table_set_mirrors_the_tap_and_skips_with_reasons(features_db: Path) -> None:
    with open_sqlite(features_db) as source:
        schema = source.schema()
        assert source.kind == "sqlite"
        assert source.description == str(features_db.resolve())
        assert source.size_bytes == features_db.stat().st_size
        assert source.open_mode == "immutable"

    shadow = ["docs_data", "docs_idx", "docs_content", "docs_docsize", "docs_config"]
    app = ["parent", "child", "loose", "kv", 'odd "name"', "desc_key", "int_key", "all_aliases"]
    assert [t.name for t in schema.tables] == app + (shadow if FTS5 else [])
    expected_skipped = [SkippedObject("sqlite_sequence", "internal table", SEQUENCE_SKIP_REASON)]
    if FTS5:
        expected_skipped.append(
            SkippedObject(
                "docs",
                "virtual table",
                "virtual table (module fts5): its content is in shadow tables / source table",
            )
        )
    expected_skipped.append(SkippedObject("sqlite_stat1", "internal table", INTERNAL_SKIP_REASON))
    assert [s for s in schema.skipped if s.name != "sqlite_stat4"] == expected_skipped
    assert schema.views == ("child_view",)
    assert schema.triggers == ("child_touch",)
    assert schema.extra == {}


def test_composite_key_foreign_key_unique_check_and_indexes(features_db: Path) -> None:
    with open_sqlite(features_db) as source:
        schema = source.schema()
    parent, child = schema.table("parent"), schema.table("child")

    assert parent.columns == (
        SourceColumn("a", "INTEGER", True, None),
        SourceColumn("b", "TEXT", True, None),
        SourceColumn("label", "TEXT", False, "'none'"),
    )
    assert parent.primary_key == ("a", "b")
    assert parent.generated_key is None  # a composite key is not a rowid alias
    assert child.columns == (
        SourceColumn("id", "INTEGER", False, None),
        SourceColumn("pa", "INTEGER", False, None),
        SourceColumn("pb", "TEXT", False, None),
        SourceColumn("code", "TEXT", True, None),
        SourceColumn("qty", "INTEGER", False, None),
        SourceColumn("note", "TEXT", False, "'it''s )'"),
    )
    assert child.primary_key == ("id",)
    # REFERENCES parent (no columns): resolved to the parent's primary key, in order.
    assert child.foreign_keys == (SourceForeignKey(("pa", "pb"), "parent", ("a", "b")),)
    assert child.unique_constraints == (("code",), ("pa", "pb", "code"))
    assert child.check_constraints == CHILD_CHECKS
    assert child.indexes == (
        SourceIndex("child_lower_code", ("lower(code)", "qty"), unique=False, partial=False),
        SourceIndex("child_open_qty", ("qty",), unique=True, partial=True),
    )
    # AUTOINCREMENT: the rowid alias, and the counter stays at 3 after id 3 was deleted.
    assert child.generated_key == "id"
    assert child.sequence_value == 3
    assert child.row_count == 2


def test_keys_rowid_aliases_and_counts(features_db: Path) -> None:
    with open_sqlite(features_db) as source:
        schema = source.schema()

    keys = {t.name: (t.primary_key, t.generated_key, t.sequence_value) for t in schema.tables}
    assert keys["loose"] == ((), None, None)
    assert keys["kv"] == (("k",), None, None)  # WITHOUT ROWID: the key is not generated
    assert keys['odd "name"'] == (("key",), "key", None)
    assert keys["desc_key"] == (("id",), None, None)  # INTEGER PRIMARY KEY DESC: no alias
    assert keys["int_key"] == (("id",), None, None)  # INT is not INTEGER: no alias
    assert keys["all_aliases"] == ((), None, None)
    counts = {t.name: t.row_count for t in schema.tables}
    app_counts = {
        "parent": 2,
        "child": 2,
        "loose": 4,
        "kv": 2,
        'odd "name"': 1,
        "desc_key": 0,
        "int_key": 0,
        "all_aliases": 1,
    }
    assert {name: counts[name] for name in app_counts} == app_counts
    with immutable(features_db) as conn:
        (page_size,) = conn.execute("PRAGMA page_size").fetchone()
        for name, count in counts.items():
            quoted = '"' + name.replace('"', '""') + '"'
            assert conn.execute(f"SELECT count(*) FROM {quoted}").fetchone() == (count,)
    # Every table here fits in its root page; dbstat works on an immutable connection.
    assert {t.name: t.size_bytes for t in schema.tables} == {
        t.name: page_size for t in schema.tables
    }


@pytest.mark.skipif(not FTS5, reason="this sqlite3 module has no FTS5")
def test_fts5_shadow_tables_are_tables_as_in_the_tap(features_db: Path) -> None:
    with open_sqlite(features_db) as source:
        schema = source.schema()
    content = schema.table("docs_content")
    assert [c.name for c in content.columns] == ["id", "c0"]
    assert content.row_count == 1
    assert schema.table("docs_config").row_count == 1
    assert schema.table("docs_idx").primary_key == ("segid", "term")
    with open_sqlite(features_db) as source:
        assert list(source.iter_rows("docs_content", ["c0"])) == [("cold chain dispatch",)]


def test_iter_rows_gives_the_stored_values_unchanged(features_db: Path) -> None:
    with open_sqlite(features_db) as source:
        rows = list(source.iter_rows("loose", ["x", "y"]))
        with_rowid = list(source.iter_rows("loose", ["y"], with_rowid=True))
        odd = list(source.iter_rows('odd "name"', ['va"l', "key"], with_rowid=True))

    assert rows == [
        (1, b"\x00\xff\x01"),
        ("fo\udcffo", None),  # invalid UTF-8 kept as surrogates, as tap-sqlite reads it
        (2.5, "plain"),
        (1, b"\x00\xff\x01"),
    ]
    assert [tuple(type(v) for v in row) for row in rows] == [
        (int, bytes),
        (str, type(None)),
        (float, str),
        (int, bytes),
    ]
    assert rows[1][0].encode("utf-8", "surrogateescape") == b"fo\xffo"
    assert with_rowid == [(1, b"\x00\xff\x01"), (2, None), (3, "plain"), (4, b"\x00\xff\x01")]
    assert odd == [(7, "seven", 7)]  # rowid aliases "key"


def test_iter_rows_refuses_what_has_no_rowid_or_does_not_exist(features_db: Path) -> None:
    with open_sqlite(features_db) as source:
        assert list(source.iter_rows("kv", ["k", "v"])) == [("k1", 10), ("k2", None)]
        with pytest.raises(CutoverError, match=r"'kv' .* WITHOUT ROWID"):
            source.iter_rows("kv", ["v"], with_rowid=True)
        with pytest.raises(CutoverError, match=r"rowid, _rowid_ and oid"):
            source.iter_rows("all_aliases", ["oid"], with_rowid=True)
        with pytest.raises(CutoverError, match=r"cannot read table 'nope'.*no such table"):
            source.iter_rows("nope", ["x"])
        # SQLite would read "z" as the string 'z' on every row: refused instead.
        with pytest.raises(CutoverError, match=r"no such column\(s\) 'z'"):
            source.iter_rows("loose", ["x", "z"])
        assert list(source.iter_rows("loose", ["X"]))[2] == (2.5,)  # names are case-blind


def test_column_names_fold_case_as_sqlite_does(tmp_path: Path) -> None:
    database = build(
        tmp_path / "u.sqlite", 'CREATE TABLE t ("Ä" INT, a INT); INSERT INTO t VALUES (1, 2);'
    )
    with open_sqlite(database) as source:
        assert list(source.iter_rows("T", ["Ä", "A"])) == [(1, 2)]
        with pytest.raises(CutoverError, match="no such column"):
            source.iter_rows("t", ["ä"])  # SQLite folds ASCII letters only


def test_iter_rows_streams_in_constant_memory(tmp_path: Path) -> None:
    path = tmp_path / "big.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE big (id INTEGER PRIMARY KEY, payload TEXT)")
        conn.executemany(
            "INSERT INTO big (payload) VALUES (?)", (("x" * 200,) for _ in range(100_000))
        )
    conn.close()
    with open_sqlite(path) as source:
        tracemalloc.start()
        try:
            rows = source.iter_rows("big", ["id", "payload"])
            assert isinstance(rows, Iterator)
            total = sum(len(payload) for _, payload in rows)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert total == 100_000 * 200
    assert peak < 8_000_000  # the table is 20 MB of text; one fetchmany batch is ~2 MB


def test_reading_everything_leaves_the_folder_untouched(features_db: Path) -> None:
    before = snapshot(features_db.parent)
    read_everything(features_db)
    assert snapshot(features_db.parent) == before


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("CREATE TABLE t (x CHECK(x>0), y)", ("x>0",)),
        ("CREATE TABLE t (x check ( x > 0 ) , y)", ("x > 0",)),
        ('CREATE TABLE t ("CHECK (no)" INT, [CHECK)] INT, `check(` INT)', ()),
        (
            "CREATE TABLE t (a, b, CONSTRAINT chk_ab CHECK ([a)] <> `b(` OR a = 'x''y)'))",
            ("[a)] <> `b(` OR a = 'x''y)'",),
        ),
        (
            "CREATE TABLE t (a -- CHECK (a) ) in a comment\n CHECK /* ( */ (a IN (1, (2))))",
            ("a IN (1, (2))",),
        ),
        ("CREATE TABLE t (check_flag INT, uncheck INT)", ()),
        ("CREATE TABLE t (a CHECK (a >", ()),  # unbalanced: nothing made up
    ],
)
def test_check_constraint_tokenizer(sql: str, expected: tuple[str, ...]) -> None:
    assert check_constraints(sql) == expected


def test_index_parts_tokenizer() -> None:
    sql = (
        'CREATE INDEX "i(x" ON "t(" (a COLLATE NOCASE DESC, (a + b), substr(c, 1, 2) ASC, '
        "[d,e]) WHERE a > 0"
    )
    assert index_parts(sql) == ["a COLLATE NOCASE", "(a + b)", "substr(c, 1, 2)", "[d,e]"]


# --- journals beside the file: a private copy, never a write beside the source ----------


def wal_source(folder: Path) -> Path:
    """A database whose last rows are only in its -wal, as copied off a live device."""
    live = folder / "live"
    live.mkdir()
    database = live / "app.db"
    conn = sqlite3.connect(database)
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
    conn.execute("INSERT INTO t (v) VALUES ('checkpointed')")
    conn.commit()
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA wal_autocheckpoint=0")
    conn.execute("CREATE TABLE only_in_wal (x)")
    conn.executemany("INSERT INTO t (v) VALUES (?)", [("in wal",)] * 4)
    conn.commit()
    source = folder / "source"
    source.mkdir()
    shutil.copyfile(database, source / "app.db")
    shutil.copyfile(live / "app.db-wal", source / "app.db-wal")
    conn.close()
    return source / "app.db"


def test_wal_beside_the_file_is_replayed_in_a_private_copy(tmp_path: Path) -> None:
    database = wal_source(tmp_path)
    wal = database.with_name("app.db-wal")
    assert wal.stat().st_size > 0
    with immutable(database) as conn:  # what ignoring the WAL would see
        assert conn.execute("SELECT count(*) FROM t").fetchone() == (1,)
    before = snapshot(database.parent)

    with open_sqlite(database) as source:
        assert source.open_mode == "temp-copy"
        assert source.size_bytes == database.stat().st_size + wal.stat().st_size
        copy_dir = source.temp_dir
        assert copy_dir is not None and copy_dir.is_dir()
        assert database.parent not in copy_dir.parents
        schema = source.schema()
        rows = list(source.iter_rows("t", ["v"], with_rowid=True))

    assert [t.name for t in schema.tables] == ["t", "only_in_wal"]
    assert schema.table("t").row_count == 5
    assert rows[0] == (1, "checkpointed") and rows[-1] == (5, "in wal")
    assert not copy_dir.exists()  # close() removed the copy
    assert snapshot(database.parent) == before


def test_journal_beside_the_file_means_a_private_copy(tmp_path: Path) -> None:
    database = build(tmp_path / "source" / "j.db", "CREATE TABLE t (x); INSERT INTO t VALUES (1);")
    database.with_name("j.db-journal").write_bytes(b"")
    before = snapshot(database.parent)
    with open_sqlite(database) as source:
        assert source.open_mode == "temp-copy"
        assert list(source.iter_rows("t", ["x"])) == [(1,)]
    assert snapshot(database.parent) == before


def test_empty_wal_is_ignored_like_the_tap_does(tmp_path: Path) -> None:
    database = build(tmp_path / "source" / "w.db", "CREATE TABLE t (x);")
    database.with_name("w.db-wal").write_bytes(b"")
    with open_sqlite(database) as source:
        assert source.open_mode == "immutable"


# --- files that are not readable SQLite databases ---------------------------------------


def test_bad_files_raise_one_line_naming_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "missing.sqlite"
    empty = tmp_path / "empty.sqlite"
    empty.write_bytes(b"")
    text = tmp_path / "notes.sqlite"
    text.write_text("id,name\n1,a\n")
    garbage = tmp_path / "garbage.sqlite"
    garbage.write_bytes(b"SQLite format 3\x00" + b"\xff" * 200)
    cases = {
        missing: "not found",
        tmp_path: "is a directory",
        empty: "empty file",
        text: "not a SQLite database",
        garbage: "cannot open",
    }
    for path, words in cases.items():
        with pytest.raises(CutoverError) as caught:
            open_sqlite(path)
        message = str(caught.value)
        assert str(path.resolve()) in message and words in message, message
        assert "\n" not in message


# --- the Cold Chain sample --------------------------------------------------------------


def test_coldchain_sample_schema(coldchain_sample: Path) -> None:
    manifest = json.loads(coldchain_sample.with_suffix(".manifest.json").read_text())
    with open_sqlite(coldchain_sample) as source:
        schema = source.schema()

    names = ["alembic_version", "users", "clients", "drivers", "vehicles", "orders", "dispatches"]
    assert [t.name for t in schema.tables] == names
    assert {t.name: t.row_count for t in schema.tables} == manifest["row_counts"]
    assert schema.table("alembic_version").primary_key == ("version_num",)
    assert schema.table("alembic_version").generated_key is None
    for name in names[1:]:
        assert schema.table(name).primary_key == ("id",)
        assert schema.table(name).generated_key == "id"
    assert {t.name: t.foreign_keys for t in schema.tables if t.foreign_keys} == {
        "drivers": (SourceForeignKey(("user_id",), "users", ("id",)),),
        "vehicles": (SourceForeignKey(("driver_id",), "drivers", ("id",)),),
        "orders": (SourceForeignKey(("client_id",), "clients", ("id",)),),
        "dispatches": (
            SourceForeignKey(("order_id",), "orders", ("id",)),
            SourceForeignKey(("vehicle_id",), "vehicles", ("id",)),
            SourceForeignKey(("driver_id",), "drivers", ("id",)),
        ),
    }
    sequences = {t.name: t.sequence_value for t in schema.tables if t.sequence_value is not None}
    assert sequences == manifest["sqlite_sequence"] == {"orders": 2007}
    assert schema.table("orders").sequence_value > schema.table("orders").row_count
    assert schema.table("users").indexes == (
        SourceIndex("ix_users_email", ("email",), unique=True),
        SourceIndex("ix_users_username", ("username",), unique=True),
    )
    assert schema.skipped == (
        SkippedObject("sqlite_sequence", "internal table", SEQUENCE_SKIP_REASON),
    )
    assert schema.views == () and schema.triggers == ()


# --- the shared real-world fixtures (../shared/fixtures/SOURCES.md) ---------------------

# Row counts per SOURCES.md (sqlite_sequence left out: it is not an app table here).
SHARED_TABLES: dict[str, dict[str, int]] = {
    "chinook.sqlite": {
        "Album": 347,
        "Artist": 275,
        "Customer": 59,
        "Employee": 8,
        "Genre": 25,
        "Invoice": 412,
        "InvoiceLine": 2240,
        "MediaType": 5,
        "Playlist": 18,
        "PlaylistTrack": 8715,
        "Track": 3503,
    },
    "northwind.sqlite": {
        "Categories": 8,
        "CustomerCustomerDemo": 0,
        "CustomerDemographics": 0,
        "Customers": 93,
        "Employees": 9,
        "EmployeeTerritories": 49,
        "Order Details": 2155,
        "Orders": 830,
        "Products": 77,
        "Regions": 4,
        "Shippers": 3,
        "Suppliers": 29,
        "Territories": 53,
    },
    "firefox_places.sqlite": {
        "moz_bookmarks": 101,
        "moz_bookmarks_roots": 5,
        "moz_keywords": 0,
        "moz_favicons": 1,
        "moz_annos": 0,
        "moz_anno_attributes": 6,
        "moz_items_annos": 8,
        "moz_places": 92,
        "moz_historyvisits": 1,
        "moz_inputhistory": 0,
    },
    "android_mmssms.db": {
        "android_metadata": 1,
        "pdu": 0,
        "addr": 0,
        "part": 0,
        "rate": 0,
        "drm": 0,
        "sms": 9,
        "raw": 0,
        "attachments": 0,
        "sr_pending": 0,
        "canonical_addresses": 1,
        "threads": 1,
        "pending_msgs": 0,
        "words_content": 9,
        "words_segments": 0,
        "words_segdir": 3,
    },
    "imessage_chat.db": {
        "_SqliteDatabaseProperties": 7,
        "deleted_messages": 226,
        "chat_handle_join": 7,
        "chat_message_join": 236,
        "message_attachment_join": 1,
        "handle": 7,
        "message": 10,
        "chat": 7,
        "attachment": 1,
    },
    "android_burners.sqlite": {
        "android_metadata": 1,
        "messages": 16,
        "burners": 1,
        "contacts": 4,
        "connections": 1,
        "subscriptions": 0,
    },
}
# sqlite_sequence rows per fixture (its seq values), views and triggers per SOURCES.md.
SHARED_SEQUENCES = {
    "chinook.sqlite": {},
    "northwind.sqlite": {
        "Categories": 8,
        "Employees": 9,
        "Orders": 11077,
        "Products": 77,
        "Shippers": 3,
        "Suppliers": 29,
    },
    "firefox_places.sqlite": {},  # the table exists but is empty
    "android_mmssms.db": {"canonical_addresses": 1, "threads": 1},
    "imessage_chat.db": {
        "chat": 7,
        "handle": 7,
        "message": 236,
        "attachment": 1,
        "deleted_messages": 226,
    },
    "android_burners.sqlite": {"burners": 17, "contacts": 66, "connections": 1, "messages": 30},
}
SHARED_VIEWS_TRIGGERS = {
    "chinook.sqlite": (0, 0),
    "northwind.sqlite": (17, 0),
    "firefox_places.sqlite": (0, 1),
    "android_mmssms.db": (0, 26),
    "imessage_chat.db": (0, 10),
    "android_burners.sqlite": (0, 0),
}


@pytest.mark.fixtures
@pytest.mark.parametrize("name", sorted(SHARED_TABLES))
def test_shared_fixture_tables_counts_and_sequences(name: str) -> None:
    path = shared_fixture("sqlite", name)
    before = snapshot(path.parent)

    schema = read_everything(path)

    assert {t.name: t.row_count for t in schema.tables} == SHARED_TABLES[name]
    sequences = {t.name: t.sequence_value for t in schema.tables if t.sequence_value is not None}
    assert sequences == SHARED_SEQUENCES[name]
    assert (len(schema.views), len(schema.triggers)) == SHARED_VIEWS_TRIGGERS[name]
    assert all(t.size_bytes for t in schema.tables)
    assert snapshot(path.parent) == before


@pytest.mark.fixtures
def test_chinook_keys_and_self_reference() -> None:
    with open_sqlite(shared_fixture("sqlite", "chinook.sqlite")) as source:
        schema = source.schema()
        tracks = list(source.iter_rows("Track", ["TrackId", "UnitPrice", "Bytes"]))
    assert schema.skipped == ()
    assert sum(t.row_count for t in schema.tables) == 15_607
    assert schema.table("PlaylistTrack").primary_key == ("PlaylistId", "TrackId")
    assert schema.table("PlaylistTrack").generated_key is None
    assert schema.table("Employee").foreign_keys == (
        SourceForeignKey(("ReportsTo",), "Employee", ("EmployeeId",)),
    )
    assert schema.table("Track").generated_key == "TrackId"
    assert {price for _, price, _ in tracks} == {0.99, 1.99}  # REAL as stored
    assert max(size for *_, size in tracks) == 1_059_546_140


@pytest.mark.fixtures
def test_northwind_checks_text_keys_and_spaces() -> None:
    with open_sqlite(shared_fixture("sqlite", "northwind.sqlite")) as source:
        schema = source.schema()
        customers = {key for (key,) in source.iter_rows("Customers", ["CustomerID"])}
    details = schema.table("Order Details")
    assert details.primary_key == ("OrderID", "ProductID")
    assert details.check_constraints == (
        "[Discount]>=(0) AND [Discount]<=(1)",
        "[Quantity]>(0)",
        "[UnitPrice]>=(0)",
    )
    assert details.foreign_keys == (
        SourceForeignKey(("OrderID",), "Orders", ("OrderID",)),
        SourceForeignKey(("ProductID",), "Products", ("ProductID",)),
    )
    assert schema.table("Customers").generated_key is None  # a TEXT key
    assert {"Val2 ", "VALON"} <= customers and len(customers) == 93
    # Orders' AUTOINCREMENT counter is its highest id (10248..11077), far above 830 rows.
    assert schema.table("Orders").sequence_value == 11077
    assert len(schema.views) == 17 and "Alphabetical list of products" in schema.views


@pytest.mark.fixtures
def test_mmssms_fts3_skipped_shadow_tables_kept() -> None:
    with open_sqlite(shared_fixture("sqlite", "android_mmssms.db")) as source:
        schema = source.schema()
    assert schema.skipped == (
        SkippedObject("sqlite_sequence", "internal table", SEQUENCE_SKIP_REASON),
        SkippedObject(
            "words",
            "virtual table",
            "virtual table (module fts3): its content is in shadow tables / source table",
        ),
    )
    assert schema.table("words_segdir").primary_key == ("level", "idx")
    assert [t.name for t in schema.tables if not t.primary_key] == [
        "android_metadata",
        "rate",
        "attachments",
        "sr_pending",
    ]


@pytest.mark.fixtures
def test_imessage_orphan_parents_and_keyless_join() -> None:
    with open_sqlite(shared_fixture("sqlite", "imessage_chat.db")) as source:
        schema = source.schema()
        rows = list(source.iter_rows("message_attachment_join", [], with_rowid=True))
    join = schema.table("message_attachment_join")
    assert join.primary_key == ()
    assert join.unique_constraints == (("message_id", "attachment_id"),)
    assert join.foreign_keys == (
        SourceForeignKey(("message_id",), "message", ("ROWID",)),
        SourceForeignKey(("attachment_id",), "attachment", ("ROWID",)),
    )
    assert rows == [(1,)]
    assert schema.table("chat_message_join").primary_key == ("chat_id", "message_id")
    assert schema.table("message").generated_key == "ROWID"


# --- the same table set as tap-sqlite's own discovery -----------------------------------


def tap_executable() -> Path | None:
    candidate = REPO_ROOT / ".meltano" / "extractors" / "tap-sqlite" / "venv" / "bin" / "tap-sqlite"
    return candidate if candidate.exists() else None


def tap_streams(tap: Path, database: Path, work: Path) -> set[str]:
    config = work / "config.json"
    config.write_text(json.dumps({"database": str(database)}))
    result = subprocess.run(
        [str(tap), "--config", str(config), "--discover"],
        capture_output=True,
        text=True,
        cwd=work,
        timeout=300,
        check=True,
    )
    return {stream["tap_stream_id"] for stream in json.loads(result.stdout)["streams"]}


@pytest.mark.fixtures
@pytest.mark.parametrize("name", sorted(SHARED_TABLES))
def test_table_set_equals_tap_discovery(name: str, tmp_path: Path) -> None:
    path = shared_fixture("sqlite", name)
    tap = tap_executable()
    if tap is None:
        pytest.skip("tap-sqlite is not installed (run `meltano install`)")
    with open_sqlite(path) as source:
        schema = source.schema()
    streams = tap_streams(tap, path, tmp_path)

    ours = {t.name.replace("-", "_") for t in schema.tables} | set(schema.views)
    # The tap streams sqlite_sequence as data and adds its audit stream; the rest is equal.
    assert streams - {"_source_audit", "sqlite_sequence"} == ours
    assert ("sqlite_sequence" in streams) == any(
        s.name == "sqlite_sequence" for s in schema.skipped
    )


def test_features_table_set_equals_tap_discovery(features_db: Path, tmp_path: Path) -> None:
    tap = tap_executable()
    if tap is None:
        pytest.skip("tap-sqlite is not installed (run `meltano install`)")
    with open_sqlite(features_db) as source:
        schema = source.schema()
    streams = tap_streams(tap, features_db, tmp_path)
    ours = {t.name.replace("-", "_") for t in schema.tables} | set(schema.views)
    assert streams - {"_source_audit", "sqlite_sequence"} == ours
