"""MS Access column -> PostgreSQL type and staging cast: the mapping rules, in one place.

Access enforces its column types (unlike SQLite), so the type is decided by the declared
type alone; no value profiling is needed. tap-msaccess writes each value in the raw
schema as its JSON type (integers as bigint, Currency/Decimal as exact numeric, dates as
text, bytes as `\\x` hex); staging casts them with the same macros as every source.

| Access type (reader type)     | PostgreSQL       | why                                   |
| ----------------------------- | ---------------- | ------------------------------------- |
| Short Text n (text(n))        | varchar(n)       | Access enforces n characters          |
| Long Text, Hyperlink (memo)   | text             | up to 1 GB of characters              |
| Yes/No (boolean)              | boolean          | stored 0/-1, never NULL               |
| Byte (byte)                   | smallint         | unsigned 0..255: no 1-byte integer    |
| Integer (integer)             | smallint         | 16-bit signed                         |
| Long Integer (long)           | integer          | 32-bit signed                         |
| AutoNumber (long autonumber)  | integer identity | new rows numbered past max(id)        |
| Large Number (bigint)         | bigint           | 64-bit signed                         |
| Currency (currency)           | numeric(19,4)    | 64-bit count of 1/10,000: exact       |
| Decimal p,s (numeric(p,s))    | numeric(p,s)     | exact, same precision and scale       |
| Single (float)                | real             | IEEE float4: every value exactly      |
| Double (double)               | double precision | IEEE float8                           |
| Date/Time (datetime)          | timestamp(3)     | no zone in Access; millisecond clock  |
| Date/Time Extended            | timestamp        | 0001-9999; a 7th fraction digit fails |
| Replication ID (repid)        | uuid             | uuid input reads the {braces}         |
| Binary n, OLE Object          | bytea            | the bytes as stored (OLE header kept) |
| Attachment (complex)          | jsonb            | the tap's JSON array of files         |

Not scaffolded (the tap refuses them by default, naming table and column): calculated
columns (their values are not stored; `calculated_columns: omit` drops them), multi-value
and version-history columns, unknown types. Access names (CamelCase, spaces) become
lower snake_case by the identifier rules (identifiers.py): `ItemCode` -> `item_code`,
`Order Details` -> `order_details`.
"""

from __future__ import annotations

import re

from cutover.errors import CutoverError
from cutover.scaffold.sqlite_types import CLEAN_TEXT, VERBATIM, ColumnMapping

_SIZED = re.compile(r"^(?P<kind>text|binary)\((?P<size>[0-9]+)\)$")
_NUMERIC = re.compile(r"^numeric\((?P<p>[0-9]+),(?P<s>[0-9]+)\)$")
MAX_NUMERIC_PRECISION = 1000


def _cast(pg_type: str) -> str:
    return f"try_cast('{{col}}', '{pg_type}', casts)"


# reader type -> (PostgreSQL type, staging template, rule id, why)
_FIXED: dict[str, tuple[str, str, str, str]] = {
    "memo": ("text", VERBATIM, "memo", "Long Text (Memo): copied verbatim"),
    "boolean": ("boolean", _cast("boolean"), "yes-no", "Yes/No"),
    "byte": ("smallint", _cast("smallint"), "byte", "Byte is unsigned 0..255: smallint"),
    "integer": ("smallint", _cast("smallint"), "integer", "Integer is 16-bit"),
    "long": ("integer", _cast("integer"), "long", "Long Integer is 32-bit"),
    "long autonumber": (
        "integer",
        _cast("integer"),
        "autonumber",
        "AutoNumber: identity, numbered past max(id)",
    ),
    "bigint": ("bigint", _cast("bigint"), "large-number", "Large Number is 64-bit"),
    "currency": (
        "numeric(19,4)",
        _cast("numeric(19,4)"),
        "currency",
        "Currency: exact, 4 decimals",
    ),
    "float": ("real", _cast("real"), "single", "Single is float4: real holds it exactly"),
    "double": ("double precision", _cast("double precision"), "double", "Double is float8"),
    "datetime": (
        "timestamp(3)",
        _cast("timestamp(3)"),
        "datetime",
        "Date/Time: no zone, millisecond clock",
    ),
    "datetimextended": (
        "timestamp",
        _cast("timestamp"),
        "datetime-extended",
        "Date/Time Extended: 0001-9999",
    ),
    "repid": ("uuid", _cast("uuid"), "guid", "Replication ID: uuid reads the {braces}"),
    "repid autonumber": ("uuid", _cast("uuid"), "guid", "Replication ID AutoNumber"),
    "ole": ("bytea", _cast("bytea"), "ole", "OLE Object: the stored bytes"),
    "complex": ("jsonb", _cast("jsonb"), "attachment", "Attachment: the tap's JSON array"),
}


def map_access_column(declared_type: str, *, where: str) -> ColumnMapping:
    """The PostgreSQL type and staging cast of an Access column (module docstring)."""
    declared = declared_type.strip().lower()
    if match := _SIZED.match(declared):
        size = int(match.group("size"))
        if match.group("kind") == "binary":
            return ColumnMapping("bytea", _cast("bytea"), f"Binary({size}): bytes", "binary")
        return ColumnMapping(
            f"varchar({size})", CLEAN_TEXT, f"Short Text({size}): Access enforces it", "text"
        )
    if match := _NUMERIC.match(declared):
        precision, scale = int(match.group("p")), int(match.group("s"))
        if not 0 < precision <= MAX_NUMERIC_PRECISION or scale > precision:
            raise CutoverError(f"{where}: Decimal({precision},{scale}) is not a valid numeric")
        pg_type = f"numeric({precision},{scale})"
        return ColumnMapping(pg_type, _cast(pg_type), "Decimal: same precision/scale", "decimal")
    if declared == "text":  # a Short Text without a size: Access's maximum is 255
        return ColumnMapping("varchar(255)", CLEAN_TEXT, "Short Text: at most 255", "text")
    if declared == "binary":
        return ColumnMapping("bytea", _cast("bytea"), "Binary: bytes", "binary")
    fixed = _FIXED.get(declared)
    if fixed is None:
        raise CutoverError(
            f"{where}: Access type {declared_type!r} has no mapping rule "
            "(orchestrate/cutover/scaffold/access_types.py)"
        )
    pg_type, staging, rule_id, why = fixed
    return ColumnMapping(pg_type, staging, why, rule_id, identity=declared == "long autonumber")
