"""Console entry point: the SDK CLI, with bad input reported as one line.

A missing, unreadable or non-SQLite ``database`` is checked before singer-sdk
starts (and logs its start-up lines), so the user sees exactly one line such as
``tap-sqlite: error: database file not found: /path/x.db`` and exit code 1.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tap_sqlite.source import SourceError, check_database_file
from tap_sqlite.tap import TapSQLite

_NO_DATABASE_NEEDED = ("--help", "--about", "--version")
_ENV_DATABASE = "TAP_SQLITE_DATABASE"


def _config_arguments(args: Sequence[str]) -> list[str]:
    values = []
    for index, arg in enumerate(args):
        if arg == "--config" and index + 1 < len(args):
            values.append(args[index + 1])
        elif arg.startswith("--config="):
            values.append(arg.split("=", 1)[1])
    return values


def _configured_database(args: Sequence[str]) -> tuple[bool, Any]:
    """(known, value): ``known`` is False when a config file cannot be read."""
    config: dict[str, Any] = {}
    parse_env = False
    for value in _config_arguments(args):
        if value == "ENV":
            parse_env = True
            continue
        try:
            loaded = json.loads(Path(value).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False, None  # the SDK reports unreadable config files
        if isinstance(loaded, dict):
            config.update(loaded)
    if parse_env and os.environ.get(_ENV_DATABASE):
        config["database"] = os.environ[_ENV_DATABASE]
    return True, config.get("database")


def preflight(args: Sequence[str]) -> None:
    """Check the ``database`` setting before the SDK starts.

    Raises:
        SourceError: the database is not set or is not a readable SQLite file.
    """
    if any(arg in _NO_DATABASE_NEEDED for arg in args):
        return
    known, database = _configured_database(args)
    if not known:
        return
    if not database or not isinstance(database, str):
        msg = "setting 'database' is required (path to the SQLite file)"
        raise SourceError(msg)
    check_database_file(database)


def main(argv: Sequence[str] | None = None) -> None:
    """Run ``tap-sqlite``; source problems end with one stderr line and exit 1."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        preflight(args)
        TapSQLite.cli.main(args=args, prog_name=TapSQLite.name)
    except SourceError as exc:
        sys.stderr.write(f"{TapSQLite.name}: error: {exc}\n")
        sys.exit(1)


if __name__ == "__main__":
    main()
