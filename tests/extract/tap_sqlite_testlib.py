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
