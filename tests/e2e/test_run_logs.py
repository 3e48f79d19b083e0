"""Run logs of real Meltano commands: one file per run, per-table rows and timings, no secret.

The job's log comes from the session's `coldchain_job` when conftest points
CUTOVER_LOG_DIR into that pipeline's work folder (it does); otherwise this module runs the
job once itself, into a database and log folder of its own.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import pytest
from cutover.settings import TargetSettings

from tests.conftest import Pipeline, database_on, make_pipeline

pytestmark = pytest.mark.e2e

TABLES = ("users", "clients", "drivers", "vehicles", "orders", "dispatches", "alembic_version")
JOB_LOG = re.compile(r"migrate-coldchain_\d{8}T\d{6}Z\.log")
LINE_START = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (DEBUG|INFO|WARNING|ERROR) ")


@dataclass
class JobLogs:
    folder: Path
    pipeline: Pipeline
    result: subprocess.CompletedProcess[str]
    sample: Path

    @property
    def job_log(self) -> Path:
        (path,) = [p for p in self.folder.iterdir() if JOB_LOG.fullmatch(p.name)]
        return path

    @property
    def password(self) -> str:
        return self.pipeline.env["PG_PASSWORD"]


def _own_log_dir(pipeline: Pipeline) -> Path | None:
    configured = pipeline.env.get("CUTOVER_LOG_DIR")
    if configured and Path(configured).is_relative_to(pipeline.work):
        return Path(configured)
    return None


@pytest.fixture(scope="module")
def job_logs(
    request: pytest.FixtureRequest,
    pg_server: TargetSettings,
    coldchain_sample: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> JobLogs:
    probe = make_pipeline(pg_server, tmp_path_factory.mktemp("runlog-probe"))
    if _own_log_dir(probe) is not None:  # conftest gives each pipeline its own log folder
        job = request.getfixturevalue("coldchain_job")
        folder = _own_log_dir(job.pipeline)
        assert folder is not None
        return JobLogs(folder, job.pipeline, job.result, job.sample)
    pipeline = make_pipeline(
        database_on(pg_server, "cutover_runlog"), tmp_path_factory.mktemp("runlog-job")
    )
    folder = pipeline.work / "logs"
    pipeline.env["CUTOVER_LOG_DIR"] = str(folder)
    pipeline.env["TAP_SQLITE__COLDCHAIN_DATABASE"] = str(coldchain_sample)
    # A failing job must still leave its log: the log assertions do not need exit code 0.
    result = pipeline.meltano("run", "migrate-coldchain")
    return JobLogs(folder, pipeline, result, coldchain_sample)


def test_the_job_writes_exactly_one_log_named_after_it(job_logs):
    names = sorted(p.name for p in job_logs.folder.iterdir())
    assert [n for n in names if JOB_LOG.fullmatch(n)] == [job_logs.job_log.name], names


def test_every_line_is_timestamped_and_the_first_names_the_command(job_logs):
    lines = job_logs.job_log.read_text(encoding="utf-8").splitlines()
    assert "run log of `meltano run migrate-coldchain`" in lines[0]
    events = [line for line in lines if not line.startswith("    ")]  # continuation lines
    assert events and all(LINE_START.match(line) for line in events), [
        line for line in events if not LINE_START.match(line)
    ][:5]
    assert "\x1b[" not in "\n".join(lines)  # no colour codes


def test_every_table_has_its_row_count_and_timing(job_logs):
    text = job_logs.job_log.read_text(encoding="utf-8")
    expected = _source_counts(job_logs.sample)
    for table in TABLES:
        done = re.search(
            rf"tap-sqlite--coldchain +'{table}': done, (\d+) rows in (\d+\.\d+) s$",
            text,
            re.MULTILINE,
        )
        assert done, f"no per-table line for {table}"
        assert int(done.group(1)) == expected[table], table
        assert re.search(rf"METRIC record_count={done.group(1)} stream={table}$", text, re.M)
        assert re.search(rf"METRIC sync_duration=[\d.e-]+ stream={table} ", text), table


def test_dbt_model_lines_are_there(job_logs):
    text = job_logs.job_log.read_text(encoding="utf-8")
    for table in TABLES:
        assert re.search(
            rf" dbt +.*OK created sql \w+ model coldchain_next\.{table} .* in \d+\.\d+s\]", text
        ), table
    assert re.search(r" dbt +.*Done\. PASS=\d+ WARN=\d+ ERROR=0", text)
    assert re.search(r" meltano +Run completed +duration_seconds=", text)


def test_no_password_in_any_log_file(job_logs):
    password = job_logs.password.encode()
    files = [p for p in job_logs.folder.rglob("*") if p.is_file()]
    assert job_logs.job_log in files
    for path in files:
        assert password not in path.read_bytes(), path


def test_secret_in_plugin_output_is_masked_on_console_and_in_the_log(
    pg_server, coldchain_sample, tmp_path
):
    """The tap names its source file; put the password in that path and look for it.

    `meltano invoke` relays the plugin's stderr through Meltano's logging, as `run` does.
    """
    pipeline = make_pipeline(pg_server, tmp_path / "work")
    password = pipeline.env["PG_PASSWORD"]
    source = tmp_path / f"copy-{password}" / "coldchain.sqlite"
    source.parent.mkdir()
    shutil.copy(coldchain_sample, source)
    logs = tmp_path / "logs"
    result = pipeline.meltano(
        "invoke",
        "tap-sqlite--coldchain",
        "--discover",
        extra_env={"TAP_SQLITE__COLDCHAIN_DATABASE": str(source), "CUTOVER_LOG_DIR": str(logs)},
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    masked = str(source).replace(password, "***")
    assert password not in result.stderr
    assert f"Opening {masked} read-only" in result.stderr

    (log,) = logs.iterdir()
    assert re.fullmatch(r"invoke_tap-sqlite--coldchain_\d{8}T\d{6}Z\.log", log.name)
    text = log.read_text(encoding="utf-8")
    assert password not in text
    assert re.search(rf"tap-sqlite--coldchain +Opening {re.escape(masked)} read-only", text)


def _source_counts(sample: Path) -> dict[str, int]:
    with closing(sqlite3.connect(f"file:{sample}?mode=ro", uri=True)) as conn:
        return {t: conn.execute(f'select count(*) from "{t}"').fetchone()[0] for t in TABLES}
