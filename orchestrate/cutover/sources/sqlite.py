"""Read a SQLite file the way tap-sqlite opens it, without ever writing beside it.

The file is opened with ``mode=ro&immutable=1``, unless a non-empty ``-wal`` or a
``-journal`` sits beside it: ``immutable`` would ignore those (committed WAL frames
lost, a hot journal not rolled back), so the file and its sidecars are copied into a
private temporary directory and the copy is opened there.

Which tables count as tables mirrors tap-sqlite's discovery (extract/tap-sqlite/
tap_sqlite/discovery.py, default config): every ``table`` in ``sqlite_master`` in
rowid order, except internal ``sqlite_*`` tables and virtual tables; FTS shadow tables
are ordinary tables there and are streamed, so they are tables here too. The one
difference: the tap streams ``sqlite_sequence`` as data, here its counters become
each table's ``sequence_value``.
"""

from __future__ import annotations

import atexit
import functools
import os
import re
import shutil
import sqlite3
import string
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from cutover.errors import CutoverError
from cutover.sources.base import (
    SkippedObject,
    SourceColumn,
    SourceForeignKey,
    SourceIndex,
    SourceSchema,
    SourceTable,
)

SQLITE_HEADER = b"SQLite format 3\x00"
SIDECAR_SUFFIXES = ("-wal", "-journal")
ROWID_ALIASES = ("rowid", "_rowid_", "oid")
FETCH_SIZE = 10_000
SEQUENCE_TABLE = "sqlite_sequence"
# Same wording as tap-sqlite's audit, so both reports agree.
VIRTUAL_SKIP_REASON = (
    "virtual table (module {module}): its content is in shadow tables / source table"
)
INTERNAL_SKIP_REASON = "SQLite's own bookkeeping (sqlite_ prefix), not application data"
SEQUENCE_SKIP_REASON = "SQLite's AUTOINCREMENT counters: read as each table's sequence_value"

#: TEXT decoded as UTF-8; invalid bytes become lone surrogates, as in tap-sqlite.
TEXT_FACTORY = functools.partial(str, encoding="utf-8", errors="surrogateescape")

_VIRTUAL_MODULE = re.compile(r"\bUSING\s+[\"'`\[]?(\w+)", re.IGNORECASE)
_WITHOUT_ROWID = re.compile(r"\bWITHOUT\s+ROWID\b", re.IGNORECASE)
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
_AUTOINDEX_NUMBER = re.compile(r"_(\d+)$")
#: table_xinfo "hidden": 0 normal, 1 hidden (virtual tables), 2/3 generated.
_VISIBLE_HIDDEN_VALUES = (0, 2, 3)

# The column tap-sqlite adds, and keys by, when a table has no primary key.
ROWID_COLUMN = "_sqlite_rowid"


def quote_identifier(name: str) -> str:
    """A SQLite identifier in double quotes (embedded quotes doubled)."""
    return '"' + name.replace('"', '""') + '"'


def open_sqlite(path: str | os.PathLike[str]) -> SqliteSource:
    """Open `path` read-only; raises CutoverError naming the path if it cannot."""
    return SqliteSource(path)


class SqliteSource:
    """One SQLite file, open read-only (or a private copy of it). A SourceReader."""

    kind = "sqlite"

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = check_database_file(path)
        self.description = str(self.path)
        self.size_bytes: int | None = _size_with_wal(self.path)
        self.batch_size: int | None = None  # set by open_source from the extractor's config
        self._temp_dir: Path | None = None
        self._schema: SourceSchema | None = None
        self._connection = self._open()

    @property
    def open_mode(self) -> str:
        """How the file was opened: "immutable" in place, or "temp-copy" (sidecars found)."""
        return "immutable" if self._temp_dir is None else "temp-copy"

    @property
    def temp_dir(self) -> Path | None:
        """The private copy's directory in temp-copy mode, until close() removes it."""
        return self._temp_dir

    def _open(self) -> sqlite3.Connection:
        sidecars = existing_sidecars(self.path)
        try:
            connection = self._open_copy(sidecars) if sidecars else self._open_immutable()
            connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.Error as exc:
            self.close()
            raise CutoverError(f"cannot open {self.path} as a SQLite database: {exc}") from exc
        connection.text_factory = TEXT_FACTORY
        return connection

    def _open_immutable(self) -> sqlite3.Connection:
        uri = f"{self.path.as_uri()}?mode=ro&immutable=1"
        return sqlite3.connect(uri, uri=True, isolation_level=None)

    def _open_copy(self, sidecars: list[Path]) -> sqlite3.Connection:
        self._temp_dir = Path(tempfile.mkdtemp(prefix="cutover-sqlite-"))
        atexit.register(shutil.rmtree, self._temp_dir, ignore_errors=True)
        copy = self._temp_dir / self.path.name
        try:
            shutil.copyfile(self.path, copy)
            for sidecar in sidecars:
                shutil.copyfile(sidecar, self._temp_dir / sidecar.name)
        except OSError as exc:
            self.close()
            raise CutoverError(f"cannot copy {self.path} to a temporary directory: {exc}") from exc
        connection = sqlite3.connect(copy.as_uri(), uri=True, isolation_level=None)
        connection.execute("PRAGMA query_only = ON")
        return connection

    def schema(self) -> SourceSchema:
        # The source cannot change under us (immutable or a private copy): read it once.
        if self._schema is None:
            try:
                self._schema = read_schema(self._connection)
            except sqlite3.Error as exc:
                raise CutoverError(f"cannot read the schema of {self.path}: {exc}") from exc
        return self._schema

    def iter_rows(
        self, table: str, columns: Sequence[str], *, with_rowid: bool = False
    ) -> Iterator[tuple[Any, ...]]:
        """Rows of `table` as stored, streamed with fetchmany (constant memory).

        The query runs before this returns, so a bad table or column fails here.
        """
        self._check_columns(table, columns)
        selected = [quote_identifier(column) for column in columns]
        if with_rowid:
            selected.insert(0, self._rowid_name(table))
        if not selected:
            raise CutoverError(f"{self.path}: no columns asked of table {table!r}")
        sql = f"SELECT {', '.join(selected)} FROM {quote_identifier(table)}"
        try:
            cursor = self._connection.execute(sql)
        except sqlite3.Error as exc:
            raise CutoverError(f"cannot read table {table!r} of {self.path}: {exc}") from exc
        return _fetch_all(cursor)

    def _check_columns(self, table: str, columns: Sequence[str]) -> None:
        # SQLite reads a double-quoted name that matches no column as a string literal,
        # so a misspelt column would yield its own name on every row: refuse it here.
        try:
            rows = self._connection.execute(
                "SELECT name FROM pragma_table_xinfo(?)", (table,)
            ).fetchall()
        except sqlite3.Error as exc:
            raise CutoverError(f"cannot read table {table!r} of {self.path}: {exc}") from exc
        if not rows:
            raise CutoverError(f"cannot read table {table!r} of {self.path}: no such table")
        known = {_fold(name) for (name,) in rows}
        missing = [column for column in columns if _fold(column) not in known]
        if missing:
            raise CutoverError(
                f"cannot read table {table!r} of {self.path}: no such column(s) "
                + ", ".join(repr(column) for column in missing)
            )

    def _rowid_name(self, table: str) -> str:
        """The name that selects the real rowid (one no column shadows), as tap-sqlite."""
        if is_without_rowid(self._connection, table):
            raise CutoverError(
                f"table {table!r} of {self.path} is WITHOUT ROWID: it has no rowid "
                "(use its primary key)"
            )
        taken = {name.lower() for name, *_ in _xinfo(self._connection, table)}
        for alias in ROWID_ALIASES:
            if alias not in taken:
                return alias
        raise CutoverError(
            f"table {table!r} of {self.path} has columns named rowid, _rowid_ and oid: "
            "its rowid cannot be selected"
        )

    def close(self) -> None:
        connection = getattr(self, "_connection", None)
        if connection is not None:
            connection.close()
            self._connection = None  # type: ignore[assignment]
        if self._temp_dir is not None:
            shutil.rmtree(self._temp_dir, ignore_errors=True)
            self._temp_dir = None

    def __enter__(self) -> SqliteSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _fold(name: str) -> str:
    """SQLite's identifier case-folding: ASCII letters only ("Ä" and "ä" differ)."""
    return name.translate(_ASCII_LOWER)


def _fetch_all(cursor: sqlite3.Cursor) -> Iterator[tuple[Any, ...]]:
    try:
        while rows := cursor.fetchmany(FETCH_SIZE):
            yield from rows
    finally:
        cursor.close()


# --- the file -------------------------------------------------------------------------


def check_database_file(raw_path: str | os.PathLike[str]) -> Path:
    """`raw_path` made absolute, if it is a readable file with the SQLite header."""
    # resolve(): SQLite follows symlinks, so sidecars sit beside the target.
    path = Path(raw_path).expanduser().resolve()
    if not path.exists():
        raise CutoverError(f"SQLite source not found: {path}")
    if path.is_dir():
        raise CutoverError(f"{path} is a directory, not a SQLite database file")
    try:
        with path.open("rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise CutoverError(f"cannot read SQLite source {path}: {exc.strerror or exc}") from exc
    if not header:
        raise CutoverError(f"{path} is not a SQLite database (empty file)")
    if header != SQLITE_HEADER:
        raise CutoverError(f"{path} is not a SQLite database (no 'SQLite format 3' header)")
    return path


def existing_sidecars(path: Path) -> list[Path]:
    """Sidecars that ``immutable=1`` would ignore: a non-empty -wal, any -journal."""
    found = []
    for suffix in SIDECAR_SUFFIXES:
        sidecar = path.with_name(path.name + suffix)
        try:
            size = sidecar.stat().st_size
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise CutoverError(f"cannot inspect {sidecar}: {exc.strerror or exc}") from exc
        if suffix == "-wal" and size == 0:
            continue
        found.append(sidecar)
    return found


def _size_with_wal(path: Path) -> int:
    wal = path.with_name(path.name + "-wal")
    return path.stat().st_size + (wal.stat().st_size if wal.is_file() else 0)


# --- the schema -----------------------------------------------------------------------


@dataclass(frozen=True)
class _MasterRow:
    type: str
    name: str
    tbl_name: str
    sql: str


class _ColumnInfo(NamedTuple):
    name: str
    declared_type: str
    not_null: int
    default: str | None
    pk: int  # position in the primary key, 0 when not part of it


class _IndexEntry(NamedTuple):
    name: str
    unique: int
    origin: str  # "c" CREATE INDEX, "u" UNIQUE constraint, "pk" PRIMARY KEY
    partial: int


def read_schema(connection: sqlite3.Connection) -> SourceSchema:
    """Tables (as tap-sqlite streams them), views, triggers and what is skipped, and why."""
    master = [
        _MasterRow(*row)
        for row in connection.execute(
            "SELECT type, name, tbl_name, coalesce(sql, '') FROM sqlite_master ORDER BY rowid"
        )
    ]
    sequences = _sequences(connection)
    sizes = _table_sizes(connection)
    index_sql = {row.name: row.sql for row in master if row.type == "index"}
    tables: list[SourceTable] = []
    skipped: list[SkippedObject] = []
    for row in master:
        if row.type != "table":
            continue
        reason = _skip_reason(row)
        if reason is not None:
            skipped.append(reason)
            continue
        try:
            tables.append(_read_table(connection, row, index_sql, sequences.get(row.name), sizes))
        except sqlite3.Error as exc:
            skipped.append(SkippedObject(row.name, "table", f"table is not readable: {exc}"))
    views = tuple(row.name for row in master if row.type == "view")
    skipped.extend(_unreadable_views(connection, views))
    return SourceSchema(
        tables=tuple(tables),
        views=views,
        triggers=tuple(row.name for row in master if row.type == "trigger"),
        skipped=tuple(skipped),
    )


def _skip_reason(row: _MasterRow) -> SkippedObject | None:
    """Why tap-sqlite does not stream this table (its own rules), or None."""
    if row.name == SEQUENCE_TABLE:
        return SkippedObject(row.name, "internal table", SEQUENCE_SKIP_REASON)
    if row.name.lower().startswith("sqlite_"):
        return SkippedObject(row.name, "internal table", INTERNAL_SKIP_REASON)
    if row.sql.lstrip().upper().startswith("CREATE VIRTUAL"):
        module = virtual_module(row.sql)
        return SkippedObject(row.name, "virtual table", VIRTUAL_SKIP_REASON.format(module=module))
    return None


def virtual_module(sql: str) -> str:
    """Module of a ``CREATE VIRTUAL TABLE ... USING module(...)`` statement."""
    match = _VIRTUAL_MODULE.search(sql)
    return match.group(1).lower() if match else "unknown"


def _unreadable_views(connection: sqlite3.Connection, views: Sequence[str]) -> list[SkippedObject]:
    """Views SQLite cannot compile (e.g. over a dropped table): tap-sqlite skips them."""
    skipped = []
    for view in views:
        try:
            _xinfo(connection, view)
        except sqlite3.Error as exc:
            skipped.append(SkippedObject(view, "view", f"view is not readable: {exc}"))
    return skipped


def _read_table(
    connection: sqlite3.Connection,
    row: _MasterRow,
    index_sql: dict[str, str],
    sequence_value: int | None,
    sizes: dict[str, int] | None,
) -> SourceTable:
    name = row.name
    info = _xinfo(connection, name)
    if not info:
        raise sqlite3.OperationalError("it has no readable columns")
    primary_key = tuple(c.name for c in sorted(info, key=lambda c: c.pk) if c.pk)
    index_list = [
        _IndexEntry(*entry)
        for entry in connection.execute(
            'SELECT name, "unique", origin, partial FROM pragma_index_list(?)', (name,)
        )
    ]
    (count,) = connection.execute(f"SELECT count(*) FROM {quote_identifier(name)}").fetchone()
    return SourceTable(
        name=name,
        columns=tuple(
            SourceColumn(c.name, c.declared_type, bool(c.not_null), c.default) for c in info
        ),
        primary_key=primary_key,
        foreign_keys=_foreign_keys(connection, name),
        unique_constraints=_unique_constraints(connection, index_list),
        check_constraints=check_constraints(row.sql),
        indexes=_indexes(connection, index_list, index_sql),
        generated_key=_generated_key(connection, row, info, primary_key, index_list),
        sequence_value=sequence_value,
        row_count=int(count),
        size_bytes=None if sizes is None else sizes.get(name, 0),
    )


def _xinfo(connection: sqlite3.Connection, name: str) -> list[_ColumnInfo]:
    """The columns tap-sqlite reads: table_xinfo without hidden ones, generated ones kept."""
    rows = connection.execute(
        'SELECT name, type, "notnull", dflt_value, pk, hidden FROM pragma_table_xinfo(?)',
        (name,),
    ).fetchall()
    return [
        _ColumnInfo(name, declared or "", not_null, default, int(pk or 0))
        for name, declared, not_null, default, pk, hidden in rows
        if hidden in _VISIBLE_HIDDEN_VALUES
    ]


def is_without_rowid(connection: sqlite3.Connection, table: str) -> bool:
    try:
        rows = connection.execute(
            "SELECT wr FROM pragma_table_list WHERE schema = 'main' AND name = ?", (table,)
        ).fetchall()
    except sqlite3.Error:  # SQLite < 3.37 has no table_list: read the DDL
        rows = []
    if rows:
        return bool(rows[0][0])
    found = connection.execute(
        "SELECT coalesce(sql, '') FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
    ).fetchone()
    sql = found[0] if found else ""
    return bool(_WITHOUT_ROWID.search(sql[sql.rfind(")") + 1 :]))


def _generated_key(
    connection: sqlite3.Connection,
    row: _MasterRow,
    info: list[_ColumnInfo],
    primary_key: tuple[str, ...],
    index_list: list[_IndexEntry],
) -> str | None:
    """The INTEGER PRIMARY KEY column that aliases the rowid, if the table has one."""
    if len(primary_key) != 1:
        return None
    declared = next(c.declared_type for c in info if c.name == primary_key[0])
    if declared.strip().upper() != "INTEGER":
        return None
    # "x INTEGER PRIMARY KEY DESC" is SQLite's documented exception: not an alias, and
    # then the key gets an index of origin 'pk', which an alias never has.
    if any(entry.origin == "pk" for entry in index_list):
        return None
    if is_without_rowid(connection, row.name):
        return None
    return primary_key[0]


def _foreign_keys(connection: sqlite3.Connection, table: str) -> tuple[SourceForeignKey, ...]:
    rows = connection.execute(
        'SELECT id, seq, "table", "from", "to" FROM pragma_foreign_key_list(?) ORDER BY id, seq',
        (table,),
    ).fetchall()
    grouped: dict[int, list[tuple[str, str, str | None]]] = {}
    for fk_id, _seq, parent, child_col, parent_col in rows:
        grouped.setdefault(fk_id, []).append((parent, child_col, parent_col))
    keys = []
    # SQLite numbers foreign keys from the last declared one: reverse to declaration order.
    for fk_id in sorted(grouped, reverse=True):
        parts = grouped[fk_id]
        parent = _canonical_table(connection, parts[0][0])
        parent_columns = tuple(p for _, _, p in parts)
        if any(p is None for p in parent_columns):
            parent_columns = _primary_key_of(connection, parent)
        keys.append(
            SourceForeignKey(
                columns=tuple(c for _, c, _ in parts),
                parent_table=parent,
                parent_columns=parent_columns,  # type: ignore[arg-type]
            )
        )
    return tuple(keys)


def _canonical_table(connection: sqlite3.Connection, name: str) -> str:
    """The parent's name as declared (SQLite matches table names case-insensitively)."""
    found = connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name = ? COLLATE NOCASE",
        (name,),
    ).fetchone()
    return found[0] if found else name


def _primary_key_of(connection: sqlite3.Connection, table: str) -> tuple[str, ...]:
    rows = connection.execute(
        "SELECT name FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk", (table,)
    ).fetchall()
    return tuple(name for (name,) in rows)


def _index_columns(connection: sqlite3.Connection, index: str) -> list[tuple[int, str | None]]:
    """(cid, name) of the index's key columns in order; cid -2 is an expression."""
    rows = connection.execute(
        "SELECT cid, name FROM pragma_index_xinfo(?) WHERE key = 1 ORDER BY seqno", (index,)
    ).fetchall()
    return [(int(cid), name) for cid, name in rows]


def _unique_constraints(
    connection: sqlite3.Connection, index_list: list[_IndexEntry]
) -> tuple[tuple[str, ...], ...]:
    names = [entry.name for entry in index_list if entry.origin == "u"]
    # sqlite_autoindex_<table>_<n> numbers the constraints in declaration order.
    names.sort(key=_autoindex_number)
    return tuple(tuple(col or "" for _, col in _index_columns(connection, name)) for name in names)


def _autoindex_number(name: str) -> int:
    match = _AUTOINDEX_NUMBER.search(name)
    return int(match.group(1)) if match else 0


def _indexes(
    connection: sqlite3.Connection,
    index_list: list[_IndexEntry],
    index_sql: dict[str, str],
) -> tuple[SourceIndex, ...]:
    indexes = []
    for entry in sorted(index_list):
        if entry.origin != "c":
            continue
        expressions = index_parts(index_sql.get(entry.name, ""))
        columns = []
        for position, (cid, column) in enumerate(_index_columns(connection, entry.name)):
            if cid >= 0 and column is not None:
                columns.append(column)
            elif cid == -1:
                columns.append("rowid")
            else:
                columns.append(
                    expressions[position] if position < len(expressions) else "<expression>"
                )
        indexes.append(
            SourceIndex(entry.name, tuple(columns), bool(entry.unique), bool(entry.partial))
        )
    return tuple(indexes)


def _sequences(connection: sqlite3.Connection) -> dict[str, int]:
    """sqlite_sequence as {table name: counter}; empty when there is none."""
    exists = connection.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (SEQUENCE_TABLE,)
    ).fetchone()
    if not exists:
        return {}
    rows = connection.execute(f"SELECT name, seq FROM {SEQUENCE_TABLE}").fetchall()
    return {str(name): seq for name, seq in rows if isinstance(seq, int)}


def _table_sizes(connection: sqlite3.Connection) -> dict[str, int] | None:
    """Bytes of pages per b-tree from the dbstat virtual table, or None without it."""
    try:
        rows = connection.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name").fetchall()
    except sqlite3.Error:
        return None
    return {name: int(size) for name, size in rows}


# --- a small SQL tokenizer, for CHECK expressions and index expressions ---------------


@dataclass(frozen=True)
class _Token:
    kind: str  # "space", "comment", "string", "ident", "word", "punct"
    text: str
    start: int
    end: int

    @property
    def significant(self) -> bool:
        return self.kind not in ("space", "comment")

    def is_word(self, word: str) -> bool:
        return self.kind == "word" and self.text.upper() == word


def tokenize(sql: str) -> Iterator[_Token]:
    """Tokens of `sql`: quotes, brackets, backticks and comments are single tokens."""
    position, length = 0, len(sql)
    while position < length:
        kind, end = _token_at(sql, position)
        yield _Token(kind, sql[position:end], position, end)
        position = end


def _token_at(sql: str, i: int) -> tuple[str, int]:
    char = sql[i]
    if char.isspace():
        end = i + 1
        while end < len(sql) and sql[end].isspace():
            end += 1
        return "space", end
    if sql.startswith("--", i):
        end = sql.find("\n", i)
        return "comment", len(sql) if end < 0 else end + 1
    if sql.startswith("/*", i):
        end = sql.find("*/", i + 2)
        return "comment", len(sql) if end < 0 else end + 2
    if char in "'\"`":
        return ("string" if char == "'" else "ident"), _quoted_end(sql, i, char)
    if char == "[":
        end = sql.find("]", i + 1)
        return "ident", len(sql) if end < 0 else end + 1
    if _is_word_char(char):
        end = i + 1
        while end < len(sql) and _is_word_char(sql[end]):
            end += 1
        return "word", end
    return "punct", i + 1


def _quoted_end(sql: str, start: int, quote: str) -> int:
    """End of the quoted token at `start`; a doubled quote is an escaped quote."""
    search = start + 1
    while True:
        close = sql.find(quote, search)
        if close < 0:
            return len(sql)
        if sql.startswith(quote, close + 1):
            search = close + 2
            continue
        return close + 1


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char in "_$" or ord(char) > 127


def _matching_close(tokens: list[_Token], open_index: int) -> int | None:
    """Index of the ')' closing the '(' at `open_index`, or None when unbalanced."""
    depth = 0
    for index in range(open_index, len(tokens)):
        text = tokens[index].text if tokens[index].kind == "punct" else ""
        if text == "(":
            depth += 1
        elif text == ")":
            depth -= 1
            if depth == 0:
                return index
    return None


def check_constraints(create_sql: str) -> tuple[str, ...]:
    """The expression text of every CHECK in a CREATE TABLE, column- and table-level."""
    tokens = [t for t in tokenize(create_sql) if t.significant]
    found = []
    for index, token in enumerate(tokens[:-1]):
        if not token.is_word("CHECK") or tokens[index + 1].text != "(":
            continue
        close = _matching_close(tokens, index + 1)
        if close is not None:
            found.append(create_sql[tokens[index + 1].end : tokens[close].start].strip())
    return tuple(found)


def index_parts(create_index_sql: str) -> list[str]:
    """The indexed terms of a CREATE INDEX as SQL text, without ASC/DESC."""
    tokens = [t for t in tokenize(create_index_sql) if t.significant]
    opening = next((i for i, t in enumerate(tokens) if t.kind == "punct" and t.text == "("), None)
    if opening is None:
        return []
    close = _matching_close(tokens, opening)
    if close is None:
        return []
    parts: list[list[_Token]] = [[]]
    depth = 0
    for token in tokens[opening + 1 : close]:
        punct = token.text if token.kind == "punct" else ""
        depth += (punct == "(") - (punct == ")")
        if depth == 0 and punct == ",":
            parts.append([])
        else:
            parts[-1].append(token)
    return [_part_text(create_index_sql, part) for part in parts if part]


def _part_text(sql: str, part: list[_Token]) -> str:
    if len(part) > 1 and (part[-1].is_word("ASC") or part[-1].is_word("DESC")):
        part = part[:-1]
    return sql[part[0].start : part[-1].end]
