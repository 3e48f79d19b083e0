"""Run logs: secret masking (text, URLs, conninfo, JSON, structlog event dicts), the file
format, the file names Meltano commands get, and `start_run_log` for our own commands."""

from __future__ import annotations

import io
import logging
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import structlog
from cutover import runlog
from cutover.runlog import MASK, RedactingFilter, Redactor

from tests.conftest import REPO_ROOT

SECRET = "Zq8-uXv_w2kLp9"  # the shape of secrets.token_urlsafe
SECRET_VARIABLES = (
    "PG_PASSWORD",
    "DB_PASSWD",
    "APP_SECRET",
    "GITHUB_TOKEN",
    "SERVICE_API_KEY",
    "SSH_PRIVATE_KEY",
)


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No secret-named variable of the developer's shell leaks into the expectations."""
    import os

    for name in list(os.environ):
        if runlog.SECRET_NAME.search(name) or "://" in os.environ[name]:
            monkeypatch.delenv(name)
    return monkeypatch


@pytest.fixture
def redactor(clean_env: pytest.MonkeyPatch) -> Redactor:
    return Redactor(dotenv={})


# --- values of secret-named variables ------------------------------------------------------


@pytest.mark.parametrize("name", SECRET_VARIABLES)
def test_value_of_a_secret_named_variable_is_masked(redactor, clean_env, name):
    clean_env.setenv(name, SECRET)
    text = f"connecting with {SECRET} to somewhere; again:{SECRET}."
    assert redactor.text(text) == f"connecting with {MASK} to somewhere; again:{MASK}."


def test_variable_set_after_the_redactor_was_made_is_masked(redactor, clean_env):
    assert redactor.text(f"x {SECRET}") == f"x {SECRET}"
    clean_env.setenv("LATE_TOKEN", SECRET)
    assert redactor.text(f"x {SECRET}") == f"x {MASK}"


def test_dotenv_secrets_are_masked(clean_env):
    redactor = Redactor(dotenv={"PG_PASSWORD": SECRET, "PG_USER": "postgres"})
    assert redactor.text(f"user postgres, password {SECRET}") == f"user postgres, password {MASK}"


def test_other_variables_are_not_masked(redactor, clean_env):
    clean_env.setenv("PG_USER", "migration_admin")
    clean_env.setenv("PG_PASSWORD", SECRET)
    assert redactor.text("as migration_admin") == "as migration_admin"


def test_short_values_are_not_over_redacted(redactor, clean_env):
    clean_env.setenv("PG_PASSWORD", "abc")
    clean_env.setenv("FEATURE_TOKEN", "true")
    clean_env.setenv("EMPTY_SECRET", "")
    text = "table abc: 3 rows, cabc; enabled=true"
    assert redactor.text(text) == text


def test_secret_printed_url_encoded_or_json_escaped_is_masked(redactor, clean_env):
    tricky = 'p@ss"w/rd%1'
    clean_env.setenv("PG_PASSWORD", tricky)
    assert redactor.text("host=h p%40ss%22w%2Frd%251 ok") == f"host=h {MASK} ok"
    assert redactor.text('{"x": "p@ss\\"w/rd%1"}') == f'{{"x": "{MASK}"}}'


def test_password_inside_another_variable_is_masked_everywhere(redactor, clean_env):
    clean_env.setenv("MELTANO_DATABASE_URI", f"postgresql://meltano:{SECRET}@db:5432/meltano")
    assert redactor.text(f"retrying with {SECRET}") == f"retrying with {MASK}"


def test_registered_secret_is_masked(redactor):
    redactor.add_secret(SECRET)
    assert redactor.text(f"[{SECRET}]") == f"[{MASK}]"


# --- secrets written in text ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "postgresql://postgres:hunter22@127.0.0.1:5432/cutover",
            "postgresql://postgres:***@127.0.0.1:5432/cutover",
        ),
        ("redis://:s3cret-pw@cache:6379/0", "redis://:***@cache:6379/0"),
        (
            "uri=postgresql+psycopg://app:pa%40ss@db/x, next",
            "uri=postgresql+psycopg://app:***@db/x, next",
        ),
    ],
)
def test_password_in_url_is_masked(redactor, text, expected):
    assert redactor.text(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "host=127.0.0.1 port=5432 user=postgres password=hunter22 dbname=cutover",
            "host=127.0.0.1 port=5432 user=postgres password=*** dbname=cutover",
        ),
        ("password = 'with spaces' sslmode=disable", "password = '***' sslmode=disable"),
        ("PGPASSWORD=hunter22 pg_dump -Fc", "PGPASSWORD=*** pg_dump -Fc"),
        ("--db-password=hunter22 --verbose", "--db-password=*** --verbose"),
        ("GET /api?user=u&token=abc123&page=2", "GET /api?user=u&token=***&page=2"),
    ],
)
def test_password_in_conninfo_and_key_value_text_is_masked(redactor, text, expected):
    assert redactor.text(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            '{"host": "db", "user": "u", "password": "hunter22", "port": 5432}',
            '{"host": "db", "user": "u", "password": "***", "port": 5432}',
        ),
        ('{"password":"hunter22"}', '{"password":"***"}'),
        (
            "{'user': 'u', 'client_secret': 'abc', 'api_key': 'k-123'}",
            "{'user': 'u', 'client_secret': '***', 'api_key': '***'}",
        ),
        ('{"token": 123456, "n": 1}', '{"token": ***, "n": 1}'),
        (
            'config: "{\\"password\\": \\"hunter22\\", \\"x\\": 1}"',
            'config: "{\\"password\\": \\"***\\", \\"x\\": 1}"',
        ),
    ],
)
def test_password_in_json_and_dict_reprs_is_masked(redactor, text, expected):
    assert redactor.text(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "'orders': done, 2000 rows in 0.17 s",
        "05:46:06  33 of 42 OK created sql table model coldchain_next.orders [INSERT 0 1 in 0.1s]",
        'Inserting with SQL: COPY "t" ("id", "email", "hashed_password", "full_name") FROM STDIN',
        'METRIC: {"type":"counter","metric":"record_count","value":40,"tags":{"stream":"users"}}',
        "Data Docs: file:///tmp/work/expectations/gx/uncommitted/data_docs/local_site/index.html",
        "http://localhost:8080/docs and postgresql://postgres@127.0.0.1:5432/db",
        "Invalid password: must be at least 8 characters",
        "tokens left: 5; secret santa",
    ],
)
def test_message_without_a_secret_is_unchanged(redactor, text):
    assert redactor.text(text) == text


def test_masking_is_idempotent(redactor):
    once = redactor.text('password=hunter22 {"token": "x"} postgresql://u:pw12@h/d')
    assert redactor.text(once) == once


# --- structlog event dicts and records -----------------------------------------------------


def test_structlog_event_dict_is_masked(redactor, clean_env):
    clean_env.setenv("PG_PASSWORD", SECRET)
    event = {
        "event": f"connecting: host=db password={SECRET}",
        "name": "target-postgres",
        "password": "short",
        "config": {"database": {"user": "u", "password": "hunter22"}, "port": 5432},
        "args": [f"--password={SECRET}", "--verbose"],
        "dsn": f"postgresql://u:{SECRET}@db/x",
        "attempt": 2,
        "ok": True,
        "level": "info",
    }
    assert redactor.value(event) == {
        "event": f"connecting: host=db password={MASK}",
        "name": "target-postgres",
        "password": MASK,
        "config": {"database": {"user": "u", "password": MASK}, "port": 5432},
        "args": [f"--password={MASK}", "--verbose"],
        "dsn": f"postgresql://u:{MASK}@db/x",
        "attempt": 2,
        "ok": True,
        "level": "info",
    }


def test_event_dict_without_secret_is_unchanged(redactor):
    event = {
        "event": "Block run completed",
        "set_number": 0,
        "block_type": "ExtractLoadBlocks",
        "success": True,
        "err": None,
        "duration_seconds": 4.089,
        "metric_info": {"metric": "record_count", "value": 40, "tags": {"stream": "users"}},
    }
    assert redactor.value(event) == event


def _record(msg: object, *args: object) -> logging.LogRecord:
    return logging.LogRecord("meltano.test", logging.INFO, __file__, 1, msg, args or None, None)


def _structlog_record(event: dict) -> logging.LogRecord:
    """A record as structlog's ``wrap_for_formatter`` hands it to stdlib logging."""
    record = _record(dict(event))
    record._logger = logging.getLogger("meltano.test")
    record._name = "info"
    return record


def test_filter_masks_a_stdlib_record_with_arguments(redactor, clean_env):
    clean_env.setenv("PG_PASSWORD", SECRET)
    record = _record("connect to %s as %s", f"postgresql://u:{SECRET}@db/x", "u")
    assert RedactingFilter(redactor).filter(record) is True
    assert record.getMessage() == f"connect to postgresql://u:{MASK}@db/x as u"


def test_filter_masks_a_structlog_record_and_keeps_its_shape(redactor):
    record = _record({"event": "dsn password=hunter22", "name": "tap", "timestamp": "t"})
    RedactingFilter(redactor).filter(record)
    assert record.msg == {"event": f"dsn password={MASK}", "name": "tap", "timestamp": "t"}


def _structlog_logger(name: str) -> structlog.stdlib.BoundLogger:
    """A structlog logger wired like Meltano's (event dict handed to stdlib as the record)."""
    return structlog.wrap_logger(
        logging.getLogger(name),
        processors=[
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.stdlib.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        wrapper_class=structlog.stdlib.BoundLogger,
    )


def test_meltano_console_and_run_log_of_a_structlog_event(clean_env, tmp_path):
    from meltano.core.logging.formatters import console_log_formatter

    clean_env.setenv("PG_PASSWORD", SECRET)
    stdlib_logger = logging.getLogger("meltano.plugin.test-runlog")
    stdlib_logger.propagate = False
    stdlib_logger.setLevel(logging.INFO)
    console_out = io.StringIO()
    console = runlog.RedactingStreamHandler(console_out)
    console.setFormatter(console_log_formatter(colors=False))
    console.addFilter(RedactingFilter())
    path = tmp_path / "logs" / "run.log"
    file_handler = runlog.RunLogHandler(path, command="meltano run x")
    for handler in (console, file_handler):
        stdlib_logger.addHandler(handler)
    try:
        log = _structlog_logger(stdlib_logger.name)
        log.info("Opening %s", f"postgresql://u:{SECRET}@db/x", name="target-postgres")
        log.info("plain line", name="target-postgres", password=SECRET)
    finally:
        for handler in (console, file_handler):
            stdlib_logger.removeHandler(handler)
            handler.close()
    console_text, file_text = console_out.getvalue(), path.read_text()
    assert SECRET not in console_text and SECRET not in file_text
    assert re.search(
        r"\[info\s+\] target-postgres Opening postgresql://u:\*\*\*@db/x", console_text
    )
    assert re.search(r"INFO +target-postgres +Opening postgresql://u:\*\*\*@db/x", file_text)
    assert re.search(r"plain line +password=\*\*\*$", file_text, re.MULTILINE)


def test_console_output_without_secret_is_exactly_meltanos(redactor):
    from meltano.core.logging.formatters import console_log_formatter

    formatter = console_log_formatter(colors=False)
    event = {"event": "Environment 'dev' is active", "level": "info", "timestamp": "T"}
    plain = logging.StreamHandler(io.StringIO())
    plain.setFormatter(formatter)
    masked = runlog.RedactingStreamHandler(io.StringIO())
    masked.setFormatter(formatter)
    record = _structlog_record(event)
    expected = plain.format(record)
    RedactingFilter(redactor).filter(record)
    assert masked.format(record) == expected


def test_meltano_console_handler_renders_like_meltanos_default(clean_env):
    from meltano.core.logging.utils import LogFormat, default_config

    clean_env.setenv("MELTANO_CLI_LOG_FORMAT", "uncolored")
    root = logging.getLogger()
    level = root.level
    try:
        handler = runlog.meltano_console_handler()
        assert handler.level == logging.INFO and root.level == logging.INFO
    finally:
        root.setLevel(level)
    spec = dict(default_config("info", log_format=LogFormat.uncolored)["formatters"]["uncolored"])
    meltano_formatter = spec.pop("()")(**spec)
    event = {"event": "Block run completed", "success": True, "level": "info", "timestamp": "T"}
    assert handler.format(_structlog_record(event)) == meltano_formatter.format(
        _structlog_record(event)
    )


def test_record_factory_masks_records_for_handlers_without_the_filter(tmp_path):
    """Meltano adds handlers of its own (elt.log): masking at record creation covers them."""
    script = textwrap.dedent(
        f"""
        import logging, os, sys
        os.environ["APP_SECRET"] = {SECRET!r}
        from cutover.runlog import install_record_redaction
        install_record_redaction()
        install_record_redaction()
        handler = logging.StreamHandler(sys.stdout)
        logging.getLogger().addHandler(handler)
        logging.getLogger("x").warning("secret is %s", os.environ["APP_SECRET"])
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=tmp_path
    )
    assert result.stdout == f"secret is {MASK}\n"


# --- the file format ---------------------------------------------------------------------


def _format(msg: object, name: str = "meltano.core.x", level: int = logging.INFO) -> str:
    record = logging.LogRecord(name, level, __file__, 1, msg, None, None)
    record.created = 1_795_000_000.25
    return runlog.RunLogFormatter().format(record)


def test_file_line_of_a_relayed_plugin_line():
    line = _format(
        {
            "event": "'orders': done, 2000 rows in 0.17 s",
            "name": "tap-sqlite--coldchain",
            "stdio": "stderr",
            "cmd_type": "elb",
            "run_id": "0199",
            "level": "info",
            "timestamp": "2026-11-22T05:45:57.532Z",
        },
        name="meltano.plugin.stderr.extractors.tap-sqlite--coldchain",
    )
    assert line == (
        "2026-11-18T11:06:40.250Z INFO     tap-sqlite--coldchain "
        "'orders': done, 2000 rows in 0.17 s"
    )


def test_file_line_of_a_plugin_line_relayed_by_invoke_names_the_plugin():
    line = _format(
        {"event": "Opening x.sqlite", "stdio": "stderr", "cmd_type": "command"},
        name="meltano.plugin.stderr.extractors.tap-sqlite--coldchain",
    )
    assert line.endswith("INFO     tap-sqlite--coldchain Opening x.sqlite")


def test_file_line_of_meltanos_own_event_keeps_its_fields():
    line = _format({"event": "Block run completed", "success": True, "duration_seconds": 4.089})
    assert line.endswith("meltano      Block run completed  success=True duration_seconds=4.089")


def test_metric_lines_are_written_readably():
    tap = _format(
        {
            "event": 'METRIC: {"type":"timer","metric":"sync_duration","value":0.1112,'
            '"tags":{"stream":"orders","pid":1,"context":{},"status":"succeeded"}}',
            "name": "tap-sqlite--coldchain",
        }
    )
    assert tap.endswith("METRIC sync_duration=0.1112 stream=orders status=succeeded")
    target = _format(
        {
            "event": "METRIC",
            "name": "target-postgres",
            "metric_info": {"metric": "record_count", "value": 40, "tags": {"stream": "users"}},
        }
    )
    assert target.endswith("target-postgres METRIC record_count=40 stream=users")


def test_colour_codes_dropped_and_more_lines_indented():
    line = _format({"event": "\x1b[0m05:40:31  \x1b[32mCompleted\x1b[0m\nsecond", "name": "dbt"})
    assert line.splitlines() == [
        "2026-11-18T11:06:40.250Z INFO     dbt          05:40:31  Completed",
        "    second",
    ]


def test_exception_traceback_follows_on_indented_lines():
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.LogRecord("cutover.x", logging.ERROR, __file__, 1, "failed", None, None)
        record.exc_info = sys.exc_info()
    lines = runlog.RunLogFormatter().format(record).splitlines()
    assert lines[0].endswith("ERROR    cutover.x    failed")
    assert lines[-1] == "    ValueError: boom"
    assert all(line.startswith("    ") for line in lines[1:])


# --- file names ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "name"),
    [
        (["run", "migrate-coldchain"], "migrate-coldchain"),
        (
            ["--log-level", "debug", "run", "--full-refresh", "migrate-coldchain"],
            "migrate-coldchain",
        ),
        (
            ["--environment=ci", "run", "migrate-coldchain", "other-job"],
            "migrate-coldchain+other-job",
        ),
        (
            ["run", "tap-sqlite--coldchain", "target-postgres", "dbt:run"],
            "run_tap-sqlite--coldchain",
        ),
        (["run", "--run-id", "0199", "dbt:build-coldchain"], "run_dbt:build-coldchain"),
        (["invoke", "gx:validate-coldchain"], "invoke_gx:validate-coldchain"),
        (["--cwd", "/x", "invoke", "--print-var", "X", "dbt", "run"], "invoke_dbt"),
        (["el", "tap-x", "target-y"], "el_tap-x"),
        (["install"], None),
        (["config", "tap-sqlite", "list"], None),
        (["--version"], None),
        ([], None),
    ],
)
def test_run_log_name(argv, name):
    assert runlog.run_log_name(argv, {"migrate-coldchain", "other-job"}) == name


def test_file_names_are_safe_and_timestamped(clean_env, tmp_path):
    path = runlog.run_log_path("run_dbt:build-coldchain", directory=tmp_path)
    assert path.parent == tmp_path
    assert re.fullmatch(r"run_dbt-build-coldchain_\d{8}T\d{6}Z\.log", path.name)


def test_jobs_of_this_project_are_known():
    assert "migrate-coldchain" in runlog.job_names(REPO_ROOT)


def test_log_dir_from_the_environment_or_the_project(clean_env, tmp_path):
    (tmp_path / "meltano.yml").write_text("{}\n")
    clean_env.setenv("MELTANO_PROJECT_ROOT", str(tmp_path))
    clean_env.delenv("CUTOVER_LOG_DIR", raising=False)
    assert runlog.log_dir() == tmp_path / "logs"
    clean_env.setenv("CUTOVER_LOG_DIR", "var/run-logs")
    assert runlog.log_dir() == tmp_path / "var" / "run-logs"
    clean_env.setenv("CUTOVER_LOG_DIR", str(tmp_path / "elsewhere"))
    assert runlog.log_dir() == tmp_path / "elsewhere"


# --- our own commands ----------------------------------------------------------------------


def _run_python(script: str, **env: str) -> subprocess.CompletedProcess[str]:
    """``script`` in a fresh interpreter (its own root logger, no pytest capture)."""
    import os

    clean = {k: v for k, v in os.environ.items() if not runlog.SECRET_NAME.search(k)}
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO_ROOT,
        env={**clean, **env},
    )


def test_start_run_log(tmp_path):
    result = _run_python(
        """
        import logging
        from cutover.runlog import start_run_log
        path = start_run_log("gate-coldchain")
        assert start_run_log("something-else") == path  # once per process
        log = logging.getLogger("cutover.gate")
        log.info("checking %s as %s", "coldchain_next", "postgres")
        log.info("connecting with password=%s", "Zq8-uXv_w2kLp9")
        log.debug("not at INFO")
        print(path)
        """,
        CUTOVER_LOG_DIR=str(tmp_path / "logs"),
        PG_PASSWORD=SECRET,
    )
    path = Path(result.stdout.strip())
    assert path.parent == tmp_path / "logs"
    assert re.fullmatch(r"gate-coldchain_\d{8}T\d{6}Z\.log", path.name)
    # The console shows just the messages, masked.
    assert result.stderr == (
        f"checking coldchain_next as postgres\nconnecting with password={MASK}\n"
    )
    lines = path.read_text().splitlines()
    assert len(lines) == 3 and "run log of" in lines[0]
    assert re.fullmatch(
        r"\S+Z INFO     cutover\.gate checking coldchain_next as postgres", lines[1]
    )
    assert lines[2].endswith(f"cutover.gate connecting with password={MASK}")
    assert SECRET not in path.read_text()


def test_start_run_log_keeps_an_existing_console(tmp_path):
    result = _run_python(
        """
        import logging, sys
        logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
        from cutover.runlog import start_run_log
        start_run_log("switch-coldchain")
        logging.getLogger("cutover.switch").warning("renaming schemas")
        logging.getLogger("cutover.switch").info("in the file only")
        """,
        CUTOVER_LOG_DIR=str(tmp_path),
    )
    assert result.stderr == "WARNING renaming schemas\n"
    (path,) = tmp_path.glob("switch-coldchain_*.log")
    text = path.read_text()
    assert "renaming schemas" in text and "in the file only" in text


def test_unwritable_log_dir_warns_once_and_the_run_goes_on(tmp_path, capsys):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    handler = runlog.RunLogHandler(blocker / "migrate-coldchain_x.log", command="meltano run x")
    for _ in range(3):
        handler.handle(_record("a line"))
    handler.close()
    err = capsys.readouterr().err
    assert err.count("cutover.runlog: cannot write") == 1 and "Traceback" not in err


def test_start_run_log_in_an_unwritable_log_dir_is_one_clear_error(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    result = _run_python(
        """
        from cutover.errors import CutoverError
        from cutover.runlog import start_run_log
        try:
            start_run_log("gate-coldchain")
        except CutoverError as error:
            print(error)
        """,
        CUTOVER_LOG_DIR=str(blocker / "logs"),
    )
    assert result.stdout.startswith(f"cannot write the run log {blocker / 'logs'}/gate-coldchain_")
    assert "set CUTOVER_LOG_DIR to a writable folder" in result.stdout
