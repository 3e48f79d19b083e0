"""Python values from pymssql -> Singer record values (README "Type mapping").

pymssql 2.4.6 (``_mssql.pyx`` ``convert_db_value``) gives: bit -> bool; int types -> int;
real/float -> float; decimal/numeric/money -> Decimal (exact, via text); date -> date;
time -> time; datetime/smalldatetime/datetime2 -> naive datetime (nanoseconds // 1000);
datetimeoffset -> aware datetime; char/varchar/text (and n-types, converted by FreeTDS)
-> str; uniqueidentifier -> uuid.UUID; anything else -> bytes. datetime2, datetimeoffset
and time are selected as text by the server (``types.py``) so their 7th fractional digit
survives; the Python forms are still accepted (same output, microseconds).
"""

from __future__ import annotations

import datetime as dt
import math
import re
import uuid
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from tap_mssql import types as t
from tap_mssql.errors import UnsupportedDataError

Encoder = Callable[[Any], Any]

_OFFSET_SPACE = re.compile(r" (?=[+-]\d{2}:\d{2}$)")


def hex_bytes(value: bytes) -> str:
    """PostgreSQL bytea hex input: ``\\x`` + lowercase hex (contentEncoding base16)."""
    return "\\x" + bytes(value).hex()


def datetime_text(value: dt.datetime, digits: int | None) -> str:
    """Naive ``YYYY-MM-DD HH:MM:SS[.f...]`` with the type's fractional digits (max 6)."""
    if value.tzinfo is not None:
        msg = f"expected a naive datetime, got {value!r}"
        raise ValueError(msg)
    keep = 6 if digits is None else min(digits, 6)
    step = 10 ** (6 - keep)
    if value.microsecond % step:  # datetime's 1/300 s ticks: .006667 is shown as .007
        rounded = (value.microsecond + step // 2) // step * step
        value = value.replace(microsecond=0) + dt.timedelta(microseconds=rounded)
    text = value.isoformat(sep=" ", timespec="microseconds")
    return text[: len(text) - (6 - keep)] if keep else text[: len(text) - 7]


def time_text(value: dt.time | str, digits: int | None = None) -> str:
    """``HH:MM:SS[.fffffff]``: server text as is; a Python time with its microseconds."""
    if isinstance(value, str):
        return value
    text = value.isoformat(timespec="microseconds")
    keep = 6 if digits is None else min(digits, 6)
    return text[: len(text) - (6 - keep)] if keep else text[: len(text) - 7]


def offset_text(value: dt.datetime | str) -> str:
    """``YYYY-MM-DD HH:MM:SS[.f...]+HH:MM``: the source's own offset, never converted."""
    if isinstance(value, str):
        return _OFFSET_SPACE.sub("", value)
    if value.tzinfo is None:
        msg = f"expected a datetime with an offset, got {value!r}"
        raise ValueError(msg)
    return value.isoformat(sep=" ")


def uuid_text(value: uuid.UUID | str) -> str:
    """Lowercase hyphenated (SQL Server shows uppercase; the value is the same)."""
    return str(value if isinstance(value, uuid.UUID) else uuid.UUID(str(value)))


def date_text(value: dt.date | str) -> str:
    """``YYYY-MM-DD``."""
    return value if isinstance(value, str) else value.isoformat()


def _identity(value: Any) -> Any:
    return value


def _boolean(value: Any) -> bool:
    return bool(value)


def _integer(value: Any) -> int:
    return int(value)


def _decimal(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _bytes(value: Any) -> str:
    return hex_bytes(value)


def _datetime_encoder(digits: int | None) -> Encoder:
    def encode(value: Any) -> str:
        return value if isinstance(value, str) else datetime_text(value, digits)

    return encode


def _time_encoder(digits: int | None) -> Encoder:
    def encode(value: Any) -> str:
        return time_text(value, digits)

    return encode


def encoder_for(mapping: t.ColumnMapping) -> Encoder:
    """The value encoder of a column mapping (None is handled by the caller)."""
    kind = mapping.kind
    if kind in (t.DATETIME, t.DATETIME2):
        return _datetime_encoder(mapping.fraction_digits)
    if kind == t.TIME:
        return _time_encoder(mapping.fraction_digits)
    simple: dict[str, Encoder] = {
        t.BOOLEAN: _boolean,
        t.INTEGER: _integer,
        t.DECIMAL: _decimal,
        t.DATE: date_text,
        t.DATETIMEOFFSET: offset_text,
        t.UUID: uuid_text,
        t.BYTES: _bytes,
        t.FLOAT: _identity,  # checked for NaN/Infinity by RowEncoder
        t.TEXT: _identity,  # NUL characters counted by RowEncoder
    }
    return simple[kind]


class RowEncoder:
    """Encode rows of one table; counts text values holding NUL (audited)."""

    def __init__(
        self,
        table: str,
        names: Sequence[str],
        mappings: Sequence[t.ColumnMapping],
        key_names: Sequence[str] = (),
    ) -> None:
        """``key_names``: columns that identify a row in error messages."""
        self.table = table
        self.names = list(names)
        self._kinds = [m.kind for m in mappings]
        self._encoders = [encoder_for(m) for m in mappings]
        self._key_positions = [self.names.index(k) for k in key_names if k in self.names]
        self.nul_chars = dict.fromkeys(self.names, 0)

    def __call__(self, row: Sequence[Any]) -> dict[str, Any]:
        """One Singer record for one row tuple (columns in ``names`` order)."""
        record: dict[str, Any] = {}
        for index, value in enumerate(row):
            name = self.names[index]
            if value is None:
                record[name] = None
                continue
            kind = self._kinds[index]
            if kind == t.TEXT:
                record[name] = self._text(name, value, row)
            elif kind == t.FLOAT:
                record[name] = self._float(name, value, row)
            else:
                record[name] = self._encoders[index](value)
        return record

    def row_key(self, row: Sequence[Any]) -> str:
        """The row's key values for messages (``id=42``), or ``(no key)``."""
        if not self._key_positions:
            return "(no key)"
        return ", ".join(f"{self.names[i]}={row[i]!r}" for i in self._key_positions)

    def _text(self, name: str, value: Any, row: Sequence[Any]) -> str:
        if not isinstance(value, str):
            msg = (
                f"table {self.table!r} column {name!r} row {self.row_key(row)}: the driver "
                f"returned {type(value).__name__}, not text (check 'characterset')"
            )
            raise UnsupportedDataError(msg, table=self.table, column=name)
        if "\x00" in value:
            self.nul_chars[name] += 1
        return value

    def _float(self, name: str, value: float, row: Sequence[Any]) -> float:
        if math.isfinite(value):
            return value
        msg = (
            f"table {self.table!r} column {name!r} row {self.row_key(row)}: value {value} "
            "is not a JSON number (NaN/Infinity in a float column)"
        )
        raise UnsupportedDataError(msg, table=self.table, column=name)

    @property
    def nul_char_total(self) -> int:
        """Text values holding NUL, all columns."""
        return sum(self.nul_chars.values())
