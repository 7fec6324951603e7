"""Measure the comment segmenter on the labelled pages in tests/segmenter_pages/.

Label files ``NAME.labels.json`` sit next to ``NAME.txt`` / ``NAME.html`` (or
name a page elsewhere in the repo with ``"source"``, as the seed labels do):

* text pages: ``{"template", "has_comment_section", "comment_lines": [[first, last], ...]}``
  (1-based inclusive spans, one per comment);
* HTML pages: ``{"template", "has_comment_section", "comments": [{"start": first words,
  "author"?: ..., "date"?: ...}, ...]}``.

Text pages are scored per non-blank line ("is this a comment line?"), HTML
pages per comment (a prediction matches a labelled comment when its text
starts with the labelled words). Also reported: exact comment count per page,
exact segmentation (text), comment-section flag, author/date where labelled,
a per-template breakdown, the seeds on their own, and the "holdout" batch
(pages written after a first measuring round, labelled ``"batch": "holdout"``).

Usage: ``python scripts/evaluate_segmenter.py [--pages DIR] [--verbose] [--fail-under F1]``
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from moderation.segment import segment_page  # noqa: E402


@dataclass
class Tally:
    """Counts for one group of pages."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    pages: int = 0
    count_ok: int = 0
    exact_ok: int = 0
    exact_n: int = 0
    section_ok: int = 0
    meta_ok: int = 0
    meta_n: int = 0
    failures: list[str] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        for name in ("tp", "fp", "fn", "pages", "count_ok", "exact_ok", "exact_n", "section_ok", "meta_ok", "meta_n"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.failures += other.failures

    def prf(self) -> tuple[float, float, float]:
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0
        return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def _norm(text: str) -> str:
    return " ".join(text.replace("’", "'").lower().split())


def _page_path(label_path: Path) -> Path:
    label = json.loads(label_path.read_text(encoding="utf-8"))
    if "source" in label:
        return ROOT / label["source"]
    stem = label_path.name[: -len(".labels.json")]
    for ext in (".txt", ".html"):
        if (label_path.parent / (stem + ext)).exists():
            return label_path.parent / (stem + ext)
    raise FileNotFoundError(f"no page for {label_path}")


def _score_text(page: str, label: dict, result) -> Tally:
    nonblank = {i for i, line in enumerate(page.split("\n"), 1) if line.strip()}
    gold_spans = [tuple(s) for s in label["comment_lines"]]
    pred_spans = [c.lines for c in result.comments]
    gold = {i for a, b in gold_spans for i in range(a, b + 1)} & nonblank
    pred = {i for a, b in pred_spans for i in range(a, b + 1)} & nonblank
    t = Tally(tp=len(gold & pred), fp=len(pred - gold), fn=len(gold - pred), pages=1,
              count_ok=int(len(gold_spans) == len(pred_spans)), exact_n=1,
              exact_ok=int(gold_spans == pred_spans))
    if not t.exact_ok:
        t.failures.append(f"gold spans {gold_spans} != predicted {pred_spans}")
    return t


def _score_html(label: dict, result) -> Tally:
    gold = label["comments"]
    preds = [(_norm(c.text), c) for c in result.comments]
    used: set[int] = set()
    t = Tally(pages=1, count_ok=int(len(gold) == len(preds)))
    for g in gold:
        start = _norm(g["start"])
        hit = next((i for i, (text, _) in enumerate(preds) if i not in used and text.startswith(start)), None)
        if hit is None:
            t.fn += 1
            t.failures.append(f"missed comment starting {g['start']!r}")
            continue
        used.add(hit)
        t.tp += 1
        comment = preds[hit][1]
        for key in ("author", "date"):
            if key in g:
                t.meta_n += 1
                ok = getattr(comment, key) == g[key]
                t.meta_ok += ok
                if not ok:
                    t.failures.append(f"{key} {getattr(comment, key)!r} != {g[key]!r}")
    for i, (text, _) in enumerate(preds):
        if i not in used:
            t.fp += 1
            t.failures.append(f"spurious comment {text[:60]!r}")
    return t


def evaluate(pages_dir: Path, verbose: bool) -> dict[str, Tally]:
    """Score every labelled page; return tallies keyed by 'text', 'html', 'seeds' and 'template:<name>'."""
    groups: dict[str, Tally] = defaultdict(Tally)
    for label_path in sorted(pages_dir.glob("*.labels.json")):
        label = json.loads(label_path.read_text(encoding="utf-8"))
        page_path = _page_path(label_path)
        data = page_path.read_bytes()
        result = segment_page(data)
        if "comment_lines" in label:
            tally, kind = _score_text(data.decode("utf-8-sig"), label, result), "text"
        else:
            tally, kind = _score_html(label, result), "html"
        tally.section_ok = int(result.has_comment_section == label["has_comment_section"])
        if not tally.section_ok:
            tally.failures.append(f"has_comment_section {result.has_comment_section} != {label['has_comment_section']}")
        tally.failures = [f"{page_path.name}: {msg}" for msg in tally.failures]
        extra = (("seeds",) if label["template"] == "seed" else ()) + ((f"batch:{label['batch']}",) if "batch" in label else ())
        for key in (kind, f"template:{label['template']}", "all") + extra:
            groups[key].add(tally)
        if verbose:
            print(f"{page_path.name:45s} {kind:4s} comments={len(result.comments):3d} "
                  f"section={result.has_comment_section!s:5s} exact={'yes' if not tally.failures else 'no'}")
    return groups


def _row(name: str, t: Tally) -> str:
    p, r, f = t.prf()
    return (f"{name:28s} pages={t.pages:3d}  P={p:.3f} R={r:.3f} F1={f:.3f}  "
            f"count_acc={t.count_ok}/{t.pages}  section_acc={t.section_ok}/{t.pages}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=Path, default=ROOT / "tests" / "segmenter_pages")
    parser.add_argument("--verbose", action="store_true", help="one line per page")
    parser.add_argument("--fail-under", type=float, default=None,
                        help="exit 1 if the text line F1 is below this value")
    args = parser.parse_args(argv)
    groups = evaluate(args.pages, args.verbose)
    text, html, every = groups["text"], groups["html"], groups["all"]
    templates = sorted(k for k in groups if k.startswith("template:"))
    print(f"Labelled pages: {every.pages} ({text.pages} text, {html.pages} HTML), {len(templates)} templates")
    print("\n== Overall")
    print(_row("text (unit = line)", text))
    print(_row("html (unit = comment)", html))
    print(_row("all (lines + comments)", every))
    print(f"text exact segmentation: {text.exact_ok}/{text.exact_n} pages; "
          f"html author/date correct: {html.meta_ok}/{html.meta_n}")
    print("\n== Per template")
    for key in templates:
        print(_row(key.split(":", 1)[1], groups[key]))
    seeds = groups["seeds"]
    print("\n== Seeds")
    print(_row("seeds (unit = line)", seeds))
    print(f"seeds exact segmentation: {seeds.exact_ok}/{seeds.exact_n}; "
          f"result: {'PERFECT' if not seeds.failures else 'NOT PERFECT'}")
    for key in sorted(k for k in groups if k.startswith("batch:")):
        print(f"\n== Batch {key.split(':', 1)[1]}")
        print(_row(key.split(":", 1)[1], groups[key]))
    if every.failures:
        print("\n== Differences from the labels")
        for msg in every.failures:
            print(" -", msg)
    if args.fail_under is not None and text.prf()[2] < args.fail_under:
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
