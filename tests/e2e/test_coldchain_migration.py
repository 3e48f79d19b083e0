"""The Cold Chain migration end to end: tap-sqlite → target-postgres → dbt → GX → Data Docs.

One real run of `meltano run migrate-coldchain` (session fixture) into a throwaway
embedded PostgreSQL; these tests read what it left in pg_catalog and in the tables.
"""

from __future__ import annotations

import json
import re
import sqlite3
from datetime import datetime
from decimal import Decimal

import pytest

pytestmark = pytest.mark.e2e

TABLES = ["alembic_version", "users", "clients", "drivers", "vehicles", "orders", "dispatches"]


def manifest_of(job) -> dict:
    return json.loads(job.sample.with_suffix(".manifest.json").read_text())


def source_rows(job, sql: str) -> list[tuple]:
    uri = f"{job.sample.as_uri()}?mode=ro&immutable=1"
    with sqlite3.connect(uri, uri=True) as conn:
        return conn.execute(sql).fetchall()


def dbt_contract(job, table: str) -> dict:
    manifest = json.loads(job.pipeline.manifest.read_text())
    return manifest["nodes"][f"model.cutover.coldchain__{table}"]


def test_job_prints_where_every_row_went(coldchain_job):
    out = coldchain_job.output
    assert "GATE PASSED: coldchain" in out
    counts = manifest_of(coldchain_job)["row_counts"]
    rejected = len(manifest_of(coldchain_job)["expected_rejects"])
    total = sum(counts.values())
    # e.g. "total  4,016  4,016  3,923  93  0  7/7 match  7/7 tables"
    match = re.search(
        r"total\s+([\d,]+)\s+([\d,]+)\s+([\d,]+)\s+([\d,]+)\s+(\d+)\s+7/7 match\s+7/7 tables",
        out,
    )
    assert match, out[-3000:]
    source, raw, final, rejects, unaccounted = (int(g.replace(",", "")) for g in match.groups())
    assert (source, raw, rejects, unaccounted) == (total, total, rejected, 0)
    assert final == total - rejected


def test_every_source_row_is_in_final_or_rejects(coldchain_job):
    counts = manifest_of(coldchain_job)["row_counts"]
    with coldchain_job.pipeline.connect() as conn:
        for table in TABLES:
            source = conn.execute(
                "select source_row_count from raw_coldchain._source_audit "
                "where table_name = %s and status = 'extracted'",
                (table,),
            ).fetchone()[0]
            raw = conn.execute(
                f"select count(*) from raw_coldchain.{table} where _sdc_deleted_at is null"
            ).fetchone()[0]
            final = conn.execute(f"select count(*) from coldchain_next.{table}").fetchone()[0]
            rejected = conn.execute(
                "select count(*) from coldchain_audit.rejects where source_table = %s", (table,)
            ).fetchone()[0]
            assert source == counts[table] == raw, table
            assert final + rejected == source, table


def test_rejects_hold_exactly_the_planted_dirt(coldchain_job):
    expected = {
        (r["table"], str(r["key"])): r for r in manifest_of(coldchain_job)["expected_rejects"]
    }
    with coldchain_job.pipeline.connect() as conn:
        rows = conn.execute(
            "select source_table, source_key, reason, reasons, source_row "
            "from coldchain_audit.rejects"
        ).fetchall()
    found = {}
    for table, key, reason, reasons, source_row in rows:
        assert reason == reasons[0]
        assert source_row, f"{table} {key}: the raw row must be kept with the reject"
        found[(table, str(next(iter(key.values()))))] = reasons
    assert set(found) == set(expected)
    for key, planted in expected.items():
        assert any(r.startswith(planted["reason"] + ":") for r in found[key]), (key, found[key])
        assert planted["detail"].split("=")[0] in " ".join(found[key]), (key, found[key])


def test_constraints_named_in_the_contracts_exist(coldchain_job):
    with coldchain_job.pipeline.connect() as conn:
        present = {
            (table, name): kind
            for table, name, kind in conn.execute(
                "select c.relname, con.conname, con.contype from pg_constraint con "
                "join pg_class c on c.oid = con.conrelid "
                "where c.relnamespace = 'coldchain_next'::regnamespace"
            )
        }
    kinds = {"primary_key": "p", "foreign_key": "f", "unique": "u", "check": "c"}
    for table in TABLES:
        node = dbt_contract(coldchain_job, table)
        for constraint in node["constraints"]:
            assert present.get((table, constraint["name"])) == kinds[constraint["type"]], (
                table,
                constraint["name"],
            )
        for column, spec in node["columns"].items():
            if any(c["type"] == "not_null" for c in spec["constraints"]):
                assert present.get((table, f"nn_{table}_{column}")) == "n", (table, column)
    assert sum(kind == "f" for kind in present.values()) == 6


def test_seed_indexes_and_fk_indexes_exist(coldchain_job):
    with coldchain_job.pipeline.connect() as conn:
        indexed = {
            (table, column): index
            for table, column, index in conn.execute(
                "select t.relname, a.attname, i.relname from pg_index x "
                "join pg_class t on t.oid = x.indrelid join pg_class i on i.oid = x.indexrelid "
                "join pg_attribute a on a.attrelid = t.oid and a.attnum = x.indkey[0] "
                "where t.relnamespace = 'coldchain_next'::regnamespace"
            )
        }
    # The seed's own list (004: "CREATE INDEX idx_clients_code ON clients(code)" ...).
    for table, column in [
        ("clients", "code"),
        ("vehicles", "code"),
        ("orders", "order_number"),
        ("dispatches", "dispatch_number"),
    ]:
        assert (table, column) in indexed, (table, column)
    for table, column in [
        ("orders", "client_id"),
        ("dispatches", "order_id"),
        ("dispatches", "vehicle_id"),
        ("dispatches", "driver_id"),
        ("drivers", "user_id"),
        ("vehicles", "driver_id"),
    ]:
        assert indexed.get((table, column)) == f"idx_{table}_{column}"


def test_identity_continues_past_the_migrated_maximum(coldchain_job):
    floor = manifest_of(coldchain_job)["sqlite_sequence"]["orders"]
    with coldchain_job.pipeline.connect() as conn:
        for table in TABLES[1:]:
            identity = conn.execute(
                "select attidentity from pg_attribute where attrelid = %s::regclass "
                "and attname = 'id'",
                (f"coldchain_next.{table}",),
            ).fetchone()[0]
            assert identity == "d", table
        with conn.transaction(force_rollback=True):
            top = conn.execute("select max(id) from coldchain_next.orders").fetchone()[0]
            new_id = conn.execute(
                "insert into coldchain_next.orders (order_number, client_id, pickup_address, "
                "delivery_address, status, created_at) select 'ORD-NEW-1', min(id), 'a', 'b', "
                "'pending', now() from coldchain_next.clients returning id"
            ).fetchone()[0]
            assert new_id == max(top, floor) + 1
            assert new_id > floor  # ids of orders deleted in SQLite are never reused
        with conn.transaction(force_rollback=True):
            top = conn.execute("select max(id) from coldchain_next.clients").fetchone()[0]
            new_id = conn.execute(
                "insert into coldchain_next.clients (code, name, is_active, created_at) "
                "values ('CL-NEW', '새 고객', true, now()) returning id"
            ).fetchone()[0]
            assert new_id == top + 1


def test_timestamps_in_every_stored_format_land_as_utc(coldchain_job):
    samples = manifest_of(coldchain_job)["timestamp_samples"]
    rejected = {(r["table"], str(r["key"])) for r in manifest_of(coldchain_job)["expected_rejects"]}
    formats_checked = set()
    with coldchain_job.pipeline.connect() as conn:
        for sample in samples:
            if (sample["table"], str(sample["key"])) in rejected:
                continue
            value = conn.execute(
                f'select "{sample["column"]}" from coldchain_next.{sample["table"]} where id = %s',
                (sample["key"],),
            ).fetchone()[0]
            assert value == datetime.fromisoformat(sample["expected_utc"]), sample
            formats_checked.add(sample["format"])
    assert formats_checked == {
        "sqlalchemy",
        "sqlite_now",
        "iso_t",
        "iso_kst_offset",
        "epoch_seconds",
    }


def test_cleaning_trims_codes_keeps_text_and_rounds_money(coldchain_job):
    source = {
        row[0]: row
        for row in source_rows(coldchain_job, "select id, code, name, is_active from clients")
    }
    prices = dict(source_rows(coldchain_job, "select id, price from orders"))
    notes = dict(source_rows(coldchain_job, "select id, notes from orders"))
    with coldchain_job.pipeline.connect() as conn:
        clients = conn.execute(
            "select id, code, name, is_active from coldchain_next.clients"
        ).fetchall()
        orders = conn.execute("select id, price, notes from coldchain_next.orders").fetchall()
    trimmed = 0
    for client_id, code, name, is_active in clients:
        raw_code, raw_name, raw_active = source[client_id][1:]
        assert code == raw_code.strip() and name == raw_name.strip()
        trimmed += raw_code != code or raw_name != name
        assert is_active is bool(raw_active)
    assert trimmed > 0, "the sample plants trailing whitespace"
    assert any(re.search("[가-힣]", name) for _, _, name, _ in clients)
    for order_id, price, note in orders:
        assert price == Decimal(str(round(float(prices[order_id]), 2))), order_id
        assert note == notes[order_id]  # free text, emoji and all, unchanged
    assert any(note and "🚚" in note for _, _, note in orders)


def test_data_docs_render_offline_with_the_results(coldchain_job, tmp_path):
    from cutover.docs_offline.browser_check import check_offline_render

    index = coldchain_job.pipeline.docs_index
    check = check_offline_render(index, tmp_path / "docs.png")
    assert check.blocked_requests == [] and check.failed_file_requests == []
    assert check.console_errors == [] and check.page_errors == []
    index_page, validation_page = check.pages[0], check.pages[1]
    assert index_page.facts["bootstrap_table_rows"] >= 7  # one row per Cold Chain suite
    assert index_page.facts["navbar_display"] == "flex"  # bootstrap's CSS applied
    assert validation_page.facts["bootstrap_table_rows"] > 0
    assert (tmp_path / "docs.png").stat().st_size > 20_000
    html = index.read_text()
    assert "cdn" not in html.lower() and "coldchain__orders" in html
