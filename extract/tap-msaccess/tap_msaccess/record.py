"""``tap-msaccess-snapshot``: record an Access file as a snapshot (see ``snapshot.py``).

    tap-msaccess-snapshot SOURCE.mdb OUT.jsonl [--password-env VAR] [--batch-size N]

Every table is read through the Node helper with all its columns, and its lines are
written as the helper printed them. A table the helper cannot read is recorded with its
error, so that the tap fails on the snapshot as it fails on the file. When the error
names a column, the table is read again without it: a run that leaves that column out
(``omit_columns`` of the reader API) then works from the snapshot too.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, BinaryIO

from tap_msaccess import reader, snapshot
from tap_msaccess.errors import AccessError
from tap_msaccess.mdbtools import read_schema_info

PROG = "tap-msaccess-snapshot"
_TERMINAL = (b'{"$end"', b'{"$error"')


def _line(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode("utf-8") + b"\n"


def _describe(path: Path, password: str | None) -> tuple[bytes, dict[str, Any]]:
    """The helper's describe line, as printed, and its value."""
    lines = reader.node_lines(path, ("describe",), password)
    try:
        line = next(lines, b"")
    finally:
        lines.close()
    value = json.loads(line)
    if "$error" in value and value.get("kind") == "password":
        problem = "wrong password" if password else "the file is encrypted"
        msg = f"{path}: {problem}: pass --password-env VAR with the password in $VAR"
        raise AccessError(msg)
    if "$error" in value:
        msg = f"{path}: cannot open: {value['$error']}"
        raise AccessError(msg)
    return line if line.endswith(b"\n") else line + b"\n", value


def _copy_rows(out: BinaryIO, path: Path, args: tuple[str, ...], password: str | None) -> Any:
    """Write the helper's lines for ``args``; return its last value ($end or $error)."""
    lines = reader.node_lines(path, args, password)
    try:
        for line in lines:
            out.write(line if line.endswith(b"\n") else line + b"\n")
            if line.startswith(_TERMINAL):
                value = json.loads(line)
                if set(value) <= {"$end", "$error", "kind", "column"}:
                    return value
    finally:
        lines.close()
    msg = f"{path}: the Node reader stopped without its $end line ({' '.join(args[:2])})"
    raise AccessError(msg)


def _record_table(
    out: BinaryIO, path: Path, entry: dict[str, Any], password: str | None, batch: int
) -> int | None:
    """Record one table; its row count, or None when it is recorded with an error."""
    raw = entry["name"]
    columns = [c["name"] for c in entry.get("columns") or []]
    failed: dict[str, Any] = {}
    start = out.tell()
    while True:
        out.seek(start)
        out.truncate()
        out.write(_line({"$table": raw, **({"failed_columns": failed} if failed else {})}))
        remaining = [c for c in columns if c not in failed]
        wanted = (json.dumps(remaining, ensure_ascii=False),) if failed else ()
        last = _copy_rows(out, path, ("rows", raw, str(batch), *wanted), password)
        if "$end" in last:
            return int(last["$end"]["rows"])
        if last.get("column") in remaining and len(remaining) > 1:
            failed[last["column"]] = last
            continue
        return None


def record(
    source: str | os.PathLike[str],
    output: str | os.PathLike[str],
    *,
    password: str | None = None,
    batch_size: int = reader.DEFAULT_BATCH_SIZE,
) -> dict[str, int | None]:
    """Record ``source`` into the snapshot ``output``; rows per raw table name (None: error).

    Raises:
        AccessError: the source cannot be opened (or is a snapshot), a dependency is missing.
    """
    path = reader.check_access_file(source)
    if snapshot.is_snapshot(path):
        msg = f"{path} is already a tap-msaccess snapshot"
        raise AccessError(msg)
    fmt = reader.file_format(path)
    describe_line, described = _describe(path, password)
    raw_names = snapshot.RAW_JET3_CHARSET if fmt == "Jet3" else None
    info = read_schema_info(str(path), jet3_charset=raw_names)
    encrypted = bool(password) and fmt != "Jet3" and reader._needs_password(path)
    header = snapshot.header_line(fmt=fmt, source=path.name, encrypted=encrypted, info=info)
    target = Path(output).expanduser()
    scratch = target.with_name(target.name + ".partial")
    counts: dict[str, int | None] = {}
    with scratch.open("wb") as out:
        out.write(_line(header))
        out.write(describe_line)
        for entry in described["tables"]:
            counts[entry["name"]] = _record_table(out, path, entry, password, batch_size)
    scratch.replace(target)
    return counts


def main(argv: Sequence[str] | None = None) -> None:
    """Console entry point; problems end with one ``tap-msaccess-snapshot: error:`` line."""
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.split("\n\n")[0])
    parser.add_argument("source", help=".mdb/.accdb file to record")
    parser.add_argument("output", help="snapshot to write (JSON lines)")
    parser.add_argument(
        "--password-env", metavar="VAR", help="environment variable with the password"
    )
    parser.add_argument("--batch-size", type=int, default=reader.DEFAULT_BATCH_SIZE)
    args = parser.parse_args(argv)
    try:
        password = None
        if args.password_env:
            password = os.environ.get(args.password_env)
            if not password:
                msg = f"environment variable {args.password_env} (--password-env) is not set"
                raise AccessError(msg)
        counts = record(args.source, args.output, password=password, batch_size=args.batch_size)
    except AccessError as exc:
        sys.stderr.write(f"{PROG}: error: {exc}\n")
        sys.exit(1)
    failed = [name for name, rows in counts.items() if rows is None]
    rows = sum(n for n in counts.values() if n is not None)
    note = f"; recorded with their read error: {failed}" if failed else ""
    sys.stderr.write(f"{PROG}: {len(counts)} tables, {rows:,} rows -> {args.output}{note}\n")


if __name__ == "__main__":
    main()
