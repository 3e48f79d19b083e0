"""Where the project lives and which PostgreSQL it targets.

Every tool (target-postgres, dbt, GX, these commands) reads the same variables:
PG_HOST, PG_PORT, PG_USER, PG_PASSWORD, PG_DATABASE and optional PG_SSLMODE, from the
environment first and the project's `.env` second. `PG_EMBEDDED=1` marks settings that
`cutover pg start` wrote for the project's own embedded server.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from dotenv import dotenv_values

from cutover.errors import CutoverError

PG_VARIABLES = ("PG_HOST", "PG_PORT", "PG_USER", "PG_PASSWORD", "PG_DATABASE")


def project_root() -> Path:
    """The folder holding meltano.yml: from MELTANO_PROJECT_ROOT, the cwd, or this package."""
    explicit = os.environ.get("MELTANO_PROJECT_ROOT")
    if explicit:
        return Path(explicit).resolve()
    for start in (Path.cwd(), Path(__file__).resolve().parent):
        for folder in (start, *start.parents):
            if (folder / "meltano.yml").is_file():
                return folder
    raise CutoverError("cannot find the project: no meltano.yml in this folder or above it")


def dotenv_path(root: Path | None = None) -> Path:
    return (root or project_root()) / ".env"


def project_environment(root: Path | None = None) -> dict[str, str]:
    """The `.env` values overlaid with the process environment (which wins, as in Meltano)."""
    values = {k: v for k, v in dotenv_values(dotenv_path(root)).items() if v is not None}
    values.update(os.environ)
    return values


@dataclass(frozen=True)
class TargetSettings:
    host: str
    port: int
    user: str
    password: str
    database: str
    sslmode: str | None = None
    embedded: bool = False

    @classmethod
    def from_environment(cls, env: Mapping[str, str] | None = None) -> TargetSettings:
        env = project_environment() if env is None else env
        missing = [name for name in PG_VARIABLES if not env.get(name)]
        if missing:
            raise CutoverError(
                f"target PostgreSQL is not configured ({', '.join(missing)} unset): run "
                "`make pg-start` for the embedded server, or set them in .env (see .env.example)"
            )
        try:
            port = int(env["PG_PORT"])
        except ValueError:
            raise CutoverError(f"PG_PORT must be a number, got {env['PG_PORT']!r}") from None
        return cls(
            host=env["PG_HOST"],
            port=port,
            user=env["PG_USER"],
            password=env["PG_PASSWORD"],
            database=env["PG_DATABASE"],
            sslmode=env.get("PG_SSLMODE") or None,
            embedded=env.get("PG_EMBEDDED", "").lower() in {"1", "true", "yes"},
        )

    def environment(self) -> dict[str, str]:
        """The PG_* variables that name this target (what from_environment reads)."""
        env = {
            "PG_HOST": self.host,
            "PG_PORT": str(self.port),
            "PG_USER": self.user,
            "PG_PASSWORD": self.password,
            "PG_DATABASE": self.database,
        }
        if self.sslmode:
            env["PG_SSLMODE"] = self.sslmode
        return env

    def with_database(self, database: str) -> TargetSettings:
        """The same server and credentials, another database (scratch restores, tests)."""
        from dataclasses import replace

        return replace(self, database=database)

    def conninfo(self, database: str | None = None) -> str:
        """A libpq URI including the password: pass it to a driver, never print it."""
        auth = f"{quote(self.user, safe='')}:{quote(self.password, safe='')}"
        uri = f"postgresql://{auth}@{self.host}:{self.port}/{quote(database or self.database)}"
        return f"{uri}?sslmode={self.sslmode}" if self.sslmode else uri

    def describe(self) -> str:
        """Where we connect, safe for logs: no password."""
        kind = "embedded" if self.embedded else "external"
        return f"{self.user}@{self.host}:{self.port}/{self.database} ({kind})"
