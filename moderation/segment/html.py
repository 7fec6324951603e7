"""HTML pages: comment markup first, else the line model over the page's visible text.

Pages are parsed with lxml.html, which is tolerant of malformed markup and fast
(C parser). Comment items are recognised from class/id vocabulary shared by
WordPress, Disqus and home-made templates (``comment``, ``commentaire``,
``reaction``; ``-content``/``-author``/``-date`` parts); reply links, buttons and
forms are dropped, nested replies are separate comments in document order.
"""
from __future__ import annotations

import functools
import re
from typing import Any, Callable, Iterator

from lxml import etree
from lxml import html as lxml_html

from .comments import Comment, SegmentResult
from .lines import Unit, author_meta, fold_line, is_name, line_kind, segment_units
from .patterns import (BLOCK_TAGS, HEADING, ITEMPROP_ROLES, ITEM_ID, ITEM_TOKEN, SKIP_ROLES, SKIP_TAGS,
                       SKIP_ZONE_TAGS, STRIP_SAYS, TOKEN_ROLES)


def _role(el: etree._Element, in_thread: bool) -> str | None:
    """Role of an element in comment markup, from its tag, class, id and itemprop."""
    tag = el.tag
    if tag in SKIP_TAGS:
        return "skip"
    return _attr_role(tag, el.get("class") or "", el.get("id") or "", el.get("itemprop") or "", in_thread)


@functools.lru_cache(maxsize=4096)
def _attr_role(tag: str, cls: str, ident: str, itemprop: str, in_thread: bool) -> str | None:
    """:func:`_role` from attribute strings, memoised: a page repeats the same few class lists."""
    if tag in SKIP_ZONE_TAGS:
        return "skipzone"
    if tag == "form":
        return "form"
    classes = cls.lower().split()
    if any(ITEM_TOKEN.match(c) for c in classes) or (in_thread and "post" in classes):
        return "item"                           # Disqus-like "li.post" only inside a comment thread
    for tokens in (classes, ident.lower().split()):
        for role, rx in TOKEN_ROLES:
            if any(rx.search(t) for t in tokens):
                return role
        if tokens is not classes and any(ITEM_ID.match(t) for t in tokens):
            return "item"
    prop = itemprop.lower()
    if prop in ITEMPROP_ROLES:
        return ITEMPROP_ROLES[prop]
    if tag == "time":
        return "date"
    if tag == "cite" and in_thread:
        return "author"
    return None


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


def _text_of(el: etree._Element) -> str:
    return " ".join(" ".join(t for t in el.itertext() if isinstance(t, str)).split())


def _harvest(el: etree._Element, role: str, found: dict[str, str | None]) -> None:
    """Fill author/date from a skipped metadata element (WordPress ``.comment-meta``, ``time``, ``.fn``...)."""
    candidates = [el] + [d for d in el.iterdescendants() if isinstance(d.tag, str)]
    if found.get("author") is None:
        fn = next((d for d in candidates if "fn" in (d.get("class") or "").split()
                   or (d.get("itemprop") or "").lower() in ("author", "name")), None)
        named = fn if fn is not None else next((d for d in candidates if _role(d, True) == "author"), None)
        if named is not None:
            found["author"] = STRIP_SAYS.sub("", _text_of(named)).strip() or None
    if found.get("date") is None:
        t = next((d for d in candidates if d.tag == "time"), None)
        if t is not None:
            found["date"] = t.get("datetime") or _text_of(t) or None
        else:
            dated = next((d for d in candidates if _role(d, True) == "date"), None)
            if dated is not None:
                found["date"] = dated.get("title") or _text_of(dated) or None
    if role == "meta" and found.get("author") is None:
        meta = author_meta(_text_of(el))
        if meta:
            found["author"], found["date"] = meta[0], found.get("date") or meta[1]


def _item_comment(item: etree._Element) -> tuple[str, str | None, str | None]:
    """(text, author, date) of one comment element, without nested replies, metadata or actions."""
    found: dict[str, str | None] = {"author": None, "date": None}
    every, body = _LineBuffer(), _LineBuffer()
    depth = 0

    def classify(el: etree._Element) -> str | None:
        role = _role(el, True)
        return "nested" if role == "item" else role

    for event, value in _walk(item, classify):
        if event == "text":
            every.add(value, None)
            if depth:
                body.add(value, None)
        elif event == "skip":
            el, role = value
            if role in ("author", "date", "meta"):
                _harvest(el, role, found)
            if el.tag in BLOCK_TAGS or role == "nested":
                every.br()
                body.br()
        else:
            el, role = value if event == "start" else (value, None)
            if event == "start" and role == "body":
                depth += 1
            elif event == "end" and _role(el, True) == "body":
                depth -= 1
            if el.tag in BLOCK_TAGS:
                every.br()
                body.br()
    every.br()
    body.br()
    lines = [t for t, _ in (body.lines or every.lines)]
    return _clean_item_lines(lines, found)


def _clean_item_lines(lines: list[str], found: dict[str, str | None]) -> tuple[str, str | None, str | None]:
    """Drop action/date lines left in unmarked templates and take a leading author header."""
    kept = []
    for i, line in enumerate(lines):
        kind, author, date = line_kind(line)
        if kind == "action":
            continue
        if kind == "date" and found["date"] is None:
            found["date"] = line
            continue
        if i == 0 and len(lines) > 1 and found["author"] is None and (kind == "author" or is_name(line)):
            found["author"], found["date"] = author or line, found["date"] or date
            continue
        kept.append(line)
    return "\n".join(kept), found["author"], found["date"]


def segment_html(page: str) -> SegmentResult:
    """Comments of an HTML page: comment markup first, else the line model over visible text."""
    page = re.sub(r"^\s*<\?xml[^>]*\?>", "", page)
    try:
        root = lxml_html.document_fromstring(page) if page.strip() else None
    except (etree.ParserError, ValueError):
        root = None
    if root is None:
        return SegmentResult("html", [], False)
    paths = _Paths()
    items, containers, section = _find_comment_markup(root)
    if not items:
        items = [child for c in containers for child in _container_children(c)]
    comments = []
    for item in items:
        text, author, date = _item_comment(item)
        if text:
            comments.append(Comment(len(comments), text, None, paths(item), author, date))
    if comments or containers:
        return SegmentResult("html", comments, True)
    units = [Unit(text=text, path=paths(owner) if owner is not None else None) for text, owner in _html_lines(root)]
    found, text_section = segment_units(units, [False] * len(units))
    return SegmentResult("html", found, section or text_section)


def _find_comment_markup(root: etree._Element) -> tuple[list[etree._Element], list[etree._Element], bool]:
    """Comment items and outermost comment containers in document order, and whether a comment form was seen."""
    items: list[etree._Element] = []
    containers: list[etree._Element] = []
    section = False
    stack: list[tuple[etree._Element, bool]] = [(root, False)]
    while stack:
        el, in_thread = stack.pop()
        if not isinstance(el.tag, str):
            continue
        role = _role(el, in_thread)
        if role in ("skip", "skipzone") or (el.tag == "header" and not in_thread):
            continue
        if role == "form":
            classes = f"{el.get('class', '')} {el.get('id', '')} {el.get('action', '')}".lower()
            section = section or bool(re.search(r"comment|r[ée]action|respond|reply", classes))
            continue
        if role == "item":
            items.append(el)
        elif role == "container" and not in_thread:
            containers.append(el)
        elif el.tag in ("h1", "h2", "h3", "h4", "h5", "h6") and HEADING.match(fold_line(_text_of(el))):
            section = True
        stack.extend((child, in_thread or role in ("item", "container")) for child in reversed(el))
    return items, containers, section or bool(items)


def _container_children(container: etree._Element) -> list[etree._Element]:
    """Comment elements of a generic container without item markup: its text-bearing children."""
    node = container
    while True:
        kids = [c for c in node if isinstance(c.tag, str) and c.tag not in ("h1", "h2", "h3", "h4", "h5", "h6")
                and _role(c, True) not in SKIP_ROLES and c.find(".//form") is None
                and _text_of(c) and line_kind(_text_of(c))[0] == "prose"]
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
