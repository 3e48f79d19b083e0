"""What a reviewer relies on: linted SQL and Python, and suites that match the contracts."""

from __future__ import annotations

import filecmp
import subprocess

import pytest

from tests.conftest import REPO_ROOT, make_pipeline

pytestmark = pytest.mark.e2e


def test_dbt_models_pass_sqlfluff_with_the_dbt_templater(pg_server, tmp_path):
    # The dbt templater compiles the project, and the cleaning macros ask the server's
    # version, so it needs a database: the session's.
    result = make_pipeline(pg_server, tmp_path).meltano("invoke", "sqlfluff:lint", timeout=600)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "[dbt templater] Project Compiled." in result.stdout
    assert "FAIL" not in result.stdout


def test_python_is_ruff_clean():
    for args in (["check"], ["format", "--check"]):
        result = subprocess.run(
            [str(REPO_ROOT / ".venv" / "bin" / "ruff"), *args, "orchestrate", "extract", "tests"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr


def test_committed_suites_match_the_dbt_contracts(pg_server, tmp_path):
    """`gx:suites` on the current contracts rewrites nothing: the JSON in git is current."""
    pipeline = make_pipeline(pg_server, tmp_path)
    parsed = pipeline.meltano("invoke", "dbt", "parse")
    assert parsed.returncode == 0, parsed.stdout[-3000:]
    result = pipeline.meltano("invoke", "gx:suites")
    assert result.returncode == 0, result.stdout + result.stderr
    # one suite per final table, plus each system's objects suite
    for line in (
        "coldchain: 0 suite(s) written, 8",
        "spc: 0 suite(s) written, 15",
        "lawfirm: 0 suite(s) written, 3",
        "routing: 0 suite(s) written, 9",
        "ecoanp: 0 suite(s) written, 9",
    ):
        assert f"{line} unchanged" in result.stdout, result.stdout
    committed = REPO_ROOT / "expectations" / "gx" / "expectations"
    regenerated = tmp_path / "expectations" / "gx" / "expectations"
    names = sorted(p.name for p in committed.glob("*.json"))
    assert len(names) == 8 + 15 + 3 + 9 + 9
    _, mismatch, errors = filecmp.cmpfiles(committed, regenerated, names, shallow=False)
    assert mismatch == [] and errors == []
