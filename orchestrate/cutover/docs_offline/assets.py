# ruff: noqa: E501  (the ASSETS table keeps whole URLs on one line)
"""Where each CDN asset referenced by Great Expectations 1.24.1 Data Docs comes from offline.

The URLs are exactly those in GX's jinja templates (``render/view/templates/*.j2``) and its
inlined ``data_docs_default_styles.css``. Lookup ignores the scheme (http, https and
protocol-relative ``//`` are equivalent) and any query string or fragment, because GX appends
``?d=<timestamp>&dataContextId=<id>`` to the logo URL.

Sources:
- ``npm(...)``: a file in ``expectations/docs_assets/node_modules`` (versions pinned in its
  package-lock.json), copied to ``static/vendor/<same path>`` in the site.
- ``site(...)``: a file GX already copies into every site (``static/images/...``).
- ``bundled(...)``: a file shipped in this package's ``bundled/`` folder (no npm package has it),
  copied to ``static/vendor/docs_offline/<name>``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from types import MappingProxyType
from typing import Final
from urllib.parse import urlsplit


class Origin(Enum):
    NPM = "npm"
    SITE = "site"
    BUNDLED = "bundled"


@dataclass(frozen=True)
class Source:
    origin: Origin
    path: str  # POSIX path relative to the origin's root


def npm(path: str) -> Source:
    return Source(Origin.NPM, path)


def site(path: str) -> Source:
    return Source(Origin.SITE, path)


def bundled(path: str) -> Source:
    return Source(Origin.BUNDLED, path)


# One line per CDN URL, written exactly as GX writes it so it can be grepped.
ASSETS: Final = MappingProxyType(
    {
        # --- stylesheets (page.j2, page_minimal.j2, index_page.j2) ---
        "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": npm("bootstrap/dist/css/bootstrap.min.css"),
        "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css": npm("bootstrap-table/dist/bootstrap-table.min.css"),
        # GX pins the filter-control CSS to 1.19.0 (its JS to 1.19.1); an npm alias keeps that exact.
        "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.css": npm("bootstrap-table-1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.css"),
        "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.min.css": npm("bootstrap-table-1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.min.css"),
        "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/bootstrap-datepicker.min.css": npm("bootstrap-datepicker/dist/css/bootstrap-datepicker.min.css"),
        "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/bootstrap-prefers-dark.css": npm("@forevolve/bootstrap-dark/dist/css/bootstrap-prefers-dark.css"),
        # Loads ../webfonts/fa-*.woff2|ttf; files a vendored CSS loads are copied along automatically.
        "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css": npm("@fortawesome/fontawesome-free/css/all.min.css"),
        # --- scripts (js_script_imports.j2) ---
        # GX floats vega on major versions; package-lock.json pins the newest 5.x / 5.x / 6.x.
        "https://cdn.jsdelivr.net/npm/vega@5": npm("vega/build/vega.min.js"),
        "https://cdn.jsdelivr.net/npm/vega-lite@5": npm("vega-lite/build/vega-lite.min.js"),
        "https://cdn.jsdelivr.net/npm/vega-embed@6": npm("vega-embed/build/vega-embed.min.js"),
        "https://code.jquery.com/jquery-3.7.1.min.js": npm("jquery/dist/jquery.min.js"),
        # Aliased: bootstrap 4.3.1 declares a popper.js ^1.14.7 peer, but GX loads 1.12.9.
        "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js": npm("popper.js-1.12.9/dist/umd/popper.min.js"),
        "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": npm("bootstrap/dist/js/bootstrap.min.js"),
        "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js": npm("bootstrap-table/dist/bootstrap-table.min.js"),
        "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/bootstrap-table-filter-control.min.js": npm("bootstrap-table/dist/extensions/filter-control/bootstrap-table-filter-control.min.js"),
        "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/bootstrap-datepicker.min.js": npm("bootstrap-datepicker/dist/js/bootstrap-datepicker.min.js"),
        # --- images (top_navbar.j2 builds this URL from a prefix; data_docs_default_styles.css) ---
        "https://great-expectations-web-assets.s3.us-east-2.amazonaws.com/logo-long.png": site("static/images/logo-long.png"),
        # Dark-mode navbar logo: in neither the GX wheel nor npm; see bundled/full_logo_dark.svg.
        "https://great-expectations-web-assets.s3.us-east-2.amazonaws.com/full_logo_dark.png": bundled("full_logo_dark.svg"),
    }
)  # fmt: skip


def url_key(url: str) -> str:
    """Normalise a URL for lookup in ASSETS: no scheme, query or fragment."""
    parts = urlsplit(url.strip())
    return f"//{parts.netloc.lower()}{parts.path}"


_BY_KEY: Final = MappingProxyType({url_key(url): source for url, source in ASSETS.items()})


def lookup(url: str) -> Source | None:
    return _BY_KEY.get(url_key(url))


def is_external(url: str) -> bool:
    """True for URLs that would leave the machine (anything with a host)."""
    return bool(urlsplit(url.strip()).netloc)
