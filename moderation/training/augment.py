"""Training augmentation: starred copies for `masked`, and comments with nothing to judge.

Few labelled rows show site masking, so :func:`augment` adds masked copies of
abusive rows (offending words starred the way sites do) and benign copies
carrying harmless stars (footnotes, bold, ratings), so the `masked` cues learn
the difference rather than "a star means masked"; and rows of function words,
letters and punctuation only, labelled benign.
"""
from __future__ import annotations

import random
import re

import numpy as np
import pandas as pd

from ..scoring.lexicon import offensive_words
from ..scoring.masking import has_mask
from ..wordlists import word_list


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

    The copies teach `masked` only: their insult and hostility are unknown (NaN), since a masked
    copy of an insult may no longer show it, and the model must judge the words left visible.
    Copies keep their row's `group`, so a split never puts a row and its copy on different sides.
    Deterministic for a given seed and input order.
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
    copies = pd.concat([masked.assign(augmented="masked"), benign.assign(augmented="benign-star")])
    copies[["insult", "hostility"]] = np.nan
    df = df.assign(augmented="")
    return pd.concat([df, copies, harmless_star_copies(df, seed), no_content_rows(seed)],
                     ignore_index=True).fillna({"augmented": ""})


_TOKEN = re.compile(r"[\w*@$]+")
#: Starred copies per newsroom row, each starring a different harmless word (measured: docs/experiments.md).
HARMLESS_STAR_COPIES = 1
#: Verbs that say nothing about anyone: starring one must not move a score.
NEUTRAL_VERBS = frozenset("a ont est sont dit fait va vont veut peut doit était sera inauguré annoncé déclaré "
                          "parle parlé vient venu arrive arrivé passe passé reste donne donné prend pris "
                          "explique expliqué demande demandé pense crois sais voit vu lu écrit".split())


def star_styles(word: str) -> list[str]:
    """How a site masks a word while leaving nothing that could spell an insult."""
    n = len(word)
    styles = ["*" * n, word[0] + "*" * (n - 1)]
    if n >= 3:
        styles.append(word[0] + "*" * (n - 2) + word[-1])
    return styles


def harmless_words(text: str, function_words: frozenset[str], insults: frozenset[str]) -> list[tuple[int, int]]:
    """Spans of the words of ``text`` the invariant stars: grammar words, names (capitalised inside a
    sentence) and neutral verbs, never a listed insult."""
    out = []
    for m in _TOKEN.finditer(text):
        w, low = m.group(), m.group().lower()
        if low in insults or len(w) < 2 or not w.isalpha():      # a masked or mixed token is not a word
            continue
        sentence_start = not text[:m.start()].strip() or text[:m.start()].rstrip()[-1:] in ".!?"
        name = w[0].isupper() and not w.isupper() and not sentence_start
        if low in function_words or low in NEUTRAL_VERBS or name:
            out.append(m.span())
    return out


def harmless_star_copies(df: pd.DataFrame, seed: int = 0, copies: int = HARMLESS_STAR_COPIES) -> pd.DataFrame:
    """Copies of the newsroom rows, each with one harmless word (a name, a community name, a neutral verb) starred
    the way a site does, every label kept but `masked` (now 1).

    Sites mask names and fragments; insult and hostility must keep judging the words left visible, so
    the model learns not to lean on any one harmless word. The copies train only (never calibrate).
    """
    rng = random.Random(seed + 3)
    function_words = word_list("moderation.scoring", "function_words")
    insults = word_list("moderation.scoring", "insults")
    identity = word_list("moderation.scoring", "identity_terms")
    rows = []
    for row in df[(df["source"] == "newsroom") & (df["augmented"].fillna("") == "")].itertuples(index=False):
        spans = [(a, b) for a, b in harmless_words(row.text, function_words | identity, insults)
                 if row.text[a:b].lower() not in function_words]
        for a, b in rng.sample(spans, min(copies, len(spans))):
            starred = rng.choice(star_styles(row.text[a:b]))
            rows.append({**row._asdict(), "text": row.text[:a] + starred + row.text[b:], "masked": 1.0,
                         "augmented": "harmless-star", "train_only": True})
    return pd.DataFrame(rows)


_FILLERS = ("!", "?", "?!", "...", "…", ".", "!!!", "👍", "🙏", "😂", "🇲🇱", ":)", "-", "ok", "OK", "lol", "mdr")


def no_content_rows(seed: int = 0, n: int = 400) -> pd.DataFrame:
    """Comments with no content word (function words, single letters, punctuation, emoji), all benign.

    Readers post such comments (`à`, `d accord`, `?!`); they carry nothing to judge, and these rows
    teach the model's prior (the empty-comment score) to be low. `ok`, `lol` and `mdr` are content
    words the newsroom rows already show benign; they are here beside the function words.
    """
    rng = random.Random(seed + 2)
    function = sorted(word_list("moderation.scoring", "function_words"))
    letters = list("abcdefghijklmnopqrstuvwxyzàéèç")
    rows = []
    for i in range(n):
        k = rng.randint(1, 6)
        words = [rng.choice(function) if rng.random() < 0.7 else rng.choice(letters) for _ in range(k)]
        if rng.random() < 0.5:
            words.append(rng.choice(_FILLERS))
        text = " ".join(words)
        rows.append({"text": text.upper() if rng.random() < 0.2 else text, "insult": 0.0, "masked": 0.0,
                     "hostility": 0.0, "source": "no-content", "group": f"no-content-{i}", "augmented": "no-content"})
    return pd.DataFrame(rows)
