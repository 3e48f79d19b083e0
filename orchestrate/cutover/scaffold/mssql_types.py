"""SQL Server column -> PostgreSQL type and staging cast: the rules, in one place.

SQL Server enforces its declared types, so (unlike SQLite) the declared type alone
decides; no profile of the values is needed. The raw column is what tap-mssql wrote
(extract/tap-mssql/README.md, "Type mapping"): typed where the loader has a type
(boolean, bigint, numeric, date, uuid, bytea), text otherwise. The staging cast turns
it into the final type; a value that does not fit goes to the rejects.

| #  | SQL Server                              | PostgreSQL                  | staging  |
| -- | --------------------------------------- | --------------------------- | -------- |
| 1  | bit                                     | boolean                     | verbatim |
| 2  | tinyint / smallint / int / bigint       | smallint/smallint/int/bigint| try_cast |
| 3  | decimal(p,s) / numeric(p,s)             | numeric(p,s)                | try_cast |
| 4  | money / smallmoney                      | numeric(19,4) / (10,4)      | try_cast |
| 5  | float(25..53) / real, float(1..24)      | double precision / real     | try_cast |
| 6  | date                                    | date                        | verbatim |
| 7  | time(n)                                 | time(min(n,6))              | try_cast |
| 8  | datetime / smalldatetime                | timestamp(3) / timestamp(0) | try_cast |
| 9  | datetime2(n)                            | timestamp(min(n,6))         | try_cast |
| 10 | datetimeoffset(n)                       | timestamptz                 | try_cast |
| 11 | char(n) / nchar(n)                      | char(n)                     | verbatim |
| 12 | varchar(n) / nvarchar(n)                | varchar(n)                  | verbatim |
| 13 | (n)varchar(max) / text / ntext / sysname| text                        | verbatim |
| 14 | uniqueidentifier                        | uuid                        | verbatim |
| 15 | binary / varbinary / image              | bytea                       | verbatim |
| 16 | timestamp (rowversion)                  | bytea                       | verbatim |
| 17 | xml                                     | xml                         | try_cast |
| 18 | geography / geometry                    | text (EWKT) (a)             | verbatim |
| 19 | hierarchyid / sql_variant               | text                        | verbatim |
| 20 | json / vector(n) (SQL Server 2025)      | json / vector               | try_cast |
| 21 | anything else (CLR user-defined types)  | error (CutoverError)        |          |

Why: (1, 6, 14, 15) the raw column already has the type. (2) PostgreSQL has no 1-byte
integer; 0..255 fits smallint. (3) exact, p <= 38 fits. (4) PostgreSQL money depends on
lc_monetary; numeric keeps the 4 decimals. (5) the same IEEE types; the raw numeric holds
the shortest repr. (7, 9) PostgreSQL keeps microseconds: a 7th fractional digit is
rounded. (8) datetime's 1/300 s ticks read as milliseconds; smalldatetime has minutes.
(10) the same instant; PostgreSQL stores UTC, not the offset (the raw text keeps it).
(11, 12) n characters hold n SQL Server bytes (varchar) or byte pairs (nvarchar); char is
blank-padded in both; typed text has nothing to clean, so '' stays apart from NULL.
(16) a server row version, copied as bytes for the proof; PostgreSQL does not bump it on
update (use xmin or a trigger). (17) checked well-formed, as in the source. (18)
`SRID=n;WKT` as the tap reads it. (19) hierarchyid: its canonical path `/1/3/` (ltree
cannot hold it; text order differs from hierarchy order); sql_variant: each value as text
of its own base type (no equivalent). (20) json keeps the text as stored (jsonb would
reorder keys); pgvector reads `[1,2,3]`.

(a) With `postgis=True`: geography / geometry, staging `try_cast` (PostGIS reads EWKT).
Identity columns (`is_identity`) keep their integer type with `identity=True`.
`max_length` is in bytes, as sys.columns gives it (-1 for max; nchar/nvarchar: 2 per
character).
"""

from __future__ import annotations

from cutover.errors import CutoverError
from cutover.scaffold.sqlite_types import VERBATIM, ColumnMapping, try_cast

MAX_VARCHAR = 10_485_760  # PostgreSQL's limit for varchar(n)

_INTEGERS = {"tinyint": "smallint", "smallint": "smallint", "int": "integer", "bigint": "bigint"}
_MONEY = {"money": "numeric(19,4)", "smallmoney": "numeric(10,4)"}
_BYTES = ("binary", "varbinary", "image")
_UNBOUNDED_TEXT = ("text", "ntext", "sysname")


def map_mssql_column(
    data_type: str,
    max_length: int = 0,
    precision: int = 0,
    scale: int = 0,
    *,
    is_identity: bool = False,
    postgis: bool = False,
) -> ColumnMapping:
    """The PostgreSQL type and staging cast of one SQL Server column (the table above).

    `data_type` is the system type (an alias type's base type), any case.

    Raises:
        CutoverError: a type with no faithful PostgreSQL counterpart.
    """
    base = data_type.strip().lower()
    for rule in _RULES:
        mapping = rule(base, max_length, precision, scale, postgis)
        if mapping is not None:
            if is_identity and base in _INTEGERS:
                return ColumnMapping(
                    mapping.pg_type,
                    mapping.staging,
                    mapping.rule + "; IDENTITY: generated by default as identity",
                    mapping.rule_id,
                    identity=True,
                )
            return mapping
    raise CutoverError(
        f"SQL Server type {data_type!r} has no PostgreSQL mapping (a CLR user-defined type?): "
        "cast it to a known type in a view, or map it by hand"
    )


def _mapping(pg_type: str, staging: str, rule: str, rule_id: str) -> ColumnMapping:
    return ColumnMapping(pg_type=pg_type, staging=staging, rule=rule, rule_id=rule_id)


def _numbers(base: str, _len: int, precision: int, scale: int, _gis: bool) -> ColumnMapping | None:
    if base == "bit":
        return _mapping("boolean", VERBATIM, "bit: boolean (raw is boolean)", "mssql-bit")
    if base in _INTEGERS:
        pg = _INTEGERS[base]
        why = "no 1-byte integer in PostgreSQL, 0..255 fits" if base == "tinyint" else "same range"
        return _mapping(pg, try_cast(pg), f"{base}: {pg} ({why})", "mssql-integer")
    if base in ("decimal", "numeric"):
        pg = f"numeric({precision},{scale})"
        return _mapping(
            pg, try_cast(pg), f"{base}({precision},{scale}): {pg}, exact", "mssql-decimal"
        )
    if base in _MONEY:
        pg = _MONEY[base]
        why = "PostgreSQL money depends on lc_monetary; numeric keeps the 4 decimals"
        return _mapping(pg, try_cast(pg), f"{base}: {pg} ({why})", "mssql-money")
    if base == "float":
        single = 0 < precision <= 24
        pg = "real" if single else "double precision"
        return _mapping(
            pg, try_cast(pg), f"float({precision or 53}): {pg}, same IEEE type", "mssql-float"
        )
    if base == "real":
        return _mapping("real", try_cast("real"), "real: real, same IEEE single", "mssql-float")
    return None


def _times(base: str, _len: int, _precision: int, scale: int, _gis: bool) -> ColumnMapping | None:
    digits = min(scale, 6)
    rounded = "; the 7th fractional digit is rounded (PostgreSQL keeps microseconds)"
    seventh = rounded if scale > 6 else ""
    if base == "date":
        return _mapping("date", VERBATIM, "date: date (raw is date)", "mssql-date")
    if base == "time":
        pg = f"time({digits})"
        return _mapping(pg, try_cast(pg), f"time({scale}): {pg}{seventh}", "mssql-time")
    if base == "datetime":
        why = "datetime: timestamp(3), its 1/300 s ticks read as milliseconds"
        return _mapping("timestamp(3)", try_cast("timestamp(3)"), why, "mssql-datetime")
    if base == "smalldatetime":
        why = "smalldatetime: timestamp(0), minutes (seconds are 00)"
        return _mapping("timestamp(0)", try_cast("timestamp(0)"), why, "mssql-datetime")
    if base == "datetime2":
        pg = f"timestamp({digits})"
        why = f"datetime2({scale}): {pg}, naive as the source{seventh}"
        return _mapping(pg, try_cast(pg), why, "mssql-datetime2")
    if base == "datetimeoffset":
        why = (
            f"datetimeoffset({scale}): timestamptz, the same instant; PostgreSQL stores UTC, "
            f"not the offset (the raw text keeps it){seventh}"
        )
        return _mapping("timestamptz", try_cast("timestamptz"), why, "mssql-datetimeoffset")
    return None


def _texts(base: str, max_length: int, _p: int, _s: int, _gis: bool) -> ColumnMapping | None:
    if base in _UNBOUNDED_TEXT or (base in ("varchar", "nvarchar") and max_length == -1):
        kind = f"{base}(max)" if max_length == -1 else base
        return _mapping("text", VERBATIM, f"{kind}: text, verbatim", "mssql-text")
    if base not in ("char", "nchar", "varchar", "nvarchar"):
        return None
    length = max_length // 2 if base.startswith("n") else max_length
    if length <= 0 or length > MAX_VARCHAR:
        return _mapping("text", VERBATIM, f"{base}: text, verbatim", "mssql-text")
    fits = "n characters hold n SQL Server " + ("byte pairs" if base.startswith("n") else "bytes")
    if base in ("char", "nchar"):
        why = f"{base}({length}): char({length}), blank-padded in both; {fits}"
        return _mapping(f"char({length})", VERBATIM, why, "mssql-char")
    why = f"{base}({length}): varchar({length}), verbatim ('' stays apart from NULL); {fits}"
    return _mapping(f"varchar({length})", VERBATIM, why, "mssql-varchar")


def _others(base: str, _len: int, _p: int, _s: int, postgis: bool) -> ColumnMapping | None:
    if base == "uniqueidentifier":
        return _mapping("uuid", VERBATIM, "uniqueidentifier: uuid (raw is uuid)", "mssql-uuid")
    if base in _BYTES:
        return _mapping("bytea", VERBATIM, f"{base}: bytea (raw is bytea)", "mssql-bytes")
    if base in ("timestamp", "rowversion"):
        why = (
            f"{base} (rowversion): bytea, copied for the proof; PostgreSQL does not bump it "
            "on update (use xmin or a trigger for optimistic locking)"
        )
        return _mapping("bytea", VERBATIM, why, "mssql-rowversion")
    if base == "xml":
        return _mapping("xml", try_cast("xml"), "xml: xml, checked well-formed", "mssql-xml")
    if base in ("geography", "geometry"):
        if postgis:
            why = f"{base}: PostGIS {base} from the tap's EWKT text"
            return _mapping(base, try_cast(base), why, "mssql-spatial")
        why = f"{base}: text, EWKT (SRID=n;WKT) as the tap reads it; no PostGIS here"
        return _mapping("text", VERBATIM, why, "mssql-spatial")
    if base == "hierarchyid":
        why = (
            "hierarchyid: text, its canonical path (/1/3/); ltree cannot hold it and text "
            "order differs from hierarchy order"
        )
        return _mapping("text", VERBATIM, why, "mssql-hierarchyid")
    if base == "sql_variant":
        why = "sql_variant: text, each value as text of its own base type (no equivalent)"
        return _mapping("text", VERBATIM, why, "mssql-variant")
    if base == "json":
        why = "json: json, the text as stored (jsonb would reorder keys)"
        return _mapping("json", try_cast("json"), why, "mssql-json")
    if base == "vector":
        return _mapping("vector", try_cast("vector"), "vector: pgvector vector", "mssql-vector")
    return None


_RULES = (_numbers, _times, _texts, _others)
