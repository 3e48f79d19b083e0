"""Type mapping (cutover.scaffold.sqlite_types) and identifiers (cutover.scaffold.identifiers).

Synthetic SQLite files cover every rule of the sqlite_types docstring; the shared fixtures
pin the mapping of columns looked at by hand (declared type vs the values stored).
"""

from __future__ import annotations

import itertools
import math
import sqlite3
from collections.abc import Sequence
from pathlib import Path

import pytest
from cutover.errors import CutoverError
from cutover.scaffold.identifiers import (
    MAX_IDENTIFIER_BYTES,
    RESERVED_WORDS,
    pg_identifiers,
    quote_ident,
    snake_case,
)
from cutover.scaffold.sqlite_types import (
    BLOB,
    CLEAN_TEXT,
    INTEGER,
    NUMERIC,
    REAL,
    TEXT,
    TO_BOOLEAN,
    TO_DATE,
    TO_TIMESTAMP,
    VERBATIM,
    ColumnMapping,
    decimal_digits,
    is_boolean_name,
    is_time_name,
    map_column,
    parse_declared,
    profile_column,
    real_decimals,
    sqlite_affinity,
    timestamp_kind,
    try_cast,
)
from cutover.sources.sqlite import open_sqlite

from tests.conftest import shared_fixture

_FILES = itertools.count()


def connect_ro(path: Path) -> sqlite3.Connection:
    """How the scaffolder's caller opens a source: read-only, immutable."""
    return sqlite3.connect(f"{path.as_uri()}?mode=ro&immutable=1", uri=True)


def make_db(tmp_path: Path, ddl: str, table: str, rows: Sequence[Sequence[object]]) -> Path:
    path = tmp_path / f"db{next(_FILES)}.sqlite"
    with sqlite3.connect(path) as conn:
        conn.executescript(ddl)
        if rows:
            marks = ", ".join("?" * len(rows[0]))
            conn.executemany(f'INSERT INTO "{table}" VALUES ({marks})', rows)
    conn.close()
    return path


def map_table(path: Path, table: str, *, sample: int = 100_000) -> dict[str, ColumnMapping]:
    """Every column of `table` mapped, with keys and declared types from open_sqlite."""
    with open_sqlite(path) as source:
        described = source.schema().table(table)
    foreign = {column for key in described.foreign_keys for column in key.columns}
    conn = connect_ro(path)
    try:
        return {
            column.name: map_column(
                column.declared_type,
                profile_column(conn, table, column.name, sample=sample),
                name=column.name,
                is_pk=column.name in described.primary_key,
                is_fk=column.name in foreign,
                is_rowid_alias=described.generated_key == column.name,
            )
            for column in described.columns
        }
    finally:
        conn.close()


def one(
    tmp_path: Path, declared: str, values: Sequence[object], *, name: str = "c"
) -> ColumnMapping:
    """Map a single column `name declared` holding `values` (one row each)."""
    path = make_db(tmp_path, f'CREATE TABLE t ("{name}" {declared});', "t", [(v,) for v in values])
    return map_table(path, "t")[name]


# =========================================================================================
# Declared types and single values
# =========================================================================================


@pytest.mark.parametrize(
    ("declared", "affinity"),
    [
        ("INTEGER", INTEGER),
        ("BIGINT", INTEGER),
        ("FLOATING POINT", INTEGER),  # SQLite's documented surprise: "POINT" contains INT
        ("NVARCHAR(40)", TEXT),
        ("CLOB", TEXT),
        ("LONGVARCHAR", TEXT),
        ("BLOB", BLOB),
        ("", BLOB),
        ("REAL", REAL),
        ("DOUBLE PRECISION", REAL),
        ("FLOAT", REAL),
        ("NUMERIC(10,2)", NUMERIC),
        ("DATETIME", NUMERIC),
        ("BOOLEAN", NUMERIC),
        ("LONG", NUMERIC),
    ],
)
def test_sqlite_affinity_five_rules(declared: str, affinity: str) -> None:
    assert sqlite_affinity(declared) == affinity


def test_parse_declared_intent_and_arguments() -> None:
    chinook_money = parse_declared("NUMERIC(10,2)")
    assert (chinook_money.intent, chinook_money.precision, chinook_money.scale) == (
        "decimal",
        10,
        2,
    )
    assert parse_declared("DECIMAL(5)").scale == 0  # SQL: scale defaults to 0
    assert parse_declared("NVARCHAR(160)").length == 160
    assert parse_declared("VARCHAR").length is None
    assert parse_declared("DATETIME").intent == "timestamp"
    assert parse_declared("TIMESTAMP").intent == "timestamp"
    assert parse_declared("DATE").intent == "date"
    assert parse_declared("TIME").intent == "time"
    assert parse_declared("BOOLEAN").intent == "boolean"
    assert parse_declared("UUID").intent == "text"
    assert parse_declared("INTEGER").intent == ""


@pytest.mark.parametrize(
    ("raw", "kind"),
    [
        ("1383065788", "epoch_seconds"),
        ("1383065788.038", "epoch_seconds"),
        ("469908586", "epoch_seconds"),  # the macro reads it (as 1984): see the epoch rule
        ("1383065788038", "epoch_millis"),
        ("1309518981371935", "epoch_micros"),  # Firefox PRTime: read by no branch
        ("2016-07-04", "iso_date"),
        ("2016/07/04", "iso_date"),
        ("2021-01-01 00:00:00", "iso_timestamp"),
        ("2021-01-01T10:20:30.123456", "iso_timestamp"),
        (" 2021-01-01 10:20 ", "iso_timestamp"),
        ("2021-01-01 10:20:30Z", "iso_offset"),
        ("2021-01-01T10:20:30+09:00", "iso_offset"),
        ("2021-01-01 10:20 +0900", "iso_offset"),
        ("2023-02-30", None),  # impossible date: a cast error
        ("0000-00-00", None),
        ("2021-01-01 25:00:00", None),
        ("12345678", None),  # 8 digits: no branch
        ("07/04/1996", None),  # M/D/Y is not read
        ("447494555555", "epoch_millis"),  # a phone number looks like ms: see the text rule
    ],
)
def test_timestamp_kind_mirrors_to_utc_timestamp(raw: str, kind: str | None) -> None:
    assert timestamp_kind(raw) == kind


@pytest.mark.parametrize(
    ("value", "places"),
    [
        (12.299999999999999, 1),  # 12.3 plus one ulp of float noise
        (0.1 + 0.2, 1),  # 0.30000000000000004
        (0.99, 2),
        (1.98, 2),
        (13.86, 2),
        (4.1 * 3, 1),
        (14.0, 0),
        (0.0, 0),
        (1e20, 0),
        (1234.56789012, 8),
        (123456789.01234567, 7),  # its 17th significant digit is within float noise
        (1 / 3, None),  # a binary float: more than MAX_INFERRED_SCALE decimals
        (math.pi, None),
    ],
)
def test_real_decimals_within_float_noise(value: float, places: int | None) -> None:
    assert real_decimals(value) == places


def test_decimal_digits_as_written() -> None:
    assert decimal_digits("12.50") == (2, 2)
    assert decimal_digits(" -0.5 ") == (0, 1)
    assert decimal_digits("1e3") == (4, 0)
    assert decimal_digits("12a") is None
    assert decimal_digits("Infinity") is None


def test_name_hints() -> None:
    for flag in ("is_active", "IsActive", "has_attachment", "Discontinued", "read", "seen"):
        assert is_boolean_name(flag), flag
    for other in ("useSip", "read_status", "status", "connected", "flags", "is"):
        assert not is_boolean_name(other), other
    for when in ("date", "dateAdded", "lastModified", "created_at", "expiration", "visit_time"):
        assert is_time_name(when), when
    for other in ("Milliseconds", "Bytes", "attachment", "format", "data"):
        assert not is_time_name(other), other


# =========================================================================================
# Profiling
# =========================================================================================


def test_profile_counts_storage_classes_and_parses(tmp_path: Path) -> None:
    values = [1, 0, 2.5, "2021-01-01", "2021-01-01 10:00:00+02:00", "yes", " 42 ", "", None]
    path = make_db(tmp_path, "CREATE TABLE t (c);", "t", [(v,) for v in values])
    conn = connect_ro(path)
    profile = profile_column(conn, "t", "c")
    conn.close()

    assert (profile.integer, profile.real, profile.text, profile.blob, profile.null) == (
        2,
        1,
        5,
        0,
        1,
    )
    assert (profile.rows, profile.sampled_rows, profile.checked, profile.blank) == (9, 9, 8, 1)
    assert (profile.int_min, profile.int_max, profile.int_zero, profile.int_zero_one) == (
        0,
        1,
        1,
        2,
    )
    assert (profile.iso_date, profile.iso_offset) == (1, 1)
    assert profile.boolean_like == 3  # 1, 0, 'yes'
    assert profile.integer_like == 3  # 1, 0, ' 42 '
    assert profile.decimal_like == 4  # 1, 0, 2.5, ' 42 '
    assert (profile.max_int_digits, profile.max_scale) == (2, 1)
    assert profile.padded == 1 and profile.max_length == 25
    assert profile.complete
    assert profile.failures(profile.boolean_like) == 4  # blank '' is NULL, not a failure


def test_profile_samples_first_rows_but_counts_classes_of_all(tmp_path: Path) -> None:
    rows = [(i,) for i in range(50)] + [("x",)] * 50
    path = make_db(tmp_path, "CREATE TABLE t (n INTEGER);", "t", rows)
    conn = connect_ro(path)
    profile = profile_column(conn, "t", "n", sample=50)
    conn.close()
    assert (profile.integer, profile.text) == (50, 50)  # whole table
    assert (profile.sampled_rows, profile.checked, profile.integer_like) == (50, 50, 50)
    assert not profile.complete

    mapping = map_column("INTEGER", profile, name="n", is_pk=False, is_fk=False)
    assert mapping.pg_type == "bigint"  # judged on the first 50 rows only...
    assert "first 50 of 100 rows" in mapping.rule  # ...and the rule says so


def test_profile_is_read_only_and_refuses_unknown_columns(tmp_path: Path) -> None:
    path = make_db(tmp_path, "CREATE TABLE t (c TEXT);", "t", [("a",)])
    before = sorted(p.name for p in tmp_path.iterdir())
    conn = connect_ro(path)
    with pytest.raises(CutoverError, match=r"t\.missing"):
        profile_column(conn, "t", "missing")  # not read as the string literal 'missing'
    profile_column(conn, "t", "c")
    conn.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == before


# =========================================================================================
# Rules 1-4: rowid alias, no values, blobs, non-UTF-8 text
# =========================================================================================


def test_rowid_alias_is_bigint_identity_composite_key_is_not(tmp_path: Path) -> None:
    path = make_db(
        tmp_path,
        "CREATE TABLE a (id INTEGER PRIMARY KEY, x TEXT);"
        "CREATE TABLE b (p INTEGER, q INTEGER, PRIMARY KEY (p, q));",
        "a",
        [(1, "x"), (2, "y")],
    )
    alias = map_table(path, "a")["id"]
    assert (alias.pg_type, alias.identity, alias.rule_id) == ("bigint", True, "rowid_identity")
    assert alias.staging == try_cast("bigint")
    composite = map_table(path, "b")
    assert all(not m.identity and m.pg_type == "bigint" for m in composite.values())


@pytest.mark.parametrize(
    ("declared", "pg_type"),
    [
        ("BOOLEAN", "boolean"),
        ("DATE", "date"),
        ("DATETIME", "timestamp"),
        ("NUMERIC(10,2)", "numeric(10,2)"),
        ("NUMERIC", "numeric"),
        ("INTEGER", "bigint"),
        ("REAL", "double precision"),
        ("VARCHAR(5)", "varchar(5)"),
        ("TEXT", "text"),
        ("BLOB", "bytea"),
        ("", "text"),
        ("UUID", "text"),
    ],
)
def test_no_values_take_the_declared_type(tmp_path: Path, declared: str, pg_type: str) -> None:
    mapping = one(tmp_path, declared, [None, None])
    assert (mapping.pg_type, mapping.rule_id) == (pg_type, "declared_only")


def test_blobs_become_bytea_mixed_blobs_stay_raw_text(tmp_path: Path) -> None:
    only = one(tmp_path, "BLOB", [b"\xff\xd8\xff", b"\x00"])
    assert (only.pg_type, only.staging, only.rule_id) == ("bytea", try_cast("bytea"), "blob")
    mixed = one(tmp_path, "", [b"\x01", "text", 3])
    assert (mixed.pg_type, mixed.staging, mixed.rule_id) == ("text", VERBATIM, "blob_mixed")


def test_text_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "bad.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE t (h TEXT, m TEXT)")
        # CAST(blob AS TEXT) stores the bytes as TEXT, as the Chrome hash column does.
        conn.execute("INSERT INTO t VALUES (CAST(x'e08426ff' AS TEXT), CAST(x'ff' AS TEXT))")
        conn.execute("INSERT INTO t VALUES (CAST(x'c0af' AS TEXT), 'fine')")
    conn.close()
    mappings = map_table(path, "t")
    assert (mappings["h"].pg_type, mappings["h"].rule_id) == ("bytea", "not_utf8_bytea")
    assert (mappings["m"].pg_type, mappings["m"].staging) == ("text", VERBATIM)


# =========================================================================================
# Rules 5-8: declared boolean, date, timestamp, time (threshold for rejects)
# =========================================================================================


def test_declared_boolean(tmp_path: Path) -> None:
    clean = one(tmp_path, "BOOLEAN", [0, 1, "true", "F", "yes", None])
    assert (clean.pg_type, clean.staging, clean.lossy_values) == ("boolean", TO_BOOLEAN, 0)
    # 1 misfit in 100 values is few (<= 1 %): boolean, the misfit rejected.
    few = one(tmp_path, "BOOLEAN", [1] * 99 + [2])
    assert (few.pg_type, few.lossy_values, few.lossy_reason) == ("boolean", 1, "cast_failed")
    # 2 in 100 are not: the declared type lies, keep every value.
    many = one(tmp_path, "BOOLEAN", [1] * 98 + [2, 3])
    assert (many.pg_type, many.lossy_values, many.rule_id) == ("bigint", 0, "widened_bigint")
    words = one(tmp_path, "BOOL", ["on", "off", "maybe"])
    assert (words.pg_type, words.rule_id) == ("text", "widened_text")


def test_declared_date(tmp_path: Path) -> None:
    dates = one(tmp_path, "DATE", ["1968-12-08", "2012/05/01", "", None])
    assert (dates.pg_type, dates.staging, dates.lossy_values) == ("date", TO_DATE, 0)
    with_time = one(tmp_path, "DATE", ["1968-12-08", "2012-05-01 10:00:00"])
    assert (with_time.pg_type, with_time.staging) == ("timestamp", TO_TIMESTAMP)
    one_bad = one(tmp_path, "DATE", ["2012-05-01"] * 199 + ["2023-02-30"])
    assert (one_bad.pg_type, one_bad.lossy_values) == ("date", 1)
    junk = one(tmp_path, "DATE", ["soon", "later", "2012-05-01"])
    assert (junk.pg_type, junk.rule_id) == ("text", "widened_text")


def test_declared_datetime_reads_every_macro_form(tmp_path: Path) -> None:
    values = [
        "2021-01-01 00:00:00",
        "2021-01-01T10:20:30",
        "2021-01-01 10:20:30+09:00",
        1383065788,  # epoch seconds stored as an integer in a DATETIME column
        "1383065788038",
        None,
    ]
    mapping = one(tmp_path, "DATETIME", values)
    assert (mapping.pg_type, mapping.staging, mapping.lossy_values) == (
        "timestamp",
        TO_TIMESTAMP,
        0,
    )
    assert "converted to UTC" in mapping.rule and "epoch seconds" in mapping.rule


def test_declared_datetime_rejects_few_widens_many(tmp_path: Path) -> None:
    few = one(tmp_path, "TIMESTAMP", ["2021-01-01"] * 100 + ["0000-00-00"])
    assert (few.pg_type, few.lossy_values, few.lossy_reason) == ("timestamp", 1, "cast_failed")
    many = one(tmp_path, "DATETIME", ["2021-01-01", "yesterday", "n/a"])
    assert (many.pg_type, many.rule_id, many.lossy_values) == ("text", "widened_text", 0)


def test_declared_datetime_with_microseconds_is_refused(tmp_path: Path) -> None:
    mapping = one(tmp_path, "DATETIME", [1309518981371935, 1309518839062650])
    assert (mapping.pg_type, mapping.rule_id) == ("bigint", "widened_bigint")
    assert "microseconds" in mapping.rule


def test_declared_time(tmp_path: Path) -> None:
    mapping = one(tmp_path, "TIME", ["10:20", "23:59:59.5"])
    assert (mapping.pg_type, mapping.staging) == ("time", try_cast("time"))


# =========================================================================================
# Rules 9-11: no declared reason, every value must fit
# =========================================================================================


def test_named_boolean_needs_the_name_and_only_flag_values(tmp_path: Path) -> None:
    flag = one(tmp_path, "INTEGER", [0, 1, 1, None], name="is_active")
    assert (flag.pg_type, flag.staging, flag.rule_id) == ("boolean", TO_BOOLEAN, "named_boolean")
    text_flag = one(tmp_path, "TEXT", ["0", "1"], name="Discontinued")
    assert text_flag.pg_type == "boolean"
    unnamed = one(tmp_path, "INTEGER", [0, 1], name="status")
    assert unnamed.pg_type == "bigint"
    not_flag = one(tmp_path, "INTEGER", [0, 1, 2], name="is_active")
    assert not_flag.pg_type == "bigint"  # no declared reason: no rejects, no narrowing


def test_named_boolean_never_for_keys(tmp_path: Path) -> None:
    path = make_db(
        tmp_path,
        "CREATE TABLE p (is_x INTEGER PRIMARY KEY);"
        "CREATE TABLE c (id INTEGER PRIMARY KEY, is_x INTEGER REFERENCES p (is_x));",
        "c",
        [(1, 0), (2, 1)],
    )
    assert map_table(path, "c")["is_x"].pg_type == "bigint"


def test_epoch_integers_with_a_time_name(tmp_path: Path) -> None:
    millis = one(tmp_path, "INTEGER", [1383065788038, 1669918590384], name="date_created")
    assert (millis.pg_type, millis.staging, millis.rule_id) == (
        "timestamp",
        TO_TIMESTAMP,
        "epoch_timestamp",
    )
    assert "2013-10-29 .. 2022-12-01" in millis.rule
    seconds = one(tmp_path, "INTEGER", [1383065788, None], name="created_at")
    assert seconds.pg_type == "timestamp"
    # Same values, no time in the name: an ordinary integer (Chinook's Track.Bytes).
    assert one(tmp_path, "INTEGER", [1383065788], name="Bytes").pg_type == "bigint"


@pytest.mark.parametrize(
    ("values", "reason"),
    [
        ([469908586, 469926072], "outside 1990-2100"),  # Mac absolute time (2001 epoch)
        ([1383065788038, 0], "are 0"),  # 0 = not set: would be rejected
        ([1309518981371935], "microseconds"),  # Firefox PRTime
        ([13161017332037692], "microseconds"),  # Chrome/WebKit, since 1601
        ([0, 0], "every value is 0"),
    ],
)
def test_epoch_integers_refused_with_the_reason(
    tmp_path: Path, values: list[int], reason: str
) -> None:
    mapping = one(tmp_path, "INTEGER", values, name="visit_date")
    assert (mapping.pg_type, mapping.rule_id, mapping.lossy_values) == (
        "bigint",
        "epoch_refused",
        0,
    )
    assert reason in mapping.rule


def test_iso_text_in_text_columns(tmp_path: Path) -> None:
    dates = one(tmp_path, "TEXT", ["2016-07-04", "2016-07-05", ""], name="shipped")
    assert (dates.pg_type, dates.staging, dates.rule_id) == ("date", TO_DATE, "iso_date")
    stamps = one(tmp_path, "VARCHAR(30)", ["2016-07-04 10:00:00", "2016-07-05"], name="x")
    assert (stamps.pg_type, stamps.rule_id) == ("timestamp", "iso_timestamp")
    one_odd = one(tmp_path, "TEXT", ["2016-07-04", "soon"], name="x")
    assert one_odd.pg_type == "text"  # no declared reason: every value must fit
    # Digit-only text is never an epoch in a text column: these are phone numbers.
    phones = one(tmp_path, "TEXT", ["447494555555", "447564555555"], name="id")
    assert (phones.pg_type, phones.staging) == ("text", CLEAN_TEXT)


# =========================================================================================
# Rules 12-13: numbers
# =========================================================================================


def test_integers_and_reals_by_affinity(tmp_path: Path) -> None:
    assert one(tmp_path, "INTEGER", [1, 2**62]).pg_type == "bigint"
    assert one(tmp_path, "", [1, 2]).pg_type == "bigint"
    assert one(tmp_path, "REAL", [0.15, 0.05, 0.0]).pg_type == "double precision"
    assert one(tmp_path, "", [1.5, 2]).pg_type == "double precision"
    infinite = one(tmp_path, "NUMERIC(10,2)", [1.5, float("inf")])
    assert infinite.pg_type == "double precision"  # numeric(p,s) cannot hold Infinity


def test_declared_numeric_scale_rounds_float_noise(tmp_path: Path) -> None:
    money = one(tmp_path, "NUMERIC(10,2)", [0.99, 1.99, 12.299999999999999, 0.1 + 0.2])
    assert (money.pg_type, money.staging) == ("numeric(10,2)", try_cast("numeric(10,2)"))
    assert "rounded to the declared scale" in money.rule


def test_declared_numeric_widened_rather_than_rounded_or_overflowing(tmp_path: Path) -> None:
    more_decimals = one(tmp_path, "NUMERIC(10,2)", [1.234, 5.5])
    assert more_decimals.pg_type == "numeric(11,3)"  # keeps the declared 8 integer digits
    assert "widened" in more_decimals.rule
    too_big = one(tmp_path, "DECIMAL(4,2)", [12345.5])
    assert too_big.pg_type == "numeric(7,2)"
    floats = one(tmp_path, "NUMERIC(10,2)", [1 / 3])
    assert floats.pg_type == "double precision"


def test_bare_numeric_infers_scale(tmp_path: Path) -> None:
    prices = one(tmp_path, "NUMERIC", [14, 9.8, 34.8, 1007.64, 12.299999999999999])
    assert prices.pg_type == "numeric(18,2)"
    assert "scale inferred" in prices.rule
    only_integers = one(tmp_path, "DECIMAL", [14, 18])
    assert only_integers.pg_type == "numeric"  # no scale to infer: never numeric(p,0)


def test_reals_in_an_integer_column(tmp_path: Path) -> None:
    few = one(tmp_path, "INTEGER", [*range(199), 2.5])
    assert (few.pg_type, few.lossy_values) == ("bigint", 1)
    many = one(tmp_path, "INTEGER", [1, 2.5, 3.25])
    assert (many.pg_type, many.lossy_values) == ("numeric(18,2)", 0)


def test_text_in_number_columns(tmp_path: Path) -> None:
    numbers_as_text = one(tmp_path, "INTEGER", [1, " 42", "7"])
    assert (numbers_as_text.pg_type, numbers_as_text.lossy_values) == ("bigint", 0)
    one_lie = one(tmp_path, "INTEGER", [*range(150), "n/a"])
    assert (one_lie.pg_type, one_lie.lossy_values, one_lie.lossy_reason) == (
        "bigint",
        1,
        "cast_failed",
    )
    uuid = one(tmp_path, "INTEGER", ["21d2ca9c-aba1-4ada-b7f5-23b0d97acb47"])
    assert (uuid.pg_type, uuid.rule_id, uuid.lossy_values) == ("text", "type_lie_text", 0)
    money_text = one(tmp_path, "NUMERIC(10,2)", ["12.50", 3.5, "1.234"])
    assert money_text.pg_type == "numeric(11,3)"
    assert one(tmp_path, "REAL", ["1.5", 2.25]).pg_type == "double precision"


# =========================================================================================
# Rule 14: text
# =========================================================================================


def test_varchar_kept_when_values_fit(tmp_path: Path) -> None:
    fits = one(tmp_path, "NVARCHAR(5)", ["abc", "abcde ", "  ab"])  # lengths after btrim
    assert (fits.pg_type, fits.staging, fits.lossy_values) == ("varchar(5)", CLEAN_TEXT, 0)
    char = one(tmp_path, "CHAR(3)", ["ab", "abc"])
    assert char.pg_type == "varchar(3)"  # never char(n), which pads


def test_varchar_too_long_rejected_when_few_widened_when_many(tmp_path: Path) -> None:
    few = one(tmp_path, "VARCHAR(5)", ["abc"] * 199 + ["abcdefgh"])
    assert (few.pg_type, few.lossy_values, few.lossy_reason) == ("varchar(5)", 1, "too_long")
    many = one(tmp_path, "VARCHAR(5)", ["abc", "abcdefgh", "abcdefghij"])
    assert (many.pg_type, many.rule_id, many.lossy_values) == ("text", "varchar_widened", 0)
    assert "max 10" in many.rule


def test_free_text_verbatim_codes_cleaned_json_kept(tmp_path: Path) -> None:
    notes = one(tmp_path, "TEXT", ["line one\nline two", "short"])
    assert (notes.pg_type, notes.staging) == ("text", VERBATIM)
    long_text = one(tmp_path, "TEXT", ["x" * 300])
    assert long_text.staging == VERBATIM
    codes = one(tmp_path, "TEXT", ["ALFKI ", "Val2 "])
    assert (codes.pg_type, codes.staging) == ("text", CLEAN_TEXT)
    documents = one(tmp_path, "TEXT", ['{"a": 1}', "[1, 2]", None])
    assert (documents.pg_type, documents.staging, documents.rule_id) == ("text", VERBATIM, "json")
    assert "jsonb later" in documents.rule


def test_staging_sql_wraps_macros_not_verbatim() -> None:
    mapping = ColumnMapping("bigint", try_cast("bigint"), "r", "integer")
    assert mapping.staging_sql('"InvoiceId"') == "{{ try_cast('\"InvoiceId\"', 'bigint', casts) }}"
    verbatim = ColumnMapping("text", VERBATIM, "r", "text")
    assert verbatim.staging_sql("notes") == "notes"


# =========================================================================================
# Shared fixtures: columns looked at by hand
# =========================================================================================


def fixture_table(name: str, table: str) -> dict[str, ColumnMapping]:
    return map_table(shared_fixture("sqlite", name), table)


@pytest.mark.fixtures
def test_chinook_money_dates_and_keys() -> None:
    track = fixture_table("chinook.sqlite", "Track")
    # NUMERIC(10,2) stored as REAL 0.99/1.99: rounded to the declared 2 decimals.
    assert track["UnitPrice"].pg_type == "numeric(10,2)"
    assert "float noise" in track["UnitPrice"].rule
    # Rowid alias: bigint identity. Bytes reaches 1,059,546,140 (10 digits, epoch-like),
    # but neither its name nor its declared type says time: bigint.
    assert track["TrackId"].identity and track["TrackId"].pg_type == "bigint"
    assert (track["Bytes"].pg_type, track["Milliseconds"].pg_type) == ("bigint", "bigint")
    assert (track["Name"].pg_type, track["Name"].staging) == ("varchar(200)", CLEAN_TEXT)

    invoice = fixture_table("chinook.sqlite", "Invoice")
    assert invoice["Total"].pg_type == "numeric(10,2)"
    # DATETIME holding 'YYYY-MM-DD HH:MM:SS' text.
    assert (invoice["InvoiceDate"].pg_type, invoice["InvoiceDate"].lossy_values) == (
        "timestamp",
        0,
    )
    assert invoice["BillingCity"].pg_type == "varchar(40)"  # 'Edinburgh ' trimmed, fits

    line = fixture_table("chinook.sqlite", "InvoiceLine")
    assert line["UnitPrice"].pg_type == "numeric(10,2)"
    playlist_track = fixture_table("chinook.sqlite", "PlaylistTrack")
    assert not any(m.identity for m in playlist_track.values())  # composite PK


@pytest.mark.fixtures
def test_northwind_mixed_money_text_boolean_and_dates() -> None:
    details = fixture_table("northwind.sqlite", "Order Details")
    # NUMERIC holding 943 integers + 1212 reals: scale inferred from the values.
    assert details["UnitPrice"].pg_type == "numeric(18,2)"
    assert "943 integer + 1212 real" in details["UnitPrice"].rule
    assert details["Discount"].pg_type == "double precision"  # REAL declared: a float

    orders = fixture_table("northwind.sqlite", "Orders")
    assert orders["Freight"].pg_type == "numeric(18,2)"  # 6 integer + 824 real
    # DATETIME columns holding dates only: timestamp at midnight, 21 NULL ShippedDate.
    assert orders["ShippedDate"].pg_type == "timestamp"
    assert "without a time" in orders["ShippedDate"].rule

    products = fixture_table("northwind.sqlite", "Products")
    assert products["UnitPrice"].pg_type == "numeric(18,2)"
    # TEXT NOT NULL DEFAULT '0' holding '0'/'1': a boolean stored as text.
    assert (products["Discontinued"].pg_type, products["Discontinued"].rule_id) == (
        "boolean",
        "named_boolean",
    )

    employees = fixture_table("northwind.sqlite", "Employees")
    assert employees["BirthDate"].pg_type == "date"  # DATE, 'YYYY-MM-DD'
    assert employees["Photo"].pg_type == "bytea"  # JPEG blobs
    assert employees["Notes"].staging == VERBATIM  # free text up to 448 characters

    # Text keys stay text: 'Val2 ' (trailing space) is trimmed by clean_text, and
    # TerritoryID '01581' keeps its leading zero (never narrowed to a number).
    customers = fixture_table("northwind.sqlite", "Customers")
    assert (customers["CustomerID"].pg_type, customers["CustomerID"].staging) == (
        "text",
        CLEAN_TEXT,
    )
    territories = fixture_table("northwind.sqlite", "Territories")
    assert territories["TerritoryID"].pg_type == "text"
    empty = fixture_table("northwind.sqlite", "CustomerDemographics")
    assert empty["CustomerDesc"].rule_id == "declared_only"


@pytest.mark.fixtures
def test_mmssms_millisecond_dates_and_flags() -> None:
    sms = fixture_table("android_mmssms.db", "sms")
    # INTEGER milliseconds since 1970 (1383065788038 = 2013-10-29 16:56:28 UTC).
    assert (sms["date"].pg_type, sms["date"].rule_id) == ("timestamp", "epoch_timestamp")
    # date_sent holds 0 for "not sent": converting would reject those rows.
    assert (sms["date_sent"].pg_type, sms["date_sent"].rule_id) == ("bigint", "epoch_refused")
    assert sms["read"].pg_type == "boolean" and sms["seen"].pg_type == "boolean"
    assert sms["type"].pg_type == "bigint"  # 1/2: a code, not a flag
    assert sms["address"].pg_type == "text"  # '15555215554' stays a phone number
    threads = fixture_table("android_mmssms.db", "threads")
    assert threads["has_attachment"].pg_type == "boolean"
    # SOURCES.md says end_block holds '0 736' text; the stored values are 3 integers.
    segdir = fixture_table("android_mmssms.db", "words_segdir")
    assert (segdir["end_block"].pg_type, segdir["root"].pg_type) == ("bigint", "bytea")


@pytest.mark.fixtures
def test_imessage_mac_absolute_time_is_not_taken_for_unix_time() -> None:
    message = fixture_table("imessage_chat.db", "message")
    # 469908586 is seconds since 2001 (2015-11-22); read as Unix seconds it is 1984.
    assert (message["date"].pg_type, message["date"].rule_id) == ("bigint", "epoch_refused")
    assert "1984-11-21" in message["date"].rule
    assert message["date_read"].pg_type == "bigint"
    assert message["is_from_me"].pg_type == "boolean"
    assert message["attributedBody"].pg_type == "bytea"
    assert message["text"].staging == VERBATIM
    handle = fixture_table("imessage_chat.db", "handle")
    assert handle["id"].pg_type == "text"  # '447494555555': 12 digits, not milliseconds
    chat = fixture_table("imessage_chat.db", "chat")
    assert chat["display_name"].pg_type == "text"  # '' everywhere: blank -> NULL
    joins = fixture_table("imessage_chat.db", "chat_message_join")
    assert {m.pg_type for m in joins.values()} == {"bigint"}


@pytest.mark.fixtures
def test_firefox_microsecond_epochs_are_refused() -> None:
    places = fixture_table("firefox_places.sqlite", "moz_places")
    # PRTime: INTEGER microseconds since 1970 (1309518981371935 = 2011-07-01).
    assert (places["last_visit_date"].pg_type, places["last_visit_date"].rule_id) == (
        "bigint",
        "epoch_refused",
    )
    assert "microseconds" in places["last_visit_date"].rule
    assert places["hidden"].pg_type == "boolean"
    assert places["url"].pg_type == "text"  # LONGVARCHAR
    bookmarks = fixture_table("firefox_places.sqlite", "moz_bookmarks")
    assert bookmarks["dateAdded"].rule_id == "epoch_refused"
    favicons = fixture_table("firefox_places.sqlite", "moz_favicons")
    assert favicons["data"].pg_type == "bytea"
    assert favicons["expiration"].rule_id == "epoch_refused"  # declared LONG: NUMERIC
    roots = fixture_table("firefox_places.sqlite", "moz_bookmarks_roots")
    assert roots["root_name"].pg_type == "varchar(16)"


@pytest.mark.fixtures
def test_burners_type_lie_json_and_millisecond_dates() -> None:
    connections = fixture_table("android_burners.sqlite", "connections")
    # INTEGER NOT NULL holding a UUID: 1 of 1 values fails, too many to reject: text.
    for column in ("user_id", "burner_id"):
        mapping = connections[column]
        assert (mapping.pg_type, mapping.rule_id, mapping.lossy_values) == (
            "text",
            "type_lie_text",
            0,
        )
    burners = fixture_table("android_burners.sqlite", "burners")
    assert burners["features"].rule_id == "json"  # '[{"featureName":"mms","id":5}]'
    assert burners["expiration_date"].pg_type == "timestamp"  # ms, 2022-12-31
    assert burners["renewal_date"].rule_id == "epoch_refused"  # only 0
    assert burners["disabled"].pg_type == "boolean"
    assert burners["hexColor"].pg_type == "bigint"  # -7802425
    contacts = fixture_table("android_burners.sqlite", "contacts")
    assert contacts["date_created"].pg_type == "timestamp"
    assert contacts["blocked"].pg_type == "boolean"
    assert fixture_table("android_burners.sqlite", "subscriptions")["_id"].identity


# =========================================================================================
# Identifiers
# =========================================================================================


def test_plain_names_kept_others_snake_cased() -> None:
    names = ["_id", "invoice_line", "InvoiceLineId", "Order Details", "dateAdded", "HTTPServer"]
    assert pg_identifiers(names) == {
        "_id": "_id",
        "invoice_line": "invoice_line",
        "InvoiceLineId": "invoice_line_id",
        "Order Details": "order_details",
        "dateAdded": "date_added",
        "HTTPServer": "http_server",
    }


def test_hostile_names() -> None:
    assert snake_case("Tab>\"e@ll/a'2;*,") == "tab_e_ll_a_2"
    assert snake_case("6666&&&&&") == "_6666"
    assert snake_case("??###") == "unnamed"
    assert snake_case("_SqliteDatabaseProperties") == "_sqlite_database_properties"
    assert snake_case("Umsätze") == "umsätze"
    assert snake_case("किआओ") == "किआओ"  # Devanagari vowel signs are marks: kept


def test_reserved_words_kept_and_quoted() -> None:
    assert {"order", "user", "offset", "table", "desc", "is", "left"} <= RESERVED_WORDS
    assert "name" not in RESERVED_WORDS and "type" not in RESERVED_WORDS  # non-reserved
    mapped = pg_identifiers(["order", "Order", "user", "offset"])
    assert mapped == {"order": "order", "Order": "order_2", "user": "user", "offset": "offset"}
    assert quote_ident("order") == '"order"'
    assert quote_ident("order_2") == "order_2"
    assert quote_ident("name") == "name"


def test_non_ascii_kept_and_quoted() -> None:
    mapped = pg_identifiers(["고객", "Πλήθος"])
    assert mapped == {"고객": "고객", "Πλήθος": "πλήθος"}
    assert quote_ident("고객") == '"고객"'
    assert quote_ident('a"b') == '"a""b"'
    assert quote_ident("Name") == '"Name"'


def test_long_names_cut_by_bytes_with_a_stable_hash() -> None:
    korean = "고객주문" * 10  # 40 characters, 120 bytes
    latin = "x" * 70
    first = pg_identifiers([korean, latin, latin + "y"])
    again = pg_identifiers([latin + "y", korean, latin])
    assert first == again
    for target in first.values():
        assert len(target.encode("utf-8")) <= MAX_IDENTIFIER_BYTES
    assert first[korean].startswith("고객주문") and first[korean][-9] == "_"
    assert first[latin] != first[latin + "y"]  # same prefix, different hashes


def test_collisions_resolved_deterministically() -> None:
    names = ["Name", "name", "NAME", "name_2", "order_details", "Order Details"]
    mapped = pg_identifiers(names)
    assert mapped["name"] == "name"  # spelled like the target: keeps it
    assert mapped["name_2"] == "name_2"  # a real source name is never taken over
    assert {mapped["NAME"], mapped["Name"]} == {"name_3", "name_4"}
    assert mapped["order_details"] == "order_details"
    assert mapped["Order Details"] == "order_details_2"
    assert pg_identifiers(list(reversed(names))) == mapped
    assert len(set(mapped.values())) == len(names)
