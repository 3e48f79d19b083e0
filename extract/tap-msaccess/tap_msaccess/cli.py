"""Console entry point: the SDK CLI, with bad input reported as one line.

A missing or non-Access ``database``, a missing dependency (Node packages, mdbtools) and
data the tap cannot copy faithfully all end with exactly one stderr line such as
``tap-msaccess: error: database file not found: /path/x.mdb`` and exit code 1.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tap_msaccess.errors import AccessError
from tap_msaccess.reader import check_access_file
from tap_msaccess.tap import TapMSAccess

_NO_DATABASE_NEEDED = ("--help", "--about", "--version")
_ENV_DATABASE = "TAP_MSACCESS_DATABASE"


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
        AccessError: the database is not set or is not a readable Access file.
    """
    if any(arg in _NO_DATABASE_NEEDED for arg in args):
        return
    known, database = _configured_database(args)
    if not known:
        return
    if not database or not isinstance(database, str):
        msg = "setting 'database' is required (path to the .mdb/.accdb file)"
        raise AccessError(msg)
    check_access_file(database)


def main(argv: Sequence[str] | None = None) -> None:
    """Run ``tap-msaccess``; source problems end with one stderr line and exit 1."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        preflight(args)
        TapMSAccess.cli.main(args=args, prog_name=TapMSAccess.name)
    except AccessError as exc:
        sys.stderr.write(f"{TapMSAccess.name}: error: {exc}\n")
        sys.exit(1)


if __name__ == "__main__":
    main()
