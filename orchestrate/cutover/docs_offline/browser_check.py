"""Prove in a real (Debian) Chromium that an offline Data Docs site renders with no network.

Every request that is not file:// (or an in-memory data:/blob: URL) is aborted and recorded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import ConsoleMessage, Page, Request, Route, sync_playwright
from playwright.sync_api import Error as PlaywrightError

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
LOCAL_SCHEMES = ("file:", "data:", "blob:", "about:")
TIMEOUT_MS = 30_000
NAVIGATION_TIMEOUT_MS = 10_000

# Versions the pinned npm packages provide; seeing them at runtime proves the scripts ran.
EXPECTED_SCRIPT_VERSIONS = {
    "jquery": "3.7.1",
    "bootstrap": "4.3.1",
    "bootstrap_table": "1.19.1",
}

_FACTS_JS = """
() => {
  const $ = window.jQuery;
  const style = (sel, prop) => {
    const el = document.querySelector(sel);
    return el ? getComputedStyle(el)[prop] : null;
  };
  const icon = document.querySelector('i.fas, i.far, i.fab');
  const faFaces = [...document.fonts]
    .filter(f => f.family.replace(/["']/g, '').startsWith('Font Awesome'))
    .filter(f => f.status === 'loaded')
    .map(f => `${f.family.replace(/["']/g, '')} ${f.weight}`);
  const btRows = [...document.querySelectorAll('.bootstrap-table table tbody tr')]
    .filter(tr => !tr.classList.contains('no-records-found'));
  const logo = document.querySelector('.navbar-brand img');
  const text = document.body.innerText;
  return {
    title: document.title,
    body_text_length: text.length,
    raw_template_markers: ['{{', '}}', '{%', '%}', '{#'].filter(m => text.includes(m)),
    versions: {
      jquery: $ ? $.fn.jquery : null,
      bootstrap: $ && $.fn.modal ? $.fn.modal.Constructor.VERSION : null,
      bootstrap_table: $ && $.fn.bootstrapTable ? $.fn.bootstrapTable.Constructor.VERSION : null,
      bootstrap_datepicker: $ && $.fn.datepicker ? 'loaded' : null,
      vega: window.vega ? window.vega.version : null,
      vega_lite: window.vegaLite ? window.vegaLite.version : null,
      vega_embed: window.vegaEmbed ? window.vegaEmbed.version : null,
    },
    // Only bootstrap.css makes .navbar a flexbox and .sticky-top sticky.
    navbar_display: style('.navbar', 'display'),
    sticky_top_position: style('.sticky-top', 'position'),
    bootstrap_table_rows: btRows.length,
    fa_icon_width: icon ? icon.getBoundingClientRect().width : 0,
    fa_icon_font_family: icon ? getComputedStyle(icon, '::before').fontFamily : null,
    fa_fonts_loaded: faFaces,
    logo_natural_width: logo ? logo.naturalWidth : 0,
  };
}
"""


@dataclass(frozen=True)
class PageRender:
    url: str
    screenshot: Path
    facts: dict[str, Any]

    def problems(self) -> list[str]:
        f = self.facts
        checks = {
            "bootstrap CSS not applied (.navbar is not flex)": f["navbar_display"] == "flex",
            "bootstrap CSS not applied (.sticky-top not sticky)": f["sticky_top_position"]
            == "sticky",
            "font-awesome webfont not loaded": bool(f["fa_fonts_loaded"]),
            "font-awesome icon has zero width": f["fa_icon_width"] > 0,
            "navbar logo image did not load": f["logo_natural_width"] > 0,
            f"raw template text on page: {f['raw_template_markers']}": not f[
                "raw_template_markers"
            ],
            "page is (nearly) empty": f["body_text_length"] > 200,
            "vega/vega-lite/vega-embed did not load": all(
                f["versions"][k] for k in ("vega", "vega_lite", "vega_embed")
            ),
            "bootstrap-datepicker did not load": bool(f["versions"]["bootstrap_datepicker"]),
        }
        for name, version in EXPECTED_SCRIPT_VERSIONS.items():
            checks[f"{name} {version} not running (got {f['versions'][name]})"] = (
                f["versions"][name] == version
            )
        return [f"{self.url}: {message}" for message, ok in checks.items() if not ok]


@dataclass
class RenderCheck:
    blocked_requests: list[str] = field(default_factory=list)
    failed_file_requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    navigation_errors: list[str] = field(default_factory=list)
    pages: list[PageRender] = field(default_factory=list)

    def problems(self) -> list[str]:
        found = [f"blocked request: {url}" for url in self.blocked_requests]
        found += [f"failed file request: {item}" for item in self.failed_file_requests]
        found += [f"console error: {text}" for text in self.console_errors]
        found += [f"page error: {text}" for text in self.page_errors]
        found += [f"navigation: {text}" for text in self.navigation_errors]
        for page in self.pages:
            found += page.problems()
        if not any(p.facts["bootstrap_table_rows"] > 0 for p in self.pages):
            found.append("no bootstrap-table rendered any rows")
        return found

    @property
    def ok(self) -> bool:
        return not self.problems()


def _validation_screenshot_path(screenshot: Path) -> Path:
    return screenshot.with_name(f"{screenshot.stem}-validation{screenshot.suffix or '.png'}")


def _instrument(page: Page, result: RenderCheck) -> None:
    def route(route: Route) -> None:
        url = route.request.url
        if url.startswith(LOCAL_SCHEMES):
            route.continue_()
        else:
            result.blocked_requests.append(url)
            route.abort("blockedbyclient")

    def request_failed(request: Request) -> None:
        if request.url.startswith("file:"):
            result.failed_file_requests.append(f"{request.url} ({request.failure})")

    def console(message: ConsoleMessage) -> None:
        if message.type == "error":
            result.console_errors.append(f"{message.text} @ {message.location.get('url', '')}")

    page.route("**/*", route)
    page.on("requestfailed", request_failed)
    page.on("console", console)
    page.on("pageerror", lambda error: result.page_errors.append(str(error)))


def _capture(page: Page, screenshot: Path) -> PageRender:
    page.wait_for_load_state("load")
    page.evaluate("() => document.fonts.ready.then(() => true)")
    screenshot.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(screenshot), full_page=True)
    return PageRender(url=page.url, screenshot=screenshot, facts=page.evaluate(_FACTS_JS))


def _open_first_validation(page: Page, result: RenderCheck) -> bool:
    """Click a row of the index's validation-results table, as a user would."""
    row = page.locator("tr.clickable-row[data-href*='validations/']").first
    try:
        row.wait_for(state="visible", timeout=NAVIGATION_TIMEOUT_MS)
        row.click()
        page.wait_for_url("**/validations/**", timeout=NAVIGATION_TIMEOUT_MS)
    except PlaywrightError as error:
        first_line = str(error).splitlines()[0]
        result.navigation_errors.append(
            f"could not open a validation result from the index: {first_line}"
        )
        return False
    return True


def check_offline_render(index_html: Path, screenshot: Path) -> RenderCheck:
    """Open index.html and one validation page with all non-file requests blocked.

    Screenshots go to `screenshot` and `<stem>-validation<suffix>` beside it.
    """
    if not CHROMIUM.exists():
        raise FileNotFoundError(
            f"{CHROMIUM} not found: run `make test` (installs Debian chromium) "
            "or `apt-get install -y chromium`"
        )
    result = RenderCheck()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=list(CHROMIUM_ARGS)
        )
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.set_default_timeout(TIMEOUT_MS)
            _instrument(page, result)
            page.goto(Path(index_html).resolve().as_uri(), wait_until="load")
            result.pages.append(_capture(page, Path(screenshot)))
            if _open_first_validation(page, result):
                result.pages.append(_capture(page, _validation_screenshot_path(Path(screenshot))))
        finally:
            browser.close()
    return result
