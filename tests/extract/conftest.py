"""Fixtures for tap-sqlite tests: run the tap as a subprocess, parse its Singer output.

The tap executable is, in order: ``$TAP_SQLITE_EXECUTABLE``; the Meltano plugin
venv ``<repo>/.meltano/extractors/tap-sqlite/venv/bin/tap-sqlite``; ``tap-sqlite``
on PATH. Shared read-only fixtures live in ``<repo>/../shared/fixtures/sqlite``.

Fixtures: ``tap_executable`` (str), ``run_tap`` (callable returning a ``TapRun``),
``shared_sqlite`` (Path, skips when the shared folder is absent).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # tap_sqlite_testlib, any import mode

from tap_sqlite_testlib import (
    SHARED_SQLITE,
    TAP_TIMEOUT_SECONDS,
    RunTap,
    TapRun,
    find_tap_executable,
)


@pytest.fixture(scope="session")
def tap_executable() -> str:
    """Path of the tap-sqlite executable (fails with a hint when not installed)."""
    executable = find_tap_executable()
    if executable is None:
        pytest.fail(
            "tap-sqlite is not installed: run `meltano install` (or set "
            "TAP_SQLITE_EXECUTABLE to a tap-sqlite executable)"
        )
    return executable


@pytest.fixture(scope="session")
def run_tap(tap_executable: str, tmp_path_factory: pytest.TempPathFactory) -> RunTap:
    """Run the tap; ``run_tap(config, *extra_args, catalog=None, check=True)``.

    ``config`` is a dict written to a temp config file (``database`` may be a
    Path). ``catalog`` (dict) is passed with ``--catalog``. With ``check=True`` a
    non-zero exit fails the test with the tap's stderr. Returns a ``TapRun``.
    """

    def run(
        config: dict[str, Any],
        *extra_args: str,
        catalog: dict[str, Any] | None = None,
        check: bool = True,
    ) -> TapRun:
        work = tmp_path_factory.mktemp("tap-run")
        config_path = work / "config.json"
        config_path.write_text(json.dumps(config, default=str), encoding="utf-8")
        args = [tap_executable, "--config", str(config_path), *extra_args]
        if catalog is not None:
            catalog_path = work / "catalog.json"
            catalog_path.write_text(json.dumps(catalog), encoding="utf-8")
            args += ["--catalog", str(catalog_path)]
        proc = subprocess.run(
            args,
            capture_output=True,
            text=True,
            encoding="utf-8",
            check=False,
            timeout=TAP_TIMEOUT_SECONDS,
            cwd=work,
        )
        result = TapRun(proc.returncode, proc.stdout, proc.stderr)
        if check and proc.returncode != 0:
            pytest.fail(f"tap-sqlite exited {proc.returncode}:\n{proc.stderr[-4000:]}")
        if "--discover" not in extra_args:
            result.messages = [
                json.loads(line) for line in proc.stdout.splitlines() if line.strip()
            ]
        return result

    return run


@pytest.fixture(scope="session")
def shared_sqlite() -> Path:
    """The shared read-only SQLite fixtures folder (skips when absent)."""
    if not SHARED_SQLITE.is_dir():
        pytest.skip(f"shared SQLite fixtures not found at {SHARED_SQLITE}")
    return SHARED_SQLITE
