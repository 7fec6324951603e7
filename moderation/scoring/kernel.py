"""The scoring hot loop, compiled with numba: one pass over a batch's characters.

For every comment it hashes the character n-grams, words and word bigrams
exactly as `moderation.scoring.hashing` does with numpy (same polynomial hash, same
column mixing), looks each column up in the folded table built by
`moderation.scoring.fast.FastScorer` (IDF and the three labels' IDF x coefficient),
adds each word's word-vector weights, sums, and counts the cue features'
flagged words and exclamation marks.
No sparse matrix is built, so the cost is a few nanoseconds per n-gram.
numba (a maintained JIT compiler) beats a C extension of our own here: no
build step, and the same Python source is the specification.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from .hashing import _KIND_BIGRAM, _KIND_WORD, _MIX, _R

_M64 = 0xFFFFFFFFFFFFFFFF
K_WORD = np.uint64((_KIND_WORD * 0x2545F4914F6CDD1D) & _M64)
K_BIGRAM = np.uint64((_KIND_BIGRAM * 0x2545F4914F6CDD1D) & _M64)
K_CHAR = np.array([(k * 0x2545F4914F6CDD1D) & _M64 for k in range(16)], dtype=np.uint64)


@njit(cache=True, nogil=True)
def _column(h, kind, mix, shift):
    return np.int64(((h ^ kind) * mix) >> shift)


@njit(cache=True, nogil=True)
def score_kernel(codes, bounds, table, word_index, word_weights, word_flags, is_word, char_lo, char_hi,
                 word_lo, word_hi, n_bits, k_char, k_word, k_bigram, flag_bits, sums, flag_counts, exclaim):
    """Fill sums[d, :] (table rows summed over comment d's n-grams) and the word cue counts.

    ``flag_counts[d, b]`` counts comment d's words whose ``word_flags`` entry has bit ``flag_bits[b]``.

    ``codes`` holds the padded normalised comments back to back; comment d is
    ``codes[bounds[d]:bounds[d + 1]]``. Each word whose column has a word vector
    (``word_index[col] >= 0``; an empty ``word_index`` means none do) also adds
    that vector's row of ``word_weights`` to the label sums.
    """
    r = np.uint64(_R)
    mix = np.uint64(_MIX)
    shift = np.uint64(64 - n_bits)
    n_out = table.shape[1]
    for d in range(len(bounds) - 1):
        s, e = bounds[d], bounds[d + 1]
        # character n-grams
        for a in range(s, e):
            h = np.uint64(0)
            p = np.uint64(1)
            for k in range(1, char_hi + 1):
                if a + k > e:
                    break
                h += np.uint64(codes[a + k - 1]) * p
                p *= r
                if k >= char_lo:
                    col = _column(h, k_char[k], mix, shift)
                    for j in range(n_out):
                        sums[d, j] += table[col, j]
            if codes[a] == 33:
                exclaim[d] += 1
        # words and word bigrams
        prev_h = np.uint64(0)
        have_prev = False
        i = s
        while i < e:
            c = codes[i]
            if c < 0x10000 and is_word[c]:
                h = np.uint64(0)
                p = np.uint64(1)
                while i < e and codes[i] < 0x10000 and is_word[codes[i]]:
                    h += np.uint64(codes[i]) * p
                    p *= r
                    i += 1
                wcol = _column(h, k_word, mix, shift)
                flag = word_flags[wcol]
                if flag:
                    for b in range(len(flag_bits)):
                        if flag & flag_bits[b]:
                            flag_counts[d, b] += 1
                if len(word_index) > 0:
                    v = word_index[wcol]
                    if v >= 0:
                        for j in range(1, n_out):
                            sums[d, j] += word_weights[v, j - 1]
                if word_lo <= 1 <= word_hi:
                    for j in range(n_out):
                        sums[d, j] += table[wcol, j]
                if have_prev and word_lo <= 2 <= word_hi:
                    bcol = _column(prev_h * r + h, k_bigram, mix, shift)
                    for j in range(n_out):
                        sums[d, j] += table[bcol, j]
                prev_h = h
                have_prev = True
            else:
                i += 1
