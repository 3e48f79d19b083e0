"""Routing ML (seed 000) end to end: its Access 97 snapshot (CP949 text) through
tap-msaccess, target-postgres, the refined dbt models and the gate, with the guide's
checks: per-table counts, FK violations and blank item codes rejected (exactly the planted
ones), the items(material_code, part_type) index, and similar-item search on the
embedding through the HNSW index."""

from __future__ import annotations

import json
import re
import struct
from pathlib import Path

import pytest
from cutover.samples import generate_sample
from cutover.sources.msaccess import open_msaccess

from tests.conftest import JobRun, database_on, make_pipeline

pytestmark = pytest.mark.e2e

BATCH_SIZE = 500  # the guide's MIGRATION_BATCH_SIZE tuning, through the tap's setting


@pytest.fixture(scope="module")
def job(pg_server, tmp_path_factory) -> JobRun:  # type: ignore[no-untyped-def]
    sample = tmp_path_factory.mktemp("routing-sample") / "routing.mdb.jsonl"
    generate_sample("routing", output=sample)
    pipeline = make_pipeline(
        database_on(pg_server, "reference_routing"), tmp_path_factory.mktemp("routing-job")
    )
    pipeline.env["TAP_MSACCESS__ROUTING_DATABASE"] = str(sample)
    pipeline.env["TAP_MSACCESS__ROUTING_BATCH_SIZE"] = str(BATCH_SIZE)
    result = pipeline.meltano("run", "migrate-routing")
    run = JobRun(pipeline, result, sample)
    if result.returncode != 0:
        pytest.fail(f"migrate-routing failed ({result.returncode}):\n{run.output[-6000:]}")
    return run


def _manifest(job: JobRun) -> dict:
    return json.loads(job.sample.with_name("routing.manifest.json").read_text())


def test_gate_passes_with_every_row_accounted_for(job: JobRun) -> None:
    manifest = _manifest(job)
    total = sum(manifest["row_counts"].values())
    rejected = len(manifest["expected_rejects"])
    assert (manifest["row_counts"]["items"], manifest["row_counts"]["routings"]) == (1250, 3450)
    assert "GATE PASSED: routing (8 tables)" in job.output
    match = re.search(
        r"total\s+([\d,]+)\s+([\d,]+)\s+([\d,]+)\s+([\d,]+)\s+(\d+)\s+8/8 match\s+8/8 tables",
        job.output,
    )
    assert match, job.output[-3000:]
    counts = tuple(int(g.replace(",", "")) for g in match.groups())
    assert counts == (total, total, total - rejected, rejected, 0)


def test_rejects_are_exactly_the_planted_ones(job: JobRun) -> None:
    """The guide's verification: routings whose item is missing (FK violations) and items
    with a NULL or blank item_code, plus the other planted faults, each with its reason."""
    expected = {(r["table"], str(r["key"])): r for r in _manifest(job)["expected_rejects"]}
    reasons = {r["reason"] for r in expected.values()}
    assert {"orphan_fk", "required_null", "parent_rejected"} <= reasons
    with job.pipeline.connect() as conn:
        rows = conn.execute(
            "select source_table, source_key, reasons, source_row from routing_audit.rejects"
        ).fetchall()
    found = {}
    for table, key, why, source_row in rows:
        assert source_row, f"{table} {key}: the raw row is kept with the reject"
        found[(table, str(next(iter(key.values()))))] = why
    assert sorted(found) == sorted(expected)
    for key, planted in expected.items():
        assert found[key][0].startswith(planted["reason"] + ":"), (key, found[key], planted)


def test_the_guides_constraints_and_indexes(job: JobRun) -> None:
    with job.pipeline.connect() as conn:
        constraints = dict(
            conn.execute(
                "select conname, pg_get_constraintdef(oid) from pg_constraint "
                "where connamespace = 'routing_next'::regnamespace"
            ).fetchall()
        )
        indexes = dict(
            conn.execute(
                "select indexname, indexdef from pg_indexes where schemaname = 'routing_next'"
            ).fetchall()
        )
        item_code_required = conn.execute(
            "select attnotnull from pg_attribute "
            "where attrelid = 'routing_next.items'::regclass and attname = 'item_code'"
        ).fetchone()[0]
    assert "FOREIGN KEY (item_id) REFERENCES routing_next.items(id)" in constraints.get(
        "fk_routings_item_id", ""
    )
    assert item_code_required
    assert "btrim" in constraints["ck_items_item_code_not_blank"]
    assert indexes["idx_items_material_part"].endswith("(material_code, part_type)")
    assert "USING hnsw (embedding vector_cosine_ops)" in indexes["idx_items_embedding_hnsw"]


def test_similar_item_search_uses_the_hnsw_index(job: JobRun) -> None:
    query = (
        "select id, material_code, part_type from routing_next.items "
        "order by embedding <=> (select embedding from routing_next.items where id = %s) "
        "limit 6"
    )
    with job.pipeline.connect() as conn, conn.transaction():
        # 1,246 rows: the planner would rather sort them all; forbid that to see the
        # plan an application gets on a real-sized table.
        conn.execute("set local enable_seqscan = off")
        plan = "\n".join(r[0] for r in conn.execute("explain " + query, (1,)).fetchall())
        probe = conn.execute(
            "select id, material_code, part_type from routing_next.items where id = 1"
        ).fetchone()
        neighbours = conn.execute(query, (1,)).fetchall()
    assert "Index Scan using idx_items_embedding_hnsw" in plan, plan
    assert neighbours[0] == probe  # an item is nearest to itself
    same_family = [n for n in neighbours[1:] if n[1:] == probe[1:]]
    assert len(same_family) >= 4, (probe, neighbours)  # embeddings cluster by family


def test_korean_text_and_vectors_are_the_sources(job: JobRun) -> None:
    """CP949 text decoded once, correctly (including 똠, which EUC-KR lacks), and every
    embedding read back equals the source's array as float4."""
    with open_msaccess(job.sample, jet3_charset="CP949") as reader:
        source = {
            row[0]: row[1:] for row in reader.iter_rows("Items", ["ID", "ItemName", "Embedding"])
        }
        users = {r[0]: r[1] for r in reader.iter_rows("Users", ["ID", "DisplayName"])}
    with job.pipeline.connect() as conn:
        items = conn.execute(
            "select id, item_name, embedding::real[]::float8[] from routing_next.items"
        ).fetchall()
        display = dict(conn.execute("select id, display_name from routing_next.users"))
    assert len(items) == len(source) - 4  # the 4 planted item rejects
    for key, name, embedding in items:
        source_name, source_embedding = source[key]
        assert name == source_name.strip()
        single = [
            struct.unpack("<f", struct.pack("<f", x))[0] for x in json.loads(source_embedding)
        ]
        assert embedding == single, key
    assert any(re.search("[가-힣]", name or "") for _, name, _ in items)
    assert "이똠" in display.values()
    assert all(display[k] == v for k, v in users.items() if k in display)


def test_dry_run_batches_and_run_log(job: JobRun) -> None:
    """The guide's dry run (per-table counts, estimated time) and its tuning (batch size),
    and the per-run log file of the job."""
    done = job.pipeline.cutover("dry-run", "routing")
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"Items\s+1,250\s+.*3 batches of 500", done.stdout), done.stdout
    assert re.search(r"Routings\s+3,450\s+.*7 batches of 500", done.stdout), done.stdout
    assert "Batch size: 500 rows per read" in done.stdout
    logs = Path(job.pipeline.env["CUTOVER_LOG_DIR"])
    run_logs = sorted(logs.glob("migrate-routing_*.log"))
    assert run_logs, sorted(p.name for p in logs.iterdir())
    text = run_logs[-1].read_text()
    assert "batches of 500" in text  # the tap's per-table line
    assert "GATE PASSED: routing" in text
