"""tap-sqlite never writes beside the source, yet reads WAL content and hot journals."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from tap_sqlite_testlib import RunTap, directory_snapshot, open_read_only

CHECKPOINTED_ROWS = 10
TOTAL_ROWS = 1000


def make_wal_copy(tmp_path: Path) -> Path:
    """Copy a WAL database and its -wal while the writer is still open.

    The main file of the copy holds only the first 10 rows; the other 990 are
    committed in the -wal only (wal_autocheckpoint=0).
    """
    live_dir = tmp_path / "live"
    copy_dir = tmp_path / "copy"
    live_dir.mkdir()
    copy_dir.mkdir()
    live = live_dir / "app.db"
    writer = sqlite3.connect(live, isolation_level=None)
    try:
        assert writer.execute("PRAGMA journal_mode=wal").fetchone() == ("wal",)
        writer.execute("PRAGMA wal_autocheckpoint=0")
        writer.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, payload TEXT)")
        writer.executemany(
            "INSERT INTO events (payload) VALUES (?)",
            [(f"event {i}",) for i in range(CHECKPOINTED_ROWS)],
        )
        writer.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        writer.execute("BEGIN")
        writer.executemany(
            "INSERT INTO events (payload) VALUES (?)",
            [(f"event {i}",) for i in range(CHECKPOINTED_ROWS, TOTAL_ROWS)],
        )
        writer.execute("COMMIT")
        shutil.copyfile(live, copy_dir / "app.db")
        shutil.copyfile(live_dir / "app.db-wal", copy_dir / "app.db-wal")
    finally:
        writer.close()
    return copy_dir / "app.db"


def test_wal_with_uncheckpointed_rows_is_read_fully(run_tap: RunTap, tmp_path: Path) -> None:
    database = make_wal_copy(tmp_path)
    wal = database.with_name("app.db-wal")
    assert wal.stat().st_size > 0
    # Proof the rows are only in the -wal: immutable=1 alone sees 10 of them.
    probe_dir = tmp_path / "probe"
    probe_dir.mkdir()
    shutil.copyfile(database, probe_dir / "app.db")
    probe = open_read_only(probe_dir / "app.db")
    try:
        assert probe.execute("SELECT count(*) FROM events").fetchone() == (CHECKPOINTED_ROWS,)
    finally:
        probe.close()
    before = directory_snapshot(database.parent)

    run = run_tap({"database": database})

    assert [r["id"] for r in run.records["events"]] == list(range(1, TOTAL_ROWS + 1))
    assert run.records["events"][-1]["payload"] == f"event {TOTAL_ROWS - 1}"
    assert run.audit["events"]["source_row_count"] == TOTAL_ROWS
    assert run.audit["events"]["emitted_row_count"] == TOTAL_ROWS
    assert "app.db-wal" in run.stderr  # logged: the temp-copy path was taken
    after = directory_snapshot(database.parent)
    assert sorted(after) == ["app.db", "app.db-wal"]  # no -shm, nothing new
    assert after == before  # bytes unchanged


def test_wal_header_without_sidecar_opens_immutable(run_tap: RunTap, tmp_path: Path) -> None:
    database = tmp_path / "walmode.db"
    writer = sqlite3.connect(database, isolation_level=None)
    writer.execute("PRAGMA journal_mode=wal")
    writer.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
    writer.executemany("INSERT INTO t (v) VALUES (?)", [("a",), ("b",), ("c",)])
    writer.close()  # checkpoints and removes -wal/-shm; the header stays WAL
    assert database.read_bytes()[18:20] == b"\x02\x02"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["walmode.db"]
    before = directory_snapshot(tmp_path)

    run = run_tap({"database": database})

    assert [r["v"] for r in run.records["t"]] == ["a", "b", "c"]
    assert "immutable" in run.stderr
    assert directory_snapshot(tmp_path) == before  # no -wal, -shm or -journal


def test_hot_journal_is_rolled_back_in_a_private_copy(run_tap: RunTap, tmp_path: Path) -> None:
    """A crash mid-transaction leaves a hot -journal: read the committed state."""
    live_dir = tmp_path / "live"
    copy_dir = tmp_path / "copy"
    live_dir.mkdir()
    copy_dir.mkdir()
    live = live_dir / "crash.db"
    writer = sqlite3.connect(live, isolation_level=None)
    try:
        writer.execute("PRAGMA cache_size=2")  # spill changed pages into the file
        writer.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
        writer.executemany("INSERT INTO t (v) VALUES (?)", [("x" * 500,)] * 300)
        writer.execute("BEGIN")
        writer.execute("UPDATE t SET v = 'uncommitted'")
        writer.executemany("INSERT INTO t (v) VALUES (?)", [("y" * 500,)] * 300)
        shutil.copyfile(live, copy_dir / "crash.db")
        shutil.copyfile(live_dir / "crash.db-journal", copy_dir / "crash.db-journal")
        writer.execute("ROLLBACK")
    finally:
        writer.close()
    database = copy_dir / "crash.db"
    before = directory_snapshot(copy_dir)

    run = run_tap({"database": database})

    assert len(run.records["t"]) == 300
    assert {r["v"] for r in run.records["t"]} == {"x" * 500}
    assert directory_snapshot(copy_dir) == before  # the journal is still there, untouched


def test_awkward_path_is_uri_encoded(run_tap: RunTap, tmp_path: Path) -> None:
    """Spaces, '#', '?', '%' and non-ASCII in the path, on both open paths."""
    folder = tmp_path / "dir with space é"
    folder.mkdir()
    database = folder / "odd #1?%20.db"
    writer = sqlite3.connect(database, isolation_level=None)
    writer.execute("PRAGMA journal_mode=wal")
    writer.execute("PRAGMA wal_autocheckpoint=0")
    writer.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)")
    writer.execute("INSERT INTO t VALUES (1), (2)")
    try:
        before = directory_snapshot(folder)
        with_wal = run_tap({"database": database})
        assert directory_snapshot(folder) == before
    finally:
        writer.close()
    assert [r["id"] for r in with_wal.records["t"]] == [1, 2]
    assert "temp" in with_wal.stderr or "copying" in with_wal.stderr

    before = directory_snapshot(folder)
    immutable = run_tap({"database": database})
    assert directory_snapshot(folder) == before
    assert [r["id"] for r in immutable.records["t"]] == [1, 2]
    assert immutable.audit["t"]["source_path"] == str(database.resolve())
