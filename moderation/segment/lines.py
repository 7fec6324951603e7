"""The line model for text pages (and HTML pages without comment markup).

Every non-blank line is typed by keyword patterns (site furniture, comment
form or notice, comment heading, article-end marker such as ``Source:``, byline
or dateline, comment header or trailer such as "X a écrit le … :" or "Posté par
X le …", reply/vote line, signature such as "Ibrahima S., Kayes", bare link,
quotation, prose). Prose lines get log-odds of being a comment from named cues
(:func:`cues`: first/second person, shouting, masked words, informal typing
against reporting verbs, dated weekdays, headline shape, reported speech) and
position cues (before the article end, after a comment heading, under a comment
header), weighted by :data:`LINE_WEIGHTS`. A thread is one contiguous block
after the article, so the comments are the block with the highest total score
(maximum-sum subarray, linear time), started under its heading and kept only
with thread evidence around it; an interview's turns are article text. Inside
the block, lines are grouped only on evidence: header to header, quote + reply,
comment + link or signature, "Name : text" lines one each.
"""
from __future__ import annotations

import functools
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from .comments import Comment
from .patterns import (ACTION_PART, ACTION_SPLIT, ADJ_SUFFIX, AUXILIARIES, BYLINE, CALL_TO_ACTION, COLON_HEAD,
                       COMMON_WORDS, COOKIE_CONTEXT, DATE_BY, DATE_WORDS, DIGIT, ELIDED, EMOJI, EMOTICON, END,
                       EN_WORDS, FORM, FR_WORDS, FURNITURE_SHORT, HEADING, INFORMAL, INVERTED, LETTER, LINK,
                       LIST_HEADING, MASKED, MENU_SEP, NAME_DATE_SPLIT, NAME_PARTICLES, NAME_TOKEN, NEWS_PHRASES,
                       BYLINE_DATED, DATELINE, IDENTITY_DATE, INLINE_AUTHOR, NAME_PLACE, PAREN_DATE, NOTICES, NOT_IN_NAME, CONTACT, DATE_FIRST, SIGNATURE_PARENS, SIGNATURE_ROLE, RATING, REPLY_HEADER, SENTENCE_END, SIGNED_BY, SUBMIT, OPINION_PHRASES, OPINION_WORDS, PAYWALL_SECTION, POSTED_BY, PRONOUNS,
                       PSEUDO_TOKEN, QUOTE, RELATIVE_DATES, REPORTING, SAYS, SMS, SPACED_APOSTROPHE, STRIP_QUOTES,
                       UPPER, WEEKDAYS, WEEKDAY_NEXT, WORD)
from .tables import read_table


def fold_line(s: str) -> str:
    """Normalised form for keyword matching: lower case, straight apostrophes, single spaces."""
    return " ".join(s.replace("’", "'").replace("\u00a0", " ").lower().split())



def numbered_lines(text: str) -> Iterator[tuple[int, str]]:
    """Non-blank lines with their 1-based number (``\\n`` separated, so numbers match editors)."""
    for i, line in enumerate(text.split("\n"), 1):
        if line.strip():
            yield i, line



def _has_date_anchor(n: str) -> bool:
    """A digit or a relative-date word: every date line has one (cheap pre-check)."""
    return bool(DIGIT.search(n)) or any(w in n for w in RELATIVE_DATES)


def _journalistic(bare: str) -> int:
    """Count of reporting cues: "a déclaré", "jeudi 11 septembre", "a-t-il", "lors de"..."""
    toks = bare.replace(",", " ").replace(".", " ").split()
    hits = sum(w in bare for w in NEWS_PHRASES)
    for i, tok in enumerate(toks[:-1]):
        nxt = toks[i + 1]
        if tok in AUXILIARIES:
            hits += nxt in REPORTING or (nxt in ("notamment", "également", "ainsi") and
                                          i + 2 < len(toks) and toks[i + 2] in REPORTING)
        elif tok in WEEKDAYS:
            hits += nxt[:1].isdigit() or nxt in WEEKDAY_NEXT
    return hits


def is_name(s: str) -> bool:
    """Short line made of capitalised name tokens (signature or author): "KAN", "Awa K. Traoré"."""
    if len(s) > 45 or NOT_IN_NAME.search(s):
        return False
    toks = s.split()
    if not 1 <= len(toks) <= 6:
        return False
    caps = 0
    for tok in toks:
        low = tok.lower().replace("’", "'").strip(".")
        if low in COMMON_WORDS:
            return False
        if low in NAME_PARTICLES:
            continue
        if not NAME_TOKEN.fullmatch(tok):
            return False
        caps += 1
    if caps == 0:
        return False
    return not (len(toks) == 1 and not toks[0].isupper() and ADJ_SUFFIX.search(toks[0].lower()))


def is_pseudo(s: str, explicit: bool = False) -> bool:
    """Looser author handle ("kader227", "Baye Fall 77"); any words when the line says "par X"/"X dit"."""
    toks = s.split()
    return 1 <= len(toks) <= 5 and len(s) <= 40 and all(PSEUDO_TOKEN.fullmatch(t) for t in toks) and \
        (explicit or not any(t.lower() in COMMON_WORDS for t in toks))


def is_action(text: str) -> bool:
    """A line of reply/vote/report links, counts and dates only ("↑ 14   ↓ 0   Répondre", "il y a 6 h · Signaler")."""
    if RATING.fullmatch(text.strip()):
        return True                     # "★★★★☆", "●●●○○ 4/5": a rating, not words
    parts = [fold_line(p) for p in ACTION_SPLIT.split(text.replace("\u00a0", " ")) if p.strip()]
    acts = [bool(ACTION_PART.match(p)) for p in parts]
    return any(acts) and all(a or is_date(p) for a, p in zip(acts, parts))


@functools.lru_cache(maxsize=16384)
def is_date(s: str) -> bool:
    """A line that is only a date/time ("Publié samedi 13 septembre 2025 à 17:07", "il y a 3 heures")."""
    if len(s) > 90:
        return False
    n = fold_line(s)
    if len(n) > 70 or not _has_date_anchor(n) or "+" in n:       # "+5 / -1" is a vote count
        return False
    return all(tok.isdigit() or tok in DATE_WORDS for tok in re.findall(r"[^\W\d_]+|\d+", n))


def is_identity(s: str) -> bool:
    """A short signature-like identity: "Kodjo A. (Lomé)", "u*****@gmail.com", "Un paysan de Niono", "#4 Anonyme"."""
    s = s.strip()
    if not s or len(s) > 60 or "!" in s or "?" in s or len(s.split()) > 7:
        return False
    if re.search(r"(?<![A-Z])[.;:]\s", s + " ") and not re.fullmatch(r"[^\s]+@[^\s]+", s):
        return False                   # a sentence, not a name ("A." initials are fine)
    if any(t in AUXILIARIES or t in ("est", "sont", "été") for t in s.lower().split()):
        return False
    return bool(LETTER.search(s)) and not s[:1].islower() or "@" in s or s[:1] == "#"


def author_meta(s: str) -> tuple[str, str | None] | None:
    """(author, date) when the line is comment metadata ("Awa dit :", "Moussa - 12/09/2025", "Posté le ... par X",
    "#1 Kodjo A. (Lomé) — 04/09/2024 08:11", "↳ Réponse de Grâce N. à Jean-Bosco M. – 06/01/2025 18:20")."""
    m = SAYS.match(s)
    when = m and (m["rest"] if m["rest"] is not None else m["when"])
    if m and is_pseudo(m["name"], explicit=True) and (not when or is_date(when)):
        return m["name"].strip(), (when.strip() if when else None)
    m = REPLY_HEADER.match(s)
    if m and (not m["rest"] or is_date(m["rest"])):
        return m["name"].strip(), (m["rest"] or "").strip() or None
    m = POSTED_BY.match(s)
    if m:
        name, rest = (m["name"], m["rest"]) if m["name"] is not None else (m["name2"], m["rest2"])
        if is_pseudo(re.sub(r"\s*\([^()]{1,30}\)$", "", name), explicit=True) and is_date(rest):
            return name.strip(), rest.strip()
    m = DATE_FIRST.match(s)
    if m and is_pseudo(m["name"], explicit=True) and is_date(m["when"]):
        return m["name"].strip(), m["when"].strip()
    m = DATE_BY.match(s)
    if m and is_pseudo(m["name"], explicit=True) and is_date(m["rest"]):
        return m["name"].strip(), m["rest"].strip()
    parts = NAME_DATE_SPLIT.split(s, maxsplit=1)
    if len(parts) == 2 and (is_name(parts[0]) or is_pseudo(parts[0])) and is_date(parts[1]):
        return parts[0].strip(), parts[1].strip()
    toks = s.split()
    for k in range(1, min(len(toks), 6)):          # "Fousseyni D. 03/09/2025 – 10:12": a name, then a date
        head = " ".join(toks[:k]).rstrip(" ,·|-–—")
        rest = " ".join(toks[k:])
        if toks[k][:1].isdigit() and (is_name(head) or is_pseudo(head) or SIGNED_BY.match(head)) and is_date(rest) and \
                re.search(r"\d[/.-]\d|\d[:h]\d\d|[^\W\d_]{3}", rest):
            return head, rest
    m = IDENTITY_DATE.match(s) or PAREN_DATE.match(s)
    if m and is_date(m["rest"]) and is_identity(m["name"]) and not re.search(r"\d[/.]\d", m["name"]):
        return m["name"].strip(), m["rest"].strip()
    who, comma, rest = s.rpartition(",")          # "Samba — Kédougou, 08/04 à 11:02"
    if comma and 2 <= len(who) <= 45 and is_date(rest) and is_signature(who.strip()):
        return who.strip(), rest.strip()
    return None


def _name_date_actions(text: str) -> tuple[str, str] | None:
    """(name, date) of a "Didier_Yop · il y a 2 heures · Signaler" line: a handle, a date, links."""
    parts = [p.strip() for p in ACTION_SPLIT.split(text.replace("\u00a0", " ")) if p.strip()]
    if len(parts) < 2 or not (is_name(parts[0]) or is_pseudo(parts[0])):
        return None
    rest = [fold_line(p) for p in parts[1:]]
    dates = [p for p, f in zip(parts[1:], rest) if is_date(p)]
    if len(dates) != 1 or not all(is_date(p) or ACTION_PART.match(f) for p, f in zip(parts[1:], rest)):
        return None
    return parts[0], dates[0]


def is_signature(s: str) -> bool:
    """A signature line under a comment: "Ibrahima S., Kayes", "J.-P. N. / Douala", "Un Malien de Kayes"."""
    if len(s) > 45 or "!" in s or "?" in s or s.rstrip()[-1:] in ".:;" and not re.search(r"\b[A-Z]\.$", s):
        return False
    if SIGNED_BY.match(s):
        return True
    if s[:2] in ("— ", "– ", "- ") and len(s) > 3:           # "— Parent d'étudiant, Bouaké"
        inner = s[2:].strip()
        return is_signature(inner) or is_name(inner) or (len(inner.split()) <= 6 and inner[:1].isupper() and
                                                         not re.search(r"[.!?:;«»]", inner))
    m = SIGNATURE_PARENS.match(s)
    if m:                                   # "(Thierno, Labé)", "(Un ingénieur, Conakry)"
        return is_signature(m["inner"].strip()) or is_name(m["inner"].strip())
    m = SIGNATURE_ROLE.match(s)
    if m and is_name(m["who"]) and not any(w in COMMON_WORDS for w in m["role"].split()[:1]):
        return True
    m = NAME_PLACE.match(s)
    if not m:
        return False
    who, where = m["who"].strip(), m["where"].strip()
    return (is_name(who) or (is_pseudo(who) and who[:1].isupper())) and \
        all(t[:1].isupper() or t.lower() in NAME_PARTICLES for t in where.split())


@dataclass
class Unit:
    """One non-blank line (or HTML block) and what the model made of it."""

    text: str
    line: int | None = None
    path: str | None = None
    kind: str = "prose"
    score: float = 0.0
    author: str | None = None
    date: str | None = None
    features: dict[str, float] = field(default_factory=dict)
    row: list[float] | None = None      # wording-free typing row (text dumps), read by the line models


# Kinds that never become comments, with their weight in the block search.
HANDLE = re.compile(r"(?=[\w.-]*[A-Za-zÀ-ÿ])(?=[\w.-]*[_\d])[\w.-]{3,25}")     # "Blaise_237", "kader227"

_BREAK_WEIGHT = {"dialogue": -2.0, "furniture": -2.5, "list_heading": -2.5, "teaser": -2.5, "dup": -2.0, "end": -2.0,
                 "form": -1.0, "paywall": -1.0, "byline": -0.3, "heading": 0.0,
                 "author": 0.3, "date": 0.3, "action": 0.3, "meta": -0.3, "signature": 0.3, "name": 0.0, "quote": 0.0, "link": 0.0,
                 "rule": 0.0, "avatar": 0.0}
_SECTION_KINDS = {"form", "heading", "paywall"}


def line_kind(text: str) -> tuple[str, str | None, str | None]:
    """Line type from keyword patterns, plus (author, date) for comment headers."""
    n = fold_line(text)
    words = len(n.split())
    if LINK.fullmatch(n):
        return "link", None, None
    if words <= 12 and (HEADING.match(n) or HEADING.match(n.strip("—–-=*~ "))):
        return "heading", None, None
    if len(n) <= 250 and "!" not in n and ("abonn" in n or "subscri" in n) and PAYWALL_SECTION.search(n):
        return "paywall", None, None
    if (len(n) <= 100 or (len(n) <= 250 and "comment" in n)) and (FORM.search(n) or FORM.search(n.lstrip("😀🙂😊 "))):
        return "form", None, None
    if END.match(n):
        return "end", None, None
    if len(n) <= 160 and LIST_HEADING.match(n):
        return "list_heading", None, None
    if not any(ch.isalnum() for ch in n) and "**" not in n:
        return "rule", None, None       # "————" separators (a line of stars is a masked comment)
    if words <= 12 and is_action(text):
        return "action", None, None
    if is_date(text):
        return "date", None, text.strip()
    if BYLINE_DATED.match(n) or DATELINE.match(n):
        return "byline", None, None     # the article's "Par X | Publié le …" or "Libreville, le 12 novembre 2024"
    trailer = _name_date_actions(text) if words <= 14 and _has_date_anchor(n) else None
    if trailer:
        return "author", trailer[0], trailer[1]
    meta = author_meta(text) if len(text) <= 120 and (":" in n or _has_date_anchor(n)) else None
    if meta:
        return "author", meta[0], meta[1]
    m = BYLINE.match(text)
    if m and is_name(m["name"]):
        return "byline", None, None
    if (words <= 8 and FURNITURE_SHORT.match(n.rstrip(" ↗→›»↓↑*"))) or SUBMIT.search(n) or (len(n) <= 160 and (any(x in n for x in NOTICES) or CALL_TO_ACTION.match(n))) \
            or ("cookie" in n and (words <= 10 or COOKIE_CONTEXT.search(n))) or ("@" in n and CONTACT.search(n)) \
            or (len(MENU_SEP.findall(n)) >= 2 and all(len(p.split()) <= 3 for p in MENU_SEP.split(n))):
        return "furniture", None, None
    if is_name(text) or HANDLE.fullmatch(text.strip()):
        return "name", None, None
    if is_signature(text.strip()):
        return "signature", None, None
    if QUOTE.match(text):
        return "quote", None, None
    return "prose", None, None


#: Hand-set log-odds weights of the cues of a prose line (``cues()`` and the position cues of ``_type_units``).
HAND_WEIGHTS: dict[str, float] = {
    "bias": -0.5, "pronoun": 1.0, "pronouns3": 0.4, "exclaim": 1.0, "question": 0.6, "shouting": 1.5,
    "masked": 2.0, "opinion": 1.0, "informal": 1.0, "english": 0.8, "link": 0.3, "journalistic": -0.7,
    "guillemets": -0.4, "long": -0.6, "headline": -1.5, "unfinished": -0.3,
    "before_anchor": -1.2, "after_end": 0.5, "after_heading": 1.2, "in_record": 1.5, "before_reply": 0.8,
    # context cues added for the learnt table (0 in the hand table, which predates them)
    "before_heading": 0.0, "run_before_meta": 0.0, "bare_page": 0.0, "in_section": 0.0, "short": 0.0,
}
FEATURES = tuple(HAND_WEIGHTS)


def _line_weights() -> dict[str, float]:
    """Learnt cue weights when ``scripts/train_line_model.py --write`` stored them beside this module, else the
    hand table (the shipped choice: the learnt table did not beat it on the dev pages, see docs/segmenter.md)."""
    table = read_table(Path(__file__).with_name("line_weights.json"),
                       lambda t: isinstance(t["weights"], dict) and set(t["weights"]) <= set(HAND_WEIGHTS),
                       "prose lines use the hand weights", "python scripts/train_line_model.py --write")
    return HAND_WEIGHTS if table is None else {**HAND_WEIGHTS, **table["weights"]}


LINE_WEIGHTS = _line_weights()


def cues(text: str) -> dict[str, float]:
    """What a prose line shows by itself: first/second person, shouting, masked words, informal typing (comment
    cues) against reporting verbs, dated weekdays, reported speech and headline shape (article cues)."""
    t = text.replace("’", "'")
    low = t.lower()
    bare = STRIP_QUOTES.sub(" ", low) if ("«" in t or "“" in t or '"' in t) else low   # reported speech
    words_low = WORD.findall(INVERTED.sub(" ", bare) if "-" in bare else bare)
    pron = sum(w in PRONOUNS for w in words_low)
    upper = len(UPPER.findall(t))
    first_alpha = LETTER.search(t)
    informal = sum(0.6 for rx in INFORMAL if rx.search(low))
    informal += 0.6 if ("' " in low or " '" in low) and SPACED_APOSTROPHE.search(low) else 0.0   # "c’ est"
    informal += 0.6 if any(w in ELIDED for w in words_low) else 0.0         # "c est", "d avoir"
    informal += 0.6 if first_alpha and first_alpha.group().islower() else 0.0
    informal += 0.6 if any(w in SMS for w in words_low) else 0.0
    informal += 0.6 if EMOJI.search(t) or ((":" in t or ";" in t) and EMOTICON.search(t)) else 0.0
    en = sum(w in EN_WORDS for w in words_low)
    words = t.split()
    headline = unfinished = 0.0
    if words and not re.search(r"[.!?…»”\")]$", t.rstrip()) and len(words) >= 4:
        long_words = [w for w in words if len(w) > 3 and w[0].isalpha()]
        titled = sum(w[0].isupper() for w in long_words)
        title_case = len(long_words) >= 4 and titled >= 0.6 * len(long_words) and not t.isupper()
        if COLON_HEAD.match(t) or title_case:
            headline = 1.0
        elif len(words) >= 6:
            unfinished = 1.0
    return {
        "bias": 1.0,
        "pronoun": float(pron > 0),
        "pronouns3": float(pron >= 3),
        "exclaim": float("!" in bare),
        "question": float("?" in bare),
        "shouting": float(upper >= 7 and upper >= 0.7 * len(LETTER.findall(t))),
        "masked": float("**" in t and bool(MASKED.search(t))),
        "opinion": float(any(w in OPINION_WORDS for w in words_low) or any(p in bare for p in OPINION_PHRASES)),
        "informal": min(informal, 1.5),
        "english": float(en >= 3 and en > sum(w in FR_WORDS for w in words_low)),
        "link": float(bool(LINK.search(low))),
        "journalistic": float(min(_journalistic(bare), 3)),
        "guillemets": float("«" in t or "“" in t),
        "long": float(len(t) > 400),
        "headline": headline,
        "unfinished": unfinished,
    }


def weigh(features: dict[str, float], weights: dict[str, float]) -> float:
    """Log-odds of a prose line being a comment line under ``weights``."""
    return sum(weights.get(k, 0.0) * v for k, v in features.items())


_SPEAKERS = frozenset({"q", "r", "question", "réponse", "reponse"})     # "Q : …" / "R : …" interviews


def _mark_dialogue(units: list[Unit]) -> None:
    """An interview ("Le Soleil : …" / "Ibrahim Moussa : …" taking turns) is article text, not a thread."""
    inline = [u for u in units if u.kind == "prose" and u.author]
    counts: dict[str, int] = {}
    for u in inline:
        counts[u.author] = counts.get(u.author, 0) + 1
    speakers = sorted(counts, key=counts.get, reverse=True)[:2]
    if len(inline) >= 4 and len(speakers) == 2 and min(counts[s] for s in speakers) >= 2 and \
            sum(counts[s] for s in speakers) >= 0.8 * len(inline):
        for u in inline:
            if u.author in speakers:
                u.kind, u.author = "dialogue", None


def _skeleton(text: str) -> str | None:
    """Shape of a short line: words as 'a', numbers as '0', punctuation kept ("+0/-0", "a—a,0/0a0:0"); None for
    lines too long or without digits or separators, or ending a sentence."""
    if len(text) > 70 or len(text.split()) > 8:
        return None
    sk = _shape(text)
    return sk if re.search(r"[0/|·•—–+]", sk) and not re.search(r"[.!?]$", text.strip()) else None


def _mark_repeated_meta(units: list[Unit]) -> None:
    """Short prose lines of one shape seen twice at least, each under other text ("+5 / -1", "Samba — Kédougou,
    08/04 à 11:02"): the furniture of repeated comment records, whatever its wording; typed as action lines."""
    shapes: dict[str, list[int]] = {}
    for i, u in enumerate(units):
        if u.kind == "prose":
            sk = _skeleton(u.text)
            if sk:
                shapes.setdefault(sk, []).append(i)
    for idx in shapes.values():
        if len(idx) >= 2 and all(i > 0 and units[i - 1].kind in ("prose", "signature", "name") for i in idx):
            for i in idx:
                units[i].kind = "action"


#: Pattern kinds the line-typing model sees as a one-hot feature ("meta" is its own output, never an input).
TYPING_KINDS = ("prose", "heading", "form", "end", "list_heading", "rule", "action", "date", "byline", "author",
                "furniture", "name", "signature", "quote", "link", "paywall", "dup", "teaser", "avatar", "dialogue")
_CUE_NAMES = ("pronoun", "pronouns3", "exclaim", "question", "shouting", "masked", "opinion", "informal", "english",
              "link", "journalistic", "guillemets", "long", "headline", "unfinished")
_TIME_SHAPE = re.compile(r"\d{1,2}\s?[:h]\s?\d{2}\b|\b\d{1,4}[/.-]\d{1,2}(?:[/.-]\d{2,4})?\b")
_HANDLE_SHAPE = re.compile(r"[@#]\w|\[[^\]]{2,30}\]|\b\w*[a-zA-Z]\w*(?:_\w+|\d{2,})\b")
_RECORD_SHAPE = re.compile(r"[0|·•—–+/:\[\]↪↳⚑]")     # a skeleton with digits or separators
_SEPARATORS = re.compile(r"[|•·⚑↪↳▾]|\s{3,}|\s[—–]\s")
_OWN = ("len", "words", "caps", "digits", "punct", "sentence_end", "colon_end", "time_shape", "handle_shape",
        "separators", "symbol_start", "lower_start", "shape_repeat", "shape_repeat2", "position", "after_section",
        "after_last_section", "before_first_form", "blank_before", "blank_after", "before_first_record",
        "after_last_record", "short_run")
_NEIGHBOUR = ("len", "sentence_end", "digits", "time_shape", "separators", "shape_repeat2", "prose", "sentence_like")
TYPING_FEATURES = (_OWN + tuple(f"kind_{k}" for k in TYPING_KINDS) + tuple(f"cue_{k}" for k in _CUE_NAMES) +
                   tuple(f"prev_{k}" for k in _NEIGHBOUR) + tuple(f"next_{k}" for k in _NEIGHBOUR))


def _shape(text: str) -> str:
    """Wording-free skeleton of a line: letters runs as 'a', digit runs as '0', punctuation kept, spaces dropped."""
    sk = re.sub(r"[^\W\d_]+", "a", re.sub(r"\d+", "0", text[:120]))
    return re.sub(r"a(?:[\s'’.-]*a)*", "a", sk).replace(" ", "")


def typing_rows(units: list[Unit], blank_before: list[bool], shapes: list[str] | None = None) -> list[list[float]]:
    """One row of :data:`TYPING_FEATURES` per unit (units typed by the patterns): the line's shape (length, shares
    of capitals, digits and punctuation, sentence end, date/time and handle shapes, separators), how often its
    skeleton repeats on the page, its position (page share, after the first heading/form/end marker, before the
    first form), blank lines around it, its pattern kind, its prose cues, and the same shape figures of the
    lines before and after it. No word list beyond the pattern kinds and the prose cues."""
    n = len(units)
    shapes = shapes if shapes is not None else [_shape(u.text) for u in units]
    counts = Counter(shapes)
    first_section = next((i for i, u in enumerate(units) if u.kind in ("heading", "form", "end", "paywall")), n)
    last_section = max((i for i, u in enumerate(units) if u.kind in ("heading", "end")), default=n)
    first_form = next((i for i, u in enumerate(units) if u.kind == "form"), n)
    record = [i for i, (u, sk) in enumerate(zip(units, shapes)) if counts[sk] >= 2 and len(u.text) <= 100 and
              _RECORD_SHAPE.search(sk)]     # repeated lines with digits or separators: record furniture
    first_record, last_record = (record[0], record[-1]) if len(record) >= 2 else (n, -1)
    short = [len(u.text) <= 60 and not SENTENCE_END.search(u.text.rstrip()) for u in units]
    own: list[dict[str, float]] = []
    for i, u in enumerate(units):
        t = u.text
        chars = max(len(t), 1)
        letters = len(LETTER.findall(t))
        rt = t.rstrip()
        own.append({
            "len": min(len(t), 600) / 200.0,
            "words": min(len(t.split()), 100) / 30.0,
            "caps": len(UPPER.findall(t)) / max(letters, 1),
            "digits": sum(ch.isdigit() for ch in t) / chars,
            "punct": sum(not ch.isalnum() and not ch.isspace() for ch in t) / chars,
            "sentence_end": float(bool(SENTENCE_END.search(rt)) or bool(EMOJI.search(rt[-2:]))),
            "colon_end": float(rt.endswith(":")),
            "time_shape": float(bool(_TIME_SHAPE.search(t))),
            "handle_shape": float(bool(_HANDLE_SHAPE.search(t))),
            "separators": min(len(_SEPARATORS.findall(t)), 3) / 3.0,
            "symbol_start": float(bool(t) and not t[0].isalnum() and t[0] not in "«“\"(-—–"),
            "lower_start": float(bool(t) and t[0].islower()),
            "shape_repeat": min(counts[shapes[i]] - 1, 6) / 6.0 if len(t) <= 120 else 0.0,
            "shape_repeat2": float(counts[shapes[i]] >= 2 and len(t) <= 120),
            "position": i / max(n - 1, 1),
            "after_section": float(i > first_section),
            "after_last_section": float(i > last_section),
            "before_first_form": float(i < first_form),
            "blank_before": float(blank_before[i]) if i < len(blank_before) else 0.0,
            "blank_after": float(blank_before[i + 1]) if i + 1 < len(blank_before) else 1.0,
            "before_first_record": float(i < first_record),
            "after_last_record": float(i > last_record >= 0),
            "short_run": sum(short[max(0, i - 2):i + 3]) / 5.0 if short[i] else 0.0,
            "prose": float(u.kind == "prose"),
        })
    rows = []
    for i, u in enumerate(units):
        o = own[i]
        row = [o[k] for k in _OWN]
        row += [float(u.kind == k) for k in TYPING_KINDS]
        cue = u.features if u.kind == "prose" and u.features else cues(u.text)
        row += [float(cue.get(k, 0.0)) for k in _CUE_NAMES]
        for j in (i - 1, i + 1):
            if 0 <= j < n:
                q = own[j]
                row += [q["len"], q["sentence_end"], q["digits"], q["time_shape"], q["separators"], q["shape_repeat2"],
                        q["prose"], float(q["sentence_end"] and q["words"] * 30 >= 6)]
            else:
                row += [0.0] * len(_NEIGHBOUR)
        rows.append(row)
    return rows


def typing_logits(units: list[Unit], blank_before: list[bool], model: dict,
                  shapes: list[str] | None = None) -> list[float]:
    """Log-odds that each unit is comment text under the learnt line-typing ``model`` (``line_typing.json``);
    each unit keeps its typing row (``Unit.row``) for the second stage."""
    mean, scale, coef = model["mean"], model["scale"], model["coef"]
    bias = model["bias"]
    out = []
    for u, row in zip(units, typing_rows(units, blank_before, shapes)):
        u.row = row
        out.append(bias + sum(c * (x - m) / s for c, x, m, s in zip(coef, row, mean, scale)))
    return out


def _typing_model() -> dict | None:
    """The learnt line-typing model stored by ``scripts/train_line_model.py --write`` (None: patterns only)."""
    # a table built for other features would score garbage: patterns only, and say so
    return read_table(Path(__file__).with_name("line_typing.json"),
                      lambda t: tuple(t["features"]) == TYPING_FEATURES and len(t["coef"]) == len(TYPING_FEATURES),
                      "lines are typed by the patterns alone", "python scripts/train_line_model.py --write")


TYPING_MODEL = _typing_model()
#: a prose line whose log-odds of being comment text is below this is typed "meta" (record furniture)
META_BELOW = -3.0
#: only short lines are retyped (record furniture is short; an article paragraph keeps its prose score)
META_MAX_CHARS = 100
#: share of the typing log-odds added to a prose line's cue score
TYPING_SHARE = 1.0
#: the typing log-odds added to a prose score is capped: it mostly tells furniture from text, the cues tell the rest
TYPING_CAP = 0.0
#: log-odds between -TYPING_DOUBT and 0 leave a prose score alone (the model is unsure there)
TYPING_DOUBT = 1.0


def _type_units(units: list[Unit], blank_before: list[bool], weights: dict[str, float],
                typing: dict | None = None) -> None:
    """Set each unit's kind and score, using its neighbours (duplicates, teasers, headers, priors)."""
    seen: set[str] = set()
    for u in units:
        u.kind, u.author, u.date = line_kind(u.text)
        key = fold_line(u.text)
        if u.kind == "prose" and len(key.split()) >= 4 and key in seen:
            u.kind = "dup"                      # repeated title or teaser
        seen.add(key)
        if u.kind == "prose":
            u.features = cues(u.text)
            u.score = weigh(u.features, weights)      # the line alone; position cues are added below
            m = INLINE_AUTHOR.match(u.text)
            name = m["name"].strip() if m else ""
            if m and (is_name(name) or is_pseudo(name) or SIGNED_BY.match(name) or name.lower() in _SPEAKERS) \
                    and len(m["rest"].split()) >= 3:
                u.author = m["name"].strip()    # "Mbuyi Kalonji : Chaque saison des pluies…"
    _mark_dialogue(units)
    _mark_repeated_meta(units)
    for i, u in enumerate(units):
        nxt = units[i + 1] if i + 1 < len(units) else None
        if u.kind == "name" and len(u.text) <= 3 and u.text.isupper() and nxt is not None and \
                nxt.kind in ("name", "author"):
            u.kind = "avatar"                   # initials drawn in place of a photo ("AM" above "Abdelkerim M.")
        if u.kind in ("name", "prose") and nxt is not None and nxt.kind == "date" and \
                (u.kind == "name" or is_pseudo(u.text)):
            u.kind, u.author, u.date = "author", u.text.strip(), nxt.date
        if u.kind == "date" and nxt is not None and (nxt.kind == "name" or (nxt.kind == "prose" and is_pseudo(nxt.text))) \
                and i + 2 < len(units) and units[i + 2].kind == "prose":
            nxt.kind, nxt.author, nxt.date = "author", nxt.text.strip(), u.date    # "09/10/2025 · 12:41" above "Tchoupo"
            u.kind = "avatar"
        if u.kind == "prose" and nxt is not None and nxt.kind == "byline":
            u.kind = "teaser"                   # excerpt followed by "Par X"
    for i, u in enumerate(units):
        if u.kind != "list_heading":
            continue
        inline = len(fold_line(u.text).split(":", 1)[-1].split()) > 3 if ":" in u.text else False
        limit = 1 if inline else 10
        j = i + 1
        while j < len(units) and limit and units[j].kind in ("prose", "name", "quote") and units[j].score < 1.0:
            units[j].kind = "teaser"
            limit -= 1
            j += 1
            if j < len(units) and blank_before[j]:
                break
    for i, u in enumerate(units):
        if u.kind == "form" and any("newsletter" in fold_line(units[j].text) for j in range(max(0, i - 2), i)):
            u.kind = "furniture"                # "Votre adresse e-mail" under "NEWSLETTER" is not a comment form
    first_section = next((i for i, u in enumerate(units) if u.kind in ("end", "heading", "form", "paywall")), None)
    for u in units[:first_section]:
        if u.kind == "author" and BYLINE.match(u.text):
            u.kind = "byline"                   # "Par X – 2 septembre 2025" above the article
    shape = [_shape(u.text) for u in units] if typing is not None else []
    logits = typing_logits(units, blank_before, typing, shape) if typing is not None else None
    if logits is not None:
        meta_below, share = typing.get("meta_below", META_BELOW), typing.get("share", TYPING_SHARE)
        cap = typing.get("cap", TYPING_CAP)
        seen = Counter(shape)
        for i, (u, z) in enumerate(zip(units, logits)):
            if u.kind == "prose" and z < meta_below and len(u.text) <= META_MAX_CHARS:
                u.kind = "meta"                 # furniture in a wording no pattern knows (trailer, vote, form field)
            elif u.kind in ("furniture", "dup") and z < meta_below and seen[shape[i]] >= 2 and \
                    _RECORD_SHAPE.search(shape[i]) and \
                    0 < i and units[i - 1].kind in ("prose", "signature", "name", "quote") and logits[i - 1] > 0:
                u.kind = "meta"                 # a repeated line under likely comment text: record furniture
    kinds = [u.kind for u in units]
    in_record = _after_header(kinds, blank_before)
    anchor = _anchor(units)
    last_heading = max((i for i, k in enumerate(kinds) if k == "heading"), default=None)
    first_heading = next((i for i, k in enumerate(kinds) if k == "heading"), None)
    meta_run = _runs_before_meta(kinds, blank_before)
    bare = all(k in ("prose", "quote", "link", "name", "dup") for k in kinds)
    # the comment zone: from the last comment heading (else a "Par X" byline under two article paragraphs)
    # to the next form, list of links or paywall
    content_heading = max((i for i, k in enumerate(kinds) if k == "heading" and i + 1 < len(kinds) and
                           kinds[i + 1] not in ("form", "name", "heading")), default=None)   # not a form's label
    zone = content_heading if content_heading is not None else next(
        (i for i, k in enumerate(kinds) if k == "byline" and BYLINE.match(units[i].text) and
         sum(u.kind == "prose" and len(u.text) > 100 for u in units[:i]) >= 2), None)
    zone_end = next((i for i, k in enumerate(kinds) if zone is not None and i > zone and
                     k in ("form", "list_heading", "paywall")), len(kinds))
    for i, u in enumerate(units):
        if u.kind != "prose":
            u.score = _BREAK_WEIGHT.get(u.kind, 0.0)
            continue
        f = u.features
        f["before_anchor"] = float(anchor is not None and i < anchor)
        f["after_end"] = float(anchor is not None and i > anchor and kinds[anchor] == "end")
        f["after_heading"] = float(last_heading is not None and i > last_heading)
        f["in_record"] = float(in_record[i])
        f["before_reply"] = float(not in_record[i] and i + 1 < len(kinds) and kinds[i + 1] in ("action", "signature", "meta"))
        f["before_heading"] = float(first_heading is not None and i < first_heading)
        f["short"] = float(len(u.text.split()) <= 4 and not SENTENCE_END.search(u.text.rstrip())
                           and not EMOJI.search(u.text))      # form fields, buttons, handles: rarely a comment
        f["run_before_meta"] = float(meta_run[i])
        f["bare_page"] = float(bare)
        f["in_section"] = float(zone is not None and zone < i < zone_end)
        z = logits[i] if logits is not None else 0.0
        u.score = weigh(f, weights) + (share * min(z, cap) if z > 0 or z < -TYPING_DOUBT else 0.0)


def _runs_before_meta(kinds: list[str], blank_before: list[bool]) -> list[bool]:
    """Prose lines whose run (up to five prose lines) ends on a trailer: an action or signature line, or an
    author line that hangs under the run (no blank line between) rather than over the next text (a blank line
    or links after it). Only on pages where two runs at least do so (a thread of "text, then who/when/links")."""
    out = [False] * len(kinds)
    runs: list[tuple[int, int]] = []
    i = 0
    while i < len(kinds):
        if kinds[i] != "prose":
            i += 1
            continue
        j = i
        while j < len(kinds) and kinds[j] in ("prose", "quote", "link"):
            j += 1
        trailer = j < len(kinds) and not blank_before[j] and (kinds[j] in ("action", "signature", "meta") or (
            kinds[j] == "author" and (j + 1 == len(kinds) or blank_before[j + 1] or kinds[j + 1] in ("action", "date"))))
        if trailer and j - i <= 5:
            runs.append((i, j))
        i = j
    if len(runs) >= 2:
        for a, b in runs:
            for k in range(a, b):
                out[k] = kinds[k] == "prose"
    return out


def _anchor(units: list[Unit]) -> int | None:
    """Where the article ends: the first article-end marker ("Source : …", "©") or comment heading. Not a form:
    forms often come under the thread, and the copyright line at the foot of a page is no article end when a
    comment heading comes before it; nor an end marker with article paragraphs between it and the heading
    ("Propos recueillis par X" above an interview)."""
    first = next((i for i, u in enumerate(units) if u.kind in ("end", "heading", "paywall")), None)
    heading = next((i for i, u in enumerate(units) if u.kind == "heading"), None)
    if first is None or heading is None or units[first].kind != "end":
        return first
    return next((i for i in range(first, heading) if units[i].kind == "end" and
                 not any(u.kind == "prose" and len(u.text) > 100 for u in units[i:heading])), heading)

_CONTINUE_SCORE = -1.0     # a neutral line right after the thread still belongs to it


def _after_header(kinds: list[str], blank_before: list[bool] | None = None) -> list[bool]:
    """Prose lines that follow a comment header (author line, or name then date) without a break in between.

    Only on pages with two headers at least: a lone dated line is more often the article's own. An author line
    that hangs under prose (no blank line between) with a blank line after it is a trailer and opens nothing.
    """
    out = [False] * len(kinds)
    if sum(k == "author" for k in kinds) < 2:
        return out
    open_record = False
    for i, k in enumerate(kinds):
        if k == "author" and blank_before is not None and i and kinds[i - 1] == "prose" and not blank_before[i] \
                and (i + 1 == len(kinds) or blank_before[i + 1]):
            open_record = False                 # "Samba — Kédougou, 08/04 à 11:02" under its comment
            continue
        if k == "author" or (k == "date" and i and kinds[i - 1] in ("author", "name")) or \
                (k in ("action", "meta") and open_record is False and i and kinds[i - 1] == "prose"):
            open_record = k not in ("action", "meta")
            continue
        if k in ("prose", "quote", "link"):
            out[i] = open_record
        elif k not in ("avatar", "name", "date"):
            open_record = False
    return out


def _best_block(units: list[Unit], min_total: float = 1.0) -> tuple[int, int] | None:
    """Contiguous run of units with the largest total score (Kadane), or None if too weak."""
    best, best_span = min_total, None
    run, start = 0.0, 0
    for i, u in enumerate(units):
        if run <= 0:
            run, start = 0.0, i
        run += u.score
        if run > best:
            best, best_span = run, (start, i)
    if best_span is None:
        return None
    lo, hi = best_span
    while lo > 0 and units[lo - 1].kind in ("author", "name", "date", "quote"):
        lo -= 1
    while hi + 1 < len(units) and (units[hi + 1].kind == "link" or (units[hi + 1].kind == "name" and
                                   units[hi].kind in ("prose", "link")) or (units[hi + 1].kind == "prose" and
                                   units[hi + 1].score > _CONTINUE_SCORE)):
        hi += 1                               # a thread runs on until a clear break
    return lo, hi


def _from_heading(units: list[Unit], span: tuple[int, int]) -> tuple[int, int]:
    """Start the thread right under its heading ("7 COMMENTAIRES") when only prose lies between the two."""
    lo, hi = span
    j = lo - 1
    while j >= 0 and units[j].kind in ("prose", "quote"):
        j -= 1
    if 0 <= j < lo - 1 and units[j].kind == "heading":
        return j + 1, hi
    return span


@dataclass
class _Group:
    units: list[Unit]
    author: str | None = None
    date: str | None = None
    closed: bool = False


def _group_block(units: list[Unit], blank_before: list[bool] | None = None) -> list[_Group]:
    """Group the block's lines into comments, merging only where the page gives evidence (``blank_before``: whether
    a blank line comes before each unit; in a block of bare lines where blank lines part some lines, lines with no
    blank line between them are one comment)."""
    first = next((i for i, u in enumerate(units) if u.kind in ("prose", "quote", "link")), 0)
    header_style = any(u.kind in ("author", "name", "date") for u in units[:first])
    prose = sum(u.kind == "prose" for u in units)
    delimiters = sum(u.kind in ("author", "action", "meta", "signature", "rule") or (header_style and u.kind == "name")
                     for u in units)
    delimited = delimiters >= max(2, prose / 4)
    blanks = blank_before if blank_before is not None and len(blank_before) == len(units) else [True] * len(units)
    by_blanks = not delimited and sum(b for u, b in zip(units[1:], blanks[1:]) if u.kind == "prose") >= 2
    groups: list[_Group] = []
    cur: _Group | None = None
    author = date = None
    quotes: list[Unit] = []
    for idx, u in enumerate(units):
        k = u.kind
        if k == "author" and not header_style and cur is not None:     # "Posté le ... par X" under the comment
            cur.author, cur.date = cur.author or u.author, cur.date or u.date
            cur = None
        elif k in ("author", "action", "meta") or (k == "name" and (header_style or cur is None)) or \
                (k == "date" and header_style):
            cur = None
            if k == "author":
                author, date = u.author, u.date
            elif k == "name":
                author = u.text
            elif k == "date":
                date = u.text
        elif k == "date":
            if cur is not None:
                cur.date = cur.date or u.text
        elif k in ("name", "signature") and cur is not None and not cur.closed:    # signature after a comment
            cur.units.append(u)
            cur.author = cur.author or u.text
            cur.closed = True
        elif k == "signature":
            cur, author = None, u.text
        elif k == "avatar":
            continue
        elif k == "rule":
            cur = None
        elif k == "link" and cur is not None and not cur.closed:
            cur.units.append(u)
        elif k == "quote":
            cur = None
            quotes.append(u)
        elif k in ("prose", "link"):
            if k == "prose" and u.author and INLINE_AUTHOR.match(u.text):
                cur = _Group([u], u.author, None)       # "Name : text" is one comment on its own
                groups.append(cur)
                author = date = None
                continue
            if cur is not None and (delimited or (by_blanks and not blanks[idx] and cur.units[-1].kind == "prose")) \
                    and not quotes and not cur.closed:
                cur.units.append(u)
                continue
            cur = _Group(quotes + [u], author, date)
            groups.append(cur)
            author = date = None
            quotes = []
        else:
            cur = None
    if quotes:
        groups.append(_Group(quotes, author, date))
    return groups


def segment_units(units: list[Unit], blank_before: list[bool] | None = None,
                  weights: dict[str, float] | None = None, typing: dict | None | bool = True) -> tuple[list[Comment], bool]:
    """Comments and comment-section flag for a sequence of text units (``weights``: prose-line cue weights,
    :data:`LINE_WEIGHTS` by default)."""
    if blank_before is None:
        blank_before = blank_flags(units)
    _type_units(units, blank_before, LINE_WEIGHTS if weights is None else weights,
                TYPING_MODEL if typing is True else (typing or None))
    section = any(u.kind in _SECTION_KINDS for u in units)
    span = _best_block(units)
    if span is None:
        return [], section
    span = _from_heading(units, span)
    if not _thread_evidence(units, span):
        return [], section
    groups = _group_block(units[span[0]:span[1] + 1], blank_before[span[0]:span[1] + 1])
    comments = []
    for g in groups:
        first, last = g.units[0], g.units[-1]
        lines = (first.line, last.line) if first.line is not None and last.line is not None else None
        comments.append(Comment(len(comments), "\n".join(u.text for u in g.units), lines, first.path,
                                g.author, g.date))
    return comments, section or bool(comments)


_EVIDENCE_KINDS = frozenset({"heading", "form", "paywall", "author", "action", "signature"})


def _thread_evidence(units: list[Unit], span: tuple[int, int]) -> bool:
    """Whether the page shows a thread around the block: a comment heading, form, header, reply link or signature
    near it, or an article-end marker or closing byline after some article text. Without any, only a page made of
    nothing but short comment-like lines (no title, byline or furniture around them) is taken for a thread: a
    signed column, an interview or a reportage in the first person is not."""
    lo, hi = span
    near = units[max(0, lo - 10):min(len(units), hi + 6)]
    if any(u.kind in _EVIDENCE_KINDS for u in near) or sum(u.kind == "meta" for u in units[lo:hi + 1]) >= 2:
        return True
    for i, u in enumerate(units[:lo]):       # an end marker or byline closing the article ("Source : AMAP")
        if u.kind in ("end", "byline") and sum(v.kind in ("prose", "dup") for v in units[:i]) >= 2:
            return True
    if any(u.kind not in ("prose", "quote", "link", "name", "dup") for u in units):
        return False                          # a page with an article around it (title, byline, furniture)
    prose = [u for u in units if u.kind == "prose"]
    inside = [u for u in units[lo:hi + 1] if u.kind == "prose"]
    lengths = sorted(len(u.text) for u in inside)
    return len(inside) >= 0.8 * len(prose) and bool(lengths) and lengths[len(lengths) // 2] <= 200


def blank_flags(units: list[Unit]) -> list[bool]:
    """Whether a blank line separates each unit from the previous one (text pages)."""
    flags = []
    for i, u in enumerate(units):
        prev = units[i - 1].line if i else None
        flags.append(u.line is not None and prev is not None and u.line - prev > 1)
    return flags
