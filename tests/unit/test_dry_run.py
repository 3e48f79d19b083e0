"""The dry run: counts, sizes and load estimates from the source alone, and rates on disk."""

from __future__ import annotations

import json
import re
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cutover.dry_run import DryRunReport, TableEstimate, dry_run, duration, human_size, render
from cutover.errors import CutoverError
from cutover.rates import DEFAULT_RATE, Rate, load_rate, record_rate
from cutover.sources.base import SkippedObject
from cutover.sources.sqlite import open_sqlite

from tests.conftest import shared_fixture

RATE = Rate(1_000.0, "test rate: 1,000 rows/s")


def build(path: Path) -> Path:
    """orders 25,000 rows (keyed), events 5,000 rows (no key), a view and a trigger."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path)
    try:
        conn.executescript(
            """
            CREATE TABLE orders (id INTEGER PRIMARY KEY, note TEXT);
            CREATE TABLE events (at TEXT, what TEXT);
            CREATE VIEW recent AS SELECT * FROM events;
            CREATE TRIGGER stamp AFTER INSERT ON orders BEGIN SELECT 1; END;
            """
        )
        conn.executemany("INSERT INTO orders (note) VALUES (?)", [("n",)] * 25_000)
        conn.executemany("INSERT INTO events VALUES (?, ?)", [("2026-01-01", "x")] * 5_000)
        conn.commit()
    finally:
        conn.close()
    return path


def listing(folder: Path) -> dict[str, tuple[int, int]]:
    entries = {".": (0, folder.stat().st_mtime_ns)}
    entries.update({p.name: (p.stat().st_size, p.stat().st_mtime_ns) for p in folder.iterdir()})
    return entries


def columns(line: str) -> list[str]:
    return re.split(r"\s{2,}", line.strip())


def test_estimates_at_a_known_rate(tmp_path: Path) -> None:
    database = build(tmp_path / "source" / "app.sqlite")
    with open_sqlite(database) as source:
        report = dry_run(source, RATE)
        text = render(report)

    assert [(t.name, t.rows, t.seconds, t.primary_key) for t in report.tables] == [
        ("orders", 25_000, 25.0, ("id",)),
        ("events", 5_000, 5.0, ()),
    ]
    assert report.total_rows == 30_000 and report.total_seconds == 30.0
    assert report.without_primary_key == ("events",)
    lines = text.splitlines()
    assert lines[0] == (
        f"Dry run of {database.resolve()} (sqlite, {human_size(database.stat().st_size)})"
        ": read only, nothing loaded"
    )
    assert lines[1] == "Rate: 1,000 rows/s (test rate: 1,000 rows/s)"
    assert columns(lines[3]) == ["table", "rows", "size", "est. load", "note"]
    orders = next(line for line in lines if line.startswith("orders "))
    events = next(line for line in lines if line.startswith("events "))
    assert columns(orders)[:2] == ["orders", "25,000"] and columns(orders)[3:] == ["25 s"]
    assert columns(events)[:2] == ["events", "5,000"]
    assert columns(events)[3:] == ["5.0 s", "no primary key"]
    total = next(line for line in lines if line.startswith("total"))
    assert columns(total)[0] == "total (2 tables)"
    assert columns(total)[1] == "30,000" and columns(total)[3] == "30 s"
    assert "no primary key: 1 table(s) cannot be proven row by row: events" in lines
    assert lines[-1] == "Also in the source: 1 views, 1 triggers"


def test_render_aligns_columns_and_marks_unknown_sizes() -> None:
    report = DryRunReport(
        source="/data/legacy.sqlite",
        kind="sqlite",
        source_size_bytes=None,
        rate=RATE,
        tables=(
            TableEstimate("a", 3_600_000, None, 3_600.0, ("id",)),
            TableEstimate("a_much_longer_name", 90_000, 5 * 1024**3, 90.0, ()),
        ),
        skipped=(SkippedObject("docs", "virtual table", "virtual table (module fts5): ..."),),
    )
    lines = render(report).splitlines()
    assert lines[0] == "Dry run of /data/legacy.sqlite (sqlite, ?): read only, nothing loaded"
    body = lines[3:8]
    assert body[0].startswith("table") and set(body[1]) == {"-"}
    # The numbers are right-aligned: every row ends its "est. load" cell in the same column.
    ends = {
        line.index(cell) + len(cell)
        for line, cell in zip(body[2:4], ["1 h 00 min", "1 min 30 s"], strict=True)
    }
    assert len(ends) == 1
    assert columns(body[2]) == ["a", "3,600,000", "?", "1 h 00 min"]
    assert columns(body[3]) == [
        "a_much_longer_name",
        "90,000",
        "5.0 GiB",
        "1 min 30 s",
        "no primary key",
    ]
    total = next(line for line in lines if line.startswith("total"))
    assert columns(total) == ["total (2 tables)", "3,690,000", "?", "1 h 01 min"]
    assert "Not loaded as tables (1):" in lines
    assert "  docs (virtual table): virtual table (module fts5): ..." in lines


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0.0 s"),
        (0.0004, "< 0.1 s"),
        (0.94, "0.9 s"),
        (9.4, "9.4 s"),
        (42.4, "42 s"),
        (61, "1 min 01 s"),
        (3_599.6, "1 h 00 min"),
        (7_384, "2 h 03 min"),
    ],
)
def test_duration(seconds: float, text: str) -> None:
    assert duration(seconds) == text


@pytest.mark.parametrize(
    ("size", "text"),
    [
        (None, "?"),
        (0, "0 B"),
        (1023, "1023 B"),
        (4096, "4.0 KiB"),
        (1_536_000, "1.5 MiB"),
        (3 * 1024**4, "3.0 TiB"),
        (5 * 1024**5, "5,120.0 TiB"),
    ],
)
def test_human_size(size: int | None, text: str) -> None:
    assert human_size(size) == text


def test_default_rate_says_where_it_comes_from(tmp_path: Path) -> None:
    database = build(tmp_path / "source" / "app.sqlite")
    with open_sqlite(database) as source:
        text = render(dry_run(source, DEFAULT_RATE))
    assert DEFAULT_RATE.rows_per_second == 10_000
    assert f"Rate: 10,000 rows/s ({DEFAULT_RATE.origin})" in text.splitlines()
    assert "benchmark" in DEFAULT_RATE.origin and "no run was measured here" in DEFAULT_RATE.origin


def test_a_rate_must_be_positive(tmp_path: Path) -> None:
    database = build(tmp_path / "source" / "app.sqlite")
    with open_sqlite(database) as source, pytest.raises(ValueError, match="positive"):
        dry_run(source, Rate(0.0, "nothing"))


def test_dry_run_writes_nothing_beside_the_source(tmp_path: Path) -> None:
    database = build(tmp_path / "source" / "app.sqlite")
    before = listing(database.parent)
    with open_sqlite(database) as source:
        render(dry_run(source, RATE))
    assert listing(database.parent) == before


@pytest.mark.fixtures
def test_dry_run_of_a_real_fixture_lists_the_fts_family() -> None:
    path = shared_fixture("sqlite", "android_mmssms.db")
    before = listing(path.parent)
    with open_sqlite(path) as source:
        report = dry_run(source, DEFAULT_RATE)
    text = render(report)
    assert report.total_rows == 24
    assert report.without_primary_key == ("android_metadata", "rate", "attachments", "sr_pending")
    assert (
        "  words (virtual table): virtual table (module fts3): its content is in shadow "
        "tables / source table"
    ) in text.splitlines()
    assert "Also in the source: 0 views, 26 triggers" in text
    assert listing(path.parent) == before


# --- measured rates ---------------------------------------------------------------------


def test_rates_round_trip(tmp_path: Path) -> None:
    written = record_rate("coldchain", 4_016, 0.9, directory=tmp_path)
    stored = json.loads((tmp_path / "coldchain.json").read_text())

    assert stored["rows"] == 4_016 and stored["seconds"] == 0.9
    assert stored["rows_per_second"] == pytest.approx(4_462.22, abs=0.01)
    measured = datetime.fromisoformat(stored["measured_at"])
    assert measured.tzinfo is not None
    assert abs((datetime.now(UTC) - measured).total_seconds()) < 60
    assert load_rate("coldchain", directory=tmp_path) == written
    assert written.origin == (
        f"measured {measured.astimezone(UTC):%Y-%m-%d %H:%M} UTC: 4,016 rows in 0.9 s"
    )
    assert load_rate("other", directory=tmp_path) is None
    assert [p.name for p in tmp_path.iterdir()] == ["coldchain.json"]  # no partial file left


def test_rates_live_under_the_project_by_default(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("MELTANO_PROJECT_ROOT", str(tmp_path))
    record_rate("coldchain", 100, 2.0)
    assert (tmp_path / ".data" / "history" / "coldchain.json").is_file()
    rate = load_rate("coldchain")
    assert rate is not None and rate.rows_per_second == 50.0
    assert rate.origin.endswith("UTC: 100 rows in 2.0 s")


def test_bad_rates_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        record_rate("coldchain", 0, 1.0, directory=tmp_path)
    with pytest.raises(ValueError):
        record_rate("coldchain", 10, 0.0, directory=tmp_path)
    with pytest.raises(CutoverError, match="invalid system name"):
        record_rate("../escape", 10, 1.0, directory=tmp_path)
    (tmp_path / "broken.json").write_text("{not json")
    with pytest.raises(CutoverError, match=r"broken\.json is not a readable rate record"):
        load_rate("broken", directory=tmp_path)


def test_access_dry_run_counts_each_table_and_its_batches() -> None:
    """Seed 000's dry run on an Access file: per-table counts, estimated time, batches."""
    from cutover.sources.msaccess import open_msaccess

    with open_msaccess(shared_fixture("access", "nwind.mdb"), batch_size=500) as reader:
        report = dry_run(reader, RATE)
    text = render(report)
    rows = {t.name: t.rows for t in report.tables}
    assert rows["Order Details"] == 2_155 and rows["Umsätze"] == 830
    assert report.total_rows == 4_032 and report.kind == "msaccess"
    assert re.search(r"Order Details\s+2,155\s+\?\s+2.2 s\s+5 batches of 500", text), text
    assert "Batch size: 500 rows per read" in text
    assert "Also in the source: 22 views" in text  # the saved queries
