"""Bad input ends with exit code 1 and exactly one clear stderr line."""

from __future__ import annotations

import sqlite3
import subprocess
import textwrap
from pathlib import Path

import pytest
from tap_sqlite_testlib import RunTap, TapRun


def assert_one_line_error(run: TapRun, *expected: str) -> str:
    assert run.returncode == 1
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, run.stderr
    assert "Traceback" not in run.stderr
    assert lines[0].startswith("tap-sqlite: error: ")
    for text in expected:
        assert text in lines[0]
    assert run.stdout == ""
    return lines[0]


def bad_inputs(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    text_file = tmp_path / "notes.txt"
    text_file.write_text("just text, not a database\n", encoding="utf-8")
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    folder = tmp_path / "folder.db"
    folder.mkdir()
    return {
        "missing": (tmp_path / "missing.db", "not found"),
        "text": (text_file, "not a SQLite database"),
        "empty": (empty, "not a SQLite database"),
        "directory": (folder, "directory"),
    }


@pytest.mark.parametrize("case", ["missing", "text", "empty", "directory"])
@pytest.mark.parametrize("mode", ["sync", "discover"])
def test_bad_database_is_one_line(run_tap: RunTap, tmp_path: Path, case: str, mode: str) -> None:
    path, reason = bad_inputs(tmp_path)[case]
    before = sorted(p.name for p in tmp_path.iterdir())
    args = ("--discover",) if mode == "discover" else ()

    run = run_tap({"database": path}, *args, check=False)

    assert_one_line_error(run, str(path), reason)
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_missing_database_setting_is_one_line(run_tap: RunTap) -> None:
    run = run_tap({}, check=False)
    assert_one_line_error(run, "database")


def test_stream_name_collision_names_both(run_tap: RunTap, tmp_path: Path) -> None:
    database = tmp_path / "collide.db"
    connection = sqlite3.connect(database)
    connection.executescript('CREATE TABLE "a-b" (x); CREATE TABLE a_b (y);')
    connection.close()

    run = run_tap({"database": database}, check=False)

    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    last = run.stderr.strip().splitlines()[-1]
    assert last.startswith("tap-sqlite: error: stream name collision")
    assert "'a-b'" in last
    assert "'a_b'" in last
    assert '"type":"RECORD"' not in run.stdout


def test_row_count_self_check_fails_the_run(tap_executable: str, tmp_path: Path) -> None:
    """Force a short read (LIMIT 1) inside the tap: ERROR, audit written, exit 1."""
    python = Path(tap_executable).parent / "python"
    if not python.exists():
        pytest.skip(f"no python beside {tap_executable} to patch the tap in-process")
    database = tmp_path / "three.db"
    connection = sqlite3.connect(database)
    connection.executescript(
        "CREATE TABLE t (id INTEGER PRIMARY KEY); INSERT INTO t VALUES (1), (2), (3);"
    )
    connection.close()
    config = tmp_path / "config.json"
    config.write_text(f'{{"database": "{database}"}}', encoding="utf-8")
    script = textwrap.dedent(
        """
        import sys
        from tap_sqlite import cli, streams
        original = streams.select_sql
        streams.select_sql = lambda obj, plan: original(obj, plan) + " LIMIT 1"
        cli.main(sys.argv[1:])
        """
    )
    proc = subprocess.run(
        [str(python), "-c", script, "--config", str(config)],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert proc.returncode == 1
    assert "Row count self-check failed for 't': source has 3 rows, 1 emitted" in proc.stderr
    assert proc.stderr.strip().splitlines()[-1] == (
        "tap-sqlite: error: row count self-check failed: t (source 3, emitted 1)"
    )
    assert '"stream":"_source_audit"' in proc.stdout  # the audit record was written
    assert '"emitted_row_count":1' in proc.stdout
