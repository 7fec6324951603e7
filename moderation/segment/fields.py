"""Read one comment record of an HTML page: its text, and the author, date, subject and quoted post around it.

A record is one element (or a few adjacent siblings, such as ``<dt>``/``<dd>``). Its text
is what lies in the body part of the markup (or, without one, everything that is not
metadata); author and date come from author/date markup, ``datetime`` attributes, or
meta lines such as "Soumis par X le …"; the subject from a heading; a quoted earlier
post from a ``blockquote``/quote box (its "X a écrit :" header dropped). Reply links,
vote counts and badges are dropped, so they never reach ``text``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Container, Iterable

from lxml import etree

from .lines import author_meta, fold_line, is_action, is_date, is_name, is_pseudo, line_kind
from .markup import class_words, role
from .patterns import BLOCK_TAGS, DIGIT, SKIP_TAGS, SKIP_ZONE_TAGS

#: Roles whose text is never part of the comment's own text.
META_CTX = frozenset({"author", "date", "meta", "heading", "quote", "action", "badge", "avatar", "inreply",
                      "signature"})
_STICKY = frozenset({"author", "date", "heading", "quote", "action", "badge", "avatar", "inreply", "signature"})
_META_INNER = frozenset({"author", "date", "action", "avatar", "badge", "heading", "inreply"})
_NAME_NOISE = re.compile(
    r"^\s*(?:(?:post[ée]|publi[ée]|soumis|[ée]crit|envoy[ée]|message|commentaire)\s+)?(?:par|by|de)\s*:?\s+|"
    r"\s*\((?:non v[ée]rifi[ée]|not verified|invit[ée]|guest|visiteur|anonyme|unverified)\)|"
    r"(?:^|\s+)(?:dit|a dit|a [ée]crit|says|said|wrote)\s*(?::|…|\.\.\.)?\s*$|\s*[:»·|•,-]+\s*$|^\s*[«·|•-]+\s*", re.I)
_UNVERIFIED = re.compile(r"\s*\((?:non v[ée]rifi[ée]|not verified|invit[ée]|guest|visiteur|unverified)\)", re.I)
_QUOTE_HEADER = re.compile(
    r"^(?:.{1,60}\s(?:a [ée]crit|a dit|[ée]crit|wrote|said|dit)\s*:?.{0,40}|(?:citation|quote)(?: de| from)?\b.{0,60}|"
    r"cliquez pour (?:agrandir|d[ée]velopper).*|click to expand.*|[↑⇧^]+)$", re.I)
_IN_REPLY_TEXT = re.compile(r"^(?:en r[ée]ponse [àa]|r[ée]ponse [àa]|in reply to|replying to|↳)\s*:?\s*@?(?P<name>.{1,60})$",
                            re.I)
_SEPARATOR = re.compile(r"^[\s·|•»«,:–—-]*$")


@dataclass
class Fields:
    """What one record says: comment text and the metadata shown with it."""

    text: str
    author: str | None = None
    date: str | None = None
    title: str | None = None
    quoted: str | None = None
    reply_to: str | None = None


def text_of(el: etree._Element) -> str:
    """Whitespace-normalised visible text of an element (scripts, styles and the like left out)."""
    parts: list[str] = []

    def visit(node: etree._Element) -> None:
        if node.text:
            parts.append(node.text)
        for child in node:
            if isinstance(child.tag, str) and child.tag not in SKIP_TAGS:
                visit(child)
            if child.tail:
                parts.append(child.tail)

    visit(el)
    return " ".join(" ".join(parts).split())


def clean_name(text: str) -> str | None:
    """Author text without "par", "dit :", "(non vérifié)" and separators; None when nothing is left."""
    prev = None
    while prev != text:
        prev, text = text, _NAME_NOISE.sub("", text).strip()
    return text or None


def split_meta(el: etree._Element, need_date: bool = False) -> tuple[str | None, str | None] | None:
    """(author, date) when an element's text pieces are only a name, a date and separators.

    ``need_date``: a heading is metadata only when it shows a date ("Awa <small>05/06/2025</small>"),
    otherwise a short capitalised subject ("Délais") would pass for a name.
    """
    text = text_of(el)
    if not text or len(text) > 160:
        return None
    if not is_date(text):
        bare = _UNVERIFIED.sub("", text)
        meta = author_meta(bare) or author_meta(clean_name(bare) or "")
        if meta and (meta[1] or not need_date):
            return meta
    pieces = [el.text or ""] + [p for c in el if isinstance(c.tag, str) and c.tag not in SKIP_TAGS
                                for p in (text_of(c), c.tail or "")]
    author = date = None
    for piece in (" ".join(p.split()) for p in pieces):
        if _SEPARATOR.match(piece):
            continue
        if date is None and is_date(piece):
            date = re.sub(r"^(?:le|on|,)\s+", "", piece.strip(" ,·|»-"))
        elif author is None and (name := clean_name(piece)) and (is_name(name) or is_pseudo(name)):
            author = name
        elif fold_line(piece) not in ("par", "by", "le", "on", "dit :", "dit", "says:"):
            return None
    if need_date and date is None:
        return None
    return (author, date) if author or date else None


class _Lines:
    """Block-level lines of text; parts under metadata roles are kept out of the body lines."""

    def __init__(self) -> None:
        self.body: list[str] = []
        self.every: list[str] = []
        self.in_body: list[bool] = []
        self._body: list[str] = []
        self._every: list[str] = []
        self._marked = False
        self._bylined = False

    def add(self, text: str, ctx: str | None) -> None:
        self._every.append(text)
        if ctx not in META_CTX:
            self._body.append(text)
            self._marked = self._marked or ctx == "body"
        elif ctx in ("author", "date") and text.strip():
            self._bylined = True

    def br(self) -> None:
        if not self._every:
            self._bylined = False
            return
        body = " ".join("".join(self._body).split())
        every = " ".join("".join(self._every).split())
        if self._bylined and len(body.split()) <= 8:
            body = ""                      # the rest of a byline ("· Travaille chez Orange"), not comment text
        if body:
            self.body.append(body)
            self.in_body.append(self._marked)
        if every:
            self.every.append(every)
        self._body, self._every, self._marked, self._bylined = [], [], False, False


def _walk(elements: Iterable[etree._Element], nested: Container[etree._Element]
          ) -> tuple[_Lines, list[tuple[str, etree._Element]], list[etree._Element]]:
    """Lines of the record, its (role, element) marks in order, and elements carrying a ``datetime``."""
    lines = _Lines()
    marks: list[tuple[str, etree._Element]] = []
    stamped: list[etree._Element] = []
    for top in elements:
        stack: list[tuple[etree._Element, str | None, bool]] = [(top, None, False)]
        while stack:
            el, ctx, closing = stack.pop()
            if closing:
                if el.tag in BLOCK_TAGS:
                    lines.br()
                if el is not top and el.tail:
                    lines.add(el.tail, ctx)
                continue
            if not isinstance(el.tag, str):
                if el.tail and el is not top:
                    lines.add(el.tail, ctx)
                continue
            r = None if el is top and len(elements) == 1 else role(el, True)
            if el is not top and (el in nested or r in ("skip", "form") or el.tag in SKIP_ZONE_TAGS):
                if el.tag in BLOCK_TAGS or el in nested:
                    lines.br()
                if el.tail:
                    lines.add(el.tail, ctx)
                continue
            r = None if r == "item" else r
            if r in ("author", "date", "heading", "quote", "inreply") and ctx != "quote" and \
                    (ctx != "author" or r == "author"):
                marks.append((r, el))
            if el.get("datetime") and ctx != "quote":
                stamped.append(el)
            if el.tag == "cite" and ctx == "quote":
                r = "author"                   # "X a écrit :" header of a quoted post
            new_ctx = _next_ctx(ctx, r)
            if el.tag in BLOCK_TAGS or el.tag == "br":
                lines.br()
            if el.text:
                lines.add(el.text, new_ctx)
            stack.append((el, ctx, True))
            stack.extend((child, new_ctx, False) for child in reversed(el))
        lines.br()
    return lines, marks, stamped


def _next_ctx(ctx: str | None, r: str | None) -> str | None:
    """Context of a child: body and meta parts can be refined, author/date/quote/action parts cannot."""
    if r is None or ctx in _STICKY:
        return ctx
    if ctx == "meta":
        return r if r in _META_INNER else ctx
    if ctx == "body" and r == "body":
        return ctx
    return r


def _quoted(el: etree._Element) -> str | None:
    """Text of a quoted earlier post without its "X a écrit :" header or its cite line."""
    lines: list[str] = []
    buf: list[str] = []

    def flush() -> None:
        text = " ".join("".join(buf).split())
        if text:
            lines.append(text)
        buf.clear()

    def visit(node: etree._Element) -> None:
        if node.tag in SKIP_TAGS or node.tag == "cite" or role(node, True) in ("author", "action") or \
                any("source" in class_words(t) for t in (node.get("class") or "").split()):   # "X a dit :" span
            flush()
            return
        if node.tag in BLOCK_TAGS:
            flush()
        if node.text:
            buf.append(node.text)
        for child in node:
            if isinstance(child.tag, str):
                visit(child)
            if child.tail:
                buf.append(child.tail)
        if node.tag in BLOCK_TAGS:
            flush()

    visit(el)
    flush()
    kept = [line for line in lines if not _QUOTE_HEADER.match(line)]
    return "\n".join(kept) or None


def read_record(elements: list[etree._Element], nested: Container[etree._Element]) -> Fields:
    """Fields of one comment record (``nested``: other records' elements, left out of this one)."""
    lines, marks, stamped = _walk(elements, nested)
    author = date = title = reply_to = cited_date = None
    quotes: list[str] = []
    meta_els: list[etree._Element] = []
    authors = [el for r, el in marks if r == "author"]
    inner = [el for el in authors if not any(a is not el and any(x is el for x in a.iterancestors()) for a in authors)]
    for el in inner:
        named = next((d for d in el.iter() if isinstance(d.tag, str) and
                      (d.get("itemprop") or "").lower() == "name"), None)
        author = clean_name(text_of(named if named is not None else el))
        split = author_meta(author) if author and named is None and DIGIT.search(author) else None
        if split and split[0] and split[1]:    # "Mballa — 14 avril 2025" in one author element (a <cite>)
            author, cited_date = split
        if author and (len(author) > 60 or is_date(author)):
            meta_els.append(el)
            author = None
        if author:
            break
    for r, el in marks:
        if r == "author":
            continue
        if r == "date":
            meta_els.append(el)
        elif r == "heading" and title is None:
            text = text_of(el)
            parsed = split_meta(el, need_date=True)
            if parsed:
                meta_els.append(el)
            elif text and len(text) <= 200:
                title = text
        elif r == "quote":
            q = _quoted(el)
            if q:
                quotes.append(q)
        elif r == "inreply" and reply_to is None:
            reply_to = clean_name(re.sub(r"^(?:en r[ée]ponse [àa]|r[ée]ponse [àa]|in reply to|replying to)\s*:?",
                                         "", text_of(el), flags=re.I).lstrip("@ "))
    if stamped:
        date = stamped[0].get("datetime")
    for el in meta_els:
        parsed = split_meta(el)
        if parsed is None:
            text = text_of(el)
            parsed = (None, text) if is_date(text) else None
        if parsed:
            author = author or parsed[0]
            date = date or parsed[1]
    date = date or cited_date
    marked = any(lines.in_body)
    body = [line for line, inside in zip(lines.body, lines.in_body) if inside] if marked else list(lines.body)
    if author is None or date is None:
        chosen = set(body)
        for line in lines.every:
            meta = _meta_line(line) if line not in chosen else None
            if meta:
                author, date = author or meta[0], date or meta[1]
    text, author, date, reply_to = _clean_body(body, author, date, reply_to, trusted=marked and author is not None)
    return Fields(text, author, date, title, "\n".join(quotes) or None, reply_to)


_LAST_SEPARATOR = re.compile(r"^(?P<left>.+?)(?:\s+[·|•–—-]\s*|\s+le\s+|,\s+)(?P<right>[^·|•–—,]+)$")


def _meta_line(line: str) -> tuple[str | None, str | None] | None:
    """(author, date) of a metadata line: "Awa dit :", "Posté par X le …", "Un paysan de Niono · 24/09/2025 10:41"."""
    if len(line) > 120:
        return None
    if is_date(line):
        return None, line
    bare = _UNVERIFIED.sub("", line)
    meta = author_meta(bare)
    if meta:
        return meta
    m = _LAST_SEPARATOR.match(bare)
    if m and is_date(m["right"].strip()):
        left = clean_name(m["left"])
        if left and len(left) <= 50 and len(left.split()) <= 6 and not re.search(r"[.!?:;]\s", left + " "):
            return left, m["right"].strip()
    return None


def _clean_body(lines: list[str], author: str | None, date: str | None, reply_to: str | None,
                trusted: bool = False) -> tuple[str, str | None, str | None, str | None]:
    """Drop action, date, author and "En réponse à" lines left in unmarked templates, keeping what they say.

    ``trusted``: the lines come from body markup and the author from author markup, so only reply/vote links
    and "En réponse à" lines are looked for (no header can hide there).
    """
    kept: list[str] = []
    for i, line in enumerate(lines):
        trusted = trusted or (author is not None and date is not None and not kept and len(line) > 60)
        if trusted:
            m = _IN_REPLY_TEXT.match(line) if len(line) <= 80 else None
            if m:
                reply_to = reply_to or clean_name(m["name"])
            elif not (len(line) <= 100 and is_action(line)):
                kept.append(line)
            continue
        if not kept and len(line) <= 2 and i + 1 < len(lines):
            continue                       # avatar initial ("S") drawn as text
        m = _IN_REPLY_TEXT.match(line) if len(line) <= 80 else None
        if m:
            reply_to = reply_to or clean_name(m["name"])
            continue
        if kept:                           # past the header only reply/vote links are left to drop
            if not (len(line) <= 100 and is_action(line)):
                kept.append(line)
            continue
        kind, who, when = line_kind(line)
        if kind == "action":
            continue
        if kind == "date" and not kept:
            date = date or line
            continue
        if not kept and i + 1 < len(lines) and author is None and kind == "prose" and is_pseudo(line) and \
                line_kind(lines[i + 1])[0] == "date":
            author = line                  # "anonyme" above its date
            continue
        if not kept and i + 1 < len(lines) and (kind == "author" or (kind == "name" and author is None)):
            author, date = author or who or line, date or when
            continue
        if not kept and i + 1 < len(lines) and kind == "prose":
            parsed = _meta_line(line)
            if parsed:
                author, date = author or parsed[0], date or parsed[1]
                continue
        kept.append(line)
    return "\n".join(kept), author, date, reply_to
