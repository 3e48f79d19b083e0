"""Snapshots: what the Node helper and mdbtools said about an Access file, as JSON lines.

A snapshot lets the tap run where the file cannot be read (no Node packages, no mdbtools,
no Access at all): ``tap-msaccess-snapshot`` records it on a machine that can read it, and
the ``database`` setting then names the snapshot instead of the file. Everything after
the helper (code pages, converters, keys, policies, audit, self-check) runs unchanged.

Format, version 1 (UTF-8, one JSON value per line):

1. header ``{"$snapshot": "tap-msaccess", "version": 1, "format": "Jet3", "source": ...,
   "encrypted": false, "schema_info": {"tables": {name: {"primary_key": [...],
   "unique_indexes": [[index, [columns]]], "indexes": [[index, [columns]]],
   "unknown_columns": [[column, "0x46"]]}}, "error": null}}`` (mdbtools' keys; Jet 3
   names undecoded, as the helper gives them)
2. the helper's ``describe`` value, as it printed it
3. per table: ``{"$table": <raw name>}`` (plus ``"failed_columns": {column: <$error>}``
   when some columns could not be read), the helper's row lines with every column as it
   printed them, then its last line: ``{"$end": {"rows": N}}`` or ``{"$error": ...}``.

The file is recognised by its first bytes (``{"$snapshot"``), never by its name.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Collection, Generator, Iterator, Sequence
from pathlib import Path
from typing import Any, BinaryIO

from tap_msaccess.errors import AccessError
from tap_msaccess.mdbtools import SchemaInfo, TableKeys

MAGIC = b'{"$snapshot"'
KIND = "tap-msaccess"
VERSION = 1
#: mdbtools is told to hand Jet 3 names over undecoded too (Latin-1 = the bytes), like
#: the helper, so that one snapshot can be read with any ``jet3_charset``.
RAW_JET3_CHARSET = "ISO-8859-1"

_TABLE = b'{"$table"'


def is_snapshot(path: str | os.PathLike[str]) -> bool:
    """True when the file starts like a snapshot (it may still be a bad one)."""
    try:
        with Path(path).open("rb") as handle:
            return handle.read(len(MAGIC)) == MAGIC
    except OSError:
        return False


def read_header(path: Path, formats: Collection[str]) -> dict[str, Any]:
    """The validated header line of the snapshot at ``path``.

    Raises:
        AccessError: not JSON, not a tap-msaccess snapshot, another version, no format.
    """
    with path.open("rb") as handle:
        line = handle.readline()
    try:
        header = json.loads(line)
    except ValueError as exc:
        msg = f"{path}: bad tap-msaccess snapshot header (line 1 is not JSON: {exc})"
        raise AccessError(msg) from exc
    if not isinstance(header, dict) or header.get("$snapshot") != KIND:
        msg = f"{path}: bad snapshot header: '$snapshot' must be {KIND!r}"
        raise AccessError(msg)
    if header.get("version") != VERSION:
        msg = (
            f"{path}: tap-msaccess snapshot version {header.get('version')!r} is not "
            f"supported (this tap reads version {VERSION})"
        )
        raise AccessError(msg)
    if header.get("format") not in formats:
        msg = f"{path}: bad snapshot header: unknown Access format {header.get('format')!r}"
        raise AccessError(msg)
    return header


def header_line(*, fmt: str, source: str, encrypted: bool, info: SchemaInfo) -> dict[str, Any]:
    """The header of a new snapshot."""
    return {
        "$snapshot": KIND,
        "version": VERSION,
        "format": fmt,
        "source": source,
        "encrypted": encrypted,
        "schema_info": {
            "tables": {
                name: {
                    "primary_key": keys.primary_key,
                    "unique_indexes": keys.unique_indexes,
                    "indexes": keys.indexes,
                    "unknown_columns": keys.unknown_columns,
                }
                for name, keys in info.tables.items()
            },
            "error": info.error,
        },
    }


def schema_info(header: dict[str, Any], decode: Callable[[str, str], str]) -> SchemaInfo:
    """mdbtools' keys as recorded, names decoded with ``decode(raw, where)``."""
    recorded = header.get("schema_info") or {}
    tables = {}
    for raw_table, keys in (recorded.get("tables") or {}).items():
        table = decode(raw_table, "table name (mdbtools)")
        where = f"table {table!r} (mdbtools)"
        tables[table] = TableKeys(
            primary_key=[decode(c, where) for c in keys.get("primary_key") or []],
            unique_indexes=[
                (decode(index, where), [decode(c, where) for c in columns])
                for index, columns in keys.get("unique_indexes") or []
            ],
            indexes=[
                (decode(index, where), [decode(c, where) for c in columns])
                for index, columns in keys.get("indexes") or []
            ],
            unknown_columns=[
                (decode(c, where), code) for c, code in keys.get("unknown_columns") or []
            ],
        )
    return SchemaInfo(tables=tables, error=recorded.get("error"))


def serve(path: Path, args: Sequence[str]) -> Generator[Any, None, None]:
    """What the Node helper would print for ``args``, from the snapshot.

    ``describe``, and ``rows <table> <batch> [<JSON columns>]``: only the wanted columns,
    then the recorded ``$end`` (or the recorded ``$error``). Errors are ``$error`` values,
    as the helper prints them.
    """
    with path.open("rb") as handle:
        handle.readline()
        if args and args[0] == "describe":
            line = handle.readline()
            yield json.loads(line) if line else _error(path, "no describe line", "snapshot")
            return
        if not args or args[0] != "rows" or len(args) < 2:
            yield _error(path, f"unknown command {list(args)!r}", "usage")
            return
        wanted = set(json.loads(args[3])) if len(args) > 3 and args[3] else None
        yield from _rows(path, handle, args[1], wanted)


def _rows(path: Path, handle: BinaryIO, table: str, wanted: set[str] | None) -> Iterator[Any]:
    handle.readline()  # describe
    marker = _find_table(handle, table)
    if marker is None:
        yield _error(path, f"Could not find table with name {table}", "table")
        return
    for column, error in (marker.get("failed_columns") or {}).items():
        if wanted is None or column in wanted:
            yield error
            return
    for line in handle:
        try:
            value = json.loads(line)
        except ValueError:
            yield _error(path, "a row line is not JSON (truncated?)", "snapshot")
            return
        if isinstance(value, dict) and ("$end" in value or "$error" in value):
            yield value
            return
        yield value if wanted is None else {k: v for k, v in value.items() if k in wanted}
    yield _error(path, "the table ends without its $end line (truncated?)", "snapshot")


def _find_table(handle: BinaryIO, table: str) -> dict[str, Any] | None:
    for line in handle:
        if line.startswith(_TABLE):
            marker = json.loads(line)
            if isinstance(marker, dict) and marker.get("$table") == table:
                return marker
    return None


def _error(path: Path, message: str, kind: str) -> dict[str, Any]:
    return {"$error": f"snapshot {path.name}: {message}", "kind": kind, "column": None}
