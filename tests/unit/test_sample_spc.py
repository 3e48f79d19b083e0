"""The SPC sample: a Django 4.2 db.sqlite3, deterministic, scalable, with the dirt it leaves."""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from datetime import datetime
from pathlib import Path

import pytest
from cutover.samples import generate_sample
from cutover.samples.spc import (
    CONTRACTS,
    MODEL,
    SPC_STAMPS,
    TABLE_ORDER,
    SpcGenerator,
    generate,
    parse_timestamp,
    pg_text,
)


def rows(path: Path, sql: str, params: tuple = ()) -> list[tuple]:
    with sqlite3.connect(f"{path.as_uri()}?mode=ro&immutable=1", uri=True) as conn:
        return conn.execute(sql, params).fetchall()


def manifest_of(path: Path) -> dict:
    return json.loads(path.with_suffix(".manifest.json").read_text())


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("s") / "spc.sqlite"
    generate(path)
    return path


def assert_every_reject_is_visible(path: Path, manifest: dict) -> None:
    """Each expected reject's row is in the file and shows its dirt, checked with SQL."""
    contracts = manifest["contract"]
    rejected = {(r["table"], str(r["key"])) for r in manifest["expected_rejects"]}
    for reject in manifest["expected_rejects"]:
        table, reason, detail = reject["table"], reject["reason"], reject["detail"]
        contract = contracts[table]
        (key,) = contract["primary_key"]
        column, _, value = detail.partition("=")

        def cell(name: str, table: str = table, key: str = key, reject: dict = reject) -> object:
            found = rows(
                path, f'select "{name}" from "{table}" where "{key}" = ?', (reject["key"],)
            )
            assert len(found) == 1, reject
            return found[0][0]

        if reason == "cast_failed":
            assert pg_text(cell(column))[:80] == value, reject
        elif reason == "required_null":
            stored = cell(column)
            assert stored is None or str(stored).strip() == "", reject
        elif reason == "too_long":
            limit = int(re.search(r"\((\d+)\)", contract["columns"][column]).group(1))
            assert len(cell(column)) > limit, reject
        elif reason == "out_of_range":
            pg_type = contract["columns"][column].split(" ")[0]
            numeric = re.fullmatch(r"numeric\((\d+),(\d+)\)", pg_type)
            bound = {"integer": 2**31, "smallint": 2**15}.get(pg_type)
            bound = 10 ** (int(numeric[1]) - int(numeric[2])) if numeric else bound
            assert abs(float(cell(column))) >= bound, reject
        elif reason == "check_failed":
            sql = contract["checks"][detail]
            found = rows(path, f'select {sql} from "{table}" where "{key}" = ?', (reject["key"],))
            assert found == [(0,)], reject
        elif reason in ("orphan_fk", "parent_rejected"):
            (link,) = [t for t in contract["foreign_keys"].values() if t.startswith(column + " ")]
            parent, parent_column = link.split(" -> ")[1].split(".")
            assert str(cell(column)) == value, reject
            present = rows(
                path,
                f'select count(*) from "{parent}" where "{parent_column}" = ?',
                (cell(column),),
            )
            if reason == "orphan_fk":
                assert present == [(0,)], reject
            else:
                assert present == [(1,)] and (parent, value) in rejected, reject
        elif reason == "duplicate_key":
            assert str(cell(column)).strip() == value, reject
            earlier = rows(
                path,
                f'select count(*) from "{table}" where trim("{column}") = ? and "{key}" < ?',
                (value, reject["key"]),
            )
            assert earlier[0][0] >= 1, reject
        else:
            pytest.fail(f"unexpected reason {reason}")


def assert_manifest_counts(path: Path, manifest: dict) -> None:
    for table, count in manifest["row_counts"].items():
        assert rows(path, f'select count(*) from "{table}"') == [(count,)], table
    for table, seq in manifest["sqlite_sequence"].items():
        assert rows(path, "select seq from sqlite_sequence where name = ?", (table,)) == [(seq,)]


def test_same_seed_same_bytes_other_seed_other_data(sample, tmp_path):
    again = tmp_path / "again.sqlite"
    generate(again)
    other = tmp_path / "other.sqlite"
    generate(other, seed=5)
    assert again.read_bytes() == sample.read_bytes()
    assert (
        again.with_suffix(".manifest.json").read_text()
        == sample.with_suffix(".manifest.json").read_text()
    )
    digest = [hashlib.sha256(p.read_bytes()).hexdigest() for p in (sample, other)]
    assert digest[0] != digest[1]


def test_default_size_is_a_few_thousand_measurements_and_rows_scale_them(sample, tmp_path):
    counts = manifest_of(sample)["row_counts"]
    assert counts["spc_quality_measurement"] == 3000
    assert 3000 <= sum(counts.values()) <= 4000
    bigger = tmp_path / "big.sqlite"
    result = generate_sample("spc", rows=12_000, output=bigger)
    big = manifest_of(bigger)
    assert big["measurements"] == 12_000 == result.row_counts["spc_quality_measurement"]
    assert rows(bigger, "select count(*) from spc_quality_measurement") == [(12_000,)]
    assert big["row_counts"]["spc_product"] > 3 * counts["spc_product"]
    assert_manifest_counts(bigger, big)
    assert_every_reject_is_visible(bigger, big)


def test_tables_and_columns_are_djangos(sample):
    tables = {n for (n,) in rows(sample, "select name from sqlite_master where type='table'")}
    assert tables == set(TABLE_ORDER) | {"sqlite_sequence"}
    user = rows(sample, "pragma table_info(auth_user)")
    assert [(c[1], c[2].lower(), c[3], c[5]) for c in user] == [
        ("id", "integer", 1, 1),
        ("password", "varchar(128)", 1, 0),
        ("last_login", "datetime", 0, 0),
        ("is_superuser", "bool", 1, 0),
        ("username", "varchar(150)", 1, 0),
        ("last_name", "varchar(150)", 1, 0),
        ("email", "varchar(254)", 1, 0),
        ("is_staff", "bool", 1, 0),
        ("is_active", "bool", 1, 0),
        ("date_joined", "datetime", 1, 0),
        ("first_name", "varchar(150)", 1, 0),
    ]
    for table in TABLE_ORDER:
        ((sql,),) = rows(sample, "select sql from sqlite_master where name = ?", (table,))
        if table == "django_session":
            assert '"session_key" varchar(40) NOT NULL PRIMARY KEY' in sql
        else:
            assert sql.startswith(
                f'CREATE TABLE "{table}" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT'
            )
    product = {c[1]: c[2] for c in rows(sample, "pragma table_info(spc_product)")}
    assert product["usl"] == product["lsl"] == "decimal"
    assert product["product_code"] == "varchar(50)"
    # 0003 added measured_by nullable, at the end (ALTER TABLE ADD COLUMN)
    measurement = rows(sample, "pragma table_info(spc_quality_measurement)")
    assert measurement[-1][1:4] == ("measured_by", "varchar(100)", 0)
    ((metadata_sql,),) = rows(
        sample, "select sql from sqlite_master where name = 'spc_quality_measurement'"
    )
    assert '"metadata" text NOT NULL CHECK ((JSON_VALID("metadata") OR "metadata" IS NULL))' in (
        metadata_sql
    )


def test_foreign_keys_are_deferrable_and_match_the_models(sample):
    expected = {
        ("auth_permission", "content_type_id", "django_content_type"),
        ("auth_group_permissions", "group_id", "auth_group"),
        ("auth_group_permissions", "permission_id", "auth_permission"),
        ("auth_user_groups", "user_id", "auth_user"),
        ("auth_user_groups", "group_id", "auth_group"),
        ("auth_user_user_permissions", "user_id", "auth_user"),
        ("auth_user_user_permissions", "permission_id", "auth_permission"),
        ("django_admin_log", "content_type_id", "django_content_type"),
        ("django_admin_log", "user_id", "auth_user"),
        ("spc_inspection_plan", "product_id", "spc_product"),
        ("spc_control_chart", "inspection_plan_id", "spc_inspection_plan"),
        ("spc_control_chart", "product_id", "spc_product"),
        ("spc_quality_measurement", "inspection_plan_id", "spc_inspection_plan"),
        ("spc_quality_measurement", "product_id", "spc_product"),
    }
    found = set()
    for table in TABLE_ORDER:
        for fk in rows(sample, f'pragma foreign_key_list("{table}")'):
            assert fk[4] == "id", (table, fk)
            found.add((table, fk[3], fk[2]))
    assert found == expected
    ((sql,),) = rows(sample, "select sql from sqlite_master where name = 'spc_quality_measurement'")
    assert (
        '"product_id" bigint NOT NULL REFERENCES "spc_product" ("id") DEFERRABLE INITIALLY DEFERRED'
        in sql
    )
    contract_fks = {(c.table, fk.column, fk.parent) for c in CONTRACTS for fk in c.foreign_keys}
    assert contract_fks == expected


def index_columns(path: Path, table: str) -> dict[str, tuple[list[str], bool, list[bool]]]:
    result = {}
    for _, name, unique, *_ in rows(path, f'pragma index_list("{table}")'):
        info = rows(path, f'pragma index_xinfo("{name}")')
        keys = [r for r in info if r[5]]
        result[name] = ([r[2] for r in keys], bool(unique), [bool(r[3]) for r in keys])
    return result


def test_indexes_have_djangos_names(sample):
    # Names as a real Django 4.2 migrate writes them (md5 of table and columns).
    assert index_columns(sample, "auth_permission") == {
        "auth_permission_content_type_id_2f476e4b": (["content_type_id"], False, [False]),
        "auth_permission_content_type_id_codename_01ab375a_uniq": (
            ["content_type_id", "codename"],
            True,
            [False, False],
        ),
    }
    assert "django_session_expire_date_a5c62663" in index_columns(sample, "django_session")
    assert index_columns(sample, "django_admin_log") == {
        "django_admin_log_content_type_id_c4bce8eb": (["content_type_id"], False, [False]),
        "django_admin_log_user_id_c564eba6": (["user_id"], False, [False]),
    }
    assert "auth_user_groups_user_id_group_id_94350c0c_uniq" in index_columns(
        sample, "auth_user_groups"
    )
    # The guide's Product indexes: product_code, and -created_at (descending).
    product = {
        columns[0]: (name, desc)
        for name, (columns, unique, desc) in index_columns(sample, "spc_product").items()
        if not unique
    }
    assert re.fullmatch(r"spc_product_product_[0-9a-f]{6}_idx", product["product_code"][0])
    assert re.fullmatch(r"spc_product_created_[0-9a-f]{6}_idx", product["created_at"][0])
    assert product["created_at"][1] == [True]
    measurement = index_columns(sample, "spc_quality_measurement")
    assert sorted(columns for columns, _, _ in measurement.values()) == [
        ["inspection_plan_id"],
        ["product_id"],
        ["product_id", "measured_at"],
        ["subgroup_number"],
    ]
    applied = {n for (n,) in rows(sample, "select name from django_migrations where app='spc'")}
    assert f"0002_product_{product['product_code'][0]}_and_more" in applied


def test_manifest_counts_and_sequences_match_the_file(sample):
    manifest = manifest_of(sample)
    assert set(manifest["row_counts"]) == set(TABLE_ORDER)
    assert_manifest_counts(sample, manifest)
    # deleted rows left the AUTOINCREMENT counters above max(id)
    for table in ("spc_product", "auth_user", "auth_group", "spc_quality_measurement"):
        ((top,),) = rows(sample, f'select max(id) from "{table}"')
        assert manifest["sqlite_sequence"][table] > top, table


def test_every_expected_reject_is_in_the_file_with_its_dirt(sample):
    manifest = manifest_of(sample)
    assert {r["reason"] for r in manifest["expected_rejects"]} == {
        "cast_failed",
        "required_null",
        "too_long",
        "out_of_range",
        "check_failed",
        "orphan_fk",
        "duplicate_key",
        "parent_rejected",
    }
    keys = [(r["table"], r["key"]) for r in manifest["expected_rejects"]]
    assert len(keys) == len(set(keys))
    assert_every_reject_is_visible(sample, manifest)


@pytest.mark.parametrize("seed", [4, 5, 11])
def test_computed_rejects_are_exactly_the_planted_dirt(seed):
    data = SpcGenerator(1000, seed).build()
    planted = {(r.table, r.key): r for r in data.planted}
    computed = {(r.table, r.key): r for r in data.rejects}
    for key, reject in planted.items():
        assert computed[key].reason == reject.reason, (key, computed[key], reject)
        assert computed[key].detail == reject.detail, (key, computed[key], reject)
    extra = [r for key, r in computed.items() if key not in planted]
    assert extra and all(r.reason == "parent_rejected" for r in extra), extra


def test_the_dirt_django_and_sqlite_leave_is_there(sample):
    stamps = [v for (v,) in rows(sample, "select measured_at from spc_quality_measurement")]
    shapes = {
        "django": r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{6})?$",
        "raw_utc_offset": r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}\+00:00$",
        "excel_kst": r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+09:00$",
    }
    for name, shape in shapes.items():
        assert any(re.match(shape, v) for v in stamps), name
    created = [v for (v,) in rows(sample, "select created_at from spc_quality_measurement")]
    assert any(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", v) for v in created)
    # decimals: REAL with float noise, INTEGER when whole, TEXT where no number fits
    kinds = dict(
        rows(
            sample,
            "select typeof(measurement_value), count(*) from spc_quality_measurement group by 1",
        )
    )
    assert kinds["real"] > 2000 and kinds["text"] >= 3
    values = [v for (v,) in rows(sample, "select measurement_value from spc_quality_measurement")]
    assert any(isinstance(v, float) and len(repr(v)) >= 17 for v in values), "float noise"
    assert "N/A" in values
    assert (
        dict(rows(sample, "select typeof(usl), count(*) from spc_product group by 1"))["integer"]
        > 0
    )
    # booleans 0/1, except the imported 'Y'
    flags = {
        v for (v,) in rows(sample, "select distinct is_within_spec from spc_quality_measurement")
    }
    assert flags == {0, 1, "Y"}
    assert rows(
        sample, "select count(*) from spc_quality_measurement where measured_by is null"
    ) == [(1,)]
    assert rows(sample, "select max(length(product_name)) from spc_product")[0][0] > 200
    assert (
        rows(sample, "select count(*) from spc_product where product_code <> trim(product_code)")[
            0
        ][0]
        == 1
    )


def test_korean_text_and_units_round_trip(sample):
    generator = SpcGenerator(3000, 4)
    data = generator.build()
    for table in ("spc_product", "auth_group", "spc_quality_measurement"):
        columns = MODEL[table].columns
        stored = rows(sample, f'select {", ".join(columns)} from "{table}" order by id')
        assert stored == [tuple(row[c] for c in columns) for row in data.rows[table]], table
    units = {u for (u,) in rows(sample, "select distinct unit from spc_product")}
    assert units & {"\u339c", "\u03bcm", "\u2103", "\u03a9", "N·m", "\u00c5"}
    assert (
        rows(sample, "select count(*) from spc_product where product_name glob '*[가-힣]*'")[0][0]
        > 30
    )
    assert rows(sample, "select count(*) from spc_quality_measurement where remarks like '%🔧%'")[
        0
    ][0]
    # Django's JSONField escapes Korean; the JSON still says it
    ((metadata,),) = rows(
        sample, "select metadata from spc_quality_measurement where metadata like '%line%' limit 1"
    )
    assert "\\u" in metadata and json.loads(metadata)["line"].endswith("라인")


def test_timestamp_samples_mean_what_the_manifest_says(sample):
    samples = manifest_of(sample)["timestamp_samples"]
    assert {s["format"] for s in samples} == set(SPC_STAMPS)
    for s in samples:
        expected = datetime.fromisoformat(s["expected_utc"])
        assert parse_timestamp(pg_text(s["stored"])) == expected, s
        key = "session_key" if s["table"] == "django_session" else "id"
        stored = rows(
            sample, f'select "{s["column"]}" from "{s["table"]}" where "{key}" = ?', (s["key"],)
        )
        assert stored == [(s["stored"],)], s


@pytest.mark.parametrize(
    ("stored", "meant"),
    [
        ("2024-03-05 14:22:10.123456", "2024-03-05 14:22:10.123456"),
        ("2024-03-05 14:22:10", "2024-03-05 14:22:10"),
        ("2024-03-05 14:22:10.5+00:00", "2024-03-05 14:22:10.500000"),
        ("2024-03-05T23:22:10+09:00", "2024-03-05 14:22:10"),
        ("2024-03-05T14:22:10.123Z", "2024-03-05 14:22:10.123000"),
        ("1709648530.123456", "2024-03-05 14:22:10.123456"),
        ("1709648530123", "2024-03-05 14:22:10.123000"),
        ("2024. 3. 5. 오후 2:22:10", None),
        ("2023-02-30 10:00:00", None),
        ("Invalid Date", None),
    ],
)
def test_timestamp_rule_follows_to_utc_timestamp(stored, meant):
    expected = datetime.fromisoformat(meant) if meant else None
    assert parse_timestamp(stored) == expected
