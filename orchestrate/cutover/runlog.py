"""Run logs: one plain, timestamped file per run, and no secret in any log line.

Two users:

* Meltano. The project's ``logging.yaml`` (read by every ``meltano`` command started in the
  project, setting ``cli.log_config``) builds its handlers from the factories below:
  :func:`meltano_console_handler` is Meltano's own default console output, unchanged;
  :func:`meltano_run_log_handler` writes the same events, one line each, to
  ``<log dir>/<job>_<UTC timestamp>.log`` for ``meltano run``/``invoke``/``el``/``elt``;
  :func:`meltano_redaction_filter` masks secrets on both.
* Our own commands (``cutover gate``, ``cutover switch``, ...): :func:`start_run_log`.

The log dir is ``$CUTOVER_LOG_DIR`` (relative to the project root if relative), else
``<project root>/logs``.

Redaction replaces with ``***``: the values (4+ characters) of environment variables, and of
``.env`` entries, whose names contain PASSWORD, PASSWD, SECRET, TOKEN, API_KEY or PRIVATE_KEY;
passwords in URLs (``scheme://user:pass@host``); values of secret-named keys in
``key=value`` text (libpq conninfo, query strings, ``PGPASSWORD=...``) and in JSON/dict
reprs (``"password": "..."``); values of secret-named keys in structlog event dicts.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import re
import shlex
import sys
import threading
import weakref
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import quote

from cutover.errors import CutoverError

LOG_DIR_ENV = "CUTOVER_LOG_DIR"
MASK = "***"
MIN_SECRET_LENGTH = 4

# Names of environment variables (and of keys in text and dicts) whose values are secrets.
SECRET_NAME = re.compile(r"PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY", re.IGNORECASE)
# Values that, though held by a secret-named variable, are flags rather than secrets.
_NOT_SECRETS = frozenset({"true", "false", "none", "null", "yes", "no"})

# Key names whose value is a secret, as written in text (lower case).
_KEYWORDS = (
    "password",
    "passwd",
    "secret",
    "token",
    "api_key",
    "apikey",
    "private_key",
    "privatekey",
)
_KEYWORD_RE = re.compile("|".join(_KEYWORDS), re.IGNORECASE)
_SINGLE = r"'(?:[^'\\]|\\.)*'"
_DOUBLE = r'"(?:[^"\\]|\\.)*"'
_ESCAPED_DOUBLE = r'\\"(?:[^"\\]|\\[^"])*\\"'  # a JSON string inside a JSON string
# scheme://user:PASSWORD@host (the user may be empty: redis://:pass@host)
_URL_PASSWORD = re.compile(r"://[^\s:/?#@'\"]*:(?P<secret>[^\s@'\"]+)(?=@)")
# Matched right after a keyword: the rest of the key, then `=` (password=..., PGPASSWORD=...,
# ?token=...&) or a closing quote and `:` ("password": "...", 'api_key': '...',
# \"password\": \"...\"), then the value.
_ASSIGNMENT = re.compile(
    r"[A-Za-z0-9_.\-]*(?:\\?[\"']\s*:|\s*=)\s*"
    rf"(?P<secret>{_ESCAPED_DOUBLE}|{_DOUBLE}|{_SINGLE}|[^\s'\",;&)}}\]]+)"
)
_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])")


def _mask_value(value: str) -> str:
    """``***``, keeping the quotes of a quoted value."""
    for quote_ in ('\\"', '"', "'"):
        if len(value) >= 2 * len(quote_) and value.startswith(quote_) and value.endswith(quote_):
            return f"{quote_}{MASK}{quote_}"
    return MASK


def _secret_spans(text: str) -> list[tuple[int, int]]:
    """Where ``text`` holds a URL password or the value of a secret-named key."""
    spans: list[tuple[int, int]] = []
    if "://" in text:
        spans += [m.span("secret") for m in _URL_PASSWORD.finditer(text)]
    lowered = text.lower()
    if len(lowered) == len(text):  # str.find on the lower-cased copy: fast on long lines
        ends = [i + len(keyword) for keyword in _KEYWORDS for i in _find_all(lowered, keyword)]
    else:  # lower() changed the length (rare letters): positions would not line up
        ends = [m.end() for m in _KEYWORD_RE.finditer(text)]
    for end in ends:
        if match := _ASSIGNMENT.match(text, end):
            spans.append(match.span("secret"))
    return spans


def _find_all(text: str, word: str) -> Iterable[int]:
    at = text.find(word)
    while at != -1:
        yield at
        at = text.find(word, at + len(word))


def _mask_spans(text: str, spans: list[tuple[int, int]]) -> str:
    if not spans:
        return text
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    parts: list[str] = []
    last = 0
    for start, end in merged:
        parts += [text[last:start], _mask_value(text[start:end])]
        last = end
    parts.append(text[last:])
    return "".join(parts)


def _is_secret_value(value: str) -> bool:
    return len(value) >= MIN_SECRET_LENGTH and value.lower() not in _NOT_SECRETS


def _embedded_passwords(text: str) -> Iterable[str]:
    """Passwords written inside a value: URL userinfo and ``password=`` entries."""
    for start, end in _secret_spans(text):
        yield text[start:end].strip("'\"\\")


def _variants(value: str) -> set[str]:
    """A secret as it may be printed: raw, URL-encoded, JSON-escaped."""
    return {value, quote(value, safe=""), json.dumps(value)[1:-1]}


def _project_dotenv() -> dict[str, str]:
    """The project's ``.env`` (PG_PASSWORD lives there for the embedded server)."""
    try:
        from dotenv import dotenv_values

        path = project_root() / ".env"
        if not path.is_file():
            return {}
        return {k: v for k, v in dotenv_values(path).items() if v is not None}
    except Exception:
        return {}


class Redactor:
    """Masks secrets in text and in structlog event dicts.

    The environment is re-read on every call (cheap) so a secret set after start-up is
    still masked; the project's ``.env`` is read once, when the redactor is made.
    """

    def __init__(self, *, dotenv: Mapping[str, str] | None = None) -> None:
        self._lock = threading.Lock()
        self._dotenv = dict(_project_dotenv() if dotenv is None else dotenv)
        self._extra: set[str] = set()
        self._known: frozenset[str] | None = None
        self._masked: tuple[str, ...] = ()

    def add_secret(self, value: str) -> None:
        """Always mask ``value`` (4+ characters), wherever it comes from."""
        if _is_secret_value(value):
            with self._lock:
                self._extra.add(value)

    def secrets(self) -> frozenset[str]:
        """Every value masked right now (environment, ``.env``, added ones)."""
        found: set[str] = set(self._extra)
        try:
            environment = dict(os.environ)
        except RuntimeError:  # changed by another thread while copied: once more
            environment = dict(os.environ)
        for source in (self._dotenv, environment):
            for name, value in source.items():
                if not value:
                    continue
                if SECRET_NAME.search(name):
                    found.add(value)
                if "://" in value or "=" in value:
                    found.update(_embedded_passwords(value))
        return frozenset(v for v in found if _is_secret_value(v))

    def _masked_values(self) -> tuple[str, ...]:
        current = self.secrets()
        with self._lock:
            if current != self._known:
                variants = {v for s in current for v in _variants(s) if _is_secret_value(v)}
                self._masked = tuple(sorted(variants, key=len, reverse=True))  # longest first
                self._known = current
            return self._masked

    def text(self, text: str) -> str:
        """``text`` with every secret masked."""
        return self._text(text, self._masked_values()) if text else text

    @staticmethod
    def _text(text: str, values: tuple[str, ...]) -> str:
        for value in values:
            if value in text:
                text = text.replace(value, MASK)
        return _mask_spans(text, _secret_spans(text))

    def value(self, value: Any, *, key: str | None = None) -> Any:
        """A copy of ``value`` (str, dict, list, tuple, dataclass) with secrets masked.

        Under a secret-named ``key`` any non-empty scalar is masked whole. Other objects
        are returned unchanged (the handlers mask the rendered line as well).
        """
        return self._value(value, key, self._masked_values())

    def _value(self, value: Any, key: str | None, values: tuple[str, ...]) -> Any:
        if key is not None and SECRET_NAME.search(key) and isinstance(value, str | int | float):
            return MASK if value != "" and not isinstance(value, bool) else value
        if isinstance(value, str):
            return self._text(value, values) if value else value
        if isinstance(value, Mapping):
            return {k: self._value(v, str(k), values) for k, v in value.items()}
        if isinstance(value, list | tuple) and not _is_exc_info(value):
            masked = [self._value(v, None, values) for v in value]
            return masked if isinstance(value, list) else tuple(masked)
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            changes = {
                f.name: self._value(getattr(value, f.name), f.name, values)
                for f in dataclasses.fields(value)
                if f.init
            }
            try:
                return dataclasses.replace(value, **changes)
            except Exception:
                return value
        return value

    def record(self, record: logging.LogRecord) -> None:
        """Mask ``record`` in place: its structlog event dict, or its formatted message."""
        if record in _masked_records:
            return
        if isinstance(record.msg, dict):
            # structlog (as Meltano sets it up) hands the whole event dict over as `msg`,
            # with positional arguments already merged into `event`.
            values = self._masked_values()
            record.msg = {
                k: v if k in _KEEP_KEYS else self._value(v, str(k), values)
                for k, v in record.msg.items()
            }
        else:
            try:
                message = record.getMessage()
            except Exception:
                message = None
            if message is not None:
                masked = self.text(message)
                if masked != message:
                    record.msg, record.args = masked, None
        # Exceptions stay as they are, so the console still renders them Meltano's way:
        # the handlers mask the rendered traceback.
        _masked_records.add(record)


# Records masked already (an attribute on the record would show in Meltano's JSON output).
_masked_records: weakref.WeakSet[logging.LogRecord] = weakref.WeakSet()

# Event dict entries left alone: exception info, which the formatters render (and the
# handlers then mask line by line).
_KEEP_KEYS = frozenset({"exc_info", "_record", "_from_structlog"})


def _is_exc_info(value: Sequence[Any]) -> bool:
    return (
        isinstance(value, tuple)
        and len(value) == 3
        and isinstance(value[0], type)
        and issubclass(value[0], BaseException)
    )


_shared: dict[str, Redactor] = {}
_making = threading.local()


def redactor() -> Redactor:
    """The process's redactor (made on first use)."""
    if "default" not in _shared:
        if getattr(_making, "active", False):
            # Reading .env logged something (python-dotenv warns about bad lines): mask
            # that record with the environment alone instead of recursing.
            if "environment" not in _shared:
                _shared["environment"] = Redactor(dotenv={})
            return _shared["environment"]
        _making.active = True
        try:
            _shared["default"] = Redactor()
        finally:
            _making.active = False
    return _shared["default"]


def redact(text: str) -> str:
    """``text`` with every secret masked, as written to the logs."""
    return redactor().text(text)


def register_secret(value: str) -> None:
    """Mask ``value`` in every log line of this process from now on."""
    redactor().add_secret(value)


class RedactingFilter(logging.Filter):
    """Masks secrets in each record (in place); never drops a record."""

    def __init__(self, redactor_: Redactor | None = None) -> None:
        super().__init__()
        self._redactor = redactor_

    @property
    def redactor(self) -> Redactor:
        return self._redactor or redactor()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            self.redactor.record(record)
        except Exception:  # redaction must never lose the line
            record.msg, record.args = MASK + " (log line withheld: redaction failed)", None
        return True


_STANDARD_ATTRIBUTES = frozenset(
    {
        *logging.LogRecord("", 0, "", 0, "", None, None).__dict__,
        "message",
        "asctime",
        "_logger",
        "_name",
    }
)


def _plain(value: Any) -> bool:
    """True for what :meth:`Redactor.value` masks completely (strings, numbers, containers)."""
    if value is None or isinstance(value, str | int | float | bool):
        return True
    if isinstance(value, Mapping):
        return all(_plain(k) and _plain(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return all(_plain(v) for v in value)
    return False


def rendered_needs_masking(record: logging.LogRecord) -> bool:
    """Whether a handler must mask the rendered line again.

    Not when the record was masked already and holds only what masking covers: then the
    rendered line is the masked text plus time, level and names. Tracebacks, stack info,
    ``extra`` attributes and other objects are masked once rendered.
    """
    if record not in _masked_records or record.exc_info or record.stack_info:
        return True
    if not _STANDARD_ATTRIBUTES.issuperset(record.__dict__):
        return True
    if isinstance(record.msg, dict):
        if record.msg.get("exc_info") or record.msg.get("stack"):
            return True
        return not all(
            _plain(v) for k, v in record.msg.items() if k not in {"_record", "_from_structlog"}
        )
    return False


class RedactingStreamHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """A StreamHandler whose rendered lines are masked too (tracebacks, extra fields)."""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        return redact(line) if rendered_needs_masking(record) else line


# --- the file format ----------------------------------------------------------------------

# Event dict entries that say where a line came from, not what happened: not written.
_META_KEYS = frozenset(
    {
        "event",
        "timestamp",
        "level",
        "logger",
        "logger_name",
        "name",
        "stdio",
        "consumer",
        "producer",
        "string_id",
        "cmd_type",
        "job_name",
        "run_id",
        "pid",
        "thread_name",
        "app_name",
        "plugin_logger",
        "stream_name",
        "metric_info",
        "plugin_exception",
        "exc_info",
        "exception",
        "stack",
        "_record",
        "_from_structlog",
        "_logger",
        "_name",
    }
)
_METRIC_LINE = re.compile(r"^METRIC:\s*(\{.*\})\s*$")
_NAME_WIDTH = 12
_CONTINUATION = "    "


def _timestamp(created: float) -> str:
    moment = datetime.fromtimestamp(created, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _scalar(value: Any) -> str:
    if isinstance(value, str):
        return value if value and not any(c.isspace() for c in value) else json.dumps(value)
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, Mapping | list | tuple):
        try:
            return json.dumps(value, default=str, separators=(",", ":"))
        except (TypeError, ValueError):
            return str(value)
    return str(value)


def _metric_text(metric: Mapping[str, Any]) -> str | None:
    """``METRIC record_count=2000 stream=orders`` from a singer-sdk metric point."""
    if "metric" not in metric or "value" not in metric:
        return None
    parts = [f"METRIC {metric['metric']}={_scalar(metric['value'])}"]
    tags = metric.get("tags")
    if isinstance(tags, Mapping):
        parts += [f"{k}={_scalar(v)}" for k, v in tags.items() if k not in {"pid", "context"} and v]
    return " ".join(parts)


def _event_text(event: str, metric_info: Any) -> str:
    if isinstance(metric_info, Mapping) and (text := _metric_text(metric_info)):
        return text
    if event.startswith("METRIC:") and (match := _METRIC_LINE.match(event)):
        try:
            metric = json.loads(match.group(1))
        except ValueError:
            return event
        if isinstance(metric, Mapping) and (text := _metric_text(metric)):
            return text
    return event


def _source(logger_name: str) -> str:
    """The plugin for a line Meltano relays (``meltano.plugin.stderr.<type>.<plugin>``)."""
    parts = logger_name.split(".", 4)
    if len(parts) == 5 and parts[:2] == ["meltano", "plugin"] and parts[2] in {"stderr", "stdout"}:
        return parts[4]
    return "meltano" if logger_name.startswith("meltano") else logger_name


def _exc_info(value: Any) -> tuple[type[BaseException], BaseException, TracebackType | None] | None:
    if isinstance(value, BaseException):
        return type(value), value, value.__traceback__
    if isinstance(value, tuple) and _is_exc_info(value):
        return value  # type: ignore[return-value]
    if value is True:
        current = sys.exc_info()
        if current[1] is not None:
            return current  # type: ignore[return-value]
    return None


class RunLogFormatter(logging.Formatter):
    """One line per event: ``<UTC time> <LEVEL> <source> <message> [key=value ...]``.

    ``source`` is the plugin for lines Meltano relays from a plugin (tap, target, dbt, gx),
    ``meltano`` for Meltano's own, the logger name otherwise. Colour codes are dropped;
    a multi-line message or traceback continues on indented lines.
    """

    def format(self, record: logging.LogRecord) -> str:
        extras: dict[str, Any] = {}
        details: list[str] = []
        exc = record.exc_info
        if isinstance(record.msg, dict):
            event_dict: dict[str, Any] = record.msg
            source = event_dict.get("name") or _source(record.name)
            message = _event_text(str(event_dict.get("event", "")), event_dict.get("metric_info"))
            if stream := event_dict.get("stream_name"):
                extras["stream"] = stream
            extras.update((k, v) for k, v in event_dict.items() if k not in _META_KEYS)
            if (plugin_exc := event_dict.get("plugin_exception")) is not None:
                kind = getattr(plugin_exc, "type", None)
                text = getattr(plugin_exc, "message", None)
                details.append(f"{kind}: {text}" if kind else str(plugin_exc))
            exc = exc or _exc_info(event_dict.get("exc_info"))
            for key in ("exception", "stack"):
                if isinstance(event_dict.get(key), str):
                    details.append(event_dict[key])
        else:
            source = record.name
            message = record.getMessage()
        if exc:
            details.append(self.formatException(exc))
        if record.stack_info:
            details.append(self.formatStack(record.stack_info))

        lines = _ANSI.sub("", message).rstrip().splitlines() or [""]
        head = f"{_timestamp(record.created)} {record.levelname:<8} {source:<{_NAME_WIDTH}} "
        first = head + lines[0].rstrip()
        if extras:
            first += "  " + " ".join(f"{k}={_scalar(v)}" for k, v in extras.items())
        rest = [_CONTINUATION + line.rstrip() for line in lines[1:]]
        for detail in details:
            rest += [_CONTINUATION + line.rstrip() for line in _ANSI.sub("", detail).splitlines()]
        return "\n".join([first.rstrip(), *rest])


class RunLogHandler(logging.FileHandler):
    """Writes a run log (formatted by :class:`RunLogFormatter`, masked), UTF-8.

    The file is made when the first line is written (``eager`` makes it at once), and
    starts with a line saying which command it logs.
    """

    def __init__(
        self,
        path: Path,
        *,
        command: str | None = None,
        about: str | None = None,
        eager: bool = False,
    ) -> None:
        self.command = command
        self.about = about
        self._first_line_at: float | None = None
        self._broken = False
        super().__init__(path, mode="a", encoding="utf-8", delay=True)
        self.setFormatter(RunLogFormatter())
        self.addFilter(RedactingFilter())
        if eager:
            self.acquire()
            try:
                self.stream = self._open()
            finally:
                self.release()

    @property
    def path(self) -> Path:
        return Path(self.baseFilename)

    def _open(self) -> Any:
        Path(self.baseFilename).parent.mkdir(parents=True, exist_ok=True)
        stream = super()._open()
        if stream.tell() == 0:
            what = f"`{self.command}`" if self.command else "this process"
            about = ", ".join(filter(None, [self.about, f"pid {os.getpid()}"]))
            at = self._first_line_at or datetime.now(UTC).timestamp()
            header = (
                f"{_timestamp(at)} {'INFO':<8} {'cutover':<{_NAME_WIDTH}} "
                f"run log of {what} ({about}); times are UTC, secrets are masked as ***"
            )
            stream.write(redact(header) + "\n")
            stream.flush()
        return stream

    def emit(self, record: logging.LogRecord) -> None:
        if self._broken:
            return
        if self.stream is None:
            if self._first_line_at is None:
                self._first_line_at = record.created
            try:
                self.stream = self._open()
            except OSError as error:  # say so once, and let the run go on
                self._broken = True
                print(f"cutover.runlog: cannot write {self.baseFilename}: {error}", file=sys.stderr)
                return
        super().emit(record)

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        return redact(line) if rendered_needs_masking(record) else line


# --- where and under which name ----------------------------------------------------------


def project_root() -> Path:
    """The project root: Meltano's active project, else ``cutover.settings.project_root()``."""
    project = _meltano_project()
    if project is not None:
        return Path(project.root)
    from cutover.settings import project_root as settings_project_root

    try:
        return settings_project_root()
    except Exception:
        return Path.cwd()


def log_dir() -> Path:
    """``$CUTOVER_LOG_DIR`` (relative to the project root), else ``<project root>/logs``."""
    configured = os.environ.get(LOG_DIR_ENV, "").strip()
    if configured:
        path = Path(configured).expanduser()
        return path if path.is_absolute() else project_root() / path
    return project_root() / "logs"


def utc_stamp(moment: datetime | None = None) -> str:
    """``YYYYmmddTHHMMSSZ``."""
    return (moment or datetime.now(UTC)).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def safe_name(name: str) -> str:
    """A file-name-safe form of ``name`` (``dbt:run`` -> ``dbt-run``)."""
    cleaned = re.sub(r"[^A-Za-z0-9._+\-]+", "-", name).strip("-.")
    return cleaned or "run"


def run_log_path(name: str, *, directory: Path | None = None) -> Path:
    """``<log dir>/<name>_<UTC timestamp>.log``; ``_<pid>`` is added if that file exists."""
    folder = directory or log_dir()
    stem = f"{safe_name(name)}_{utc_stamp()}"
    path = folder / f"{stem}.log"
    if path.exists():
        path = folder / f"{stem}_{os.getpid()}.log"
    return path


# Meltano's options that take a value (global ones, then `run`'s and `invoke`'s).
_VALUE_OPTIONS = frozenset(
    {
        "--log-level",
        "--log-format",
        "--log-config",
        "--environment",
        "--cwd",
        "--env-file",
        "--state-id-suffix",
        "--state-strategy",
        "--run-id",
        "--timeout",
        "--print-var",
        "--plugin-type",
        "--dump",
        "--catalog",
        "--state",
        "--database-uri",
        "--select",
        "--exclude",
        "--transform",
    }
)
_LOGGED_COMMANDS = frozenset({"run", "invoke", "el", "elt"})


def _split_command(argv: Sequence[str]) -> tuple[str | None, list[str]]:
    """Meltano's subcommand and its positional arguments, from ``sys.argv[1:]``."""
    command: str | None = None
    positional: list[str] = []
    skip = False
    for raw in argv:
        if skip:
            skip = False
            continue
        if command is not None and raw == "--":
            continue
        if raw.startswith("--"):
            option = raw.split("=", 1)[0].replace("_", "-")  # Meltano accepts --log_level
            skip = "=" not in raw and option in _VALUE_OPTIONS
            continue
        if raw.startswith("-") and len(raw) > 1:
            continue
        if command is None:
            command = raw
        else:
            positional.append(raw)
    return command, positional


def job_names(root: Path) -> set[str]:
    """Names of the jobs in ``meltano.yml`` and the files its ``include_paths`` match."""
    try:
        import yaml
    except ImportError:
        return set()

    def load(path: Path) -> dict[str, Any]:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError):
            return {}
        return data if isinstance(data, dict) else {}

    main = load(root / "meltano.yml")
    documents = [main]
    for pattern in main.get("include_paths") or []:
        documents += [load(p) for p in sorted(root.glob(str(pattern).removeprefix("./")))]
    names: set[str] = set()
    for document in documents:
        for job in document.get("jobs") or []:
            if isinstance(job, dict) and isinstance(job.get("name"), str):
                names.add(job["name"])
    return names


def run_log_name(argv: Sequence[str], jobs: Iterable[str] = ()) -> str | None:
    """The run log's name for ``meltano <argv>``, or None when the command gets no run log.

    * ``run <job> [<job> ...]``  -> ``<job>[+<job> ...]``
    * ``run <plugin> ...``       -> ``run_<first plugin>`` (``dbt:run`` -> ``dbt-run``)
    * ``invoke <plugin>[:cmd]``  -> ``invoke_<plugin>[-cmd]``
    * ``el``/``elt <tap> ...``   -> ``el_<tap>`` / ``elt_<tap>``
    * anything else (``install``, ``config``, ``state``, ``--version``, ...) -> None
    """
    command, positional = _split_command(argv)
    if command not in _LOGGED_COMMANDS:
        return None
    if not positional:
        return command
    known_jobs = set(jobs)
    if command == "run" and all(block in known_jobs for block in positional):
        return "+".join(positional)
    return f"{command}_{positional[0]}"


# --- Meltano: the factories logging.yaml names ---------------------------------------------


def _meltano_project() -> Any:
    """Meltano's active project in this process (set before Meltano reads logging.yaml)."""
    meltano_project = sys.modules.get("meltano.core.project")
    return getattr(getattr(meltano_project, "Project", None), "_default", None)


def _meltano_cli_settings() -> tuple[str, str]:
    """``cli.log_level`` and ``cli.log_format`` as Meltano resolved them for this command.

    Meltano ignores both once a logging.yaml is found, so the console handler applies them
    itself: ``--log-level``/``--log-format``, ``MELTANO_CLI_LOG_LEVEL``/``_FORMAT`` and
    ``cli:`` in meltano.yml work as before.
    """
    project = _meltano_project()
    if project is not None:
        try:
            return (
                str(project.settings.get("cli.log_level") or "info"),
                str(project.settings.get("cli.log_format") or "colored"),
            )
        except Exception:
            pass
    override: Mapping[str, Any] = {}
    try:
        from meltano.core.project_settings_service import ProjectSettingsService

        override = ProjectSettingsService.config_override
    except Exception:
        pass
    level = override.get("cli.log_level") or os.environ.get("MELTANO_CLI_LOG_LEVEL") or "info"
    log_format = (
        override.get("cli.log_format") or os.environ.get("MELTANO_CLI_LOG_FORMAT") or "colored"
    )
    return str(level), str(log_format)


def meltano_console_handler() -> logging.Handler:
    """Meltano's default console handler (stderr; its formatter, level and colours).

    Built from Meltano's own ``default_config`` for this command's ``cli.log_level`` and
    ``cli.log_format``, so the console looks exactly as without a logging.yaml; it also
    sets the root logger's level as that config would (the plugins' log level follows it).
    Rendered lines are masked as well.
    """
    from meltano.core.logging.utils import LogFormat, default_config

    level, log_format = _meltano_cli_settings()
    try:
        chosen = LogFormat(log_format)
    except ValueError:
        chosen = LogFormat.colored
    config = default_config(level, log_format=chosen)
    spec = dict(config["formatters"][chosen])
    factory = spec.pop("()")
    console = config["handlers"]["console"]
    handler = RedactingStreamHandler(sys.stderr)
    handler.setLevel(console["level"])
    handler.setFormatter(factory(**spec))
    logging.getLogger().setLevel(config["loggers"][""]["level"])
    return handler


def meltano_run_log_handler() -> logging.Handler:
    """The run log of this ``meltano`` command (see :func:`run_log_name`), else a no-op."""
    argv = sys.argv[1:]
    if _split_command(argv)[0] not in _LOGGED_COMMANDS:
        return logging.NullHandler()
    try:
        name = run_log_name(argv, job_names(project_root()))
        if name is None:
            return logging.NullHandler()
        command = redact(shlex.join(["meltano", *argv]))
        return RunLogHandler(run_log_path(name), command=command, about=_meltano_version())
    except Exception as error:  # a log file must never stop the pipeline
        print(f"cutover.runlog: no run log for this command: {error}", file=sys.stderr)
        return logging.NullHandler()


def _meltano_version() -> str | None:
    try:
        return f"meltano {metadata.version('meltano')}"
    except metadata.PackageNotFoundError:
        return None


def meltano_redaction_filter() -> logging.Filter:
    """The masking filter, also installed at record creation for the whole process.

    Meltano adds handlers of its own while it runs (the legacy ``elt.log`` of each
    extract/load block); masking each record as it is made covers those too.
    """
    install_record_redaction()
    return RedactingFilter()


_record_factory: dict[str, Any] = {}


def install_record_redaction() -> None:
    """Mask every log record of this process when it is created (idempotent)."""
    if "installed" in _record_factory:
        return
    previous = logging.getLogRecordFactory()

    def make_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        try:
            redactor().record(record)
        except Exception:
            record.msg, record.args = MASK + " (log line withheld: redaction failed)", None
        return record

    _record_factory["installed"] = previous
    logging.setLogRecordFactory(make_record)


# --- our own commands --------------------------------------------------------------------

_active: dict[str, Any] = {}


def start_run_log(name: str) -> Path:
    """Log this process to ``<log dir>/<name>_<UTC timestamp>.log``; returns the path.

    Adds a masking file handler (every level the root logger passes) to the root logger,
    and an INFO console handler printing just the message if the root logger has no
    handler yet. Lowers the root level to INFO if it is above, pinning handlers already
    there to the old level so they show what they showed. Idempotent: later calls return
    the first call's path.
    """
    if "path" in _active:
        return _active["path"]
    root = logging.getLogger()
    command = redact(shlex.join([Path(sys.argv[0]).name, *sys.argv[1:]])) if sys.argv else None
    path = run_log_path(name)
    try:
        handler = RunLogHandler(path, command=command, eager=True)
    except OSError as error:
        raise CutoverError(
            f"cannot write the run log {path}: {error.strerror or error} "
            f"(set {LOG_DIR_ENV} to a writable folder)"
        ) from None
    added: list[logging.Handler] = [handler]
    if not root.handlers:
        console = RedactingStreamHandler(sys.stderr)
        console.setLevel(logging.INFO)
        console.setFormatter(logging.Formatter("%(message)s"))
        console.addFilter(RedactingFilter())
        added.append(console)
    for item in added:
        root.addHandler(item)
    previous_level = root.level
    pinned: list[logging.Handler] = []
    if root.getEffectiveLevel() > logging.INFO:
        # Handlers already there keep showing what they showed: pin them to the old level.
        for existing in root.handlers:
            if existing not in added and existing.level == logging.NOTSET:
                existing.setLevel(root.getEffectiveLevel())
                pinned.append(existing)
        root.setLevel(logging.INFO)
    _active.update(path=handler.path, handlers=added, level=previous_level, pinned=pinned)
    return handler.path


def stop_run_log() -> None:
    """Undo :func:`start_run_log` (close the file, remove its handlers, restore the level)."""
    if "path" not in _active:
        return
    root = logging.getLogger()
    for handler in _active["handlers"]:
        root.removeHandler(handler)
        handler.close()
    for handler in _active["pinned"]:
        handler.setLevel(logging.NOTSET)
    root.setLevel(_active["level"])
    _active.clear()
