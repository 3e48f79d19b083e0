"""tap-msaccess snapshots: recorded from real fixtures, the tap gives the same messages.

``tap-msaccess-snapshot`` records a fixture; the tap then runs on the file and on the
snapshot, and their SCHEMA and RECORD messages must be the same, except the fields that
vary by run or describe the file read (time, run id, the audit's path/size/mtime).

Executables as in ``test_tap_msaccess.py`` (``$TAP_MSACCESS_EXECUTABLE``, the Meltano
plugin venv, PATH); the recorder is the ``tap-msaccess-snapshot`` next to the tap.
Fixtures: ``$TAP_MSACCESS_FIXTURES``, else ``<repo>/../shared/fixtures/access``.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.extract.test_tap_msaccess import (
    FIXTURES,
    TIMEOUT,
    TapRun,
    _tap_executable,
    run_access_tap,
)

pytestmark = pytest.mark.fixtures  # needs ../shared/fixtures (skips when absent)

#: Audit fields that describe the file that was read, or the run.
FILE_FIELDS = ("source_path", "source_size_bytes", "source_mtime")
RUN_FIELDS = ("started_at", "finished_at", "run_id")
PASSWORD_ENV = "TAP_MSACCESS_TEST_PASSWORD"


@pytest.fixture(scope="module")
def access_fixtures() -> Path:
    if not FIXTURES.is_dir():
        pytest.skip(f"shared Access fixtures not found at {FIXTURES} (set TAP_MSACCESS_FIXTURES)")
    return FIXTURES


@pytest.fixture(scope="module")
def tap_bin() -> str:
    executable = _tap_executable()
    if executable is None:
        pytest.skip("tap-msaccess is not installed (set TAP_MSACCESS_EXECUTABLE)")
    return executable


@pytest.fixture(scope="module")
def recorder(tap_bin: str) -> str:
    executable = Path(tap_bin).with_name("tap-msaccess-snapshot")
    if not executable.exists():
        pytest.skip(f"{executable} is missing: reinstall the tap-msaccess plugin")
    return str(executable)


def record(recorder: str, source: Path, out: Path, password: str | None = None) -> None:
    args = [recorder, str(source), str(out)]
    env = dict(os.environ)
    if password:
        args += ["--password-env", PASSWORD_ENV]
        env[PASSWORD_ENV] = password
    done = subprocess.run(
        args, capture_output=True, text=True, timeout=TIMEOUT, env=env, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]


def run(tap: str, tmp_path: Path, env: dict[str, str] | None = None, **config: Any) -> TapRun:
    config_path = tmp_path / f"config-{len(list(tmp_path.glob('config-*')))}.json"
    return run_access_tap(tap, config_path, config, env)


def comparable(result: TapRun) -> list[dict[str, Any]]:
    """SCHEMA and RECORD messages without what varies by run or names the file read."""
    out = []
    for message in result.messages:
        if message["type"] not in ("SCHEMA", "RECORD"):
            continue
        message = {k: v for k, v in message.items() if k not in ("time_extracted", "version")}
        if message["type"] == "RECORD" and message["stream"] == "_source_audit":
            record_ = message["record"]
            message["record"] = {
                k: v for k, v in record_.items() if k not in FILE_FIELDS + RUN_FIELDS
            }
        out.append(message)
    return out


CASES = {
    "nwind.mdb": ("Jet3", {}),
    "jackcess_delColTestV2000.mdb": ("Jet4", {}),
    "ucanaccess_corrupted.accdb": ("ACE12", {}),
    "ucanaccess_charsetGBK.mdb": ("Jet3", {"jet3_charset": "GBK"}),
}


@pytest.mark.parametrize("name", list(CASES))
def test_snapshot_gives_the_same_messages(
    name: str, access_fixtures: Path, tap_bin: str, recorder: str, tmp_path: Path
) -> None:
    fmt, settings = CASES[name]
    snap = tmp_path / f"{name}.jsonl"
    record(recorder, access_fixtures / name, snap)
    header = json.loads(snap.read_text(encoding="utf-8").splitlines()[0])
    assert (header["$snapshot"], header["version"], header["format"]) == ("tap-msaccess", 1, fmt)
    from_file = run(tap_bin, tmp_path, database=str(access_fixtures / name), **settings)
    from_snapshot = run(tap_bin, tmp_path, database=str(snap), **settings)
    assert from_file.returncode == 0, from_file.stderr[-3000:]
    assert from_snapshot.returncode == 0, from_snapshot.stderr[-3000:]
    expected = comparable(from_file)
    assert any(m["type"] == "RECORD" and m["stream"] != "_source_audit" for m in expected)
    assert comparable(from_snapshot) == expected
    audit = {r["table_name"]: r for r in from_snapshot.records["_source_audit"]}
    assert {a["source_path"] for a in audit.values()} == {str(snap)}


def test_gbk_snapshot_decodes_with_the_code_page_given_at_read_time(
    access_fixtures: Path, tap_bin: str, recorder: str, tmp_path: Path
) -> None:
    snap = tmp_path / "gbk.jsonl"
    record(recorder, access_fixtures / "ucanaccess_charsetGBK.mdb", snap)
    gbk = run(tap_bin, tmp_path, database=str(snap), jet3_charset="GBK")
    assert gbk.records["table1"][0]["field1"] == "GBK编码"
    default = run(tap_bin, tmp_path, database=str(snap))
    assert default.records["table1"][0]["field1"] == "GBK±àÂë"
    assert default.audit["table1"]["jet3_non_ascii_values"] == 1
    ascii_ = run(tap_bin, tmp_path, database=str(snap), jet3_charset="ascii")
    assert ascii_.returncode == 1
    assert "'table1'" in ascii_.error_line and "'field1'" in ascii_.error_line


def test_snapshot_needs_neither_node_packages_nor_mdbtools(
    access_fixtures: Path, tap_bin: str, recorder: str, tmp_path: Path
) -> None:
    snap = tmp_path / "nwind.jsonl"
    record(recorder, access_fixtures / "nwind.mdb", snap)
    empty = tmp_path / "empty"
    empty.mkdir()
    env = {"TAP_MSACCESS_JS_DIR": str(empty), "PATH": str(empty)}
    result = run(tap_bin, tmp_path, env=env, database=str(snap))
    assert result.returncode == 0, result.stderr[-3000:]
    assert len(result.records["Order Details"]) == 2155
    assert json.loads(result.audit["Order Details"]["primary_key"]) == ["OrderID", "ProductID"]


def test_encrypted_file_snapshot_opens_without_its_password(
    access_fixtures: Path, tap_bin: str, recorder: str, tmp_path: Path
) -> None:
    name = "mdbreader_office-agile-4.2_encrypted.accdb"
    snap = tmp_path / "agile.jsonl"
    done = subprocess.run(
        [recorder, str(access_fixtures / name), str(snap)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert done.returncode == 1
    assert done.stderr.strip().endswith(
        "encrypted: pass --password-env VAR with the password in $VAR"
    )
    assert not snap.exists()
    record(recorder, access_fixtures / name, snap, password="password")
    assert json.loads(snap.read_text(encoding="utf-8").splitlines()[0])["encrypted"] is True
    from_file = run(tap_bin, tmp_path, database=str(access_fixtures / name), password="password")
    from_snapshot = run(tap_bin, tmp_path, database=str(snap))
    assert from_file.returncode == from_snapshot.returncode == 0, from_snapshot.stderr[-3000:]
    assert comparable(from_snapshot) == comparable(from_file)
    assert len(from_snapshot.records["Table1"]) == 3


@pytest.mark.parametrize(
    ("header", "needle"),
    [
        (
            '{"$snapshot": "tap-msaccess", "version": 2, "format": "Jet3"}',
            "tap-msaccess snapshot version 2 is not supported (this tap reads version 1)",
        ),
        ('{"$snapshot": "tap-msaccess", "versi', "bad tap-msaccess snapshot header"),
        ('{"$snapshot": "other-tool", "version": 1}', "'$snapshot' must be 'tap-msaccess'"),
        ('{"$snapshot": "tap-msaccess", "version": 1, "format": "Jet9"}', "'Jet9'"),
    ],
)
def test_bad_snapshot_header_is_one_line(
    header: str, needle: str, tap_bin: str, tmp_path: Path
) -> None:
    snap = tmp_path / "access.mdb"  # the name does not matter, the first bytes do
    snap.write_text(header + "\n{}\n", encoding="utf-8")
    result = run(tap_bin, tmp_path, database=str(snap))
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("tap-msaccess: error: "), result.stderr
    assert needle in lines[0]
    assert "Traceback" not in result.stderr


def test_calculated_column_fails_the_same_way(
    access_fixtures: Path, tap_bin: str, recorder: str, tmp_path: Path
) -> None:
    name = "jackcess_calcFieldTestV2010.accdb"
    snap = tmp_path / "calc.jsonl"
    record(recorder, access_fixtures / name, snap)
    from_file = run(tap_bin, tmp_path, database=str(access_fixtures / name))
    from_snapshot = run(tap_bin, tmp_path, database=str(snap))
    assert from_file.returncode == from_snapshot.returncode == 1
    line = from_snapshot.error_line
    assert line == from_file.error_line
    assert "'Table1'" in line and "'LastFirst'" in line and "calculated column" in line
    assert not [m for m in from_snapshot.messages if m["type"] == "RECORD"]
    omitted = run(tap_bin, tmp_path, database=str(snap), calculated_columns="omit")
    assert omitted.returncode == 0, omitted.stderr[-3000:]
    assert len(omitted.records["Table1"]) == 4


def test_unreadable_columns_are_recorded_with_their_error(
    access_fixtures: Path, tap_bin: str, recorder: str, tmp_path: Path
) -> None:
    """complexData: the tap fails as on the file; the reader API can leave the column out."""
    reader = pytest.importorskip("tap_msaccess.reader")
    errors = pytest.importorskip("tap_msaccess.errors")
    name = "jackcess_complexDataTestV2007.accdb"
    snap = tmp_path / "complex.jsonl"
    record(recorder, access_fixtures / name, snap)
    from_file = run(tap_bin, tmp_path, database=str(access_fixtures / name))
    from_snapshot = run(tap_bin, tmp_path, database=str(snap))
    assert from_snapshot.returncode == 1
    assert from_snapshot.error_line == from_file.error_line

    def attachments(path: Path, omit: frozenset[str]) -> list[Any]:
        return [r["attach-data"] for r in reader.iter_rows(path, "Table1", omit_columns=omit)]

    history = next(
        c.name
        for c in reader.read_schema(snap).table("Table1").columns
        if c.name.startswith("VersionHistory_")
    )
    bad = frozenset({history, "multi-value-data"})
    assert attachments(snap, bad) == attachments(access_fixtures / name, bad)
    with pytest.raises(errors.UnsupportedDataError, match="VersionHistory_"):
        attachments(snap, frozenset({"multi-value-data"}))
