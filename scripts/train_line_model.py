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
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import sklearn  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

from moderation.segment import line_crf as C  # noqa: E402
from moderation.segment import lines as L  # noqa: E402

PAGES = ROOT / "tests" / "segmenter_pages"
HELD_OUT = set(json.loads((PAGES / "splits.json").read_text(encoding="utf-8"))["held_out_batches"])
OUT = ROOT / "moderation" / "segment" / "line_weights.json"
TYPING_OUT = ROOT / "moderation" / "segment" / "line_typing.json"
CRF_OUT = ROOT / "moderation" / "segment" / "line_crf.json"


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
    L._type_units(units, L.blank_flags(units), L.HAND_WEIGHTS)
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


def line_overlap(spans: list[tuple[int, int]], gold: set[int], nonblank: set[int]) -> tuple[int, int, int, int]:
    """(tp, fp, fn, same comment lines) of predicted comment ``spans`` against the ``gold`` comment lines."""
    pred = {n for a, b in spans for n in range(a, b + 1)} & nonblank
    want = gold & nonblank
    return len(pred & want), len(pred - want), len(want - pred), int(pred == want)


def page_counts(text: str, gold: set[int], spans: int, weights: dict[str, float],
                typing: dict | None = None) -> tuple[int, int, int, int, int]:
    """(tp, fp, fn, same comment lines, same comment count) of the segmenter with ``weights`` (and line-typing
    model ``typing``) on one page."""
    comments, _ = L.segment_units(units_of(text), weights=weights, typing=typing)
    nonblank = {i for i, line in enumerate(text.split("\n"), 1) if line.strip()}
    return line_overlap([c.lines for c in comments], gold, nonblank) + (int(len(comments) == spans),)


def typing_data(text: str, gold: set[int]) -> tuple[list[list[float]], list[int]]:
    """Line-typing rows (:func:`moderation.segment.lines.typing_rows`) and labels (comment text or not) of every
    non-blank line of a page, typed by the patterns alone."""
    units = units_of(text)
    blanks = L.blank_flags(units)
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


def dev_spans() -> dict[str, list[tuple[int, int]]]:
    """Labelled comment spans of every dev text page, by page file name."""
    out = {}
    for label_path in sorted(PAGES.glob("*.labels.json")):
        label = json.loads(label_path.read_text(encoding="utf-8"))
        if label.get("batch") in HELD_OUT or "comment_lines" not in label:
            continue
        name = Path(label["source"]).name if "source" in label else label_path.name[: -len(".labels.json")] + ".txt"
        out[name] = [(a, b) for a, b in label["comment_lines"]]
    return out


def span_counts() -> dict[str, int]:
    """Labelled comment count of every dev text page, by page file name."""
    return {name: len(spans) for name, spans in dev_spans().items()}


@dataclass
class CrfPage:
    """One dev text page as the second stage sees it: the first stage's output, the CRF rows, the gold tags."""

    name: str
    batch: str
    units: list[L.Unit]
    blanks: list[bool]
    comments: list
    section: bool
    rows: list[dict[str, float]]
    tags: list[str]
    spans: list[tuple[int, int]]


def crf_pages(pages: list[tuple[str, str, set[int], str]]) -> list[CrfPage]:
    """Run the shipped first stage on every dev text page and keep what the CRF reads and must say."""
    gold = dev_spans()
    out = []
    for name, text, _, batch in pages:
        units = units_of(text)
        comments, section = L.segment_units(units)
        blanks = L.blank_flags(units)
        spans = gold[name]
        tags = []
        for u in units:
            span = next((sp for sp in spans if sp[0] <= u.line <= sp[1]), None)
            tags.append("O" if span is None else "B" if not any(span[0] <= v.line < u.line for v in units) else "I")
        out.append(CrfPage(name, batch, units, blanks, comments, section,
                           C.crf_features(units, blanks, comments), tags, spans))
    return out


def fit_crf(pages: list[CrfPage], c1: float, c2: float) -> dict:
    """Linear-chain CRF (crfsuite, L-BFGS, elastic net c1/c2: deterministic) exported as plain weights."""
    import sklearn_crfsuite

    crf = sklearn_crfsuite.CRF(algorithm="lbfgs", c1=c1, c2=c2, max_iterations=200, all_possible_transitions=True)
    crf.fit([p.rows for p in pages], [p.tags for p in pages])
    state: dict[str, dict[str, float]] = {}
    for (attr, tag), w in sorted(crf.state_features_.items()):
        if abs(w) > 1e-6:
            state.setdefault(attr, {})[tag] = round(float(w), 6)
    transitions = {a: {b: 0.0 for b in C.TAGS} for a in C.TAGS}
    for (a, b), w in crf.transition_features_.items():
        transitions[a][b] = round(float(w), 6)
    return {"features_version": C.FEATURES_VERSION, "typing_features": list(L.TYPING_FEATURES), "c1": c1, "c2": c2,
            "state": state, "transitions": transitions}


def crf_counts(page: CrfPage, model: dict | None) -> tuple[int, int, int, int, int, int, int]:
    """(tp, fp, fn, same spans, same count, page without comments, such a page left clean) with the CRF ``model``
    (None: the first stage alone)."""
    comments = page.comments if model is None else C.relabel(page.units, page.blanks, page.comments, page.section,
                                                             model)
    got = [c.lines for c in comments]
    tp, fp, fn, _ = line_overlap(got, {n for a, b in page.spans for n in range(a, b + 1)}, {u.line for u in page.units})
    empty = not page.spans
    return tp, fp, fn, int(got == page.spans), int(len(got) == len(page.spans)), int(empty), int(empty and not got)


def crf_leave_one_batch_out(pages: list[CrfPage], c1: float, c2: float) -> dict:
    """Train the CRF on every other batch, relabel one batch, for each batch; first stage alone alongside."""
    figures: dict[str, dict] = {}
    totals = {key: [0] * 8 for key in ("first stage", "with CRF")}
    for batch in sorted({p.batch for p in pages}):
        model = fit_crf([p for p in pages if p.batch != batch], c1, c2)
        for key, m in (("first stage", None), ("with CRF", model)):
            counts = [0] * 8
            for p in pages:
                if p.batch == batch:
                    for k, v in enumerate(crf_counts(p, m) + (1,)):
                        counts[k] += v
            figures.setdefault(batch, {})[key] = counts
            totals[key] = [a + b for a, b in zip(totals[key], counts)]
    out = {}
    for batch, group in list(figures.items()) + [("all", totals)]:
        for key, (tp, fp, fn, same, count, empty, clean, n) in group.items():
            out.setdefault(batch, {})[key] = {"line_f1": round(f1(tp, fp, fn), 4), "same_spans": same,
                                              "same_count": count, "clean": clean, "no_comment_pages": empty,
                                              "pages": n}
            print(f"CRF leave-one-batch-out {batch:6s} {key:12s} line F1 {f1(tp, fp, fn):.3f}  same spans {same}/{n}"
                  f"  same count {count}/{n}  no-comment pages clean {clean}/{empty}")
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
    parser.add_argument("--crf-c1", type=float, default=0.05, help="L1 weight of the CRF (default 0.05)")
    parser.add_argument("--crf-c2", type=float, default=1.0, help="L2 weight of the CRF (default 1.0)")
    parser.add_argument("--all-pages", action="store_true",
                        help="fit the two line tables on every dev text page, not only on the pages they list now")
    parser.add_argument("--crf-only", action="store_true",
                        help="only the CRF: leave-one-batch-out figures, and with --write its table alone")
    args = parser.parse_args(argv)
    pages = dev_text_pages()
    if args.crf_only:
        crf_data = crf_pages(pages)
        figures = crf_leave_one_batch_out(crf_data, args.crf_c1, args.crf_c2)
        if args.write:
            write_crf(crf_data, args, figures)
        return 0
    if not args.all_pages and TYPING_OUT.exists():
        # the shipped tables were fitted on these pages; refitting on later batches makes them worse
        # (docs/segmenter.md), so a rebuild reproduces them unless --all-pages asks otherwise
        fitted = set(json.loads(TYPING_OUT.read_text(encoding="utf-8"))["pages"])
        pages = [p for p in pages if p[0] in fitted]
        print(f"fitting on the {len(pages)} pages the shipped tables list (--all-pages: every dev text page)")
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
                for k, v in enumerate(page_counts(text, gold, 0, weights)[:4] + (1,)):
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
        print("the CRF reads the first stage: rebuild it on the new tables with --crf-only --write")
    return 0


def write_crf(crf_data: list[CrfPage], args: argparse.Namespace, figures: dict) -> None:
    """Fit the CRF on every dev text page and store it (atomically: a crash leaves the previous table)."""
    model = fit_crf(crf_data, args.crf_c1, args.crf_c2)
    model.update({"pages": [p.name for p in crf_data], "figures": figures,
                  "first_stage": {"line_typing": len(json.loads(TYPING_OUT.read_text(encoding="utf-8"))["pages"])}})
    tmp = CRF_OUT.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(model, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    tmp.replace(CRF_OUT)
    print(f"wrote {CRF_OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    raise SystemExit(main())
