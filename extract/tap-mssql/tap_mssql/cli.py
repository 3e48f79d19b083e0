"""Console entry point: the SDK CLI, with bad input reported as one line.

Missing settings, an unreachable server, a failed login, a column the tap cannot copy
and a failed row-count self-check all end with exactly one stderr line such as
``tap-mssql: error: setting 'host' is required (...)`` and exit code 1.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tap_mssql.connection import ConnectionSettings
from tap_mssql.errors import MSSQLError
from tap_mssql.tap import TapMSSQL

_NO_SERVER_NEEDED = ("--help", "--about", "--version")
_ENV_PREFIX = "TAP_MSSQL_"
_PREFLIGHT_SETTINGS = ("host", "database", "characterset", "encryption", "tds_version")


def _config_arguments(args: Sequence[str]) -> list[str]:
    values = []
    for index, arg in enumerate(args):
        if arg == "--config" and index + 1 < len(args):
            values.append(args[index + 1])
        elif arg.startswith("--config="):
            values.append(arg.split("=", 1)[1])
    return values


def configured(args: Sequence[str]) -> dict[str, Any] | None:
    """The settings the preflight checks, or None when a config file cannot be read."""
    config: dict[str, Any] = {}
    parse_env = False
    for value in _config_arguments(args):
        if value == "ENV":
            parse_env = True
            continue
        try:
            loaded = json.loads(Path(value).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None  # the SDK reports unreadable config files
        if isinstance(loaded, dict):
            config.update(loaded)
    if parse_env:
        for name in _PREFLIGHT_SETTINGS:
            if os.environ.get(_ENV_PREFIX + name.upper()):
                config[name] = os.environ[_ENV_PREFIX + name.upper()]
    return config


def preflight(args: Sequence[str]) -> None:
    """Check the connection settings before the SDK starts.

    Raises:
        MSSQLError: a required setting is missing or a setting is invalid.
    """
    if any(arg in _NO_SERVER_NEEDED for arg in args):
        return
    config = configured(args)
    if config is not None:
        ConnectionSettings.from_config(config)


def main(argv: Sequence[str] | None = None) -> None:
    """Run ``tap-mssql``; problems end with one stderr line and exit 1."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        preflight(args)
        TapMSSQL.cli.main(args=args, prog_name=TapMSSQL.name)
    except MSSQLError as exc:
        sys.stderr.write(f"{TapMSSQL.name}: error: {exc}\n")
        sys.exit(1)


if __name__ == "__main__":
    main()
