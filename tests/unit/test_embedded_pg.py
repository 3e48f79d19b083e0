"""The embedded default target: started and stopped by a project command, data kept."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import psycopg
import pytest
from dotenv import dotenv_values

from tests.conftest import REPO_ROOT, free_port

CUTOVER = REPO_ROOT / ".venv" / "bin" / "cutover"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A bare project folder: the commands find it by its meltano.yml."""
    (tmp_path / "meltano.yml").write_text("requires_meltano: '>=4.4,<5'\n")
    return tmp_path


def cutover(project: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PG_", "EMBEDDED_PG"))}
    clean.pop("MELTANO_PROJECT_ROOT", None)
    return subprocess.run(
        [str(CUTOVER), *args],
        cwd=project,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_start_stop_keeps_data_between_runs(project: Path):
    port = str(free_port())
    started = cutover(project, "pg", "start", EMBEDDED_PG_PORT=port)
    try:
        assert started.returncode == 0, started.stderr
        assert f"127.0.0.1:{port}/warehouse (embedded)" in started.stdout
        env = dotenv_values(project / ".env")
        assert env["PG_EMBEDDED"] == "1" and env["PG_PORT"] == port
        assert len(env["PG_PASSWORD"]) >= 24
        assert (project / ".env").stat().st_mode & 0o077 == 0  # only the owner reads it
        assert env["PG_PASSWORD"] not in started.stdout + started.stderr
        conninfo = f"postgresql://postgres:{env['PG_PASSWORD']}@127.0.0.1:{port}/warehouse"
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute("create table kept (x int); insert into kept values (42)")
            assert (
                conn.execute(
                    "select count(*) from pg_available_extensions where name = 'vector'"
                ).fetchone()[0]
                == 1
            )
        with pytest.raises(psycopg.OperationalError):
            psycopg.connect(conninfo.replace(env["PG_PASSWORD"], "wrong"), connect_timeout=5)

        assert cutover(project, "pg", "stop").returncode == 0
        assert "stopped" in cutover(project, "pg", "status").stdout
        assert (project / ".pgdata" / "PG_VERSION").is_file()

        assert cutover(project, "pg", "start").returncode == 0
        with psycopg.connect(conninfo) as conn:
            assert conn.execute("select x from kept").fetchone() == (42,)
    finally:
        cutover(project, "pg", "stop")


def test_configured_server_is_used_instead(project: Path):
    (project / ".env").write_text(
        "PG_HOST=db.example.internal\nPG_PORT=5432\nPG_USER=app\n"
        "PG_PASSWORD=secret-value\nPG_DATABASE=app\n"
    )
    result = cutover(project, "pg", "start")
    assert result.returncode == 0
    assert "app@db.example.internal:5432/app (external)" in result.stdout
    assert not (project / ".pgdata").exists()
    assert "secret-value" not in result.stdout + result.stderr


def test_port_taken_by_another_program_is_one_clear_line(project: Path):
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = cutover(project, "pg", "start", EMBEDDED_PG_PORT=str(port))
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"cutover: error: port {port} is already in use by another program: "
        "set EMBEDDED_PG_PORT in .env to a free port"
    )


def test_lost_env_with_existing_data_is_explained(project: Path):
    port = str(free_port())
    assert cutover(project, "pg", "start", EMBEDDED_PG_PORT=port).returncode == 0
    cutover(project, "pg", "stop", EMBEDDED_PG_PORT=port)
    (project / ".env").unlink()
    result = cutover(project, "pg", "start", EMBEDDED_PG_PORT=port)
    assert result.returncode == 1
    assert "has no PG_* settings" in result.stderr and "make pg-reset" in result.stderr
    assert "Traceback" not in result.stderr
