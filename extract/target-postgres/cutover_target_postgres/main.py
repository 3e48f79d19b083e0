"""Entry point: check the connection, then run meltanolabs-target-postgres with two fixes
(activate_version.py, exact_copy.py) and BATCH parquet files COPYed from Arrow (batch_copy.py)."""

from __future__ import annotations

import itertools
import json
import os
import sys
from pathlib import Path

INFO_FLAGS = {"--about", "--help", "--version", "-h"}


def _config(argv: list[str]) -> dict[str, object]:
    config: dict[str, object] = {}
    for flag, value in itertools.pairwise(argv):
        if flag == "--config" and value != "ENV":
            config.update(json.loads(Path(value).read_text()))
    return config


def _connection_problem(config: dict[str, object]) -> str | None:
    import psycopg

    if config.get("sqlalchemy_url"):
        return None  # a URL may name another driver or options; let the target handle it
    where = (
        f"{config.get('user')}@{config.get('host')}:{config.get('port', 5432)}"
        f"/{config.get('database')}"
    )
    try:
        psycopg.connect(
            host=str(config.get("host") or ""),
            port=int(config.get("port") or 5432),  # type: ignore[call-overload]
            user=str(config.get("user") or ""),
            password=str(config.get("password") or ""),
            dbname=str(config.get("database") or ""),
            connect_timeout=10,
        ).close()
    except psycopg.OperationalError as error:
        return f"cannot connect to PostgreSQL {where}: {_reason(error)}"
    return None


def _reason(error: Exception) -> str:
    """psycopg's message, shortened: 'Connection refused (is the server running ...?)'."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    if not lines:
        return type(error).__name__
    reason = lines[0].rsplit("failed: ", 1)[-1]
    if len(lines) > 1:
        reason += f" ({lines[1][0].lower()}{lines[1][1:]})"
    if os.environ.get("PG_EMBEDDED"):
        reason += "; the embedded server is started with `make pg-start`"
    return reason


def _drain_stdin() -> None:
    """Consume the tap's output so Meltano does not fail on a broken pipe."""
    if sys.stdin is None or sys.stdin.isatty():
        return
    while sys.stdin.buffer.read(1 << 20):
        pass


def main() -> None:
    argv = sys.argv[1:]
    if not INFO_FLAGS.intersection(argv):
        problem = _connection_problem(_config(argv))
        if problem:
            print(f"target-postgres: error: {problem}", file=sys.stderr, flush=True)
            _drain_stdin()
            sys.exit(1)
    from target_postgres.target import TargetPostgres

    from cutover_target_postgres import activate_version, batch_copy, exact_copy

    activate_version.install()
    exact_copy.install()
    batch_copy.install()
    TargetPostgres.cli()


if __name__ == "__main__":
    main()
