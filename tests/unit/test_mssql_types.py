"""SQL Server -> PostgreSQL type rules (cutover.scaffold.mssql_types) and the SQL Server
source reader's parts that need no server (cutover.sources.mssql): its catalog SQL parses
as T-SQL, its settings, its error lines, and the proof's canonical form of the Python
values pymssql returns (cutover.proof.normalise.typed_value)."""

from __future__ import annotations

import datetime as dt
import socket
import subprocess
import sys
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from cutover.errors import CutoverError
from cutover.proof.normalise import ColumnRule, kind_of, typed_value
from cutover.scaffold.mssql_types import map_mssql_column
from cutover.scaffold.sqlite_types import VERBATIM
from cutover.sources import mssql

REPO_ROOT = Path(__file__).resolve().parents[2]
SQLFLUFF = REPO_ROOT / ".meltano" / "utilities" / "sqlfluff" / "venv" / "bin" / "sqlfluff"

# --- type rules -------------------------------------------------------------------------------

#: (data_type, max_length, precision, scale) -> (pg_type, verbatim staging?, rule_id)
RULES = [
    (("bit", 1, 1, 0), ("boolean", True, "mssql-bit")),
    (("tinyint", 1, 3, 0), ("smallint", False, "mssql-integer")),
    (("smallint", 2, 5, 0), ("smallint", False, "mssql-integer")),
    (("int", 4, 10, 0), ("integer", False, "mssql-integer")),
    (("bigint", 8, 19, 0), ("bigint", False, "mssql-integer")),
    (("decimal", 17, 38, 10), ("numeric(38,10)", False, "mssql-decimal")),
    (("NUMERIC", 9, 18, 0), ("numeric(18,0)", False, "mssql-decimal")),
    (("money", 8, 19, 4), ("numeric(19,4)", False, "mssql-money")),
    (("smallmoney", 4, 10, 4), ("numeric(10,4)", False, "mssql-money")),
    (("float", 8, 53, 0), ("double precision", False, "mssql-float")),
    (("float", 4, 24, 0), ("real", False, "mssql-float")),
    (("real", 4, 24, 0), ("real", False, "mssql-float")),
    (("date", 3, 10, 0), ("date", True, "mssql-date")),
    (("time", 5, 16, 7), ("time(6)", False, "mssql-time")),
    (("time", 3, 8, 0), ("time(0)", False, "mssql-time")),
    (("datetime", 8, 23, 3), ("timestamp(3)", False, "mssql-datetime")),
    (("smalldatetime", 4, 16, 0), ("timestamp(0)", False, "mssql-datetime")),
    (("datetime2", 8, 27, 7), ("timestamp(6)", False, "mssql-datetime2")),
    (("datetime2", 6, 19, 0), ("timestamp(0)", False, "mssql-datetime2")),
    (("datetimeoffset", 10, 34, 7), ("timestamptz", False, "mssql-datetimeoffset")),
    (("char", 10, 0, 0), ("char(10)", True, "mssql-char")),
    (("nchar", 20, 0, 0), ("char(10)", True, "mssql-char")),
    (("varchar", 50, 0, 0), ("varchar(50)", True, "mssql-varchar")),
    (("nvarchar", 100, 0, 0), ("varchar(50)", True, "mssql-varchar")),
    (("varchar", -1, 0, 0), ("text", True, "mssql-text")),
    (("nvarchar", -1, 0, 0), ("text", True, "mssql-text")),
    (("text", 16, 0, 0), ("text", True, "mssql-text")),
    (("ntext", 16, 0, 0), ("text", True, "mssql-text")),
    (("sysname", 256, 0, 0), ("text", True, "mssql-text")),
    (("uniqueidentifier", 16, 0, 0), ("uuid", True, "mssql-uuid")),
    (("binary", 16, 0, 0), ("bytea", True, "mssql-bytes")),
    (("varbinary", -1, 0, 0), ("bytea", True, "mssql-bytes")),
    (("image", 16, 0, 0), ("bytea", True, "mssql-bytes")),
    (("timestamp", 8, 0, 0), ("bytea", True, "mssql-rowversion")),
    (("xml", -1, 0, 0), ("xml", False, "mssql-xml")),
    (("geography", -1, 0, 0), ("text", True, "mssql-spatial")),
    (("geometry", -1, 0, 0), ("text", True, "mssql-spatial")),
    (("hierarchyid", 892, 0, 0), ("text", True, "mssql-hierarchyid")),
    (("sql_variant", 8016, 0, 0), ("text", True, "mssql-variant")),
    (("json", -1, 0, 0), ("json", False, "mssql-json")),
    (("vector", 20, 0, 0), ("vector", False, "mssql-vector")),
]


@pytest.mark.parametrize(("args", "expected"), RULES, ids=[f"{a[0]}-{a[1]}" for a, _ in RULES])
def test_type_rules(args: tuple[str, int, int, int], expected: tuple[str, bool, str]) -> None:
    pg_type, verbatim, _rule_id = expected
    mapping = map_mssql_column(*args)
    assert (mapping.pg_type, mapping.staging == VERBATIM, mapping.rule_id) == expected
    assert mapping.rule.startswith(args[0].lower())  # the why names the source type
    if not verbatim:
        assert mapping.staging == f"try_cast('{{col}}', '{pg_type}', casts)"
        assert mapping.staging_sql('"Total"') == (
            "{{ try_cast('\"Total\"', '" + pg_type + "', casts) }}"
        )
    else:
        assert mapping.staging_sql('"Total"') == '"Total"'
    assert not mapping.identity


def test_rowversion_under_both_names() -> None:
    """sys.types calls it timestamp; T-SQL also accepts rowversion."""
    assert map_mssql_column("rowversion", 8).pg_type == "bytea"
    assert map_mssql_column("timestamp", 8).rule.startswith("timestamp (rowversion): bytea")


def test_identity_keeps_the_integer_type() -> None:
    mapping = map_mssql_column("int", 4, 10, 0, is_identity=True)
    assert (mapping.pg_type, mapping.identity) == ("integer", True)
    assert "IDENTITY" in mapping.rule
    assert not map_mssql_column("decimal", 9, 18, 0, is_identity=True).identity


def test_why_mentions_what_is_lost() -> None:
    assert "7th fractional digit is rounded" in map_mssql_column("datetime2", 8, 27, 7).rule
    assert "rounded" not in map_mssql_column("datetime2", 8, 26, 6).rule
    assert "not the offset" in map_mssql_column("datetimeoffset", 10, 34, 7).rule
    assert "xmin" in map_mssql_column("timestamp", 8).rule


def test_postgis_maps_spatial_types() -> None:
    mapping = map_mssql_column("geography", -1, postgis=True)
    assert (mapping.pg_type, mapping.staging) == (
        "geography",
        "try_cast('{col}', 'geography', casts)",
    )


@pytest.mark.parametrize("data_type", ["MyMoneyUdt", "cursor", "table"])
def test_unknown_types_are_refused(data_type: str) -> None:
    with pytest.raises(CutoverError, match=f"SQL Server type {data_type!r} has no PostgreSQL"):
        map_mssql_column(data_type)


# --- the reader's SQL -------------------------------------------------------------------------


def test_catalog_sql_constants_are_reviewable() -> None:
    assert set(mssql.CATALOG_SQL) == {
        "objects", "columns", "indexes", "foreign_keys", "checks", "identity", "triggers",
        "table_sizes", "database_size", "extra_counts",
    }  # fmt: skip
    for name, sql in mssql.CATALOG_SQL.items():
        assert sql.strip().upper().startswith("SELECT"), name
        assert "INFORMATION_SCHEMA" not in sql.upper(), name  # sys views only
        for word in ("INSERT", "UPDATE ", "DELETE", "DROP", "EXEC", "CREATE", "ALTER"):
            assert word not in sql.upper(), (name, word)  # read-only
    assert "IDENT_CURRENT" in mssql.IDENTITY_SQL


@pytest.mark.skipif(not SQLFLUFF.exists(), reason=f"sqlfluff not installed at {SQLFLUFF}")
def test_catalog_sql_parses_as_tsql(tmp_path: Path) -> None:
    """sqlfluff's T-SQL grammar (the Meltano utility) parses every statement the reader
    sends, the row SELECT with its sql_variant / spatial / hierarchyid expressions too."""
    statements = dict(mssql.CATALOG_SQL)
    expressions = ", ".join(
        mssql.select_expression(name, kind)
        for name, kind in [
            ("id", "int"), ("v", "sql_variant"), ("g", "geography"), ("h", "hierarchyid"),
            ("x", "xml"),
        ]
    )  # fmt: skip
    statements["rows"] = f"SELECT {expressions} FROM [dbo].[t] ORDER BY [id]"
    for name, sql in statements.items():
        path = tmp_path / f"{name}.sql"
        path.write_text(sql.strip() + "\n", encoding="utf-8")
        done = subprocess.run(
            [str(SQLFLUFF), "parse", "--dialect", "tsql", str(path)],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert "unparsable" not in done.stdout, f"{name}:\n{done.stdout[-2000:]}"
        assert done.returncode == 0, f"{name}:\n{done.stdout[-2000:]}{done.stderr[-2000:]}"


def test_select_expressions() -> None:
    assert mssql.select_expression("a]b", "int") == "[a]]b]"
    assert mssql.select_expression("d", "datetime2") == "[d]"  # pymssql's own datetime
    assert mssql.select_expression("h", "hierarchyid") == "[h].ToString()"
    assert mssql.select_expression("x", "xml") == "CAST([x] AS nvarchar(max))"
    assert mssql.select_expression("g", "GEOMETRY") == (
        "'SRID=' + CAST([g].STSrid AS varchar(11)) + ';' + [g].ToString()"
    )
    variant = mssql.select_expression("v", "sql_variant")
    assert "WHEN 'money' THEN CONVERT(nvarchar(max), CAST([v] AS money), 2)" in variant


@pytest.mark.parametrize(
    ("args", "declared"),
    [
        (("nvarchar", 100, 0, 0), "nvarchar(50)"),
        (("varbinary", -1, 0, 0), "varbinary(max)"),
        (("decimal", 17, 38, 10), "decimal(38,10)"),
        (("datetimeoffset", 10, 34, 7), "datetimeoffset(7)"),
        (("int", 4, 10, 0), "int"),
    ],
)
def test_declared_type(args: tuple[str, int, int, int], declared: str) -> None:
    assert mssql.declared_type(*args) == declared


# --- settings, errors ----------------------------------------------------------------------------


def test_settings_from_the_extractor() -> None:
    settings = mssql.MssqlSettings.from_mapping(
        {
            "host": "sql.example", "port": "1434", "user": "reader", "password": "pw",
            "database": "shop", "schemas": ["Sales"], "exclude_tables": ["*_archive"],
            "tds_version": None, "encryption": "",
        }
    )  # fmt: skip
    assert settings.label == "reader@sql.example:1434/shop"
    kwargs = settings.connect_kwargs()
    assert kwargs["port"] == "1434" and kwargs["charset"] == "utf8"
    assert "tds_version" not in kwargs and "encryption" not in kwargs
    assert settings.excluded("sales", "orders") is None  # schema names: case-insensitive
    assert settings.excluded("dbo", "orders") == "schema not in the extractor's 'schemas' setting"
    assert "exclude_tables" in (settings.excluded("Sales", "orders_archive") or "")


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"database": "shop"}, "setting 'host' is not set"),
        ({"host": "h"}, "setting 'database' is not set"),
        ({"host": "h", "database": "d", "characterset": "nope"}, "unknown characterset 'nope'"),
    ],
)
def test_bad_settings(settings: dict[str, str], message: str) -> None:
    with pytest.raises(CutoverError, match=message):
        mssql.open_mssql(settings)


def test_error_text_is_one_line() -> None:
    """pymssql's OperationalError args, as it raises them for a refused connection."""
    exc = Exception(
        (
            20009,
            b"DB-Lib error message 20009, severity 9:\nUnable to connect: Adaptive Server is "
            b"unavailable or does not exist (db:1433)\nNet-Lib error during Connection refused "
            b"(111)\nDB-Lib error message 20009, severity 9:\nUnable to connect: Adaptive Server"
            b" is unavailable or does not exist (db:1433)\n",
        )
    )
    assert mssql.error_text(exc) == (
        "Unable to connect: Adaptive Server is unavailable or does not exist (db:1433); "
        "Net-Lib error during Connection refused (111)"
    )


def test_missing_pymssql_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pymssql", None)  # `import pymssql` raises ImportError
    with pytest.raises(CutoverError, match=r"needs pymssql: install extract/tap-mssql"):
        mssql.open_mssql({"host": "h", "database": "d"})


def test_unreachable_server_is_one_line_without_password() -> None:
    pytest.importorskip(
        "pymssql", reason="pymssql is not in this environment (it comes with extract/tap-mssql)"
    )
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(CutoverError) as error:
        mssql.open_mssql(
            {"host": "127.0.0.1", "port": port, "database": "shop", "user": "u",
             "password": "s3cret", "login_timeout": 5}
        )  # fmt: skip
    message = str(error.value)
    assert message.startswith(f"cannot connect to SQL Server u@127.0.0.1:{port}/shop: ")
    assert "\n" not in message and "s3cret" not in message


# --- pymssql's Python values, as the proof canonicalises them ---------------------------


def rule(final_type: str, name: str = "c") -> ColumnRule:
    found = kind_of(final_type)
    assert found is not None, final_type
    kind, scale = found
    return ColumnRule(name, kind, scale)


#: (pymssql value, the final column's type (from map_mssql_column), canonical text)
VALUES = [
    (True, "boolean", "true"),
    (False, "boolean", "false"),
    (255, "smallint", "255"),
    (-9223372036854775808, "bigint", "-9223372036854775808"),
    (Decimal("922337203685477.5807"), "numeric(19,4)", "922337203685477.5807"),
    (Decimal("-214748.3648"), "numeric(10,4)", "-214748.3648"),
    (Decimal("12.5000"), "numeric(10,4)", "12.5"),
    (
        Decimal("1234567890123456789012345678.0123456789"),
        "numeric(38,10)",
        "1234567890123456789012345678.0123456789",
    ),
    (0.1, "double precision", "0.1"),
    (1.5e-20, "double precision", "0.000000000000000000015"),
    (dt.date(1, 1, 1), "date", "0001-01-01"),
    (dt.datetime(2024, 1, 2, 3, 4, 5, 7000), "timestamp(3)", "2024-01-02 03:04:05.007000"),
    (dt.datetime(2024, 1, 2, 3, 4, 5, 123456), "timestamp(6)", "2024-01-02 03:04:05.123456"),
    (
        dt.datetime(2023, 8, 22, 8, 24, 32, 127700, tzinfo=dt.timezone(dt.timedelta(hours=10))),
        "timestamptz",
        "2023-08-21 22:24:32.127700",  # the same instant, in UTC
    ),
    (
        uuid.UUID(bytes_le=bytes.fromhex("ff19966f868b11d0b42d00c04fc964ff")),
        "uuid",
        "6f9619ff-8b86-d011-b42d-00c04fc964ff",
    ),
    (b"\x00\x01\xfe\xff", "bytea", "0001feff"),
    ("한글 텍스트", "varchar(50)", "한글 텍스트"),
    ("abc       ", "char(10)", "abc"),  # padding: the text rule trims both sides
    ("SRID=4326;POINT (1 2)", "text", "SRID=4326;POINT (1 2)"),
    ("/1/3/", "text", "/1/3/"),
]


@pytest.mark.parametrize(
    ("value", "final_type", "canonical"), VALUES, ids=[f"{v[1]}-{i}" for i, v in enumerate(VALUES)]
)
def test_pymssql_values_canonicalise(value: object, final_type: str, canonical: str) -> None:
    assert typed_value(value, rule(final_type)) == canonical


def test_time_and_xml_are_not_fingerprinted_by_kind() -> None:
    """normalise has no rule for time/xml/json columns: the gate leaves them out of the typed
    fingerprint (they are compared raw). Listed so a new rule shows up here."""
    for final_type in ("time(6)", "xml", "json", "timestamp(6) with time zone"):
        assert kind_of(final_type) is None or final_type.startswith("timestamp")
