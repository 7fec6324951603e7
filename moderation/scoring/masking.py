"""Masking artifacts: how sites censor words with `*`, found in any text.

:func:`mask_counts` finds artifacts (`u*****`, `con****`, `*****les`, `p*te`, a
bare `******`) while ignoring the benign uses of a star (`**bold**`, a footnote
`*` or `Prix*`, a short rating `***`). It labels the `masked` column of every
training row (no source annotates it) and feeds the model's cue features.
"""
from __future__ import annotations

import re

_BOLD = re.compile(r"\*\*(?=\S)[^*\n]{1,80}?(?<=\S)\*\*")
_STARS = re.compile(r"\*+")
_MASKED_WORD = re.compile(r"[\w*]+")
INNER, EDGE, RUN = 0, 1, 2


def _artifacts(text: str):
    """Yield (start, end, kind) for each run of stars that is a masking artifact.

    A run between two letters is INNER (`p*te`, `q******e`); two or more stars
    touching a letter on one side are EDGE (`u*****`, `*****les`); four or more
    stars touching no word character are a bare RUN (`******`). Single stars
    beside a word (footnotes, `Prix*`), short bare runs (ratings `***`) and
    `**bold**` spans are not masking.
    """
    if "**" in text:
        text = _BOLD.sub(lambda m: " " * len(m.group()), text)
    n = len(text)
    for m in _STARS.finditer(text):
        a, b = m.span()
        left = text[a - 1] if a else " "
        right = text[b] if b < n else " "
        if left.isalpha() and right.isalpha():
            yield a, b, INNER
        elif (left.isalpha() or right.isalpha()) and b - a >= 2:
            yield a, b, EDGE
        elif b - a >= 4 and not (left.isalnum() or left == "_" or right.isalnum() or right == "_"):
            yield a, b, RUN


def mask_counts(text: str) -> tuple[int, int, int]:
    """Count (inner, edge, bare-run) masking artifacts."""
    counts = [0, 0, 0]
    if "*" in text:
        for _, _, kind in _artifacts(text):
            counts[kind] += 1
    return counts[0], counts[1], counts[2]


def mask_spans(text: str) -> list[tuple[int, int]]:
    """[start, end) spans of the masked words in ``text`` (for highlighting evidence)."""
    if "*" not in text:
        return []
    found = set()
    for a, _, _ in _artifacts(text):
        # widen each run of stars to its whole masked word (`u*****`, not `*****`)
        word = next((m.span() for m in _MASKED_WORD.finditer(text, max(0, a - 40)) if m.start() <= a < m.end()), None)
        found.add(word or (a, a + 1))
    return sorted(found)


def has_mask(text: str) -> bool:
    """True when the text carries at least one masking artifact."""
    return any(mask_counts(text))
