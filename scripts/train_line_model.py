"""Learn the prose-line weights of the text segmenter from the labelled dev pages, and compare with the hand weights.

Each prose line of a dev text page (tests/segmenter_pages/, held-out batches left out) gives
the cues of :func:`moderation.segment.lines.cues` plus its position cues, and a label: inside
a labelled comment or not. A logistic regression (scikit-learn, lbfgs, fixed C, classes weighed
equally so that 0 is the even-odds point the block search needs: deterministic) fits one weight
per cue; its log-odds replace the hand-set ones in the same block search. The context cues
(before_heading, run_before_meta, bare_page, in_section, short) have weight 0 in the hand table.

Both weight tables are measured by leave-one-page-out: the learnt table is refitted without
the page it segments; the hand table was written looking at every dev page, so its figure is
in-sample and flatters it. ``--write`` stores the learnt table (weights, intercept as ``bias``,
the figures, the pages used) in moderation/segment/line_weights.json, which the segmenter then
loads in place of the hand table; without ``--write`` nothing is changed.

Usage: ``python scripts/train_line_model.py [--c 1.0] [--write]``
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import sklearn  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

from moderation.segment import lines as L  # noqa: E402

PAGES = ROOT / "tests" / "segmenter_pages"
HELD_OUT = set(json.loads((PAGES / "splits.json").read_text(encoding="utf-8"))["held_out_batches"])
OUT = ROOT / "moderation" / "segment" / "line_weights.json"
TYPING_OUT = ROOT / "moderation" / "segment" / "line_typing.json"


def dev_text_pages() -> list[tuple[str, str, set[int], str]]:
    """(name, text, comment line numbers, batch) of every dev text page, in name order."""
    out = []
    for label_path in sorted(PAGES.glob("*.labels.json")):
        label = json.loads(label_path.read_text(encoding="utf-8"))
        if label.get("batch") in HELD_OUT or "comment_lines" not in label:
            continue
        page = ROOT / label["source"] if "source" in label else label_path.with_name(
            label_path.name[: -len(".labels.json")] + ".txt")
        gold = {n for a, b in label["comment_lines"] for n in range(a, b + 1)}
        out.append((page.name, page.read_bytes().decode("utf-8-sig"), gold, label.get("batch", "first")))
    return out


def units_of(text: str) -> list[L.Unit]:
    return [L.Unit(text=line.strip(), line=i) for i, line in L.numbered_lines(text)]


def prose_rows(text: str, gold: set[int]) -> tuple[list[list[float]], list[int]]:
    """Feature rows and labels of a page's prose lines (typed with the hand weights: typing does not use them)."""
    units = units_of(text)
    L._type_units(units, L._blank_flags(units), L.HAND_WEIGHTS)
    rows = [[u.features.get(k, 0.0) for k in L.FEATURES if k != "bias"] for u in units if u.kind == "prose"]
    labels = [int(u.line in gold) for u in units if u.kind == "prose"]
    return rows, labels


def fit(rows: list[list[float]], labels: list[int], c: float, balanced: bool = True) -> dict[str, float]:
    """Logistic-regression weights as a table keyed like HAND_WEIGHTS (intercept as ``bias``); ``balanced``
    weighs comment and article lines equally, so that 0 is the even-odds point of the block search."""
    model = LogisticRegression(C=c, solver="lbfgs", max_iter=2000, class_weight="balanced" if balanced else None)
    model.fit(np.asarray(rows), np.asarray(labels))
    names = [k for k in L.FEATURES if k != "bias"]
    table = {"bias": float(model.intercept_[0])}
    table.update({k: float(w) for k, w in zip(names, model.coef_[0])})
    return {k: round(v, 4) for k, v in table.items()}


def line_counts(text: str, gold: set[int], weights: dict[str, float],
                typing: dict | None = None) -> tuple[int, int, int, int]:
    """(tp, fp, fn, exact page) of the segmenter with ``weights`` (and line-typing model ``typing``) on one page."""
    comments, _ = L.segment_units(units_of(text), weights=weights, typing=typing)
    nonblank = {i for i, line in enumerate(text.split("\n"), 1) if line.strip()}
    pred = {n for c in comments for n in range(c.lines[0], c.lines[1] + 1)} & nonblank
    want = gold & nonblank
    return len(pred & want), len(pred - want), len(want - pred), int(pred == want)


def page_counts(text: str, gold: set[int], spans: int, weights: dict[str, float],
                typing: dict | None) -> tuple[int, int, int, int, int]:
    """(tp, fp, fn, same comment lines, same comment count) on one page."""
    comments, _ = L.segment_units(units_of(text), weights=weights, typing=typing)
    nonblank = {i for i, line in enumerate(text.split("\n"), 1) if line.strip()}
    pred = {n for c in comments for n in range(c.lines[0], c.lines[1] + 1)} & nonblank
    want = gold & nonblank
    return len(pred & want), len(pred - want), len(want - pred), int(pred == want), int(len(comments) == spans)


def typing_data(text: str, gold: set[int]) -> tuple[list[list[float]], list[int]]:
    """Line-typing rows (:func:`moderation.segment.lines.typing_rows`) and labels (comment text or not) of every
    non-blank line of a page, typed by the patterns alone."""
    units = units_of(text)
    blanks = L._blank_flags(units)
    L._type_units(units, blanks, L.HAND_WEIGHTS, None)
    return L.typing_rows(units, blanks), [int(u.line in gold) for u in units]


def fit_typing(rows: list[list[float]], labels: list[int], c: float, meta_below: float, share: float,
               cap: float = L.TYPING_CAP) -> dict:
    """Standardised logistic regression (lbfgs, fixed C, balanced classes: deterministic) over the typing rows."""
    x = np.asarray(rows)
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    model = LogisticRegression(C=c, solver="lbfgs", max_iter=5000, class_weight="balanced")
    model.fit((x - mean) / scale, np.asarray(labels))
    return {"features": list(L.TYPING_FEATURES), "bias": round(float(model.intercept_[0]), 5),
            "coef": [round(float(w), 5) for w in model.coef_[0]], "mean": [round(float(v), 6) for v in mean],
            "scale": [round(float(v), 6) for v in scale], "meta_below": meta_below, "share": share, "cap": cap}


def leave_one_batch_out(pages: list[tuple[str, str, set[int], str]], args: argparse.Namespace) -> dict:
    """Train on every other batch, segment one batch, for each batch: prose weights alone (the previous
    segmenter) against prose weights plus the line-typing model. Returns the figures per protocol."""
    spans = {name: n for name, n in span_counts().items()}
    prose = [prose_rows(text, gold) for _, text, gold, _ in pages]
    typed = [typing_data(text, gold) for _, text, gold, _ in pages]
    batches = sorted({b for *_, b in pages})
    totals = {key: [0] * 6 for key in ("before", "after")}
    per_batch = {}
    for batch in batches:
        train = [j for j, p in enumerate(pages) if p[3] != batch]
        weights = fit([r for j in train for r in prose[j][0]], [y for j in train for y in prose[j][1]], args.c)
        model = fit_typing([r for j in train for r in typed[j][0]], [y for j in train for y in typed[j][1]],
                           args.typing_c, args.meta_below, args.share, args.cap)
        for key, typing in (("before", None), ("after", model)):
            counts = [0] * 6
            for name, text, gold, b in pages:
                if b == batch:
                    for k, v in enumerate(page_counts(text, gold, spans[name], weights, typing) + (1,)):
                        counts[k] += v
            per_batch.setdefault(batch, {})[key] = counts
            totals[key] = [a + b for a, b in zip(totals[key], counts)]
    figures = {}
    for batch, group in list(per_batch.items()) + [("all", totals)]:
        for key in ("before", "after"):
            tp, fp, fn, exact, count, n = group[key] if batch != "all" else totals[key]
            p = tp / (tp + fp) if tp + fp else 1.0
            r = tp / (tp + fn) if tp + fn else 1.0
            figures.setdefault(batch, {})[key] = {"line_f1": round(f1(tp, fp, fn), 4), "precision": round(p, 4),
                                                  "recall": round(r, 4), "same_lines": exact, "same_count": count,
                                                  "pages": n}
            print(f"leave-one-batch-out {batch:6s} {key:6s} line F1 {f1(tp, fp, fn):.3f} (P {p:.3f} R {r:.3f})  "
                  f"same lines {exact}/{n}  same count {count}/{n}")
    return figures


def span_counts() -> dict[str, int]:
    """Labelled comment count of every dev text page, by page file name."""
    out = {}
    for label_path in sorted(PAGES.glob("*.labels.json")):
        label = json.loads(label_path.read_text(encoding="utf-8"))
        if label.get("batch") in HELD_OUT or "comment_lines" not in label:
            continue
        name = Path(label["source"]).name if "source" in label else label_path.name[: -len(".labels.json")] + ".txt"
        out[name] = len(label["comment_lines"])
    return out


def f1(tp: int, fp: int, fn: int) -> float:
    return 2 * tp / (2 * tp + fp + fn) if tp else (1.0 if not fp and not fn else 0.0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--c", type=float, default=1.0, help="inverse regularisation strength (default 1.0)")
    parser.add_argument("--write", action="store_true", help=f"store the learnt table in {OUT.relative_to(ROOT)}")
    parser.add_argument("--typing-c", type=float, default=0.1, help="C of the line-typing model (default 0.1)")
    parser.add_argument("--meta-below", type=float, default=L.META_BELOW,
                        help="log-odds under which a prose line is typed meta")
    parser.add_argument("--share", type=float, default=L.TYPING_SHARE, help="share of the typing log-odds in a prose score")
    parser.add_argument("--cap", type=float, default=L.TYPING_CAP, help="cap of the typing log-odds in a prose score")
    parser.add_argument("--typing-only", action="store_true", help="only the leave-one-batch-out typing figures")
    args = parser.parse_args(argv)
    pages = dev_text_pages()
    typing_figures = leave_one_batch_out(pages, args)
    if args.typing_only:
        return 0
    data = [prose_rows(text, gold) for _, text, gold, _ in pages]
    totals: dict[tuple[str, str], list[int]] = {}
    for i, (name, text, gold, batch) in enumerate(pages):
        rows = [r for j, (rs, _) in enumerate(data) if j != i for r in rs]
        labels = [y for j, (_, ys) in enumerate(data) if j != i for y in ys]
        for key, weights in (("hand (in-sample)", L.HAND_WEIGHTS),
                             ("learnt (leave-one-page-out)", fit(rows, labels, args.c))):
            for group in ("all", batch):
                counts = totals.setdefault((key, group), [0, 0, 0, 0, 0])
                for k, v in enumerate(line_counts(text, gold, weights) + (1,)):
                    counts[k] += v
    print(f"dev text pages: {len(pages)}, prose lines: {sum(len(ys) for _, ys in data)}")
    figures = {}
    for (key, group), (tp, fp, fn, exact, n) in sorted(totals.items(), key=lambda kv: (kv[0][1] != "all", kv[0])):
        figures.setdefault(group, {})[key] = {"line_f1": round(f1(tp, fp, fn), 4), "exact_pages": exact, "pages": n}
        print(f"{group:7s} {key:30s} line F1 {f1(tp, fp, fn):.3f}  (tp={tp} fp={fp} fn={fn})  "
              f"same comment lines on {exact}/{n} pages")
    table = fit([r for rs, _ in data for r in rs], [y for _, ys in data for y in ys], args.c)
    print("weights fitted on every dev page (hand weight in brackets):")
    for k in L.FEATURES:
        print(f"  {k:14s} {table[k]:+.3f}  [{L.HAND_WEIGHTS[k]:+.2f}]")
    if args.write:
        typing_rows = [typing_data(text, gold) for _, text, gold, _ in pages]
        model = fit_typing([r for rs, _ in typing_rows for r in rs], [y for _, ys in typing_rows for y in ys],
                           args.typing_c, args.meta_below, args.share, args.cap)
        model.update({"C": args.typing_c, "class_weight": "balanced", "sklearn": sklearn.__version__,
                      "pages": [name for name, _, _, _ in pages], "figures": typing_figures})
        TYPING_OUT.write_text(json.dumps(model, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {TYPING_OUT.relative_to(ROOT)}")
        OUT.write_text(json.dumps({"weights": table, "C": args.c, "class_weight": "balanced",
                                   "sklearn": sklearn.__version__,
                                   "pages": [name for name, _, _, _ in pages], "figures": figures},
                                  ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
