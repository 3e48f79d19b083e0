"""python -m cutover.docs_offline SITE_DIR [--assets-dir DIR] | --install-only"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from .npm import DEFAULT_ASSETS_DIR, NpmError, ensure_node_modules
from .site import OfflineDocsError, make_site_offline


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m cutover.docs_offline",
        description="Vendor the CDN assets of GX Data Docs so the site renders offline.",
    )
    parser.add_argument(
        "site_dir", type=Path, nargs="?", help="Data Docs site folder (has index.html)"
    )
    parser.add_argument(
        "--assets-dir",
        type=Path,
        default=Path(os.environ.get("DOCS_ASSETS_DIR", DEFAULT_ASSETS_DIR)),
        help="folder with package.json + package-lock.json (env DOCS_ASSETS_DIR)",
    )
    parser.add_argument(
        "--install-only", action="store_true", help="only run `npm ci` if node_modules is stale"
    )
    args = parser.parse_args(argv)
    if args.site_dir is None and not args.install_only:
        parser.error("site_dir is required unless --install-only is given")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse_args(argv)
    try:
        node_modules = ensure_node_modules(args.assets_dir)
        if args.install_only:
            print(node_modules)
            return 0
        report = make_site_offline(args.site_dir, node_modules)
    except (NpmError, OfflineDocsError) as error:
        print(f"docs_offline: {error}", file=sys.stderr)
        return 1
    print(report.summary())
    return 0


if __name__ == "__main__":
    sys.exit(main())
