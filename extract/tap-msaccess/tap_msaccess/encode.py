"""Turn reader rows (Python values) into Singer record values, counting what is audited."""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from tap_msaccess.errors import UnsupportedDataError

#: After JSON decoding, valid surrogate pairs are single astral characters: any code point
#: left in this range is a lone surrogate (invalid UTF-16 in the source; not UTF-8-able).
_SURROGATE = re.compile("[\ud800-\udfff]")


def hex_bytes(value: bytes) -> str:
    """PostgreSQL bytea hex input format: ``\\x`` + lowercase hex."""
    return "\\x" + value.hex()


def datetime_text(value: dt.datetime) -> str:
    """``YYYY-MM-DD HH:MM:SS`` (+ ``.fff`` when there are milliseconds)."""
    spec = "milliseconds" if value.microsecond else "seconds"
    return value.isoformat(sep=" ", timespec=spec)


def _json_value(value: Any) -> Any:
    if isinstance(value, bytes):
        return hex_bytes(value)
    if isinstance(value, dt.datetime):
        return datetime_text(value)
    if isinstance(value, Decimal):
        return str(value)
    return value


class RowEncoder:
    """Encode rows of one table; keeps per-column audit counters."""

    def __init__(self, table: str, names: Sequence[str], *, jet3_default_charset: bool) -> None:
        """``jet3_default_charset``: count non-ASCII Jet 3 text decoded with the default."""
        self.table = table
        self.names = list(names)
        self.invalid_text = dict.fromkeys(self.names, 0)
        self.nul_chars = dict.fromkeys(self.names, 0)
        self.non_ascii_jet3 = dict.fromkeys(self.names, 0)
        self._count_jet3 = jet3_default_charset

    def __call__(self, row: dict[str, Any]) -> dict[str, Any]:
        """One Singer record for one reader row."""
        record: dict[str, Any] = {}
        for name in self.names:
            value = row.get(name)
            if value is None or isinstance(value, bool | int | Decimal):
                record[name] = value
            elif isinstance(value, str):
                record[name] = self._text(name, value)
            elif isinstance(value, float):
                record[name] = self._float(name, value)
            elif isinstance(value, dt.datetime):
                record[name] = datetime_text(value)
            elif isinstance(value, bytes):
                record[name] = hex_bytes(value)
            elif isinstance(value, list):
                record[name] = json.dumps(
                    [{k: _json_value(v) for k, v in item.items()} for item in value],
                    ensure_ascii=False,
                )
            else:
                record[name] = str(value)
        return record

    def _text(self, name: str, value: str) -> str:
        if value.isascii():
            if "\x00" in value:
                self.nul_chars[name] += 1
            return value
        if _SURROGATE.search(value):
            self.invalid_text[name] += 1
            return hex_bytes(value.encode("utf-16-le", "surrogatepass"))
        if self._count_jet3:
            self.non_ascii_jet3[name] += 1
        if "\x00" in value:
            self.nul_chars[name] += 1
        return value

    def _float(self, name: str, value: float) -> float:
        if math.isfinite(value):
            return value
        msg = (
            f"table {self.table!r} column {name!r}: value {value} is not a JSON number "
            "(NaN/Infinity in a Single/Double column)"
        )
        raise UnsupportedDataError(msg, table=self.table, column=name)

    @staticmethod
    def total(counts: dict[str, int]) -> int:
        """Sum of a counter dict."""
        return sum(counts.values())
