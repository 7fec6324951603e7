"""`moderation evaluate --decisions URL`: how the model agrees with the moderators, and thresholds that would.

The model scores again the text of every comment with a decision in force (the
model loaded now, so a retrained model is judged on the same decisions). Per
label, on the comments where the moderator judged that label: precision,
recall and the confusion counts at the model's shipped thresholds, and ROC AUC
when both verdicts occur; for the action, "flagged" against "hide". Then, per
site (the folder an audited file sat in, or the `site` a client scored under)
and for "all", the lowest threshold whose precision on the decisions reaches the
target (the most recall at that precision), proposed only where a site has
enough decisions on the label with both verdicts present.
"""
from __future__ import annotations

import argparse
import json
import sys
from typing import Any, Mapping

import numpy as np

from ..audit import store
from ..labels import LABELS
from ..review.decisions import latest_decisions
from ..scoring import Moderator
from ..textio import InputError
from ..thresholds import ALL, write_thresholds


def confusion(y: np.ndarray, p: np.ndarray, threshold: float) -> dict[str, Any]:
    """Counts and rates of `p >= threshold` against the verdicts `y` (1 yes, 0 no)."""
    hit = p >= threshold
    tp, fp = int((hit & (y == 1)).sum()), int((hit & (y == 0)).sum())
    fn, tn = int((~hit & (y == 1)).sum()), int((~hit & (y == 0)).sum())
    out: dict[str, Any] = {"decisions": int(len(y)), "yes": int((y == 1).sum()), "threshold": threshold,
                           "tp": tp, "fp": fp, "fn": fn, "tn": tn,
                           "precision": tp / (tp + fp) if tp + fp else None,
                           "recall": tp / (tp + fn) if tp + fn else None, "roc_auc": None}
    if 0 < out["yes"] < len(y):
        from sklearn.metrics import roc_auc_score
        out["roc_auc"] = float(roc_auc_score(y, p))
    return out


def lowest_threshold(y: np.ndarray, p: np.ndarray, precision: float) -> float | None:
    """The lowest score t such that the comments scoring >= t reach `precision`; None if no t does."""
    order = np.argsort(-p, kind="stable")
    ys, ps = y[order], p[order]
    tp = np.cumsum(ys == 1)
    flagged = np.arange(1, len(ys) + 1)
    # a threshold can only sit at the last of equal scores: all of them are flagged together
    last_of_tie = np.r_[ps[1:] != ps[:-1], True]
    ok = (tp / flagged >= precision) & last_of_tie & (tp > 0)
    if not ok.any():
        return None
    # the score itself, not a rounded value: saturated scores (0.99997, 0.99999) differ only in far decimals
    return float(ps[np.flatnonzero(ok)[-1]])


def evaluate(url: str, moderator: Moderator, precision: float = 0.9, min_decisions: int = 20) -> dict[str, Any]:
    """All the figures `moderation evaluate` prints, as one document."""
    engine = store.open_store(url)
    try:
        with engine.connect() as conn:
            rows = list(latest_decisions(conn))
    finally:
        engine.dispose()
    if not rows:
        raise InputError(f"{url}: the store holds no decision yet; review comments first (`moderation review --db URL`)")
    probs = moderator.predict_proba([r["text"] for r in rows])
    sites = np.array([r["site"] or store.site_of(r["path"]) for r in rows], dtype=object)
    thresholds = moderator.thresholds
    report: dict[str, Any] = {"model_version": moderator.version, "comments": len(rows),
                              "thresholds": dict(thresholds), "labels": {}, "precision_target": precision,
                              "min_decisions": min_decisions, "proposed": {}, "support": {}}
    verdicts = {lab: np.array([np.nan if r[lab] is None else float(r[lab]) for r in rows]) for lab in LABELS}
    for k, lab in enumerate(LABELS):
        known = ~np.isnan(verdicts[lab])
        if known.any():
            report["labels"][lab] = confusion(verdicts[lab][known], probs[known, k], thresholds[lab])
    hide = np.array([r["action"] == "hide" for r in rows], dtype=float)
    over = (probs / np.array([thresholds[lab] for lab in LABELS])).max(axis=1)
    report["action"] = confusion(hide, over, 1.0)       # flagged <=> some label at or over its threshold
    for site in [ALL, *sorted(set(sites))]:
        in_site = np.ones(len(rows), bool) if site == ALL else sites == site
        for k, lab in enumerate(LABELS):
            known = in_site & ~np.isnan(verdicts[lab])
            y, p = verdicts[lab][known], probs[known, k]
            support = {"decisions": int(known.sum()), "yes": int((y == 1).sum())}
            report["support"].setdefault(site, {})[lab] = support
            if support["decisions"] < min_decisions or not 0 < support["yes"] < support["decisions"]:
                continue
            t = lowest_threshold(y, p, precision)
            if t is None:
                support["unreachable"] = True
                continue
            c = confusion(y, p, t)
            support.update(precision=c["precision"], recall=c["recall"])
            report["proposed"].setdefault(site, {})[lab] = t
    return report


def _fmt(v: Any, spec: str = ".2f") -> str:
    """A table cell: the number, or - when there is none (no positive, one class only)."""
    return "-" if v is None else format(v, spec)


def render(report: Mapping[str, Any], url: str) -> str:
    """The figures as a table for a terminal."""
    lines = [f"{report['comments']:,} reviewed comments in {url}; model {report['model_version']}, "
             f"at its shipped thresholds", "",
             f"{'label':<14}{'decided':>8}{'yes':>6}{'thresh':>8}{'precision':>10}{'recall':>8}{'ROC AUC':>9}"
             f"{'TP':>6}{'FP':>6}{'FN':>6}{'TN':>6}"]
    rows = [(lab, report["labels"].get(lab)) for lab in LABELS] + [("flagged~hide", report["action"])]
    for name, m in rows:
        if m is None:
            lines.append(f"{name:<14}{0:>8}   (no decision judged this label)")
            continue
        lines.append(f"{name:<14}{m['decisions']:>8}{m['yes']:>6}{_fmt(m['threshold']):>8}{_fmt(m['precision']):>10}"
                     f"{_fmt(m['recall']):>8}{_fmt(m['roc_auc'], '.3f'):>9}{m['tp']:>6}{m['fp']:>6}{m['fn']:>6}"
                     f"{m['tn']:>6}")
    lines += ["", f"proposed thresholds for precision >= {report['precision_target']:.2f} (a label of a site needs "
                  f"{report['min_decisions']} decisions with both verdicts; - = not enough, x = target not reachable):",
              f"{'site':<20}" + "".join(f"{lab:>32}" for lab in LABELS)]
    for site, per_label in report["support"].items():
        cells = []
        for lab in LABELS:
            s, t = per_label[lab], report["proposed"].get(site, {}).get(lab)
            mark = f"{t:.4f} (P {s['precision']:.2f} R {s['recall']:.2f})" if t is not None else \
                ("x" if s.get("unreachable") else "-")
            cells.append(f"{mark + ' n=' + str(s['decisions']):>32}")
        lines.append(f"{site:<20}" + "".join(cells))
    return "\n".join(lines)


def main(args: argparse.Namespace) -> int:
    """CLI entry: print the agreement (table or --json) and write --out thresholds when asked."""
    if not 0 < args.precision <= 1:
        raise InputError(f"--precision {args.precision}: a precision is in (0, 1]")
    if args.min_decisions < 1:
        raise InputError("--min-decisions must be at least 1")
    moderator = Moderator.load(args.model)
    report = evaluate(args.decisions, moderator, args.precision, args.min_decisions)
    if args.json:
        sys.stdout.write(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    else:
        print(render(report, store.store_url(args.decisions)))
    if args.out:
        write_thresholds(args.out, report["proposed"], model_version=report["model_version"],
                         precision_target=args.precision, support=report["support"])
        print(f"wrote {args.out} ({sum(map(len, report['proposed'].values()))} thresholds over "
              f"{len(report['proposed'])} sites)", file=sys.stderr)
    return 0
