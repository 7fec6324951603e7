"""Word lists kept as data files: `<package>/lexicon/<name>.txt`, one entry per line.

Each stage keeps its lists beside the code that reads them (`scoring/lexicon/`,
`segment/lexicon/`); lines starting with `#` are comments.
"""
from __future__ import annotations

from functools import lru_cache
from importlib import resources


@lru_cache(maxsize=None)
def word_list(package: str, name: str) -> frozenset[str]:
    """The entries of ``<package>/lexicon/<name>.txt`` (blank lines and ``#`` comments skipped)."""
    text = resources.files(package).joinpath("lexicon", f"{name}.txt").read_text(encoding="utf-8")
    return frozenset(w.strip() for w in text.splitlines() if w.strip() and not w.startswith("#"))
