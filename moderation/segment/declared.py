"""Comments a page declares in its scripts' data, for pages whose thread is not in the markup itself.

Some templates render comments with JavaScript and ship them only as data: schema.org
``Comment`` objects in JSON-LD (``"comment": [{"@type": "Comment", "text": …, "author": {"name": …}}]``,
nested ``comment`` lists being replies), or the state a JavaScript framework hydrates from
(Next.js ``__NEXT_DATA__``, ``application/json`` scripts, ``window.__STATE__ = {…}``), where a
comment is an object with a text field and an author field, and replies sit in a nested list.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Iterator

from lxml import etree

from .fields import Fields

_MAX_SCRIPT = 2_000_000           # a script larger than this is not page data worth reading
_TEXT_KEYS = ("body", "text", "content", "message", "comment", "commentText", "comment_text", "html", "contenu")
_AUTHOR_KEYS = ("author", "user", "username", "authorName", "author_name", "displayName", "name", "pseudo", "auteur")
_DATE_KEYS = ("createdAt", "created_at", "dateCreated", "date", "publishedAt", "published_at", "created", "timestamp")
_REPLY_KEYS = ("replies", "children", "responses", "comments", "reponses")
_ASSIGNED = re.compile(r"^\s*(?:window\.)?[\w$.]+\s*=\s*(\{.*\})\s*;?\s*$", re.S)
_TAGS = re.compile(r"<[^>]+>")


@dataclass
class DeclaredComment:
    """One comment read from script data, with the script element it came from."""

    fields: Fields
    parent: int | None
    script: etree._Element


def _text(value: Any) -> str | None:
    if isinstance(value, str):
        return " ".join(value.split()) or None
    if isinstance(value, dict):
        return _text(value.get("name"))
    if isinstance(value, list) and value:
        return _text(value[0])
    return None


def _is_comment(obj: dict) -> bool:
    kind = obj.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return any(isinstance(k, str) and k.rsplit("/", 1)[-1] in ("Comment", "Answer") for k in kinds)


def _walk(obj: Any, parent: int | None, out: list[tuple[dict, int | None]]) -> None:
    """Collect Comment objects depth-first (page order), each with the index of the comment it sits in."""
    if isinstance(obj, list):
        for item in obj:
            _walk(item, parent, out)
    elif isinstance(obj, dict):
        here = parent
        if _is_comment(obj):
            out.append((obj, parent))
            here = len(out) - 1
        for key, value in obj.items():
            if key in ("comment", "comments", "@graph", "mainEntity", "hasPart", "suggestedAnswer", "acceptedAnswer"):
                _walk(value, here, out)


def declared_comments(root: etree._Element) -> list[DeclaredComment]:
    """JSON-LD comments, else comments found in hydration data; [] when the scripts declare none."""
    return jsonld_comments(root) or hydrated_comments(root)


def jsonld_comments(root: etree._Element) -> list[DeclaredComment]:
    """Comments declared in the page's ``application/ld+json`` scripts, in order; [] when none or unreadable."""
    found: list[DeclaredComment] = []
    for script in _scripts(root):
        try:
            data = json.loads(script.text or "")
        except (ValueError, RecursionError):
            continue
        objs: list[tuple[dict, int | None]] = []
        _walk(data, None, objs)
        position: dict[int, int] = {}
        for i, (obj, parent) in enumerate(objs):
            text = _text(obj.get("text") or obj.get("commentText") or obj.get("articleBody"))
            if not text:
                continue
            fields = Fields(text, _text(obj.get("author") or obj.get("creator")),
                            _text(obj.get("dateCreated") or obj.get("datePublished")),
                            _text(obj.get("name") or obj.get("headline")))
            position[i] = len(found)
            found.append(DeclaredComment(fields, position.get(parent) if parent is not None else None, script))
    return found


def _scripts(root: etree._Element) -> Iterator[etree._Element]:
    for script in root.iter("script"):
        if (script.get("type") or "").strip().lower() == "application/ld+json" and \
                script.text and len(script.text) <= _MAX_SCRIPT and "omment" in script.text:
            yield script


def _field(obj: dict, keys: tuple[str, ...]) -> str | None:
    for key in keys:
        value = obj.get(key)
        if isinstance(value, dict):
            value = value.get("name") or value.get("displayName") or value.get("username")
        if isinstance(value, str) and value.strip():
            return " ".join(_TAGS.sub(" ", value).split())
    return None


def _is_comment_object(obj: Any) -> bool:
    """An object with a text of a few words and an author: what a comment looks like in hydration data."""
    if not isinstance(obj, dict):
        return False
    text = _field(obj, _TEXT_KEYS)
    return bool(text) and len(text.split()) >= 2 and _field(obj, _AUTHOR_KEYS) is not None and "@type" not in obj


def _comment_lists(obj: Any, out: list[list[dict]]) -> None:
    """Lists whose items are all comment objects, outermost first."""
    if isinstance(obj, list):
        if obj and all(_is_comment_object(item) for item in obj):
            out.append(obj)
            return
        for item in obj:
            _comment_lists(item, out)
    elif isinstance(obj, dict):
        for value in obj.values():
            _comment_lists(value, out)


def _flatten(items: list[dict], parent: int | None, out: list[tuple[dict, int | None]]) -> None:
    for item in items:
        out.append((item, parent))
        here = len(out) - 1
        for key in _REPLY_KEYS:
            replies = item.get(key)
            if isinstance(replies, list) and all(_is_comment_object(r) for r in replies):
                _flatten(replies, here, out)


def hydrated_comments(root: etree._Element) -> list[DeclaredComment]:
    """The largest list of comment objects in the page's hydration data, replies after their comment."""
    best: tuple[int, list[tuple[dict, int | None]], etree._Element | None] = (0, [], None)
    for script in root.iter("script"):
        kind = (script.get("type") or "").strip().lower()
        text = script.text or ""
        if not text or len(text) > _MAX_SCRIPT or kind not in ("", "application/json", "text/javascript"):
            continue
        if kind != "application/json":
            m = _ASSIGNED.match(text)
            if not m:
                continue
            text = m.group(1)
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):
            continue
        lists: list[list[dict]] = []
        _comment_lists(data, lists)
        for found in lists:
            flat: list[tuple[dict, int | None]] = []
            _flatten(found, None, flat)
            if len(flat) > best[0]:
                best = (len(flat), flat, script)
    _, flat, script = best
    if script is None:
        return []
    return [DeclaredComment(Fields(_field(obj, _TEXT_KEYS) or "", _field(obj, _AUTHOR_KEYS), _field(obj, _DATE_KEYS)),
                      parent, script) for obj, parent in flat]
