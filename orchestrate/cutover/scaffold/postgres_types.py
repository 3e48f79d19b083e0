"""PostgreSQL column -> PostgreSQL type and staging cast: the rules, in one place.

PostgreSQL to PostgreSQL keeps the declared type (`format_type`, as the reader gives it).
What needs a rule is the way back from the raw layer: the raw column is what
meltanolabs tap-postgres 0.10.0 emitted (run with `dates_as_string: true`) and the loader
typed by its JSON type: integers bigint, numbers numeric, booleans boolean, JSON jsonb,
everything else text. The staging cast turns it back into the declared type; a value that
does not fit goes to the rejects instead of failing the build.

| #  | PostgreSQL (declared)                          | raw     | staging                       |
| -- | ---------------------------------------------- | ------- | ----------------------------- |
| 1  | smallint / integer / bigint                    | bigint  | try_cast (declared)           |
| 2  | numeric, numeric(p,s)                          | numeric | try_cast (declared)           |
| 3  | real / double precision                        | numeric | try_cast (declared)           |
| 4  | boolean                                        | boolean | verbatim                      |
| 5  | text, character varying(n), character(n), name | text    | verbatim                      |
| 6  | date, time[(p)], timetz, timestamp[(p)],       | text    | try_cast (declared)           |
|    | timestamptz[(p)] (any precision)               |         |                               |
| 7  | uuid, xml, inet, cidr, macaddr(8), bit(n),     | text    | try_cast (declared)           |
|    | bit varying(n)                                 |         |                               |
| 8  | jsonb                                          | jsonb   | verbatim                      |
| 9  | json                                           | jsonb   | try_cast json                 |
| 10 | vector(n) (pgvector) / vector                  | text    | to_vector(n) / try_cast vector|
| 11 | bytea, interval, money, arrays (`...[]`)       | -       | error (CutoverError)          |
| 12 | anything else: enums, domains, composite and   | -       | error (CutoverError)          |
|    | range types, extension types (hstore, citext,  |         |                               |
|    | geometry, ...)                                 |         |                               |

Why: (1-3) the raw number is exact (the loader copies Decimal as numeric); try_cast checks
the range of smallint/integer and real. NaN and +-Infinity cannot be JSON numbers:
singer-sdk emits them as null, so such a row differs in the proof (it is not hidden).
(4, 8) the raw column already has the type. (5) typed text has nothing to clean: ''
stays apart from NULL and surrounding blanks are data (clean_text/trim_text would change
both); character(n) arrives blank-padded and stays so. (6) the raw text is PostgreSQL's
own output (`2024-03-01 03:00:00.123456+00`, `infinity`, `0044-03-15 BC`), which its own
input reads back exactly: try_cast, not to_utc_timestamp, which gives a naive timestamp
and refuses infinity and BC dates. (7) the same: PostgreSQL's text form of its own type.
(9) the raw jsonb has already reordered keys and dropped duplicate keys: the json text
is jsonb's, not the source's byte for byte. (10) the tap reads pgvector as text (a JSON
array `[0.1,0.2,...]`); to_vector checks dimensions and float4 range before casting.
(11) measured with tap-postgres 0.10.0: bytea arrives as bare hex (`deadbeef`, which
bytea input would read as escape text), interval as an ISO timestamp counted from 1970
(months become 30 days), money as lc_monetary text (`$12.34`) and an array as a JSON
array in jsonb (array input wants `{...}`): no staging macro reads these back, so they
are refused, naming the column; cast such a column in a view or extend the macros first.
(12) the target has no such type until someone creates it: create it there and map the
column by hand, or cast it to a built-in type in a view.

Identity columns (`is_identity`: an identity or serial column, the table's generated
key) keep their integer type with `identity=True`.
"""

from __future__ import annotations

import re

from cutover.errors import CutoverError
from cutover.scaffold.sqlite_types import VERBATIM, ColumnMapping, try_cast

_DECLARED = re.compile(
    r"^(?P<base>\"char\"|[a-z][a-z0-9 ]*?)(?:\((?P<args>[0-9, ]*)\))?"
    r"(?P<zone> with(?:out)? time zone)?$"
)
_INTEGERS = ("smallint", "integer", "bigint")
_EXACT = ("numeric", "real", "double precision")
_TEXT = ("text", "character varying", "character", "bpchar", "name")
_TIMES = ("date", "time", "timestamp", "timetz", "timestamptz")
_TEXT_FORMS = ("uuid", "xml", "inet", "cidr", "macaddr", "macaddr8", "bit", "bit varying")
_REFUSED = {
    "bytea": "the tap emits bare hex (deadbeef), which bytea input would misread",
    "interval": "the tap emits it as a timestamp counted from 1970 (months become 30 days)",
    "money": "the tap emits lc_monetary text ($12.34)",
}


def map_postgres_column(
    declared_type: str, *, is_identity: bool = False, where: str = ""
) -> ColumnMapping:
    """The PostgreSQL type and staging cast of one PostgreSQL column (the table above).

    `declared_type` is `format_type(atttypid, atttypmod)`; `where` names the column in
    errors (`table.column`).

    Raises:
        CutoverError: a type refused by rule 11 or 12.
    """
    declared = declared_type.strip()
    at = f"{where}: " if where else ""
    if declared.endswith("[]"):
        raise CutoverError(
            f"{at}PostgreSQL array type {declared!r}: the tap emits arrays as JSON arrays and "
            "no staging macro reads them back into an array; cast the column in a view "
            "(array_to_json, or a text form) or map it by hand"
        )
    match = _DECLARED.match(declared)
    base = match.group("base") if match else None
    refused = "interval" if base and base.startswith("interval") else base
    if refused in _REFUSED:
        raise CutoverError(
            f"{at}PostgreSQL type {declared!r}: {_REFUSED[refused]}; no staging macro reads it "
            "back: cast the column in a view or map it by hand"
        )
    mapping = _mapping(declared, base)
    if mapping is None:
        raise CutoverError(
            f"{at}PostgreSQL type {declared!r} has no mapping rule (a user-defined enum, "
            "domain, composite or range type, or an extension's type?): create it on the "
            "target and map the column by hand, or cast it to a built-in type in a view"
        )
    if is_identity and base in _INTEGERS:
        return ColumnMapping(
            mapping.pg_type,
            mapping.staging,
            mapping.rule + "; identity: the target numbers new rows",
            mapping.rule_id,
            identity=True,
        )
    return mapping


def _mapping(declared: str, base: str | None) -> ColumnMapping | None:
    if base in _INTEGERS:
        why = f"{declared}: as declared, from the raw bigint (range checked)"
        return ColumnMapping(declared, try_cast(declared), why, "pg-integer")
    if base in _EXACT:
        why = f"{declared}: as declared, from the raw numeric"
        return ColumnMapping(declared, try_cast(declared), why, "pg-number")
    if base == "boolean":
        return ColumnMapping("boolean", VERBATIM, "boolean: raw is boolean", "pg-boolean")
    if base in _TEXT or base == '"char"':
        pg_type = "char(1)" if base == '"char"' else declared
        why = f"{declared}: verbatim, typed text ('' stays apart from NULL, blanks are data)"
        return ColumnMapping(pg_type, VERBATIM, why, "pg-text")
    if base in _TIMES:
        why = f"{declared}: PostgreSQL's own text (dates_as_string) read back by its input"
        return ColumnMapping(declared, try_cast(declared), why, "pg-datetime")
    if base in _TEXT_FORMS:
        why = f"{declared}: PostgreSQL's own text form, read back by its input"
        return ColumnMapping(declared, try_cast(declared), why, "pg-text-form")
    if base == "jsonb":
        return ColumnMapping("jsonb", VERBATIM, "jsonb: raw is jsonb", "pg-jsonb")
    if base == "json":
        why = "json: from the raw jsonb (its key order; duplicate keys already dropped)"
        return ColumnMapping("json", try_cast("json"), why, "pg-json")
    if base == "vector":
        return _vector(declared)
    return None


def _vector(declared: str) -> ColumnMapping:
    dimensions = declared[len("vector(") : -1] if declared.startswith("vector(") else ""
    if not dimensions:
        why = "vector: pgvector from the tap's JSON-array text (no dimensions declared)"
        return ColumnMapping("vector", try_cast("vector"), why, "pg-vector")
    staging = f"to_vector('{{col}}', {int(dimensions)}, casts)"
    why = f"{declared}: pgvector from the tap's JSON-array text, {dimensions} dimensions checked"
    return ColumnMapping(declared, staging, why, "pg-vector")
