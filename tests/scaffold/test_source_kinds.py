"""`cutover scaffold` recognises a source by its URL scheme or its first bytes, and says
clearly what it cannot scaffold yet, instead of failing later or guessing by file name."""

from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path

import pytest
from cutover.errors import CutoverError
from cutover.scaffold.sources import detect_kind, plan_source

from tests.conftest import MELTANO, shared_fixture


def _sqlite(path: Path) -> Path:
    with sqlite3.connect(path) as conn:
        conn.execute("create table t (id integer primary key, name text)")
        conn.execute("insert into t (name) values ('a')")
    return path


def test_sqlite_is_recognised_by_content_not_name(tmp_path: Path) -> None:
    source = _sqlite(tmp_path / "app.data")  # no .sqlite/.db suffix
    kind = detect_kind(str(source))
    assert (kind.name, kind.extractor) == ("sqlite", "tap-sqlite")
    plan = plan_source("app", str(source))
    assert [t.name for t in plan.tables] == ["t"] and plan.extractor == "tap-sqlite"


def test_access_files_are_recognised() -> None:
    for name in ("nwind.mdb", "jackcess_testV2010.accdb"):
        kind = detect_kind(str(shared_fixture("access", name)))
        assert (kind.name, kind.extractor) == ("msaccess", "tap-msaccess")


def test_tap_msaccess_snapshots_are_recognised_by_content(tmp_path: Path) -> None:
    snapshot = tmp_path / "routing.export"  # any name: the first bytes decide
    snapshot.write_text('{"$snapshot": "tap-msaccess", "version": 1, "format": "Jet3"}\n')
    assert detect_kind(str(snapshot)).name == "msaccess"


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("mssql://sa@db:1433/Chinook", "mssql"),
        ("postgresql://app@old-host/ecoanp", "postgres"),
        ("postgres://app@old-host/ecoanp", "postgres"),
    ],
)
def test_server_sources_are_recognised_by_url(url: str, kind: str) -> None:
    assert detect_kind(url).name == kind


def test_postgres_urls_reach_their_planner() -> None:
    # The PostgreSQL planner's own URL rule answers, before any connection is tried.
    with pytest.raises(CutoverError, match="TAP_POSTGRES_PASSWORD"):
        plan_source("x", "postgresql://app:secret@old-host/ecoanp")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"CREATE TABLE t (id int);\n", "neither a SQLite nor an MS Access file"),
        (b"", "neither a SQLite nor an MS Access file"),
    ],
)
def test_other_files_are_refused_with_what_they_start_with(
    tmp_path: Path, content: bytes, message: str
) -> None:
    dump = tmp_path / "dump.sql"
    dump.write_bytes(content)
    with pytest.raises(CutoverError, match=message):
        detect_kind(str(dump))


def test_missing_file_and_unknown_scheme(tmp_path: Path) -> None:
    with pytest.raises(CutoverError, match="source file not found"):
        detect_kind(str(tmp_path / "nope.sqlite"))
    with pytest.raises(CutoverError, match="unknown source URL scheme 'oracle'"):
        detect_kind("oracle://scott@db/orcl")


def test_the_command_prints_one_line_and_exits_1(tmp_path: Path) -> None:
    dump = tmp_path / "dump.sql"
    dump.write_text("CREATE TABLE t (id int);\n")
    result = subprocess.run(
        [str(MELTANO.parent / "cutover"), "scaffold", str(dump), "--system", "x"],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert result.returncode == 1
    assert "neither a SQLite nor an MS Access file" in result.stderr
    assert "Traceback" not in result.stderr
