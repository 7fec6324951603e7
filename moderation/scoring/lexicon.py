"""Word lists the features read, kept as data files in `lexicon/` beside this module.

`core_insults.txt` seeds the insult cues; `not_insults.txt` lists words of the
`safetext` French list (MIT) whose ordinary sense is not an insult. The
`safetext` list itself is read only when a model is trained (`[train]` extra):
a fitted model keeps the word flags it needs, so scoring never imports it.
"""
from __future__ import annotations

from functools import lru_cache

from ..wordlists import word_list


def core_insults() -> frozenset[str]:
    """Plain spellings of common French insults, written for this project."""
    return word_list(__package__, "core_insults")


@lru_cache(maxsize=1)
def offensive_words() -> frozenset[str]:
    """Single-word French insults: the `safetext` list (MIT) without its everyday words
    (`not_insults.txt`), plus the plain spellings it lacks (`core_insults.txt`). Training only."""
    try:
        import safetext
    except ImportError:
        raise ImportError("the insult word list needs the training extra: pip install 'moderation[train]'") from None
    from pathlib import Path
    path = Path(safetext.__file__).parent / "languages" / "fr" / "words.txt"
    words = (w.strip().lower() for w in path.read_text(encoding="utf-8").splitlines())
    listed = {w for w in words if w and " " not in w and w.isalpha() and len(w) >= 3}
    return frozenset((listed - word_list(__package__, "not_insults")) | core_insults())
