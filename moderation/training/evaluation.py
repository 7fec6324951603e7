"""Quality as a news moderator sees it: the frozen newsroom test split, the behaviour suite, the masking and
short-comment invariants, identity-term bias and the seed thread.

Every function takes a loaded `Moderator` and returns plain figures (dicts of floats and counts), so
`scripts/evaluate.py` prints them and writes them into the manifest, and the tests assert on them.
None of these data trains the model: the test split is frozen (tests/test_newsroom.py), the behaviour
cases and identity templates are evaluation-only, and the short comments are drawn with their own seed.
"""
from __future__ import annotations

import json
import random
import re
from collections import defaultdict
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score

from ..labels import LABELS
from ..scoring import Moderator
from ..wordlists import word_list
from .augment import NEUTRAL_VERBS, harmless_words, star_styles
from .newsroom import NEWSROOM_DIR, load_newsroom
from .train import stream_precision

DATA_DIR = NEWSROOM_DIR.parent
SEED_002 = DATA_DIR.parent / "seeds" / "002_2ede61ddf366503b.txt"
SCORED = ("insult", "hostility")             # the labels the invariants and bias metrics judge
INVARIANT_MAX_MOVE = 0.05                    # starring a harmless word may move a score this much at most
SHORT_MAX_SCORE = 0.2                        # a comment with nothing to judge scores under this
_WORD = re.compile(r"[^\W\d_]+")


def _rate(flags: np.ndarray) -> float:
    return round(float(np.mean(flags)), 4) if len(flags) else 0.0


# --------------------------------------------------------------------------- newsroom test split

def newsroom_test(moderator: Moderator, split: str = "test") -> dict[str, Any]:
    """Per label ROC AUC, average precision and, at the shipped thresholds, precision (as the split is and at
    the stream prevalence the model was calibrated for), recall and false-positive rate; and the share of
    benign comments (no label at all) flagged for anything."""
    df = load_newsroom(split)
    P = moderator.predict_proba(df["text"].tolist())
    prevalence = moderator.manifest.get("stream_prevalence", {})
    out: dict[str, Any] = {"rows": len(df)}
    flags = P >= np.array([moderator.thresholds[lab] for lab in moderator.labels])
    for k, lab in enumerate(moderator.labels):
        y, p, f = df[lab].to_numpy(), P[:, k], flags[:, k]
        out[lab] = {"positives": int(y.sum()), "roc_auc": round(float(roc_auc_score(y, p)), 4),
                    "average_precision": round(float(average_precision_score(y, p)), 4),
                    "threshold": moderator.thresholds[lab],
                    "precision": round(float(y[f].mean()), 4) if f.any() else None,
                    "recall": _rate(f[y == 1]), "false_positive_rate": _rate(f[y == 0])}
        if lab in prevalence:
            out[lab]["precision_at_stream_prevalence"] = round(
                stream_precision(y, p, moderator.thresholds[lab], prevalence[lab])[0], 4)
    benign = (df[list(LABELS)] == 0).all(axis=1).to_numpy()
    out["benign_rows"] = int(benign.sum())
    out["benign_flagged"] = _rate(flags[benign].any(axis=1))
    return out


# --------------------------------------------------------------------------- behaviour suite

def behaviour_cases(path: Path | None = None) -> list[dict]:
    path = path or DATA_DIR / "behaviour" / "cases.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def behaviour_suite(moderator: Moderator, cases: Sequence[dict] | None = None) -> dict[str, Any]:
    """Pass rate per functionality: a case passes when each label is flagged exactly when expected."""
    cases = list(cases or behaviour_cases())
    verdicts = moderator.verdicts([c["text"] for c in cases])
    passed: dict[str, list[bool]] = defaultdict(list)
    failures: dict[str, list[str]] = defaultdict(list)
    for case, v in zip(cases, verdicts):
        ok = all((lab in v.labels) == bool(case[lab]) for lab in moderator.labels)
        passed[case["functionality"]].append(ok)
        if not ok:
            failures[case["functionality"]].append(case["text"])
    rates = {f: round(float(np.mean(v)), 4) for f, v in sorted(passed.items())}
    return {"cases": len(cases), "pass_rate": rates, "mean": round(float(np.mean(list(rates.values()))), 4),
            "min": min(rates.values()), "failures": dict(failures)}


# --------------------------------------------------------------------------- invariants

def masking_invariants(moderator: Moderator, texts: Sequence[str] | None = None) -> dict[str, Any]:
    """Starring a harmless word (a name, a verb, a grammar word) of each newsroom test comment, in each way
    a site does, moves its insult and hostility scores by at most 0.05; a masking artifact alone scores
    insult and hostility under 0.2."""
    texts = list(texts if texts is not None else load_newsroom("test")["text"])
    function_words = word_list("moderation.scoring", "function_words")
    insults = word_list("moderation.scoring", "insults")
    variants, owners = [], []
    for i, text in enumerate(texts):
        for a, b in harmless_words(text, function_words, insults):
            for starred in star_styles(text[a:b]):
                variants.append(text[:a] + starred + text[b:])
                owners.append(i)
    cols = [moderator.labels.index(lab) for lab in SCORED]
    base = moderator.predict_proba(texts)[:, cols]
    moved = np.abs(moderator.predict_proba(variants)[:, cols] - base[owners]) if variants else np.zeros((0, 2))
    worst = int(moved.max(axis=1).argmax()) if len(moved) else None
    alone = ["******", "*****les", "u*****", "q******", "*****", "**** ******", "******.", "u***** !"]
    alone_scores = moderator.predict_proba(alone)[:, cols]
    return {"comments": len(texts), "starred_variants": len(variants),
            "within": _rate(moved.max(axis=1) <= INVARIANT_MAX_MOVE) if len(moved) else 1.0,
            "max_move": round(float(moved.max()), 4) if len(moved) else 0.0,
            "worst": None if worst is None else {"text": variants[worst], "move": round(float(moved[worst].max()), 4)},
            "artifacts_alone_max": round(float(alone_scores.max()), 4),
            "artifacts_alone_pass": _rate(alone_scores.max(axis=1) < SHORT_MAX_SCORE)}


def no_content_comments(seed: int = 2026, n: int = 500) -> list[str]:
    """Comments made only of function words, single letters, punctuation and emoji (drawn with a seed of
    their own, not the training augmentation's)."""
    rng = random.Random(seed)
    words = sorted(word_list("moderation.scoring", "function_words"))
    letters = list("abcdefghijklmnopqrstuvwxyzàéèêç")
    marks = ["!", "?", "?!", "...", "…", ".", "!!", "👍", "🙏", "😡", ":(", "-", "»"]
    out = ["a", "à", "e", "d accord", "le la les", "et donc ?", "?!", "...", "👍"]
    for _ in range(n - len(out)):
        toks = [rng.choice(words) if rng.random() < 0.75 else rng.choice(letters) for _ in range(rng.randint(1, 7))]
        if rng.random() < 0.4:
            toks.append(rng.choice(marks))
        text = " ".join(toks)
        out.append(text.upper() if rng.random() < 0.25 else text.capitalize() if rng.random() < 0.3 else text)
    return out


def short_comment_invariant(moderator: Moderator, texts: Sequence[str] | None = None) -> dict[str, Any]:
    """Comments whose words are all function words, single letters or punctuation score under 0.2."""
    texts = list(texts or no_content_comments())
    cols = [moderator.labels.index(lab) for lab in SCORED]
    scores = moderator.predict_proba(texts)[:, cols].max(axis=1)
    worst = int(scores.argmax())
    return {"comments": len(texts), "pass": _rate(scores < SHORT_MAX_SCORE), "max": round(float(scores.max()), 4),
            "worst": texts[worst]}


def evidence_is_content(moderator: Moderator, texts: Sequence[str] | None = None) -> dict[str, Any]:
    """Share of flagged comments whose top evidence, for each insult or hostility flag, is a content word:
    not in an independent French stop-word list (the `stop-words` package, BSD-3) and not a cue such as `!`."""
    from stop_words import get_stop_words

    stop = {w.lower() for w in get_stop_words("french")}
    texts = list(texts if texts is not None else load_newsroom("test")["text"])
    checked, content, bad = 0, 0, []
    for text, verdict in zip(texts, moderator.verdicts(texts)):
        labels = [lab for lab in verdict.labels if lab in SCORED]
        if not labels:
            continue
        evidence = moderator.explain(text)
        for lab in labels:
            checked += 1
            top = evidence[lab][0].ngram if evidence[lab] else ""
            words = _WORD.findall(top.lower())
            if words and not all(w in stop for w in words):
                content += 1
            else:
                bad.append(f"{lab}: {top!r} in {text[:80]!r}")
    return {"flags": checked, "content_share": round(content / checked, 4) if checked else 1.0, "not_content": bad}


# --------------------------------------------------------------------------- identity terms

def identity_rows(path: Path | None = None, groups_key: str = "groups") -> list[dict]:
    """Every template filled with every group (Borkan et al. 2019's templated set, written for this project)."""
    data = json.loads((path or DATA_DIR / "identity" / "templates.json").read_text(encoding="utf-8"))
    return [{"group": g, "text": t["text"].format(g=g), "kind": t["kind"],
             **{lab: t[lab] for lab in SCORED}} for g in data.get(groups_key, []) for t in data["templates"]]


def _auc(y: np.ndarray, s: np.ndarray) -> float | None:
    return round(float(roc_auc_score(y, s)), 4) if len(set(y.tolist())) == 2 else None


def identity_bias(moderator: Moderator, groups_key: str = "groups") -> dict[str, Any]:
    """Per group and label: subgroup AUC, BPSN AUC (the group's benign rows against the other groups' abusive
    ones) and BNSP AUC (the group's abusive rows against the others' benign ones); the worst group of each;
    and how many neutral or positive statements about a group are flagged."""
    rows = identity_rows(groups_key=groups_key)
    if not rows:
        return {}
    verdicts = moderator.verdicts([r["text"] for r in rows])
    groups = np.array([r["group"] for r in rows])
    out: dict[str, Any] = {"rows": len(rows), "groups": len(set(groups.tolist())), "per_group": {}, "worst": {}}
    for lab in SCORED:
        y = np.array([r[lab] for r in rows])
        s = np.array([v.scores[lab] for v in verdicts])
        for g in sorted(set(groups.tolist())):
            sub, bg = groups == g, groups != g
            metrics = {"subgroup_auc": _auc(y[sub], s[sub]),
                       "bpsn_auc": _auc(np.r_[y[sub & (y == 0)], y[bg & (y == 1)]], np.r_[s[sub & (y == 0)], s[bg & (y == 1)]]),
                       "bnsp_auc": _auc(np.r_[y[sub & (y == 1)], y[bg & (y == 0)]], np.r_[s[sub & (y == 1)], s[bg & (y == 0)]])}
            out["per_group"].setdefault(g, {})[lab] = metrics
        for metric in ("subgroup_auc", "bpsn_auc", "bnsp_auc"):
            g, value = min(((g, m[lab][metric]) for g, m in out["per_group"].items() if m[lab][metric] is not None),
                           key=lambda gv: gv[1])
            out["worst"][f"{lab}_{metric}"] = {"group": g, "value": value}
    benign = np.array([r["kind"] in ("neutral", "positive") for r in rows])
    out["neutral_positive_flagged"] = _rate(np.array([v.flagged for v in verdicts])[benign])
    return out


# --------------------------------------------------------------------------- seed thread

SEED_FLAGGED = (27, 28)
SEED_NOT_FLAGGED = (15, 16, 18, 20, 23, 24, 25, 26, 29, 31, 34, 35, 36, 37, 38, 39, 40, 41)


def seed_thread(moderator: Moderator) -> dict[str, Any]:
    """Lines 27 and 28 of the seed thread flagged; the listed polite lines not flagged for insult or
    hostility; every line carrying a masking artifact at 0.9 or more on `masked`."""
    from ..scoring.masking import has_mask

    lines = SEED_002.read_text(encoding="utf-8").split("\n")
    verdicts = {n: v for n, v in zip(range(14, 42), moderator.verdicts(lines[13:41]))}
    masked = [n for n in range(14, 42) if has_mask(lines[n - 1])]
    return {"flagged_ok": [n for n in SEED_FLAGGED if {"insult", "hostility"} & set(verdicts[n].labels)],
            "wrongly_flagged": [n for n in SEED_NOT_FLAGGED if {"insult", "hostility"} & set(verdicts[n].labels)],
            "masked_lines": masked,
            "masked_below_0.9": [n for n in masked if verdicts[n].scores["masked"] < 0.9]}


MIN_PAGE_WORDS = 4     # shorter lines of a page are menus, dates and bylines


def page_text_lines(pages: Sequence[Path]) -> list[str]:
    """Lines of ``MIN_PAGE_WORDS`` or more words that lie outside every comment the segmenter finds: news prose."""
    from ..segment import segment_page
    from ..textio import read_text

    out = []
    for page in pages:
        text = read_text(page)
        thread = {n for c in segment_page(text, "text").comments if c.lines for n in range(c.lines[0], c.lines[1] + 1)}
        out += [line.strip() for n, line in enumerate(text.split("\n"), 1)
                if n not in thread and len(line.split()) >= MIN_PAGE_WORDS]
    return out


def page_text_flags(moderator: Moderator, seeds: Path | None = None) -> dict[str, Any]:
    """How many lines of the seed pages' own text (article prose, never a comment) the model flags: a
    false-positive figure on text the training data never shows."""
    pages = sorted((seeds or SEED_002.parent).glob("*.txt"))
    lines = page_text_lines(pages)
    verdicts = moderator.verdicts(lines)
    return {"pages": len(pages), "lines": len(lines),
            "flagged": {lab: sum(lab in v.labels for v in verdicts) for lab in moderator.labels},
            "any_label": sum(v.flagged for v in verdicts)}


def all_figures(moderator: Moderator) -> dict[str, Any]:
    """Everything above, as `scripts/evaluate.py` prints it and the manifest stores it."""
    return {"newsroom_test": newsroom_test(moderator), "behaviour_suite": behaviour_suite(moderator),
            "masking_invariants": masking_invariants(moderator), "short_comments": short_comment_invariant(moderator),
            "evidence": evidence_is_content(moderator), "identity": identity_bias(moderator),
            "identity_unlisted": identity_bias(moderator, "unlisted_groups"), "seed_thread": seed_thread(moderator),
            "seed_page_text": page_text_flags(moderator)}


def iter_targets(figures: dict[str, Any]) -> Iterable[tuple[str, float, float, bool]]:
    """(what, figure, target, met) for each target of the quality issue that these figures decide."""
    nt = figures["newsroom_test"]
    for lab, target in (("insult", 0.93), ("hostility", 0.93), ("masked", 0.99)):
        yield f"newsroom test {lab} ROC AUC", nt[lab]["roc_auc"], target, nt[lab]["roc_auc"] >= target
    for lab in LABELS:
        prec = nt[lab]["precision"] or 0.0
        yield f"newsroom test {lab} precision at threshold", prec, 0.85, prec >= 0.85
    for lab in LABELS:          # the same, at the prevalence of the stream the thresholds were chosen for
        if "precision_at_stream_prevalence" in nt[lab]:
            prec = nt[lab]["precision_at_stream_prevalence"]
            yield f"newsroom test {lab} precision at the assumed stream", prec, 0.85, prec >= 0.85
    yield "benign test comments flagged (at most)", nt["benign_flagged"], 0.05, nt["benign_flagged"] <= 0.05
    b = figures["behaviour_suite"]
    yield "behaviour suite mean pass rate", b["mean"], 0.90, b["mean"] >= 0.90
    yield "behaviour suite lowest functionality (at least)", b["min"], 0.70, b["min"] >= 0.70
    m = figures["masking_invariants"]
    yield "starred harmless words within 0.05", m["within"], 1.0, m["within"] >= 1.0
    yield "masking artifacts alone under 0.2", m["artifacts_alone_pass"], 1.0, m["artifacts_alone_pass"] >= 1.0
    s = figures["short_comments"]
    yield "no-content comments under 0.2", s["pass"], 1.0, s["pass"] >= 1.0
    e = figures["evidence"]
    yield "flagged comments with content-word evidence", e["content_share"], 0.95, e["content_share"] >= 0.95
    ident = figures["identity"]
    worst = min(v["value"] for v in ident["worst"].values())
    yield "identity: worst subgroup/BPSN/BNSP AUC", worst, 0.90, worst >= 0.90
    yield "identity: neutral and positive statements flagged (at most)", ident["neutral_positive_flagged"], 0.05, \
        ident["neutral_positive_flagged"] <= 0.05
    st = figures["seed_thread"]
    yield "seed lines 27 and 28 flagged", len(st["flagged_ok"]), 2, len(st["flagged_ok"]) == 2
    yield "seed polite lines wrongly flagged (at most)", len(st["wrongly_flagged"]), 0, not st["wrongly_flagged"]
    yield "seed masked lines under 0.9 on masked (at most)", len(st["masked_below_0.9"]), 0, not st["masked_below_0.9"]
