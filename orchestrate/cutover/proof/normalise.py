"""The canonical text of a value, so a source row and its migrated row hash the same.

A row fingerprint is the md5 of its canonical values. The source side is computed here,
in Python, from the values the source stores; the target side is computed in PostgreSQL
by `cutover.proof.fingerprint_sql`, from the typed values of the final tables. The two are
written independently on purpose: a fingerprint only matches when both agree, so a
transformation that changed a value, or a rule implemented differently on one side, shows.

Rules (documented in the README, "How the proof works"; each has a test on both sides):

* NULL stays NULL (encoded as `~`, distinct from every value).
* text: NUL characters become U+FFFD (the loader's sanitising); text that is not valid
  UTF-8 becomes `\\x` + its bytes in hex (as the tap emits it); surrounding spaces, tabs
  and line breaks are trimmed and blank text is NULL (the staging `clean_text` rule).
  A column whose contract meta says `fingerprint: lowercase` is compared lowercased.
* integers: decimal digits, no sign for zero, no leading zeros.
* decimals (numeric(p,s)): rounded half away from zero to the column's scale, then
  written without exponent and without trailing zeros (`12.50` -> `12.5`, `100` -> `100`).
* floating point: the shortest decimal that round-trips the double, as PostgreSQL's
  float8 output finds it (never on the rounding interval's bound), written without
  exponent and without trailing zeros; `NaN`, `Infinity`, `-Infinity`.
* booleans: `true` / `false`; the source's 1/0, t/f, true/false, yes/no (any case).
* timestamps: UTC, `YYYY-MM-DD HH:MM:SS.ffffff`. Source text is read with the staging
  rules (`to_utc_timestamp`): epoch seconds (9-11 digits) or milliseconds (12-14 digits),
  ISO dates with optional time, `T` or `/` separators, and `Z` / `+09` / `+09:00` offsets.
* dates: `YYYY-MM-DD` (source `YYYY-MM-DD` or `YYYY/MM/DD`).
* bytes: lowercase hex.
* uuid: lowercase, hyphenated.
* vectors (pgvector `vector(n)`): `[` + each element as a float4 widened to float8, by
  the floating point rule, comma-separated + `]`; the source's JSON array text (or list)
  must have exactly n finite numbers.

A source value that does not fit its column's type gets a canonical text that matches no
target value: such a row must be in the rejects, where it is compared by its raw form:

* raw form (rejects, raw tables): the value as loaded into the raw schema: text as is
  (NUL and invalid UTF-8 as above, no trimming), numbers and numeric-looking text as
  canonical decimals, blobs as `\\x` + hex.

Keys are compared in their raw form, trimmed: `42`, `42.0` and `"42 "` are the same key.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import re
import struct
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext
from fractions import Fraction
from typing import Any

NULL_MARK = "~"
UNFIT = "\x00"  # prefix of a canonical text no target value can have (PG text has no NUL)
_SURROGATE = re.compile("[\udc80-\udcff]")
_TRIM = " \t\r\n"
NUMERIC_LOOKING = (
    r"^-?[0-9]+([.][0-9]+)?([eE][-+]?[0-9][0-9]?[0-9]?)?$"  # no braces: GX formats queries
)
_NUMERIC = re.compile(NUMERIC_LOOKING)
_INTEGER = re.compile(r"^[+-]?[0-9]+$")
_EPOCH_S = re.compile(r"^-?[0-9]{9,11}([.][0-9]+)?$")
_EPOCH_MS = re.compile(r"^[0-9]{12,14}$")
_NAIVE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?: (\d{2}):(\d{2})(?::(\d{2})(?:[.](\d{1,6}))?)?)?$")
_ZONED = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2})(?::(\d{2})(?:[.](\d{1,6}))?)? ?"
    r"(Z|[+-]\d{2}(?::?\d{2})?)$"
)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TRUE = {"1", "true", "t", "yes"}
_FALSE = {"0", "false", "f", "no"}
_PG_EPOCH = 946684800.0  # 2000-01-01 in Unix seconds: PostgreSQL's timestamp origin
_PG_ORIGIN = dt.datetime(2000, 1, 1)


@dataclass(frozen=True)
class ColumnRule:
    """How one final column is compared: its kind (from the contract's data_type)."""

    name: str
    kind: str  # text, integer, decimal, float, boolean, timestamp, timestamptz, date, bytes, uuid
    scale: int | None = None  # decimal: its scale; vector: its dimension
    lowercase: bool = False


_KINDS: tuple[tuple[str, str], ...] = (
    (r"^(text|citext|name|character varying|varchar|character|char|bpchar)\b", "text"),
    (r"^(smallint|integer|int|int2|int4|int8|bigint)$", "integer"),
    (r"^(numeric|decimal)\b", "decimal"),
    (r"^(float8|double precision|float|real|float4)$", "float"),  # float4 read as float8
    (r"^(boolean|bool)$", "boolean"),
    (r"^(timestamptz|timestamp( ?\(\d\))? with time zone)$", "timestamptz"),
    (r"^(timestamp( ?\(\d\))?( without time zone)?)$", "timestamp"),
    (r"^date$", "date"),
    (r"^bytea$", "bytes"),
    (r"^uuid$", "uuid"),
    (r"^vector\s*\(\s*\d+\s*\)$", "vector"),
)


def kind_of(data_type: str) -> tuple[str, int | None] | None:
    """The comparison kind of a contract data_type, and its scale; None if not compared."""
    text = " ".join(data_type.lower().split())
    for pattern, kind in _KINDS:
        if re.match(pattern, text):
            scale = None
            if kind == "decimal":
                match = re.search(r"\(\s*\d+\s*,\s*(\d+)\s*\)", text)
                scale = int(match.group(1)) if match else (0 if "(" in text else None)
            if kind == "vector":  # the dimension rides in `scale`
                scale = int(re.sub(r"\D", "", text))
            return kind, scale
    return None


def row_hash(parts: Sequence[str | None]) -> uuid.UUID:
    """md5 over the length-prefixed canonical values; PostgreSQL computes the same."""
    text = "".join(NULL_MARK if p is None else f"{len(p)}:{p}" for p in parts)
    return uuid.UUID(hashlib.md5(text.encode("utf-8", "surrogatepass")).hexdigest())


def key_text(values: Sequence[Any]) -> str:
    """A row's key as one text (several key columns length-prefixed, like row_hash)."""
    parts = [_key_part(v) for v in values]
    if len(parts) == 1:
        return NULL_MARK if parts[0] is None else parts[0]
    return "".join(NULL_MARK if p is None else f"{len(p)}:{p}" for p in parts)


def _key_part(value: Any) -> str | None:
    raw = raw_value(value)
    if raw is None:
        return None
    trimmed = raw.strip(_TRIM)
    return _plain_decimal(Decimal(trimmed)) if _NUMERIC.fullmatch(trimmed) else trimmed


def raw_value(value: Any) -> str | None:
    """The raw form: the value as the raw schema holds it."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _float_text(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return "\\x" + bytes(value).hex()
    text = _source_text(str(value))
    return _plain_decimal(Decimal(text)) if _NUMERIC.fullmatch(text) else text


def typed_value(value: Any, rule: ColumnRule) -> str | None:
    """The canonical form of a source value once cast to the column's kind."""
    if value is None:
        return None
    converter = _TYPED[rule.kind]
    if rule.kind != "text" and isinstance(value, str) and not value.strip(" "):
        return None  # staging: btrim() -> '' is NULL, and a blank is no cast error
    if rule.kind == "text":
        text = _text(value)
        if text is not None and rule.lowercase:
            text = text.lower()
        return text
    if rule.kind == "decimal":
        return _decimal(value, rule.scale)
    if rule.kind == "vector":
        return _vector(value, rule.scale)
    return converter(value)


def _source_text(text: str) -> str:
    if not text.isascii() and _SURROGATE.search(text):
        return "\\x" + text.encode("utf-8", "surrogateescape").hex()
    return text.replace("\x00", "\ufffd")


def _unfit(value: Any) -> str:
    return UNFIT + repr(value)


def _as_text(value: Any) -> str:
    if isinstance(value, bytes | bytearray | memoryview):
        return "\\x" + bytes(value).hex()
    if isinstance(value, float):
        return _float_as_loaded(value)
    return _source_text(str(value))


def _float_as_loaded(number: float) -> str:
    """A REAL as text in the raw column: numeric from its repr (`100.0`, `0.00001`)."""
    if not math.isfinite(number):
        return _float_canonical(number)  # the tap writes `Infinity` / `-Infinity` as text
    text = format(Decimal(repr(number)), "f")
    return text.lstrip("-") if Decimal(text) == 0 else text  # numeric has no -0


def _text(value: Any) -> str | None:
    text = _as_text(value).strip(_TRIM)
    return text or None


def _integer(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    text = _float_as_loaded(value) if isinstance(value, float) else value
    if isinstance(text, str) and _INTEGER.match(text.strip(_TRIM)):
        return str(int(text.strip(_TRIM)))
    return _unfit(value)


def _to_decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, Decimal):  # Access Currency/Decimal, SQL Server money/decimal
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value)) if math.isfinite(value) else Decimal(_float_text(value))
    if isinstance(value, str):
        text = value.strip(_TRIM)
        if re.match(r"^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][-+]?[0-9]+)?$", text):
            return Decimal(text)
        if text.lower() in ("nan", "infinity", "-infinity", "inf", "-inf", "+infinity"):
            return Decimal(text.replace("inf", "Infinity").replace("Infinityinity", "Infinity"))
    return None


def _decimal(value: Any, scale: int | None) -> str:
    number = _to_decimal(value)
    if number is None:
        return _unfit(value)
    if scale is not None and number.is_finite():
        # numeric holds up to 131072 digits; Python's default context only 28 (9.9e37 at
        # scale 4 needs 42), so quantize in a context as wide as PostgreSQL's.
        with localcontext() as context:
            context.prec = 131_072 + 16_383
            try:
                number = number.quantize(Decimal(1).scaleb(-scale), rounding=ROUND_HALF_UP)
            except InvalidOperation:
                return _unfit(value)
    return _plain_decimal(number)


def _float(value: Any) -> str:
    if isinstance(value, bool):
        return _unfit(value)
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str) and _to_decimal(value) is not None:
        number = float(value.strip(_TRIM))
    else:
        return _unfit(value)
    if math.isfinite(number):
        return _plain_decimal(Decimal(_float8_out(number)))
    return _float_canonical(number)


def _float8_out(number: float) -> str:
    """PostgreSQL's float8 output: Ryu built without STRICTLY_SHORTEST, so the shortest
    decimal strictly inside the double's rounding interval (the nearest if several).
    repr() may give a shorter one lying on the bound (it rounds back to an even
    mantissa); that only happens for integers of 2**53 and more."""
    text = repr(number)
    if abs(number) < 2.0**53:
        return text
    x = int(abs(number))
    above = Fraction(math.ulp(number))
    below = above / 2 if abs(number) == 2.0 ** (math.frexp(abs(number))[1] - 1) else above
    low, high = x - below / 2, x + above / 2
    if low < abs(Fraction(Decimal(text))) < high:
        return text
    digits = len(Decimal(text).normalize().as_tuple().digits)
    for exponent in range(len(str(x)) - digits, -1, -1):  # x itself is inside: ends at 0
        step = 10**exponent
        floor = x // step * step
        inside = [c for c in (floor, floor + step) if low < c < high]
        if inside:
            nearest = min(inside, key=lambda c: (abs(c - x), c // step % 2))
            return ("-" if number < 0 else "") + str(nearest)
    return text


def _float_canonical(number: float) -> str:
    if math.isnan(number):
        return "NaN"
    if math.isinf(number):
        return "Infinity" if number > 0 else "-Infinity"
    return _plain_decimal(Decimal(repr(number)))


def _float_text(number: float) -> str:
    """The raw form of a REAL: the loader stores it as numeric, read back as a decimal."""
    return _float_canonical(number)


def _plain_decimal(number: Decimal) -> str:
    if number.is_nan():
        return "NaN"
    if number.is_infinite():
        return "Infinity" if number > 0 else "-Infinity"
    if number == 0:
        return "0"
    text = format(number, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def _boolean(value: Any) -> str:
    text = _as_text(value).strip(_TRIM).lower() if not isinstance(value, float) else None
    if text in _TRUE:
        return "true"
    if text in _FALSE:
        return "false"
    return _unfit(value)


def _timestamp(value: Any) -> str:
    moment = parse_timestamp(value)
    return _unfit(value) if moment is None else moment.isoformat(" ", "microseconds")


def parse_timestamp(value: Any) -> dt.datetime | None:
    """A naive UTC datetime read with the staging `to_utc_timestamp` rules, or None."""
    if isinstance(value, bool | bytes):
        return None
    raw = _as_text(value).strip(_TRIM) if not isinstance(value, int) else str(value)
    if _EPOCH_S.match(raw):
        return _from_epoch(float(raw))
    if _EPOCH_MS.match(raw):
        return _from_epoch(float(raw) / 1000)
    normal = raw.replace("T", " ").replace("/", "-")
    try:
        if match := _NAIVE.match(normal):
            return _datetime(match.groups())
        if match := _ZONED.match(normal):
            moment = _datetime(match.groups()[:7])
            return None if moment is None else moment - _offset(match.group(8))
    except OverflowError:  # outside years 1-9999: PostgreSQL has the value, datetime does not
        return None
    return None


def _from_epoch(seconds: float) -> dt.datetime | None:
    # PostgreSQL's to_timestamp(double): rint((s - 2000-01-01) * 1e6) microseconds.
    micros = round((seconds - _PG_EPOCH) * 1_000_000.0)
    try:
        return _PG_ORIGIN + dt.timedelta(microseconds=micros)
    except OverflowError:
        return None


def _datetime(parts: Sequence[str | None]) -> dt.datetime | None:
    year, month, day, hour, minute, second, fraction = parts
    micros = int((fraction or "").ljust(6, "0")) if fraction else 0
    h, m, s = int(hour or 0), int(minute or 0), int(second or 0)
    try:
        day_start = dt.datetime(int(year), int(month), int(day))  # type: ignore[arg-type]
    except ValueError:
        return None
    # PostgreSQL: hour 24 and second 60 roll over, up to 24:00:00 exactly (time_overflows)
    if h > 24 or m > 59 or s > 60:
        return None
    time = dt.timedelta(hours=h, minutes=m, seconds=s, microseconds=micros)
    return None if time > dt.timedelta(days=1) else day_start + time


def _offset(zone: str) -> dt.timedelta:
    if zone == "Z":
        return dt.timedelta(0)
    sign = -1 if zone[0] == "-" else 1
    digits = zone[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    return sign * dt.timedelta(hours=hours, minutes=minutes)


def _date(value: Any) -> str:
    if isinstance(value, bool | bytes | int | float):
        return _unfit(value)
    text = _as_text(value).strip(_TRIM).replace("/", "-")
    if _DATE.match(text):
        try:
            return dt.date.fromisoformat(text).isoformat()
        except ValueError:
            pass
    return _unfit(value)


def _bytes(value: Any) -> str:
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    if isinstance(value, str) and re.fullmatch(r"\\x([0-9a-fA-F]{2})*", value.strip(_TRIM)):
        return value.strip(_TRIM)[2:].lower()
    if isinstance(value, str) and _SURROGATE.search(value):
        # TEXT that is not UTF-8 (read with surrogateescape): the tap sends its bytes as
        # \x hex, which the staging cast to bytea decodes: the bytes themselves.
        return value.encode("utf-8", "surrogateescape").hex()
    return _unfit(value)


def _uuid(value: Any) -> str:
    try:
        return str(uuid.UUID(_as_text(value).strip(_TRIM)))
    except ValueError:
        return _unfit(value)


def _vector(value: Any, dimensions: int | None) -> str:
    elements = value
    if isinstance(value, str):
        try:
            elements = json.loads(value, parse_float=Decimal, parse_int=Decimal)
        except ValueError:
            return _unfit(value)
    if not isinstance(elements, list) or len(elements) != dimensions:
        return _unfit(value)
    parts = []
    for element in elements:
        if isinstance(element, bool) or not isinstance(element, int | float | Decimal):
            return _unfit(value)
        single = _nearest_float32(Decimal(element) if isinstance(element, int) else element)
        if single is None:  # outside float4, or underflows to 0: pgvector refuses it
            return _unfit(value)
        parts.append(_float(single))
    return "[" + ",".join(parts) + "]"


def _nearest_float32(number: Decimal | float) -> float | None:
    """The float4 nearest to `number` (ties to even), as PostgreSQL's float4in rounds a
    decimal text: rounding through a double first could pick the other neighbour."""
    exact = Fraction(number) if isinstance(number, float) else Fraction(str(number))
    if abs(exact) > _FLOAT32_LIMIT:  # the bound to_vector (transform/macros) checks too
        return None
    guess = struct.unpack("<f", struct.pack("<f", float(exact)))[0]
    bits = struct.unpack("<i", struct.pack("<f", guess))[0]
    candidates = [guess] + [
        struct.unpack("<f", struct.pack("<i", b))[0]
        for b in (bits - 1, bits + 1)
        if -(2**31) <= b < 2**31
    ]
    finite = [c for c in candidates if math.isfinite(c)]
    best = min(finite, key=lambda c: (abs(Fraction(c) - exact), _odd_mantissa(c)))
    if best == 0 and exact != 0:
        return None
    return best


_FLOAT32_LIMIT = Fraction("3.4028235e38")  # rounds to float4's largest value


def _odd_mantissa(value: float) -> int:
    return struct.unpack("<i", struct.pack("<f", value))[0] & 1


_TYPED = {
    "text": _text,
    "integer": _integer,
    "decimal": _decimal,
    "float": _float,
    "boolean": _boolean,
    "timestamp": _timestamp,
    "timestamptz": _timestamp,
    "date": _date,
    "bytes": _bytes,
    "uuid": _uuid,
    "vector": _vector,
}
