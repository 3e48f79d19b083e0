"""SPC (seed 001) and LawFirm AI (seed 003): scaffolded from their samples, refined by hand
(transform/models/*/spc, */lawfirm), run end to end with their own Meltano jobs. The
migration must reject exactly the rows each sample planted, for the reason its manifest
gives, keep the indexes each guide lists, and pass the gate."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest
from cutover.samples import generate_sample

from tests.conftest import JobRun, database_on, make_pipeline

pytestmark = pytest.mark.e2e

# The indexes each guide asks for: (table, leading column).
GUIDE_INDEXES = {
    "spc": [("spc_product", "product_code"), ("spc_product", "created_at")],
    "lawfirm": [
        ("sessions", "user_id"),
        ("sessions", "updated_at"),
        ("messages", "session_id"),
        ("messages", "timestamp"),
    ],
}


@pytest.fixture(scope="module", params=sorted(GUIDE_INDEXES))
def job(request, pg_server, tmp_path_factory) -> JobRun:
    system = request.param
    sample = tmp_path_factory.mktemp(f"{system}-sample") / f"{system}.sqlite"
    generate_sample(system, output=sample)
    pipeline = make_pipeline(
        database_on(pg_server, f"reference_{system}"), tmp_path_factory.mktemp(f"{system}-job")
    )
    pipeline.env[f"TAP_SQLITE__{system.upper()}_DATABASE"] = str(sample)
    result = pipeline.meltano("run", f"migrate-{system}")
    run = JobRun(pipeline, result, sample)
    if result.returncode != 0:
        pytest.fail(f"migrate-{system} failed ({result.returncode}):\n{run.output[-6000:]}")
    return run


def _manifest(job: JobRun) -> dict:
    return json.loads(Path(job.sample).with_suffix(".manifest.json").read_text())


def test_gate_passes_with_every_row_accounted_for(job: JobRun) -> None:
    system = job.sample.stem
    manifest = _manifest(job)
    total = sum(manifest["row_counts"].values())
    rejected = len(manifest["expected_rejects"])
    tables = len(manifest["row_counts"])
    assert f"GATE PASSED: {system}" in job.output
    match = re.search(
        rf"total\s+([\d,]+)\s+([\d,]+)\s+([\d,]+)\s+([\d,]+)\s+(\d+)\s+"
        rf"{tables}/{tables} match\s+{tables}/{tables} tables",
        job.output,
    )
    assert match, job.output[-3000:]
    source, raw, final, rejects, unaccounted = (int(g.replace(",", "")) for g in match.groups())
    assert (source, raw, final, rejects, unaccounted) == (
        total,
        total,
        total - rejected,
        rejected,
        0,
    )


def test_rejects_are_exactly_the_planted_dirt(job: JobRun) -> None:
    system = job.sample.stem
    expected = {(r["table"], str(r["key"])): r for r in _manifest(job)["expected_rejects"]}
    with job.pipeline.connect() as conn:
        rows = conn.execute(
            f"select source_table, source_key, reasons, source_row from {system}_audit.rejects"
        ).fetchall()
    found = {}
    for table, key, reasons, source_row in rows:
        assert source_row, f"{table} {key}: the raw row is kept with the reject"
        found[(table, str(next(iter(key.values()))))] = reasons
    assert sorted(found) == sorted(expected)
    for key, planted in expected.items():
        first = found[key][0]
        assert first.startswith(planted["reason"] + ":"), (key, found[key], planted)
        assert planted["detail"].split("=")[0] in first, (key, found[key], planted)


def test_the_guides_indexes_exist(job: JobRun) -> None:
    system = job.sample.stem
    with job.pipeline.connect() as conn:
        leading = set(
            conn.execute(
                "select t.relname, a.attname from pg_index x "
                "join pg_class t on t.oid = x.indrelid "
                "join pg_attribute a on a.attrelid = t.oid and a.attnum = x.indkey[0] "
                "where t.relnamespace = %s::regnamespace",
                (f"{system}_next",),
            ).fetchall()
        )
    for index in GUIDE_INDEXES[system]:
        assert index in leading, index


def test_json_columns_are_jsonb_with_the_documents_intact(job: JobRun) -> None:
    """The hand refinement turned TEXT JSON into jsonb: documents round-trip, and the
    invalid ones are rejected (previous test), not stored as text."""
    system = job.sample.stem
    table = {"spc": "spc_quality_measurement", "lawfirm": "messages"}[system]
    key = {"spc": "id", "lawfirm": "message_id"}[system]
    with job.pipeline.connect() as conn:
        data_type = conn.execute(
            "select format_type(atttypid, atttypmod) from pg_attribute "
            "where attrelid = %s::regclass and attname = 'metadata'",
            (f"{system}_next.{table}",),
        ).fetchone()[0]
        final = dict(
            conn.execute(
                f'select {key}::text, metadata from {system}_next."{table}" '
                "where metadata is not null"
            ).fetchall()
        )
    assert data_type == "jsonb"
    with sqlite3.connect(f"{Path(job.sample).as_uri()}?mode=ro&immutable=1", uri=True) as src:
        source = {
            str(k): json.loads(v)
            for k, v in src.execute(f'select {key}, metadata from "{table}"')
            if str(k) in final
        }
    assert final and len(source) == len(final)
    assert all(final[k] == source[k] for k in final)
