"""SQLite column -> PostgreSQL type and staging cast: the mapping rules, in one place.

SQLite stores any value in any column; the declared type only sets an *affinity*
(SQLite's 5 rules, in order: contains INT -> INTEGER; CHAR, CLOB or TEXT -> TEXT; BLOB or
no type -> BLOB; REAL, FLOA or DOUB -> REAL; anything else -> NUMERIC). The raw layer
(tap-sqlite) keeps what is stored, so the target type is decided by the values actually
stored (`profile_column`: `typeof()` mix, and what the text parses as), read together
with what the declared type says the application meant (`map_column`). The first rule
that applies wins:

| #  | stored values / declared type                   | PostgreSQL type    | staging          |
| -- | ----------------------------------------------- | ------------------ | ---------------- |
| 1  | INTEGER PRIMARY KEY (the rowid alias)           | bigint identity    | try_cast bigint  |
| 2  | no value stored (empty table, all NULL)         | from declared (a)  | matching cast    |
| 3  | only blobs                                      | bytea              | try_cast bytea   |
| 3b | blobs mixed with other storage classes          | text (b)           | verbatim         |
| 4  | text that is not valid UTF-8 (all of it / some) | bytea / text (b)   | try_cast / verb. |
| 5  | declared BOOL/BOOLEAN                           | boolean (c)        | to_boolean       |
| 6  | declared DATE                                   | date (c, d)        | to_date          |
| 7  | declared DATETIME/TIMESTAMP (DATE + TIME)       | timestamp, UTC (c) | to_utc_timestamp |
| 8  | declared TIME                                   | time (c)           | try_cast time    |
| 9  | boolean name (e), only 0/1 (or t/f, yes/no...)  | boolean            | to_boolean       |
| 10 | time name (f), only integers, all epoch s or ms | timestamp, UTC (g) | to_utc_timestamp |
| 11 | text, not a key, all ISO dates / timestamps     | date / timestamp   | to_date / to_utc |
| 12 | integers only: INT affinity, other              | bigint             | try_cast bigint  |
|    | integers only: declared NUMERIC(p,s) / DECIMAL  | numeric(p,s) / num | try_cast numeric |
|    | reals: REAL/FLOA/DOUB, no type, +-Infinity      | double precision   | try_cast double  |
|    | reals: NUMERIC/DECIMAL/MONEY (h)                | numeric(p,s)       | try_cast numeric |
|    | reals in an INTEGER column                      | bigint (c) / (h)   | try_cast         |
| 13 | text in an INTEGER/REAL/NUMERIC column          | the number (c)     | try_cast         |
| 14 | text holding JSON (every value)                 | text (jsonb later) | verbatim         |
|    | declared CHAR(n)/VARCHAR(n)/NVARCHAR(n)         | varchar(n) (i)     | as below         |
|    | free text: a line break, or > 255 characters    | text               | verbatim         |
|    | other text                                      | text               | clean_text       |

(a) BOOL -> boolean, DATE -> date, DATETIME/TIMESTAMP -> timestamp, NUMERIC(p,s) ->
    numeric(p,s), bare NUMERIC/DECIMAL -> numeric, INT -> bigint, REAL -> double precision,
    CHAR(n) -> varchar(n), TEXT -> text, BLOB -> bytea, no type -> text.
(b) Nothing is lost: the raw column is text, blobs and non-UTF-8 text in it are `\\x` hex.
(c) Values that do not fit are *rejected* (the row goes to the rejects relation with
    the raw value) only when the declared type says so and they are few: at most
    `REJECT_MAX_SHARE` (1 %) of the non-null values checked and at most
    `REJECT_MAX_VALUES` (1,000). Otherwise the type is widened (to bigint when every
    value is an integer, else text) and the rule says why. A type is never narrowed
    below the values unless the declared type asks for it: with no declared reason
    (rules 9-11) every value must fit. Blank text ('' or spaces) is NULL, not a failure.
(d) A DATE column whose values carry a time becomes timestamp when all of them parse.
(e) `is_*`, `has_*`, `was_*`, `can_*`..., or a flag word (active, enabled, deleted,
    discontinued, hidden, locked, read, seen...): `BOOLEAN_PREFIXES`, `BOOLEAN_WORDS`.
    Keys (PK/FK columns) never get a type from their name or values' look (rules 9-11).
(f) A word date, time, timestamp, created, updated, modified, expiration..., or `*_at`.
(g) All non-null values, min and max over the whole table, are epoch seconds (9-11
    digits) or milliseconds (12-14 digits) between 1990 and 2100, and none is 0.
    Refused, with the reason, and kept bigint: microseconds (15-17 digits: Firefox
    PRTime since 1970, Chrome/WebKit since 1601), which to_utc_timestamp does not read
    (convert by hand, e.g. `to_timestamp(col / 1e6)`); seconds before 1990 (Apple's
    Mac absolute time, seconds since 2001, looks like 1984 read as Unix time); a 0
    meaning "not set" (it would be rejected). Digit-only *text* is never taken for an
    epoch unless the column is declared DATE/TIME (phone numbers look like ms).
(h) Scale: the declared one; without it, the decimals the values need. A REAL's
    decimals are counted within float noise (`NOISE_ULPS` units in the last place:
    12.299999999999999 needs 1, 0.30000000000000004 needs 1). Values needing more
    decimals than declared, or more integer digits than p - s, widen the type
    (numeric(p,s) would silently round or fail); values needing more than
    `MAX_INFERRED_SCALE` (10) decimals are binary floats: double precision. Inferred
    precision is at least `DEFAULT_PRECISION` (18). Bare NUMERIC with only integers:
    numeric (no scale to infer, and numeric(p,0) would round future decimals).
(i) n kept when the values fit. SQLite never enforces n: longer values are rejected as
    `too_long` (the contract's job; counted here) if few (c), otherwise text. CHAR(n)
    becomes varchar(n), never char(n) (which pads with blanks).

Staging templates use the macros in transform/macros/cleaning/; `{col}` is the raw
column's SQL expression (see `ColumnMapping.staging_sql`).
"""

from __future__ import annotations

import json
import math
import re
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from cutover.errors import CutoverError

# --- thresholds --------------------------------------------------------------------------

REJECT_MAX_SHARE = 0.01  # rejects allowed: at most 1 % of the non-null values checked...
REJECT_MAX_VALUES = 1_000  # ...and at most this many
MAX_INFERRED_SCALE = 10  # more decimals than this: the values are binary floats
NOISE_ULPS = 8  # float noise tolerated when counting a REAL's decimals
DEFAULT_PRECISION = 18  # inferred numeric(p,s): p at least this (room to grow)
MAX_NUMERIC_PRECISION = 1000  # PostgreSQL's limit for numeric(p,s)
MAX_VARCHAR = 10_485_760  # PostgreSQL's limit for varchar(n)
FREE_TEXT_LENGTH = 255  # longer values (or a line break): free text, copied verbatim
EPOCH_WINDOW = (631_152_000, 4_102_444_800)  # 1990-01-01 .. 2100-01-01 UTC, seconds
DEFAULT_SAMPLE = 100_000
FETCH_SIZE = 5_000

# --- what the staging macros accept (copied from transform/macros/cleaning/) ----------------

# to_utc_timestamp, in its order; the value is btrim'med, and `T`, `/` read as ` `, `-`
# for the two ISO forms.
EPOCH_SECONDS = re.compile(r"^-?[0-9]{9,11}([.][0-9]+)?$")
EPOCH_SECONDS_MIN = -62135596800
EPOCH_MILLIS = re.compile(r"^[0-9]{12,14}$")
NAIVE_TIMESTAMP = re.compile(
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}( [0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]{1,6})?)?)?$"
)
OFFSET_TIMESTAMP = re.compile(
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]{1,6})?)?"
    r" ?(Z|[+-][0-9]{2}(:?[0-9]{2})?)$"
)
# to_date (after `/` -> `-`).
DATE_ONLY = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
# Not read by the macro: recognised only to say why such a column is refused.
EPOCH_MICROS = re.compile(r"^[0-9]{15,17}$")
TIME_OF_DAY = re.compile(r"^[0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]{1,6})?)?$")
# to_boolean: lower(btrim(value)).
BOOLEAN_TOKENS = frozenset({"1", "true", "t", "yes", "0", "false", "f", "no"})
INTEGER_TEXT = re.compile(r"^[+-]?[0-9]+$")
DECIMAL_TEXT = re.compile(r"^[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?$")
INT64 = (-(2**63), 2**63 - 1)
CLEAN_TEXT_CHARS = " \t\r\n"  # clean_text's btrim set

_ISO_NORMALIZE = str.maketrans("T/", " -")
_DATETIME_PARTS = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})(?: ([0-9]{2}):([0-9]{2})(?::([0-9]{2}))?)?"
)

# Timestamp kinds (ColumnProfile counters).
EPOCH_S, EPOCH_MS, EPOCH_US = "epoch_seconds", "epoch_millis", "epoch_micros"
ISO_DATE, ISO_TIMESTAMP, ISO_OFFSET = "iso_date", "iso_timestamp", "iso_offset"

# --- names ---------------------------------------------------------------------------------

BOOLEAN_PREFIXES = frozenset(
    {"is", "has", "have", "had", "was", "were", "can", "should", "must", "allow", "allows"}
)
BOOLEAN_WORDS = frozenset(
    {
        "active", "enabled", "disabled", "deleted", "discontinued", "hidden", "visible",
        "archived", "locked", "blocked", "muted", "read", "seen", "verified", "approved",
        "flagged", "starred", "published", "flag",
    }
)  # fmt: skip
TIME_WORDS = frozenset(
    {
        "date", "time", "timestamp", "datetime", "ts", "created", "updated", "modified",
        "expiration", "expires", "expiry",
    }
)  # fmt: skip
_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")

# --- affinities ----------------------------------------------------------------------------

INTEGER, TEXT, BLOB, REAL, NUMERIC = "INTEGER", "TEXT", "BLOB", "REAL", "NUMERIC"
_TYPE_ARGUMENTS = re.compile(r"\(\s*([0-9]+)\s*(?:,\s*([0-9]+)\s*)?\)")
_DECIMAL_WORDS = ("NUMERIC", "DECIMAL", "MONEY", "CURRENCY", "NUMBER")
_TEXT_WORDS = ("UUID", "GUID", "STRING")  # NUMERIC affinity in SQLite, text in practice

# --- staging templates ---------------------------------------------------------------------

VERBATIM = "{col}"
CLEAN_TEXT = "clean_text('{col}')"
TO_BOOLEAN = "to_boolean('{col}', casts)"
TO_TIMESTAMP = "to_utc_timestamp('{col}', casts)"
TO_DATE = "to_date('{col}', casts)"


def try_cast(pg_type: str) -> str:
    """The staging template casting to `pg_type` (cast errors go to the rejects)."""
    return f"try_cast('{{col}}', '{pg_type}', casts)"


# =========================================================================================
# Declared types
# =========================================================================================


@dataclass(frozen=True)
class DeclaredType:
    """What a declared type says: SQLite's affinity and the application's intent."""

    text: str
    affinity: str  # INTEGER | TEXT | BLOB | REAL | NUMERIC
    intent: str  # boolean | date | timestamp | time | decimal | json | text | "" (none)
    length: int | None = None  # CHAR(n), VARCHAR(n)...
    precision: int | None = None  # NUMERIC(p,s)
    scale: int | None = None


def sqlite_affinity(declared_type: str) -> str:
    """SQLite's column affinity of a declared type (its 5 rules, in order)."""
    upper = declared_type.upper()
    if "INT" in upper:
        return INTEGER
    if any(word in upper for word in ("CHAR", "CLOB", "TEXT")):
        return TEXT
    if "BLOB" in upper or not upper.strip():
        return BLOB
    if any(word in upper for word in ("REAL", "FLOA", "DOUB")):
        return REAL
    return NUMERIC


def parse_declared(declared_type: str) -> DeclaredType:
    """Affinity, intent, and the (n) or (p,s) arguments of a declared type."""
    upper = declared_type.upper()
    affinity = sqlite_affinity(declared_type)
    intent = _intent(upper)
    arguments = _TYPE_ARGUMENTS.search(upper)
    if arguments is None:
        return DeclaredType(declared_type, affinity, intent)
    first, second = int(arguments[1]), arguments[2]
    if intent == "decimal":
        scale = int(second) if second is not None else 0
        return DeclaredType(declared_type, affinity, intent, precision=first, scale=scale)
    if affinity == TEXT and intent == "":
        return DeclaredType(declared_type, affinity, intent, length=first)
    return DeclaredType(declared_type, affinity, intent)


def _intent(upper: str) -> str:
    if "BOOL" in upper:
        return "boolean"
    if "TIMESTAMP" in upper or ("DATE" in upper and "TIME" in upper):
        return "timestamp"
    if "DATE" in upper:
        return "date"
    if "TIME" in upper:
        return "time"
    if "INT" not in upper and any(word in upper for word in _DECIMAL_WORDS):
        return "decimal"
    if "JSON" in upper:
        return "json"
    if any(word in upper for word in _TEXT_WORDS):
        return "text"
    return ""


# =========================================================================================
# Values: what the staging macros make of one raw value
# =========================================================================================


def timestamp_kind(raw: str) -> str | None:
    """Which branch of to_utc_timestamp accepts `raw` (EPOCH_US: none, refused)."""
    value = raw.strip(" ")
    if EPOCH_SECONDS.fullmatch(value) and float(value) >= EPOCH_SECONDS_MIN:
        return EPOCH_S
    if EPOCH_MILLIS.fullmatch(value):
        return EPOCH_MS
    normal = value.translate(_ISO_NORMALIZE)
    if NAIVE_TIMESTAMP.fullmatch(normal) and _valid_datetime(normal):
        return ISO_DATE if len(normal) == 10 else ISO_TIMESTAMP
    if OFFSET_TIMESTAMP.fullmatch(normal) and _valid_datetime(normal):
        return ISO_OFFSET
    if EPOCH_MICROS.fullmatch(value):
        return EPOCH_US
    return None


def _valid_datetime(normal: str) -> bool:
    """PostgreSQL's date/time validity (2023-02-30 and 0000-00-00 are not)."""
    parts = _DATETIME_PARTS.match(normal)
    if parts is None:
        return False
    try:
        date(int(parts[1]), int(parts[2]), int(parts[3]))
    except ValueError:
        return False
    hour, minute, second = (int(parts[i] or 0) for i in (4, 5, 6))
    if hour == 24:  # PostgreSQL reads 24:00:00 as the next midnight
        return minute == 0 and second == 0
    return hour <= 23 and minute <= 59 and second <= 60


def is_bigint_text(value: str) -> bool:
    """True when try_cast(value, 'bigint') succeeds (decimal digits in int64)."""
    stripped = value.strip()
    return bool(INTEGER_TEXT.fullmatch(stripped)) and INT64[0] <= int(stripped) <= INT64[1]


def decimal_digits(value: str) -> tuple[int, int] | None:
    """(digits before the point, digits after it as written), or None if not a number."""
    stripped = value.strip()
    if not DECIMAL_TEXT.fullmatch(stripped):
        return None
    _sign, digits, exponent = Decimal(stripped).as_tuple()
    assert isinstance(exponent, int)  # finite: the regex admits no NaN/Infinity
    return max(0, len(digits) + exponent), max(0, -exponent)


def real_decimals(value: float) -> int | None:
    """Decimals a REAL needs within float noise (12.299999999999999 -> 1); None: > max."""
    for places in range(MAX_INFERRED_SCALE + 1):
        if abs(value - round(value, places)) <= NOISE_ULPS * math.ulp(value):
            return places
    return None


def integer_digits(value: float) -> int:
    """Digits before the decimal point (0 for |value| < 1)."""
    magnitude = abs(value)
    return len(str(int(magnitude))) if magnitude >= 1 else 0


def is_json_document(text: str) -> bool:
    """A JSON object or array (what a jsonb column would later hold)."""
    stripped = text.strip()
    if not stripped or stripped[0] not in "[{":
        return False
    try:
        json.loads(stripped)
    except ValueError:
        return False
    return True


def name_words(name: str) -> tuple[str, ...]:
    """`dateAdded` -> (date, added); `is_from_me` -> (is, from, me)."""
    spaced = _CAMEL_BOUNDARY.sub("_", name).lower()
    return tuple(word for word in re.split(r"[^0-9a-z]+", spaced) if word)


def is_boolean_name(name: str) -> bool:
    """is_*, has_*... or a flag word (active, deleted, discontinued...) as last word."""
    words = name_words(name)
    if not words:
        return False
    return (len(words) > 1 and words[0] in BOOLEAN_PREFIXES) or words[-1] in BOOLEAN_WORDS


def is_time_name(name: str) -> bool:
    """A time word anywhere (date, created, modified, expiration...) or a final `at`."""
    words = name_words(name)
    return bool(words) and (words[-1] == "at" or any(word in TIME_WORDS for word in words))


# =========================================================================================
# Profiling a column
# =========================================================================================


@dataclass(frozen=True)
class ColumnProfile:
    """What one column holds: storage classes (whole table) and what values parse as.

    The first block comes from one aggregate query over the whole table. The rest counts
    the non-null values of the first `sampled_rows` rows, each value read as the raw layer
    holds it (integers as digits, reals as their repr, blobs aside) and tested the way
    the staging macros test it. `complete` says whether the sample was the whole table.
    """

    rows: int = 0
    integer: int = 0
    real: int = 0
    text: int = 0
    blob: int = 0
    null: int = 0
    int_min: int | None = None
    int_max: int | None = None
    int_min_nonzero: int | None = None
    int_zero: int = 0
    int_zero_one: int = 0
    real_infinite: int = 0
    # --- first `sampled_rows` rows -----------------------------------------------------
    sampled_rows: int = 0
    checked: int = 0  # non-null values looked at
    blank: int = 0  # text that is empty or spaces: NULL after staging, not a failure
    epoch_seconds: int = 0  # to_utc_timestamp branch 1 (any storage class)
    epoch_millis: int = 0  # branch 2
    epoch_micros: int = 0  # 15-17 digits: read by no branch
    iso_date: int = 0  # branch 3 without a time: also what to_date accepts
    iso_timestamp: int = 0  # branch 3 with a time
    iso_offset: int = 0  # branch 4 (Z or +hh:mm, converted to UTC)
    time_of_day: int = 0
    boolean_like: int = 0  # what to_boolean accepts
    integer_like: int = 0  # what try_cast bigint accepts
    decimal_like: int = 0  # integers, finite reals, decimal text
    max_int_digits: int = 0  # over integers, finite reals and decimal text
    max_scale: int = 0  # decimals needed (reals within float noise, text as written)
    unscaled_reals: int = 0  # reals needing more than MAX_INFERRED_SCALE decimals
    invalid_utf8: int = 0
    multiline: int = 0
    padded: int = 0  # text with surrounding whitespace (clean_text trims it)
    json_like: int = 0
    lengths: tuple[tuple[int, int], ...] = ()  # (characters, values), text as stored
    trimmed_lengths: tuple[tuple[int, int], ...] = ()  # the same after clean_text's btrim

    @property
    def nonnull(self) -> int:
        return self.integer + self.real + self.text + self.blob

    @property
    def complete(self) -> bool:
        """Every row was checked (the counts are exact, not from a sample)."""
        return self.sampled_rows >= self.rows

    @property
    def classes(self) -> frozenset[str]:
        """The storage classes present (integer, real, text, blob)."""
        counts = {"integer": self.integer, "real": self.real, "text": self.text}
        counts["blob"] = self.blob
        return frozenset(name for name, count in counts.items() if count)

    @property
    def max_length(self) -> int:
        return max((length for length, _ in self.lengths), default=0)

    @property
    def timestamp_like(self) -> int:
        """Values to_utc_timestamp turns into a timestamp."""
        iso = self.iso_date + self.iso_timestamp + self.iso_offset
        return self.epoch_seconds + self.epoch_millis + iso

    def failures(self, accepted: int) -> int:
        """Non-null, non-blank values checked that a cast accepting `accepted` rejects."""
        return max(0, self.checked - self.blank - accepted)

    def longer_than(self, limit: int, *, trimmed: bool) -> int:
        """Text values with more than `limit` characters (after btrim if `trimmed`)."""
        histogram = self.trimmed_lengths if trimmed else self.lengths
        return sum(count for length, count in histogram if length > limit)

    def stored(self) -> str:
        """`3503 real`, `943 integer + 1212 real`: the storage mix, for rule sentences."""
        parts = [f"{getattr(self, name)} {name}" for name in ("integer", "real", "text", "blob")]
        return " + ".join(part for part in parts if not part.startswith("0 ")) or "no value"


def profile_column(
    conn: sqlite3.Connection, table: str, column: str, *, sample: int = DEFAULT_SAMPLE
) -> ColumnProfile:
    """Profile `table.column`: storage classes of all rows, parse counts of the first rows.

    Read-only (the caller opens the file `mode=ro&immutable=1`); the rows are streamed,
    never all loaded. Text is read as bytes, so text that is not valid in the database
    encoding is counted instead of failing.
    """
    _check_column(conn, table, column)
    totals = _aggregate(conn, table, column)
    tally = _Tally()
    for storage, value in _sample_values(conn, table, column, sample, _codec(conn)):
        tally.add(storage, value)
    return ColumnProfile(**totals, **tally.counts())


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _check_column(conn: sqlite3.Connection, table: str, column: str) -> None:
    # A double-quoted name that matches no column is a string literal in SQLite.
    found = conn.execute(
        "SELECT 1 FROM pragma_table_xinfo(?) WHERE name = ? COLLATE NOCASE", (table, column)
    ).fetchone()
    if found is None:
        raise CutoverError(f"cannot profile {table}.{column}: no such table or column")


def _codec(conn: sqlite3.Connection) -> str:
    encoding = str(conn.execute("PRAGMA encoding").fetchone()[0]).lower()
    return {"utf-16le": "utf-16-le", "utf-16be": "utf-16-be"}.get(encoding, "utf-8")


def _aggregate(conn: sqlite3.Connection, table: str, column: str) -> dict[str, int | None]:
    """Storage classes and integer range over the whole table: one scan."""
    c = _quote(column)
    is_int = f"typeof({c}) = 'integer'"
    sql = (
        f"SELECT count(*), coalesce(sum({is_int}), 0),"
        f" coalesce(sum(typeof({c}) = 'real'), 0), coalesce(sum(typeof({c}) = 'text'), 0),"
        f" coalesce(sum(typeof({c}) = 'blob'), 0),"
        f" min(CASE WHEN {is_int} THEN {c} END), max(CASE WHEN {is_int} THEN {c} END),"
        f" min(CASE WHEN {is_int} AND {c} <> 0 THEN {c} END),"
        f" coalesce(sum({is_int} AND {c} = 0), 0), coalesce(sum({is_int} AND {c} IN (0, 1)), 0),"
        f" coalesce(sum(typeof({c}) = 'real' AND abs({c}) = 9e999), 0)"
        f" FROM {_quote(table)}"
    )
    row = conn.execute(sql).fetchone()
    rows, integer, real, text, blob = (int(value) for value in row[:5])
    return {
        "rows": rows,
        "integer": integer,
        "real": real,
        "text": text,
        "blob": blob,
        "null": rows - integer - real - text - blob,
        "int_min": row[5],
        "int_max": row[6],
        "int_min_nonzero": row[7],
        "int_zero": int(row[8]),
        "int_zero_one": int(row[9]),
        "real_infinite": int(row[10]),
    }


def _sample_values(
    conn: sqlite3.Connection, table: str, column: str, sample: int, codec: str
) -> Iterator[tuple[str, object]]:
    """(storage class, value) of the first `sample` rows; text as str or bytes if invalid."""
    c = _quote(column)
    cursor = conn.execute(
        f"SELECT typeof({c}), CASE typeof({c}) WHEN 'text' THEN CAST({c} AS BLOB)"
        f" WHEN 'blob' THEN NULL ELSE {c} END FROM {_quote(table)} LIMIT ?",
        (max(0, sample),),
    )
    while batch := cursor.fetchmany(FETCH_SIZE):
        for storage, value in batch:
            if storage == "text":
                yield storage, _decode(value, codec)
            else:
                yield storage, value


def _decode(data: bytes, codec: str) -> str | bytes:
    try:
        return data.decode(codec)
    except UnicodeDecodeError:
        return data


class _Tally:
    """Mutable counters while the sample streams by; frozen into the profile after."""

    def __init__(self) -> None:
        self.count: Counter[str] = Counter()
        self.lengths: Counter[int] = Counter()
        self.trimmed: Counter[int] = Counter()
        self.max_int_digits = 0
        self.max_scale = 0

    def add(self, storage: str, value: object) -> None:
        self.count["sampled_rows"] += 1
        if storage == "null":
            return
        self.count["checked"] += 1
        if storage == "integer" and isinstance(value, int):
            self._integer(value)
        elif storage == "real" and isinstance(value, float):
            self._real(value)
        elif storage == "text" and isinstance(value, str):
            self._text(value)
        elif storage == "text":
            self.count["invalid_utf8"] += 1

    def _integer(self, value: int) -> None:
        self._timestamp(str(value))
        self.count["boolean_like"] += value in (0, 1)
        self.count["integer_like"] += 1
        self._decimal(len(str(abs(value))), 0)

    def _real(self, value: float) -> None:
        if not math.isfinite(value):
            return
        self._timestamp(repr(value))
        places = real_decimals(value)
        if places is None:
            self.count["unscaled_reals"] += 1
            places = 0
        self._decimal(integer_digits(value), places)

    def _text(self, value: str) -> None:
        self.lengths[len(value)] += 1
        trimmed = value.strip(CLEAN_TEXT_CHARS)
        self.trimmed[len(trimmed)] += 1
        if not value.strip(" "):
            self.count["blank"] += 1
            return
        self.count["padded"] += trimmed != value
        self.count["multiline"] += "\n" in value or "\r" in value
        self.count["json_like"] += is_json_document(value)
        self._timestamp(value)
        self.count["time_of_day"] += bool(TIME_OF_DAY.fullmatch(value.strip(" ")))
        self.count["boolean_like"] += value.strip(" ").lower() in BOOLEAN_TOKENS
        self.count["integer_like"] += is_bigint_text(value)
        digits = decimal_digits(value)
        if digits is not None:
            self._decimal(*digits)

    def _timestamp(self, raw: str) -> None:
        kind = timestamp_kind(raw)
        if kind is not None:
            self.count[kind] += 1

    def _decimal(self, int_digits: int, places: int) -> None:
        self.count["decimal_like"] += 1
        self.max_int_digits = max(self.max_int_digits, int_digits)
        self.max_scale = max(self.max_scale, places)

    def counts(self) -> dict[str, object]:
        return {
            **dict(self.count),
            "max_int_digits": self.max_int_digits,
            "max_scale": self.max_scale,
            "lengths": tuple(sorted(self.lengths.items())),
            "trimmed_lengths": tuple(sorted(self.trimmed.items())),
        }


# =========================================================================================
# Mapping a column
# =========================================================================================


@dataclass(frozen=True)
class ColumnMapping:
    """A column's PostgreSQL type, staging cast, and why."""

    pg_type: str  # bigint, numeric(12,2), double precision, boolean, timestamp, text...
    staging: str  # macro call template with {col}, or "{col}" (verbatim)
    rule: str  # one sentence: why, for a comment in the generated model
    rule_id: str  # which rule of the table decided (stable, for tests and reports)
    lossy_values: int = 0  # stored values that will fail the cast -> rejects
    lossy_reason: str | None = None  # "cast_failed" | "too_long"
    identity: bool = False  # bigint identity (the rowid alias)
    checked_values: int = 0  # non-null values the counts are based on

    def staging_sql(self, column: str) -> str:
        """The select-list expression for raw column `column` (a SQL expression)."""
        if self.staging == VERBATIM:
            return column
        escaped = column.replace("\\", "\\\\").replace("'", "\\'")
        return "{{ " + self.staging.replace("{col}", escaped) + " }}"


@dataclass(frozen=True)
class _Column:
    declared: DeclaredType
    profile: ColumnProfile
    name: str
    is_key: bool
    is_rowid_alias: bool


def map_column(
    declared_type: str,
    profile: ColumnProfile,
    *,
    name: str,
    is_pk: bool,
    is_fk: bool,
    is_rowid_alias: bool | None = None,
) -> ColumnMapping:
    """The PostgreSQL type and staging cast of one column (module docstring: the rules).

    `is_rowid_alias`: the column is the table's INTEGER PRIMARY KEY aliasing the rowid
    (`SourceTable.generated_key`). When None, it is guessed from `is_pk` and a declared
    type of exactly INTEGER, which is wrong for a composite key: pass it.
    """
    if is_rowid_alias is None:
        is_rowid_alias = is_pk and declared_type.strip().upper() == "INTEGER"
    column = _Column(parse_declared(declared_type), profile, name, is_pk or is_fk, is_rowid_alias)
    for rule in _RULES:
        mapping = rule(column)
        if mapping is not None:
            return mapping
    raise AssertionError("the text rule always applies")  # pragma: no cover


def _result(
    col: _Column,
    pg_type: str,
    staging: str,
    rule: str,
    rule_id: str,
    *,
    lossy: int = 0,
    reason: str | None = None,
) -> ColumnMapping:
    profile = col.profile
    if lossy:
        rule += f"; {lossy} value(s) will not fit ({reason}) and go to the rejects"
    if not profile.complete:
        rule += f" (values checked in the first {profile.sampled_rows} of {profile.rows} rows)"
    return ColumnMapping(
        pg_type=pg_type,
        staging=staging,
        rule=rule,
        rule_id=rule_id,
        lossy_values=lossy,
        lossy_reason=reason if lossy else None,
        identity=rule_id == "rowid_identity",
        checked_values=profile.checked,
    )


def _few(lossy: int, checked: int) -> bool:
    """Few enough misfits to reject them instead of widening the type (rule (c))."""
    return lossy <= min(REJECT_MAX_VALUES, checked * REJECT_MAX_SHARE)


def _declared(col: _Column) -> str:
    return f"declared {col.declared.text or 'without a type'}"


# --- rules 1-4 ---------------------------------------------------------------------------


def _rowid_alias(col: _Column) -> ColumnMapping | None:
    if not col.is_rowid_alias:
        return None
    rule = "INTEGER PRIMARY KEY is SQLite's rowid alias: bigint identity, continuing after the max"
    return _result(col, "bigint", try_cast("bigint"), rule, "rowid_identity")


def _no_values(col: _Column) -> ColumnMapping | None:
    if col.profile.nonnull:
        return None
    pg_type, staging = _declared_target(col.declared)
    rule = f"no value stored (empty or all NULL): {pg_type}, from the {_declared(col)}"
    return _result(col, pg_type, staging, rule, "declared_only")


def _declared_target(declared: DeclaredType) -> tuple[str, str]:
    """The natural target of a declared type, when there are no values to look at."""
    by_intent = {
        "boolean": ("boolean", TO_BOOLEAN),
        "date": ("date", TO_DATE),
        "timestamp": ("timestamp", TO_TIMESTAMP),
        "time": ("time", try_cast("time")),
        "json": ("text", VERBATIM),
    }
    if declared.intent in by_intent:
        return by_intent[declared.intent]
    if declared.intent == "decimal":
        pg_type = _numeric_type(declared.precision, declared.scale)
        return pg_type, try_cast(pg_type)
    if declared.affinity == INTEGER:
        return "bigint", try_cast("bigint")
    if declared.affinity == REAL:
        return "double precision", try_cast("double precision")
    if declared.affinity == NUMERIC and declared.intent != "text":
        return "numeric", try_cast("numeric")
    if "BLOB" in declared.text.upper():
        return "bytea", try_cast("bytea")
    return _varchar(declared.length), CLEAN_TEXT


def _numeric_type(precision: int | None, scale: int | None) -> str:
    if precision is None or precision > MAX_NUMERIC_PRECISION:
        return "numeric"
    return f"numeric({precision},{scale or 0})"


def _varchar(length: int | None) -> str:
    return f"varchar({length})" if length and length <= MAX_VARCHAR else "text"


def _blobs(col: _Column) -> ColumnMapping | None:
    profile = col.profile
    if not profile.blob:
        return None
    if profile.classes == {"blob"}:
        rule = f"{_declared(col)}, only blobs stored ({profile.blob}): bytea"
        return _result(col, "bytea", try_cast("bytea"), rule, "blob")
    rule = (
        f"{_declared(col)}, blobs mixed with other values ({profile.stored()}): text, "
        "the raw text as is (blobs as \\x hex); split by hand"
    )
    return _result(col, "text", VERBATIM, rule, "blob_mixed")


def _not_utf8(col: _Column) -> ColumnMapping | None:
    profile = col.profile
    if not profile.invalid_utf8:
        return None
    if profile.classes == {"text"} and profile.invalid_utf8 == profile.checked:
        rule = (
            f"{_declared(col)}, but every value is bytes that are not UTF-8 text (a hash?): "
            "bytea from the raw \\x hex"
        )
        return _result(col, "bytea", try_cast("bytea"), rule, "not_utf8_bytea")
    rule = (
        f"{_declared(col)}; {profile.invalid_utf8} value(s) are not UTF-8: text, those kept "
        "as the raw \\x hex"
    )
    return _result(col, "text", VERBATIM, rule, "not_utf8_text")


# --- rules 5-8: declared boolean, date, timestamp, time ----------------------------------


def _declared_boolean(col: _Column) -> ColumnMapping | None:
    if col.declared.intent != "boolean":
        return None
    profile = col.profile
    lossy = profile.failures(profile.boolean_like)
    if lossy == 0 or _few(lossy, profile.checked):
        rule = f"{_declared(col)}, values 0/1 (or true/false, t/f, yes/no): boolean"
        return _result(
            col, "boolean", TO_BOOLEAN, rule, "declared_boolean", lossy=lossy, reason="cast_failed"
        )
    return _widen(col, f"{_declared(col)} but {lossy} value(s) are not 0/1")


def _declared_date(col: _Column) -> ColumnMapping | None:
    if col.declared.intent != "date":
        return None
    profile = col.profile
    lossy = profile.failures(profile.iso_date)
    if lossy == 0:
        rule = f"{_declared(col)}, YYYY-MM-DD text: date"
        return _result(col, "date", TO_DATE, rule, "declared_date")
    if profile.failures(profile.timestamp_like) == 0:
        rule = f"{_declared(col)} but {lossy} value(s) carry a time: timestamp (UTC), not date"
        return _result(col, "timestamp", TO_TIMESTAMP, rule, "declared_date_with_time")
    if _few(lossy, profile.checked):
        rule = f"{_declared(col)}, YYYY-MM-DD text: date"
        return _result(
            col, "date", TO_DATE, rule, "declared_date", lossy=lossy, reason="cast_failed"
        )
    return _widen(col, f"{_declared(col)} but {lossy} value(s) are not dates")


def _declared_timestamp(col: _Column) -> ColumnMapping | None:
    if col.declared.intent != "timestamp":
        return None
    profile = col.profile
    lossy = profile.failures(profile.timestamp_like)
    if lossy == 0 or _few(lossy, profile.checked):
        rule = f"{_declared(col)}, {_timestamp_forms(profile)}: timestamp (UTC)"
        return _result(
            col, "timestamp", TO_TIMESTAMP, rule, "declared_timestamp", lossy=lossy,
            reason="cast_failed",
        )  # fmt: skip
    return _widen(col, f"{_declared(col)} but {lossy} value(s) are not timestamps")


def _timestamp_forms(profile: ColumnProfile) -> str:
    """`ISO text, only dates (midnight)`...: which forms to_utc_timestamp will read."""
    forms = []
    if profile.iso_date or profile.iso_timestamp:
        only_dates = profile.iso_date and not (profile.iso_timestamp or profile.iso_offset)
        forms.append("ISO dates without a time (midnight)" if only_dates else "ISO text")
    if profile.iso_offset:
        forms.append(f"{profile.iso_offset} with a UTC offset (converted to UTC)")
    if profile.epoch_seconds:
        forms.append(f"{profile.epoch_seconds} epoch seconds")
    if profile.epoch_millis:
        forms.append(f"{profile.epoch_millis} epoch milliseconds")
    return ", ".join(forms) or "no readable value"


def _declared_time(col: _Column) -> ColumnMapping | None:
    if col.declared.intent != "time":
        return None
    profile = col.profile
    lossy = profile.failures(profile.time_of_day)
    if lossy == 0 or _few(lossy, profile.checked):
        rule = f"{_declared(col)}, HH:MM[:SS] text: time"
        return _result(
            col, "time", try_cast("time"), rule, "declared_time", lossy=lossy,
            reason="cast_failed",
        )  # fmt: skip
    return _widen(col, f"{_declared(col)} but {lossy} value(s) are not times of day")


def _widen(col: _Column, because: str) -> ColumnMapping:
    """Too many misfits for the declared type: bigint if every value is an integer, else text."""
    profile = col.profile
    if profile.failures(profile.integer_like) == 0:
        if profile.epoch_micros == profile.checked - profile.blank:
            because += f"; {_MICROS_REFUSAL}"
        rule = f"{because}: every value is an integer, so bigint"
        return _result(col, "bigint", try_cast("bigint"), rule, "widened_bigint")
    return _text(col, because, "widened_text")


_MICROS_REFUSAL = (
    "15-17 digits: epoch microseconds (Firefox PRTime since 1970, Chrome/WebKit since "
    "1601), which to_utc_timestamp does not read: kept bigint, convert by hand "
    "(to_timestamp(col / 1e6))"
)


# --- rules 9-11: booleans, epochs and ISO text with no declared reason ---------------------


def _named_boolean(col: _Column) -> ColumnMapping | None:
    profile = col.profile
    if col.is_key or profile.real or not profile.checked or not is_boolean_name(col.name):
        return None
    if profile.failures(profile.boolean_like):
        return None
    rule = f"{_declared(col)}, a flag's name and only 0/1-like values: boolean"
    return _result(col, "boolean", TO_BOOLEAN, rule, "named_boolean")


def _epoch_integers(col: _Column) -> ColumnMapping | None:
    profile, declared = col.profile, col.declared
    if col.is_key or profile.classes != {"integer"} or declared.intent:
        return None
    if declared.affinity not in (INTEGER, NUMERIC) or not is_time_name(col.name):
        return None
    low, high = profile.int_min_nonzero, profile.int_max
    if low is None:
        rule = f"{_declared(col)}, a time's name, but every value is 0 ('not set'): bigint"
        return _result(col, "bigint", try_cast("bigint"), rule, "epoch_refused")
    unit = _epoch_unit(low, high)
    if unit is None or low is None or high is None:
        return None
    refusal = _epoch_refusal(profile, unit, low, high)
    if refusal:
        rule = f"{_declared(col)}, a time's name, but {refusal}"
        return _result(col, "bigint", try_cast("bigint"), rule, "epoch_refused")
    first, last = (_utc(value, unit).date().isoformat() for value in (low, high))
    rule = (
        f"{_declared(col)}, a time's name and only epoch {unit} ({first} .. {last}): "
        "timestamp (UTC)"
    )
    return _result(col, "timestamp", TO_TIMESTAMP, rule, "epoch_timestamp")


def _epoch_unit(low: int | None, high: int | None) -> str | None:
    """The epoch unit whose digit count both ends share (the macro's branches), if any."""
    if low is None or high is None or low <= 0:
        return None
    for unit, lower, upper in (
        ("seconds", 10**8, 10**11),
        ("milliseconds", 10**11, 10**14),
        ("microseconds", 10**14, 10**17),
    ):
        if lower <= low and high < upper:
            return unit
    return None


def _epoch_refusal(profile: ColumnProfile, unit: str, low: int, high: int) -> str | None:
    if unit == "microseconds":
        return _MICROS_REFUSAL
    scale = 1 if unit == "seconds" else 1000
    if low < EPOCH_WINDOW[0] * scale or high >= EPOCH_WINDOW[1] * scale:
        first = _utc(low, unit).date().isoformat()
        return (
            f"read as Unix {unit} they start {first}, outside 1990-2100 (Apple's Mac "
            "absolute time counts seconds since 2001): kept bigint, convert by hand"
        )
    if profile.int_zero:
        return (
            f"{profile.int_zero} value(s) are 0 ('not set'), which would be rejected: kept "
            "bigint, map 0 to NULL by hand"
        )
    return None


def _utc(value: int, unit: str) -> datetime:
    divisor = {"seconds": 1, "milliseconds": 1000, "microseconds": 1_000_000}[unit]
    return datetime.fromtimestamp(value / divisor, tz=UTC)


def _iso_text(col: _Column) -> ColumnMapping | None:
    profile, declared = col.profile, col.declared
    if col.is_key or profile.classes != {"text"} or declared.affinity in (INTEGER, REAL):
        return None
    if declared.intent not in ("", "text"):
        return None
    iso = profile.iso_date + profile.iso_timestamp + profile.iso_offset
    if not iso or profile.failures(iso):
        return None
    if profile.iso_date == iso:
        rule = f"{_declared(col)}, every value a YYYY-MM-DD date: date"
        return _result(col, "date", TO_DATE, rule, "iso_date")
    rule = f"{_declared(col)}, every value an ISO timestamp ({_timestamp_forms(profile)}): "
    return _result(col, "timestamp", TO_TIMESTAMP, rule + "timestamp (UTC)", "iso_timestamp")


# --- rules 12-13: numbers ----------------------------------------------------------------


def _numbers(col: _Column) -> ColumnMapping | None:
    profile = col.profile
    if not profile.classes <= {"integer", "real"}:
        return None
    if not profile.real:
        return _integers(col)
    return _reals(col)


def _integers(col: _Column) -> ColumnMapping:
    declared, profile = col.declared, col.profile
    if declared.intent == "decimal" and declared.scale is not None:
        return _decimal(col, f"{_declared(col)}, {profile.stored()}")
    if declared.intent == "decimal":
        rule = f"{_declared(col)}, only integers stored: numeric (no scale to infer)"
        return _result(col, "numeric", try_cast("numeric"), rule, "numeric")
    if declared.affinity == REAL:
        rule = f"{_declared(col)}, {profile.stored()}: double precision"
        return _result(col, "double precision", try_cast("double precision"), rule, "float")
    rule = f"{_declared(col)}, {profile.stored()}: bigint"
    return _result(col, "bigint", try_cast("bigint"), rule, "integer")


def _reals(col: _Column) -> ColumnMapping:
    declared, profile = col.declared, col.profile
    stored = f"{_declared(col)}, {profile.stored()}"
    if (
        profile.real_infinite
        or declared.affinity in (REAL, BLOB)
        or (declared.affinity == NUMERIC and declared.intent != "decimal")
    ):
        infinite = f", {profile.real_infinite} infinite" if profile.real_infinite else ""
        rule = f"{stored}{infinite}: double precision"
        return _result(col, "double precision", try_cast("double precision"), rule, "float")
    if declared.affinity == INTEGER:
        lossy = profile.failures(profile.integer_like)
        if _few(lossy, profile.checked):
            rule = f"{stored}: bigint, as declared"
            return _result(
                col, "bigint", try_cast("bigint"), rule, "integer", lossy=lossy,
                reason="cast_failed",
            )  # fmt: skip
        return _decimal(col, f"{stored}, too many fractions for bigint")
    return _decimal(col, stored)


def _decimal(col: _Column, because: str, *, lossy: int = 0) -> ColumnMapping:
    """numeric(p,s) from the declared (p,s) and the values; double precision for floats."""
    declared, profile = col.declared, col.profile
    if profile.unscaled_reals:
        rule = (
            f"{because}; {profile.unscaled_reals} value(s) need more than "
            f"{MAX_INFERRED_SCALE} decimals (binary floats): double precision"
        )
        return _double(col, rule, lossy)
    if declared.scale is not None and declared.precision is not None:
        pg_type, note = _declared_numeric(declared.precision, declared.scale, profile)
    else:
        pg_type, note = _inferred_numeric(profile)
    if pg_type == "double precision":
        return _double(col, f"{because}; {note}", lossy)
    rule = f"{because}: {pg_type}, {note}"
    return _result(
        col, pg_type, try_cast(pg_type), rule, "decimal", lossy=lossy, reason="cast_failed"
    )


def _double(col: _Column, rule: str, lossy: int) -> ColumnMapping:
    return _result(
        col, "double precision", try_cast("double precision"), rule, "float", lossy=lossy,
        reason="cast_failed",
    )  # fmt: skip


def _declared_numeric(precision: int, scale: int, profile: ColumnProfile) -> tuple[str, str]:
    needed_scale = max(scale, profile.max_scale)
    needed_precision = max(precision - scale, profile.max_int_digits) + needed_scale
    if needed_precision > MAX_NUMERIC_PRECISION:
        return "double precision", "too many digits for numeric(p,s)"
    pg_type = f"numeric({needed_precision},{needed_scale})"
    if needed_scale > scale:
        return pg_type, f"widened: values carry {needed_scale} decimals (never rounded away)"
    if needed_precision > precision:
        return pg_type, f"widened: values reach {profile.max_int_digits} integer digits"
    noise = " (float noise rounded away)" if profile.real else ""
    return pg_type, f"rounded to the declared scale{noise}"


def _inferred_numeric(profile: ColumnProfile) -> tuple[str, str]:
    scale = profile.max_scale
    precision = max(DEFAULT_PRECISION, profile.max_int_digits + scale)
    if precision > MAX_NUMERIC_PRECISION:
        return "double precision", "too many digits for numeric(p,s)"
    return (
        f"numeric({precision},{scale})",
        f"scale inferred: values need at most {scale} decimals (float noise tolerated)",
    )


def _text_in_number_column(col: _Column) -> ColumnMapping | None:
    declared, profile = col.declared, col.profile
    if not profile.text:
        return None
    if declared.intent == "decimal":
        accepted, pg_type = profile.decimal_like, "numeric"
    elif declared.affinity == INTEGER and not declared.intent:
        accepted, pg_type = profile.integer_like, "bigint"
    elif declared.affinity == REAL:
        accepted, pg_type = profile.decimal_like, "double precision"
    else:
        return None
    lossy = profile.failures(accepted)
    stored = f"{_declared(col)}, {profile.stored()}"
    if lossy and not _few(lossy, profile.checked):
        because = f"{stored}: {lossy} value(s) are not numbers (a type lie)"
        return _text(col, because, "type_lie_text")
    if pg_type == "numeric":
        return _decimal(col, stored, lossy=lossy)
    rule = f"{stored}, the text holding numbers: {pg_type}"
    return _result(
        col, pg_type, try_cast(pg_type), rule, "number_text", lossy=lossy, reason="cast_failed"
    )


# --- rule 14: text -----------------------------------------------------------------------


def _text(col: _Column, because: str = "", rule_id: str = "text") -> ColumnMapping:
    declared, profile = col.declared, col.profile
    because = because or f"{_declared(col)}, {profile.stored()}"
    filled = profile.checked - profile.blank
    if profile.classes == {"text"} and (
        declared.intent == "json" or (filled and profile.json_like == filled)
    ):
        rule = f"{because}, JSON documents: text verbatim (jsonb later, once the app agrees)"
        return _result(col, "text", VERBATIM, rule, "json")
    free = bool(profile.multiline) or profile.max_length > FREE_TEXT_LENGTH
    staging = VERBATIM if free else CLEAN_TEXT
    kind = "free text (line breaks or long), verbatim" if free else "trimmed, blank -> NULL"
    if declared.length is None or declared.length > MAX_VARCHAR:
        return _result(col, "text", staging, f"{because}: text, {kind}", rule_id)
    return _varchar_text(col, because, staging, kind, trimmed=not free)


def _varchar_text(
    col: _Column, because: str, staging: str, kind: str, *, trimmed: bool
) -> ColumnMapping:
    profile, length = col.profile, col.declared.length
    assert length is not None
    too_long = profile.longer_than(length, trimmed=trimmed)
    if too_long and not _few(too_long, profile.checked):
        rule = (
            f"{because}: text, {kind}; {too_long} value(s) exceed {length} characters "
            f"(max {profile.max_length}): SQLite never enforced the length"
        )
        return _result(col, "text", staging, rule, "varchar_widened")
    rule = f"{because}: varchar({length}) as declared, {kind}"
    return _result(
        col, f"varchar({length})", staging, rule, "varchar", lossy=too_long, reason="too_long"
    )


_RULES: tuple[Callable[[_Column], ColumnMapping | None], ...] = (
    _rowid_alias,
    _no_values,
    _blobs,
    _not_utf8,
    _declared_boolean,
    _declared_date,
    _declared_timestamp,
    _declared_time,
    _named_boolean,
    _epoch_integers,
    _iso_text,
    _numbers,
    _text_in_number_column,
    _text,
)
