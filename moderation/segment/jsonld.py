"""schema.org ``Comment`` objects in a page's JSON-LD, for pages whose thread is not in the markup itself.

Some templates render comments with JavaScript and ship them only as JSON-LD
(``"comment": [{"@type": "Comment", "text": …, "author": {"name": …}, "dateCreated": …}]``);
nested ``comment`` lists are replies.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Iterator

from lxml import etree

from .fields import Fields

_MAX_SCRIPT = 2_000_000           # a JSON-LD block larger than this is not metadata; skip it


@dataclass
class LdComment:
    """One comment read from JSON-LD, with the script element it came from."""

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


def jsonld_comments(root: etree._Element) -> list[LdComment]:
    """Comments declared in the page's ``application/ld+json`` scripts, in order; [] when none or unreadable."""
    found: list[LdComment] = []
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
            found.append(LdComment(fields, position.get(parent) if parent is not None else None, script))
    return found


def _scripts(root: etree._Element) -> Iterator[etree._Element]:
    for script in root.iter("script"):
        if (script.get("type") or "").strip().lower() == "application/ld+json" and \
                script.text and len(script.text) <= _MAX_SCRIPT and "omment" in script.text:
            yield script
