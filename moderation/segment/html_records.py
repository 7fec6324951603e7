"""Find the comment records of an HTML page, structure first, and who replies to whom.

In order of trust: typed data (schema.org ``Comment`` in microdata, ``sioct:Comment`` in
RDFa), then comment-system markup (class/id words such as ``comment``, ``commentaire``,
``reaction``, with vendor prefixes), then, for any other template, repeated sibling
records in the way of MDR/DEPTA: sibling elements (or pairs of adjacent siblings, such as
``<dt>``/``<dd>`` or two table rows) that share one tag-and-class signature and each hold a
short name, a date or a reply link, and a body of prose. Replies are records nested in
another record, or placed in the container right after it (Drupal's ``div.indented``).
"""
from __future__ import annotations

import functools
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable

from lxml import etree

from .fields import Fields, clean_name, read_record, text_of
from .lines import author_meta, fold_line, is_date, is_name, is_pseudo, line_kind
from .markup import is_typed_comment, role
from .patterns import DELETED, HEADING, SKIP_TAGS, SKIP_ZONE_TAGS

_VARYING_CLASS = re.compile(   # classes that differ between records of one template: ids, parity, depth, state
    r"(?:^|[-_])[a-z]{0,2}\d+$|^(?:odd|even|alt|first|last|active|new|unread|read|hidden|selected|open|"
    r"collapsed|expanded|highlight(?:ed)?|bypostauthor|byuser|parent|has-children|deleted)$|"
    r"(?:^|[-_])(?:odd|even|alt|depth|level|thread|guest|user|author|by|reply|child|children)(?:[-_]|$)")
_HEADINGS = frozenset(("h1", "h2", "h3", "h4", "h5", "h6"))
_PLAIN_ROLES = frozenset({"form", "header", "nav", "aside", "time", "cite", "blockquote", "abbr", "amp-timeago",
                          *SKIP_TAGS, *_HEADINGS})


@dataclass
class Record:
    """One comment found on the page: its element(s) and what they say."""

    elements: list[etree._Element]
    fields: Fields
    parent: int | None = None
    anchor: etree._Element | None = None     # outermost element standing for it (a wrapper such as WordPress's li)


@dataclass
class Markup:
    """What a first pass over the page saw: typed comments, comment-markup items and containers, a comment form."""

    typed: list[etree._Element] = field(default_factory=list)
    items: list[etree._Element] = field(default_factory=list)
    containers: list[etree._Element] = field(default_factory=list)
    section: bool = False


def scan(root: etree._Element) -> Markup:
    """Typed comments, comment items, outermost comment containers (document order), and comment-form evidence."""
    found = Markup()
    stack: list[tuple[etree._Element, bool]] = [(root, False)]
    while stack:
        el, in_thread = stack.pop()
        if not isinstance(el.tag, str):
            continue
        if not el.attrib and el.tag not in _PLAIN_ROLES:
            stack.extend((child, in_thread) for child in reversed(el))   # most of a page: no attribute, no role
            continue
        if is_typed_comment(el):
            found.typed.append(el)
        r = role(el, in_thread)
        if r in ("skip", "skipzone") or (el.tag == "header" and not in_thread):
            continue
        if r == "form":
            words = f"{el.get('class', '')} {el.get('id', '')} {el.get('action', '')}".lower()
            found.section = found.section or bool(re.search(r"comment|r[ée]action|respond|reply", words))
            continue
        if r == "item":
            found.items.append(el)
        elif r == "container" and not in_thread:
            found.containers.append(el)
        elif el.tag in _HEADINGS and HEADING.match(fold_line(text_of(el))):
            found.section = True
        stack.extend((child, in_thread or r in ("item", "container")) for child in reversed(el))
    found.section = found.section or bool(found.items) or bool(found.typed)
    return found


def signature(el: etree._Element) -> str:
    """Tag and stable classes: what sibling records of one template share (odd/even, ids and depths left out)."""
    return _signature(el.tag, el.get("class") or "")


@functools.lru_cache(maxsize=8192)
def _signature(tag: str, cls: str) -> str:
    classes = sorted(c for c in cls.split() if not _VARYING_CLASS.search(c.lower()))
    return tag + "." + ".".join(classes)


_AUTHOR, _DATE, _ACTION, _BODY, _TEASER = 1, 2, 4, 8, 16
_READ_MORE = re.compile(r"^(?:lire (?:la suite|plus|l'article)|read more|en savoir plus|continuer la lecture|"
                        r"voir l'article|suite)\s*[.…→»›]*$", re.I)
_KIND_BITS = {"author": _AUTHOR, "date": _DATE, "meta": _AUTHOR | _DATE, "action": _ACTION, "body": _BODY}


class _Evidence:
    """What each element's own text shows (author, date, action, body bits), computed once per element."""

    def __init__(self, root: etree._Element) -> None:
        self.pieces: dict[etree._Element, int] = {}
        self._subtree: dict[etree._Element, int] = {}
        self._own: dict[etree._Element, int] = {}
        for el in reversed(list(root.iter())):          # children before parents: one pass, no text analysis
            if not isinstance(el.tag, str) or el.tag in SKIP_TAGS or el.tag in SKIP_ZONE_TAGS or el.tag == "form":
                self.pieces[el] = 0
                continue
            n = 1 if el.text and el.text.strip() else 0
            for child in el:
                n += self.pieces.get(child, 0) + (1 if child.tail and child.tail.strip() else 0)
            self.pieces[el] = n

    def subtree(self, top: etree._Element) -> int:
        """Bits of an element's whole subtree, computed on demand (only candidate records are ever read)."""
        if top in self._subtree:
            return self._subtree[top]
        order = [el for el in top.iter() if self.pieces.get(el, 0) and el not in self._subtree]
        for el in reversed(order):
            bits = self.own(el)
            for child in el:
                if self.pieces.get(child, 0):
                    bits |= self._subtree.get(child, 0)
            self._subtree[el] = bits
        return self._subtree.get(top, 0)

    def own(self, el: etree._Element) -> int:
        """Bits of the element's own text, its children's tails, its ``datetime`` and its author markup."""
        bits = self._own.get(el)
        if bits is None:
            bits = _DATE if el.get("datetime") else 0
            if role(el, True) == "author" and text_of(el):
                bits |= _AUTHOR
            if el.tag == "a" and _is_teaser_link(el):
                bits |= _TEASER
            for text, linked in [(el.text, el.tag == "a")] + [(c.tail, el.tag == "a") for c in el]:
                piece = " ".join((text or "").split())
                if len(piece) >= 2:
                    bits |= _KIND_BITS.get(_piece_kind(piece, linked), 0)
            self._own[el] = bits
        return bits

    def of(self, elements: list[etree._Element], exclude: set[etree._Element]) -> tuple[bool, bool, bool, bool]:
        """(author, date, action, body) evidence of a candidate record, nested records left out; an article
        teaser (headline link, "Lire la suite") shows none, however much it looks like a record."""
        if not exclude:
            bits = 0
            for el in elements:
                bits |= self.subtree(el)
        else:
            bits = 0
            stack = list(elements)
            while stack:
                el = stack.pop()
                if el in exclude or not self.subtree(el):
                    continue
                bits |= self.own(el)
                stack.extend(c for c in el if isinstance(c.tag, str))
        if bits & _TEASER:
            return False, False, False, False
        return bool(bits & _AUTHOR), bool(bits & _DATE), bool(bits & _ACTION), bool(bits & _BODY)


def _is_teaser_link(a: etree._Element) -> bool:
    """A headline link of four words or more (not a forum's "Re: …" subject), or a "Lire la suite" link."""
    text = text_of(a)
    if _READ_MORE.match(text):
        return True
    if len(text.split()) < 4 or text.lower().startswith("re:"):
        return False
    return any(isinstance(p.tag, str) and p.tag in _HEADINGS for p in a.iterancestors())


@functools.lru_cache(maxsize=65536)
def _piece_kind(piece: str, linked: bool) -> str | None:
    """What one text piece of a candidate record shows: author, date, meta (both), action, body or nothing."""
    if is_date(piece):
        return "date"
    name = clean_name(piece)
    if name and len(name) <= 40 and (is_name(name) or is_pseudo(name, explicit=name != piece)):
        return "action" if line_kind(name)[0] == "action" else "author"
    kind = line_kind(piece)[0]
    if kind in ("author", "action"):
        return "meta" if kind == "author" else kind
    if name and author_meta(name):
        return "meta"
    if len(piece.split()) >= 3 and not linked and kind in ("prose", "quote", "link"):
        return "body"
    return None


def repeated_records(root: etree._Element) -> list[list[etree._Element]]:
    """Records of a template without comment markup: repeated sibling elements with meta + body, else repeated runs
    of two or three siblings (header + body, header + body + footer)."""
    evidence = _Evidence(root)
    pieces = evidence.pieces
    groups: dict[tuple[str, ...], list[list[etree._Element]]] = {}
    lone: dict[str, list[list[etree._Element]]] = {}
    families: list[tuple[list[etree._Element], list[str]]] = []
    for parent in root.iter():
        if not isinstance(parent.tag, str) or parent.tag in SKIP_TAGS or parent.tag in SKIP_ZONE_TAGS:
            continue
        kids = [c for c in parent if isinstance(c.tag, str) and c.tag not in SKIP_TAGS and c.tag != "br"
                and pieces.get(c, 0)]
        if len(kids) < 2:
            if kids and not signature(kids[0]).endswith("."):
                lone.setdefault(signature(kids[0]), []).append(kids)
            continue
        # a bare tag ("div.") says little: such records are grouped among siblings only, as in MDR
        sigs = [sig if not sig.endswith(".") else f"{sig}@{id(parent)}" for sig in map(signature, kids)]
        counts = Counter(sigs)
        for c, sig in zip(kids, sigs):
            (groups.setdefault((sig,), []) if counts[sig] >= 2 else lone.setdefault(sig, [])).append([c])
        families.append((kids, sigs))
    by_tag: dict[str, list[tuple[frozenset[str], str]]] = {}
    for sig in {k[0] for k in groups} | set(lone):
        tag, _, classes = sig.partition(".")
        if classes and "@" not in sig:
            by_tag.setdefault(tag, []).append((frozenset(classes.split(".")), sig))
    best, single = _best_group(groups, lambda key: _with_variants(key[0], groups, lone, by_tag), evidence, set())
    if not best:                           # records split over sibling runs: looked for only when none stands alone
        runs: dict[tuple[str, ...], list[list[etree._Element]]] = {}
        for kids, sigs in families:
            for k in (2, 3):
                for offset in range(k):
                    found = [(tuple(sigs[i:i + k]), kids[i:i + k]) for i in range(offset, len(kids) - k + 1, k)]
                    run_counts = Counter(key for key, _ in found)
                    for key, inst in found:
                        if run_counts[key] >= 2:
                            runs.setdefault(key + ("run", str(offset)), []).append(inst)
        best, _ = _best_group(runs, runs.__getitem__, evidence, single)
    if not best:
        return best
    order = {el: i for i, el in enumerate(root.iter())}
    return sorted(best, key=lambda inst: order[inst[0]])


def _best_group(groups: dict[tuple[str, ...], list[list[etree._Element]]],
                instances_of: Callable[[tuple[str, ...]], list[list[etree._Element]]], evidence: _Evidence,
                single: set[str]) -> tuple[list[list[etree._Element]], set[str]]:
    """The candidate group with the most valid records (the outer template on a tie), and the signatures whose
    elements were records on their own."""
    pieces = evidence.pieces
    best: list[list[etree._Element]] = []
    single = set(single)
    for key in groups:
        if len(key) > 1 and all(sig in single for sig in key[:-2]):
            continue                       # records side by side are not one record
        # a record shows a name and a body: two text pieces at least, and some text in each of its siblings
        instances = [inst for inst in instances_of(key) if sum(pieces.get(e, 0) for e in inst) >= max(2, len(inst))]
        if len(instances) < 2:
            continue
        tops = {inst[0] for inst in instances}
        strict = 0
        for tried, inst in enumerate(instances):
            strict += _valid(inst, tops, evidence, strict=True)
            if strict >= 2 or (strict == 0 and tried >= 30):
                break                      # thirty misses in a row: a list of something else
        if strict < 2:
            continue
        valid = [inst for inst in instances if _valid(inst, tops, evidence, strict=False)]
        if len(key) == 1:
            single.add(key[0])
        if len(valid) > len(best) or (len(valid) == len(best) and best and _encloses(valid, best)):
            best = valid
    return best, single


def _with_variants(sig: str, groups: dict[tuple[str, ...], list[list[etree._Element]]],
                   lone: dict[str, list[list[etree._Element]]],
                   by_tag: dict[str, list[tuple[frozenset[str], str]]]) -> list[list[etree._Element]]:
    """Instances of a signature plus those of the same tag carrying extra classes (a reply's "comment reply")."""
    tag, _, classes = sig.partition(".")
    mine = frozenset(filter(None, classes.split(".")))
    out = list(groups.get((sig,), []))
    if not mine or "@" in sig:
        return out
    for other_classes, other in by_tag.get(tag, ()):
        if mine < other_classes:
            out.extend(groups.get((other,), []))
            out.extend(lone.get(other, []))
    return out + lone.get(sig, [])


def _valid(inst: list[etree._Element], tops: set[etree._Element], evidence: _Evidence, strict: bool) -> bool:
    """A record holds a name, a body of prose, and a date or a reply link; a run of siblings has its meta first.

    ``strict`` establishes a template (two records at least must pass it); once established, a record of
    it needs only a body and one piece of metadata (an author line such as "Un paysan de Niono").
    """
    nested = {d for e in inst for d in e.iterdescendants() if d in tops} if len(tops) > 1 else set()
    if len(inst) == 1:
        author, date, action, body = evidence.of(inst, nested)
    else:
        head, tail = evidence.of(inst[:1], nested), evidence.of(inst[1:], nested)
        if not tail[3] or not (head[0] or head[1]) or (head[3] and (strict or not head[1])):
            return False                   # leniently, a dated head line may hold a wordy name
        author, date, action, body = head[0] or tail[0], head[1] or tail[1], head[2] or tail[2], True
    if strict:
        return author and body and (date or action)
    return body and (author or date or action)


def _encloses(outer: list[list[etree._Element]], inner: list[list[etree._Element]]) -> bool:
    """True when the first record of ``outer`` contains the first record of ``inner`` (prefer the outer template)."""
    a, b = outer[0][0], inner[0][0]
    return any(x is a for x in b.iterancestors())


def build(root: etree._Element, found: Markup) -> list[Record]:
    """The comment records of the page, structure first, with parents; [] when none is found."""
    for candidates in (found.typed, found.items):
        records = read_records([[el] for el in candidates])
        if records:
            return records
    return read_records(repeated_records(root))


def read_records(instances: list[list[etree._Element]]) -> list[Record]:
    """Fields and parents of candidate records; records without text (wrappers) are dropped."""
    tops = {inst[0] for inst in instances}
    owned = {el for inst in instances for el in inst}
    records: list[Record] = []
    index: dict[etree._Element, int] = {}
    wrappers: dict[etree._Element, list[etree._Element]] = {}
    for inst in instances:
        nested = {d for e in inst for d in e.iterdescendants() if d in owned}
        fields = read_record(inst, nested)
        if fields.text:
            index[inst[0]] = len(records)
            records.append(Record(inst, fields))
        else:
            wrappers[inst[0]] = inst
    canonical = {w: next((index[d] for d in w.iterdescendants() if d in index), None) for w in wrappers}
    for rec in records:
        rec.anchor = rec.elements[0]
    for w, c in canonical.items():
        if c is not None and any(a is w for a in records[c].anchor.iterancestors()):
            records[c].anchor = w
    ids = {rec.elements[0].get("id"): i for i, rec in enumerate(records) if rec.elements[0].get("id")}
    for i, rec in enumerate(records):
        rec.parent = _structural_parent(rec.elements[0], i, index, canonical, tops)
        if rec.parent is None:
            rec.parent = _attribute_parent(rec.elements[0], i, ids)
        if rec.parent is None and rec.fields.reply_to:
            want = fold_line(rec.fields.reply_to)
            rec.parent = next((j for j in range(i - 1, -1, -1)
                               if records[j].fields.author and fold_line(records[j].fields.author) == want), None)
        if rec.parent is None and rec.fields.text.startswith("@"):
            rec.parent = _mentioned(records, i)
    return _drop_topic_opener(_drop_deleted(records))


def _mentioned(records: list[Record], i: int) -> int | None:
    """The latest earlier record whose author the comment opens on ("@Dr Hamidou B. : tout à fait d'accord")."""
    text = fold_line(records[i].fields.text[1:80])
    for j in range(i - 1, -1, -1):
        author = records[j].fields.author
        if author and len(author) >= 2 and text.startswith(fold_line(author)):
            return j
    return None


def _attribute_parent(el: etree._Element, me: int, ids: dict[str, int]) -> int | None:
    """An earlier record named by id in one of this record's attributes (``data-en-reponse-a="reaction-7301"``,
    ``data-parent="#c12"``): flat threads that mark replies only in their data attributes."""
    for name, value in el.attrib.items():
        if name not in ("id", "class", "style"):
            j = ids.get(value.strip().lstrip("#"))
            if j is not None and j < me:
                return j
    return None


def _drop_deleted(records: list[Record]) -> list[Record]:
    """Leave out "Ce commentaire a été supprimé." placeholders; their replies then answer nobody on the page."""
    keep = [i for i, r in enumerate(records) if not DELETED.match(r.fields.text)]
    if len(keep) == len(records):
        return records
    new_index = {old: new for new, old in enumerate(keep)}
    out = []
    for i in keep:
        r = records[i]
        r.parent = new_index.get(r.parent) if r.parent is not None else None
        out.append(r)
    return out


def _structural_parent(el: etree._Element, me: int, index: dict[etree._Element, int],
                       canonical: dict[etree._Element, int | None], tops: set[etree._Element]) -> int | None:
    """Index of the record this one replies to: an enclosing record, or the record just before its reply container."""
    for anc in el.iterancestors():
        if anc in index:
            return index[anc]
        if anc in canonical:
            c = canonical[anc]
            if c is not None and c != me:
                return c
            continue
        prev = anc.getprevious()
        while prev is not None and (not isinstance(prev.tag, str) or (prev.tag == "a" and not text_of(prev))):
            prev = prev.getprevious()
        if prev is not None and prev in index and prev not in tops - set(index):
            return index[prev] if index[prev] != me else None
        if prev is not None and prev in canonical and canonical[prev] not in (None, me):
            return canonical[prev]
    return None


def _drop_topic_opener(records: list[Record]) -> list[Record]:
    """A forum thread's first post is the article itself when most later posts answer "Re: <its subject>"."""
    first = records[0].fields.title if records else None
    if len(records) < 2 or not first:
        return records
    answer = "re: " + fold_line(first)
    if sum(fold_line(r.fields.title or "") == answer for r in records[1:]) * 2 < len(records) - 1:
        return records
    rest = records[1:]
    for r in rest:
        r.parent = None if r.parent in (None, 0) else r.parent - 1
    return rest
