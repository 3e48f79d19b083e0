"""What mdbtools adds to the Node reader: primary keys, indexes, unknown types.

mdb-reader 3.2.0 does not parse index definitions, and it refuses a table with a column
of an unknown type without naming the column. ``mdb-schema <file> oracle --indexes``
(Debian mdbtools 1.0.0) gives both. The ``oracle`` backend is used because it keeps the
names' case and quotes identifiers with ``"`` (embedded quotes doubled); the
``postgres`` backend lower-cases names.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass, field

from tap_msaccess.runtime import mdbtools_program

_CREATE = re.compile(r'^CREATE TABLE "')
_ALTER_PK = re.compile(r'^ALTER TABLE "')
_UNIQUE = re.compile(r'^CREATE UNIQUE INDEX "')
_INDEX = re.compile(r'^CREATE INDEX "')
_UNKNOWN = re.compile(r"\bUnknown_00([0-9A-Fa-f]{2})\b")


@dataclass
class TableKeys:
    """Keys and unknown-type columns of one table, as mdbtools reports them."""

    primary_key: list[str] = field(default_factory=list)
    unique_indexes: list[tuple[str, list[str]]] = field(default_factory=list)
    indexes: list[tuple[str, list[str]]] = field(default_factory=list)  # not unique
    unknown_columns: list[tuple[str, str]] = field(default_factory=list)  # (name, 0xNN)


@dataclass
class SchemaInfo:
    """mdb-schema's view of the file; ``error`` is set when mdbtools cannot read it."""

    tables: dict[str, TableKeys] = field(default_factory=dict)
    error: str | None = None


def _identifier(text: str, pos: int) -> tuple[str, int]:
    """Read a ``"quoted"`` identifier starting at ``pos``; return (name, end)."""
    if pos >= len(text) or text[pos] != '"':
        msg = f"expected a quoted identifier at {pos} in {text!r}"
        raise ValueError(msg)
    out = []
    pos += 1
    while pos < len(text):
        char = text[pos]
        if char == '"':
            if pos + 1 < len(text) and text[pos + 1] == '"':
                out.append('"')
                pos += 2
                continue
            return "".join(out), pos + 1
        out.append(char)
        pos += 1
    msg = f"unterminated identifier in {text!r}"
    raise ValueError(msg)


def _column_list(text: str, pos: int) -> list[str]:
    start = text.index("(", pos) + 1
    names = []
    pos = start
    while True:
        while text[pos] in " ,":
            pos += 1
        if text[pos] == ")":
            return names
        name, pos = _identifier(text, pos)
        names.append(name)


def parse_schema(output: str) -> dict[str, TableKeys]:
    """Parse ``mdb-schema --indexes <file> oracle`` output."""
    tables: dict[str, TableKeys] = {}
    current: TableKeys | None = None
    for line in output.splitlines():
        if _CREATE.match(line):
            name, _ = _identifier(line, len("CREATE TABLE "))
            current = tables.setdefault(name, TableKeys())
        elif line.startswith('\t"') and current is not None:
            column, end = _identifier(line, 1)
            match = _UNKNOWN.search(line, end)
            if match:
                current.unknown_columns.append((column, "0x" + match.group(1).lower()))
        elif _ALTER_PK.match(line) and " PRIMARY KEY (" in line:
            table, end = _identifier(line, len("ALTER TABLE "))
            tables.setdefault(table, TableKeys()).primary_key = _column_list(
                line, line.index(" PRIMARY KEY (", end)
            )
        elif _UNIQUE.match(line):
            index, end = _identifier(line, len("CREATE UNIQUE INDEX "))
            on = line.index(" ON ", end) + len(" ON ")
            table, end = _identifier(line, on)
            tables.setdefault(table, TableKeys()).unique_indexes.append(
                (index, _column_list(line, end))
            )
        elif _INDEX.match(line):
            index, end = _identifier(line, len("CREATE INDEX "))
            on = line.index(" ON ", end) + len(" ON ")
            table, end = _identifier(line, on)
            tables.setdefault(table, TableKeys()).indexes.append((index, _column_list(line, end)))
    return tables


def read_schema_info(path: str, *, jet3_charset: str | None = None) -> SchemaInfo:
    """Run mdb-schema once for the whole file.

    Raises:
        MissingDependencyError: mdbtools is not installed.
    """
    program = mdbtools_program("mdb-schema", "primary keys, unique indexes, unknown types")
    env = dict(os.environ)
    if jet3_charset:
        env["MDB_JET3_CHARSET"] = jet3_charset.upper()
    command = [program, "--indexes", "--no-relations", "--no-comments", path, "oracle"]
    try:
        done = subprocess.run(command, capture_output=True, env=env, check=False, timeout=600)
    except subprocess.TimeoutExpired:
        return SchemaInfo(error="mdb-schema timed out after 600 s")
    stdout = done.stdout.decode("utf-8", "replace")
    if done.returncode != 0:
        lines = [ln for ln in done.stderr.decode("utf-8", "replace").splitlines() if ln.strip()]
        detail = lines[-1] if lines else f"exit code {done.returncode}"
        return SchemaInfo(error=f"mdb-schema cannot read the file: {detail}")
    try:
        return SchemaInfo(tables=parse_schema(stdout))
    except ValueError as exc:
        return SchemaInfo(error=f"cannot parse mdb-schema output: {exc}")
