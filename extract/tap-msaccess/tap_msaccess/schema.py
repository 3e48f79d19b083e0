"""Access column types -> JSON schema (README "Type mapping")."""

from __future__ import annotations

from typing import Any

from tap_msaccess.reader import AccessColumn

BASE16 = "base16"

#: mdb-reader type name -> (JSON type, contentEncoding)
JSON_TYPES: dict[str, tuple[str, str | None]] = {
    "text": ("string", None),
    "memo": ("string", None),
    "boolean": ("boolean", None),
    "byte": ("integer", None),
    "integer": ("integer", None),
    "long": ("integer", None),
    "bigint": ("integer", None),
    "currency": ("number", None),  # decimal.Decimal values: exact JSON numbers
    "numeric": ("number", None),
    "float": ("number", None),
    "double": ("number", None),
    "datetime": ("string", None),  # text "YYYY-MM-DD HH:MM:SS[.fff]"
    "datetimextended": ("string", None),  # text "YYYY-MM-DD HH:MM:SS.fffffff"
    "repid": ("string", None),  # text "{GUID}"
    "binary": ("string", BASE16),  # "\x" + hex -> bytea
    "ole": ("string", BASE16),
    "complex": ("string", None),  # attachments: JSON text
}


def json_type(column: AccessColumn) -> tuple[str, str | None]:
    """(JSON type, contentEncoding) of a column."""
    return JSON_TYPES.get(column.access_type, ("string", None))


def property_schema(column: AccessColumn) -> dict[str, Any]:
    """The column's JSON-schema property, with ``x-access-*`` annotations loaders ignore."""
    kind, encoding = json_type(column)
    prop: dict[str, Any] = {"type": [kind, "null"]}
    if encoding:
        prop["contentEncoding"] = encoding
    if column.access_type == "complex":
        prop["contentMediaType"] = "application/json"
    prop["x-access-type"] = column.type_label
    if column.size and column.access_type in {"text", "binary"}:
        prop["x-access-size"] = column.size
    if column.access_type == "numeric":
        prop["x-access-precision"] = column.precision
        prop["x-access-scale"] = column.scale
    if column.access_type == "currency":
        prop["x-access-precision"] = 19
        prop["x-access-scale"] = 4
    if not column.nullable:
        prop["x-access-required"] = True
    if column.auto_number or column.auto_guid:
        prop["x-access-autonumber"] = True
    if column.unsupported_reason:
        prop["x-access-unsupported"] = column.unsupported_reason
    return prop
