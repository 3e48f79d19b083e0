"""Data Docs must render with no request leaving the machine (go/no-go for the cutover)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from cutover.docs_offline import (
    ASSETS,
    NpmError,
    OfflineDocsError,
    Origin,
    UnmappedAssetError,
    ensure_node_modules,
    make_site_offline,
)
from cutover.docs_offline.npm import STAMP_NAME, lock_digest

# Deliberately independent of the module's parser: a plain grep for what a browser would fetch.
_EXTERNAL_ASSET_RE = re.compile(
    r"""<(?:script|img|source|iframe)\b[^>]*\bsrc\s*=\s*["']?(?:https?:)?//"""
    r"""|<link\b[^>]*\bhref\s*=\s*["']?(?:https?:)?//"""
    r"""|url\(\s*["']?(?:https?:)?//"""
    r"""|@import\s+["'](?:https?:)?//""",
    re.IGNORECASE,
)
_LOCAL_REF_RE = re.compile(r"""(?:src|href)\s*=\s*"([^"#:]+)"|url\('([^':]+)'\)""")


def _html_pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def _snapshot(site: Path) -> dict[Path, tuple[bytes, int]]:
    return {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in site.rglob("*") if p.is_file()}


def _gx_template_cdn_urls() -> set[str]:
    import great_expectations

    view = Path(great_expectations.__file__).parent / "render" / "view"
    pattern = re.compile(
        r"""<(?:script|link|img)\b[^>]*\b(?:src|href)\s*=\s*"((?:https?:)?//[^"{]+)"|url\('(https?://[^']+)'\)"""
    )
    urls: set[str] = set()
    for path in [*view.glob("templates/*.j2"), *view.glob("static/styles/*.css")]:
        for match in pattern.finditer(path.read_text(encoding="utf-8")):
            urls.add(match.group(1) or match.group(2))
    return urls


def test_assets_cover_every_cdn_url_in_gx_templates() -> None:
    from cutover.docs_offline.assets import lookup

    template_urls = _gx_template_cdn_urls()
    assert len(template_urls) >= 15, template_urls
    assert not [url for url in template_urls if lookup(url) is None]
    # The logo URL is assembled in top_navbar.j2 from a prefix plus "logo-long.png".
    assert lookup(
        "https://great-expectations-web-assets.s3.us-east-2.amazonaws.com/logo-long.png?d=1"
    )


def test_npm_assets_exist_in_pinned_node_modules(node_modules: Path) -> None:
    lock = json.loads((node_modules.parent / "package-lock.json").read_text())
    assert lock["lockfileVersion"] == 3
    missing = [
        src.path
        for src in ASSETS.values()
        if src.origin is Origin.NPM and not (node_modules / src.path).is_file()
    ]
    assert missing == []
    versions = {
        name: lock["packages"][f"node_modules/{name}"]["version"]
        for name in ("bootstrap", "jquery")
    }
    assert versions == {"bootstrap": "4.3.1", "jquery": "3.7.1"}


def test_site_renders_offline_in_chromium(
    site_dir: Path, node_modules: Path, tmp_path: Path
) -> None:
    from cutover.docs_offline.browser_check import CHROMIUM, check_offline_render

    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: run `make test` (it installs Debian chromium)", pytrace=False
        )
    report = make_site_offline(site_dir, node_modules)
    assert Path("index.html") in report.files_rewritten
    assert report.assets_copied

    # DOCS_OFFLINE_SCREENSHOT_DIR keeps the screenshots (e.g. as CI artifacts) for a human.
    shots = Path(os.environ.get("DOCS_OFFLINE_SCREENSHOT_DIR") or tmp_path / "shots")
    screenshot = shots / "data-docs-index.png"
    check = check_offline_render(site_dir / "index.html", screenshot)

    assert check.blocked_requests == []
    assert check.failed_file_requests == []
    assert check.console_errors == []
    assert check.problems() == []
    index, validation = check.pages
    assert "/validations/cutover/customers/" in validation.url
    assert index.facts["navbar_display"] == "flex"  # bootstrap.css applied
    assert index.facts["bootstrap_table_rows"] >= 1  # bootstrap-table JS built the results table
    assert validation.facts["fa_icon_width"] > 0
    assert validation.facts["fa_fonts_loaded"]  # webfont came from static/vendor
    assert validation.facts["raw_template_markers"] == []
    for page in check.pages:
        assert page.screenshot.is_file()
        assert page.screenshot.stat().st_size > 20_000, "screenshot looks blank"


def test_no_external_asset_reference_remains(site_dir: Path, node_modules: Path) -> None:
    before = sum(bool(_EXTERNAL_ASSET_RE.search(p.read_text())) for p in _html_pages(site_dir))
    assert before == len(_html_pages(site_dir)), "GX output should start with CDN references"

    make_site_offline(site_dir, node_modules)

    for page in [*_html_pages(site_dir), *site_dir.glob("static/styles/*.css")]:
        assert not _EXTERNAL_ASSET_RE.search(page.read_text()), page
    index = (site_dir / "index.html").read_text()
    assert 'href="https://greatexpectations.io"' in index  # navigation links are kept
    assert "integrity=" not in index and "crossorigin=" not in index


def test_rewritten_references_resolve_at_every_depth(site_dir: Path, node_modules: Path) -> None:
    make_site_offline(site_dir, node_modules)
    depths = set()
    for page in _html_pages(site_dir):
        refs = [a or b for a, b in _LOCAL_REF_RE.findall(page.read_text())]
        vendored = [ref for ref in refs if "static/vendor/" in ref]
        assert len(vendored) >= 15, page
        for ref in vendored:
            assert (page.parent / ref).resolve().is_file(), f"{page}: {ref}"
        depths.add(len(page.relative_to(site_dir).parts))
    assert {
        1,
        3,
        6,
    } <= depths  # index, expectations/cutover/x, validations/cutover/customers/run/time/x
    fonts = site_dir / "static/vendor/@fortawesome/fontawesome-free/webfonts/fa-solid-900.woff2"
    assert fonts.is_file()


def test_second_run_is_a_no_op(site_dir: Path, node_modules: Path) -> None:
    first = make_site_offline(site_dir, node_modules)
    assert first.changed
    before = _snapshot(site_dir)

    second = make_site_offline(site_dir, node_modules)

    assert second.files_rewritten == () and second.assets_copied == ()
    assert _snapshot(site_dir) == before


def test_deleted_vendor_files_are_restored_on_rerun(site_dir: Path, node_modules: Path) -> None:
    make_site_offline(site_dir, node_modules)
    font = site_dir / "static/vendor/@fortawesome/fontawesome-free/webfonts/fa-solid-900.woff2"
    jquery = site_dir / "static/vendor/jquery/dist/jquery.min.js"
    font.unlink()
    jquery.write_text("stale")

    report = make_site_offline(site_dir, node_modules)

    assert report.files_rewritten == ()
    assert set(report.assets_copied) == {font.relative_to(site_dir), jquery.relative_to(site_dir)}
    assert jquery.read_bytes() == (node_modules / "jquery/dist/jquery.min.js").read_bytes()


def test_unknown_external_asset_fails_naming_file_and_url(
    site_dir: Path, node_modules: Path
) -> None:
    page = next(site_dir.glob("validations/**/*.html"))
    html = page.read_text()
    page.write_text(
        html.replace(
            "</head>", '<script src="https://cdn.example.com/tracker.js"></script></head>', 1
        )
    )
    index = site_dir / "index.html"
    index.write_text(
        index.read_text().replace(
            "</style>", "body{background:url(//img.example.org/bg.png)}</style>", 1
        )
    )
    before = _snapshot(site_dir)

    with pytest.raises(UnmappedAssetError) as raised:
        make_site_offline(site_dir, node_modules)

    message = str(raised.value)
    assert f"{page.relative_to(site_dir)}: https://cdn.example.com/tracker.js" in message
    assert "index.html: //img.example.org/bg.png" in message
    assert _snapshot(site_dir) == before, "nothing may change when the site cannot be made offline"


def test_tampered_vendored_file_fails_subresource_integrity(
    site_dir: Path, node_modules: Path, tmp_path: Path
) -> None:
    fake_modules = tmp_path / "node_modules"
    for source in ASSETS.values():
        if source.origin is Origin.NPM:
            target = fake_modules / source.path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes((node_modules / source.path).read_bytes())
    fonts = node_modules / "@fortawesome/fontawesome-free/webfonts"
    (fake_modules / "@fortawesome/fontawesome-free/webfonts").mkdir()
    for font in fonts.iterdir():
        (fake_modules / "@fortawesome/fontawesome-free/webfonts" / font.name).write_bytes(
            font.read_bytes()
        )
    (fake_modules / "bootstrap/dist/js/bootstrap.min.js").write_text("/* not bootstrap */")

    with pytest.raises(OfflineDocsError, match="does not match integrity"):
        make_site_offline(site_dir, fake_modules)


def _copy_manifests(assets_dir: Path, target: Path) -> None:
    for name in ("package.json", "package-lock.json"):
        (target / name).write_bytes((assets_dir / name).read_bytes())


def test_ensure_node_modules_skips_npm_when_stamp_matches(
    assets_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _copy_manifests(assets_dir, tmp_path)
    (tmp_path / "node_modules").mkdir()
    (tmp_path / "node_modules" / STAMP_NAME).write_text(lock_digest(tmp_path))
    monkeypatch.setenv("PATH", str(tmp_path / "no-bin"))

    assert ensure_node_modules(tmp_path) == tmp_path / "node_modules"


def test_ensure_node_modules_without_npm_says_so(
    assets_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _copy_manifests(assets_dir, tmp_path)
    (tmp_path / "node_modules").mkdir()
    (tmp_path / "node_modules" / STAMP_NAME).write_text("stale\n")
    monkeypatch.setenv("PATH", str(tmp_path / "no-bin"))

    with pytest.raises(NpmError, match=r"^npm not found on PATH") as raised:
        ensure_node_modules(tmp_path)
    assert "\n" not in str(raised.value)
