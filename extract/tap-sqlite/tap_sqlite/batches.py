"""BATCH messages: rows go to parquet files built column by column in Arrow.

Per-record JSON costs the tap its serialisation and the loader its parsing, per value. Here a
fetched chunk is transposed into columns and each column becomes one Arrow array holding the
same text the record path would write (``RowEncoder``): integers as int64, everything else
as the exact string a record carries (a REAL as ``repr``, a BLOB as ``\\x`` hex, invalid
UTF-8 as hex). The loader COPYs those strings into the same typed columns, so both paths
land identical rows (tests/e2e/test_batch_load.py compares them).
"""

from __future__ import annotations

import math
import typing as t
from collections.abc import Sequence

import pyarrow as pa

from tap_sqlite.encode import RowEncoder, float_text
from tap_sqlite.schema import BLOB, INTEGER, NUMBER, STRINGIFY, TEXT

_STR_OR_NONE = frozenset({str, type(None)})
_BYTES_OR_NONE = frozenset({bytes, type(None)})
_NUMBER_OR_NONE = frozenset({int, float, type(None)})
_TEXTUAL = frozenset({TEXT, STRINGIFY})  # all-str chunks of both are written as they are


def _has_infinity(values: Sequence[t.Any]) -> bool:
    return math.inf in values or -math.inf in values


class BatchTypeError(ValueError):
    """A value that does not fit the type the column was profiled with."""


def arrow_schema(names: Sequence[str], modes: Sequence[str]) -> pa.Schema:
    """int64 for INTEGER columns, string for every other mode."""
    return pa.schema(
        [
            pa.field(name, pa.int64() if mode == INTEGER else pa.string())
            for name, mode in zip(names, modes, strict=True)
        ]
    )


def number_text(value: int | float) -> str:
    """A JSON number's text as the record path writes it (int as is, float as repr)."""
    return str(value) if type(value) is int else float_text(value)


class ColumnEncoder:
    """Turn fetched row chunks into Arrow record batches, counting what RowEncoder counts."""

    def __init__(self, encoder: RowEncoder, modes: Sequence[str], where: str) -> None:
        """``where`` names the table in errors (``table 'x'``)."""
        self.encoder = encoder
        self.modes = list(modes)
        self.where = where
        self.schema = arrow_schema(encoder.names, modes)
        self.rows_done = 0

    def __call__(self, rows: Sequence[Sequence[t.Any]]) -> pa.RecordBatch:
        """One record batch for one fetched chunk of row tuples."""
        columns = list(zip(*rows, strict=True))
        arrays = [
            self._array(index, name, mode, columns[index])
            for index, (name, mode) in enumerate(zip(self.encoder.names, self.modes, strict=True))
        ]
        self.rows_done += len(rows)
        return pa.RecordBatch.from_arrays(arrays, schema=self.schema)

    def _array(self, index: int, name: str, mode: str, values: Sequence[t.Any]) -> pa.Array:
        kinds = set(map(type, values))
        if mode == INTEGER:
            try:
                return pa.array(values, pa.int64())
            except (pa.ArrowException, OverflowError) as error:
                raise self._type_error(name, values, lambda v: type(v) is int, error) from None
        if mode == NUMBER:
            if not kinds <= _NUMBER_OR_NONE:
                raise self._type_error(name, values, lambda v: type(v) in _NUMBER_OR_NONE, None)
            # repr is the record path's text for an int and for a finite float (the profile
            # sends infinities to STRINGIFY); float_text covers one written since.
            encode_number = number_text if _has_infinity(values) else repr
            if type(None) in kinds:
                return pa.array(
                    [None if v is None else encode_number(v) for v in values], pa.string()
                )
            return pa.array(list(map(encode_number, values)), pa.string())
        if mode == BLOB and kinds <= _BYTES_OR_NONE:
            return pa.array([None if v is None else "\\x" + v.hex() for v in values], pa.string())
        if mode in _TEXTUAL and kinds <= _STR_OR_NONE:
            array = self._plain_text(name, values)
            if array is not None:
                return array
        encode = self.encoder.encode_value
        return pa.array([None if v is None else encode(name, mode, v) for v in values], pa.string())

    def _plain_text(self, name: str, values: Sequence[str | None]) -> pa.Array | None:
        """All-``str`` chunk in C; None when a value holds invalid UTF-8 (surrogates)."""
        try:
            array = pa.array(values, pa.string())
        except UnicodeEncodeError:
            return None
        data = array.buffers()[2]
        if data is not None and memoryview(data).tobytes().find(b"\x00") >= 0:  # memchr
            import pyarrow.compute as pc

            with_nul = pc.sum(pc.match_substring(array, "\x00")).as_py() or 0
            self.encoder.nul_chars[name] += with_nul
        return array

    def _type_error(
        self,
        name: str,
        values: Sequence[t.Any],
        fits: t.Callable[[t.Any], bool],
        error: Exception | None,
    ) -> BatchTypeError:
        bad = next((i for i, v in enumerate(values) if v is not None and not fits(v)), None)
        if bad is None:
            return BatchTypeError(f"{self.where}, column {name!r}: {error}")
        return BatchTypeError(
            f"{self.where}, column {name!r}, row {self.rows_done + bad + 1} in read order: "
            f"{values[bad]!r} ({type(values[bad]).__name__}) does not fit the column's type, "
            "profiled from its values at discovery (did the file change since?). "
            "Re-run to profile it again."
        )
