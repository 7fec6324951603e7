"""Masking artifacts: how sites censor words with `*`, found in any text.

:func:`mask_counts` finds artifacts (`u*****`, `con****`, `*****les`, `p*te`, a
bare `******`) while ignoring the benign uses of a star (`**bold**`, a footnote
`*` or `Prix*`, a short rating `***`). It labels the `masked` column of every
training row (no source annotates it) and feeds the model's cue features.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from ..wordlists import word_list

_BOLD = re.compile(r"(?<![\w*])\*\*(?=\S)[^*\n]{1,80}?(?<=\S)\*\*(?![\w*])")   # markers at word edges only
_STARS = re.compile(r"\*+")
_MASKED_WORD = re.compile(r"[\w*]+")
INNER, EDGE, RUN = 0, 1, 2
MIN_VISIBLE = 3      # letters a masked word must show before it can identify an insult


def _artifacts(text: str):
    """Yield (start, end, kind) for each run of stars that is a masking artifact.

    A run between two letters is INNER (`p*te`, `q******e`); two or more stars
    touching a letter or digit on one side are EDGE (`u*****`, `*****les`, a plate
    `LT 4**`), and so is one star ending a word whose letters spell a known insult
    (`connar*`); four or more stars touching no word character are a bare RUN
    (`******`). Not masking: single stars beside a word (footnotes, `Prix*`),
    `**bold**` spans, and ratings (a bare run followed by `/5`, or a list of short
    bare runs such as `Onana ***, Anguissa ****`).
    """
    if "**" in text:
        text = _BOLD.sub(lambda m: " " * len(m.group()), text)
    n = len(text)
    runs = list(_STARS.finditer(text))
    bare = [m for m in runs if not _word_char(text, m.start() - 1) and not _word_char(text, m.end())]
    ratings = len(bare) >= 2 and all(len(m.group()) <= 5 for m in bare) and any(len(m.group()) <= 3 for m in bare)
    for m in runs:
        a, b = m.span()
        left = text[a - 1] if a else " "
        right = text[b] if b < n else " "
        if left.isalpha() and right.isalpha():
            yield a, b, INNER
        elif (left.isalnum() or right.isalnum()) and b - a >= 2:
            yield a, b, EDGE
        elif left.isalpha() and b - a == 1 and _spells_insult(text, a):
            yield a, b, EDGE
        elif b - a >= 4 and not (_word_char(text, a - 1) or _word_char(text, b)) and not ratings \
                and not _OUT_OF.match(text, b):
            yield a, b, RUN


_OUT_OF = re.compile(r"\s?/\s?\d")


def _word_char(text: str, i: int) -> bool:
    return 0 <= i < len(text) and (text[i].isalnum() or text[i] == "_")


def _spells_insult(text: str, star: int) -> bool:
    """A single star at the end of a word whose letters (plus one hidden) spell a listed insult."""
    start = star
    while start > 0 and text[start - 1].isalpha():
        start -= 1
    return resolve_masked(text[start:star + 1]) is not None


def plain_word(word: str) -> str:
    """Lower case without accents: `Bâtard` and `batard` compare equal."""
    return "".join(c for c in unicodedata.normalize("NFD", word.lower()) if not unicodedata.combining(c))


@lru_cache(maxsize=1)
def insult_spellings() -> dict[str, str]:
    """Plain form -> spelling of every word of `lexicon/insults.txt`."""
    return {plain_word(w): w for w in sorted(word_list(__package__, "insults"))}


@lru_cache(maxsize=1)
def core_plain_words() -> frozenset[str]:
    """Plain forms of `lexicon/core_insults.txt`: the common spellings a masked word resolves to first."""
    return frozenset(plain_word(w) for w in word_list(__package__, "core_insults"))


@lru_cache(maxsize=65536)          # a regex per call, over the whole list: masked words repeat across comments
def resolve_masked(token: str) -> str | None:
    """The insult a masked word's visible letters identify, or None.

    The word must keep its first letter and show at least three letters, which must
    begin (and end, when the end is visible) a listed insult of the same length give
    or take one letter per star run: `con****` -> `connard`, `p*te` -> `pute`,
    `en*ulé` -> `enculé`; `*****les` and `u*****` identify nothing.
    """
    if token[:1] == "*" or sum(c != "*" for c in token) < MIN_VISIBLE:
        return None
    parts = re.split(r"(\*+)", plain_word(token))
    pattern = "".join(re.escape(p) if not p.startswith("*") else f".{{{max(1, len(p) - 1)},{len(p) + 1}}}"
                      for p in parts)
    rx = re.compile(pattern + "$")
    # closest length first; on a tie the common spelling (`core_insults.txt`) over a variant readers type
    core = core_plain_words()
    found = [(abs(len(plain) - len(token)), plain not in core, plain) for plain in insult_spellings() if rx.match(plain)]
    return insult_spellings()[min(found)[2]] if found else None


def mask_counts(text: str) -> tuple[int, int, int]:
    """Count (inner, edge, bare-run) masking artifacts."""
    counts = [0, 0, 0]
    if "*" in text:
        for _, _, kind in _artifacts(text):
            counts[kind] += 1
    return counts[0], counts[1], counts[2]


def masked_words(text: str) -> list[tuple[int, int]]:
    """[start, end) spans of the masked words in ``text``: each artifact widened to its whole word
    (`u*****`, not `*****`), in order, without overlaps."""
    if "*" not in text:
        return []
    found = set()
    for a, _, _ in _artifacts(text):
        word = next((m.span() for m in _MASKED_WORD.finditer(text, max(0, a - 40)) if m.start() <= a < m.end()), None)
        found.add(word or (a, a + 1))
    return sorted(found)


def has_mask(text: str) -> bool:
    """True when the text carries at least one masking artifact."""
    return any(mask_counts(text))
