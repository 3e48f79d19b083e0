"""Reuse of a table's profile between Meltano's discovery and the sync right after it.

`meltano run` starts the tap twice: `--discover`, then the sync. Both profile every table
with a full scan (schema.profile_columns), the second to type columns from the values it
is about to read. When the file is the one discovery scanned, that second scan only
repeats the first: on the benchmark's 1,000,000-row wide table it is about 1.3 s before
the first row is read. So the discovery's profile is kept for a few minutes, under a key
made of the file's identity (path, inode, size, modification and change times, and those
of its -wal/-journal sidecars) and the table's columns; any change to the file misses it.

A profile that no longer matches the values cannot pass silently: the read fails on a
value that does not fit its column's type (batches.BatchTypeError), or the loader's COPY
does. Set `profile_reuse_seconds` to 0 to scan at every start.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from tap_sqlite.discovery import SourceObject
from tap_sqlite.schema import ColumnProfile
from tap_sqlite.source import SIDECAR_SUFFIXES

KEY_VERSION = 1  # bump when the profile query or ColumnProfile changes


def _stat_key(path: Path) -> list[int] | None:
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return [stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns]


def file_key(path: Path) -> list[Any]:
    """What changes when the database file (or a sidecar) changes."""
    resolved = path.resolve()
    sidecars = [_stat_key(Path(f"{resolved}{suffix}")) for suffix in SIDECAR_SUFFIXES]
    return [str(resolved), _stat_key(resolved), sidecars]


class ProfileCache:
    """Profiles of one database file, in a JSON file of the temp folder."""

    def __init__(self, database: Path, max_age_seconds: float) -> None:
        """``max_age_seconds`` <= 0 disables reuse (every start scans)."""
        self.max_age = max_age_seconds
        self.file = file_key(database)
        digest = hashlib.sha256(str(self.file[0]).encode()).hexdigest()[:24]
        self.path = Path(tempfile.gettempdir()) / "tap-sqlite-profiles" / f"{digest}.json"

    def _key(self, obj: SourceObject) -> str:
        columns = [[c.name, c.declared_type] for c in obj.columns]
        raw = json.dumps([KEY_VERSION, self.file, obj.name, columns])
        return hashlib.sha256(raw.encode()).hexdigest()

    def _entries(self) -> dict[str, Any]:
        try:
            entries = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return {}
        return entries if isinstance(entries, dict) else {}

    def get(self, obj: SourceObject) -> tuple[int, list[ColumnProfile]] | None:
        """The kept profile of ``obj``, if the file is unchanged and it is recent."""
        if self.max_age <= 0:
            return None
        entry = self._entries().get(self._key(obj))
        if not entry or time.time() - float(entry.get("at", 0)) > self.max_age:
            return None
        try:
            profiles = [ColumnProfile(**p) for p in entry["profiles"]]
        except (KeyError, TypeError):
            return None
        if len(profiles) != len(obj.columns):
            return None
        return int(entry["row_count"]), profiles

    def put(self, obj: SourceObject, row_count: int, profiles: list[ColumnProfile]) -> None:
        """Keep ``obj``'s profile (expired entries are dropped on the way)."""
        if self.max_age <= 0:
            return
        now = time.time()
        entries = {
            key: entry
            for key, entry in self._entries().items()
            if isinstance(entry, dict) and now - float(entry.get("at", 0)) <= self.max_age
        }
        entries[self._key(obj)] = {
            "at": now,
            "row_count": row_count,
            "profiles": [p.as_dict() for p in profiles],
        }
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            partial = self.path.with_suffix(f".{os.getpid()}.tmp")
            partial.write_text(json.dumps(entries))
            partial.replace(self.path)
        except OSError:
            pass  # a cache that cannot be written only costs a scan
