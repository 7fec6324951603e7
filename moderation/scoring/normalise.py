"""The one text normalisation used identically at training and at scoring time.

Steps: mojibake repair (ftfy, only when a tell-tale sequence is present;
emoji included), HTML character references decoded (`&amp;`, `&#39;`: comment
exports from a CMS and some sources carry them escaped), Unicode NFKC; then the
visible words (`moderation.scoring.visible`: masked words resolved or removed,
obfuscated insults spelled out; the mask cues count stars on the repaired text
before this); then one compiled pass per character: URLs and @handles removed (a
link is no evidence of abuse), lower case, letters repeated three or more times
squeezed to two, apostrophes and white space collapsed to single spaces; and per
word: single characters and function words (`lexicon/function_words.txt`)
dropped, so grammar never carries a score, and every community name
(`lexicon/identity_terms.txt`) written as one token, so a score can depend on
what is said about a group but never on which group.

The compiled pass runs over a whole batch; :func:`normalise` runs the same pass
on one text, so training and batch scoring cannot drift apart.
"""
from __future__ import annotations

import difflib
import functools
import html
import re
import unicodedata
from typing import Sequence

import ftfy
import numpy as np
from numba import njit

from ..wordlists import word_list
from .chartables import FNV_OFFSET, FNV_PRIME, IS_ALPHA, IS_SPACE, IS_WORDC, LOWER, encode_batch
from .visible import visible, visible_batch

# Characters that almost only occur in UTF-8 text mis-decoded as Latin-1/CP1252
# (Ã, Â, â: accented letters and punctuation; ð: emoji, four-byte sequences).
_MOJIBAKE_TELL = re.compile("[ÃÂâð][\u0080-\u00bf€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ]")
# An HTML character reference with its semicolon. Only these are decoded: html.unescape on
# a whole text would also turn "&parano" into "¶no" (HTML5 accepts "&para" without one).
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")



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


#: Word actions of the compiled pass.
KEEP, DROP, GROUP = 0, 1, 2
GROUP_TOKEN = "xgroupx"          # what every community name becomes (no French or English word looks like it)


@njit(cache=True, nogil=True)
def _end_word(out, src, o, wstart, h, start, keys, actions, token):
    """Apply the word table to the word out[wstart:o]; returns (new o, whether the word was dropped)."""
    act = DROP if o - wstart == 1 else KEEP
    if act == KEEP and len(keys) > 0:
        k = np.searchsorted(keys, h)
        if k < len(keys) and keys[k] == h:
            act = actions[k]
    if act == DROP:
        o = wstart
        if o > start and out[o - 1] == 32:          # the space before it goes too
            o -= 1
        return o, True
    if act == GROUP:                                # the token spans the whole word it replaces
        first, last = src[wstart], src[o - 1]
        o = wstart
        for t in token:
            out[o] = t
            src[o] = first
            o += 1
        src[o - 1] = last
    return o, False


@njit(cache=True, nogil=True)
def _fold(codes, bounds, pad, lower, is_alpha, is_space, is_wordc, keys, actions, token,
          out, out_bounds, src):
    """Drop links and handles, lower-case, squeeze letter runs to two, collapse spaces; per word, apply
    the word table (drop function words and single characters, write community names as one token).

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
        wstart = -1
        h = FNV_OFFSET
        i = bounds[d] - 1
        while i + 1 < bounds[d + 1]:
            i += 1
            c = codes[i]
            if c == 64 or c == 72 or c == 104 or c == 87 or c == 119:   # @ h H w W: maybe a link
                j = _link_end(codes, i, bounds[d], bounds[d + 1], lower, is_space, is_wordc)
                if j > 0:
                    if wstart >= 0:
                        o, _ = _end_word(out, src, o, wstart, h, start, keys, actions, token)
                        wstart = -1
                    pending_space = o > start
                    prev1 = prev2 = np.uint32(0xFFFFFFFF)
                    i = j - 1
                    continue
            if c >= 0x10000 or is_space[c]:       # astral characters are emoji and symbols: spaces
                if wstart >= 0:
                    o, _ = _end_word(out, src, o, wstart, h, start, keys, actions, token)
                    wstart = -1
                pending_space = o > start
                prev1 = prev2 = np.uint32(0xFFFFFFFF)
                continue
            if is_alpha[c]:
                c = lower[c]
                if c == prev1 and c == prev2 and not pending_space:
                    continue
            wordc = is_wordc[c]
            if not wordc and wstart >= 0:
                o, dropped = _end_word(out, src, o, wstart, h, start, keys, actions, token)
                wstart = -1
                if dropped:
                    pending_space = o > start
            if pending_space:
                out[o] = 32
                src[o] = i - bounds[d] - 1
                o += 1
                pending_space = False
                prev1 = np.uint32(32)
            if wordc:
                if wstart < 0:
                    wstart = o
                    h = FNV_OFFSET
                h = (h ^ np.uint64(c)) * FNV_PRIME
            out[o] = c
            src[o] = i - bounds[d]
            o += 1
            prev2 = prev1
            prev1 = c
            if not is_alpha[c]:
                prev1 = np.uint32(0xFFFFFFFF)
        if wstart >= 0:
            o, _ = _end_word(out, src, o, wstart, h, start, keys, actions, token)
        if pad:
            out[o] = 32
            src[o] = -1
            o += 1
    out_bounds[len(bounds) - 1] = o


@njit(cache=True, nogil=True)
def _hash_words(codes, bounds, out):
    """The pass's word hash of each text in a batch (texts that fold to one word each)."""
    for d in range(len(bounds) - 1):
        h = FNV_OFFSET
        for k in range(bounds[d], bounds[d + 1]):
            h = (h ^ np.uint64(codes[k])) * FNV_PRIME
        out[d] = h


_NO_KEYS = np.zeros(0, dtype=np.uint64)
_NO_ACTIONS = np.zeros(0, dtype=np.int8)
_TOKEN = np.frombuffer(GROUP_TOKEN.encode("utf-32-le"), dtype=np.uint32).copy()


def _fold_raw(texts: Sequence[str], pad: bool, keys: np.ndarray, actions: np.ndarray) -> tuple[np.ndarray, ...]:
    n = len(texts)
    codes, bounds = encode_batch(texts)
    # a community name written as the token can outgrow its word (`bozo` -> `xgroupx`)
    out = np.empty(2 * len(codes) + 2 * n + len(_TOKEN), dtype=np.uint32)
    out_bounds = np.empty(n + 1, dtype=np.int64)
    src = np.empty(len(out), dtype=np.int64)
    _fold(codes, bounds, pad, LOWER, IS_ALPHA, IS_SPACE, IS_WORDC, keys, actions, _TOKEN,
          out, out_bounds, src)
    end = out_bounds[-1]
    return out[:end], out_bounds, src[:end]


def word_table_files() -> dict[str, str]:
    """The word lists normalisation reads (the compiled pass, and `visible` for insults), with their text:
    a model records their fingerprint."""
    from importlib import resources
    folder = resources.files(__package__).joinpath("lexicon")
    return {name: folder.joinpath(f"{name}.txt").read_text(encoding="utf-8")
            for name in ("function_words", "identity_terms", "insults")}


@functools.lru_cache(maxsize=1)
def word_table() -> tuple[np.ndarray, np.ndarray]:
    """(sorted word hashes, action of each): function words dropped, community names grouped."""
    entries = {}
    for action, name in ((DROP, "function_words"), (GROUP, "identity_terms")):
        words = sorted(word_list(__package__, name))
        codes, bounds, _ = _fold_raw(words, False, _NO_KEYS, _NO_ACTIONS)
        hashes = np.empty(len(words), dtype=np.uint64)
        _hash_words(codes, bounds, hashes)
        for h in hashes.tolist():
            entries.setdefault(h, action)
    keys = np.array(sorted(entries), dtype=np.uint64)
    return keys, np.array([entries[k] for k in keys.tolist()], dtype=np.int8)


def fold_batch(texts: Sequence[str], pad: bool = False,
               with_sources: bool = False) -> tuple[np.ndarray, ...]:
    """Normalise a batch of *prepared* texts (repaired, then :func:`visible`) into code points.

    Returns (codes, bounds): text d is codes[bounds[d]:bounds[d+1]] (space-padded
    on both sides when ``pad``). ``with_sources`` appends, per output character,
    its index in the prepared text.
    """
    codes, bounds, src = _fold_raw(texts, pad, *word_table())
    return (codes, bounds) + ((src,) if with_sources else ())


def prepare(text: str) -> str:
    """Repaired text with only its visible words: what the compiled pass folds."""
    return visible(repair(text))


def prepare_batch(texts: Sequence[str]) -> tuple[list[str], list[str]]:
    """(repaired, prepared) for a batch: the mask cues read the first, the n-grams the second."""
    repaired = repair_batch(texts)
    return repaired, visible_batch(repaired)


def _text(codes: np.ndarray) -> str:
    return codes.tobytes().decode("utf-32-le", "surrogatepass")


def normalise(text: str) -> str:
    """Return the canonical form of a comment that the model's features are built from."""
    return _text(fold_batch([prepare(text)])[0])


def split_batch(codes: np.ndarray, bounds: np.ndarray) -> list[str]:
    """The texts of a :func:`fold_batch` result, one string each."""
    return [_text(codes[a:b]) for a, b in zip(bounds[:-1], bounds[1:])]


def normalise_with_offsets(text: str) -> tuple[str, np.ndarray]:
    """:func:`normalise` plus, for each of its characters, the index of its source in ``text``.

    Exact through the compiled pass; through a repair or a masked or obfuscated word
    (rare) it aligns with difflib, or proportionally for very long texts, which is
    close enough to highlight evidence.
    """
    prepared = prepare(text)
    codes, _, src = fold_batch([prepared], with_sources=True)
    if prepared != text:
        src = _repair_sources(text, prepared)[src]
    return _text(codes), np.clip(src, 0, max(len(text) - 1, 0))


def _repair_sources(original: str, repaired: str) -> np.ndarray:
    """Index in ``original`` of each character of ``repaired``."""
    if len(repaired) > 3000:
        return (np.arange(len(repaired)) * (len(original) / max(len(repaired), 1))).astype(np.int64)
    pos = (np.arange(len(repaired)) * (len(original) / max(len(repaired), 1))).astype(np.int64)
    for a, b, size in difflib.SequenceMatcher(None, original, repaired, autojunk=False).get_matching_blocks():
        pos[b:b + size] = np.arange(a, a + size)
    return pos
