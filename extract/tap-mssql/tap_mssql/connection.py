"""Open the SQL Server connection with pymssql (FreeTDS DB-Library), read-only in spirit.

Every setting maps to one ``pymssql.connect`` argument (README "Settings"). Errors from
pymssql/FreeTDS arrive as multi-line byte strings: ``one_line`` turns them into one line
that names the server and login (never the password).
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tap_mssql.errors import MSSQLError

DEFAULT_PORT = 1433
DEFAULT_CHARSET = "utf8"
DEFAULT_LOGIN_TIMEOUT = 60
ENCRYPTION_LEVELS = ("default", "off", "request", "require")  # pymssql 2.4.6
TDS_VERSIONS = ("7.0", "7.1", "7.2", "7.3", "7.4")
APPNAME = "tap-mssql"

_DBLIB_PREFIX = re.compile(r"DB-Lib error message \d+, severity \d+:\s*", re.IGNORECASE)
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class ConnectionSettings:
    """What ``pymssql.connect`` needs, from the tap's config."""

    host: str
    database: str
    port: int = DEFAULT_PORT
    user: str | None = None
    password: str | None = None
    characterset: str = DEFAULT_CHARSET
    tds_version: str | None = None
    login_timeout: int = DEFAULT_LOGIN_TIMEOUT
    encryption: str | None = None
    appname: str = APPNAME  # what the server's session list shows

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> ConnectionSettings:
        """Settings from a tap config dict; raises MSSQLError naming a bad setting."""
        host = config.get("host")
        database = config.get("database")
        if not host:
            raise MSSQLError("setting 'host' is required (SQL Server host name or address)")
        if not database:
            raise MSSQLError("setting 'database' is required (the database to copy)")
        charset = str(config.get("characterset") or DEFAULT_CHARSET)
        check_charset(charset)
        encryption = config.get("encryption") or None
        if encryption is not None and encryption not in ENCRYPTION_LEVELS:
            msg = f"setting 'encryption' must be one of {', '.join(ENCRYPTION_LEVELS)}"
            raise MSSQLError(msg)
        tds_version = config.get("tds_version") or None
        if tds_version is not None and tds_version not in TDS_VERSIONS:
            msg = f"setting 'tds_version' must be one of {', '.join(TDS_VERSIONS)}"
            raise MSSQLError(msg)
        return cls(
            host=str(host),
            database=str(database),
            port=int(config.get("port") or DEFAULT_PORT),
            user=config.get("user") or None,
            password=config.get("password") or None,
            characterset=charset,
            tds_version=tds_version,
            login_timeout=int(config.get("login_timeout") or DEFAULT_LOGIN_TIMEOUT),
            encryption=encryption,
        )

    @property
    def label(self) -> str:
        """``user@host:port/database`` for messages (no password)."""
        who = f"{self.user}@" if self.user else ""
        return f"{who}{self.host}:{self.port}/{self.database}"

    def connect_kwargs(self) -> dict[str, Any]:
        """Keyword arguments of ``pymssql.connect``."""
        kwargs: dict[str, Any] = {
            "server": self.host,
            "port": str(self.port),
            "database": self.database,
            "charset": self.characterset,
            "login_timeout": self.login_timeout,
            "appname": self.appname,
            "autocommit": True,  # transactions are begun explicitly (snapshot reads)
        }
        if self.user:
            kwargs["user"] = self.user
        if self.password:
            kwargs["password"] = self.password
        if self.tds_version:
            kwargs["tds_version"] = self.tds_version
        if self.encryption:
            kwargs["encryption"] = self.encryption
        return kwargs


def check_charset(name: str) -> None:
    """``characterset`` must be a Python codec: pymssql decodes char data with it."""
    try:
        codecs.lookup(name)
    except LookupError as exc:
        msg = (
            f"setting 'characterset' {name!r} is not a known character set "
            "(pymssql decodes text with it; keep the default utf8)"
        )
        raise MSSQLError(msg) from exc


def one_line(exc: BaseException) -> str:
    """A pymssql/FreeTDS error as one readable line."""
    lines: list[str] = []
    for part in _flatten(exc.args or (str(exc),)):
        for line in _DBLIB_PREFIX.sub("", part).splitlines():
            line = _SPACES.sub(" ", line).strip().rstrip(".")
            if line and line not in lines:  # FreeTDS repeats its messages
                lines.append(line)
    return "; ".join(lines) or type(exc).__name__


def _flatten(args: Any) -> list[str]:
    """Text parts of pymssql's exception args: ``((20009, b'...'),)`` and the like."""
    if isinstance(args, bytes):
        return [args.decode("utf-8", "replace")]
    if isinstance(args, str):
        return [args]
    if isinstance(args, tuple | list):
        return [text for arg in args for text in _flatten(arg)]
    return []  # error numbers, severities


def connect(settings: ConnectionSettings) -> Any:
    """An open pymssql connection; raises MSSQLError with one line if it cannot."""
    import pymssql

    try:
        return pymssql.connect(**settings.connect_kwargs())
    except (pymssql.Error, ValueError) as exc:
        msg = f"cannot connect to SQL Server {settings.label}: {one_line(exc)}"
        raise MSSQLError(msg) from exc
