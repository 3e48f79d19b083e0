"""Install the pinned npm packages that provide the Data Docs assets."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

NPM_CI_ARGS = ("ci", "--ignore-scripts", "--no-audit", "--no-fund")
STAMP_NAME = ".docs-offline-lock.sha256"
# orchestrate/cutover/docs_offline/npm.py -> repository root
DEFAULT_ASSETS_DIR = Path(__file__).resolve().parents[3] / "expectations" / "docs_assets"


class NpmError(RuntimeError):
    """npm is missing or `npm ci` failed."""


def lock_digest(assets_dir: Path) -> str:
    """Hash of package.json + package-lock.json: what node_modules must have been built from."""
    digest = hashlib.sha256()
    for name in ("package.json", "package-lock.json"):
        path = assets_dir / name
        if not path.is_file():
            raise NpmError(f"{path} is missing; cannot install Data Docs assets")
        digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _is_current(node_modules: Path, digest: str) -> bool:
    stamp = node_modules / STAMP_NAME
    return stamp.is_file() and stamp.read_text().strip() == digest


def _run_npm_ci(assets_dir: Path) -> None:
    npm = shutil.which("npm")
    if npm is None:
        raise NpmError(
            "npm not found on PATH: install Node.js + npm (e.g. `apt-get install -y npm`) "
            "to vendor the Data Docs assets"
        )
    result = subprocess.run(
        [npm, *NPM_CI_ARGS], cwd=assets_dir, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        tail = "\n".join((result.stderr or result.stdout).strip().splitlines()[-15:])
        raise NpmError(f"`npm {' '.join(NPM_CI_ARGS)}` failed in {assets_dir}:\n{tail}")


def ensure_node_modules(assets_dir: Path) -> Path:
    """Run `npm ci` in assets_dir unless node_modules matches package-lock.json; return it."""
    assets_dir = Path(assets_dir).resolve()
    node_modules = assets_dir / "node_modules"
    digest = lock_digest(assets_dir)
    if not _is_current(node_modules, digest):
        _run_npm_ci(assets_dir)
        (node_modules / STAMP_NAME).write_text(digest + "\n")
    return node_modules
