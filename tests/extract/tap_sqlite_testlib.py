"""Helpers for the tap-sqlite tests (imported by conftest.py and the tests)."""

from __future__ import annotations

import collections
import os
import shutil
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED_SQLITE = REPO_ROOT.parent / "shared" / "fixtures" / "sqlite"
MELTANO_TAP = REPO_ROOT / ".meltano" / "extractors" / "tap-sqlite" / "venv" / "bin"
AUDIT_STREAM = "_source_audit"
TAP_TIMEOUT_SECONDS = 600


def find_tap_executable() -> str | None:
    """Where the tap is installed, or None."""
    configured = os.environ.get("TAP_SQLITE_EXECUTABLE")
    if configured:
        return configured
    meltano_venv = MELTANO_TAP / "tap-sqlite"
    if meltano_venv.exists():
        return str(meltano_venv)
    return shutil.which("tap-sqlite")


@dataclass
class TapRun:
    """One finished tap run: exit code, raw streams and parsed Singer messages."""

    returncode: int
    stdout: str
    stderr: str
    messages: list[dict[str, Any]] = field(default_factory=list)

    @property
    def schemas(self) -> dict[str, dict[str, Any]]:
        """Last SCHEMA message per stream."""
        return {m["stream"]: m for m in self.messages if m["type"] == "SCHEMA"}

    @property
    def records(self) -> dict[str, list[dict[str, Any]]]:
        """RECORD payloads per stream, in emission order."""
        out: dict[str, list[dict[str, Any]]] = collections.defaultdict(list)
        for message in self.messages:
            if message["type"] == "RECORD":
                out[message["stream"]].append(message["record"])
        return dict(out)

    @property
    def record_counts(self) -> collections.Counter[str]:
        """Number of RECORD messages per stream."""
        return collections.Counter(m["stream"] for m in self.messages if m["type"] == "RECORD")

    @property
    def audit(self) -> dict[str, dict[str, Any]]:
        """``_source_audit`` records keyed by ``table_name``."""
        return {r["table_name"]: r for r in self.records.get(AUDIT_STREAM, [])}

    @property
    def stream_order(self) -> list[str]:
        """Streams in the order their SCHEMA messages were written."""
        return [m["stream"] for m in self.messages if m["type"] == "SCHEMA"]


RunTap = Callable[..., TapRun]


def open_read_only(path: Path) -> sqlite3.Connection:
    """Open a SQLite file without writing anything beside it."""
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True)


def source_row_counts(path: Path) -> dict[str, int]:
    """``count(*)`` of every user table and view (no sqlite_% except sqlite_sequence)."""
    connection = open_read_only(path)
    try:
        names = [
            name
            for (name, sql) in connection.execute(
                "SELECT name, coalesce(sql, '') FROM sqlite_master WHERE type IN ('table', 'view')"
            )
            if not sql.upper().startswith("CREATE VIRTUAL")
            and (not name.startswith("sqlite_") or name == "sqlite_sequence")
        ]
        return {
            name: connection.execute(
                'SELECT count(*) FROM "{}"'.format(name.replace('"', '""'))
            ).fetchone()[0]
            for name in names
        }
    finally:
        connection.close()


def directory_snapshot(directory: Path) -> dict[str, bytes]:
    """File name -> bytes of every file in ``directory`` (to prove nothing changed)."""
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir()) if p.is_file()}


def build_types_db(path: Path) -> Path:
    """A database with one table per type rule (see README "Type rules")."""
    connection = sqlite3.connect(path)
    connection.executescript(
        """
        CREATE TABLE text_in_int (id INTEGER PRIMARY KEY, qty INTEGER);
        INSERT INTO text_in_int VALUES (2, 'abc'), (1, 5), (3, NULL);

        CREATE TABLE numbers (id INTEGER PRIMARY KEY, price NUMERIC, n INTEGER);
        INSERT INTO numbers VALUES (1, 1, 9223372036854775807), (2, 2.5, -1);

        CREATE TABLE blobs (id INTEGER PRIMARY KEY, data BLOB);
        INSERT INTO blobs VALUES (1, x'00ff10'), (2, x''), (3, NULL);

        CREATE TABLE dates (id INTEGER PRIMARY KEY, created DATETIME, day DATE);
        INSERT INTO dates VALUES
            (1, '2024-01-02 03:04:05', '2024-01-02'),
            (2, '2024-01-02T03:04:05Z', '02/01/2024'),
            (3, 1700000000, 19723),
            (4, 1700000000.5, NULL);

        CREATE TABLE mixed (id INTEGER PRIMARY KEY, v TEXT, w);
        INSERT INTO mixed VALUES (1, 'plain', 7), (2, x'cafe', 'seven'),
                                 (3, 12, 0.25), (4, 1.5, x'01');

        CREATE TABLE bad_text (id INTEGER PRIMARY KEY, t TEXT);
        INSERT INTO bad_text VALUES (1, CAST(x'fffe41' AS TEXT)), (2, 'ok é');

        CREATE TABLE infinity (id INTEGER PRIMARY KEY, r REAL);
        INSERT INTO infinity VALUES (1, 1.5), (2, 9e999), (3, -9e999);

        CREATE TABLE empty_affinity (
            a INT, b VARCHAR(10), c REAL, d BLOB, e, f BOOLEAN, g DECIMAL(10,2),
            h DATE, i DOUBLE PRECISION, j CLOB
        );

        CREATE TABLE sparse (id INTEGER PRIMARY KEY, maybe INTEGER, note TEXT);
        INSERT INTO sparse VALUES (1, NULL, NULL), (2, NULL, NULL);

        CREATE TABLE no_pk (a TEXT);
        INSERT INTO no_pk (rowid, a) VALUES (10, 'ten'), (3, 'three'), (7, 'seven');

        CREATE TABLE rowid_named (rowid TEXT, b INTEGER);
        INSERT INTO rowid_named VALUES ('r1', 1), ('r2', 2);

        CREATE TABLE "my-table" (id INTEGER PRIMARY KEY, label TEXT);
        INSERT INTO "my-table" VALUES (1, 'dash');

        CREATE TABLE auto (id INTEGER PRIMARY KEY AUTOINCREMENT, v TEXT);
        INSERT INTO auto (v) VALUES ('a'), ('b'), ('c');
        DELETE FROM auto WHERE id = 3;

        CREATE TABLE wr (k1 TEXT, k2 INTEGER, v TEXT, PRIMARY KEY (k2, k1)) WITHOUT ROWID;
        INSERT INTO wr VALUES ('b', 2, 'x'), ('a', 2, 'y'), ('z', 1, 'w');

        CREATE TABLE null_pk (code TEXT PRIMARY KEY, v INTEGER);
        INSERT INTO null_pk VALUES (NULL, 1), (NULL, 2), ('c', 3);

        CREATE VIEW v_numbers AS SELECT id, price * 2 AS doubled FROM numbers;

        CREATE VIRTUAL TABLE docs USING fts5(body);
        INSERT INTO docs (body) VALUES ('hello world'), ('full text');
        """
    )
    connection.execute("INSERT INTO bad_text VALUES (3, ?)", ("a\x00b",))
    connection.commit()
    connection.close()
    return path
