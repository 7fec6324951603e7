"""Per-character tables over the Basic Multilingual Plane, and the word hash, that the compiled passes share
(`normalise` folds with them, `visible` screens with them); astral characters are handled by each pass."""
from __future__ import annotations

import unicodedata

import numpy as np

_BMP = [chr(i) for i in range(0x10000)]
LOWER = np.fromiter((ord(c.lower()) if len(c.lower()) == 1 else ord(c) for c in _BMP), dtype=np.uint32, count=0x10000)
IS_ALPHA = np.fromiter((c.isalpha() for c in _BMP), dtype=bool, count=0x10000)
IS_SPACE = np.fromiter((c.isspace() for c in _BMP), dtype=bool, count=0x10000)
IS_SPACE[:0x20] = True          # control characters (NUL included) count as white space
IS_SPACE[[ord("'"), ord("’"), ord("`")]] = True   # elisions (l'armée, qu'ils): their letters are function words
# symbols and emoji (U+2600-27BF, U+2B00-2BFF, and every astral character below) are not words: an emoji
# alone is nothing to judge, and one after an insult adds nothing the insult did not say
IS_SPACE[np.fromiter((unicodedata.category(c) in ("So", "Sk", "Cs", "Co", "Cf") for c in _BMP), dtype=bool,
                     count=0x10000)] = True
IS_SPACE[[0xFE0E, 0xFE0F]] = True                # emoji presentation selectors
IS_WORDC = np.fromiter((c.isalnum() or c == "_" for c in _BMP), dtype=bool, count=0x10000)   # regex \w
del _BMP

def encode_batch(texts) -> tuple[np.ndarray, np.ndarray]:
    """(codes, bounds) of a batch for the compiled passes: text d is codes[bounds[d]:bounds[d+1]], UTF-32 code
    points (surrogatepass: a lone surrogate, possible in JSON input, is kept as a code point, never an error)."""
    codes = np.frombuffer("".join(texts).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    bounds = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, texts), dtype=np.int64, count=len(texts)), out=bounds[1:])
    return codes, bounds


#: FNV-1a over code points: the word hash of the compiled passes (word table lookups, the visible-words screen).
FNV_OFFSET = np.uint64(0xCBF29CE484222325)
FNV_PRIME = np.uint64(0x100000001B3)
