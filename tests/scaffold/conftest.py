"""The scaffold tests' shared project copy (one `meltano install` per session)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import MELTANO, REPO_ROOT


@pytest.fixture(scope="session")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The checkout's tracked files in a scratch folder, with plugin venvs of its own.

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
