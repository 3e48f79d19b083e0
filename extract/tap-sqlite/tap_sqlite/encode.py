"""Turn SQLite rows into Singer record dicts, counting values worth auditing."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from typing import Any

from tap_sqlite.schema import BLOB, INTEGER, NUMBER, STRINGIFY, TEXT

#: Lone surrogates produced by the surrogateescape text factory = invalid UTF-8.
_SURROGATE_ESCAPE = re.compile("[\udc80-\udcff]")


def hex_bytes(value: bytes) -> str:
    """PostgreSQL bytea hex input format: ``\\x`` + lowercase hex."""
    return "\\x" + value.hex()


def float_text(value: float) -> str:
    """A float as text: ``repr``, with JSON-free names for infinities."""
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return repr(value)


class RowEncoder:
    """Encode rows of one table; keeps per-column audit counters."""

    def __init__(self, names: Sequence[str], modes: Sequence[str]) -> None:
        """``names``/``modes``: one per selected column, in SELECT order."""
        self.names = list(names)
        self.invalid_utf8 = dict.fromkeys(self.names, 0)
        self.nul_chars = dict.fromkeys(self.names, 0)
        self._by_mode: dict[str, Callable[[str, Any], Any]] = {
            TEXT: self._text,
            BLOB: self._blob,
            STRINGIFY: self._stringify,
        }
        self._fixups = [
            (index, name, self._by_mode[mode])
            for index, (name, mode) in enumerate(zip(self.names, modes, strict=True))
            if mode not in {INTEGER, NUMBER}
        ]

    def __call__(self, row: Sequence[Any]) -> dict[str, Any]:
        """One record dict for one row tuple."""
        record = dict(zip(self.names, row, strict=True))
        for index, name, encode in self._fixups:
            value = row[index]
            if value is not None:
                record[name] = encode(name, value)
        return record

    def encode_value(self, name: str, mode: str, value: Any) -> Any:
        """One non-null value of a TEXT, BLOB or STRINGIFY column, as a record holds it."""
        return self._by_mode[mode](name, value)

    def _text(self, name: str, value: Any) -> Any:
        if type(value) is not str:
            return self._stringify(name, value)
        if not value.isascii() and _SURROGATE_ESCAPE.search(value):
            self.invalid_utf8[name] += 1
            return hex_bytes(value.encode("utf-8", "surrogateescape"))
        if "\x00" in value:
            self.nul_chars[name] += 1
        return value

    def _blob(self, name: str, value: Any) -> Any:
        if type(value) is bytes:
            return hex_bytes(value)
        return self._stringify(name, value)

    def _stringify(self, name: str, value: Any) -> str:
        if type(value) is str:
            return self._text(name, value)
        if type(value) is int:
            return str(value)
        if type(value) is float:
            return float_text(value)
        if type(value) is bytes:
            return hex_bytes(value)
        return str(value)

    @property
    def invalid_utf8_total(self) -> int:
        """Values emitted as hex because their text was not valid UTF-8."""
        return sum(self.invalid_utf8.values())

    @property
    def nul_char_total(self) -> int:
        """Text values emitted with NUL characters in them."""
        return sum(self.nul_chars.values())
