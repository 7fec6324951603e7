#!/usr/bin/env python3
"""Quality of a model as a news moderator sees it, against the targets, with a word-list baseline.

Prints, for the shipped model (or --model):
* the frozen newsroom test split: ROC AUC, average precision and, at the shipped thresholds,
  precision (as the split is, and at the stream prevalence the thresholds were chosen for), recall,
  false-positive rate, and the share of benign comments flagged; beside it, in the same run, a
  word-list filter (a comment is flagged for insult and hostility when it holds a listed insult);
* the behaviour suite's pass rate per functionality;
* the masking and short-comment invariants and the share of flags whose evidence is a content word;
* identity-term bias (subgroup, BPSN and BNSP AUC per group; unlisted communities apart);
* the seed thread checks, and how many lines of the seed pages' own news prose are flagged;
* with the data pack present, the pack's held-out split (rows the model never trained on);
then one line per target (met / NOT MET) and, unless --no-write, stores the figures in the manifest.

Usage: python scripts/evaluate.py [--model PATH] [--data DIR] [--no-write] [--failures]
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score

from moderation.labels import LABELS
from moderation.scoring import ModelError, Moderator
from moderation.scoring.modelfile import manifest_path
from moderation.textio import atomic_write
from moderation.training import evaluation as E
from moderation.training.newsroom import load_newsroom
from moderation.wordlists import word_list

#: Held-out pack ROC AUC of the model shipped before the newsroom set (insult, hostility): the no-collapse bar.
PACK_BEFORE = {"insult": 0.886, "hostility": 0.794}


def word_list_baseline() -> dict:
    """ROC AUC, precision and recall on the newsroom test split of flagging every comment with a listed insult."""
    insults = {w.lower() for w in word_list("moderation.scoring", "insults")}
    df = load_newsroom("test")
    hits = np.array([any(w in insults for w in re.findall(r"\w+", t.lower())) for t in df["text"]], dtype=float)
    out = {}
    for lab in ("insult", "hostility"):
        y = df[lab].to_numpy()
        flag = hits == 1
        out[lab] = {"roc_auc": round(float(roc_auc_score(y, hits)), 4),
                    "precision": round(float(y[flag].mean()), 4) if flag.any() else None,
                    "recall": round(float(flag[y == 1].mean()), 4)}
    benign = (df[list(LABELS)] == 0).all(axis=1).to_numpy()
    out["benign_flagged"] = round(float(hits[benign].mean()), 4)
    return out


def pack_heldout(moderator: Moderator, data_dir: str | None) -> dict | None:
    """ROC AUC on the pack's held-out test rows (the same deterministic split as training), or None without the pack."""
    try:
        from moderation.training.sources import DEFAULT_DATA_DIR
        from moderation.training.train import label_metrics, load_training_data, measured_labels, split
    except ImportError as exc:
        print(f"  (pack figures skipped: {exc})")
        return None
    if not Path(data_dir or DEFAULT_DATA_DIR).is_dir():
        print(f"  (pack figures skipped: no data pack at {data_dir or DEFAULT_DATA_DIR})")
        return None
    df = load_training_data(data_dir)
    _, _, test = split(df)
    Y = measured_labels(df)[test]
    return label_metrics(Y, moderator.predict_proba(df["text"].iloc[test].tolist()), moderator.thresholds)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", help="model file (default: the shipped one)")
    ap.add_argument("--data", help="data pack folder (default: ../shared/data)")
    ap.add_argument("--no-write", action="store_true", help="do not store the figures in the manifest")
    ap.add_argument("--failures", action="store_true", help="list the behaviour cases that fail")
    args = ap.parse_args()
    try:
        moderator = Moderator.load(args.model)
    except ModelError as exc:
        print(f"evaluate: {exc}", file=sys.stderr)
        return 2

    figures = E.all_figures(moderator)
    figures["word_list_baseline"] = base = word_list_baseline()
    nt = figures["newsroom_test"]
    print(f"== Newsroom test split ({nt['rows']} comments, frozen; {nt['benign_rows']} benign)")
    print(f"{'label':10} {'ROC AUC':>8} {'AP':>6} {'thresh':>6} {'prec':>6} {'prec@stream':>11} {'recall':>7} {'FPR':>6}"
          f" | word list: {'AUC':>5} {'prec':>5} {'recall':>6}")
    for lab in LABELS:
        m, b = nt[lab], base.get(lab, {})
        print(f"{lab:10} {m['roc_auc']:8.4f} {m['average_precision']:6.3f} {m['threshold']:6.3f} "
              f"{(m['precision'] or 0):6.3f} {m.get('precision_at_stream_prevalence', float('nan')):11.3f} "
              f"{m['recall']:7.3f} {m['false_positive_rate']:6.3f}"
              + (f" |            {b['roc_auc']:5.3f} {(b['precision'] or 0):5.3f} {b['recall']:6.3f}" if b else ""))
    print(f"benign comments flagged: {nt['benign_flagged']:.3f} (word list: {base['benign_flagged']:.3f}); stream "
          f"prevalence assumed: {moderator.manifest.get('stream_prevalence')}")

    b = figures["behaviour_suite"]
    print(f"\n== Behaviour suite ({b['cases']} cases): mean pass rate {b['mean']:.3f}, lowest {b['min']:.3f}")
    for f, r in sorted(b["pass_rate"].items(), key=lambda kv: kv[1]):
        print(f"  {r:5.2f}  {f}")
        if args.failures:
            for text in b["failures"].get(f, []):
                print(f"           x {text}")

    m, s, e = figures["masking_invariants"], figures["short_comments"], figures["evidence"]
    print(f"\n== Invariants\nstarring harmless words: {m['starred_variants']} variants of {m['comments']} comments, "
          f"{m['within']:.4f} within {E.INVARIANT_MAX_MOVE}, largest move {m['max_move']} ({m['worst']})")
    print(f"masking artifacts alone: highest insult/hostility {m['artifacts_alone_max']}")
    print(f"no-content comments: {s['comments']}, {s['pass']:.4f} under {E.SHORT_MAX_SCORE}, highest {s['max']} "
          f"({s['worst']!r})")
    print(f"evidence: {e['content_share']:.4f} of {e['flags']} insult/hostility flags on the test split show a "
          f"content word first")

    for key, title in (("identity", "listed communities"), ("identity_unlisted", "communities missing from the list")):
        ident = figures[key]
        if not ident:
            continue
        print(f"\n== Identity terms, {title} ({ident['groups']} groups, {ident['rows']} statements): neutral and "
              f"positive statements flagged {ident['neutral_positive_flagged']:.3f}")
        for name, w in ident["worst"].items():
            print(f"  worst {name}: {w['value']} ({w['group']})")

    st = figures["seed_thread"]
    print(f"\n== Seed thread: lines 27-28 flagged {st['flagged_ok']}; polite lines wrongly flagged "
          f"{st['wrongly_flagged']}; masked lines {st['masked_lines']}, under 0.9: {st['masked_below_0.9']}")

    pt = figures["seed_page_text"]
    print(f"seed pages' own text (news prose, {pt['lines']} lines of {pt['pages']} pages): {pt['any_label']} flagged "
          f"({pt['flagged']})")

    pack = pack_heldout(moderator, args.data)
    if pack:
        figures["pack_heldout"] = pack
        print("\n== Data pack, held-out split: " + ", ".join(
            f"{lab} ROC AUC {pack[lab]['roc_auc']} (before the newsroom set: {PACK_BEFORE[lab]})" for lab in PACK_BEFORE))

    print("\n== Targets")
    targets = list(E.iter_targets(figures))
    if pack:
        for lab, before in PACK_BEFORE.items():
            got = pack[lab]["roc_auc"]
            targets.append((f"pack held-out {lab} ROC AUC within 0.03 of {before}", got, before - 0.03,
                            got >= before - 0.03))
    for what, got, target, met in targets:
        print(f"  {'met    ' if met else 'NOT MET'}  {what}: {got} (target {target})")
    figures["targets_met"] = sum(t[3] for t in targets)
    figures["targets"] = len(targets)

    if not args.no_write:
        mpath = manifest_path(moderator.path)
        manifest = json.loads(mpath.read_text(encoding="utf-8"))
        stored = {k: v for k, v in figures.items() if k != "behaviour_suite"}
        stored["behaviour_suite"] = {k: v for k, v in figures["behaviour_suite"].items() if k != "failures"}
        stored["evidence"] = {k: v for k, v in figures["evidence"].items() if k != "not_content"}
        manifest["evaluation"] = stored
        atomic_write(mpath, lambda p: p.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n",
                                                   encoding="utf-8"))
        print(f"\nwrote the figures into {mpath}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
