"""Function-level API to read an MS Access file (.mdb Jet 3/4, .accdb ACE).

Importable by other packages (e.g. to re-read a source independently for fingerprinting)::

    from tap_msaccess import reader
    reader.file_format("nwind.mdb")                      # "Jet3"
    reader.list_tables("nwind.mdb")                      # ["Order Details", "Orders", ...]
    schema = reader.read_schema("nwind.mdb")             # tables, columns, PKs, FKs, ...
    for row in reader.iter_rows("nwind.mdb", "Orders", batch_size=5000):
        ...                                              # {"OrderID": 10248, ...}

Values are Python objects, decoded faithfully (see README "Type mapping"):
Text/Memo ``str``; Yes/No ``bool``; Byte/Integer/Long/Large Number ``int``;
Currency/Decimal ``decimal.Decimal`` (exact); Single/Double ``float``;
Date/Time ``datetime.datetime`` (naive, ms); Date/Time Extended ``str``
``YYYY-MM-DD HH:MM:SS.fffffff`` (100 ns); Replication ID ``str`` ``{GUID}``;
Binary/OLE ``bytes``; Attachment ``list`` of ``{name, type, data: bytes, ...}``.

A value that cannot be read faithfully raises ``UnsupportedDataError`` naming the table and
column, never a silent wrong value: calculated columns, complex columns other than
attachments (multi-value, append-only memo history), unknown column types, Jet 3 text
that is not valid in the configured code page.

The reading is done by mdb-reader 3.2.0 in a Node helper (``js/mdb_helper.mjs``) that
streams NDJSON; rows are read ``batch_size`` at a time (the helper holds the file in
memory, not the rows). Row counts are counted while reading, never taken from the table
header (which can be wrong).
"""

from __future__ import annotations

import base64
import codecs
import datetime as dt
import json
import os
import re
import subprocess
import tempfile
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from tap_msaccess import lvprop, runtime, snapshot
from tap_msaccess.errors import AccessError, UnsupportedDataError
from tap_msaccess.mdbtools import SchemaInfo, read_schema_info

__all__ = [
    "AccessColumn",
    "AccessTable",
    "DatabaseSchema",
    "LinkedTable",
    "Relationship",
    "SavedQuery",
    "TableRows",
    "file_format",
    "iter_rows",
    "list_tables",
    "ole_datetime",
    "read_schema",
]

DEFAULT_BATCH_SIZE = 10_000
DEFAULT_JET3_CHARSET = "cp1252"
OLE_EPOCH = dt.datetime(1899, 12, 30)
MS_PER_DAY = 86_400_000
_UNIX_EPOCH_OLE_DAYS = 25569  # days from 1899-12-30 to 1970-01-01

FORMAT_BY_VERSION = {
    0x00: "Jet3",
    0x01: "Jet4",
    0x02: "ACE12",
    0x03: "ACE14",
    0x04: "ACE15",
    0x05: "ACE16",
    0x06: "ACE17",
}
_MAGIC = (b"Standard Jet DB\x00", b"Standard ACE DB\x00")
#: Column type codes mdb-reader 3.2.0 knows (others make it refuse the whole table).
_KNOWN_TYPE_CODES = frozenset({*range(0x01, 0x0D), 0x0F, 0x10, 0x12, 0x13, 0x14})
_EXT_DATE = re.compile(r"^(\d{4})\.(\d{2})\.(\d{2}) (\d{2}):(\d{2}):(\d{2})\.(\d{7})00$")

#: mdb-reader type names of the columns the reader can decode.
SUPPORTED_TYPES = frozenset(
    {
        "boolean",
        "byte",
        "integer",
        "long",
        "bigint",
        "currency",
        "numeric",
        "float",
        "double",
        "datetime",
        "datetimextended",
        "text",
        "memo",
        "repid",
        "binary",
        "ole",
        "complex",  # attachments only (checked per column)
    }
)
#: The Access UI names of mdb-reader's type names (README, audit).
ACCESS_TYPE_NAMES = {
    "boolean": "Yes/No",
    "byte": "Byte",
    "integer": "Integer",
    "long": "Long Integer",
    "bigint": "Large Number",
    "currency": "Currency",
    "numeric": "Decimal",
    "float": "Single",
    "double": "Double",
    "datetime": "Date/Time",
    "datetimextended": "Date/Time Extended",
    "text": "Short Text",
    "memo": "Long Text (Memo)",
    "repid": "Replication ID (GUID)",
    "binary": "Binary",
    "ole": "OLE Object",
    "complex": "Complex",
}


# --- data model ----------------------------------------------------------------------------


@dataclass(frozen=True)
class AccessColumn:
    """One column as Access defines it."""

    name: str
    access_type: str  # mdb-reader type name: text, long, currency, ... (ACCESS_TYPE_NAMES)
    size: int = 0
    nullable: bool = True
    fixed_length: bool = False
    auto_number: bool = False  # Long AutoNumber
    auto_guid: bool = False  # Replication ID AutoNumber
    precision: int | None = None  # Decimal only
    scale: int | None = None  # Decimal only
    calculated_expression: str | None = None  # Access 2010+ calculated column
    complex_type: str | None = None  # MSysComplexType_* of a complex column
    complex_flat_table: str | None = None  # hidden f_..._ table holding its values
    unsupported_reason: str | None = None  # set: its values cannot be read faithfully
    raw_name: str = ""  # name as the Node reader knows it (Jet 3: undecoded)

    @property
    def type_label(self) -> str:
        """Access UI type name (``Currency``, ``Long Integer``, ``Attachment``...)."""
        if self.access_type == "complex":
            if self.complex_type and "Attachment" in self.complex_type:
                return "Attachment"
            return f"Complex ({self.complex_type or 'unknown'})"
        return ACCESS_TYPE_NAMES.get(self.access_type, self.access_type)


@dataclass
class AccessTable:
    """A user table: columns, keys, and why it cannot be read (if so)."""

    name: str
    columns: list[AccessColumn]
    primary_key: list[str] = field(default_factory=list)
    unique_indexes: list[tuple[str, list[str]]] = field(default_factory=list)
    indexes: list[tuple[str, list[str]]] = field(default_factory=list)  # not unique
    header_row_count: int | None = None  # from the table definition; can be wrong
    error: str | None = None  # the whole table is unreadable (reason names the column)
    key_note: str | None = None  # why the key is unknown, if it is
    raw_name: str = ""  # name as the Node reader knows it (Jet 3: undecoded)

    @property
    def unsupported_columns(self) -> list[AccessColumn]:
        """Columns whose values cannot be read faithfully."""
        return [c for c in self.columns if c.unsupported_reason]


@dataclass(frozen=True)
class Relationship:
    """A relationship from MSysRelationships: ``table.columns`` -> ``referenced``."""

    name: str
    table: str
    columns: list[str]
    referenced_table: str
    referenced_columns: list[str]
    grbit: int

    @property
    def enforced(self) -> bool:
        """Referential integrity is enforced by Access (grbit 0x2, "don't enforce", clear).

        0x1 is a one-to-one relationship (DAO dbRelationUnique; Jackcess ONE_TO_ONE_FLAG).
        """
        return not self.grbit & 0x2

    @property
    def on_update_cascade(self) -> bool:
        """ON UPDATE CASCADE (grbit 0x100)."""
        return bool(self.grbit & 0x100)

    @property
    def on_delete_cascade(self) -> bool:
        """ON DELETE CASCADE (grbit 0x1000)."""
        return bool(self.grbit & 0x1000)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (catalog metadata, audit)."""
        return {
            "name": self.name,
            "table": self.table,
            "columns": self.columns,
            "referenced_table": self.referenced_table,
            "referenced_columns": self.referenced_columns,
            "enforced": self.enforced,
            "on_update_cascade": self.on_update_cascade,
            "on_delete_cascade": self.on_delete_cascade,
            "grbit": self.grbit,
        }


@dataclass(frozen=True)
class LinkedTable:
    """A linked table (MSysObjects type 4 ODBC / 6 Access): reported, never followed."""

    name: str
    kind: str
    database: str | None
    foreign_name: str | None


@dataclass(frozen=True)
class SavedQuery:
    """A saved query (MSysObjects type 5): reported, never evaluated."""

    name: str
    hidden: bool


@dataclass
class DatabaseSchema:
    """Everything :func:`read_schema` knows about a file."""

    path: Path
    format: str
    tables: list[AccessTable]
    relationships: list[Relationship]
    linked_tables: list[LinkedTable]
    queries: list[SavedQuery]
    password_protected: bool | None  # Jet 4 database password (not encryption)
    encrypted: bool  # pages are encrypted (a password was needed to read them)
    keys_source: str  # "mdbtools" or why keys are unknown
    jet3_charset: str | None

    def table(self, name: str) -> AccessTable:
        """The table called ``name``.

        Raises:
            AccessError: no such user table.
        """
        for table in self.tables:
            if table.name == name:
                return table
        msg = f"table {name!r} not found in {self.path}"
        raise AccessError(msg)


# --- file checks and the Node helper -------------------------------------------------------


def check_access_file(raw_path: str | os.PathLike[str]) -> Path:
    """Return the absolute path of a readable Access file or tap-msaccess snapshot.

    Raises:
        AccessError: missing, a directory, unreadable, not an Access database, or a
            snapshot with a bad header.
    """
    path = Path(raw_path).expanduser().resolve()
    if not path.exists():
        msg = f"database file not found: {path}"
        raise AccessError(msg)
    if path.is_dir():
        msg = f"{path} is a directory, not an MS Access database file"
        raise AccessError(msg)
    try:
        with path.open("rb") as handle:
            header = handle.read(0x18)
    except OSError as exc:
        msg = f"cannot read database file {path}: {exc.strerror or exc}"
        raise AccessError(msg) from exc
    if header.startswith(snapshot.MAGIC):
        snapshot.read_header(path, FORMAT_BY_VERSION.values())
        return path
    if len(header) < 0x18 or header[4:20] not in _MAGIC:
        msg = f"{path} is not an MS Access database (bad header)"
        raise AccessError(msg)
    if header[0x14] not in FORMAT_BY_VERSION:
        msg = f"{path}: unsupported Access file version 0x{header[0x14]:02x}"
        raise AccessError(msg)
    return path


def file_format(path: str | os.PathLike[str]) -> str:
    """``Jet3`` (Access 97), ``Jet4`` (2000-2003), ``ACE12`` (2007) ... ``ACE17``."""
    checked = check_access_file(path)
    if snapshot.is_snapshot(checked):
        return str(snapshot.read_header(checked, FORMAT_BY_VERSION.values())["format"])
    with checked.open("rb") as handle:
        header = handle.read(0x18)
    return FORMAT_BY_VERSION[header[0x14]]


def _node_env(password: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"NODE_OPTIONS", "MDB_PASSWORD"}}
    env["TZ"] = "UTC"  # mdb-reader formats Date/Time Extended in local time
    if password:
        env["MDB_PASSWORD"] = password
    return env


def _helper(path: Path, *args: str, password: str | None) -> Iterator[Any]:
    """Run the Node helper (or serve a snapshot); yield its values; raise on ``$error``."""
    values: Generator[Any, None, None]
    if snapshot.is_snapshot(path):
        values = snapshot.serve(path, args)
    else:
        values = (json.loads(line) for line in node_lines(path, args, password))
    try:
        for value in values:
            if isinstance(value, dict) and "$error" in value:
                raise _HelperFailure(value["$error"], value.get("kind"), value.get("column"))
            yield value
    finally:
        values.close()  # stops the Node process now, not when the traceback is freed


def node_lines(path: Path, args: tuple[str, ...], password: str | None) -> Iterator[bytes]:
    """Run the Node helper; yield its NDJSON lines as printed (stop reading to stop it).

    Raises:
        AccessError: the helper exited non-zero without an ``$error`` line read.
    """
    node = runtime.node_executable()
    helper = runtime.helper_script()
    with tempfile.TemporaryFile() as stderr:
        process = subprocess.Popen(
            [node, str(helper), str(path), *args],
            stdout=subprocess.PIPE,
            stderr=stderr,
            env=_node_env(password),
            cwd=helper.parent,
        )
        assert process.stdout is not None
        try:
            yield from process.stdout
            code = process.wait()
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
            process.stdout.close()
        if code != 0:
            stderr.seek(0)
            lines = [ln for ln in stderr.read().decode("utf-8", "replace").splitlines() if ln]
            detail = lines[-1] if lines else f"exit code {code}"
            msg = f"{path}: the Node reader failed: {detail}"
            raise AccessError(msg)


class _HelperFailure(AccessError):
    def __init__(self, message: str, kind: str | None, column: str | None) -> None:
        super().__init__(message)
        self.kind = kind
        self.column = column


# --- decoding ------------------------------------------------------------------------------


def _check_charset(charset: str) -> str:
    try:
        return codecs.lookup(charset).name
    except LookupError as exc:
        msg = f"setting 'jet3_charset': unknown code page {charset!r}"
        raise AccessError(msg) from exc


class _Jet3Text:
    """Jet 3 strings arrive as Latin-1 (undecoded bytes); decode them with the code page."""

    def __init__(self, fmt: str, charset: str) -> None:
        self.active = fmt == "Jet3"
        self.charset = charset

    def __call__(self, value: str, *, where: str) -> str:
        if not self.active:
            return value
        raw = value.encode("latin-1")
        try:
            return raw.decode(self.charset)
        except UnicodeDecodeError as exc:
            bad = raw[exc.start : exc.end].hex(" ")
            msg = (
                f"{where}: Jet 3 text is not valid {self.charset} (bytes {bad} at offset "
                f"{exc.start}); set 'jet3_charset' to the database's code page"
            )
            raise UnsupportedDataError(msg) from exc


def ole_datetime(epoch_ms: int) -> dt.datetime:
    """The Access Date/Time that mdb-reader returned as epoch milliseconds.

    mdb-reader maps the stored OLE double linearly (``(td - 25569) days``). Access does not
    for negative values with a time part: the integer part counts days back from 1899-12-30
    and the fraction is still a positive time of day. Undo that in integer milliseconds.
    """
    total = epoch_ms + _UNIX_EPOCH_OLE_DAYS * MS_PER_DAY  # ms since 1899-12-30 (linear)
    if total < 0 and total % MS_PER_DAY:
        days, time_ms = divmod(-total, MS_PER_DAY)
        return OLE_EPOCH - dt.timedelta(days=days) + dt.timedelta(milliseconds=time_ms)
    return OLE_EPOCH + dt.timedelta(milliseconds=total)


def _extended_datetime(value: str, *, where: str) -> str:
    match = _EXT_DATE.match(value)
    if not match:
        msg = f"{where}: unexpected Date/Time Extended value {value!r}"
        raise UnsupportedDataError(msg)
    y, mo, d, h, mi, s, frac = match.groups()
    return f"{y}-{mo}-{d} {h}:{mi}:{s}.{frac}"


def _float(value: Any) -> float:
    if isinstance(value, dict):
        return float(value["$float"])
    return float(value)


def _bytes(value: Any) -> bytes:
    return base64.b64decode(value["$bytes"])


def _converter(column: AccessColumn, text: _Jet3Text, where: str) -> Any:
    kind = column.access_type
    if kind in {"text", "memo"}:
        return lambda v: text(v, where=where)
    if kind == "boolean":
        return bool
    if kind in {"byte", "integer", "long"}:
        return int
    if kind == "bigint":
        return lambda v: int(v["$bigint"])
    if kind in {"currency", "numeric"}:
        return Decimal
    if kind in {"float", "double"}:
        return _float
    if kind == "datetime":
        return lambda v: ole_datetime(int(v["$ms"]))
    if kind == "datetimextended":
        return lambda v: _extended_datetime(v, where=where)
    if kind == "repid":
        return str
    if kind in {"binary", "ole"}:
        return _bytes
    if kind == "complex":
        return lambda v: [_attachment(item, text, where) for item in v]
    msg = f"{where}: no decoder for column type {kind!r}"
    raise UnsupportedDataError(msg)


def _attachment(item: dict[str, Any], text: _Jet3Text, where: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in item.items():
        if value is None:
            out[key] = None
        elif isinstance(value, dict) and "$bytes" in value:
            out[key] = _bytes(value)
        elif isinstance(value, dict) and "$ms" in value:
            out[key] = ole_datetime(int(value["$ms"]))
        elif isinstance(value, str):
            out[key] = text(value, where=where)
        else:
            out[key] = value
    return out


# --- schema --------------------------------------------------------------------------------


def _column(raw: dict[str, Any], table: str, text: _Jet3Text, calc: dict[str, str]) -> AccessColumn:
    name = text(raw["name"], where=f"table {table!r} column name")
    kind = raw["type"]
    reason = None
    expression = calc.get(name)
    if expression is not None:
        reason = (
            f"calculated column (expression {expression}): the reader returns its stored "
            "wrapper, not the value"
        )
    elif kind == "complex" and not raw.get("attachment"):
        ctype = raw.get("complex_type") or "unknown"
        what = "append-only memo version history" if "VH" in ctype else "multi-value field"
        reason = (
            f"complex column ({what}, {ctype}) is not supported: its values are in the "
            f"hidden table {raw.get('flat_table')!r}"
        )
    elif kind not in SUPPORTED_TYPES:
        reason = f"column type {kind!r} is not supported"
    return AccessColumn(
        name=name,
        access_type=kind,
        size=int(raw.get("size") or 0),
        nullable=bool(raw.get("nullable", True)),
        fixed_length=bool(raw.get("fixedLength", False)),
        auto_number=bool(raw.get("autoLong", False)) and kind == "long",
        auto_guid=bool(raw.get("autoUUID", False)) and kind == "repid",
        precision=raw.get("precision"),
        scale=raw.get("scale"),
        calculated_expression=expression,
        complex_type=raw.get("complex_type"),
        complex_flat_table=raw.get("flat_table"),
        unsupported_reason=reason,
        raw_name=raw["name"],
    )


def _calculated(raw_lvprop: str | None, table: str) -> dict[str, str]:
    if not raw_lvprop:
        return {}
    try:
        return lvprop.calculated_columns(base64.b64decode(raw_lvprop))
    except lvprop.LvPropError as exc:
        msg = f"table {table!r}: cannot read its column properties (LvProp): {exc}"
        raise AccessError(msg) from exc


def _describe(path: Path, password: str | None) -> dict[str, Any]:
    try:
        return next(iter(_helper(path, "describe", password=password)))
    except _HelperFailure as exc:
        raise _open_error(path, exc, password) from exc


def _open_error(path: Path, exc: _HelperFailure, password: str | None) -> AccessError:
    if exc.kind == "password":
        if password:
            return AccessError(f"{path}: wrong password (setting 'password')")
        return AccessError(f"{path} is encrypted: set 'password' to read it")
    return AccessError(f"{path}: cannot open: {exc}")


def _relationships(rows: list[dict[str, Any]], text: _Jet3Text) -> list[Relationship]:
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(row["szRelationship"], []).append(row)
    result = []
    for name, parts in groups.items():
        parts.sort(key=lambda r: r.get("icolumn") or 0)
        where = f"relationship {name!r}"

        def decode(value: str, where: str = where) -> str:
            return text(value, where=where)

        result.append(
            Relationship(
                name=decode(name),
                table=decode(parts[0]["szObject"]),
                columns=[decode(p["szColumn"]) for p in parts],
                referenced_table=decode(parts[0]["szReferencedObject"]),
                referenced_columns=[decode(p["szReferencedColumn"]) for p in parts],
                grbit=int(parts[0].get("grbit") or 0),
            )
        )
    return result


def _apply_keys(tables: list[AccessTable], info: SchemaInfo | None, note: str) -> None:
    for table in tables:
        keys = info.tables.get(table.name) if info is not None and info.error is None else None
        if keys is None:
            table.key_note = note
            continue
        names = {c.name for c in table.columns}
        unknown = {n: c for n, c in keys.unknown_columns if int(c, 16) not in _KNOWN_TYPE_CODES}
        if table.error and unknown:
            detail = ", ".join(f"{name!r} (type {code})" for name, code in unknown.items())
            table.error = f"unsupported column type: {detail}"
        missing = [c for c in keys.primary_key if c not in names]
        if missing and not table.error:
            table.key_note = f"mdb-schema names key columns {missing} that the reader does not list"
        else:
            table.primary_key = list(keys.primary_key)
        table.unique_indexes = [
            (index, cols) for index, cols in keys.unique_indexes if all(c in names for c in cols)
        ]
        table.indexes = [
            (index, cols) for index, cols in keys.indexes if all(c in names for c in cols)
        ]


def _schema_info(path: Path, fmt: str, charset: str, text: _Jet3Text) -> SchemaInfo:
    """mdbtools' keys: recorded in a snapshot, else from ``mdb-schema``."""
    if snapshot.is_snapshot(path):
        header = snapshot.read_header(path, FORMAT_BY_VERSION.values())
        return snapshot.schema_info(header, lambda raw, where: text(raw, where=where))
    return read_schema_info(str(path), jet3_charset=charset if fmt == "Jet3" else None)


def read_schema(
    path: str | os.PathLike[str],
    *,
    password: str | None = None,
    jet3_charset: str = DEFAULT_JET3_CHARSET,
    with_keys: bool = True,
) -> DatabaseSchema:
    """Tables (columns with Access types, PK, unique indexes), relationships, linked tables.

    ``with_keys`` runs mdbtools' ``mdb-schema`` (required: mdb-reader does not parse
    indexes). When mdbtools cannot read the file (an encrypted ACE file), keys are left
    empty and ``keys_source`` says why.

    Raises:
        AccessError: the file cannot be opened (missing, not Access, encrypted without
            password, wrong password), or a dependency is missing.
    """
    checked = check_access_file(path)
    fmt = file_format(checked)
    charset = _check_charset(jet3_charset)
    text = _Jet3Text(fmt, charset)
    described = _describe(checked, password)
    tables = []
    for entry in described["tables"]:
        name = text(entry["name"], where="table name")
        calc = _calculated(entry.get("lvprop"), name)
        error = None
        columns: list[AccessColumn] = []
        if entry.get("error"):
            error = str(entry["error"])
        else:
            columns = [_column(c, name, text, calc) for c in entry["columns"]]
        tables.append(
            AccessTable(
                name=name,
                columns=columns,
                header_row_count=entry.get("header_row_count"),
                error=error,
                raw_name=entry["name"],
            )
        )
    encrypted = bool(password) and fmt != "Jet3" and _needs_password(checked)
    keys_source = "mdbtools"
    info: SchemaInfo | None = None
    if with_keys:
        info = _schema_info(checked, fmt, charset, text)
        if info.error:
            keys_source = f"unknown: {info.error}"
    else:
        keys_source = "not read (with_keys=False)"
    _apply_keys(tables, info, keys_source)
    for table in tables:
        if table.error and "Unsupported column type" in table.error:
            table.error = (
                "a column has a type the reader does not know (mdb-reader: "
                f"{table.error}); install mdbtools to name it"
            )
    return DatabaseSchema(
        path=checked,
        format=fmt,
        tables=tables,
        relationships=_relationships(described.get("relationships") or [], text),
        linked_tables=[
            LinkedTable(
                name=text(x["name"], where="linked table name"),
                kind=x.get("kind") or "",
                database=x.get("database"),
                foreign_name=x.get("foreign_name"),
            )
            for x in described.get("linked") or []
        ],
        queries=[
            SavedQuery(name=text(q["name"], where="query name"), hidden=bool(q.get("hidden")))
            for q in described.get("queries") or []
        ],
        password_protected=described.get("password_protected"),
        encrypted=encrypted,
        keys_source=keys_source,
        jet3_charset=charset if fmt == "Jet3" else None,
    )


def _needs_password(path: Path) -> bool:
    """True when the file cannot be opened without a password (encrypted pages)."""
    try:
        next(iter(_helper(path, "describe", password=None)))
    except _HelperFailure as exc:
        return exc.kind == "password"
    return False


def list_tables(
    path: str | os.PathLike[str],
    *,
    password: str | None = None,
    jet3_charset: str = DEFAULT_JET3_CHARSET,
) -> list[str]:
    """Names of the user tables (no ``MSys*`` system tables, no linked tables)."""
    schema = read_schema(path, password=password, jet3_charset=jet3_charset, with_keys=False)
    return [table.name for table in schema.tables]


# --- rows ----------------------------------------------------------------------------------


class TableRows:
    """Iterator over one table's rows; ``source_row_count`` is set when it is exhausted.

    ``source_row_count`` is the number of rows the reader found in the table's data pages
    in this read (reported by the Node helper after its last row), not the table header.
    """

    def __init__(
        self,
        schema: DatabaseSchema,
        table: AccessTable,
        *,
        password: str | None,
        batch_size: int,
        omit_columns: frozenset[str] = frozenset(),
    ) -> None:
        """Prepare the read; call ``iter()`` to start the helper."""
        self.schema = schema
        self.table = table
        self.password = password
        self.batch_size = max(1, int(batch_size))
        self.omit_columns = omit_columns
        self.source_row_count: int | None = None
        self.rows_read = 0

    def check(self) -> None:
        """Raise ``UnsupportedDataError`` if the table cannot be read faithfully."""
        table = self.table
        if table.error:
            msg = f"table {table.name!r}: {table.error}"
            raise UnsupportedDataError(msg, table=table.name)
        for column in table.unsupported_columns:
            if column.name in self.omit_columns:
                continue
            msg = f"table {table.name!r} column {column.name!r}: {column.unsupported_reason}"
            raise UnsupportedDataError(msg, table=table.name, column=column.name)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        """Yield ``{column: value}`` dicts in the file's physical order."""
        self.check()
        table = self.table
        text = _Jet3Text(self.schema.format, self.schema.jet3_charset or DEFAULT_JET3_CHARSET)
        by_raw: dict[str, tuple[str, Any]] = {}
        for column in table.columns:
            if column.name in self.omit_columns:
                continue
            where = f"table {table.name!r} column {column.name!r}"
            by_raw[column.raw_name or column.name] = (column.name, _converter(column, text, where))
        wanted = json.dumps(list(by_raw), ensure_ascii=False)
        args = ("rows", table.raw_name or table.name, str(self.batch_size), wanted)
        try:
            for value in _helper(self.schema.path, *args, password=self.password):
                if "$end" in value:
                    self.source_row_count = int(value["$end"]["rows"])
                    break
                row = {}
                for raw_name, raw_value in value.items():
                    target = by_raw.get(raw_name)
                    if target is None:
                        continue
                    name, convert = target
                    row[name] = None if raw_value is None else convert(raw_value)
                self.rows_read += 1
                yield row
        except _HelperFailure as exc:
            where = f"table {table.name!r}"
            if exc.column:
                where += f" column {text(exc.column, where=where)!r}"
            msg = f"{where}: {exc}"
            raise UnsupportedDataError(msg, table=table.name, column=exc.column) from exc


def iter_rows(
    path: str | os.PathLike[str],
    table: str,
    *,
    password: str | None = None,
    jet3_charset: str = DEFAULT_JET3_CHARSET,
    batch_size: int = DEFAULT_BATCH_SIZE,
    schema: DatabaseSchema | None = None,
    omit_columns: frozenset[str] = frozenset(),
) -> Iterator[dict[str, Any]]:
    """Yield the rows of ``table`` as ``{column: Python value}``.

    Raises:
        UnsupportedDataError: a column cannot be read faithfully (names table and column).
        AccessError: the file or table cannot be opened.
    """
    if schema is None:
        schema = read_schema(path, password=password, jet3_charset=jet3_charset, with_keys=False)
    return iter(
        TableRows(
            schema,
            schema.table(table),
            password=password,
            batch_size=batch_size,
            omit_columns=omit_columns,
        )
    )
