"""HTML pages: comment records found from the page's structure, else the line model over its visible text.

Pages are parsed with lxml.html, which is tolerant of malformed markup and fast (C
parser). `html_records.py` finds the comment records (typed data, comment-system markup,
repeated sibling records) and `fields.py` reads each one; a generic comment container
without recognisable records gives its text-bearing children; a page with none of these
goes through the line model (`lines.py`) over its block-level lines.
"""
from __future__ import annotations

import re
from typing import Any, Callable, Iterator

from lxml import etree
from lxml import html as lxml_html

from .comments import Comment, SegmentResult
from .fields import text_of
from .declared import declared_comments
from .lines import Unit, line_kind, segment_units
from .markup import SKIP_ROLES, role
from .patterns import BLOCK_TAGS, SKIP_TAGS
from .html_records import build, read_records, scan


class _Paths:
    """XPath of elements (``/html/body/div[2]/ol/li[3]``), sibling indexes cached per parent: linear overall."""

    def __init__(self) -> None:
        self._cache: dict[etree._Element, str] = {}

    def __call__(self, el: etree._Element) -> str:
        if el in self._cache:
            return self._cache[el]
        parent = el.getparent()
        if parent is None:
            self._cache[el] = "/" + el.tag
            return self._cache[el]
        base = self(parent)
        children = [c for c in parent if isinstance(c.tag, str)]
        totals: dict[str, int] = {}
        for c in children:
            totals[c.tag] = totals.get(c.tag, 0) + 1
        seen: dict[str, int] = {}
        for c in children:
            seen[c.tag] = seen.get(c.tag, 0) + 1
            self._cache[c] = f"{base}/{c.tag}" + (f"[{seen[c.tag]}]" if totals[c.tag] > 1 else "")
        return self._cache[el]


def _walk(root: etree._Element, classify: Callable[[etree._Element], str | None]
          ) -> Iterator[tuple[str, Any]]:
    """Document-order events ("start"/"end" with (el, role), "skip" with (el, role), "text" with str)."""
    stack: list[tuple[etree._Element, bool]] = [(root, False)]
    while stack:
        el, closing = stack.pop()
        if closing:
            yield "end", el
            if el is not root and el.tail:
                yield "text", el.tail
            continue
        if not isinstance(el.tag, str):       # comment or processing instruction
            if el is not root and el.tail:
                yield "text", el.tail
            continue
        role = "root" if el is root else classify(el)
        if role in SKIP_ROLES:
            yield "skip", (el, role)
            if el.tail:
                yield "text", el.tail
            continue
        yield "start", (el, role)
        if el.text:
            yield "text", el.text
        stack.append((el, True))
        stack.extend((child, False) for child in reversed(el))


class _LineBuffer:
    """Accumulates inline text into whitespace-normalised lines split at block boundaries."""

    def __init__(self) -> None:
        self.lines: list[tuple[str, etree._Element | None]] = []
        self._parts: list[str] = []
        self._owner: etree._Element | None = None

    def add(self, text: str, owner: etree._Element | None) -> None:
        if not self._parts and not text.strip():
            return
        if not self._parts:
            self._owner = owner
        self._parts.append(text)

    def br(self) -> None:
        text = " ".join("".join(self._parts).split())
        if text:
            self.lines.append((text, self._owner))
        self._parts = []


def segment_html(page: str) -> SegmentResult:
    """Comments of an HTML page: comment records found from structure, else the line model over visible text."""
    page = re.sub(r"^\s*<\?xml[^>]*\?>", "", page)
    try:
        root = lxml_html.document_fromstring(page) if page.strip() else None
    except (etree.ParserError, ValueError):
        root = None
    if root is None:
        return SegmentResult("html", [], False)
    paths = _Paths()
    found = scan(root)
    records = build(root, found)
    if not records and found.containers:
        records = read_records([[child] for c in found.containers for child in _container_children(c)])
    if not records:
        declared = declared_comments(root)
        if declared:
            comments = [Comment(i, c.fields.text, None, paths(c.script), c.fields.author, c.fields.date, c.fields.title,
                                None, c.parent) for i, c in enumerate(declared)]
            return SegmentResult("html", comments, True)
    if records:
        comments = [Comment(i, r.fields.text, None, paths(r.anchor if r.anchor is not None else r.elements[0]), r.fields.author, r.fields.date,
                            r.fields.title, r.fields.quoted, r.parent) for i, r in enumerate(records)]
        return SegmentResult("html", comments, True)
    if found.containers:
        return SegmentResult("html", [], True)
    units = [Unit(text=text, path=paths(owner) if owner is not None else None) for text, owner in _html_lines(root)]
    comments, text_section = segment_units(units, [False] * len(units), typing=None)   # typing model: text dumps only
    return SegmentResult("html", comments, found.section or text_section)


def _container_children(container: etree._Element) -> list[etree._Element]:
    """Comment elements of a generic container without item markup: its text-bearing children."""
    node = container
    while True:
        kids = [c for c in node if isinstance(c.tag, str) and c.tag not in ("h1", "h2", "h3", "h4", "h5", "h6")
                and role(c, True) not in SKIP_ROLES and c.find(".//form") is None
                and text_of(c) and line_kind(text_of(c))[0] == "prose"]
        if len(kids) == 1 and len(kids[0]):
            node = kids[0]
            continue
        return kids


def _html_lines(root: etree._Element) -> list[tuple[str, etree._Element | None]]:
    """Visible text of the page as block-level lines with the element each comes from."""
    buf = _LineBuffer()
    blocks: list[etree._Element] = [root]
    for event, value in _walk(root, lambda el: "skip" if el.tag in SKIP_TAGS else None):
        if event == "text":
            buf.add(value, blocks[-1])
        elif event == "skip":
            continue
        else:
            el = value[0] if event == "start" else value
            if el.tag in BLOCK_TAGS:
                buf.br()
                if event == "start":
                    blocks.append(el)
                elif len(blocks) > 1:
                    blocks.pop()
    buf.br()
    return buf.lines
