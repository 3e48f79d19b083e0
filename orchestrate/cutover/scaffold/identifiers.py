"""Source identifiers -> PostgreSQL identifiers: one rule set for tables and columns.

`pg_identifiers(names)` gives every source name its target name, applying in order:

1. Kept as is: a name PostgreSQL reads unquoted as itself, i.e. lowercase ASCII letter
   or `_` first, then lowercase ASCII letters, digits or `_`, at most 63 bytes
   (NAMEDATALEN - 1; PostgreSQL silently truncates longer names). `_id`, `invoice_line`.
2. Otherwise snake_case: NFC-normalised; camelCase split (`InvoiceLineId` ->
   `invoice_line_id`, `HTTPServer` -> `http_server`, `dateAdded` -> `date_added`);
   lowercased (Unicode: `Umsätze` -> `umsätze`, `Πλήθος` -> `πλήθος`); every run of
   other characters than letters, marks and digits of any script and `_` becomes one
   `_` (`Order Details` -> `order_details`, `Tab>"e@ll/a'2;*,` -> `tab_e_ll_a_2`); the
   `_`s this adds at the ends are dropped, a source's own leading `_` is kept
   (`_SqliteDatabaseProperties` -> `_sqlite_database_properties`); a leading digit gets
   a `_` prefix (`6666&&&&&` -> `_6666`); nothing left: `unnamed`.
3. More than 63 bytes in UTF-8 (count bytes: a Korean syllable is 3): cut at a
   character boundary and suffixed `_` + 8 hex digits of the SHA-1 of the *source*
   name, so the same source name always gets the same target.
4. Collisions (two source names, one target: `Name` and `name`, `Order Details` and
   `order_details`): the source spelled exactly like the target keeps it, else the
   first in code-point order; the others, in code-point order, get `_2`, `_3`...
   (the first number free among all targets; shortened as in 3 when needed). The
   result does not depend on the order of `names`.
5. Reserved words are KEPT and always quoted by `quote_ident` (`order`, `user`,
   `offset`, `table`...): the application keeps the column names it already had
   to quote in SQLite, and every SQL the scaffolder writes goes through
   `quote_ident` anyway (in dbt yml such a column needs `quote: true`). A `_` suffix
   would rename columns the application's queries use, for no gain once quoting is
   systematic. The list (`RESERVED_WORDS`) is PostgreSQL 18's `pg_get_keywords()`
   categories R and T, i.e. the SQL key words appendix's "reserved" and "reserved
   (can be function or type)": those cannot be a table or column name unquoted.
6. Non-ASCII names are kept (PostgreSQL allows them) and always quoted by
   `quote_ident`, so no client or tool has to agree on how to case-fold them.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence

MAX_IDENTIFIER_BYTES = 63
HASH_DIGITS = 8

# PostgreSQL 18: select word from pg_get_keywords() where catcode in ('R', 'T').
RESERVED_WORDS = frozenset(
    {
        "all", "analyse", "analyze", "and", "any", "array", "as", "asc", "asymmetric", "both",
        "case", "cast", "check", "collate", "column", "constraint", "create", "current_catalog",
        "current_date", "current_role", "current_time", "current_timestamp", "current_user",
        "default", "deferrable", "desc", "distinct", "do", "else", "end", "except", "false",
        "fetch", "for", "foreign", "from", "grant", "group", "having", "in", "initially",
        "intersect", "into", "lateral", "leading", "limit", "localtime", "localtimestamp", "not",
        "null", "offset", "on", "only", "or", "order", "placing", "primary", "references",
        "returning", "select", "session_user", "some", "symmetric", "system_user", "table", "then",
        "to", "trailing", "true", "union", "unique", "user", "using", "variadic", "when", "where",
        "window", "with", "authorization", "binary", "collation", "concurrently", "cross",
        "current_schema", "freeze", "full", "ilike", "inner", "is", "isnull", "join", "left",
        "like", "natural", "notnull", "outer", "overlaps", "right", "similar", "tablesample",
        "verbose",
    }
)  # fmt: skip

_PLAIN = re.compile(r"[a-z_][a-z0-9_]*")
_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_UNDERSCORES = re.compile(r"_+")


def is_plain_identifier(name: str) -> bool:
    """PostgreSQL reads `name` unquoted as exactly itself, and it is not reserved."""
    return (
        bool(_PLAIN.fullmatch(name))
        and name not in RESERVED_WORDS
        and len(name.encode("utf-8")) <= MAX_IDENTIFIER_BYTES
    )


def quote_ident(name: str) -> str:
    """`name` ready for SQL: as is when plain, else double-quoted (quotes doubled).

    Reserved words and non-ASCII names are always quoted. The name is not shortened:
    pass names from `pg_identifiers`, which are at most 63 bytes.
    """
    if _PLAIN.fullmatch(name) and name not in RESERVED_WORDS:
        return name
    return '"' + name.replace('"', '""') + '"'


def snake_case(name: str) -> str:
    """Rule 2: lowercase snake_case, any script's letters kept; may exceed 63 bytes."""
    text = _CAMEL_BOUNDARY.sub("_", unicodedata.normalize("NFC", name)).lower()
    text = "".join(char if _is_name_char(char) else "_" for char in text)
    text = _UNDERSCORES.sub("_", text).strip("_")
    if name.startswith("_"):
        text = "_" + text
    if not text.strip("_"):
        return "unnamed"
    return "_" + text if text[0].isdigit() else text


def _is_name_char(char: str) -> bool:
    if char.isascii():
        return char.isalnum() or char == "_"
    return unicodedata.category(char)[0] in "LMN"


def shorten(target: str, source: str, limit: int = MAX_IDENTIFIER_BYTES) -> str:
    """Rule 3: at most `limit` UTF-8 bytes, with a stable hash of `source` when cut."""
    if len(target.encode("utf-8")) <= limit:
        return target
    digest = hashlib.sha1(source.encode("utf-8", "surrogatepass")).hexdigest()[:HASH_DIGITS]
    return f"{_cut(target, limit - HASH_DIGITS - 1)}_{digest}"


def _cut(text: str, limit: int) -> str:
    """The longest prefix of `text` within `limit` UTF-8 bytes, whole characters only."""
    cut = text.encode("utf-8")[:limit].decode("utf-8", "ignore")
    return cut.rstrip("_") or cut


def base_identifier(name: str) -> str:
    """Rules 1-3 for one name, before collisions are resolved."""
    if is_plain_identifier(name):
        return name
    if _PLAIN.fullmatch(name) and name in RESERVED_WORDS:
        return name  # rule 5: kept, quote_ident quotes it
    return shorten(snake_case(name), name)


def pg_identifiers(names: Sequence[str]) -> dict[str, str]:
    """A distinct PostgreSQL name for every source name (module docstring: the rules)."""
    bases = {name: base_identifier(name) for name in sorted(set(names))}
    groups: dict[str, list[str]] = {}
    for name, base in bases.items():
        groups.setdefault(base, []).append(name)
    taken = set(groups)
    result: dict[str, str] = {}
    for base in sorted(groups):
        keeper, *others = sorted(groups[base], key=lambda source: (source != base, source))
        result[keeper] = base
        for source in others:
            result[source] = _free_name(base, source, taken)
            taken.add(result[source])
    return {name: result[name] for name in names}


def _free_name(base: str, source: str, taken: set[str]) -> str:
    """Rule 4: `base_2`, `base_3`... the first not taken, within 63 bytes."""
    number = 2
    while True:
        suffix = f"_{number}"
        candidate = shorten(base, source, MAX_IDENTIFIER_BYTES - len(suffix)) + suffix
        if candidate not in taken:
            return candidate
        number += 1
