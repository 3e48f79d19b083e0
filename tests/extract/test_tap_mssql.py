"""tap-mssql: every SQL Server type, from the Python value pymssql returns to the raw column
target-postgres writes (real target-postgres 0.8.1, real PostgreSQL; no SQL Server here).

* The mapping and encoding functions are tested one type at a time
  (`map_column` -> JSON schema, `encoder_for` -> record value).
* The whole tap (discovery, SELECT, annotations, records, `_source_audit`, self-check) runs
  in-process against `CatalogServer`, a stand-in for the one piece that cannot run here: it
  answers the tap's catalog SQL with the rows SQL Server's sys views give and its SELECT
  with the Python values pymssql 2.4.6 returns (`_mssql.pyx` `convert_db_value`, quoted in
  docs/research/tap_mssql.md §4). The exact messages the tap writes then go through the
  real target-postgres executable, and the raw columns are read back.
* The `tap-mssql` executable: one-line errors, `--about`, config validation.

tests/e2e/test_mssql_live.py runs the same tap against a real server when one is given.
Executable: `$TAP_MSSQL_EXECUTABLE`, else the Meltano plugin venv, else `tap-mssql` on PATH.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import math
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
TAP_SOURCE = REPO_ROOT / "extract" / "tap-mssql"
MELTANO_TAP = REPO_ROOT / ".meltano" / "extractors" / "tap-mssql" / "venv" / "bin" / "tap-mssql"
TARGET = Path(
    os.environ.get("TARGET_POSTGRES_EXECUTABLE")
    or REPO_ROOT
    / ".meltano"
    / "loaders"
    / "target-postgres"
    / "venv"
    / "bin"
    / "target-postgres-cutover"
)
TIMEOUT = 300

try:
    import tap_mssql  # noqa: F401  (installed: Meltano venv or the project's)
except ImportError:  # the source tree: it needs only singer-sdk to import
    sys.path.insert(0, str(TAP_SOURCE))
pytest.importorskip("singer_sdk", reason="singer-sdk is needed to import tap_mssql")

from tap_mssql import catalog as cat  # noqa: E402
from tap_mssql import types as tt  # noqa: E402
from tap_mssql.encode import RowEncoder, encoder_for, offset_text  # noqa: E402
from tap_mssql.errors import MSSQLError, UnsupportedDataError  # noqa: E402

# --- the type matrix -------------------------------------------------------------------------

KOREAN = "한글 텍스트 (CP949)"  # a Korean_Wansung varchar: FreeTDS converts CP949 -> UTF-8


def col(name: str, system_type: str, **kw: Any) -> cat.Column:
    kw.setdefault("type_name", system_type)
    return cat.Column(name=name, system_type=system_type, **kw)


#: (column, pymssql value for the tap's SELECT expression, JSON schema keys, record value)
#: datetime2 / datetimeoffset / time / xml / geography / geometry / hierarchyid / sql_variant
#: are selected as text by the server (types.py); their values are that text as SQL Server
#: writes it (CONVERT style 121, CAST, ToString()) - inferred, checked live only.
CASES: list[tuple[cat.Column, Any, dict[str, Any], Any]] = [
    (col("c_bit", "bit"), True, {"type": ["boolean", "null"]}, True),
    (col("c_tinyint", "tinyint"), 255, {"type": ["integer", "null"]}, 255),
    (col("c_smallint", "smallint"), -32768, {"type": ["integer", "null"]}, -32768),
    (col("c_int", "int"), -2147483648, {"type": ["integer", "null"]}, -2147483648),
    (
        col("c_bigint", "bigint"),
        9223372036854775807,
        {"type": ["integer", "null"]},
        9223372036854775807,
    ),
    (
        col("c_decimal", "decimal", precision=38, scale=10),
        Decimal("1234567890123456789012345678.0123456789"),
        {"type": ["number", "null"], "x-mssql-precision": 38, "x-mssql-scale": 10},
        Decimal("1234567890123456789012345678.0123456789"),
    ),
    (
        col("c_numeric", "numeric", precision=18, scale=0),
        Decimal("-123456789012345678"),
        {"type": ["number", "null"], "x-mssql-type": "numeric(18,0)"},
        Decimal("-123456789012345678"),
    ),
    (
        col("c_money", "money", precision=19, scale=4),
        Decimal("922337203685477.5807"),
        {"type": ["number", "null"], "x-mssql-precision": 19, "x-mssql-scale": 4},
        Decimal("922337203685477.5807"),
    ),
    (
        col("c_smallmoney", "smallmoney", precision=10, scale=4),
        Decimal("-214748.3648"),
        {"type": ["number", "null"], "x-mssql-scale": 4},
        Decimal("-214748.3648"),
    ),
    (col("c_float", "float", precision=53), 1.5e-20, {"type": ["number", "null"]}, 1.5e-20),
    (
        col("c_real", "real", precision=24),
        0.10000000149011612,  # float32 0.1, widened by pymssql
        {"type": ["number", "null"]},
        0.10000000149011612,
    ),
    (
        col("c_date", "date"),
        dt.date(1, 1, 1),
        {"type": ["string", "null"], "format": "date"},
        "0001-01-01",
    ),
    (
        col("c_time", "time", scale=7),
        "13:14:15.1234567",
        {"type": ["string", "null"], "x-mssql-type": "time(7)"},
        "13:14:15.1234567",
    ),
    (
        col("c_datetime", "datetime", precision=23, scale=3),
        dt.datetime(2024, 1, 2, 3, 4, 5, 6667),  # 1/300 s tick: SQL Server shows .007
        {"type": ["string", "null"]},
        "2024-01-02 03:04:05.007",
    ),
    (
        col("c_datetime2", "datetime2", scale=7),
        "2024-01-02 03:04:05.1234567",
        {"type": ["string", "null"], "x-mssql-type": "datetime2(7)"},
        "2024-01-02 03:04:05.1234567",
    ),
    (
        col("c_smalldatetime", "smalldatetime"),
        dt.datetime(2024, 1, 2, 3, 4),
        {"type": ["string", "null"]},
        "2024-01-02 03:04:00",
    ),
    (
        col("c_datetimeoffset", "datetimeoffset", scale=7),
        "2023-08-22 08:24:32.1277000 +10:00",
        {"type": ["string", "null"], "x-mssql-type": "datetimeoffset(7)"},
        "2023-08-22 08:24:32.1277000+10:00",
    ),
    (
        col("c_char", "char", max_length=10, collation="Latin1_General_CI_AS"),
        "abc       ",
        {"type": ["string", "null"], "x-mssql-type": "char(10)"},
        "abc       ",
    ),
    (
        col("c_varchar", "varchar", max_length=-1, collation="Latin1_General_CI_AS"),
        "plain ascii",
        {"type": ["string", "null"], "x-mssql-type": "varchar(max)"},
        "plain ascii",
    ),
    (
        col("c_varchar_ko", "varchar", max_length=50, collation="Korean_Wansung_CI_AS"),
        KOREAN,
        {"type": ["string", "null"], "x-mssql-collation": "Korean_Wansung_CI_AS"},
        KOREAN,
    ),
    (
        col("c_nchar", "nchar", max_length=20, collation="Korean_Wansung_CI_AS"),
        "가나다       ",
        {"type": ["string", "null"], "x-mssql-type": "nchar(10)"},
        "가나다       ",
    ),
    (
        col("c_nvarchar", "nvarchar", max_length=100, collation="Latin1_General_CI_AS"),
        "emoji 😀 and 한글",
        {"type": ["string", "null"], "x-mssql-type": "nvarchar(50)"},
        "emoji 😀 and 한글",
    ),
    (col("c_text", "text", max_length=16), "text", {"type": ["string", "null"]}, "text"),
    (col("c_ntext", "ntext", max_length=16), "ntext ü", {"type": ["string", "null"]}, "ntext ü"),
    (
        col("c_uniqueidentifier", "uniqueidentifier"),
        uuid.UUID(bytes_le=bytes.fromhex("ff19966f868b11d0b42d00c04fc964ff")),
        {"type": ["string", "null"], "format": "uuid"},
        "6f9619ff-8b86-d011-b42d-00c04fc964ff",
    ),
    (
        col("c_binary", "binary", max_length=4),
        b"\x00\x01\xfe\xff",
        {"type": ["string", "null"], "contentEncoding": "base16", "x-mssql-type": "binary(4)"},
        "\\x0001feff",
    ),
    (
        col("c_varbinary", "varbinary", max_length=-1),
        bytes(range(256)),
        {"type": ["string", "null"], "contentEncoding": "base16"},
        "\\x" + bytes(range(256)).hex(),
    ),
    (
        col("c_image", "image", max_length=16),
        b"\x89PNG\r\n\x1a\n",
        {"type": ["string", "null"], "contentEncoding": "base16"},
        "\\x89504e470d0a1a0a",
    ),
    (
        col("c_rowversion", "timestamp", max_length=8),
        b"\x00\x00\x00\x00\x00\x00\x07\xd1",
        {"type": ["string", "null"], "contentEncoding": "base16", "x-mssql-type": "timestamp"},
        "\\x00000000000007d1",
    ),
    (
        col("c_xml", "xml", max_length=-1),
        '<order id="1"><line>한글</line></order>',
        {"type": ["string", "null"], "contentMediaType": "application/xml"},
        '<order id="1"><line>한글</line></order>',
    ),
    (
        col("c_geography", "geography", max_length=-1, is_assembly_type=True),
        "SRID=4326;POINT (-122.349 47.651)",
        {"type": ["string", "null"], "x-mssql-read-as": "EWKT: SRID=<STSrid>;<ToString()>"},
        "SRID=4326;POINT (-122.349 47.651)",
    ),
    (
        col("c_geometry", "geometry", max_length=-1, is_assembly_type=True),
        "SRID=0;LINESTRING (100 100, 20 180, 180 180)",
        {"type": ["string", "null"]},
        "SRID=0;LINESTRING (100 100, 20 180, 180 180)",
    ),
    (
        col("c_hierarchyid", "hierarchyid", max_length=892, is_assembly_type=True),
        "/1/3/2/",
        {"type": ["string", "null"], "x-mssql-read-as": "ToString()"},
        "/1/3/2/",
    ),
    (
        col("c_sql_variant", "sql_variant", max_length=8016),
        "922337203685477.5807",  # a money base value, CONVERT style 2 (4 decimals)
        {"type": ["string", "null"], "x-mssql-type": "sql_variant"},
        "922337203685477.5807",
    ),
    (
        col("c_ssn", "varchar", type_name="ssn", max_length=11, is_user_defined=True),
        "123-45-6789",
        {"type": ["string", "null"], "x-mssql-type": "ssn (varchar(11))"},
        "123-45-6789",
    ),
]
CASE_IDS = [case[0].name for case in CASES]


@pytest.mark.parametrize(("column", "value", "schema", "expected"), CASES, ids=CASE_IDS)
def test_type_mapping_and_encoding(
    column: cat.Column, value: Any, schema: dict[str, Any], expected: Any
) -> None:
    mapping = tt.map_column(column, table="dbo.all_types")
    prop = mapping.property_schema(column)
    for key, wanted in schema.items():
        assert prop[key] == wanted, (key, prop)
    assert prop["x-mssql-type"]
    assert "multipleOf" not in prop and "minimum" not in prop and "maximum" not in prop
    if prop["type"][0] == "string":
        assert prop.get("format") in (None, "date", "uuid"), "no format target-postgres breaks on"
    encoded = encoder_for(mapping)(value)
    assert encoded == expected
    assert type(encoded) is type(expected)


def test_python_forms_of_server_text_types() -> None:
    """pymssql's own objects for datetime2/datetimeoffset/time (a SELECT of the bare column,
    or TDS < 7.3) encode to the same text, to the microsecond."""
    dt2 = tt.map_column(col("d", "datetime2", scale=7), table="t")
    assert encoder_for(dt2)(dt.datetime(2024, 1, 2, 3, 4, 5, 123456)) == (
        "2024-01-02 03:04:05.123456"
    )
    dt2_0 = tt.map_column(col("d", "datetime2", scale=0), table="t")
    assert encoder_for(dt2_0)(dt.datetime(2024, 1, 2, 3, 4, 5)) == "2024-01-02 03:04:05"
    offset = dt.timezone(dt.timedelta(hours=-3, minutes=-30))
    assert offset_text(dt.datetime(2024, 1, 2, 3, 4, 5, 100, tzinfo=offset)) == (
        "2024-01-02 03:04:05.000100-03:30"
    )
    assert offset_text("2024-01-02 03:04:05 -03:30") == "2024-01-02 03:04:05-03:30"
    tm = tt.map_column(col("t", "time", scale=3), table="t")
    assert encoder_for(tm)(dt.time(23, 59, 59, 999000)) == "23:59:59.999"
    guid = tt.map_column(col("g", "uniqueidentifier"), table="t")
    assert encoder_for(guid)("6F9619FF-8B86-D011-B42D-00C04FC964FF") == (
        "6f9619ff-8b86-d011-b42d-00c04fc964ff"
    )


def test_select_expressions_are_the_documented_ones() -> None:
    def select(column: cat.Column) -> str:
        return tt.map_column(column, table="t").select_sql

    assert select(col("a]b", "int")) == "[a]]b]"
    assert select(col("d", "datetime2", scale=7)) == "CONVERT(varchar(27), [d], 121)"
    assert select(col("d", "datetimeoffset", scale=7)) == "CONVERT(varchar(34), [d], 121)"
    assert select(col("d", "time", scale=7)) == "CAST([d] AS varchar(16))"
    assert select(col("x", "xml")) == "CAST([x] AS nvarchar(max))"
    assert select(col("h", "hierarchyid", is_assembly_type=True)) == "[h].ToString()"
    assert select(col("g", "geography", is_assembly_type=True)) == (
        "'SRID=' + CAST([g].STSrid AS varchar(11)) + ';' + [g].ToString()"
    )
    variant = select(col("v", "sql_variant"))
    assert variant.startswith("CASE CAST(SQL_VARIANT_PROPERTY([v], 'BaseType') AS nvarchar(128))")
    assert "WHEN 'money' THEN CONVERT(nvarchar(max), CAST([v] AS money), 2)" in variant
    assert "WHEN 'float' THEN CONVERT(nvarchar(max), CAST([v] AS float), 3)" in variant
    assert variant.endswith("ELSE CAST([v] AS nvarchar(max)) END")


@pytest.mark.parametrize(
    "column",
    [
        col("c_udt", "Money2", is_user_defined=True, is_assembly_type=True),
        col("c_future", "someday_type"),
    ],
    ids=["clr-udt", "unknown"],
)
def test_unknown_type_is_an_error_naming_table_and_column(column: cat.Column) -> None:
    with pytest.raises(UnsupportedDataError) as error:
        tt.map_column(column, table="dbo.accounts")
    message = str(error.value)
    assert "table 'dbo.accounts' column" in message and repr(column.name) in message
    assert error.value.table == "dbo.accounts" and error.value.column == column.name


def test_nan_and_infinity_are_errors_naming_table_column_and_row() -> None:
    columns = [col("id", "int"), col("reading", "float", precision=53)]
    mappings = [tt.map_column(c, table="dbo.sensor") for c in columns]
    encoder = RowEncoder("dbo.sensor", ["id", "reading"], mappings, ["id"])
    assert encoder((1, 2.5)) == {"id": 1, "reading": 2.5}
    for bad in (math.nan, math.inf, -math.inf):
        with pytest.raises(UnsupportedDataError) as error:
            encoder((42, bad))
        assert "table 'dbo.sensor' column 'reading' row id=42" in str(error.value)


def test_nul_characters_are_counted() -> None:
    mapping = tt.map_column(col("note", "nvarchar", max_length=20), table="t")
    encoder = RowEncoder("t", ["note"], [mapping])
    assert encoder(("a\x00b",)) == {"note": "a\x00b"}
    assert encoder.nul_chars == {"note": 1}


def test_key_properties_fall_back_to_a_not_null_unique_key() -> None:
    table = cat.Table("dbo", "t", 1, "table")
    assert table.key_properties == ()
    table.unique_keys = [
        cat.UniqueKey("UX_a", ("a",), constraint=False, nullable=True),
        cat.UniqueKey("UX_b", ("b",), constraint=False, filtered=True),
        cat.UniqueKey("UQ_c", ("c", "d"), constraint=True),
    ]
    assert table.key_properties == ("c", "d")
    table.primary_key = ("id",)
    assert table.key_properties == ("id",)


def test_stream_names_and_target_table_collisions() -> None:
    from tap_mssql.discovery import check_name_collisions, list_objects, stream_name_for

    assert stream_name_for("dbo", "Order-Lines") == "dbo-Order_Lines"
    tables = [cat.Table("dbo", "Orders", 1, "table"), cat.Table("sales", "Orders", 2, "table")]
    objects = list_objects(tables)
    with pytest.raises(MSSQLError, match=r"'dbo\.Orders' and 'sales\.Orders' would load into"):
        check_name_collisions(objects)
    objects[1].deselect_reason = "excluded"
    check_name_collisions(objects)


# --- the whole tap, against the catalog stand-in -----------------------------------------------

ALL_TYPES_ID = 1001
CHILD_ID = 1002
VIEW_ID = 1003
ID_COLUMN = col("id", "int", nullable=False, is_identity=True)
CHILD_COLUMNS = [
    col("all_types_id", "int", nullable=False),
    col("line", "smallint", nullable=False),
    col("code", "nvarchar", max_length=20, nullable=False, collation="Latin1_General_CI_AS"),
    col("total", "decimal", precision=9, scale=2, computed="([line]*(2.5))"),
]
ROWS: list[tuple[Any, ...]] = [
    (1, *(case[1] for case in CASES)),
    (2, *(None for _ in CASES)),
]
CHILD_ROWS = [(1, 1, "A-1", Decimal("2.50")), (1, 2, "A-2", Decimal("5.00"))]


def _column_row(object_id: int, column_id: int, c: cat.Column) -> tuple[Any, ...]:
    return (
        object_id, column_id, c.name, c.type_name, c.system_type, c.is_user_defined,
        c.is_assembly_type, c.max_length, c.precision, c.scale, c.nullable, c.collation,
        c.is_identity, c.computed is not None, c.computed, c.is_sparse, c.is_column_set,
    )  # fmt: skip


class CatalogCursor:
    """Answers the tap's SQL as SQL Server + pymssql 2.4.6 would (see the module docstring)."""

    def __init__(self, server: CatalogServer) -> None:
        self.server = server
        self._rows: list[tuple[Any, ...]] = []

    def execute(self, sql: str) -> None:
        self.server.statements.append(sql)
        self._rows = self.server.answer(sql)

    def fetchone(self) -> tuple[Any, ...] | None:
        return self._rows.pop(0) if self._rows else None

    def fetchall(self) -> list[tuple[Any, ...]]:
        rows, self._rows = self._rows, []
        return rows

    def fetchmany(self, size: int) -> list[tuple[Any, ...]]:
        rows, self._rows = self._rows[:size], self._rows[size:]
        return rows


class CatalogServer:
    """A stand-in for a pymssql connection to one database (sys views + two tables)."""

    def __init__(self, *, snapshot: bool = True, rows: list[tuple[Any, ...]] | None = None):
        self.snapshot = snapshot
        self.rows = ROWS if rows is None else rows
        self.statements: list[str] = []
        self.cancelled = 0
        self._conn = self  # pymssql.Connection._conn (the _mssql connection)

    def cursor(self) -> CatalogCursor:
        return CatalogCursor(self)

    def cancel(self) -> None:
        self.cancelled += 1

    def close(self) -> None:
        pass

    def answer(self, sql: str) -> list[tuple[Any, ...]]:
        columns = [ID_COLUMN, *(case[0] for case in CASES)]
        catalog_answers: dict[str, list[tuple[Any, ...]]] = {
            cat.DATABASE_SQL: [("shop", "16.0.4135.4", "Developer Edition", int(self.snapshot),
                                "Korean_Wansung_CI_AS")],
            cat.OBJECTS_SQL: [("dbo", "all_types", ALL_TYPES_ID, "U "),
                              ("sales", "child", CHILD_ID, "U "),
                              ("sales", "v_child", VIEW_ID, "V ")],
            cat.COLUMNS_SQL: [_column_row(ALL_TYPES_ID, i + 1, c) for i, c in enumerate(columns)]
            + [_column_row(CHILD_ID, i + 1, c) for i, c in enumerate(CHILD_COLUMNS)]
            + [_column_row(VIEW_ID, 1, CHILD_COLUMNS[2])],
            cat.KEYS_SQL: [(ALL_TYPES_ID, "PK_all_types", True, False, False, "id", False),
                           (CHILD_ID, "PK_child", True, False, False, "all_types_id", False),
                           (CHILD_ID, "PK_child", True, False, False, "line", False),
                           (CHILD_ID, "UQ_child_code", False, True, False, "code", False)],
            cat.FOREIGN_KEYS_SQL: [(CHILD_ID, "FK_child_all_types", "dbo", "all_types",
                                    "all_types_id", "id", "CASCADE", "NO_ACTION", False, False)],
            cat.IDENTITY_SQL: [(ALL_TYPES_ID, "id", "1", "1", "2")],
        }  # fmt: skip
        if sql in catalog_answers:
            return list(catalog_answers[sql])
        if sql.startswith("SET TRANSACTION") or sql.startswith("COMMIT"):
            return []
        if "SQL_VARIANT_PROPERTY" in sql and "GROUP BY" in sql:
            return [("money", 1)]
        table_rows = {"[dbo].[all_types]": self.rows, "[sales].[child]": CHILD_ROWS}
        for table, rows in table_rows.items():
            if sql == f"SELECT COUNT_BIG(*) FROM {table}":
                return [(len(rows),)]
            if sql.startswith("SELECT ") and f"FROM {table} AS [src] ORDER BY" in sql:
                return list(rows)
        raise AssertionError(f"unexpected SQL: {sql}")


CONFIG = {"host": "sqlserver.test", "database": "shop", "user": "reader", "password": "pw"}


def run_tap(
    monkeypatch: pytest.MonkeyPatch,
    server: CatalogServer,
    catalog: dict[str, Any] | None = None,
    **config: Any,
) -> list[dict[str, Any]]:
    """Run TapMSSQL in-process on `server`; the Singer messages it writes to stdout."""
    lines = run_tap_lines(monkeypatch, server, catalog, **config)
    return [json.loads(line, parse_float=Decimal) for line in lines]


def run_tap_lines(
    monkeypatch: pytest.MonkeyPatch,
    server: CatalogServer,
    catalog: dict[str, Any] | None = None,
    **config: Any,
) -> list[str]:
    """The tap's stdout lines, exactly as written."""
    from tap_mssql import tap as tap_module

    monkeypatch.setattr(tap_module, "connect", lambda settings: server)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        tap = tap_module.TapMSSQL(
            config={**CONFIG, **config}, catalog=catalog, validate_config=True
        )
        tap.sync_all()
        tap.check_row_counts()
    return [line for line in out.getvalue().splitlines() if line.strip()]


def by_type(messages: Sequence[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [m for m in messages if m["type"] == kind]


@pytest.fixture
def tap_messages(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    return run_tap(monkeypatch, CatalogServer(), emit_activate_version_messages=True)


def test_streams_schema_annotations_and_records(tap_messages: list[dict[str, Any]]) -> None:
    schemas = {m["stream"]: m for m in by_type(tap_messages, "SCHEMA")}
    assert list(schemas) == ["dbo-all_types", "sales-child", "_source_audit"]
    all_types = schemas["dbo-all_types"]
    assert all_types["key_properties"] == ["id"]
    schema = all_types["schema"]
    assert schema["x-mssql-primary-key"] == ["id"]
    assert schema["x-mssql-identity"] == {
        "column": "id", "seed": "1", "increment": "1", "last_value": "2",
    }  # fmt: skip
    assert list(schema["properties"]) == ["id", *CASE_IDS]  # every column, in order
    assert schema["properties"]["c_sql_variant"]["x-mssql-variant-base-types"] == {"money": 1}
    child = schemas["sales-child"]["schema"]
    assert schemas["sales-child"]["key_properties"] == ["all_types_id", "line"]
    assert child["x-mssql-foreign-keys"] == [
        {
            "name": "FK_child_all_types", "columns": ["all_types_id"],
            "referenced_schema": "dbo", "referenced_table": "all_types",
            "referenced_columns": ["id"], "on_delete": "CASCADE", "on_update": "NO_ACTION",
            "disabled": False, "not_trusted": False,
        }
    ]  # fmt: skip
    assert child["x-mssql-unique"] == [
        {"name": "UQ_child_code", "columns": ["code"], "constraint": True, "filtered": False}
    ]
    assert child["properties"]["total"]["x-mssql-computed"] == "([line]*(2.5))"

    records = [m["record"] for m in by_type(tap_messages, "RECORD")]
    first = next(r for r in records if r.get("id") == 1 and "c_bit" in r)
    for column, _value, _schema, expected in CASES:
        got = first[column.name]
        assert (float(got) if isinstance(expected, float) else got) == expected, column.name
    second = next(r for r in records if r.get("id") == 2 and "c_bit" in r)
    assert all(second[name] is None for name in CASE_IDS)
    versions = [m["stream"] for m in by_type(tap_messages, "ACTIVATE_VERSION")]
    assert "dbo-all_types" in versions


def test_decimals_are_exact_json_numbers(tap_messages: list[dict[str, Any]]) -> None:
    """Parsed with parse_float=Decimal (as target-postgres does): the digits are all there."""
    record = next(
        m["record"]
        for m in tap_messages
        if m["type"] == "RECORD" and m["record"].get("c_decimal") is not None
    )
    assert record["c_decimal"] == Decimal("1234567890123456789012345678.0123456789")
    assert str(record["c_money"]) == "922337203685477.5807"
    assert str(record["c_smallmoney"]) == "-214748.3648"


def test_audit_lists_every_source_column_and_counts(tap_messages: list[dict[str, Any]]) -> None:
    audit = {
        m["record"]["table_name"]: m["record"]
        for m in by_type(tap_messages, "RECORD")
        if m["stream"] == "_source_audit"
    }
    assert list(audit) == ["dbo-all_types", "sales-child", "sales-v_child"]
    row = audit["dbo-all_types"]
    assert row["status"] == "extracted"
    assert (row["source_row_count"], row["emitted_row_count"]) == (2, 2)
    assert row["consistent_count"] is True
    columns = json.loads(row["columns"])
    assert [c["name"] for c in columns] == ["id", *CASE_IDS]
    assert row["source_column_count"] == len(columns)
    by_name = {c["name"]: c for c in columns}
    assert by_name["c_varbinary"]["content_encoding"] == "base16"
    assert by_name["c_geography"]["read_as"].startswith("EWKT")
    assert by_name["c_sql_variant"]["variant_base_types"] == {"money": 1}
    assert audit["sales-v_child"]["status"] == "skipped"
    assert audit["sales-v_child"]["object_type"] == "view"


def test_snapshot_brackets_count_and_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    server = CatalogServer()
    run_tap(monkeypatch, server, tables=["all_types"])
    reads = [s for s in server.statements if "[dbo].[all_types]" in s or "TRANSACTION" in s]
    assert "SQL_VARIANT_PROPERTY" in reads.pop(0)  # discovery: the variant base-type scan
    assert reads[0].startswith("SET TRANSACTION ISOLATION LEVEL SNAPSHOT")
    assert reads[1] == "SELECT COUNT_BIG(*) FROM [dbo].[all_types]"
    assert reads[2].startswith("SELECT [id], [c_bit]") and reads[2].endswith(
        "FROM [dbo].[all_types] AS [src] ORDER BY [src].[id]"
    )
    assert reads[3].startswith("COMMIT")


def test_settings_filter_tables_and_schemas(monkeypatch: pytest.MonkeyPatch) -> None:
    messages = run_tap(monkeypatch, CatalogServer(), schemas=["SALES"])
    audit = {
        m["record"]["table_name"]: m["record"]
        for m in by_type(messages, "RECORD")
        if m["stream"] == "_source_audit"
    }
    assert audit["dbo-all_types"]["status"] == "deselected"
    assert audit["dbo-all_types"]["skip_reason"] == "schema not in the 'schemas' setting"
    assert audit["sales-child"]["status"] == "extracted"
    messages = run_tap(monkeypatch, CatalogServer(), exclude_tables=["sales.*"])
    streams = {m["stream"] for m in by_type(messages, "SCHEMA")}
    assert streams == {"dbo-all_types", "_source_audit"}


def test_input_catalog_selects_streams_and_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    """A Meltano catalog deselecting a table and a column: both show in the audit; an
    INCREMENTAL replication method in it is ignored (full table only)."""
    from tap_mssql import tap as tap_module

    monkeypatch.setattr(tap_module, "connect", lambda settings: CatalogServer())
    catalog = tap_module.TapMSSQL(config=CONFIG, validate_config=True).catalog_dict
    for entry in catalog["streams"]:
        for item in entry["metadata"]:
            if entry["tap_stream_id"] == "sales-child" and item["breadcrumb"] == []:
                item["metadata"]["selected"] = False
            if item["breadcrumb"] == ["properties", "c_xml"]:
                item["metadata"]["selected"] = False
            if entry["tap_stream_id"] == "dbo-all_types" and item["breadcrumb"] == []:
                item["metadata"].update(
                    {"replication-method": "INCREMENTAL", "replication-key": "c_datetime2"}
                )
    discovered = {entry["tap_stream_id"]: entry["schema"] for entry in catalog["streams"]}
    assert discovered["dbo-all_types"]["x-mssql-primary-key"] == ["id"]  # kept in the catalog
    assert discovered["dbo-all_types"]["properties"]["c_xml"]["x-mssql-type"] == "xml"
    messages = run_tap(monkeypatch, CatalogServer(), catalog)
    streams = {m["stream"] for m in by_type(messages, "SCHEMA")}
    assert streams == {"dbo-all_types", "_source_audit"}
    records = [m["record"] for m in by_type(messages, "RECORD") if m["stream"] == "dbo-all_types"]
    assert len(records) == 2 and all("c_xml" not in r for r in records)
    audit = {
        m["record"]["table_name"]: m["record"]
        for m in by_type(messages, "RECORD")
        if m["stream"] == "_source_audit"
    }
    assert audit["sales-child"]["status"] == "deselected"
    assert audit["sales-child"]["skip_reason"] == "not selected in the catalog"
    assert json.loads(audit["dbo-all_types"]["deselected_columns"]) == ["c_xml"]
    assert "c_xml" in [c["name"] for c in json.loads(audit["dbo-all_types"]["columns"])]


def test_row_count_self_check(monkeypatch: pytest.MonkeyPatch) -> None:
    class ShrinkingServer(CatalogServer):
        """COUNT_BIG says 2 rows, the SELECT returns 1 (a table changing under the read)."""

        def answer(self, sql: str) -> list[tuple[Any, ...]]:
            rows = super().answer(sql)
            return rows[:1] if "ORDER BY [src].[id]" in sql else rows

    with pytest.raises(MSSQLError, match=r"row count self-check failed: dbo-all_types \(source 2"):
        run_tap(monkeypatch, ShrinkingServer(snapshot=False), tables=["all_types"])


def test_unsupported_column_stops_before_any_record(monkeypatch: pytest.MonkeyPatch) -> None:
    udt = col("c_udt", "Money2", is_user_defined=True, is_assembly_type=True)
    original = CASES[:]
    CASES.append((udt, b"\x01", {}, None))
    try:
        with pytest.raises(UnsupportedDataError, match="column 'c_udt': unsupported CLR"):
            run_tap(monkeypatch, CatalogServer(rows=[(1, *(c[1] for c in CASES))]))
    finally:
        CASES[:] = original


# --- the exact messages through the real target-postgres ------------------------------------------

TARGET_CONFIG = {  # as extract/loaders.meltano.yml configures it
    "use_copy": True,
    "validate_records": False,
    "batch_size_rows": 20000,
    "add_record_metadata": True,
    "activate_version": True,
    "hard_delete": False,
    "sanitize_null_text_characters": True,
    "interpret_content_encoding": True,
}

#: column -> (PostgreSQL type of the raw column, value read back as text)
EXPECTED_RAW = {
    "c_bit": ("boolean", "true"),
    "c_tinyint": ("bigint", "255"),
    "c_smallint": ("bigint", "-32768"),
    "c_int": ("bigint", "-2147483648"),
    "c_bigint": ("bigint", "9223372036854775807"),
    "c_decimal": ("numeric", "1234567890123456789012345678.0123456789"),
    "c_numeric": ("numeric", "-123456789012345678"),
    "c_money": ("numeric", "922337203685477.5807"),
    "c_smallmoney": ("numeric", "-214748.3648"),
    "c_float": ("numeric", "0.000000000000000000015"),
    "c_real": ("numeric", "0.10000000149011612"),
    "c_date": ("date", "0001-01-01"),
    "c_time": ("text", "13:14:15.1234567"),
    "c_datetime": ("text", "2024-01-02 03:04:05.007"),
    "c_datetime2": ("text", "2024-01-02 03:04:05.1234567"),
    "c_smalldatetime": ("text", "2024-01-02 03:04:00"),
    "c_datetimeoffset": ("text", "2023-08-22 08:24:32.1277000+10:00"),
    "c_char": ("text", "abc       "),
    "c_varchar": ("text", "plain ascii"),
    "c_varchar_ko": ("text", KOREAN),
    "c_nchar": ("text", "가나다       "),
    "c_nvarchar": ("text", "emoji 😀 and 한글"),
    "c_text": ("text", "text"),
    "c_ntext": ("text", "ntext ü"),
    "c_uniqueidentifier": ("uuid", "6f9619ff-8b86-d011-b42d-00c04fc964ff"),
    "c_binary": ("bytea", "\\x0001feff"),
    "c_varbinary": ("bytea", "\\x" + bytes(range(256)).hex()),
    "c_image": ("bytea", "\\x89504e470d0a1a0a"),
    "c_rowversion": ("bytea", "\\x00000000000007d1"),
    "c_xml": ("text", '<order id="1"><line>한글</line></order>'),
    "c_geography": ("text", "SRID=4326;POINT (-122.349 47.651)"),
    "c_geometry": ("text", "SRID=0;LINESTRING (100 100, 20 180, 180 180)"),
    "c_hierarchyid": ("text", "/1/3/2/"),
    "c_sql_variant": ("text", "922337203685477.5807"),
    "c_ssn": ("text", "123-45-6789"),
}


def test_expected_raw_covers_every_case() -> None:
    assert sorted(EXPECTED_RAW) == sorted(CASE_IDS)


def run_target(
    lines: Sequence[str], settings: Any, schema: str, work: Path, **extra: Any
) -> subprocess.CompletedProcess[str]:
    if not TARGET.exists():
        pytest.skip(f"target-postgres not installed at {TARGET} (run `meltano install`)")
    config = {
        "host": settings.host,
        "port": settings.port,
        "user": settings.user,
        "password": settings.password,
        "database": settings.database,
        "default_target_schema": schema,
        **TARGET_CONFIG,
        **extra,
    }
    config_path = work / f"target-{schema}.json"
    config_path.write_text(json.dumps(config), encoding="utf-8")
    return subprocess.run(
        [str(TARGET), "--config", str(config_path)],
        input="".join(line + "\n" for line in lines),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=TIMEOUT,
        check=False,
    )


@contextlib.contextmanager
def connect(settings: Any) -> Iterator[psycopg.Connection]:
    with psycopg.connect(settings.conninfo(), autocommit=True) as connection:
        yield connection


#: Decimals with more significant digits than a double holds (16-17).
WIDE_DECIMALS = ("c_decimal", "c_numeric", "c_money")


def load_raw(
    monkeypatch: pytest.MonkeyPatch, pg_server: Any, tmp_path: Path, schema: str, **target: Any
) -> tuple[dict[str, str], tuple[Any, ...], tuple[Any, ...], list[dict[str, Any]]]:
    """The tap's exact messages through target-postgres into `schema`: raw column types,
    row 1 and row 2 (all NULL) as text, and the audit's column list."""
    lines = run_tap_lines(monkeypatch, CatalogServer(), emit_activate_version_messages=True)
    done = run_target(lines, pg_server, schema, tmp_path, **target)
    assert done.returncode == 0, done.stderr[-4000:]
    names = ", ".join(f'"{name}"::text' for name in EXPECTED_RAW)
    with connect(pg_server) as connection:
        types = dict(
            connection.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = %s and table_name = 'all_types'",
                (schema,),
            ).fetchall()
        )
        rows = connection.execute(f'select {names} from "{schema}".all_types order by id')
        first, second = rows.fetchall()
        audit = connection.execute(
            f"select columns from \"{schema}\"._source_audit where table_name = 'dbo-all_types'"
        ).fetchone()[0]
    return types, first, second, json.loads(audit)


@pytest.mark.parametrize(
    "target",
    [
        pytest.param({}, id="project-config-copy"),
        pytest.param({"use_copy": False, "validate_records": True}, id="insert-validated"),
    ],
)
def test_target_postgres_loads_every_type(
    monkeypatch: pytest.MonkeyPatch, pg_server: Any, tmp_path: Path, target: dict[str, Any]
) -> None:
    """The tap's exact messages -> target-postgres 0.8.1 -> raw columns, values intact:
    bytea bytes, uuid, date, offsets kept, Korean and emoji text, 7-digit times.

    `insert-validated` also runs singer-sdk's jsonschema validation of every record (the
    step tap-mssql 2.6.5's `multipleOf` and `time` output crashed) and checks exact
    decimals; under COPY they are checked by test_copy_keeps_wide_decimals."""
    schema = "raw_mssql_copy" if not target else "raw_mssql_insert"
    types, first, second, audit = load_raw(monkeypatch, pg_server, tmp_path, schema, **target)
    got = {name: (types.get(name), value) for name, value in zip(EXPECTED_RAW, first, strict=True)}
    expected = dict(EXPECTED_RAW)
    assert got == expected
    assert all(value is None for value in second)
    # column parity: every source column the audit lists is a raw column
    assert [c["name"] for c in audit] == ["id", *CASE_IDS]
    assert {c["name"] for c in audit} <= set(types)


def test_copy_keeps_wide_decimals(
    monkeypatch: pytest.MonkeyPatch, pg_server: Any, tmp_path: Path
) -> None:
    """meltanolabs-target-postgres 0.8.1 rounded every number to a double before COPY (our
    setting); extract/target-postgres/cutover_target_postgres/exact_copy.py fixes it."""
    _types, first, _second, _audit = load_raw(monkeypatch, pg_server, tmp_path, "raw_mssql_wide")
    got = dict(zip(EXPECTED_RAW, first, strict=True))
    assert {name: got[name] for name in WIDE_DECIMALS} == {
        name: EXPECTED_RAW[name][1] for name in WIDE_DECIMALS
    }


# --- the executable ------------------------------------------------------------------------------


def _executable() -> str | None:
    configured = os.environ.get("TAP_MSSQL_EXECUTABLE")
    if configured:
        return configured
    if MELTANO_TAP.exists():
        return str(MELTANO_TAP)
    return shutil.which("tap-mssql")


@pytest.fixture(scope="module")
def tap_exe() -> str:
    executable = _executable()
    if executable is None:
        pytest.skip(
            "tap-mssql is not installed (set TAP_MSSQL_EXECUTABLE, or `meltano install` "
            "the tap-mssql extractor)"
        )
    return executable


def run_exe(tap_exe: str, tmp_path: Path, config: dict[str, Any], *args: str):
    config_path = tmp_path / "config.json"
    config_path.write_text(json.dumps(config), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("TAP_MSSQL_")}
    return subprocess.run(
        [tap_exe, "--config", str(config_path), *args],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
        env=env,
    )


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("tap-mssql: error:")]


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"database": "shop"}, "tap-mssql: error: setting 'host' is required"),
        ({"host": "db.test"}, "tap-mssql: error: setting 'database' is required"),
        (
            {"host": "db.test", "database": "shop", "characterset": "klingon"},
            "tap-mssql: error: setting 'characterset' 'klingon' is not a known character set",
        ),
        (
            {"host": "db.test", "database": "shop", "encryption": "always"},
            "tap-mssql: error: setting 'encryption' must be one of default, off, request, require",
        ),
    ],
    ids=["no-host", "no-database", "bad-charset", "bad-encryption"],
)
@pytest.mark.parametrize("mode", [(), ("--discover",)], ids=["sync", "discover"])
def test_cli_one_line_errors_for_settings(
    tap_exe: str, tmp_path: Path, config: dict[str, Any], message: str, mode: tuple[str, ...]
) -> None:
    done = run_exe(tap_exe, tmp_path, config, *mode)
    assert done.returncode == 1
    lines = error_lines(done.stderr)
    assert len(lines) == 1 and lines[0].startswith(message), done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == ""


def test_cli_unreachable_server_is_one_line_without_password(tap_exe: str, tmp_path: Path) -> None:
    import socket

    with socket.socket() as probe:  # a free local port: nothing listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = {
        "host": "127.0.0.1", "port": port, "database": "shop", "user": "reader",
        "password": "s3cret-pw", "login_timeout": 5,
    }  # fmt: skip
    done = run_exe(tap_exe, tmp_path, config, "--discover")
    assert done.returncode == 1
    lines = error_lines(done.stderr)
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(
        f"tap-mssql: error: cannot connect to SQL Server reader@127.0.0.1:{port}/shop: "
    )
    assert "s3cret-pw" not in done.stderr + done.stdout
    assert "Traceback" not in done.stderr


def test_cli_about_lists_every_setting(tap_exe: str) -> None:
    done = subprocess.run(
        [tap_exe, "--about", "--format", "json"],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=True,
    )
    about = json.loads(done.stdout)
    settings = about["settings"]["properties"]
    for name in (
        "host", "port", "user", "password", "database", "characterset", "tds_version",
        "schemas", "tables", "exclude_tables", "batch_size", "login_timeout", "encryption",
        "emit_activate_version_messages",
    ):  # fmt: skip
        assert name in settings, name
    assert settings["password"].get("secret") is True
    assert settings["port"]["default"] == 1433
    assert settings["batch_size"]["default"] == 10000
    assert settings["characterset"]["default"] == "utf8"
    assert sorted(about["settings"]["required"]) == ["database", "host"]
    assert "activate-version" in about["capabilities"]


def test_config_schema_validates() -> None:
    import jsonschema
    from tap_mssql.tap import TapMSSQL

    validator = jsonschema.Draft7Validator(TapMSSQL.config_jsonschema)
    good = {**CONFIG, "port": 1433, "schemas": ["dbo"], "batch_size": 5000, "encryption": "require"}
    assert not list(validator.iter_errors(good))
    for bad in (
        {"database": "shop"},
        {**CONFIG, "batch_size": 0},
        {**CONFIG, "encryption": "strict"},
        {**CONFIG, "tds_version": "9.9"},
        {**CONFIG, "schemas": "dbo"},
    ):
        assert list(validator.iter_errors(bad)), bad
