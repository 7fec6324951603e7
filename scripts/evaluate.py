#!/usr/bin/env python3
"""Measure the model on data it never trained on, and write the figures into the manifest.

1. Held-out split: the shipped training procedure (grouped split, calibration,
   thresholds); ROC AUC, average precision and F1 at the threshold per label on
   the test rows, computed twice (scikit-learn pipeline and fast path) to show
   the fast path loses nothing.
2. Leave-one-source-out for `hostility` and `insult`: train on every row of
   every source but one (same features, weights and regressions; no
   calibration split, since calibration does not change a ranking), test on
   that source's original rows. Each source's row and positive counts are
   printed with it: an AUC over a handful of negatives is fragile, so the
   hostility mean is also given over the sources with at least 100 negatives.
3. Baseline in the same run: a plain word + char_wb TfidfVectorizer pipeline
   with one logistic regression, leave-one-source-out on `hostility`.

4. With --in-domain: each source trained and tested on its own rows (grouped
   5-fold), beside its leave-one-source-out figure.
5. The shipped model (--model) on the seed pages' own text: every line of four
   or more words outside the comment threads the segmenter finds (articles,
   headlines, site furniture). None of it is a reader comment, so each flag is
   a false positive on news prose, text the data pack never shows.

Usage: python scripts/evaluate.py [--data DIR] [--model PATH] [--no-baseline] [--no-write] [--in-domain]
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.model_selection import GroupKFold

from moderation.labels import LABELS
from moderation.scoring import ModelError, Moderator
from moderation.scoring.fast import FastScorer
from moderation.scoring.modelfile import manifest_path, resolve_model_path
from moderation.segment import segment_page
from moderation.textio import atomic_write, read_text
from moderation.training.train import fit_model, fit_pipeline, label_metrics, load_training_data, measured_labels

REPO_ROOT = Path(__file__).resolve().parent.parent


LOSO_LABELS = ("hostility", "insult")
MIN_NEGATIVES = 100   # below this an AUC swings by whole points on one row (jigsaw hostility has 3)
SEEDS = REPO_ROOT / "seeds"
MIN_PAGE_WORDS = 4    # shorter lines are menus, dates and bylines


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def held_out(df) -> dict:
    result = fit_model(df, progress=log)
    te = result.rows["test"]
    texts = df["text"].iloc[te].tolist()
    Y = measured_labels(df)[te]
    reference = result.pipeline.predict_proba(texts)
    fast = FastScorer(result.pipeline).predict_proba(texts)
    return {"reference": label_metrics(Y, reference, result.thresholds),
            "fast_path": label_metrics(Y, fast, result.thresholds),
            "max_abs_difference": float(np.abs(reference - fast).max()),
            "thresholds": result.thresholds}


def page_text_lines(pages: list[Path]) -> list[str]:
    """Lines of ``MIN_PAGE_WORDS`` or more words that lie outside every comment the segmenter finds."""
    out = []
    for page in pages:
        text = read_text(page)
        thread = {n for c in segment_page(text, "text").comments if c.lines
                  for n in range(c.lines[0], c.lines[1] + 1)}
        out += [line.strip() for n, line in enumerate(text.split("\n"), 1)
                if n not in thread and len(line.split()) >= MIN_PAGE_WORDS]
    return out


def page_text_flags(model_path=None, seeds: Path = SEEDS) -> dict:
    """How many lines of the seed pages' own text the model flags, per label and for any label."""
    pages = sorted(seeds.glob("*.txt"))
    lines = page_text_lines(pages)
    moderator = Moderator.load(model_path)
    flags = np.array([[lab in v.labels for lab in moderator.labels] for v in moderator.verdicts(lines)])
    return {"pages": len(pages), "lines": len(lines),
            "flagged": {lab: int(flags[:, k].sum()) for k, lab in enumerate(moderator.labels)},
            "any_label": int(flags.any(axis=1).sum())}


def ranking_metrics(test, P: np.ndarray) -> dict:
    """{label: {rows, positives, roc_auc, average_precision}} for each LOSO label with both classes in ``test``."""
    out = {}
    for lab in LOSO_LABELS:
        known = test[lab].notna().to_numpy()
        y = test[lab].to_numpy()[known]
        if len(np.unique(y)) < 2:
            continue
        p = P[known, LABELS.index(lab)]
        out[lab] = {"rows": int(known.sum()), "positives": int(y.sum()),
                    "roc_auc": round(float(roc_auc_score(y, p)), 4),
                    "average_precision": round(float(average_precision_score(y, p)), 4)}
    return out


def leave_one_source_out(df, fit) -> dict:
    """{label: {source: {roc_auc, average_precision, rows}}} plus per-label means."""
    out: dict = {lab: {} for lab in LOSO_LABELS}
    for source in sorted(df["source"].unique()):
        test = df[(df["source"] == source) & (df["augmented"] == "")]
        if not any(test[lab].nunique() == 2 for lab in LOSO_LABELS):
            continue
        log(f"leave-one-source-out: holding out {source}")
        predict = fit(df[df["source"] != source])
        for lab, metrics in ranking_metrics(test, predict(test["text"].tolist())).items():
            out[lab][source] = metrics
    for lab in LOSO_LABELS:
        aucs = [m["roc_auc"] for m in out[lab].values()]
        out[lab]["mean_roc_auc"] = round(float(np.mean(aucs)), 4) if aucs else None
    return out


def in_domain(df, fit, n_folds: int = 5) -> dict:
    """Grouped k-fold inside each source, trained on that source's own rows only.

    How far a source's labels can be learnt from its own text with these
    features: next to the leave-one-source-out figure it separates what the
    other sources fail to teach from what the text does not carry. A fold whose
    test or training rows hold one class for a label is skipped for that label.
    """
    out: dict = {lab: {} for lab in LOSO_LABELS}
    for source in sorted(df["source"].unique()):
        sdf = df[df["source"] == source].reset_index(drop=True)
        folds: dict = {lab: [] for lab in LOSO_LABELS}
        for i, (tr, te) in enumerate(GroupKFold(n_folds).split(sdf, groups=sdf["group"])):
            train, test = sdf.iloc[tr].reset_index(drop=True), sdf.iloc[te]
            test = test[test["augmented"] == ""]
            wanted = [lab for lab in LOSO_LABELS
                      if train[lab].nunique() == 2 and test[lab].nunique() == 2]
            if not wanted:
                continue
            log(f"in-domain: {source}, fold {i + 1}/{n_folds}")
            # the regressions are fitted label by label; one these rows cannot train (the superset and
            # toxifrench have no insult labels) gets a stand-in column, and its scores are never read
            train = train.assign(**{lab: train[wanted[0]] for lab in LOSO_LABELS if lab not in wanted})
            metrics = ranking_metrics(test, fit(train)(test["text"].tolist()))
            for lab in wanted:
                folds[lab].append(metrics[lab]["roc_auc"])
        for lab, aucs in folds.items():
            if aucs:
                out[lab][source] = {"folds": len(aucs), "roc_auc": round(float(np.mean(aucs)), 4)}
    return out


def ours(train_df):
    """Our pipeline fitted on every row of the other sources (no calibration: it does not change AUC)."""
    return FastScorer(fit_pipeline(train_df, progress=lambda m: None)).predict_proba


def plain_baseline(label: str):
    """The obvious pipeline: word 1-2 + char_wb 2-5 TfidfVectorizer, one LogisticRegression."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline, make_union

    def fit(train_df):
        rows = train_df[train_df[label].notna() & (train_df["augmented"] == "")]
        pipe = make_pipeline(make_union(TfidfVectorizer(ngram_range=(1, 2), min_df=2),
                                        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2)),
                             LogisticRegression(max_iter=2000))
        pipe.fit(rows["text"], rows[label])
        k = LABELS.index(label)

        def predict(texts):
            P = np.zeros((len(texts), len(LABELS)))
            P[:, k] = pipe.predict_proba(texts)[:, 1]
            return P
        return predict
    return fit


def print_table(held: dict, loso: dict, baseline: dict | None, firm: dict) -> None:
    print("\nHeld-out test split (grouped, never trained on)")
    print(f"{'label':<10} {'ROC AUC':>8} {'AP':>8} {'F1@thr':>8} {'thr':>6}")
    for lab in LABELS:
        m = held["fast_path"].get(lab)
        if m:
            print(f"{lab:<10} {m['roc_auc']:>8.4f} {m['average_precision']:>8.4f} {m['f1_at_threshold']:>8.4f} "
                  f"{held['thresholds'][lab]:>6.2f}")
    same = held["fast_path"] == held["reference"]
    print(f"fast path vs scikit-learn pipeline: max |difference| {held['max_abs_difference']:.2e}; "
          f"metrics identical: {same}")
    print("\nLeave-one-source-out ROC AUC (train on the other sources, test on this one)")
    sources = sorted({s for lab in LOSO_LABELS for s in per_source(loso[lab])})
    header = f"{'label':<10} " + " ".join(f"{s:>10}" for s in sources) + f" {'mean':>8}"
    print(header)
    rows = [(lab, loso[lab]) for lab in LOSO_LABELS]
    if baseline:
        rows.append(("hostility (plain TF-IDF baseline)", baseline["hostility"]))
    for name, res in rows:
        cells = " ".join(f"{res[s]['roc_auc']:>10.4f}" if s in res else f"{'-':>10}" for s in sources)
        print(f"{name:<10} {cells} {res['mean_roc_auc']:>8.4f}")
    print("test rows (positives / negatives) per source:")
    for lab in LOSO_LABELS:
        counts = ", ".join(f"{s} {m['positives']}/{m['rows'] - m['positives']}"
                           for s, m in per_source(loso[lab]).items())
        print(f"  {lab}: {counts}")
    if baseline:
        ratio = loso["hostility"]["mean_roc_auc"] / baseline["hostility"]["mean_roc_auc"]
        print(f"hostility mean LOSO AUC: ours {loso['hostility']['mean_roc_auc']:.4f} vs baseline "
              f"{baseline['hostility']['mean_roc_auc']:.4f} (ratio {ratio:.3f})")
        h = firm["hostility"]
        ours_firm, base_firm = h["mean_roc_auc"], h["plain_baseline_mean_roc_auc"]
        print(f"  over the sources with at least {MIN_NEGATIVES} negatives ({', '.join(h['sources'])}): "
              f"ours {ours_firm:.4f} vs baseline {base_firm:.4f} (ratio {ours_firm / base_firm:.3f})")


def print_page_text(result: dict) -> None:
    flagged = ", ".join(f"{lab} {n}" for lab, n in result["flagged"].items())
    print(f"Seed pages' own text, not comments ({result['pages']} pages, {result['lines']} lines of "
          f"{MIN_PAGE_WORDS}+ words), shipped model: flagged {flagged}; any label {result['any_label']} "
          f"({result['any_label'] / max(result['lines'], 1):.1%})\n", flush=True)


def print_in_domain(inside: dict, loso: dict, firm: dict) -> None:
    print("\nIn-domain ROC AUC (grouped 5-fold inside each source, trained on its own rows), "
          "beside leave-one-source-out")
    for lab in LOSO_LABELS:
        for s, m in inside[lab].items():
            out = loso[lab].get(s, {}).get("roc_auc")
            print(f"  {lab:<10} {s:<11} in-domain {m['roc_auc']:.4f} ({m['folds']} folds)   "
                  f"left out {out if out is not None else '-'}")
        if "in_domain_mean_roc_auc" in firm[lab]:
            print(f"  {lab:<10} mean over {', '.join(firm[lab]['sources'])}: in-domain "
                  f"{firm[lab]['in_domain_mean_roc_auc']:.4f}, left out {firm[lab]['mean_roc_auc']:.4f}")


def per_source(result: dict) -> dict:
    """One label's leave-one-source-out entries without its mean: {source: metrics}."""
    return {s: m for s, m in result.items() if s != "mean_roc_auc"}


def firm_means(loso: dict, baseline: dict | None, inside: dict | None = None) -> dict:
    """Mean ROC AUC over the sources with at least MIN_NEGATIVES negatives, per label (and the baseline's
    and the in-domain figures' over the same sources, when given)."""
    def mean(result: dict, sources: list[str]) -> float:
        return round(float(np.mean([result[s]["roc_auc"] for s in sources])), 4)

    out: dict = {"min_negatives": MIN_NEGATIVES}
    for lab in LOSO_LABELS:
        sources = [s for s, m in per_source(loso[lab]).items() if m["rows"] - m["positives"] >= MIN_NEGATIVES]
        out[lab] = {"sources": sources, "mean_roc_auc": mean(loso[lab], sources)}
        if baseline and lab in baseline:
            out[lab]["plain_baseline_mean_roc_auc"] = mean(baseline[lab], sources)
        if inside and all(s in inside[lab] for s in sources):
            out[lab]["in_domain_mean_roc_auc"] = mean(inside[lab], sources)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", help="data pack folder (default: ../shared/data)")
    ap.add_argument("--model", help="model whose manifest receives the figures (default: the shipped one)")
    ap.add_argument("--no-baseline", action="store_true", help="skip the plain TF-IDF baseline")
    ap.add_argument("--no-write", action="store_true", help="print only; do not update the manifest")
    ap.add_argument("--in-domain", action="store_true",
                    help="also train and test inside each source (grouped 5-fold): how learnable its own labels are")
    args = ap.parse_args()
    try:
        page_text = page_text_flags(args.model)
        print_page_text(page_text)
    except ModelError as err:   # the rest trains its own models, so it still runs
        page_text = None
        log(f"skipping the seed pages' own text: {err}")
    df = load_training_data(args.data)
    log(f"{len(df)} rows from {df['source'].nunique()} sources")
    held = held_out(df)
    loso = leave_one_source_out(df, ours)
    baseline = None
    if not args.no_baseline:
        baseline = {"hostility": leave_one_source_out(df, plain_baseline("hostility"))["hostility"]}
    inside = in_domain(df, ours) if args.in_domain else None
    firm = firm_means(loso, baseline, inside)
    print_table(held, loso, baseline, firm)
    if inside:
        print_in_domain(inside, loso, firm)
    if not args.no_write:
        mpath = manifest_path(resolve_model_path(args.model))
        manifest = json.loads(mpath.read_text(encoding="utf-8"))
        manifest["metrics"]["held_out_fast_vs_reference"] = {
            "max_abs_difference": held["max_abs_difference"],
            "identical_metrics": held["fast_path"] == held["reference"]}
        manifest["metrics"]["leave_one_source_out"] = loso
        if baseline:
            manifest["metrics"]["leave_one_source_out_plain_baseline"] = baseline
        manifest["metrics"]["leave_one_source_out_min_negatives"] = firm
        if inside:
            manifest["metrics"]["in_domain_5_fold"] = inside
        if page_text:
            manifest["metrics"]["seed_page_text_flags"] = page_text
        text = json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
        atomic_write(mpath, lambda p: p.write_text(text, encoding="utf-8"))
        log(f"wrote the figures into {mpath}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
