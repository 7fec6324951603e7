"""What an HTML element is in a comment thread, read from its tag and its class, id, itemprop and RDFa words.

Class names are split into words (``wpd-comment-author`` -> wpd, comment, author;
``UFICommentActorName`` -> ufi, comment, actor, name) and the last meaningful words
decide the role, so vendor prefixes (wpDiscuz, Coral, Disqus, XenForo) need no list of
their own. Typed data (schema.org ``Comment`` in microdata, ``sioct:Comment`` in RDFa)
names comment records outright.
"""
from __future__ import annotations

import functools
import re

from lxml import etree

from .patterns import ITEM_ID, ITEM_TOKEN, SKIP_TAGS, SKIP_ZONE_TAGS, TOKEN_ROLES

_CAMEL = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
_HASHLIKE = re.compile(r"\d|^[a-z]{1,2}$|^[bcdfghjklmnpqrstvwxz]{4,}$")

#: Class words -> role, read from the end of a class name backwards (first hit wins).
WORD_ROLES: dict[str, str] = {
    **dict.fromkeys("author auteur username user name nom pseudo byline fn poster nick nickname actorname "
                    "intervenant contributeur signataire".split(), "author"),
    **dict.fromkeys("date time timestamp published posted datetime ago timeago livetimestamp horodatage heure".split(),
                    "date"),
    **dict.fromkeys("content body text texte txt message contenu corps msg".split(), "body"),
    **dict.fromkeys("title titre heading subject sujet".split(), "heading"),
    **dict.fromkeys("meta metadata header head info infos details entete attribution submitted topbar "
                    "profile postprofile".split(), "meta"),
    **dict.fromkeys("reply replies repondre répondre actions action like likes vote votes report signaler edit "
                    "button btn buttons toolbar footer share sharing permalink menu tools count counter says "
                    "actionbar pagination navigation nav".split(), "action"),
    **dict.fromkeys("avatar gravatar photo picture".split(), "avatar"),
    **dict.fromkeys("label badge rank role lieu ville localite localisation location".split(), "badge"),
    **dict.fromkeys("quote quotebox citation blockquote".split(), "quote"),
    **dict.fromkeys("signature sig".split(), "signature"),
}
#: HTML5 sectioning tags inside a comment record, when no class says otherwise
_HTML5_ROLES = {"address": "author", "header": "meta", "footer": "action", "th": "meta"}
_IN_REPLY = re.compile(r"in-?reply|reply-?to|en-?reponse|parent-?(?:author|link)", re.I)
ITEMPROP_ROLES = {"author": "author", "creator": "author", "datecreated": "date", "datepublished": "date",
                  "text": "body", "commenttext": "body", "articlebody": "body", "headline": "heading",
                  "name": "heading"}
RDFA_ROLES = {"foaf:name": "author", "sioc:has_creator": "author", "dc:date": "date", "dc:created": "date",
              "content:encoded": "body", "sioc:content": "body", "dc:title": "heading"}
SKIP_ROLES = frozenset({"skip", "skipzone", "form", "action", "author", "date", "avatar", "meta", "heading",
                        "badge", "quote", "signature", "inreply"})


def class_words(token: str) -> list[str]:
    """Meaningful lower-case words of one class name, hash-like pieces ("3D1sZ", "_3-8y") dropped."""
    words = [w.lower() for part in re.split(r"[-_]+", token) for w in _CAMEL.findall(part)]
    return [w for w in words if w in WORD_ROLES or not _HASHLIKE.search(w)]


def is_typed_comment(el: etree._Element) -> bool:
    """schema.org Comment (microdata ``itemtype`` or ``itemprop="comment" itemscope``) or an RDFa ``typeof`` naming one."""
    kind = f"{el.get('itemtype') or ''} {el.get('typeof') or ''}"
    if kind.strip() and re.search(r"(?:^|[/:#\s])(?:Comment|UserComments|Answer)\b", kind):
        return True
    return el.get("itemscope") is not None and "comment" in (el.get("itemprop") or "").lower().split()


def role(el: etree._Element, in_thread: bool) -> str | None:
    """Role of an element in comment markup, from its tag, class, id, itemprop and RDFa property."""
    tag = el.tag
    if not isinstance(tag, str):
        return "skip"
    if tag in SKIP_TAGS:
        if tag != "button":
            return "skip"
        found = _attr_role(tag, el.get("class") or "", "", "", "", in_thread)
        return "author" if found == "author" else "skip"     # Coral shows the username as a button
    return _attr_role(tag, el.get("class") or "", el.get("id") or "", el.get("itemprop") or "",
                      el.get("property") or "", in_thread)


@functools.lru_cache(maxsize=8192)
def _attr_role(tag: str, cls: str, ident: str, itemprop: str, prop: str, in_thread: bool) -> str | None:
    """:func:`role` from attribute strings, memoised: a page repeats the same few class lists."""
    if tag in SKIP_ZONE_TAGS:
        return "skipzone"
    if tag == "form":
        return "form"
    if tag in ("html", "body", "main"):
        return None                    # page-level classes describe the layout ("one-sidebar"), not a zone
    classes = cls.lower().split()
    if any(ITEM_TOKEN.match(c) for c in classes) or (in_thread and "post" in classes):
        return "item"                           # Disqus-like "li.post" only inside a comment thread
    if tag != "a" and any(ITEM_ID.match(t) for t in ident.lower().split()):
        return "item"                           # not <a id="comment18841">: that is the permalink's anchor
    if _IN_REPLY.search(cls) and in_thread:
        return "inreply"
    if in_thread:
        for token in cls.split():
            words = class_words(token)
            for w in reversed(words[-2:]):
                if w in WORD_ROLES:
                    return WORD_ROLES[w]
    for tokens in (classes, ident.lower().split()):
        for name, rx in TOKEN_ROLES:
            if any(rx.search(t) for t in tokens):
                return name
    props = itemprop.lower().split()
    for p in props:
        if p in ITEMPROP_ROLES:
            return ITEMPROP_ROLES[p]
    for p in prop.split():
        if p in RDFA_ROLES:
            return RDFA_ROLES[p]
        local = p.rsplit(":", 1)[-1].rsplit("/", 1)[-1].lower()     # "schema:text", "https://schema.org/text"
        if local in ITEMPROP_ROLES:
            return ITEMPROP_ROLES[local]
    if tag in ("time", "amp-timeago", "abbr") and in_thread:
        return "date"
    if tag in ("h1", "h2", "h3", "h4", "h5", "h6") and in_thread:
        return "heading"
    if tag == "blockquote" and in_thread:
        return "quote"
    if tag == "cite" and in_thread:
        return "author"
    if in_thread and tag in _HTML5_ROLES:
        return _HTML5_ROLES[tag]        # what HTML5 says these mean inside an <article>: its author, head, foot
    return None
