"""tap-msaccess against every file in the shared Access fixtures (real files, no mocks).

The tap runs as a subprocess; its Singer messages are parsed. Every fixture either
migrates with the values SOURCES.md documents or fails with one clear line naming the
table and column (tap-msaccess README "Outcome per fixture").

Executable: ``$TAP_MSACCESS_EXECUTABLE``, else the Meltano plugin venv
``<repo>/.meltano/extractors/tap-msaccess/venv/bin/tap-msaccess``, else ``tap-msaccess``
on PATH. Fixtures: ``$TAP_MSACCESS_FIXTURES``, else ``<repo>/../shared/fixtures/access``.
"""

from __future__ import annotations

import collections
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.fixtures  # needs ../shared/fixtures (skips when absent)

REPO_ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(
    os.environ.get("TAP_MSACCESS_FIXTURES") or REPO_ROOT.parent / "shared" / "fixtures" / "access"
)
MELTANO_TAP = REPO_ROOT / ".meltano" / "extractors" / "tap-msaccess" / "venv" / "bin"
AUDIT = "_source_audit"
TIMEOUT = 600

#: Every fixture and the outcome the tap must give with default settings.
EXPECTED_DEFAULT_OUTCOME = {
    "ASampleDatabase.accdb": "migrated",
    "jackcess_calcFieldTestV2010.accdb": "error",
    "jackcess_complexDataTestV2007.accdb": "error",
    "jackcess_delColTestV2000.mdb": "migrated",
    "jackcess_extDateTestV2019.accdb": "error",
    "jackcess_fixedNumericTestV2003.mdb": "migrated",
    "jackcess_oldDatesV2007.accdb": "migrated",
    "jackcess_testEmoticonsV2010.accdb": "migrated",
    "jackcess_testV1997.mdb": "migrated",
    "jackcess_testV2010.accdb": "migrated",
    "jackcess_unsupportedFieldsTestV2007.accdb": "error",
    "mdbreader_V2003_with-password.mdb": "migrated",
    "mdbreader_V2016_bigint.accdb": "migrated",
    "mdbreader_office-agile-4.2_encrypted.accdb": "error",
    "nwind.mdb": "migrated",
    "ucanaccess_badDb.accdb": "error",
    "ucanaccess_charsetGBK.mdb": "migrated",  # wrong text unless jet3_charset=GBK (README)
    "ucanaccess_corrupted.accdb": "migrated",
    "ucanaccess_utcTimezone.accdb": "migrated",
}


def _tap_executable() -> str | None:
    configured = os.environ.get("TAP_MSACCESS_EXECUTABLE")
    if configured:
        return configured
    if (MELTANO_TAP / "tap-msaccess").exists():
        return str(MELTANO_TAP / "tap-msaccess")
    return shutil.which("tap-msaccess")


@dataclass
class TapRun:
    """One finished tap run."""

    returncode: int
    stdout: str
    stderr: str
    messages: list[dict[str, Any]] = field(default_factory=list)

    @property
    def records(self) -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = collections.defaultdict(list)
        for message in self.messages:
            if message["type"] == "RECORD":
                out[message["stream"]].append(message["record"])
        return dict(out)

    @property
    def schemas(self) -> dict[str, dict[str, Any]]:
        return {m["stream"]: m for m in self.messages if m["type"] == "SCHEMA"}

    @property
    def audit(self) -> dict[str, dict[str, Any]]:
        return {r["table_name"]: r for r in self.records.get(AUDIT, [])}

    @property
    def error_line(self) -> str:
        lines = [ln for ln in self.stderr.splitlines() if ln.startswith("tap-msaccess: error:")]
        return lines[-1] if lines else ""


@pytest.fixture(scope="session")
def fixtures() -> Path:
    if not FIXTURES.is_dir():
        pytest.skip(f"shared Access fixtures not found at {FIXTURES} (set TAP_MSACCESS_FIXTURES)")
    return FIXTURES


@pytest.fixture(scope="session")
def tap() -> str:
    executable = _tap_executable()
    if executable is None:
        pytest.skip("tap-msaccess is not installed (set TAP_MSACCESS_EXECUTABLE)")
    return executable


def run_access_tap(
    tap: str, config_path: Path, config: dict[str, Any], env: dict[str, str] | None = None
) -> TapRun:
    """Run the tap once with `config` (written to `config_path`); its parsed output."""
    config_path.write_text(json.dumps(config), encoding="utf-8")
    done = subprocess.run(
        [tap, "--config", str(config_path)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env={**os.environ, **(env or {})},
        check=False,
    )
    run = TapRun(done.returncode, done.stdout, done.stderr)
    run.messages = [
        json.loads(line, parse_float=Decimal) for line in done.stdout.splitlines() if line
    ]
    return run


@pytest.fixture
def run_tap(tap: str, fixtures: Path, tmp_path: Path):
    def run(name: str, env: dict[str, str] | None = None, **config: Any) -> TapRun:
        config.setdefault("database", str(fixtures / name))
        return run_access_tap(tap, tmp_path / "config.json", config, env)

    return run


def _migrated(run: TapRun) -> None:
    assert run.returncode == 0, run.stderr[-3000:]
    for name, audit in run.audit.items():
        if audit["status"] == "extracted":
            assert audit["source_row_count"] == audit["emitted_row_count"], name
            assert len(run.records.get(name, [])) == audit["emitted_row_count"], name


def _failed(run: TapRun, *needles: str) -> str:
    assert run.returncode == 1, run.stderr[-3000:]
    line = run.error_line
    assert line, run.stderr[-3000:]
    for needle in needles:
        assert needle in line, (needle, line)
    assert not [m for m in run.messages if m["type"] == "RECORD"], "records before the error"
    return line


def _counts(run: TapRun) -> dict[str, int]:
    """Rows emitted per extracted table (empty tables included), checked against RECORDs."""
    counts = {
        name: audit["emitted_row_count"]
        for name, audit in run.audit.items()
        if audit["status"] == "extracted"
    }
    for name, count in counts.items():
        assert len(run.records.get(name, [])) == count, name
    return counts


# --- every fixture is covered -------------------------------------------------------------


def test_every_fixture_has_an_expected_outcome(fixtures: Path) -> None:
    present = sorted(p.name for p in fixtures.iterdir() if p.is_file())
    assert present == sorted(EXPECTED_DEFAULT_OUTCOME)


@pytest.mark.parametrize("name", sorted(EXPECTED_DEFAULT_OUTCOME))
def test_default_outcome(run_tap, name: str) -> None:
    run = run_tap(name)
    if EXPECTED_DEFAULT_OUTCOME[name] == "migrated":
        _migrated(run)
    else:
        _failed(run)


# --- migrated with the documented values --------------------------------------------------


def test_asample_database(run_tap) -> None:
    run = run_tap("ASampleDatabase.accdb")
    _migrated(run)
    rows = run.records["Asset Items"]
    assert len(rows) == 65
    assert Decimal("1995.5000") in {r["Cost"] for r in rows}
    assert '"Cost":1995.5000' in run.stdout  # exact decimal, scale kept
    assert all(r["Comments"] is None for r in rows)
    assert {r["Acquired"][:4] for r in rows} <= {"1997", "1998", "1999"}
    queries = {k for k, v in run.audit.items() if v["object_type"] == "query"}
    assert "~sq_ffrmAssetInventory" in queries
    assert all(run.audit[q]["status"] == "skipped" for q in queries)


def test_del_col(run_tap) -> None:
    run = run_tap("jackcess_delColTestV2000.mdb")
    _migrated(run)
    assert run.records["Table1"] == [
        {"id": 0, "id2": 2, "data": "foo", "data2": "foo2"},
        {"id": 3, "id2": 5, "data": "bar", "data2": "bar2"},
    ]


def test_fixed_numeric(run_tap) -> None:
    run = run_tap("jackcess_fixedNumericTestV2003.mdb")
    _migrated(run)
    (row,) = run.records["test"]
    assert row["col1"] == "some data"
    assert [row[f"col{i}"] for i in range(2, 8)] == [1, 0, 0, 4, -1, 1]
    prop = run.schemas["test"]["schema"]["properties"]["col2"]
    assert prop["type"] == ["number", "null"]
    assert (prop["x-access-precision"], prop["x-access-scale"]) == (18, 0)


def test_old_dates(run_tap) -> None:
    run = run_tap("jackcess_oldDatesV2007.accdb")
    _migrated(run)
    assert [r["DateField"][:10] for r in run.records["Table1"]] == [
        "1582-10-15",
        "1582-10-14",
        "1492-01-10",
        "1392-01-10",
    ]


def test_emoticons(run_tap) -> None:
    run = run_tap("jackcess_testEmoticonsV2010.accdb")
    _migrated(run)
    rows = run.records["data"]
    assert len(rows) == 80
    assert all(r["data"] == "a" + chr(r["key"]) + "a" for r in rows)
    assert {r["key"] for r in rows} == set(range(0x1F600, 0x1F650))


def test_v1997_and_v2010_twins(run_tap) -> None:
    old, new = run_tap("jackcess_testV1997.mdb"), run_tap("jackcess_testV2010.accdb")
    _migrated(old)
    _migrated(new)
    for run in (old, new):
        assert _counts(run) == {"Table1": 2, "Table2": 0, "Table3": 0, "Table4": 0}
        assert len(run.schemas["Table2"]["schema"]["properties"]) == 89
        assert run.schemas["Table4"]["schema"]["properties"]["data"]["x-access-type"] == (
            "Replication ID (GUID)"
        )
    assert old.records["Table1"] == new.records["Table1"]
    rows = {r["A"]: r for r in old.records["Table1"]}
    assert rows["abcdefg"]["G"] == "1974-09-21 00:00:00"
    assert rows["a"]["G"] == "1981-12-12 00:00:00"
    assert rows["abcdefg"]["H"] == Decimal("3.5000")
    assert rows["abcdefg"]["I"] is True


def test_password_jet4(run_tap) -> None:
    run = run_tap("mdbreader_V2003_with-password.mdb")
    _migrated(run)
    assert [(r["ID"], r["Data"]) for r in run.records["Table1"]] == [
        (1, "One"),
        (2, "Two"),
        (3, "Three"),
    ]


def test_bigint(run_tap) -> None:
    run = run_tap("mdbreader_V2016_bigint.accdb")
    _migrated(run)
    assert run.records["Table"] == [{"ID": 1, "Numeric": 42}]
    assert run.schemas["Table"]["schema"]["properties"]["Numeric"]["type"] == ["integer", "null"]


def test_encrypted_agile(run_tap) -> None:
    line = _failed(run_tap("mdbreader_office-agile-4.2_encrypted.accdb"), "encrypted")
    assert "set 'password'" in line
    line = _failed(run_tap("mdbreader_office-agile-4.2_encrypted.accdb", password="nope"))
    assert "wrong password" in line
    run = run_tap("mdbreader_office-agile-4.2_encrypted.accdb", password="password")
    _migrated(run)
    assert [(r["ID"], r["Data"]) for r in run.records["Table1"]] == [
        (1, "One"),
        (2, "Two"),
        (3, "Three"),
    ]


def test_nwind(run_tap) -> None:
    run = run_tap("nwind.mdb")
    _migrated(run)
    assert _counts(run) == {
        "Order Details": 2155,
        "Orders": 830,
        "Products": 77,
        "Shippers": 3,
        "Categories": 8,
        "Customers": 91,
        "Employees": 9,
        "Suppliers": 29,
        "Umsätze": 830,
    }
    records = run.records
    assert sum("\r\n" in (r["Address"] or "") for r in records["Customers"]) == 8
    assert sum("\r\n" in (r["ShipAddress"] or "") for r in records["Orders"]) == 47
    assert sum("\r\n" in (r["Address"] or "") for r in records["Suppliers"]) == 9
    cities = [r["ShipCity"] or "" for r in records["Orders"]]
    assert sum(c != c.strip() for c in cities) == 15
    freight = {r["OrderID"]: r["Freight"] for r in records["Orders"]}
    assert freight[10330] == Decimal("12.7500")
    assert '"Freight":12.7500' in run.stdout
    picture = records["Categories"][0]["Picture"]
    assert picture.startswith("\\x")
    assert b"Bitmap Image" in bytes.fromhex(picture[2:])
    assert run.schemas["Categories"]["schema"]["properties"]["Picture"]["contentEncoding"] == (
        "base16"
    )
    assert run.schemas["Order Details"]["key_properties"] == ["OrderID", "ProductID"]
    fks = [fk for a in run.audit.values() for fk in json.loads(a["foreign_keys"] or "[]")]
    assert len(fks) == 7
    orders_fk = next(fk for fk in fks if fk["name"] == "CustomersOrders")
    assert orders_fk["on_update_cascade"] is True
    assert run.audit["Umsätze"]["source_row_count"] == 830
    assert sum(a["object_type"] == "query" for a in run.audit.values()) == 22


def test_charset_gbk(run_tap) -> None:
    run = run_tap("ucanaccess_charsetGBK.mdb", jet3_charset="GBK")
    _migrated(run)
    assert run.records["table1"] == [{"ID": 2, "field1": "GBK编码"}]
    assert run.audit["table1"]["jet3_non_ascii_values"] == 0
    # Default cp1252: mojibake that cannot be detected, but it is counted and warned about.
    default = run_tap("ucanaccess_charsetGBK.mdb")
    _migrated(default)
    assert default.records["table1"] == [{"ID": 2, "field1": "GBK±àÂë"}]
    assert default.audit["table1"]["jet3_non_ascii_values"] == 1
    assert "jet3_charset" in default.stderr


def test_jet3_bytes_invalid_in_code_page(run_tap) -> None:
    # ASCII is strict about bytes >= 0x80: exercises the error path, which names table and
    # column (e.g. cp1252 for bytes 0x81 0x8D 0x8F 0x90 0x9D).
    line = _failed(run_tap("ucanaccess_charsetGBK.mdb", jet3_charset="ascii"))
    assert "'table1'" in line
    assert "'field1'" in line


def test_corrupted(run_tap) -> None:
    run = run_tap("ucanaccess_corrupted.accdb")
    _migrated(run)
    assert _counts(run) == {"NotNull": 3, "Daddy": 3, "Baby": 2, "UK": 2, "UKBaby": 2}
    notnull = {r["ID"]: r for r in run.records["NotNull"]}
    assert notnull[1]["notnull"] is None
    assert 34 in {r["fk1"] for r in run.records["NotNull"]}
    assert 34 in {r["fk1"] for r in run.records["Baby"]}
    assert [r["uk"] for r in run.records["UK"]] == [1, 1]
    assert json.loads(run.audit["UK"]["unique_indexes"]) == [
        {"name": "UK_uk_idx", "columns": ["uk"]}
    ]
    fks = [fk for a in run.audit.values() for fk in json.loads(a["foreign_keys"] or "[]")]
    assert len(fks) == 3  # MSysRelationships has 3 (mdb-schema --relations shows 2)
    assert {(fk["table"], fk["referenced_table"]) for fk in fks} >= {("UKBaby", "UK")}


@pytest.mark.parametrize("tz", ["UTC", "Europe/Rome", "Asia/Tokyo", "America/Los_Angeles"])
def test_utc_timezone(run_tap, tz: str) -> None:
    run = run_tap("ucanaccess_utcTimezone.accdb", env={"TZ": tz})
    _migrated(run)
    assert [r["f_datetime"] for r in run.records["t_datetime"]] == ["2017-03-26 02:00:00"]


# --- clear errors naming table and column, and the opt-in policies --------------------------


def test_calc_field(run_tap) -> None:
    line = _failed(run_tap("jackcess_calcFieldTestV2010.accdb"), "'Table1'", "calculated column")
    assert "'LastFirst'" in line
    run = run_tap("jackcess_calcFieldTestV2010.accdb", calculated_columns="omit")
    _migrated(run)
    rows = run.records["Table1"]
    assert len(rows) == 4  # the table header says 3
    assert run.audit["Table1"]["header_row_count"] == 3
    assert [(r["FirstName"], r["LastName"]) for r in rows] == [
        ("Bruce", "Wayne"),
        ("Bart", "Simpson"),
        ("John", "Doe"),
        ("Test", "User"),
    ]
    assert rows[0]["Salary"] == Decimal("1000000.0000")
    assert rows[0]["Popularity"] == Decimal("50.325000")
    omitted = json.loads(run.audit["Table1"]["omitted_columns"])
    assert sorted(omitted) == sorted(
        [
            "LastFirst",
            "LastFirstLen",
            "MonthlySalary",
            "IsRich",
            "AllNames",
            "WeeklySalary",
            "SalaryTest",
            "BoolTest",
            "DecimalTest",
            "FloatTest",
            "BigNumTest",
        ]
    )
    assert not set(omitted) & set(run.schemas["Table1"]["schema"]["properties"])


def test_ext_date(run_tap) -> None:
    _failed(run_tap("jackcess_extDateTestV2019.accdb"), "'Table1'", "'DateNormalCalc'")
    run = run_tap("jackcess_extDateTestV2019.accdb", calculated_columns="omit")
    _migrated(run)
    rows = run.records["Table1"]
    assert [r["ID"] for r in rows] == [1, 2, 3, 4, 5, 6, 9, 7, 8]
    by_id = {r["ID"]: r for r in rows}
    assert by_id[6]["DateExt"] == "2021-06-14 22:45:12.3456789"
    assert by_id[8]["DateExt"] == "0100-06-14 12:45:00.1234567"
    assert by_id[5]["DateExt"] is None
    assert by_id[9]["DateNormal"] == "1265-06-14 12:45:00"
    assert by_id[7]["DateNormal"] == "1765-06-14 12:45:00"
    assert by_id[8]["DateNormal"] == "0100-06-14 12:45:00"
    assert "DateNormalCalc" not in run.schemas["Table1"]["schema"]["properties"]


def test_complex_data(run_tap) -> None:
    line = _failed(run_tap("jackcess_complexDataTestV2007.accdb"), "'Table1'", "VersionHistory_")
    assert "complex column" in line
    run = run_tap("jackcess_complexDataTestV2007.accdb", on_unsupported="skip")
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.audit["Table1"]["status"] == "skipped"
    assert "VersionHistory_" in run.audit["Table1"]["skip_reason"]
    assert "Table1" not in run.records


def test_complex_attachments_via_reader(fixtures: Path) -> None:
    reader = pytest.importorskip("tap_msaccess.reader")
    path = fixtures / "jackcess_complexDataTestV2007.accdb"
    schema = reader.read_schema(path)
    table = schema.table("Table1")
    bad = {c.name for c in table.unsupported_columns}
    assert bad == {"VersionHistory_F5F8918F-0A3F-4DA9-AE71-184EE5012880", "multi-value-data"}
    rows = list(reader.iter_rows(path, "Table1", schema=schema, omit_columns=frozenset(bad)))
    files = {r["id"]: [(a["name"], a["data"]) for a in r["attach-data"]] for r in rows}
    assert [n for n, _ in files["row2"]] == ["test_data.txt", "test_data2.txt"]
    assert [n for n, _ in files["row4"]] == ["test_data2.txt"]
    assert files["row1"] == [] and files["row3"] == []
    assert files["row2"][0][1] == b"this is some test data for attachment."


def test_unsupported_fields(run_tap) -> None:
    line = _failed(run_tap("jackcess_unsupportedFieldsTestV2007.accdb"), "'Test'")
    assert "'UnknownVar' (type 0x46)" in line
    assert "'UnknownFix' (type 0x47)" in line


def test_bad_db(run_tap) -> None:
    _failed(run_tap("ucanaccess_badDb.accdb"), "'Tabella1'", "'eee'", "calculated column")
    run = run_tap("ucanaccess_badDb.accdb", calculated_columns="omit")
    _migrated(run)
    counts = _counts(run)
    assert counts == {
        "6666&&&&&": 1,
        "Father": 1,
        "noroman": 1,
        "Sample": 1,
        "Son": 1,
        "t t": 1,
        "T3": 1,
        "T4": 1,
        "Tab>\"e@ll/a'2;*,": 1,
        "Tabella1": 13,
        "Tabella2": 3,
        "Table1": 2,
        "TX": 0,
        "Πλήθος": 1,
        "??###": 1,
    }
    assert run.records["6666&&&&&"] == [{"ID": 1, "Campo1": ""}]  # '' is not NULL
    assert run.records["noroman"][0]["किआओ"] == "किआओ"
    assert run.records["Πλήθος"][0]["Campo1"] == "Πλήθος"
    assert run.records["noroman"][0]["123 किआओ"] == Decimal("13.7800")
    assert run.schemas["Tabella2"]["key_properties"] == ["a", "b"]
    run = run_tap("ucanaccess_badDb.accdb", exclude_tables=["Tabella1"])
    _migrated(run)
    assert run.audit["Tabella1"]["status"] == "deselected"


# --- settings, dependencies, one-line errors ---------------------------------------------------


def test_tables_selection(run_tap) -> None:
    run = run_tap("nwind.mdb", tables=["Ord*"], exclude_tables=["Orders"])
    _migrated(run)
    assert set(_counts(run)) == {"Order Details"}
    assert run.audit["Orders"]["status"] == "deselected"


def test_missing_file_is_one_line(run_tap, tmp_path: Path) -> None:
    run = run_tap("x", database=str(tmp_path / "nope.accdb"))
    assert run.returncode == 1
    assert run.stderr.strip().splitlines() == [
        f"tap-msaccess: error: database file not found: {tmp_path / 'nope.accdb'}"
    ]


def test_not_access_is_one_line(run_tap, tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.mdb"
    bogus.write_bytes(b"SQLite format 3\x00" + b"\x00" * 200)
    run = run_tap("x", database=str(bogus))
    assert run.returncode == 1
    assert "is not an MS Access database" in run.error_line
    assert "Traceback" not in run.stderr


def test_missing_node_modules(run_tap, tmp_path: Path) -> None:
    js = Path(__import__("tap_msaccess.runtime").runtime.js_dir())
    copy = tmp_path / "js"
    copy.mkdir()
    for name in ("package.json", "package-lock.json", "mdb_helper.mjs", "jet3_raw_hooks.mjs"):
        shutil.copy(js / name, copy / name)
    run = run_tap("nwind.mdb", env={"TAP_MSACCESS_JS_DIR": str(copy)})
    line = _failed(run, "tap-msaccess-install-js")
    assert "node_modules" in line


def test_missing_mdbtools(run_tap, tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    run = run_tap("nwind.mdb", env={"PATH": str(bin_dir)})
    _failed(run, "mdbtools is not installed", "apt-get install mdbtools")


def test_discover_exposes_keys_and_relationships(tap: str, fixtures: Path, tmp_path: Path) -> None:
    config = tmp_path / "c.json"
    config.write_text(json.dumps({"database": str(fixtures / "nwind.mdb")}), encoding="utf-8")
    done = subprocess.run(
        [tap, "--config", str(config), "--discover"],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=True,
    )
    catalog = json.loads(done.stdout)
    entry = next(s for s in catalog["streams"] if s["tap_stream_id"] == "Orders")
    assert entry["key_properties"] == ["OrderID"]
    fks = entry["schema"]["x-access-foreign-keys"]
    assert {fk["referenced_table"] for fk in fks} == {"Customers", "Employees", "Shippers"}
    assert entry["schema"]["properties"]["Freight"]["x-access-type"] == "Currency"


# --- the function-level reader API ----------------------------------------------------------


def test_reader_api(fixtures: Path) -> None:
    reader = pytest.importorskip("tap_msaccess.reader")
    path = fixtures / "nwind.mdb"
    assert reader.file_format(path) == "Jet3"
    assert "Umsätze" in reader.list_tables(path)
    schema = reader.read_schema(path)
    assert schema.table("Order Details").primary_key == ["OrderID", "ProductID"]
    assert len(schema.relationships) == 7
    freight = [r["Freight"] for r in reader.iter_rows(path, "Orders", batch_size=100)]
    assert len(freight) == 830
    assert Decimal("12.7500") in freight


def test_lvprop_matches_mdb_prop(fixtures: Path) -> None:
    """The in-process calculated-column detection agrees with mdbtools' mdb-prop."""
    if shutil.which("mdb-prop") is None:
        pytest.skip("mdbtools not installed")
    reader = pytest.importorskip("tap_msaccess.reader")
    for path in sorted(fixtures.iterdir()):
        if path.name.startswith("mdbreader_office-agile"):
            continue  # mdbtools cannot read encrypted files
        schema = reader.read_schema(path, with_keys=False)
        for table in schema.tables:
            if table.error:
                continue
            ours = {c.name for c in table.columns if c.calculated_expression}
            out = subprocess.run(
                ["mdb-prop", str(path), table.name],
                capture_output=True,
                text=True,
                check=False,
                env={**os.environ, "MDB_JET3_CHARSET": "CP1252"},
            ).stdout
            theirs, name = set(), None
            for line in out.splitlines():
                if line.startswith("name: "):
                    name = line[6:]
                elif line.startswith("\tExpression: ") and name not in (None, "(none)"):
                    theirs.add(name)
            assert ours == theirs, (path.name, table.name)


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q"]))


def _as_loaded(value: Any, kinds: set[str]) -> Any:
    """A record value as the loader will COPY it (numbers compared as numbers)."""
    if value is None or kinds in ({"integer"}, {"boolean"}):
        return value
    if "number" in kinds:
        return Decimal(str(value))
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


@pytest.mark.parametrize(
    "name", sorted(n for n, outcome in EXPECTED_DEFAULT_OUTCOME.items() if outcome == "migrated")
)
def test_batch_files_hold_what_records_hold(run_tap, name: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """BATCH mode (parquet typed from the schema, extract/singer-batches) carries every value
    the records carry, for every fixture the tap migrates."""
    import pyarrow.parquet as pq

    records = run_tap(name)
    batch_config = {
        "encoding": {"format": "parquet"},
        "storage": {"root": (tmp_path / "batches").as_uri()},
        "batch_size": 7,
    }
    batches = run_tap(name, batch_config=batch_config)
    assert records.returncode == batches.returncode == 0, batches.stderr[-2000:]
    files: dict[str, list[dict[str, Any]]] = collections.defaultdict(list)
    for message in batches.messages:
        if message["type"] == "BATCH":
            for url in message["manifest"]:
                files[message["stream"]].extend(
                    pq.read_table(url.removeprefix("file://")).to_pylist()
                )
    compared = 0
    for stream, rows in records.records.items():
        if stream == AUDIT:
            continue
        props = records.schemas[stream]["schema"]["properties"]
        kinds = {
            col: ({p["type"]} if isinstance(p["type"], str) else set(p["type"])) - {"null"}
            for col, p in props.items()
        }
        expected = [{k: _as_loaded(v, kinds[k]) for k, v in row.items()} for row in rows]
        found = [{k: _as_loaded(v, kinds[k]) for k, v in row.items()} for row in files[stream]]
        assert found == expected, stream
        compared += len(rows)
    assert set(files) == set(records.records) - {AUDIT}
    assert batches.records[AUDIT]  # the audit stream stays records
    assert compared > 0
