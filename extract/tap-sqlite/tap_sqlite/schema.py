"""Type inference: one aggregate scan per table, then JSON-schema types.

The raw layer is a faithful copy, so a declared type that lies about the data is
never trusted over the values actually stored (see README "Type rules").
"""

from __future__ import annotations

import multiprocessing
import sqlite3
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

from tap_sqlite.discovery import ROWID_COLUMN, Column, SourceObject
from tap_sqlite.sql import quote_identifier

STORAGE_CLASSES = ("integer", "real", "text", "blob")
BASE16 = "base16"

# Encoding modes (how a column's values are written):
INTEGER = "integer"  # ints as JSON ints
NUMBER = "number"  # ints and floats as JSON numbers
TEXT = "text"  # text as is (invalid UTF-8 -> \x hex)
BLOB = "blob"  # bytes -> \x + lowercase hex
STRINGIFY = "stringify"  # every class as a string (mixed, dates, infinity)


@dataclass(frozen=True)
class ColumnProfile:
    """Storage-class counts of one column."""

    integer: int = 0
    real: int = 0
    text: int = 0
    blob: int = 0
    null: int = 0
    infinite: int = 0  # REAL values that are +/-Infinity

    def as_dict(self) -> dict[str, int]:
        """Counts as a plain dict (schema annotation and audit)."""
        return {
            "integer": self.integer,
            "real": self.real,
            "text": self.text,
            "blob": self.blob,
            "null": self.null,
            "infinite": self.infinite,
        }


@dataclass(frozen=True)
class ColumnPlan:
    """How one column is typed in the schema and encoded in records."""

    column: Column
    json_type: str  # integer | number | string
    mode: str  # one of the encoding modes above
    content_encoding: str | None
    profile: ColumnProfile

    def property_schema(self) -> dict[str, Any]:
        """The JSON-schema property, with annotations the loader ignores."""
        prop: dict[str, Any] = {"type": [self.json_type, "null"]}
        if self.content_encoding:
            prop["contentEncoding"] = self.content_encoding
        prop["x-sqlite-declared-type"] = self.column.declared_type
        prop["x-sqlite-storage-classes"] = self.profile.as_dict()
        return prop


@dataclass(frozen=True)
class TablePlan:
    """Schema, key and read order for one streamed object."""

    row_count: int
    columns: list[ColumnPlan]
    key_properties: list[str]
    rowid_key: bool  # the key is the added _sqlite_rowid column
    order_by: list[str]  # SQL expressions

    def schema(self) -> dict[str, Any]:
        """JSON schema of the stream."""
        properties: dict[str, Any] = {}
        if self.rowid_key:
            properties[ROWID_COLUMN] = {
                "type": ["integer"],
                "x-sqlite-declared-type": "ROWID",
            }
        for plan in self.columns:
            properties[plan.column.name] = plan.property_schema()
        return {"type": "object", "properties": properties}


def affinity_json_type(declared_type: str) -> tuple[str, str | None]:
    """JSON type (and content encoding) from SQLite's column affinity rules."""
    declared = declared_type.upper()
    if "INT" in declared:
        return "integer", None
    if any(word in declared for word in ("CHAR", "CLOB", "TEXT")):
        return "string", None
    if "BLOB" in declared:
        return "string", BASE16
    if not declared.strip():
        return "string", None
    if any(word in declared for word in ("REAL", "FLOA", "DOUB")):
        return "number", None
    if "BOOL" in declared:
        return "integer", None
    return "number", None


def is_temporal(declared_type: str) -> bool:
    """Declared DATE/TIME/DATETIME/TIMESTAMP...: kept as text in the raw layer."""
    declared = declared_type.upper()
    return "DATE" in declared or "TIME" in declared


def plan_column(column: Column, profile: ColumnProfile) -> ColumnPlan:
    """Decide a column's JSON type and encoding from its declared type and values."""
    if is_temporal(column.declared_type):
        return ColumnPlan(column, "string", STRINGIFY, None, profile)
    present = {
        name for name in STORAGE_CLASSES if getattr(profile, name) > 0
    }  # storage classes actually stored
    json_type: str
    encoding: str | None = None
    if not present:
        json_type, encoding = affinity_json_type(column.declared_type)
        mode = {"integer": INTEGER, "number": NUMBER}.get(json_type, TEXT)
        if encoding:
            mode = BLOB
    elif profile.infinite:
        json_type, mode = "string", STRINGIFY
    elif present == {"integer"}:
        json_type, mode = "integer", INTEGER
    elif present <= {"integer", "real"}:
        json_type, mode = "number", NUMBER
    elif present == {"text"}:
        json_type, mode = "string", TEXT
    elif present == {"blob"}:
        json_type, mode, encoding = "string", BLOB, BASE16
    else:
        json_type, mode = "string", STRINGIFY
    return ColumnPlan(column, json_type, mode, encoding, profile)


#: Two storage classes share one integer sum: the low 32 bits count one, the high bits the
#: other (exact below 2**31 rows; bigger tables take the one-sum-per-class query). Half the
#: aggregate steps of a sum per class: the scan runs at every discovery and every sync.
PAIR_SHIFT = 1 << 32
MAX_PAIRED_ROWS = (1 << 31) - 1


def _infinity_test(ident: str) -> str:
    return f"typeof({ident}) = 'real' AND ({ident} = 9e999 OR {ident} = -9e999)"


def profile_sql(obj: SourceObject) -> str:
    """One aggregate query counting every column's storage classes, a sum per class."""
    parts = ["count(*)"]
    for column in obj.columns:
        ident = quote_identifier(column.name)
        parts.extend(f"coalesce(sum(typeof({ident}) = '{name}'), 0)" for name in STORAGE_CLASSES)
        parts.append(f"coalesce(sum({_infinity_test(ident)}), 0)")
    return f"SELECT {', '.join(parts)} FROM {quote_identifier(obj.name)}"


def likely_real(column: Column) -> bool:
    """Declared REAL/FLOAT/DOUBLE/NUMERIC...: its infinities are counted in the first scan."""
    return affinity_json_type(column.declared_type)[0] == "number"


def paired_profile_sql(obj: SourceObject) -> str:
    """The same counts in two sums per column (integer|real, text|blob), plus infinities
    for the columns declared with a REAL or NUMERIC affinity."""
    parts = ["count(*)"]
    for column in obj.columns:
        ident = quote_identifier(column.name)
        parts.append(
            f"coalesce(sum(CASE typeof({ident}) WHEN 'integer' THEN 1 "
            f"WHEN 'real' THEN {PAIR_SHIFT} ELSE 0 END), 0)"
        )
        parts.append(
            f"coalesce(sum(CASE typeof({ident}) WHEN 'text' THEN 1 "
            f"WHEN 'blob' THEN {PAIR_SHIFT} ELSE 0 END), 0)"
        )
        if likely_real(column):
            parts.append(f"coalesce(sum({_infinity_test(ident)}), 0)")
    return f"SELECT {', '.join(parts)} FROM {quote_identifier(obj.name)}"


def infinities_sql(obj: SourceObject, names: list[str]) -> str:
    """Count +/-Infinity in other columns found holding REALs (a second scan, only then)."""
    parts = [f"coalesce(sum({_infinity_test(quote_identifier(name))}), 0)" for name in names]
    return f"SELECT {', '.join(parts)} FROM {quote_identifier(obj.name)}"


#: From this many rows, a rowid table is scanned in two halves at once, each by a forked
#: process on its own read-only connection. (Two threads do not help: SQLite's global
#: allocator mutex serialises them.) On two cores this halves the scan.
PARALLEL_SCAN_ROWS = 200_000


def _scan(reader_uri: str, sql: str) -> list[int]:
    reader = sqlite3.connect(reader_uri, uri=True)
    try:
        reader.execute("PRAGMA query_only = ON")
        return [int(v) for v in reader.execute(sql).fetchone()]
    finally:
        reader.close()


def _paired_counts(
    connection: sqlite3.Connection, obj: SourceObject, count: int, reader_uri: str | None
) -> list[int]:
    query = paired_profile_sql(obj)
    if not reader_uri or not obj.rowid_expression or count < PARALLEL_SCAN_ROWS:
        return [int(v) for v in connection.execute(query).fetchone()]
    rowid = obj.rowid_expression
    low, high = connection.execute(
        f"SELECT min({rowid}), max({rowid}) FROM {quote_identifier(obj.name)}"
    ).fetchone()
    middle = (int(low) + int(high)) // 2
    halves = [f"{query} WHERE {rowid} <= {middle}", f"{query} WHERE {rowid} > {middle}"]
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=2, mp_context=context) as pool:
        parts = list(pool.map(_scan, [reader_uri] * 2, halves))
    return [a + b for a, b in zip(*parts, strict=True)]


def profile_columns(
    connection: sqlite3.Connection, obj: SourceObject, reader_uri: str | None = None
) -> tuple[int, list[ColumnProfile]]:
    """Run the aggregate scan: (row count, one profile per column).

    ``reader_uri`` opens the same file read-only; with it, a big rowid table is scanned in
    two halves at once."""
    count = int(
        connection.execute(f"SELECT count(*) FROM {quote_identifier(obj.name)}").fetchone()[0]
    )
    if count > MAX_PAIRED_ROWS:
        return _profile_by_class(connection, obj)
    values = iter(_paired_counts(connection, obj, count, reader_uri))
    total = int(next(values))
    counts = []
    infinite: dict[str, int] = {}
    for column in obj.columns:
        numeric, textual = int(next(values)), int(next(values))
        integer, real = numeric % PAIR_SHIFT, numeric // PAIR_SHIFT
        text, blob = textual % PAIR_SHIFT, textual // PAIR_SHIFT
        counts.append((integer, real, text, blob))
        if likely_real(column):
            infinite[column.name] = int(next(values))
    with_reals = [
        c.name
        for c, (_, real, _, _) in zip(obj.columns, counts, strict=True)
        if real and c.name not in infinite
    ]
    if with_reals:
        found = connection.execute(infinities_sql(obj, with_reals)).fetchone()
        infinite.update({name: int(v) for name, v in zip(with_reals, found, strict=True)})
    profiles = [
        ColumnProfile(
            integer, real, text, blob, total - integer - real - text - blob, infinite.get(c.name, 0)
        )
        for c, (integer, real, text, blob) in zip(obj.columns, counts, strict=True)
    ]
    return total, profiles


def _profile_by_class(
    connection: sqlite3.Connection, obj: SourceObject
) -> tuple[int, list[ColumnProfile]]:
    row = connection.execute(profile_sql(obj)).fetchone()
    total = int(row[0])
    width = len(STORAGE_CLASSES) + 1
    profiles = []
    for index in range(len(obj.columns)):
        integer, real, text, blob, infinite = (
            int(value) for value in row[1 + index * width : 1 + (index + 1) * width]
        )
        null = total - integer - real - text - blob
        profiles.append(ColumnProfile(integer, real, text, blob, null, infinite))
    return total, profiles


def plan_table(obj: SourceObject, row_count: int, profiles: list[ColumnProfile]) -> TablePlan:
    """Combine profiles, the declared key and rowid access into a TablePlan."""
    columns = [
        plan_column(column, profile) for column, profile in zip(obj.columns, profiles, strict=True)
    ]
    if obj.object_type == "view":
        return TablePlan(row_count, columns, [], rowid_key=False, order_by=[])
    key = obj.declared_key
    if key and not obj.without_rowid:
        by_name = {plan.column.name: plan.profile for plan in columns}
        rowid_free = ROWID_COLUMN not in by_name
        if any(by_name[n].null for n in key) and obj.rowid_expression and rowid_free:
            # SQLite lets NULL into a non-INTEGER PK of a rowid table; such a key
            # cannot identify rows, the rowid can.
            key = []
    if key:
        return TablePlan(
            row_count,
            columns,
            key,
            rowid_key=False,
            order_by=[quote_identifier(name) for name in key],
        )
    if obj.rowid_expression:
        return TablePlan(
            row_count,
            columns,
            [ROWID_COLUMN],
            rowid_key=True,
            order_by=[obj.rowid_expression],
        )
    return TablePlan(row_count, columns, [], rowid_key=False, order_by=[])


def select_sql(obj: SourceObject, plan: TablePlan) -> str:
    """The ordered SELECT that reads the records."""
    columns = [quote_identifier(p.column.name) for p in plan.columns]
    if plan.rowid_key:
        columns.insert(0, f"{obj.rowid_expression} AS {quote_identifier(ROWID_COLUMN)}")
    sql = f"SELECT {', '.join(columns)} FROM {quote_identifier(obj.name)}"
    if plan.order_by:
        sql += " ORDER BY " + ", ".join(plan.order_by)
    return sql
