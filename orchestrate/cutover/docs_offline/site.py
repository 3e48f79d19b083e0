"""Make a Great Expectations Data Docs site render with no network access."""

from __future__ import annotations

import base64
import filecmp
import hashlib
import html
import os
import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .assets import ASSETS, Origin, Source, is_external, lookup
from .scan import Attr, StartTag, css_urls, fetched_attr_names, parse_html, srcset_urls, tag_attrs

VENDOR_DIR = Path("static", "vendor")
BUNDLED_DIR = Path(__file__).resolve().parent / "bundled"
_SRI_ALGORITHMS = ("sha256", "sha384", "sha512")


class OfflineDocsError(RuntimeError):
    """The site cannot be made to render offline."""


class UnmappedAssetError(OfflineDocsError):
    """External asset references that ASSETS has no local file for."""

    def __init__(self, problems: Iterable[tuple[Path, str]]) -> None:
        self.problems = sorted(set(problems))
        lines = [f"  {path}: {url}" for path, url in self.problems]
        super().__init__(
            f"{len(self.problems)} external asset reference(s) have no offline mapping "
            "(add them to cutover.docs_offline.assets.ASSETS):\n" + "\n".join(lines)
        )


@dataclass(frozen=True)
class OfflineReport:
    site_dir: Path
    files_rewritten: tuple[Path, ...]  # relative to site_dir
    assets_copied: tuple[Path, ...]  # relative to site_dir

    @property
    def changed(self) -> bool:
        return bool(self.files_rewritten or self.assets_copied)

    def summary(self) -> str:
        return (
            f"{self.site_dir}: rewrote {len(self.files_rewritten)} file(s), "
            f"copied {len(self.assets_copied)} asset(s)"
        )


@dataclass(frozen=True)
class _Edit:
    start: int
    end: int
    text: str


@dataclass
class _Plan:
    edits: dict[Path, list[_Edit]] = field(default_factory=dict)
    copies: dict[Path, tuple[Path, Path]] = field(default_factory=dict)  # dest -> (src, src root)
    unmapped: list[tuple[Path, str]] = field(default_factory=list)


@dataclass(frozen=True)
class _Resolver:
    site_dir: Path
    node_modules: Path

    def root(self, origin: Origin) -> Path:
        return {
            Origin.NPM: self.node_modules,
            Origin.SITE: self.site_dir,
            Origin.BUNDLED: BUNDLED_DIR,
        }[origin]

    def destination(self, source: Source) -> Path:
        if source.origin is Origin.NPM:
            return self.site_dir / VENDOR_DIR / source.path
        if source.origin is Origin.BUNDLED:
            return self.site_dir / VENDOR_DIR / "docs_offline" / source.path
        return self.site_dir / source.path

    @cache  # noqa: B019 - one resolver per make_site_offline call
    def vendored(self) -> dict[Path, Source]:
        """Destination in the site -> source, for every file this module copies there."""
        return {
            self.destination(src): src for src in ASSETS.values() if src.origin is not Origin.SITE
        }

    def source_file(self, source: Source) -> Path:
        path = self.root(source.origin) / source.path
        if not path.is_file():
            hint = " (run ensure_node_modules / `npm ci`)" if source.origin is Origin.NPM else ""
            raise OfflineDocsError(f"asset source {path} does not exist{hint}")
        return path


def _relative_url(target: Path, document: Path) -> str:
    return Path(os.path.relpath(target, document.parent)).as_posix()


class _DocumentPlanner:
    """Collects the edits for one HTML/CSS document and the files they need."""

    def __init__(self, document: Path, resolver: _Resolver, plan: _Plan) -> None:
        self.document = document
        self.resolver = resolver
        self.plan = plan

    def localize(self, url: str) -> tuple[str, Path] | None:
        """(relative URL, source file) for an external asset URL; None if not external/unmapped."""
        if not is_external(url):
            self._keep_vendored_copy_fresh(url)
            return None
        source = lookup(url)
        if source is None:
            self.plan.unmapped.append((self.document, url))
            return None
        dest = self.resolver.destination(source)
        src = self.resolver.source_file(source)
        if dest != src:
            self.plan.copies[dest] = (src, self.resolver.root(source.origin))
        return _relative_url(dest, self.document), src

    def _keep_vendored_copy_fresh(self, url: str) -> None:
        # Already rewritten by an earlier run: re-copy the file if it went missing or stale.
        parts = urlsplit(url)
        if parts.scheme or not parts.path:
            return
        dest = Path(os.path.normpath(self.document.parent / unquote(parts.path)))
        source = self.resolver.vendored().get(dest)
        if source is not None:
            src = self.resolver.source_file(source)
            self.plan.copies[dest] = (src, self.resolver.root(source.origin))

    def rewrite_css(self, css: str) -> str:
        edits = []
        for span in css_urls(css):
            local = self.localize(span.url)
            if local is not None:
                edits.append(_Edit(span.start, span.end, local[0]))
        return _apply(css, edits)

    def rewrite_tag(self, tag: StartTag) -> str:
        attrs = tag_attrs(tag.text)
        fetched = fetched_attr_names(tag.tag, attrs)
        edits: list[_Edit] = []
        local_files: list[Path] = []
        for attr in attrs:
            if attr.name in fetched:
                new_value = self._rewrite_url_attr(attr, local_files)
            elif attr.name == "style":
                new_value = self.rewrite_css(attr.value)
            else:
                continue
            if new_value != attr.value:
                edits.append(_Edit(attr.value_start, attr.value_end, f'"{html.escape(new_value)}"'))
        if edits:
            edits.extend(self._drop_sri(attrs, local_files, tag))
        return _apply(tag.text, edits)

    def _rewrite_url_attr(self, attr: Attr, local_files: list[Path]) -> str:
        spans = srcset_urls(attr.value) if attr.name == "srcset" else [(0, len(attr.value))]
        edits = []
        for start, end in spans:
            local = self.localize(attr.value[start:end])
            if local is not None:
                edits.append(_Edit(start, end, local[0]))
                local_files.append(local[1])
        return _apply(attr.value, edits)

    def _drop_sri(self, attrs: list[Attr], local_files: list[Path], tag: StartTag) -> list[_Edit]:
        # file:// pages cannot load crossorigin/integrity resources, so the check is done here,
        # against the local copy, and the attributes are removed.
        edits = []
        for attr in attrs:
            if attr.name == "integrity":
                for local in local_files:
                    _verify_integrity(attr.value, local, f"{self.document}: {tag.text}")
            if attr.name in ("integrity", "crossorigin"):
                edits.append(_Edit(_leading_space(tag.text, attr.start), attr.end, ""))
        return edits

    def plan_html(self, text: str) -> list[_Edit]:
        tags, styles = parse_html(text)
        edits = []
        for tag in tags:
            new = self.rewrite_tag(tag)
            if new != tag.text:
                edits.append(_Edit(tag.start, tag.start + len(tag.text), new))
        for block in styles:
            new = self.rewrite_css(block.text)
            if new != block.text:
                edits.append(_Edit(block.start, block.start + len(block.text), new))
        return edits

    def plan_css(self, text: str) -> list[_Edit]:
        new = self.rewrite_css(text)
        return [_Edit(0, len(text), new)] if new != text else []


def _leading_space(text: str, index: int) -> int:
    while index > 0 and text[index - 1].isspace():
        index -= 1
    return index


def _apply(text: str, edits: list[_Edit]) -> str:
    for edit in sorted(edits, key=lambda e: e.start, reverse=True):
        text = text[: edit.start] + edit.text + text[edit.end :]
    return text


def _verify_integrity(integrity: str, local: Path, where: str) -> None:
    data = local.read_bytes()
    for token in integrity.split():
        algorithm, _, expected = token.partition("-")
        if algorithm in _SRI_ALGORITHMS:
            actual = base64.b64encode(hashlib.new(algorithm, data).digest()).decode()
            if actual == expected.split("?")[0]:
                return
    raise OfflineDocsError(f"{where}: local copy {local} does not match integrity {integrity!r}")


def _documents(site_dir: Path) -> list[Path]:
    vendor = site_dir / VENDOR_DIR
    pages = [p for pattern in ("*.html", "*.htm") for p in site_dir.rglob(pattern)]
    styles = [p for p in site_dir.rglob("*.css") if not p.is_relative_to(vendor)]
    return sorted(p for p in pages + styles if p.is_file())


def _plan(site_dir: Path, node_modules: Path) -> _Plan:
    plan = _Plan()
    resolver = _Resolver(site_dir, node_modules)
    for document in _documents(site_dir):
        text = document.read_bytes().decode("utf-8")
        planner = _DocumentPlanner(document, resolver, plan)
        is_css = document.suffix == ".css"
        edits = planner.plan_css(text) if is_css else planner.plan_html(text)
        if edits:
            plan.edits[document] = edits
    return plan


def _css_dependencies(css_file: Path, root: Path) -> list[tuple[str, Path]]:
    """Local files a vendored stylesheet loads (fonts, images, @imports) as (url path, file)."""
    deps = []
    for span in css_urls(css_file.read_text(encoding="utf-8", errors="replace")):
        parts = urlsplit(span.url)
        if is_external(span.url):
            raise OfflineDocsError(f"vendored {css_file} loads external {span.url}")
        if parts.scheme or not parts.path:  # data:, fragment-only (#id) references
            continue
        path = unquote(parts.path)
        target = (css_file.parent / path).resolve()
        if not target.is_relative_to(root.resolve()) or not target.is_file():
            raise OfflineDocsError(f"vendored {css_file} loads {span.url}, not found under {root}")
        deps.append((path, target))
    return deps


def _copy_tree_of(src: Path, dest: Path, root: Path, copied: list[Path], seen: set[Path]) -> None:
    if dest in seen:
        return
    seen.add(dest)
    if not (dest.is_file() and filecmp.cmp(src, dest, shallow=False)):
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dest)
        copied.append(dest)
    if src.suffix == ".css":
        for url_path, dep in _css_dependencies(src, root):
            dep_dest = Path(os.path.normpath(dest.parent / url_path))
            _copy_tree_of(dep, dep_dest, root, copied, seen)


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.docs-offline.tmp")
    tmp.write_bytes(text.encode("utf-8"))
    tmp.replace(path)


def make_site_offline(site_dir: Path, node_modules: Path) -> OfflineReport:
    """Vendor every CDN asset of a Data Docs site under static/vendor and point pages at it.

    Nothing is modified if any external asset reference has no mapping; then
    UnmappedAssetError lists each file and URL. Running it again on its output changes nothing.
    """
    site_dir = Path(site_dir).resolve()
    node_modules = Path(node_modules).resolve()
    if not (site_dir / "index.html").is_file():
        raise OfflineDocsError(f"{site_dir} has no index.html; is it a Data Docs site?")
    plan = _plan(site_dir, node_modules)
    if plan.unmapped:
        raise UnmappedAssetError((p.relative_to(site_dir), url) for p, url in plan.unmapped)
    copied: list[Path] = []
    seen: set[Path] = set()
    for dest, (src, root) in sorted(plan.copies.items()):
        _copy_tree_of(src, dest, root, copied, seen)
    for document, edits in sorted(plan.edits.items()):
        _write_atomically(document, _apply(document.read_bytes().decode("utf-8"), edits))
    return OfflineReport(
        site_dir=site_dir,
        files_rewritten=tuple(sorted(p.relative_to(site_dir) for p in plan.edits)),
        assets_copied=tuple(sorted(p.relative_to(site_dir) for p in copied)),
    )
