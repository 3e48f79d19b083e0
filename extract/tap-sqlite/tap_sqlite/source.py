"""Open a SQLite file for reading without ever writing next to it.

Two paths:

* ``immutable``: no hot ``-journal`` and no non-empty ``-wal`` beside the file.
  The file is opened through a ``file:`` URI with ``mode=ro&immutable=1``, which
  makes SQLite skip locking and never create ``-wal``/``-shm``/``-journal`` files.
* ``temp-copy``: a ``-wal`` (non-empty) or a ``-journal`` sits beside the file.
  ``immutable=1`` would ignore it (committed WAL frames would be silently lost, a
  hot journal would not be rolled back), so the file and its sidecars are copied
  into a private temporary directory and the copy is opened normally: SQLite
  replays the WAL / rolls back the journal there, never beside the original.
"""

from __future__ import annotations

import atexit
import datetime as dt
import functools
import logging
import os
import shutil
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path

SQLITE_HEADER = b"SQLite format 3\x00"
SIDECAR_SUFFIXES = ("-wal", "-journal")

logger = logging.getLogger("tap-sqlite")

#: Decode TEXT as UTF-8 at C speed; invalid bytes become lone surrogates
#: (U+DC80..U+DCFF) that the value encoder detects and turns back into bytes.
TEXT_FACTORY = functools.partial(str, encoding="utf-8", errors="surrogateescape")


class SourceError(Exception):
    """A problem with the source database that is reported as one line."""


@dataclass(frozen=True)
class SourceFileInfo:
    """Identity of the original database file (for the audit stream)."""

    path: Path
    size_bytes: int
    mtime: str


def check_database_file(raw_path: str | os.PathLike[str]) -> Path:
    """Validate that ``raw_path`` is a readable SQLite file and return it absolute.

    Raises:
        SourceError: with a one-line, user-facing message.
    """
    # resolve(): SQLite itself follows symlinks, so sidecars sit beside the target.
    path = Path(raw_path).expanduser().resolve()
    if not path.exists():
        msg = f"database file not found: {path}"
        raise SourceError(msg)
    if path.is_dir():
        msg = f"{path} is a directory, not a SQLite database file"
        raise SourceError(msg)
    try:
        with path.open("rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
    except OSError as exc:
        msg = f"cannot read database file {path}: {exc.strerror or exc}"
        raise SourceError(msg) from exc
    if not header:
        msg = f"{path} is not a SQLite database (empty file)"
        raise SourceError(msg)
    if header != SQLITE_HEADER:
        msg = f"{path} is not a SQLite database (bad header)"
        raise SourceError(msg)
    return path


def existing_sidecars(path: Path) -> list[Path]:
    """Sidecar files that ``immutable=1`` would ignore (non-empty -wal, -journal)."""
    found = []
    for suffix in SIDECAR_SUFFIXES:
        sidecar = path.with_name(path.name + suffix)
        try:
            size = sidecar.stat().st_size
        except FileNotFoundError:
            continue
        except OSError as exc:
            msg = f"cannot inspect {sidecar}: {exc.strerror or exc}"
            raise SourceError(msg) from exc
        if suffix == "-wal" and size == 0:
            continue
        found.append(sidecar)
    return found


def file_info(path: Path) -> SourceFileInfo:
    """Size and modification time of the original file."""
    stat = path.stat()
    mtime = dt.datetime.fromtimestamp(stat.st_mtime, tz=dt.UTC)
    return SourceFileInfo(path=path, size_bytes=stat.st_size, mtime=mtime.isoformat())


class SourceDatabase:
    """A read-only connection to the source file (or to a private copy of it)."""

    def __init__(self, raw_path: str | os.PathLike[str]) -> None:
        """Check the file and open it; see the module docstring for the two paths."""
        self.path = check_database_file(raw_path)
        self.info = file_info(self.path)
        self._temp_dir: Path | None = None
        self._reader_uri = ""
        sidecars = existing_sidecars(self.path)
        try:
            if sidecars:
                self.open_mode = "temp-copy"
                self.connection = self._open_copy(sidecars)
            else:
                self.open_mode = "immutable"
                self.connection = self._open_immutable()
            self.connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.Error as exc:
            self.close()
            msg = f"cannot open {self.path} as a SQLite database: {exc}"
            raise SourceError(msg) from exc
        self.connection.text_factory = TEXT_FACTORY

    def _open_immutable(self) -> sqlite3.Connection:
        logger.info(
            "Opening %s read-only (mode=ro&immutable=1): no -wal/-journal beside it",
            self.path,
        )
        self._reader_uri = f"{self.path.as_uri()}?mode=ro&immutable=1"
        return sqlite3.connect(self._reader_uri, uri=True, isolation_level=None)

    def _open_copy(self, sidecars: list[Path]) -> sqlite3.Connection:
        self._temp_dir = Path(tempfile.mkdtemp(prefix="tap-sqlite-"))
        atexit.register(shutil.rmtree, self._temp_dir, ignore_errors=True)
        names = ", ".join(sidecar.name for sidecar in sidecars)
        logger.info(
            "Found %s beside %s: copying the database and its sidecar(s) to %s "
            "so SQLite replays/rolls back there, never beside the original",
            names,
            self.path,
            self._temp_dir,
        )
        copy = self._temp_dir / self.path.name
        try:
            shutil.copyfile(self.path, copy)
            for sidecar in sidecars:
                shutil.copyfile(sidecar, self._temp_dir / sidecar.name)
        except OSError as exc:
            msg = f"cannot copy {self.path} to a temporary directory: {exc}"
            raise SourceError(msg) from exc
        self._reader_uri = copy.as_uri()
        connection = sqlite3.connect(self._reader_uri, uri=True, isolation_level=None)
        connection.execute("PRAGMA query_only = ON")
        return connection

    @property
    def reader_uri(self) -> str:
        """The URI ``connection`` reads, for another read-only connection (parallel scans)."""
        return self._reader_uri

    def close(self) -> None:
        """Close the connection and remove the private copy, if any."""
        connection = getattr(self, "connection", None)
        if connection is not None:
            connection.close()
        if self._temp_dir is not None:
            shutil.rmtree(self._temp_dir, ignore_errors=True)
            self._temp_dir = None
