"""Parse the ``LvProp`` blob of an MSysObjects row: the table's and its columns' properties.

Jet 4 / ACE store properties as an ``MR2\\0`` blob (Jet 3: ``KKD\\0``, single-byte names).
Layout (as in mdbtools ``props.c``): after the 4-byte magic, chunks of
``uint32 length, uint16 type``. Type 0x80 is the pool of property names (``uint16 len``
+ name); types 0x00 / 0x01 are property blocks: ``uint32 length, uint16 name length,
name`` (the column name; empty for the table itself), then records of ``uint16 length,
uint8 ddl flag, uint8 data type, uint16 name index, uint16 value length, value``.

The tap uses it to find calculated columns (property ``Expression``): the Node reader
cannot evaluate them and returns the raw stored wrapper instead of the value.
"""

from __future__ import annotations

import struct

_TEXT_TYPES = {10, 12}  # Text, Memo
_INT_TYPES = {1: "<B", 2: "<B", 3: "<h", 4: "<i"}  # Boolean, Byte, Integer, Long


class LvPropError(ValueError):
    """The blob does not have the expected layout."""


def _text(raw: bytes, *, wide: bool, codec: str) -> str:
    return raw.decode("utf-16-le", "replace") if wide else raw.decode(codec, "replace")


def _value(dtype: int, raw: bytes, *, wide: bool, codec: str) -> object:
    if dtype in _TEXT_TYPES:
        return _text(raw, wide=wide, codec=codec)
    fmt = _INT_TYPES.get(dtype)
    if fmt and len(raw) == struct.calcsize(fmt):
        return struct.unpack(fmt, raw)[0]
    return raw


def parse_lvprop(blob: bytes, *, codec: str = "cp1252") -> dict[str, dict[str, object]]:
    """``{column name or "" for the table: {property: value}}``.

    Raises:
        LvPropError: unknown magic or a chunk running past the end.
    """
    magic = blob[:4]
    if magic == b"MR2\x00":
        wide = True
    elif magic == b"KKD\x00":
        wide = False
    else:
        msg = f"unknown LvProp magic {magic!r}"
        raise LvPropError(msg)
    names: list[str] = []
    result: dict[str, dict[str, object]] = {}
    pos = 4
    while pos + 6 <= len(blob):
        chunk_len, chunk_type = struct.unpack_from("<IH", blob, pos)
        if chunk_len < 6 or pos + chunk_len > len(blob):
            msg = f"LvProp chunk at {pos} has bad length {chunk_len}"
            raise LvPropError(msg)
        body = blob[pos + 6 : pos + chunk_len]
        if chunk_type == 0x80:
            names = _name_pool(body, wide=wide, codec=codec)
        elif chunk_type in (0x00, 0x01):
            target, props = _block(body, names, wide=wide, codec=codec)
            result.setdefault(target, {}).update(props)
        pos += chunk_len
    return result


def _name_pool(body: bytes, *, wide: bool, codec: str) -> list[str]:
    names = []
    pos = 0
    while pos + 2 <= len(body):
        (length,) = struct.unpack_from("<H", body, pos)
        names.append(_text(body[pos + 2 : pos + 2 + length], wide=wide, codec=codec))
        pos += 2 + length
    return names


def _block(
    body: bytes, names: list[str], *, wide: bool, codec: str
) -> tuple[str, dict[str, object]]:
    # body (after the chunk header): uint32 (unused), uint16 name length, name.
    if len(body) < 6:
        msg = "LvProp property block too short"
        raise LvPropError(msg)
    (name_len,) = struct.unpack_from("<H", body, 4)
    target = _text(body[6 : 6 + name_len], wide=wide, codec=codec)
    pos = 6 + name_len
    props: dict[str, object] = {}
    while pos + 8 <= len(body):
        rec_len, _ddl, dtype, name_index, value_len = struct.unpack_from("<HBBHH", body, pos)
        if rec_len < 8:
            msg = f"LvProp record at {pos} has bad length {rec_len}"
            raise LvPropError(msg)
        raw = body[pos + 8 : pos + 8 + value_len]
        name = names[name_index] if name_index < len(names) else f"#{name_index}"
        props[name] = _value(dtype, raw, wide=wide, codec=codec)
        pos += rec_len
    return target, props


def calculated_columns(blob: bytes | None) -> dict[str, str]:
    """``{column: expression}`` for columns with a non-empty ``Expression`` property."""
    if not blob:
        return {}
    parsed = parse_lvprop(blob)
    return {
        column: str(props["Expression"])
        for column, props in parsed.items()
        if column and props.get("Expression") not in (None, "", b"")
    }
