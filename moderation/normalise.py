"""The one text normalisation used identically at training and at scoring time.

Steps: mojibake repair (ftfy, only when a tell-tale sequence is present),
Unicode NFKC, URLs and @handles removed (in the training data they mark the
source, e.g. MLMA's `@user`, not the tone; a link is no evidence of abuse),
then, per character:
lower case, letters repeated three or more times squeezed to two, white space
collapsed to single spaces. Asterisks are kept: they are the evidence for the
`masked` label.

The per-character steps run in one compiled pass (numba) over a whole batch;
:func:`normalise` runs that same pass on one text, so training (one text at a
time) and batch scoring cannot drift apart.
"""
from __future__ import annotations

import difflib
import re
import unicodedata
from typing import Sequence

import ftfy
import numpy as np
from numba import njit

# Characters that almost only occur in UTF-8 text mis-decoded as Latin-1/CP1252.
_MOJIBAKE_TELL = re.compile("[ÃÂâ][\u0080-\u00bf€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ]")
_STRIP = re.compile(r"(?:https?://|www\.)\S+|(?<!\w)@\w+", re.IGNORECASE)   # URLs and @handles
_MAY_STRIP = re.compile(r"http|www\.|@", re.IGNORECASE)                       # cheap test before _STRIP

# Per-character tables over the Basic Multilingual Plane (astral characters pass unchanged).
_BMP = [chr(i) for i in range(0x10000)]
LOWER = np.fromiter((ord(c.lower()) if len(c.lower()) == 1 else ord(c) for c in _BMP), dtype=np.uint32, count=0x10000)
IS_ALPHA = np.fromiter((c.isalpha() for c in _BMP), dtype=bool, count=0x10000)
IS_UPPER = np.fromiter((c.isupper() for c in _BMP), dtype=bool, count=0x10000)
IS_SPACE = np.fromiter((c.isspace() for c in _BMP), dtype=bool, count=0x10000)
IS_SPACE[:0x20] = True          # control characters (NUL included) count as white space
del _BMP


def repair(text: str) -> str:
    """Fix mojibake and apply NFKC, leaving case and spacing alone (used for display too).

    Text that is wholly UTF-8 read as Latin-1 or CP1252 (the common case) is
    fixed by re-decoding it, in C; only mixed cases pay for ftfy (~0.2 ms each).
    """
    if ("Ã" in text or "Â" in text or "â" in text) and _MOJIBAKE_TELL.search(text):
        for wrong in ("latin-1", "cp1252"):
            try:
                text = text.encode(wrong).decode("utf-8")
                break
            except UnicodeError:
                continue
        else:
            text = ftfy.fix_text(text)
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
    else:
        todo = set(range(len(texts)))
    for i in todo:
        texts[i] = repair(texts[i])
    return texts


def _placeholders(text: str) -> str:
    return _STRIP.sub(" ", text) if _MAY_STRIP.search(text) else text


def _placeholder_sources(text: str) -> np.ndarray:
    """For each character of ``_placeholders(text)``, its index in ``text``."""
    parts, last = [], 0
    for m in _STRIP.finditer(text) if _placeholders(text) != text else ():
        parts += [np.arange(last, m.start()), [m.start()]]
        last = m.end()
    parts.append(np.arange(last, len(text)))
    return np.concatenate(parts).astype(np.int64)


@njit(cache=True, nogil=True)
def _fold(codes, bounds, pad, lower, is_alpha, is_upper, is_space, out, out_bounds, letters, upper, src):
    """Lower-case, squeeze letter runs to two, collapse spaces; count letters and capitals.

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
        for i in range(bounds[d], bounds[d + 1]):
            c = codes[i]
            if c < 0x10000:
                if is_space[c]:
                    pending_space = o > start
                    continue
                if is_alpha[c]:
                    letters[d] += 1
                    if is_upper[c]:
                        upper[d] += 1
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

    Returns (codes, bounds, letters, capitals): text d is codes[bounds[d]:bounds[d+1]]
    (space-padded on both sides when ``pad``), and the letter and capital counts
    of its repaired form, for the shouting cue. ``with_sources`` appends, per
    output character, its index in the text after URL/handle removal.
    """
    n = len(texts)
    joined = "".join(texts)
    todo = _touched(texts, joined, _MAY_STRIP)
    placed = list(texts)
    for i in todo:
        placed[i] = _placeholders(placed[i])
    codes = _utf32("".join(placed) if todo else joined)
    bounds = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, placed), dtype=np.int64, count=n), out=bounds[1:])
    out = np.empty(len(codes) + 2 * n, dtype=np.uint32)
    out_bounds = np.empty(n + 1, dtype=np.int64)
    letters, upper = np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64)
    src = np.empty(len(out), dtype=np.int64)
    _fold(codes, bounds, pad, LOWER, IS_ALPHA, IS_UPPER, IS_SPACE, out, out_bounds, letters, upper, src)
    end = out_bounds[-1]
    return (out[:end], out_bounds, letters, upper) + ((src[:end],) if with_sources else ())


def _text(codes: np.ndarray) -> str:
    return codes.tobytes().decode("utf-32-le", "surrogatepass")


def normalise(text: str) -> str:
    """Return the canonical form of a comment that the model's features are built from."""
    return _text(fold_batch([repair(text)])[0])


def normalise_with_offsets(text: str) -> tuple[str, np.ndarray]:
    """:func:`normalise` plus, for each of its characters, the index of its source in ``text``.

    Exact through URL/handle removal and the per-character steps; through a
    mojibake or NFKC repair (rare) it aligns with difflib, or proportionally
    for very long texts, which is close enough to highlight evidence.
    """
    repaired = repair(text)
    codes, _, _, _, src = fold_batch([repaired], with_sources=True)
    src = _placeholder_sources(repaired)[src] if len(src) else src
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
