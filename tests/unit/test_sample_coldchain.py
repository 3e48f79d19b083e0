"""The Cold Chain sample: deterministic, scalable, and carrying the dirt real SQLite apps have."""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from pathlib import Path

import pytest
from cutover.samples.coldchain import TABLE_ORDER, generate


def rows(path: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(f"{path.as_uri()}?mode=ro&immutable=1", uri=True) as conn:
        return conn.execute(sql).fetchall()


def content_hash(path: Path) -> str:
    digest = hashlib.sha256()
    for table in TABLE_ORDER:
        for row in rows(path, f"select * from {table} order by 1"):
            digest.update(repr(row).encode())
    return digest.hexdigest()


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("s") / "coldchain.sqlite"
    generate(path)
    return path


def test_same_seed_same_data_other_seed_other_data(sample, tmp_path):
    again = tmp_path / "again.sqlite"
    generate(again)
    other = tmp_path / "other.sqlite"
    generate(other, seed=5)
    assert content_hash(again) == content_hash(sample)
    assert content_hash(other) != content_hash(sample)
    assert (
        again.with_suffix(".manifest.json").read_text()
        == sample.with_suffix(".manifest.json").read_text()
    )


def test_default_size_is_a_few_thousand_rows_and_scales(sample, tmp_path):
    counts = json.loads(sample.with_suffix(".manifest.json").read_text())["row_counts"]
    assert 3000 <= sum(counts.values()) <= 6000
    bigger = tmp_path / "big.sqlite"
    generate(bigger, orders=20_000)
    big_counts = json.loads(bigger.with_suffix(".manifest.json").read_text())["row_counts"]
    assert big_counts["orders"] == 20_000
    assert big_counts["dispatches"] > 9 * counts["dispatches"]  # about 84% of orders
    assert rows(bigger, "select count(*) from orders") == [(20_000,)]


def test_schema_is_what_sqlalchemy_and_alembic_leave(sample):
    tables = {name for (name,) in rows(sample, "select name from sqlite_master where type='table'")}
    assert set(TABLE_ORDER) <= tables and "sqlite_sequence" in tables
    assert rows(sample, "select version_num from alembic_version") == [("7f3c2a9d1b4e",)]
    # orders uses AUTOINCREMENT and deleted rows left the counter above max(id)
    ((seq,),) = rows(sample, "select seq from sqlite_sequence where name='orders'")
    assert seq > rows(sample, "select max(id) from orders")[0][0]


def test_the_dirt_is_there(sample):
    stamps = [
        v for (v,) in rows(sample, "select created_at from orders where created_at is not null")
    ]
    shapes = {
        "sqlalchemy": r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$",
        "sqlite_now": r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$",
        "iso_t": r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$",
        "iso_kst": r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+09:00$",
    }
    for name, shape in shapes.items():
        assert any(isinstance(v, str) and re.match(shape, v) for v in stamps), name
    assert any(isinstance(v, int) for v in stamps), "epoch seconds stored as integers"
    assert set(v for (v,) in rows(sample, "select distinct is_active from clients")) <= {0, 1}
    assert rows(sample, "select count(*) from clients where code <> trim(code)")[0][0] > 0
    assert rows(sample, "select count(*) from clients where name is null")[0][0] >= 1
    assert (
        rows(
            sample,
            "select count(*) from orders o where not exists "
            "(select 1 from clients c where c.id = o.client_id)",
        )[0][0]
        >= 3
    )
    assert (
        rows(
            sample,
            "select count(*) from (select trim(code) from clients group by 1 having count(*) > 1)",
        )[0][0]
        >= 1
    )
    assert (
        rows(sample, "select count(*) from vehicles where typeof(capacity_kg) = 'text'")[0][0] == 1
    )
    assert rows(sample, "select count(*) from clients where name glob '*[가-힣]*'")[0][0] > 0
    assert rows(sample, "select count(*) from orders where notes like '%🚚%'")[0][0] > 0


def test_manifest_names_a_reason_for_every_planted_reject(sample):
    manifest = json.loads(sample.with_suffix(".manifest.json").read_text())
    reasons = {r["reason"] for r in manifest["expected_rejects"]}
    assert reasons == {
        "required_null",
        "orphan_fk",
        "cast_failed",
        "check_failed",
        "duplicate_key",
        "parent_rejected",
    }
    keys = [(r["table"], r["key"]) for r in manifest["expected_rejects"]]
    assert len(keys) == len(set(keys))
