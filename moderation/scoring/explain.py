"""Evidence: the words behind a score, with their character spans in the comment.

Each n-gram's contribution to a label's logit (its TF-IDF value times the
label's coefficient) is shared among the words it overlaps, so evidence reads as
words a moderator can see ("trolls", "u*****") rather than character fragments.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from ..labels import IMPLIES
from .classifier import probability
from .fast import FastScorer
from .features import FLAG_BITS, FLAG_NAMES, MASK_CUES, CueFeatures, row_norm
from .masking import masked_words
from .normalise import normalise_with_offsets

_WORD_SPAN = re.compile(r"[\w*]+")
MIN_EVIDENCE = 0.05   # contributions to the logit below this are noise, not evidence


@dataclass(frozen=True)
class Evidence:
    """One n-gram that raised a label's score, with its spans in the original text."""
    ngram: str
    weight: float
    spans: list[tuple[int, int]]

    def to_dict(self) -> dict:
        return {"ngram": self.ngram, "weight": round(self.weight, 4), "spans": [list(s) for s in self.spans]}


def explain(fast: FastScorer, labels: Sequence[str], text: str, top: int = 5) -> dict[str, list[Evidence]]:
    """Per label, the words and cues that pushed the score up most, with spans in ``text``.

    Each n-gram's contribution (its TF-IDF value times the label's
    coefficient) is shared among the words it overlaps, so evidence reads as
    words a moderator can see ("trolls", "u*****") rather than character
    fragments; cue features are credited to the spans that triggered them
    (masking artifacts, listed insults) or named ("!").
    """
    norm_text, sources = normalise_with_offsets(text)
    occ = fast.tfidf.hasher().occurrences([norm_text], positions=True)
    total_idf = row_norm(fast.table[occ.column, 0].sum(), fast.tfidf.prior_mass)
    words = [(m.start(), m.end(), m.group()) for m in _WORD_SPAN.finditer(norm_text)]
    per_word = _share_among_words(occ.start, occ.end, words, fast.table[occ.column, 1:] / total_idf)
    if len(fast.word_index):                                # word vectors: credited to their word
        v = fast.word_index[occ.word_column]
        has = v >= 0
        per_word += _share_among_words(occ.word_start[has], occ.word_end[has], words,
                                            fast.word_weights[v[has]] / total_idf)
    sums, cues = fast.features([text])
    cue_part = cues[0][:, None] * fast.cue_coef                                  # (cues, labels)
    names = CueFeatures.names
    # candidate evidence: each distinct word (all its spans) and each masking artifact
    spans: dict[str, list[tuple[int, int]]] = {}
    index: dict[str, list[int]] = {}
    for w, (a, b, word) in enumerate(words):
        spans.setdefault(word, []).append((int(sources[a]), int(sources[b - 1]) + 1))
        index.setdefault(word, []).append(w)
    weight = {word: per_word[ids].sum(axis=0) for word, ids in index.items()}
    masks = masked_words(text)
    mask_credit = sum(cue_part[names.index(n)] for n in MASK_CUES)
    for a, b in masks:   # credit the word that carries the artifact, or the artifact itself
        key = next((w for w, sp in spans.items() if any(s < b and a < e for s, e in sp)), text[a:b])
        weight[key] = weight.get(key, 0.0) + mask_credit / len(masks)
        spans.setdefault(key, []).append((a, b))
    # word-count cues (listed and near insults): shared among the words that carry the flag, read
    # from the same hashed word columns scoring counted
    word_at = {a: word for a, _, word in words}                 # occurrence starts are padded by 1
    carried = [(word_at.get(int(a) - 1), int(f))
               for a, f in zip(occ.word_start, fast.cues.word_flags_[occ.word_column])]
    for name, bit in zip(FLAG_NAMES, FLAG_BITS):
        carriers = {w for w, f in carried if w is not None and f & bit}
        for w in carriers:
            weight[w] = weight[w] + cue_part[names.index(name)] / len(carriers)
    weight["!"] = cue_part[names.index("exclaim")]
    spans["!"] = []
    out: dict[str, list[Evidence]] = {}
    raw = probability(fast.logits_from(sums, cues))[0]          # each label's own score, before implications
    for k, label in enumerate(labels):
        ranked = sorted(((float(wt[k]), w) for w, wt in weight.items() if wt[k] >= MIN_EVIDENCE), reverse=True)
        out[label] = []
        for wt, w in ranked[:top]:
            sp = sorted(set(spans[w]))
            out[label].append(Evidence(text[sp[0][0]:sp[0][1]] if sp else w, wt, sp))
    for src, targets in IMPLIES.items():        # a label raised by an implication shows its source's evidence
        for dst in targets:
            if src in labels and dst in labels and raw[labels.index(src)] > raw[labels.index(dst)]:
                out[dst] = out[src]
    return out


def _share_among_words(start: np.ndarray, end: np.ndarray, words: list[tuple[int, int, str]],
                       contrib: np.ndarray) -> np.ndarray:
    """Split each n-gram's contributions (one column per label) evenly over the words its span overlaps."""
    per_word = np.zeros((len(words) + 1, contrib.shape[1]))
    if not words:
        return per_word
    starts = np.array([w[0] for w in words])
    ends = np.array([w[1] for w in words])
    a, b = start - 1, end - 1                             # occurrence spans, unpadded
    lo = np.searchsorted(ends, a, side="right")           # first word ending after a
    hi = np.searchsorted(starts, b, side="left") - 1      # last word starting before b
    ok = lo <= hi
    lo, hi = lo[ok], hi[ok]
    share = contrib[ok] / (hi - lo + 1)[:, None]
    size = len(words) + 1
    for k in range(contrib.shape[1]):                     # difference array: +share on [lo, hi]
        per_word[:, k] = np.bincount(lo, share[:, k], size) - np.bincount(hi + 1, share[:, k], size)
    return np.cumsum(per_word, axis=0)
