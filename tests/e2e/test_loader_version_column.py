"""A source table with a column named `version` (iMessage's message.version, an ORM's
optimistic-lock column) loads and reloads: meltanolabs-target-postgres 0.8.1 named its own
soft-delete parameter `version` and failed on such tables; our loader entry point fixes it
(extract/target-postgres/cutover_target_postgres/activate_version.py)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.conftest import database_on, make_pipeline

pytestmark = pytest.mark.e2e


def test_table_with_a_version_column_loads_twice(pg_server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    source = tmp_path / "app.sqlite"
    with sqlite3.connect(source) as conn:
        conn.execute("create table notes (id integer primary key, body text, version integer)")
        conn.executemany(
            "insert into notes (body, version) values (?, ?)", [("a", 1), ("b", 2), ("c", 7)]
        )
    pipeline = make_pipeline(database_on(pg_server, "version_column"), tmp_path / "work")
    pipeline.env["TAP_SQLITE__COLDCHAIN_DATABASE"] = str(source)
    for run in (1, 2):  # the second run soft-deletes rows of older versions: the UPDATE path
        if run == 2:
            with sqlite3.connect(source) as conn:
                conn.execute("delete from notes where body = 'b'")
        result = pipeline.meltano("run", "tap-sqlite--coldchain", "target-postgres")
        assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    with pipeline.connect() as conn:
        live = conn.execute(
            "select body, version from raw_coldchain.notes where _sdc_deleted_at is null "
            "order by id"
        ).fetchall()
        gone = conn.execute(
            "select body from raw_coldchain.notes where _sdc_deleted_at is not null"
        ).fetchall()
    assert live == [("a", 1), ("c", 7)]
    assert gone == [("b",)]
