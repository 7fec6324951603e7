"""What a reader can still see: masked words resolved or removed, obfuscated insults spelled out.

Runs on repaired text, before case folding, in the one normalisation path
(`moderation.scoring.normalise`). A star run is evidence for `masked` only (the
mask cues count it on the raw text), so the words insult and hostility are scored
from are the visible ones: a masked word whose visible letters identify a known
insult (`con****`, `p*te`, `en*ulé`: first letter kept, three letters or more
visible, length within one letter) becomes that insult; any other masked word,
and every other star, is removed. Insults spelled to dodge filters (`c.o.n`,
`i d i o t`, `k0n`, `conn@rd`) become the word they spell when that word is on the
insult list. In a batch, a compiled screen sends only the texts holding a star, a
spelled-out word or a leet token that spells an insult through the regex passes.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Sequence

import numpy as np
from numba import njit

from .chartables import FNV_OFFSET, FNV_PRIME, IS_WORDC, encode_batch
from .masking import insult_spellings, masked_words, plain_word, resolve_masked

# Cheap character-set searches keep most texts off the two word-level passes: leet only matters
# where a digit or symbol stands inside a word (`k0n`, `conn@rd`, `$alope`), spelling-out only where
# a single letter stands between two separators (`c.o.n`, `i d i o t`).
_LEET_PAIR = r"[^\W\d_][013457@$]|[013457@$][^\W\d_]"
_LEET_HINT = re.compile(r"[013457@$]")
_LEET_IN_TOKEN = re.compile(_LEET_PAIR)
_TOKEN_REST = re.compile(r"[\w@$]*")
_SPELLED_HINT = re.compile(r"[.\-_ ][^\W\d_][.\-_ ]")
_SPELLED = re.compile(r"(?<!\w)[^\W\d_]([.\-_ ])(?:[^\W\d_]\1){1,}[^\W\d_](?!\w)")   # one separator per run
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"})


def _despell(match: re.Match) -> str:
    joined = re.sub(r"[.\-_ ]", "", match.group())
    return insult_spellings().get(plain_word(joined).translate(_LEET), match.group())


@lru_cache(maxsize=65536)
def _unleet(token: str) -> str:
    """The insult ``token`` spells with digits or symbols for letters, else ``token`` (cached: @-handles repeat)."""
    if sum(c.isalpha() for c in token) < 2 or not _LEET_IN_TOKEN.search(token):
        return token
    return insult_spellings().get(plain_word(token).translate(_LEET), token)


def _in_token(c: str) -> bool:
    return c.isalnum() or c in "_@$"


def _deleet(text: str) -> str:
    """Each token (a run of word characters, `@` and `$`) holding a leet character, spelled out if an insult."""
    pieces, last, n = [], 0, len(text)
    for m in _LEET_HINT.finditer(text):
        i = m.start()
        if i < last or not ((i and text[i - 1].isalpha()) or (i + 1 < n and text[i + 1].isalpha())):
            continue                           # inside a token already read, or no letter beside it
        a, b = i, i + 1
        while a > last and _in_token(text[a - 1]):
            a -= 1
        b = _TOKEN_REST.match(text, b).end()
        pieces += [text[last:a], _unleet(text[a:b])]
        last = b
    return "".join(pieces) + text[last:] if pieces else text


def visible(text: str) -> str:
    """The words of ``text`` that insult and hostility are scored from (see the module docstring)."""
    if "*" in text:
        pieces, last = [], 0
        for a, b in masked_words(text):
            pieces += [text[last:a], resolve_masked(text[a:b]) or " "]
            last = b
        text = "".join(pieces) + text[last:]
        text = text.replace("*", " ")            # footnote calls, bold, ratings: not words
    if _SPELLED_HINT.search(text):
        text = _SPELLED.sub(_despell, text)
    return _deleet(text)


# The compiled screen in front of visible(): which texts of a batch it may change. Most texts hold no
# star, no spelled-out word and no leet token that spells an insult, and skip the regex passes.
_UNSAFE, _SKIP = -1, -2


@lru_cache(maxsize=1)
def _screen_tables() -> tuple[np.ndarray, ...]:
    """Per BMP character: letter as `[^\\W\\d_]`, word character as `\\w`, token character as `[\\w@$]`, its plain form
    (lower case, no accent, leet digit as letter; _SKIP for a combining mark, _UNSAFE when not one character)."""
    chars = [chr(i) for i in range(0x10000)]
    letter = np.fromiter((c.isalnum() and not c.isdecimal() and c != "_" for c in chars), dtype=bool, count=0x10000)
    assert not letter[0xFFFF] and not chars[0xFFFF].isalnum()      # the clip value of astral characters
    word = IS_WORDC
    token = word.copy()
    token[[ord("@"), ord("$")]] = True
    plain = np.arange(0x10000, dtype=np.int64)
    for i in range(0x80, 0x10000):                # ASCII: lower() and the leet map below suffice
        c = chars[i]
        if c.isalnum() or unicodedata.combining(c):
            p = plain_word(c)
            plain[i] = ord(p) if len(p) == 1 else (_SKIP if p == "" else _UNSAFE)
    plain[0x41:0x5B] += 32
    plain[0x3A3] = _UNSAFE                         # capital sigma lower-cases by context
    for src, dst in _LEET.items():
        plain[src] = ord(dst)
    return letter, word, token, plain


@lru_cache(maxsize=1)
def _insult_hashes() -> np.ndarray:
    plain = _screen_tables()[-1]
    words = [w for w in insult_spellings() if w and all(ord(c) < 0x10000 for c in w)]
    hashes = np.empty(len(words), dtype=np.uint64)
    for i, w in enumerate(words):
        h = int(FNV_OFFSET)
        for c in w:
            p = int(plain[ord(c)])
            if p != _SKIP:
                h = ((h ^ p) * int(FNV_PRIME)) & 0xFFFFFFFFFFFFFFFF      # the compiled pass's uint64 wrap-around
        hashes[i] = h
    return np.unique(hashes)


@njit(cache=True, nogil=True)
def _screen(codes, bounds, letter, word, token, plain, insults, out):
    """out[d] = whether visible() may change text d. Codes are clipped to U+FFFF, a non-character that is
    neither letter nor token, so astral characters end tokens (they are emoji or symbols in comments)."""
    for d in range(len(bounds) - 1):
        s, e = bounds[d], bounds[d + 1]
        flag = False
        for k in range(s, e):
            c = min(codes[k], 0xFFFF)
            if c == 42:                                                    # a star
                flag = True
                break
            # three single letters with one separator between (`c.o.n`, `i d i o t`): _SPELLED may match
            if k + 4 < e and letter[c] and (k == s or not word[min(codes[k - 1], 0xFFFF)]):
                sep = codes[k + 1]
                if ((sep == 46 or sep == 45 or sep == 95 or sep == 32) and codes[k + 3] == sep
                        and letter[min(codes[k + 2], 0xFFFF)] and letter[min(codes[k + 4], 0xFFFF)]
                        and (k + 5 == e or codes[k + 5] == sep or not word[min(codes[k + 5], 0xFFFF)])):
                    flag = True
                    break
        k = s
        while not flag and k < e:
            if not token[min(codes[k], 0xFFFF)]:
                k += 1
                continue
            a, pair, unsafe, h = k, False, False, FNV_OFFSET
            while k < e and token[min(codes[k], 0xFFFF)]:
                c = codes[k]
                if (c < 58 and (c == 48 or c == 49 or c == 51 or c == 52 or c == 53 or c == 55)) or c == 64 or c == 36:
                    if (k > a and letter[min(codes[k - 1], 0xFFFF)]) or (k + 1 < e and letter[min(codes[k + 1], 0xFFFF)]):
                        pair = True                                        # a leet character beside a letter
                p = plain[c]
                if p == _UNSAFE:
                    unsafe = True
                elif p != _SKIP:
                    h = (h ^ np.uint64(p)) * FNV_PRIME
                k += 1
            if (k < e and codes[k] > 0xFFFF) or (a > s and codes[a - 1] > 0xFFFF):
                unsafe = True                      # an astral letter may continue the token for the regex
            if pair and (unsafe or (len(insults) > 0 and insults[min(np.searchsorted(insults, h), len(insults) - 1)] == h)):
                flag = True
        out[d] = flag


def visible_batch(texts: Sequence[str]) -> list[str]:
    """:func:`visible` over a batch, run only on the texts the compiled screen says it may change."""
    texts = list(texts)
    if not texts:
        return texts
    codes, bounds = encode_batch(texts)
    flags = np.zeros(len(texts), dtype=np.bool_)
    _screen(codes, bounds, *_screen_tables(), _insult_hashes(), flags)
    for i in np.flatnonzero(flags).tolist():
        texts[i] = visible(texts[i])
    return texts
