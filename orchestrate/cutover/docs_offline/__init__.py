"""Serve Great Expectations Data Docs without any CDN: vendor the assets from pinned npm packages.

Typical use::

    node_modules = ensure_node_modules(repo / "expectations" / "docs_assets")
    make_site_offline(site_dir, node_modules)

or ``python -m cutover.docs_offline <site_dir>``.
"""

from .assets import ASSETS, Origin, Source
from .npm import NpmError, ensure_node_modules
from .site import OfflineDocsError, OfflineReport, UnmappedAssetError, make_site_offline

__all__ = [
    "ASSETS",
    "NpmError",
    "OfflineDocsError",
    "OfflineReport",
    "Origin",
    "Source",
    "UnmappedAssetError",
    "ensure_node_modules",
    "make_site_offline",
]
