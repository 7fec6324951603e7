"""Masking artifacts: how sites censor words with `*`, found in text and made for training.

No source in the data pack annotates masking, so the `masked` training signal
is built here, honestly and in one place:

* :func:`mask_counts` finds artifacts in any text (`u*****`, `con****`,
  `*****les`, `p*te`, a bare `******`) while ignoring the benign uses of a star
  (`**bold**`, a footnote `*` or `Prix*`, a short rating `***`). It labels every
  training row and also feeds the model's cue features.
* :func:`augment` adds masked copies of abusive rows (offending words starred
  the way sites do, other labels kept) and benign copies carrying harmless stars,
  so the model learns the difference rather than "a star means masked".
"""
from __future__ import annotations

import random
import re
from functools import lru_cache
from pathlib import Path

import pandas as pd

_BOLD = re.compile(r"\*\*(?=\S)[^*\n]{1,80}?(?<=\S)\*\*")
_STARS = re.compile(r"\*+")
_MASKED_WORD = re.compile(r"[\w*]+")
INNER, EDGE, RUN = 0, 1, 2


def _artifacts(text: str):
    """Yield (start, end, kind) for each run of stars that is a masking artifact.

    A run between two letters is INNER (`p*te`, `q******e`); two or more stars
    touching a letter on one side are EDGE (`u*****`, `*****les`); four or more
    stars touching no word character are a bare RUN (`******`). Single stars
    beside a word (footnotes, `Prix*`), short bare runs (ratings `***`) and
    `**bold**` spans are not masking.
    """
    if "**" in text:
        text = _BOLD.sub(lambda m: " " * len(m.group()), text)
    n = len(text)
    for m in _STARS.finditer(text):
        a, b = m.span()
        left = text[a - 1] if a else " "
        right = text[b] if b < n else " "
        if left.isalpha() and right.isalpha():
            yield a, b, INNER
        elif (left.isalpha() or right.isalpha()) and b - a >= 2:
            yield a, b, EDGE
        elif b - a >= 4 and not (left.isalnum() or left == "_" or right.isalnum() or right == "_"):
            yield a, b, RUN


def mask_counts(text: str) -> tuple[int, int, int]:
    """Count (inner, edge, bare-run) masking artifacts."""
    counts = [0, 0, 0]
    if "*" in text:
        for _, _, kind in _artifacts(text):
            counts[kind] += 1
    return counts[0], counts[1], counts[2]


def mask_spans(text: str) -> list[tuple[int, int]]:
    """[start, end) spans of the masked words in ``text`` (for highlighting evidence)."""
    if "*" not in text:
        return []
    found = set()
    for a, _, _ in _artifacts(text):
        # widen each run of stars to its whole masked word (`u*****`, not `*****`)
        word = next((m.span() for m in _MASKED_WORD.finditer(text, max(0, a - 40)) if m.start() <= a < m.end()), None)
        found.add(word or (a, a + 1))
    return sorted(found)


def has_mask(text: str) -> bool:
    """True when the text carries at least one masking artifact."""
    return any(mask_counts(text))


# Core French insults, written for this project: the plain spellings the safetext list lacks
# (it has "connards" and "connard3" but not "connard"), and the seeds of the "near insult" cue
# (`moderation.features.CueFeatures`), which flags words whose vectors lie close to these.
# safetext alone would be a poor seed: it also lists everyday words ("bonne", "faire", "saint").
CORE_INSULTS = """con cons connard connasse salaud salauds salope pute putain enculé enculés batard bâtard
batards débile débiles idiot idiots imbécile imbéciles crétin crétins abruti abrutis trolls troll
chiens chien merde fdp ntm bouffon bouffons ordure ordures raclure pourriture pourris traître traîtres
vendus corrompus voleurs menteurs maudit maudite maudits racaille racailles singe singes bâtards
nègre nègres pd pédé gouine tarlouze mongol attardé attardés""".split()


# Words of the safetext French list whose ordinary sense is not an insult: everyday words
# ("bonne", "faire", "veuve", "crime"), religious words that are oaths only in Quebec ("saint",
# "baptême", "calice"; the Quebec spellings "tabarnak", "câlisse", "osti" stay listed), body and
# sex words that news comments use plainly ("utérus", "seins"), and identity words, which must never
# count as insult evidence ("lesbienne", "pansexuel"). Listed, they made news sentences such as
# "La veuve du soldat a reçu une médaille" score insult 0.54, and `explain` showed "bonne" as an insult.
NOT_INSULTS = frozenset("""ambisexuel ambosexuel arracher astiquer avortement avortements baptême bat batch
batte bise bonne bosser boule bourré bourrée bout boutons bride bâton cailler calice calvaire cave cerise
chat chauffard cher choper christ ciboire coche coin convoitise coq coqs courageux cran crime crosse
croupe crucifix culasse diarrhée digue does drague duché décharger dégager démonter dilater enfer
enfiler envoyer espacer esprit esque eucharistie exploser faciale faire fente fétiche flûte fourbir
fumer glisser gosse gourdin graine gros hirondelle hostie inceste jante jouir lesbienne limer luxure
magot mamelon manche masochiste matos melon mettre meuf mince minou mouille moule mouron nana nymphe
orgasme orgasmes ostensoir panier pansexuel peler penchant piment pipe piquer piqûres plume poche poil
pommeau pornographie poupée punaise purée pénétration pénétrer pédophilie queue rage rapace ramoner
rondelle râpé saccade sacré sadisme saint sanglant sauter seins sexe shampoing sieve sodome sphincter
tabernacle tanné taper tarte tata testiculaire testicule tirelire tool touffe trappe tremper tuyau
urinaire urètre utérus vagin veuve ver vieille zut égoïsme éjaculation éjaculations épais érection
ériger étoile étole""".split())


@lru_cache(maxsize=1)
def offensive_words() -> frozenset[str]:
    """Single-word French insults: the `safetext` list (MIT) without its everyday words
    (`NOT_INSULTS`), plus the plain spellings it lacks (`CORE_INSULTS`)."""
    import safetext
    path = Path(safetext.__file__).parent / "languages" / "fr" / "words.txt"
    words = (w.strip().lower() for w in path.read_text(encoding="utf-8").splitlines())
    listed = {w for w in words if w and " " not in w and w.isalpha() and len(w) >= 3}
    return frozenset((listed - NOT_INSULTS) | set(CORE_INSULTS))


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
