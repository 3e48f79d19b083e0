"""Which source a system migrates from: read from its Meltano extractor, so the path or
server is configured in one place (extract/extractors.meltano.yml, or its env override).

A system's extractor is the one named `<tap>--<system>` (tap-sqlite--coldchain).
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import yaml

from cutover.errors import CutoverError
from cutover.settings import project_root
from cutover.sources.base import SourceReader

_KINDS = {
    "tap-sqlite": "sqlite",
    "tap-msaccess": "msaccess",
    "tap-mssql": "mssql",
    "tap-postgres": "postgres",
}
# Kinds whose reader needs the real password, not the ***** `meltano config print` shows.
_SECRET_KINDS = ("mssql", "msaccess", "postgres")


@dataclass(frozen=True)
class SourceConfig:
    system: str
    extractor: str
    kind: str
    settings: dict[str, object]


def extractor_for(system: str, root: Path | None = None) -> str:
    root = root or project_root()
    names: list[str] = []
    for path in sorted((root / "extract").glob("*.meltano.yml")):
        document = yaml.safe_load(path.read_text()) or {}
        names += [p["name"] for p in document.get("plugins", {}).get("extractors", [])]
    matches = [name for name in names if name.endswith(f"--{system}")]
    if len(matches) != 1:
        raise CutoverError(
            f"expected one extractor named <tap>--{system} in extract/*.meltano.yml, "
            f"found {matches or 'none'} (extractors: {', '.join(names)})"
        )
    return matches[0]


def source_config(system: str) -> SourceConfig:
    extractor = extractor_for(system)
    kind = _KINDS.get(extractor.split("--")[0])
    if kind is None:
        raise CutoverError(f"{extractor}: no source reader for this tap yet")
    command = [meltano_executable(), "config", "print", extractor]
    if kind in _SECRET_KINDS:
        command[2:2] = ["--unsafe"]
    if os.environ.get("MELTANO_ENVIRONMENT"):
        command[1:1] = ["--environment", os.environ["MELTANO_ENVIRONMENT"]]
    done = subprocess.run(command, cwd=project_root(), capture_output=True, text=True, check=False)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise CutoverError(f"cannot read {extractor}'s settings from Meltano: {last}")
    return SourceConfig(system, extractor, kind, json.loads(done.stdout))


def open_source(system: str, override: str | None = None) -> SourceReader:
    """The system's source, opened read-only; `override` replaces the configured path
    (its kind read from its first bytes; the extractor's other settings still apply)."""
    if override is None:
        config = source_config(system)
        kind, settings = config.kind, dict(config.settings)
    else:
        from cutover.scaffold.sources import detect_kind

        kind, settings = detect_kind(override).name, {}
        if kind == "msaccess" and system_configured(system):  # password, jet3_charset
            settings = dict(source_config(system).settings)
        settings["database"] = override
    database = settings.get("database")
    if kind in ("sqlite", "msaccess") and not database:
        raise CutoverError(f"{system}: the extractor has no `database` setting")
    if kind == "sqlite":
        from cutover.sources.sqlite import open_sqlite

        reader = open_sqlite(Path(str(database)))
        reader.batch_size = int(str(settings["batch_size"])) if settings.get("batch_size") else None
        return reader
    if kind == "msaccess":
        from cutover.sources.msaccess import AccessSource

        return AccessSource(
            Path(str(database)),
            password=str(settings.get("password") or "") or None,
            jet3_charset=str(settings.get("jet3_charset") or "") or None,
            batch_size=int(settings.get("batch_size") or 10_000),
            omit_calculated=settings.get("calculated_columns") == "omit",
        )
    if kind == "mssql":
        if override is not None:
            raise CutoverError(
                f"{system}: --source is a file path; a SQL Server source is configured by "
                "its extractor's settings (TAP_MSSQL__<SYSTEM>_HOST, ...)"
            )
        from cutover.sources.mssql import open_mssql

        return open_mssql(settings)
    if kind == "postgres":
        if override is not None:
            raise CutoverError(
                f"{system}: --source is a file path; a PostgreSQL source is configured by "
                "its extractor's settings (TAP_POSTGRES__<SYSTEM>_HOST, ...)"
            )
        from cutover.sources.postgres import open_postgres

        return open_postgres(settings)
    raise CutoverError(f"{system}: no source reader for {kind}")


def system_configured(system: str) -> bool:
    """True when extract/*.meltano.yml has the system's `<tap>--<system>` extractor."""
    try:
        extractor_for(system)
    except CutoverError:
        return False
    return True


def meltano_executable() -> str:
    """Meltano itself: beside this Python (project venv), else the project's venv (when run
    as a Meltano utility from its own venv), else PATH."""
    import shutil
    import sys

    for candidate in (
        Path(sys.executable).parent / "meltano",
        project_root() / ".venv" / "bin" / "meltano",
    ):
        if candidate.exists():
            return str(candidate)
    found = shutil.which("meltano")
    if found is None:
        raise CutoverError("meltano not found: run `make install` (or pass --source)")
    return found
