"""SQL Server column type -> how it is selected, its JSON schema and its record encoding.

One function, :func:`map_column`, decides everything about a column; the README's
"Type mapping" table is this module in prose. A type not listed here is an error naming
the table and column (:class:`UnsupportedDataError`): no column is ever left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tap_mssql.catalog import Column, quote_name
from tap_mssql.errors import UnsupportedDataError

# Encoder kinds (encode.py has one function per kind).
BOOLEAN = "boolean"
INTEGER = "integer"
DECIMAL = "decimal"
FLOAT = "float"
DATE = "date"
DATETIME = "datetime"  # datetime / smalldatetime: Python datetime -> naive text
DATETIME2 = "datetime2"  # read as text by the server (7 digits), naive
DATETIMEOFFSET = "datetimeoffset"  # read as text by the server, offset kept
TIME = "time"  # read as text by the server (7 digits)
TEXT = "text"
UUID = "uuid"
BYTES = "bytes"

BASE16 = "base16"

INTEGER_TYPES = frozenset({"tinyint", "smallint", "int", "bigint"})
DECIMAL_TYPES = {"decimal": None, "numeric": None, "money": (19, 4), "smallmoney": (10, 4)}
TEXT_TYPES = frozenset({"char", "varchar", "text", "nchar", "nvarchar", "ntext"})
BYTES_TYPES = frozenset({"binary", "varbinary", "image", "timestamp"})  # timestamp=rowversion
SPATIAL_TYPES = frozenset({"geography", "geometry"})

#: sql_variant: the value's base type decides its text (README "sql_variant").
_VARIANT_TEXT = {
    "binary": "CONVERT(nvarchar(max), CAST({c} AS varbinary(8000)), 1)",
    "varbinary": "CONVERT(nvarchar(max), CAST({c} AS varbinary(8000)), 1)",
    "datetime": "CONVERT(nvarchar(max), CAST({c} AS datetime), 121)",
    "smalldatetime": "CONVERT(nvarchar(max), CAST({c} AS smalldatetime), 120)",
    "datetime2": "CONVERT(nvarchar(max), CAST({c} AS datetime2(7)), 121)",
    "datetimeoffset": "CONVERT(nvarchar(max), CAST({c} AS datetimeoffset(7)), 121)",
    "date": "CONVERT(nvarchar(max), CAST({c} AS date), 23)",
    "time": "CAST(CAST({c} AS time(7)) AS nvarchar(max))",
    "float": "CONVERT(nvarchar(max), CAST({c} AS float), 3)",
    "real": "CONVERT(nvarchar(max), CAST({c} AS real), 3)",
    "money": "CONVERT(nvarchar(max), CAST({c} AS money), 2)",
    "smallmoney": "CONVERT(nvarchar(max), CAST({c} AS smallmoney), 2)",
}


def variant_sql(column_sql: str) -> str:
    """The text of a sql_variant column: per base type, exact (no default style)."""
    branches = " ".join(
        f"WHEN '{base}' THEN {template.format(c=column_sql)}"
        for base, template in _VARIANT_TEXT.items()
    )
    return (
        f"CASE CAST(SQL_VARIANT_PROPERTY({column_sql}, 'BaseType') AS nvarchar(128)) "
        f"{branches} ELSE CAST({column_sql} AS nvarchar(max)) END"
    )


def variant_base_types_sql(column_sql: str, table_sql: str) -> str:
    """Distinct base types of a sql_variant column, with counts (a schema annotation)."""
    base = f"CAST(SQL_VARIANT_PROPERTY({column_sql}, 'BaseType') AS nvarchar(128))"
    return (
        f"SELECT {base}, COUNT_BIG(*) FROM {table_sql} "
        f"WHERE {column_sql} IS NOT NULL GROUP BY {base} ORDER BY 1"
    )


@dataclass(frozen=True)
class ColumnMapping:
    """How one column is selected, typed in JSON schema and encoded."""

    kind: str  # encoder kind
    json_type: str  # "boolean" | "integer" | "number" | "string"
    select_sql: str  # the select-list expression (no alias)
    format: str | None = None
    content_encoding: str | None = None
    content_media_type: str | None = None
    read_as: str | None = None  # why/how the column is not selected as is
    fraction_digits: int | None = None  # datetime kinds: digits the type keeps

    def property_schema(self, column: Column) -> dict[str, Any]:
        """The column's JSON-schema property, with ``x-mssql-*`` annotations."""
        prop: dict[str, Any] = {"type": [self.json_type, "null"]}
        if self.format:
            prop["format"] = self.format
        if self.content_encoding:
            prop["contentEncoding"] = self.content_encoding
        if self.content_media_type:
            prop["contentMediaType"] = self.content_media_type
        prop["x-mssql-type"] = column.declared
        if self.kind == DECIMAL:
            precision, scale = DECIMAL_TYPES.get(column.system_type.lower()) or (
                column.precision,
                column.scale,
            )
            prop["x-mssql-precision"] = precision
            prop["x-mssql-scale"] = scale
        if column.collation:
            prop["x-mssql-collation"] = column.collation
        prop["x-mssql-nullable"] = column.nullable
        if column.is_identity:
            prop["x-mssql-identity"] = True
        if column.computed is not None:
            prop["x-mssql-computed"] = column.computed
        if self.read_as:
            prop["x-mssql-read-as"] = self.read_as
        return prop


def map_column(column: Column, *, table: str) -> ColumnMapping:
    """The mapping of one column of ``table`` (README "Type mapping").

    Raises:
        UnsupportedDataError: a type the tap cannot copy faithfully, naming both.
    """
    base = column.system_type.lower()
    c = quote_name(column.name)
    if column.is_assembly_type and base not in SPATIAL_TYPES | {"hierarchyid"}:
        base = "(clr)"
    if base == "bit":
        return ColumnMapping(BOOLEAN, "boolean", c)
    if base in INTEGER_TYPES:
        return ColumnMapping(INTEGER, "integer", c)
    if base in DECIMAL_TYPES:
        return ColumnMapping(DECIMAL, "number", c)
    if base in {"float", "real"}:
        return ColumnMapping(FLOAT, "number", c)
    if base == "date":
        return ColumnMapping(DATE, "string", c, format="date")
    if base in {"datetime", "smalldatetime"}:
        return ColumnMapping(DATETIME, "string", c, fraction_digits=3 if base == "datetime" else 0)
    if base == "datetime2":
        select = f"CONVERT(varchar(27), {c}, 121)"
        return ColumnMapping(DATETIME2, "string", select, fraction_digits=column.scale)
    if base == "datetimeoffset":
        select = f"CONVERT(varchar(34), {c}, 121)"
        return ColumnMapping(DATETIMEOFFSET, "string", select, fraction_digits=column.scale)
    if base == "time":
        select = f"CAST({c} AS varchar(16))"
        return ColumnMapping(TIME, "string", select, fraction_digits=column.scale)
    if base in TEXT_TYPES:
        return ColumnMapping(TEXT, "string", c)
    if base == "uniqueidentifier":
        return ColumnMapping(UUID, "string", c, format="uuid")
    if base in BYTES_TYPES:
        return ColumnMapping(BYTES, "string", c, content_encoding=BASE16)
    return _text_read(column, base, c, table)


def _text_read(column: Column, base: str, c: str, table: str) -> ColumnMapping:
    """Types with no JSON or driver equivalent, read as text the server writes."""
    if base == "xml":
        return ColumnMapping(
            TEXT,
            "string",
            f"CAST({c} AS nvarchar(max))",
            content_media_type="application/xml",
            read_as="CAST(... AS nvarchar(max))",
        )
    if base in SPATIAL_TYPES:
        select = f"'SRID=' + CAST({c}.STSrid AS varchar(11)) + ';' + {c}.ToString()"
        return ColumnMapping(TEXT, "string", select, read_as="EWKT: SRID=<STSrid>;<ToString()>")
    if base == "hierarchyid":
        return ColumnMapping(TEXT, "string", f"{c}.ToString()", read_as="ToString()")
    if base == "sql_variant":
        return ColumnMapping(
            TEXT,
            "string",
            variant_sql(c),
            read_as="text by base type (SQL_VARIANT_PROPERTY BaseType)",
        )
    if base == "json":  # SQL Server 2025
        return ColumnMapping(
            TEXT,
            "string",
            f"CAST({c} AS nvarchar(max))",
            content_media_type="application/json",
            read_as="CAST(... AS nvarchar(max))",
        )
    if base == "vector":  # SQL Server 2025: '[1.0,2.0]', pgvector's text form
        return ColumnMapping(
            TEXT, "string", f"CAST({c} AS nvarchar(max))", read_as="CAST(... AS nvarchar(max))"
        )
    what = "CLR user-defined type" if base == "(clr)" else "type"
    msg = (
        f"table {table!r} column {column.name!r}: unsupported {what} {column.declared!r}: "
        "the tap does not know how to copy it faithfully (exclude the table with "
        "'exclude_tables', or expose the column through a view cast to a known type)"
    )
    raise UnsupportedDataError(msg, table=table, column=column.name)
