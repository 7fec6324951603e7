"""Second stage for text dumps: a linear-chain CRF that relabels every line B (a comment starts), I (it goes on)
or O (not a comment), reading what the first stage (patterns, block search, grouping in ``lines.py``) decided
together with the wording-free shape of each line and of its neighbours.

Why: the first stage's rules were written looking at the dev pages, and rules written for the misses of one
batch of templates did not carry to the next. The CRF learns from every labelled dev page, the ones the rules
were never written for included, when to trust the first stage and when not. Its weights are learnt by
``scripts/train_line_model.py --crf-only --write`` (sklearn-crfsuite) and stored as plain JSON (``line_crf.json``):
decoding is a three-tag Viterbi pass here, with no extra runtime dependency.
"""
from __future__ import annotations

from pathlib import Path

from .comments import Comment
from .lines import TYPING_FEATURES, Unit
from .tables import read_table

TAGS = ("O", "B", "I")
#: kinds whose presence anywhere on the page the CRF may read (a page with a heading or form has a thread place)
PAGE_KINDS = ("heading", "form", "author", "action", "signature", "end", "paywall", "quote", "meta")
#: typing-row features the CRF leaves out: where a line sits on the page is no evidence of what it is (a page that is
#: almost all thread has its first comments at a position where article lines usually are)
_NOT_READ = frozenset({"position"})
#: bump when :func:`crf_features` changes: a table learnt on other features is not used
FEATURES_VERSION = 2


def crf_features(units: list[Unit], blank_before: list[bool], comments: list[Comment]) -> list[dict[str, float]]:
    """One feature mapping per line: its typing row (``Unit.row``), its kind and the kinds around it, its score,
    whether blank lines part it from the line before, which kinds the page holds, and whether the first stage
    put it in a comment (and as the comment's first line)."""
    kinds = [u.kind for u in units]
    inside = {n for c in comments if c.lines for n in range(c.lines[0], c.lines[1] + 1)}
    starts = {c.lines[0] for c in comments if c.lines}
    page = {f"page_has={k}": 1.0 for k in PAGE_KINDS if k in kinds}
    out = []
    for i, u in enumerate(units):
        f = {name: float(v) for name, v in zip(TYPING_FEATURES, u.row or ()) if v and name not in _NOT_READ}
        f["bias"] = 1.0
        f.update(page)
        f["score"] = max(-8.0, min(8.0, u.score)) / 4.0
        for d in (-2, -1, 0, 1, 2):
            j = i + d
            f[f"kind{d:+d}={kinds[j] if 0 <= j < len(kinds) else 'edge'}"] = 1.0
        f[f"kind-1,0={kinds[i - 1] if i else 'edge'},{kinds[i]}"] = 1.0
        f[f"blank,kind={int(blank_before[i])},{kinds[i]}"] = 1.0
        if u.line in inside:
            f["first_stage_in"] = 1.0
        if u.line in starts:
            f["first_stage_start"] = 1.0
        out.append(f)
    return out


def viterbi(features: list[dict[str, float]], model: dict) -> list[str]:
    """Most likely tag sequence under ``model`` (``state``: attribute -> tag -> weight; ``transitions``: tag ->
    tag -> weight), as crfsuite decodes it."""
    state, trans = model["state"], model["transitions"]
    if not features:
        return []

    def emit(f: dict[str, float]) -> list[float]:
        scores = [0.0] * len(TAGS)
        for attr, value in f.items():
            w = state.get(attr)
            if w:
                for t, tag in enumerate(TAGS):
                    scores[t] += value * w.get(tag, 0.0)
        return scores

    best = emit(features[0])
    back: list[list[int]] = []
    for f in features[1:]:
        e = emit(f)
        row, new = [], []
        for t, tag in enumerate(TAGS):
            k = max(range(len(TAGS)), key=lambda s: best[s] + trans[TAGS[s]].get(tag, 0.0))
            row.append(k)
            new.append(best[k] + trans[TAGS[k]].get(tag, 0.0) + e[t])
        back.append(row)
        best = new
    t = max(range(len(TAGS)), key=lambda s: best[s])
    path = [t]
    for row in reversed(back):
        t = row[t]
        path.append(t)
    return [TAGS[t] for t in reversed(path)]


def spans(lines: list[int], tags: list[str]) -> list[tuple[int, int]]:
    """Comment spans (first, last line) from per-line tags; an I with no comment open starts one."""
    out: list[list[int]] = []
    open_ = False
    for line, tag in zip(lines, tags):
        if tag == "B" or (tag == "I" and not open_):
            out.append([line, line])
            open_ = True
        elif tag == "I":
            out[-1][1] = line
        else:
            open_ = False
    return [(a, b) for a, b in out]


def relabel(units: list[Unit], blank_before: list[bool], comments: list[Comment], section: bool,
            model: dict) -> list[Comment]:
    """The page's comments as the CRF spans them. A page where the first stage found neither a thread nor a
    comment section keeps its empty answer: pages without comments (columns, press releases, live blogs) must
    give nothing, and the CRF alone has too little evidence to open a thread there."""
    if not comments and not section:
        return comments
    tags = viterbi(crf_features(units, blank_before, comments), model)
    at = {u.line: i for i, u in enumerate(units)}
    owner = {n: k for k, c in enumerate(comments) if c.lines for n in range(c.lines[0], c.lines[1] + 1)}
    out: list[Comment] = []
    for first, last in spans([u.line for u in units], _keep_first_stage_bounds(units, tags, owner, len(comments))):
        body = [units[at[n]] for n in range(first, last + 1) if n in at]
        holder = comments[owner[first]] if first in owner else None
        author, date = _who_and_when(units, at[first], holder)
        out.append(Comment(len(out), "\n".join(u.text for u in body), (first, last), None, author, date))
    return out


def _keep_first_stage_bounds(units: list[Unit], tags: list[str], owner: dict[int, int], n_comments: int) -> list[str]:
    """The CRF says which lines are comment text; where the first stage put a line in a comment, that comment's
    bounds stand (its grouping rests on evidence the CRF does not see, such as "Name : text" one-line comments),
    and the CRF's own B/I only split the lines the first stage left out. A first-stage comment the CRF drops
    whole between two it keeps is kept (``owner``: line -> index of the first-stage comment holding it)."""
    tags = list(tags)
    kept = [False] * n_comments
    for u, tag in zip(units, tags):
        if tag != "O" and u.line in owner:
            kept[owner[u.line]] = True
    first_kept = kept.index(True) if any(kept) else len(kept)
    last_kept = len(kept) - 1 - kept[::-1].index(True) if any(kept) else -1
    for i, u in enumerate(units):
        k = owner.get(u.line)
        if k is not None and not kept[k] and first_kept < k < last_kept:
            tags[i] = "I"           # a whole comment dropped inside the thread: the CRF trims threads, not pierces them
    out, prev_in, prev_owner = [], False, None
    for u, tag in zip(units, tags):
        here = owner.get(u.line)
        if tag == "O":
            out.append("O")
        elif here is not None:
            out.append("I" if prev_in and here == prev_owner else "B")
        else:
            out.append("I" if prev_in and tag == "I" else "B")
        prev_in, prev_owner = tag != "O", here
    return out


def _who_and_when(units: list[Unit], i: int, holder: Comment | None) -> tuple[str | None, str | None]:
    """Author and date of a comment starting at unit ``i``: from the first stage's comment holding that line,
    else from a header line right above it."""
    if holder is not None:
        return holder.author, holder.date
    for u in reversed(units[max(0, i - 2):i]):
        if u.kind == "author":
            return u.author, u.date
    return None, None


def load(path: Path | None = None) -> dict | None:
    """The CRF table stored beside this module (None: first stage only)."""
    return read_table(path or Path(__file__).with_name("line_crf.json"),
                      lambda m: isinstance(m["state"], dict) and all(set(m["transitions"][t]) == set(TAGS) for t in TAGS)
                      and m.get("features_version") == FEATURES_VERSION
                      and tuple(m.get("typing_features", ())) == TYPING_FEATURES,
                      "text pages use the first stage alone", "python scripts/train_line_model.py --crf-only --write")


LINE_CRF = load()
