"""The project's own newsroom comment set (`data/newsroom/`): loading it and checking it for near-duplicates.

Rows are JSON lines with `text`, the three labels, `functionality`, `country` and
`topic`, written by the team for this project (see data/newsroom/README.md).
Near-duplicates are measured as the issue defines them: two rows whose word
5-gram sets have a Jaccard similarity above 0.5; rows of fewer than five words
have no 5-gram, so for them an identical text (after case and punctuation
folding) counts instead.
"""
from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path
from typing import Sequence

import pandas as pd

from ..labels import LABELS
from ..textio import InputError, read_text

NEWSROOM_DIR = Path(__file__).resolve().parents[2] / "data" / "newsroom"
FIELDS = ("text", *LABELS, "functionality", "country", "topic")
NEAR_DUPLICATE_JACCARD = 0.5
_TOKEN = re.compile(r"\w+")


def load_newsroom(split: str, folder: Path | None = None) -> pd.DataFrame:
    """The `train` or `test` split as a frame with the label columns as floats."""
    path = Path(folder or NEWSROOM_DIR) / f"{split}.jsonl"
    rows = []
    for n, line in enumerate(read_text(path).splitlines(), 1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise InputError(f"{path}: line {n} is not valid JSON ({exc.msg})") from None
    df = pd.DataFrame(rows)
    missing = [f for f in FIELDS if f not in df.columns]
    if missing:
        raise InputError(f"{path}: missing fields {', '.join(missing)}")
    for lab in LABELS:
        df[lab] = df[lab].astype(float)
    return df


def _words(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


def shingles(text: str, n: int = 5) -> frozenset:
    """The word n-grams of a text; for a text shorter than n words, its folded words as one item
    (and for a text without words, its characters: `******` and `...` are different comments)."""
    w = _words(text)
    if len(w) < n:
        return frozenset([("short",) + (tuple(w) or ("".join(text.split()),))])
    return frozenset(tuple(w[i:i + n]) for i in range(len(w) - n + 1))


def near_duplicate_pairs(texts: Sequence[str], others: Sequence[str] | None = None,
                         threshold: float = NEAR_DUPLICATE_JACCARD) -> list[tuple[int, int, float]]:
    """Pairs (i, j, jaccard) above ``threshold``: within ``texts``, or between ``texts`` and ``others``.

    Only pairs that share a shingle can exceed the threshold, so candidates come from an
    inverted index instead of all n^2 pairs.
    """
    a = [shingles(t) for t in texts]
    b = a if others is None else [shingles(t) for t in others]
    index: dict = defaultdict(list)
    for j, s in enumerate(b):
        for g in s:
            index[g].append(j)
    out = []
    for i, s in enumerate(a):
        cands = {j for g in s for j in index[g]}
        for j in cands:
            if others is None and j <= i:
                continue
            jac = len(s & b[j]) / len(s | b[j])
            if jac > threshold:
                out.append((i, j, jac))
    return sorted(out)


def duplicate_share(texts: Sequence[str]) -> tuple[int, int, float]:
    """(near-duplicate pairs, all pairs, share) within one split."""
    n = len(texts)
    pairs = len(near_duplicate_pairs(texts))
    total = n * (n - 1) // 2
    return pairs, total, pairs / total if total else 0.0


def newsroom_rows(folder: Path | None = None) -> pd.DataFrame:
    """The newsroom training split in the shape of the pack's sources (text, labels, source, group)."""
    df = load_newsroom("train", folder)
    return pd.DataFrame({"text": df["text"], "insult": df["insult"], "masked": df["masked"],
                         "hostility": df["hostility"], "source": "newsroom", "group": "newsroom-" + df["id"],
                         "functionality": df["functionality"],
                         "train_only": df.get("part", pd.Series("core", index=df.index)) == "hard-cases"})
