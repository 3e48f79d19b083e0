"""Locate asset references (URLs a browser fetches by itself) in HTML and CSS text."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from html import unescape
from html.parser import HTMLParser

# Attributes whose URL the browser fetches without user action. <a href> is navigation: ignored.
URL_ATTRS: dict[str, tuple[str, ...]] = {
    "script": ("src",),
    "img": ("src", "srcset"),
    "source": ("src", "srcset"),
    "iframe": ("src",),
    "embed": ("src",),
    "object": ("data",),
    "video": ("src", "poster"),
    "audio": ("src",),
    "track": ("src",),
    "input": ("src",),
    "image": ("href", "xlink:href"),
    "use": ("href", "xlink:href"),
}
FETCHED_LINK_RELS = frozenset(
    {
        "stylesheet",
        "icon",
        "apple-touch-icon",
        "mask-icon",
        "preload",
        "modulepreload",
        "prefetch",
        "manifest",
    }
)

_CSS_URL_RE = re.compile(
    r"""url\(\s*(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|(?P<bare>[^)"'\s]*))\s*\)"""
    r"""|@import\s+(?:"(?P<idq>[^"]*)"|'(?P<isq>[^']*)')""",
    re.IGNORECASE,
)
_ATTR_RE = re.compile(
    r"""(?P<name>[^\s"'>/=]+)(?:\s*=\s*(?P<value>"[^"]*"|'[^']*'|[^\s"'=<>`]+))?"""
)


@dataclass(frozen=True)
class Span:
    """A URL (already HTML-unescaped) and where its raw text sits in the scanned string."""

    url: str
    start: int
    end: int


def css_urls(css: str) -> Iterator[Span]:
    """url(...) and @import "..." references in CSS text."""
    for match in _CSS_URL_RE.finditer(css):
        for group in ("dq", "sq", "bare", "idq", "isq"):
            if match.group(group) is not None:
                yield Span(match.group(group), match.start(group), match.end(group))
                break


@dataclass(frozen=True)
class Attr:
    name: str  # lower-cased
    value: str  # unescaped, quotes removed
    start: int  # start of the attribute name within the tag text
    end: int  # end of the whole attribute (after value) within the tag text
    value_start: int  # span of the raw value including any quotes (empty when no value)
    value_end: int


def tag_attrs(tag_text: str) -> list[Attr]:
    """Attributes of a raw start tag like '<script src="x" defer>'."""
    body_start = re.match(r"<[^\s/>]+", tag_text)
    offset = body_start.end() if body_start else 0
    attrs: list[Attr] = []
    for match in _ATTR_RE.finditer(tag_text, offset):
        raw = match.group("value")
        if raw is None:
            value, v_start, v_end = "", match.end(), match.end()
        else:
            value = unescape(raw[1:-1] if raw[0] in "\"'" else raw)
            v_start, v_end = match.start("value"), match.end("value")
        name = match.group("name").lower()
        attrs.append(Attr(name, value, match.start(), match.end(), v_start, v_end))
    return attrs


def srcset_urls(value: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each candidate URL in a srcset value."""
    for match in re.finditer(r"\s*([^\s,]+)(?:\s+[^,]*)?(?:,|$)", value):
        yield match.start(1), match.end(1)


def fetched_attr_names(tag: str, attrs: list[Attr]) -> tuple[str, ...]:
    if tag == "link":
        rels = {token for a in attrs if a.name == "rel" for token in a.value.lower().split()}
        return ("href",) if rels & FETCHED_LINK_RELS else ()
    return URL_ATTRS.get(tag, ())


@dataclass(frozen=True)
class StartTag:
    tag: str
    text: str
    start: int  # offset of '<' in the document


@dataclass(frozen=True)
class StyleBlock:
    text: str
    start: int


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.tags: list[StartTag] = []
        self.styles: list[StyleBlock] = []
        self._line_starts: list[int] = [0]
        self._in_style = False

    def index(self, document: str) -> None:
        self._line_starts = [0] + [m.end() for m in re.finditer("\n", document)]

    def _offset(self) -> int:
        line, column = self.getpos()
        return self._line_starts[line - 1] + column

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        text = self.get_starttag_text() or ""
        self.tags.append(StartTag(tag.lower(), text, self._offset()))
        self._in_style = tag.lower() == "style"

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.styles.append(StyleBlock(data, self._offset()))


def parse_html(document: str) -> tuple[list[StartTag], list[StyleBlock]]:
    collector = _Collector()
    collector.index(document)
    collector.feed(document)
    collector.close()
    return collector.tags, collector.styles
