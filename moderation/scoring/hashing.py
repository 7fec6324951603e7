"""Hashing every n-gram of a batch with array operations: the columns both scoring paths share.

The batch becomes one array of code points; a polynomial prefix hash gives any
substring's hash in O(1), so character n-grams, words and word bigrams all come
out of a handful of numpy operations instead of a Python loop per n-gram.
Hashed n-grams land in ``2**n_bits`` columns (the hashing trick). The compiled
kernel (`moderation.scoring.kernel`) computes the very same columns.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from .normalise import fold_batch, repair, split_batch

_U64 = np.uint64
_R = 0x100000001B3                       # odd multiplier of the prefix hash
_R_INV = pow(_R, -1, 1 << 64)            # its inverse mod 2**64 makes hashes position-free
_MIX = 0x9E3779B97F4A7C15                # Fibonacci hashing for column selection
_KIND_WORD, _KIND_BIGRAM = 101, 102      # namespaces, so a word never shares a column with a char n-gram
_SEP = "\x00"                            # document separator inside a batch

# word characters of the Basic Multilingual Plane: letters, digits, underscore and the
# masking star (so `u*****` is one word); astral characters (emoji) are not word characters
IS_WORD = np.fromiter((chr(i).isalnum() for i in range(0x10000)), dtype=bool, count=0x10000)
IS_WORD[[ord("_"), ord("*")]] = True

_EMPTY = np.zeros(0, dtype=np.int64)


def _powers(base: int, n: int) -> np.ndarray:
    out = np.full(n, base, dtype=_U64)
    out[0] = 1
    with np.errstate(over="ignore"):
        return np.cumprod(out, dtype=_U64)


@dataclass
class Occurrences:
    """Every n-gram occurrence of a batch: its column, document, and [start, end) in the padded text.

    ``word_column``/``word_doc`` repeat the single-word occurrences for the cue
    features and word vectors (``word_start``/``word_end`` their spans, when
    positions were asked for).
    """
    column: np.ndarray
    doc: np.ndarray
    start: np.ndarray
    end: np.ndarray
    word_column: np.ndarray
    word_doc: np.ndarray
    word_start: np.ndarray
    word_end: np.ndarray


class NgramHasher:
    """Hashes all n-grams of a batch of normalised texts with array operations."""

    def __init__(self, char_ngrams: tuple[int, int], word_ngrams: tuple[int, int], n_bits: int):
        self.char_ngrams, self.word_ngrams, self.shift = char_ngrams, word_ngrams, _U64(64 - n_bits)
        self._pow = self._pinv = np.ones(1, dtype=_U64)

    def _tables(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        if len(self._pow) < n:
            size = max(n, 2 * len(self._pow))
            self._pow, self._pinv = _powers(_R, size), _powers(_R_INV, size)
        return self._pow, self._pinv

    def _column(self, h: np.ndarray, kind: int) -> np.ndarray:
        with np.errstate(over="ignore"):
            return (((h ^ _U64((kind * 0x2545F4914F6CDD1D) & 0xFFFFFFFFFFFFFFFF)) * _U64(_MIX)) >> self.shift).astype(np.int64)

    def occurrences(self, texts: Sequence[str], positions: bool = False) -> Occurrences:
        padded = [f" {t} " for t in texts]
        big = _SEP.join(padded) + _SEP
        codes = np.frombuffer(big.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        n = len(codes)
        powr, pinv = self._tables(n + 1)
        c64 = codes.astype(_U64)
        prefix = np.zeros(n + 1, dtype=_U64)
        with np.errstate(over="ignore"):
            np.cumsum(c64 * powr[:n], out=prefix[1:])
        is_sep = codes == 0
        doc_of = np.cumsum(is_sep) - is_sep            # document index of each position
        seps = np.concatenate(([0], np.cumsum(is_sep)))
        doc_start = np.concatenate(([0], np.flatnonzero(is_sep) + 1))[:-1]

        cols, docs, starts, ends = [], [], [], []

        def emit(col, doc, a, b):
            cols.append(col); docs.append(doc)
            if positions:
                starts.append(a - doc_start[doc]); ends.append(b - doc_start[doc])

        def span_hash(a: np.ndarray, b: np.ndarray) -> np.ndarray:
            with np.errstate(over="ignore"):
                return (prefix[b] - prefix[a]) * pinv[a]

        lo, hi = self.char_ngrams
        for k in range(lo, hi + 1):
            if n < k:
                break
            a = np.flatnonzero(seps[k:] == seps[:-k])      # windows that cross no separator
            b = a + k
            emit(self._column(span_hash(a, b), k), doc_of[a], a, b)

        word = np.zeros(n, dtype=bool)
        bmp = codes < 0x10000
        word[bmp] = IS_WORD[codes[bmp]]
        edge = np.diff(word.astype(np.int8), prepend=0, append=0)
        w_start, w_end = np.flatnonzero(edge == 1), np.flatnonzero(edge == -1)
        w_hash = span_hash(w_start, w_end)
        w_doc = doc_of[w_start]
        w_col = self._column(w_hash, _KIND_WORD)
        if len(w_start):
            wlo, whi = self.word_ngrams
            if wlo <= 1 <= whi:
                emit(w_col, w_doc, w_start, w_end)
            if wlo <= 2 <= whi and len(w_start) > 1:
                same = np.flatnonzero(w_doc[1:] == w_doc[:-1])
                with np.errstate(over="ignore"):
                    bh = w_hash[same] * _U64(_R) + w_hash[same + 1]
                emit(self._column(bh, _KIND_BIGRAM), w_doc[same], w_start[same], w_end[same + 1])

        cat = lambda parts: np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
        ws, we = (w_start - doc_start[w_doc], w_end - doc_start[w_doc]) if positions else (_EMPTY, _EMPTY)
        return Occurrences(cat(cols), cat(docs), cat(starts), cat(ends), w_col, w_doc, ws, we)


def word_columns(words: Sequence[str], n_bits: int) -> np.ndarray:
    """The hashed word column of each entry after our normalisation; -1 if it does not fold to one word."""
    codes, bounds = fold_batch([repair(w) for w in words])
    folded = split_batch(codes, bounds)
    occ = NgramHasher((1, 0), (1, 1), n_bits).occurrences(folded, positions=True)
    # keep entries that fold to one token spanning all of it (" token ": it starts at 1)
    n_tokens = np.bincount(occ.word_doc, minlength=len(folded))
    whole = np.zeros(len(folded), dtype=bool)
    whole[occ.word_doc] = (occ.word_start == 1) & (occ.word_end == np.diff(bounds)[occ.word_doc] + 1)
    column = np.full(len(folded), -1, dtype=np.int64)
    column[occ.word_doc] = occ.word_column
    column[(n_tokens != 1) | ~whole] = -1
    return column
