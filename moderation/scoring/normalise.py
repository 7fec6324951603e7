"""The one text normalisation used identically at training and at scoring time.

Steps: mojibake repair (ftfy, only when a tell-tale sequence is present;
emoji included), HTML character references decoded (`&amp;`, `&#39;`: comment
exports from a CMS and some sources carry them escaped), Unicode NFKC, URLs
and @handles removed (in the training data they mark the source, e.g. MLMA's
`@user`, not the tone; a link is no evidence of abuse), then, per character:
lower case, letters repeated three or more times squeezed to two, white space
collapsed to single spaces. Asterisks are kept: they are the evidence for the
`masked` label.

The per-character steps run in one compiled pass (numba) over a whole batch;
:func:`normalise` runs that same pass on one text, so training (one text at a
time) and batch scoring cannot drift apart.
"""
from __future__ import annotations

import difflib
import html
import re
import unicodedata
from typing import Sequence

import ftfy
import numpy as np
from numba import njit

# Characters that almost only occur in UTF-8 text mis-decoded as Latin-1/CP1252
# (Ã, Â, â: accented letters and punctuation; ð: emoji, four-byte sequences).
_MOJIBAKE_TELL = re.compile("[ÃÂâð][\u0080-\u00bf€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ]")
# An HTML character reference with its semicolon. Only these are decoded: html.unescape on
# a whole text would also turn "&parano" into "¶no" (HTML5 accepts "&para" without one).
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")

# Per-character tables over the Basic Multilingual Plane (astral characters pass unchanged).
_BMP = [chr(i) for i in range(0x10000)]
LOWER = np.fromiter((ord(c.lower()) if len(c.lower()) == 1 else ord(c) for c in _BMP), dtype=np.uint32, count=0x10000)
IS_ALPHA = np.fromiter((c.isalpha() for c in _BMP), dtype=bool, count=0x10000)
IS_SPACE = np.fromiter((c.isspace() for c in _BMP), dtype=bool, count=0x10000)
IS_SPACE[:0x20] = True          # control characters (NUL included) count as white space
IS_HANDLE = np.fromiter((c.isalnum() or c == "_" for c in _BMP), dtype=bool, count=0x10000)   # regex \w
del _BMP


def repair(text: str) -> str:
    """Fix mojibake, decode HTML character references and apply NFKC, leaving case and spacing alone
    (used for display too).

    Text that is wholly UTF-8 read as Latin-1 or CP1252 (the common case) is
    fixed by re-decoding it, in C; only mixed cases pay for ftfy (~0.2 ms each).
    """
    if ("Ã" in text or "Â" in text or "â" in text or "ð" in text) and _MOJIBAKE_TELL.search(text):
        for wrong in ("latin-1", "cp1252"):
            try:
                text = text.encode(wrong).decode("utf-8")
                break
            except UnicodeError:
                continue
        else:
            text = ftfy.fix_text(text, unescape_html=False)   # entities: decoded once, just below
    if "&" in text:
        text = _ENTITY.sub(lambda m: html.unescape(m.group()), text)
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    return text


def _touched(texts: Sequence[str], joined: str, pattern: re.Pattern) -> set[int]:
    """Indices of the texts (joined back to back in ``joined``) where ``pattern`` matches.

    One scan of the whole batch in C instead of one call per text; a match that
    straddles two texts marks both, and the per-text function checks again.
    """
    hits = [(m.start(), m.end() - 1) for m in pattern.finditer(joined)]
    if not hits:
        return set()
    ends = np.cumsum(np.fromiter(map(len, texts), dtype=np.int64, count=len(texts)))
    where = np.searchsorted(ends, np.asarray(hits).ravel(), side="right")
    return set(where.tolist())


def repair_batch(texts: Sequence[str]) -> list[str]:
    """:func:`repair` over a batch, doing the per-text work only where a batch-wide scan says it is needed."""
    texts = list(texts)
    joined = "".join(texts)
    if unicodedata.is_normalized("NFKC", "\x00".join(texts)):   # NUL between texts: no composing across
        todo = _touched(texts, joined, _MOJIBAKE_TELL)
        if "&" in joined:
            todo |= _touched(texts, joined, _ENTITY)
    else:
        todo = set(range(len(texts)))
    for i in todo:
        texts[i] = repair(texts[i])
    return texts


@njit(cache=True, nogil=True)
def _is(codes, k, lower, ch):
    """codes[k], lower-cased, equals the ASCII code ch."""
    c = codes[k]
    return c < 0x10000 and lower[c] == ch


@njit(cache=True, nogil=True)
def _link_end(codes, i, s, e, lower, is_space, is_handle):
    """End of the URL (http://, https://, www. and what follows up to white space) or @handle
    starting at codes[i], or -1. Links and handles mark where a text came from, not its tone."""
    c = codes[i]
    j = -1
    if c == 64:                                                   # @handle, not inside a word
        if (i == s or not (codes[i - 1] < 0x10000 and is_handle[codes[i - 1]])) and i + 1 < e:
            j = i + 1
            while j < e and codes[j] < 0x10000 and is_handle[codes[j]]:
                j += 1
            return j if j > i + 1 else -1
        return -1
    if _is(codes, i, lower, 104) and i + 7 < e and _is(codes, i + 1, lower, 116) and _is(codes, i + 2, lower, 116) \
            and _is(codes, i + 3, lower, 112):                    # http:// or https://
        k = i + 4
        if _is(codes, k, lower, 115):
            k += 1
        if k + 2 < e and codes[k] == 58 and codes[k + 1] == 47 and codes[k + 2] == 47:
            j = k + 3
    elif _is(codes, i, lower, 119) and i + 4 < e and _is(codes, i + 1, lower, 119) and _is(codes, i + 2, lower, 119) \
            and codes[i + 3] == 46:                               # www.
        j = i + 4
    if j < 0 or j >= e or (codes[j] < 0x10000 and is_space[codes[j]]):
        return -1
    while j < e and not (codes[j] < 0x10000 and is_space[codes[j]]):
        j += 1
    return j


@njit(cache=True, nogil=True)
def _fold(codes, bounds, pad, lower, is_alpha, is_space, is_handle, out, out_bounds, src):
    """Drop links and handles, lower-case, squeeze letter runs to two, collapse spaces.

    src[o] receives the index (within its own text) of the character that out[o] came from.
    """
    o = 0
    for d in range(len(bounds) - 1):
        out_bounds[d] = o
        if pad:
            out[o] = 32
            src[o] = -1
            o += 1
        start = o
        prev1 = np.uint32(0xFFFFFFFF)
        prev2 = np.uint32(0xFFFFFFFF)
        pending_space = False
        i = bounds[d] - 1
        while i + 1 < bounds[d + 1]:
            i += 1
            c = codes[i]
            if c == 64 or c == 72 or c == 104 or c == 87 or c == 119:   # @ h H w W: maybe a link
                j = _link_end(codes, i, bounds[d], bounds[d + 1], lower, is_space, is_handle)
                if j > 0:
                    pending_space = o > start
                    i = j - 1
                    continue
            if c < 0x10000:
                if is_space[c]:
                    pending_space = o > start
                    continue
                if is_alpha[c]:
                    c = lower[c]
                    if c == prev1 and c == prev2 and not pending_space:
                        continue
            if pending_space:
                out[o] = 32
                src[o] = i - bounds[d] - 1
                o += 1
                pending_space = False
                prev1 = np.uint32(32)
            out[o] = c
            src[o] = i - bounds[d]
            o += 1
            prev2 = prev1
            prev1 = c
            if not (c < 0x10000 and is_alpha[c]):
                prev1 = np.uint32(0xFFFFFFFF)
        if pad:
            out[o] = 32
            src[o] = -1
            o += 1
    out_bounds[len(bounds) - 1] = o


def _utf32(text: str) -> np.ndarray:
    # surrogatepass: a lone surrogate (possible in JSON input) is kept as a code point, never an error
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def fold_batch(texts: Sequence[str], pad: bool = False,
               with_sources: bool = False) -> tuple[np.ndarray, ...]:
    """Normalise a batch of *repaired* texts into code points.

    Returns (codes, bounds): text d is codes[bounds[d]:bounds[d+1]] (space-padded
    on both sides when ``pad``). ``with_sources`` appends, per output character,
    its index in the repaired text.
    """
    n = len(texts)
    codes = _utf32("".join(texts))
    bounds = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, texts), dtype=np.int64, count=n), out=bounds[1:])
    out = np.empty(len(codes) + 2 * n, dtype=np.uint32)
    out_bounds = np.empty(n + 1, dtype=np.int64)
    src = np.empty(len(out), dtype=np.int64)
    _fold(codes, bounds, pad, LOWER, IS_ALPHA, IS_SPACE, IS_HANDLE, out, out_bounds, src)
    end = out_bounds[-1]
    return (out[:end], out_bounds) + ((src[:end],) if with_sources else ())


def _text(codes: np.ndarray) -> str:
    return codes.tobytes().decode("utf-32-le", "surrogatepass")


def normalise(text: str) -> str:
    """Return the canonical form of a comment that the model's features are built from."""
    return _text(fold_batch([repair(text)])[0])


def split_batch(codes: np.ndarray, bounds: np.ndarray) -> list[str]:
    """The texts of a :func:`fold_batch` result, one string each."""
    return [_text(codes[a:b]) for a, b in zip(bounds[:-1], bounds[1:])]


def normalise_with_offsets(text: str) -> tuple[str, np.ndarray]:
    """:func:`normalise` plus, for each of its characters, the index of its source in ``text``.

    Exact through the compiled pass; through a mojibake or NFKC repair (rare)
    it aligns with difflib, or proportionally for very long texts, which is
    close enough to highlight evidence.
    """
    repaired = repair(text)
    codes, _, src = fold_batch([repaired], with_sources=True)
    if repaired != text:
        src = _repair_sources(text, repaired)[src]
    return _text(codes), np.clip(src, 0, max(len(text) - 1, 0))


def _repair_sources(original: str, repaired: str) -> np.ndarray:
    """Index in ``original`` of each character of ``repaired``."""
    if len(repaired) > 3000:
        return (np.arange(len(repaired)) * (len(original) / max(len(repaired), 1))).astype(np.int64)
    pos = (np.arange(len(repaired)) * (len(original) / max(len(repaired), 1))).astype(np.int64)
    for a, b, size in difflib.SequenceMatcher(None, original, repaired, autojunk=False).get_matching_blocks():
        pos[b:b + size] = np.arange(a, a + size)
    return pos
