"""Training augmentation for `masked`: starred copies of abusive rows, harmless stars on benign ones.

No source of the data pack shows site masking, so :func:`augment` adds masked
copies of abusive rows (offending words starred the way sites do, other labels
kept) and benign copies carrying harmless stars (footnotes, bold, ratings), so
the model learns the difference rather than "a star means masked".
"""
from __future__ import annotations

import random
import re

import pandas as pd

from ..scoring.lexicon import offensive_words
from ..scoring.masking import has_mask


def _mask_word(word: str, rng: random.Random) -> str:
    n = len(word)
    style = rng.randrange(6)
    if style == 0:                                    # ******
        return "*" * rng.randint(max(3, n - 2), n + 3)
    if style == 1:                                    # u*****
        return word[0] + "*" * (n - 1)
    if style == 2:                                    # con****
        k = rng.randint(2, max(2, n // 2))
        return word[:k] + "*" * (n - k)
    if style == 3:                                    # *****les
        k = rng.randint(1, max(1, n // 3))
        return "*" * (n - k) + word[n - k:]
    if style == 4:                                    # p*te
        return word[0] + "*" * max(1, n - 2) + word[-1]
    return word[0] + "*" * rng.randint(5, 8)            # q******


_WORD = re.compile(r"\w+")


def mask_text(text: str, rng: random.Random) -> str:
    """Star the offending words of a text as a site would; a phrase when none is listed."""
    words = offensive_words()
    spans = [m.span() for m in _WORD.finditer(text) if m.group().lower() in words]
    if not spans:
        tokens = [m.span() for m in _WORD.finditer(text)]
        if not tokens:
            return text
        i = rng.randrange(len(tokens))
        j = min(len(tokens), i + rng.randint(1, 3))
        a, b = tokens[i][0], tokens[j - 1][1]
        return text[:a] + "*" * rng.randint(4, 9) + text[b:]
    out, last = [], 0
    for a, b in spans:
        out.append(text[last:a]); out.append(_mask_word(text[a:b], rng)); last = b
    out.append(text[last:])
    return "".join(out)


_BENIGN_STARS = (
    lambda t, r: t + "*",                                   # footnote call
    lambda t, r: t + "\n* " + r.choice(["Voir conditions.", "Source : AFP.", "Chiffres officiels.", "Offre limitée."]),
    lambda t, r: "**" + t.split(" ", 1)[0] + "** " + (t.split(" ", 1)[1] if " " in t else ""),  # bold
    lambda t, r: t + " " + r.choice(["***", "**", "*", "(*)", "Note : ****/5", "★★★", "5 étoiles *****"]),
    lambda t, r: r.choice(["*** ", "* ", "(*) "]) + t,
    lambda t, r: t.replace(" ", " * ", 1),
)


def benign_star_text(text: str, rng: random.Random) -> str:
    """Add a harmless use of `*` (footnote, bold, rating) that is not masking."""
    return rng.choice(_BENIGN_STARS)(text, rng)


def augment(df: pd.DataFrame, seed: int = 0, masked_share: float = 0.35, benign_share: float = 0.08) -> pd.DataFrame:
    """Label `masked` from the text where unlabelled, then add masked copies of abusive rows and benign-star copies.

    Copies keep their row's `group`, so a split never puts a row and its copy on
    different sides. Deterministic for a given seed and input order.
    """
    rng = random.Random(seed)
    df = df.copy()
    derived = df["text"].map(has_mask).astype(float)
    df["masked"] = df["masked"].where(df["masked"].notna(), derived)   # a user's own labels win
    abusive = df[((df["insult"] == 1) | (df["hostility"] == 1)) & (df["masked"] == 0)]
    pick = abusive.sample(frac=masked_share, random_state=seed).sort_index()
    masked = pick.assign(text=[mask_text(t, rng) for t in pick["text"]], masked=1.0)
    masked = masked[masked["text"].map(has_mask)]
    clean = df[df["masked"] == 0].sample(frac=benign_share, random_state=seed + 1).sort_index()
    benign = clean.assign(text=[benign_star_text(t, rng) for t in clean["text"]], masked=0.0)
    benign = benign[~benign["text"].map(has_mask)]
    return pd.concat([df, masked.assign(augmented="masked"), benign.assign(augmented="benign-star")],
                     ignore_index=True).fillna({"augmented": ""})
