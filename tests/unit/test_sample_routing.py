"""The Routing ML sample (seed 000): an Access 97 file with CP949 text, as a tap-msaccess snapshot.

The snapshot is read back here, and by the real tap (with `jet3_charset: CP949`) when it is
installed: `$TAP_MSACCESS_EXECUTABLE`, the Meltano plugin venv, or PATH, as in
tests/extract/test_tap_msaccess.py.
"""

from __future__ import annotations

import collections
import json
import math
import os
import subprocess
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from cutover.samples import generate_sample
from cutover.samples.routing import (
    CONTRACTS,
    TABLES,
    RoutingGenerator,
    generate,
    manifest_path,
    parse_vector,
)

from tests.extract.test_tap_msaccess import TIMEOUT, _tap_executable

COUNTS = {
    "items": 1250,
    "processes": 120,
    "routing_groups": 40,
    "routings": 3450,
    "output_profiles": 300,
    "users": 25,
    "audit_logs": 2000,
    "model_metadata": 5,
}
DESIGNED = {  # (table, reason): rows, besides parent_rejected
    ("items", "required_null"): 3,
    ("items", "cast_failed"): 1,
    ("routings", "orphan_fk"): 4,
    ("processes", "duplicate_key"): 1,
    ("users", "check_failed"): 1,
    ("audit_logs", "orphan_fk"): 2,
}


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("s") / "routing.mdb.jsonl"
    generate(path)
    return path


@pytest.fixture(scope="module")
def manifest(sample: Path) -> dict[str, Any]:
    return json.loads(manifest_path(sample).read_text(encoding="utf-8"))


def read_snapshot(path: Path) -> tuple[dict, dict, dict[str, list[dict]], dict[str, int]]:
    """Header, describe, raw rows per Access table, and each table's `$end` count."""
    lines = path.read_text(encoding="utf-8").splitlines()
    header, described = json.loads(lines[0]), json.loads(lines[1])
    rows: dict[str, list[dict]] = {}
    ends: dict[str, int] = {}
    table = ""
    for line in lines[2:]:
        value = json.loads(line)
        if "$table" in value:
            table = value["$table"]
            rows[table] = []
        elif "$end" in value:
            ends[table] = value["$end"]["rows"]
        else:
            rows[table].append(value)
    return header, described, rows, ends


def text(raw: str | None) -> str | None:
    """Jet 3 text of the snapshot (one character per byte) decoded as CP949."""
    return None if raw is None else raw.encode("latin-1").decode("cp949")


def test_same_seed_same_bytes_other_seed_other_data(sample, tmp_path):
    again = tmp_path / "again.mdb.jsonl"
    generate(again)
    other = tmp_path / "other.mdb.jsonl"
    generate(other, seed=5)
    assert again.read_bytes() == sample.read_bytes()
    assert manifest_path(again).read_bytes() == manifest_path(sample).read_bytes()
    assert other.read_bytes() != sample.read_bytes()


def test_default_counts_are_the_guides_and_items_scale_the_sample(sample, manifest, tmp_path):
    assert manifest["row_counts"] == COUNTS
    _, described, rows, ends = read_snapshot(sample)
    by_final = {t.final: t.name for t in TABLES}
    for final, count in COUNTS.items():
        assert len(rows[by_final[final]]) == ends[by_final[final]] == count, final
    assert {t["name"]: t["header_row_count"] for t in described["tables"]} == {
        by_final[f]: c for f, c in COUNTS.items()
    }
    bigger = tmp_path / "big.mdb.jsonl"
    result = generate_sample("routing", rows=200, output=bigger)
    counts = json.loads(result.manifest.read_text(encoding="utf-8"))["row_counts"]
    assert result.manifest == tmp_path / "big.manifest.json"
    assert (counts["items"], counts["routings"], counts["audit_logs"]) == (200, 552, 320)
    assert counts["processes"] == 120 and counts["users"] == 25


def test_snapshot_has_the_helpers_forms_for_a_jet3_file(sample):
    header, described, rows, _ = read_snapshot(sample)
    assert (header["$snapshot"], header["version"], header["format"]) == ("tap-msaccess", 1, "Jet3")
    assert header["schema_info"]["tables"]["Items"]["primary_key"] == ["ID"]
    assert header["schema_info"]["tables"]["Users"]["unique_indexes"] == [
        ["Users_UserName_idx", ["UserName"]]
    ]
    assert [t["name"] for t in described["tables"]] == [t.name for t in TABLES]
    items = described["tables"][0]["columns"]
    assert items[0] == {
        "name": "ID",
        "type": "long",
        "size": 4,
        "fixedLength": True,
        "nullable": True,
        "autoLong": True,
        "autoUUID": False,
    }
    assert {c["name"]: (c["type"], c["size"]) for c in items}["ItemCode"] == ("text", 50)
    links = {
        (r["szObject"], r["szColumn"], r["szReferencedObject"]) for r in described["relationships"]
    }
    assert links == {
        ("Routings", "ItemID", "Items"),
        ("Routings", "RoutingGroupID", "RoutingGroups"),
        ("Routings", "ProcessID", "Processes"),
        ("OutputProfiles", "ItemID", "Items"),
        ("AuditLogs", "UserID", "Users"),
    }
    assert {r["grbit"] for r in described["relationships"]} == {2}  # not enforced
    item = rows["Items"][0]
    assert set(item["CreatedAt"]) == {"$ms"} and isinstance(item["CreatedAt"]["$ms"], int)
    weights = [r["UnitWeight"] for r in rows["Items"] if r["UnitWeight"] is not None]
    assert all(isinstance(w, str) and len(w.split(".")[1]) == 4 for w in weights)
    # Jet 3 text is handed over undecoded: bytes as U+0000..U+00FF, CP949 underneath
    names = [r["ItemName"] for r in rows["Items"]]
    assert all(max(map(ord, n)) <= 0xFF for n in names)
    assert all(not n.isascii() for n in names)
    assert text(names[0]).split()[0] in {
        "스테인리스",
        "일반구조용강",
        "기계구조용강",
        "알루미늄",
        "크롬몰리브덴강",
        "터프피치동",
    }


def test_manifest_rejects_are_as_designed(sample, manifest):
    rejects = manifest["expected_rejects"]
    found = collections.Counter((r["table"], r["reason"]) for r in rejects)
    assert {k: v for k, v in found.items() if k[1] != "parent_rejected"} == DESIGNED
    assert len({(r["table"], r["key"]) for r in rejects}) == len(rejects)
    _, _, rows, _ = read_snapshot(sample)
    item = {r["ID"]: r for r in rows["Items"]}
    bad_items = {r["key"] for r in rejects if r["table"] == "items"}
    for key in bad_items:
        code, embedding = item[key]["ItemCode"], item[key]["Embedding"]
        assert (code is None or not code.strip()) or len(json.loads(embedding)) == 63
    # routings: orphans point at nothing, and the rejected items take theirs along
    items, processes = set(item), {p["ID"] for p in rows["Processes"]}
    orphans = {r["ID"] for r in rows["Routings"] if r["ItemID"] not in items}
    orphans |= {r["ID"] for r in rows["Routings"] if r["ProcessID"] not in processes}
    assert orphans == {
        r["key"] for r in rejects if r["table"] == "routings" and r["reason"] == "orphan_fk"
    }
    assert len(orphans) == 4
    for table, final in (("Routings", "routings"), ("OutputProfiles", "output_profiles")):
        children = {r["ID"] for r in rows[table] if r["ItemID"] in bad_items}
        rejected = {
            r["key"] for r in rejects if (r["table"], r["reason"]) == (final, "parent_rejected")
        }
        assert children == rejected and children, table
    codes = collections.Counter(p["ProcessCode"].strip() for p in rows["Processes"])
    assert [code for code, n in codes.items() if n > 1] == [
        next(r["detail"] for r in rejects if r["reason"] == "duplicate_key").split("=")[1]
    ]
    roles = {u["ID"]: u["Role"] for u in rows["Users"]}
    assert [i for i, role in roles.items() if role not in ("admin", "engineer", "viewer")] == [
        next(r["key"] for r in rejects if r["reason"] == "check_failed")
    ]
    lost = {a["ID"] for a in rows["AuditLogs"] if a["UserID"] not in roles}
    assert lost == {r["key"] for r in rejects if r["table"] == "audit_logs"}
    assert set(manifest["contract"]) == {c.table for c in CONTRACTS}
    assert manifest["contract"]["items"]["columns"]["embedding"].startswith("vector(64)")


@pytest.mark.parametrize("seed", [4, 5, 11])
def test_computed_rejects_are_exactly_the_planted_dirt(seed):
    data = RoutingGenerator(300, seed).build()
    planted = {(r.table, r.key): r for r in data.planted}
    computed = {(r.table, r.key): r for r in data.rejects}
    for key, reject in planted.items():
        assert (computed[key].reason, computed[key].detail) == (reject.reason, reject.detail)
    extra = [r for key, r in computed.items() if key not in planted]
    assert extra and all(r.reason == "parent_rejected" for r in extra), extra


def test_vector_cast_wants_exactly_64_finite_numbers():
    good = json.dumps([0.5] * 64)
    assert parse_vector(good, 64) == (0.5,) * 64
    assert parse_vector(f"  {good} ", 64) is not None
    assert parse_vector(json.dumps([0.5] * 63), 64) is None
    assert parse_vector("[" + ", ".join(["1"] * 63 + ["NaN"]) + "]", 64) is None
    assert parse_vector(json.dumps([1e39] + [0] * 63), 64) is None
    assert parse_vector(json.dumps(["1"] * 64), 64) is None
    assert parse_vector("{}", 64) is None


def test_embeddings_find_their_family():
    """The app's nearest-neighbour search: an item's neighbour is of its (material, part)."""
    data = RoutingGenerator(1250, 4).build()
    items = [i for i in data.rows["Items"] if len(json.loads(i["Embedding"])) == 64]
    family = collections.Counter((i["MaterialCode"], i["PartType"]) for i in items)
    vectors = [json.loads(i["Embedding"]) for i in items]
    assert all(math.isclose(sum(v * v for v in vec), 1, abs_tol=1e-4) for vec in vectors)
    probes = [n for n, i in enumerate(items) if family[(i["MaterialCode"], i["PartType"])] > 1]
    for n in probes[::25]:
        nearest = max(
            (m for m in range(len(items)) if m != n),
            key=lambda m: sum(a * b for a, b in zip(vectors[n], vectors[m], strict=True)),
        )
        assert (items[nearest]["MaterialCode"], items[nearest]["PartType"]) == (
            items[n]["MaterialCode"],
            items[n]["PartType"],
        )


def test_some_text_needs_cp949_not_euc_kr(sample):
    _, _, rows, _ = read_snapshot(sample)
    found = []
    for table, table_rows in rows.items():
        for row in table_rows:
            for column, value in row.items():
                if isinstance(value, str) and "똠" in (text(value) or ""):
                    found.append((table, column))
                    with pytest.raises(UnicodeDecodeError):
                        value.encode("latin-1").decode("euc_kr")
    assert {("Users", "DisplayName"), ("Routings", "Remark"), ("AuditLogs", "Detail")} <= set(found)


# --- the real tap ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tap_bin() -> str:
    executable = _tap_executable()
    if executable is None:
        pytest.skip("tap-msaccess is not installed (set TAP_MSACCESS_EXECUTABLE)")
    return executable


def run_tap(tap: str, tmp_path: Path, **config: Any) -> tuple[int, list[dict], str]:
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    done = subprocess.run(
        [tap, "--config", str(path)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env=dict(os.environ),
        check=False,
    )
    messages = [json.loads(line, parse_float=Decimal) for line in done.stdout.splitlines() if line]
    errors = [ln for ln in done.stderr.splitlines() if ln.startswith("tap-msaccess: error:")]
    return done.returncode, messages, errors[-1] if errors else done.stderr[-3000:]


def as_record(value: Any) -> Any:
    """A generator value as the tap writes it (dates as text; numbers compared exactly)."""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, float):
        return Decimal(repr(value))
    return value


def test_the_tap_reads_it_with_cp949(sample, tap_bin, tmp_path):
    code, messages, error = run_tap(tap_bin, tmp_path, database=str(sample), jet3_charset="CP949")
    assert code == 0, error
    records: dict[str, list[dict]] = collections.defaultdict(list)
    for m in messages:
        if m["type"] == "RECORD":
            records[m["stream"]].append(m["record"])
    data = RoutingGenerator(1250, 4).build()
    for table in TABLES:
        expected = [{k: as_record(v) for k, v in row.items()} for row in data.rows[table.name]]
        assert records[table.name] == expected, table.name  # the file's order: by ID
    users = {u["UserName"]: u for u in records["Users"]}
    assert users["admin"]["DisplayName"] == "시스템관리자"
    assert "이똠" in {u["DisplayName"] for u in records["Users"]}
    schemas = {m["stream"]: m for m in messages if m["type"] == "SCHEMA"}
    assert all(schemas[t.name]["key_properties"] == ["ID"] for t in TABLES)
    fks = schemas["Routings"]["schema"]["x-access-foreign-keys"]
    assert {(fk["columns"][0], fk["referenced_table"], fk["enforced"]) for fk in fks} == {
        ("ItemID", "Items", False),
        ("RoutingGroupID", "RoutingGroups", False),
        ("ProcessID", "Processes", False),
    }
    assert schemas["Items"]["schema"]["x-access-format"] == "Jet3"
    audit = {r["table_name"]: r for r in records["_source_audit"]}
    for table in TABLES:
        assert audit[table.name]["source_row_count"] == len(records[table.name])
        assert audit[table.name]["jet3_charset"] == "cp949"


def test_euc_kr_fails_naming_table_and_column(sample, tap_bin, tmp_path):
    """'똠' is CP949's extension: EUC-KR (KS X 1001) has no such bytes."""
    code, _, error = run_tap(
        tap_bin, tmp_path, database=str(sample), jet3_charset="EUC-KR", tables=["Users"]
    )
    assert code == 1
    assert error.startswith("tap-msaccess: error: table 'Users' column 'DisplayName': ")
    assert "not valid euc_kr (bytes 8c" in error
