"""Bad input through the real pipeline: one clear line naming the problem, no traceback wall."""

from __future__ import annotations

import pytest

from tests.conftest import free_port, make_pipeline

pytestmark = pytest.mark.e2e


def error_lines(output: str, marker: str) -> list[str]:
    return [line for line in output.splitlines() if marker in line]


@pytest.fixture
def pipeline(pg_server, tmp_path):
    return make_pipeline(pg_server, tmp_path)


def run_el(pipeline, **env: str):
    result = pipeline.meltano(
        "run", "tap-sqlite--coldchain", "target-postgres", extra_env=env, timeout=300
    )
    return result, result.stdout + result.stderr


def test_missing_source_file(pipeline, tmp_path):
    missing = tmp_path / "nowhere" / "dispatch.db"
    result, out = run_el(pipeline, TAP_SQLITE__COLDCHAIN_DATABASE=str(missing))
    assert result.returncode != 0
    assert "Traceback" not in out
    lines = error_lines(out, "tap-sqlite: error:")
    assert lines and all(f"database file not found: {missing}" in line for line in lines)


def test_file_that_is_not_sqlite(pipeline, tmp_path):
    bogus = tmp_path / "dispatch.db"
    bogus.write_text("id,name\n1,not a database\n")
    result, out = run_el(pipeline, TAP_SQLITE__COLDCHAIN_DATABASE=str(bogus))
    assert result.returncode != 0
    assert "Traceback" not in out
    lines = error_lines(out, "tap-sqlite: error:")
    assert lines and all(f"{bogus} is not a SQLite database" in line for line in lines)


def test_unreachable_target(pipeline, coldchain_sample):
    port = free_port()  # nothing listens there
    result, out = run_el(
        pipeline, TAP_SQLITE__COLDCHAIN_DATABASE=str(coldchain_sample), PG_PORT=str(port)
    )
    assert result.returncode != 0
    assert "Traceback" not in out
    lines = error_lines(out, "target-postgres: error:")
    assert len(lines) == 1
    assert f"cannot connect to PostgreSQL postgres@127.0.0.1:{port}/cutover_test" in lines[0]
    assert "Connection refused" in lines[0]
    assert pipeline.target.password not in out


def test_wrong_password_is_reported_without_the_password(pipeline, coldchain_sample):
    wrong = "not-the-password-" + "x" * 8
    result, out = run_el(
        pipeline, TAP_SQLITE__COLDCHAIN_DATABASE=str(coldchain_sample), PG_PASSWORD=wrong
    )
    assert result.returncode != 0
    assert "Traceback" not in out
    lines = error_lines(out, "target-postgres: error:")
    assert len(lines) == 1 and "password authentication failed" in lines[0]
    assert wrong not in out
