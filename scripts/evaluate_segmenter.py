"""Measure the comment segmenter (and trafilatura's comment extraction) on the labelled pages.

Label files ``NAME.labels.json`` sit next to ``NAME.txt`` / ``NAME.html`` in
tests/segmenter_pages/ (or name a page elsewhere in the repo with ``"source"``,
as the seed labels do):

* text pages: ``{"template", "has_comment_section", "comment_lines": [[first, last], ...]}``
  (1-based inclusive spans, one per comment);
* HTML pages: ``{"template", "has_comment_section", "comments": [{"start": first words,
  "author"?, "date"?, "title"?, "quoted"?: first words of the quoted post, "parent"?: index
  of the comment replied to}, ...]}``;
* optional ``"batch"``: pages of the batches listed in ``splits.json`` (``holdout``, ``heldout2``,
  ``heldout3`` to ``heldout6``) are the HELD-OUT split (labelled before the segmenter was tuned and never tuned on);
  every other page is DEV.

Figures, for dev and held-out side by side:

* text pages, per non-blank line ("is this a comment line?"): P/R/F1, exact comment count,
  exact segmentation (same spans);
* HTML pages, per comment: a prediction matches a labelled comment when its text starts
  with the labelled words; P/R/F1 and exact comment count;
* every page: comment-section flag, exact comment count, and pages without comments where
  something was returned anyway (article prose taken for comments);
* comment fields, HTML: a field (author, date, title, quoted, parent) is checked on every
  matched comment of a page where at least one comment is labelled with it (a comment without
  the key expects None there); ``quoted`` matches when the predicted quote starts with the
  labelled words, ``parent`` when it points at the comment matched to the labelled parent.

trafilatura (``--no-trafilatura`` to skip; needs ``pip install -e ".[eval]"``) runs
``trafilatura.extract(html, include_comments=True, output_format="xml")`` and keeps the
``<comments>`` element: one blob of paragraphs with no boundaries between comments. It is
scored on the HTML pages by the same start-words rule, as generously as the blob allows:
its paragraphs are read in order, a paragraph that contains the first words of a labelled
comment (anywhere in it) opens a matched comment, any other paragraph continues the current
one, and paragraphs before the first match form one spurious comment. Its "comment count"
is its number of paragraphs (the only boundaries it gives). "trafilatura, anywhere" is the share of
labelled comments whose first words appear anywhere in its output, main text included (recall only:
comments it keeps but does not recognise as comments).

Usage: ``python scripts/evaluate_segmenter.py [--split dev|heldout|all] [--verbose]
[--show-heldout] [--no-trafilatura] [--fail-under F1]``. Per-page differences are printed for
dev pages only unless ``--show-heldout`` is given (held-out pages are for figures, not reading).
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from moderation.segment import segment_page  # noqa: E402

PAGES = ROOT / "tests" / "segmenter_pages"
HELD_OUT_BATCHES = frozenset(json.loads((PAGES / "splits.json").read_text(encoding="utf-8"))["held_out_batches"])
FIELDS = ("author", "date", "title", "quoted", "parent")


@dataclass
class Tally:
    """Counts for one group of pages."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    pages: int = 0
    count_ok: int = 0
    exact_ok: int = 0
    section_ok: int = 0
    empty_pages: int = 0
    empty_leaks: int = 0
    fields: dict[str, list[int]] = field(default_factory=lambda: {f: [0, 0] for f in FIELDS})
    failures: list[str] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        """Fold another tally into this one."""
        for name in ("tp", "fp", "fn", "pages", "count_ok", "exact_ok", "section_ok", "empty_pages", "empty_leaks"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for key, (ok, n) in other.fields.items():
            self.fields[key][0] += ok
            self.fields[key][1] += n
        self.failures += other.failures

    def prf(self) -> tuple[float, float, float]:
        """Precision, recall, F1 (1.0 when there is nothing to find and nothing was found)."""
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0
        return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def _norm(text: str) -> str:
    """Comparison form: straight apostrophes, lower case, single spaces."""
    return " ".join(text.replace("’", "'").replace("\u00a0", " ").lower().split())


def _page_path(label_path: Path, label: dict) -> Path:
    if "source" in label:
        return ROOT / label["source"]
    stem = label_path.name[: -len(".labels.json")]
    for ext in (".txt", ".html"):
        if (label_path.parent / (stem + ext)).exists():
            return label_path.parent / (stem + ext)
    raise FileNotFoundError(f"no page for {label_path}")


def split_of(label: dict) -> str:
    """'heldout' for the held-out batches, else 'dev'."""
    return "heldout" if label.get("batch") in HELD_OUT_BATCHES else "dev"


def _score_text(page: str, label: dict, comments: list) -> Tally:
    nonblank = {i for i, line in enumerate(page.split("\n"), 1) if line.strip()}
    gold_spans = [tuple(s) for s in label["comment_lines"]]
    pred_spans = [c.lines for c in comments]
    gold = {i for a, b in gold_spans for i in range(a, b + 1)} & nonblank
    pred = {i for a, b in pred_spans for i in range(a, b + 1)} & nonblank
    t = Tally(tp=len(gold & pred), fp=len(pred - gold), fn=len(gold - pred), pages=1,
              count_ok=int(len(gold_spans) == len(pred_spans)), exact_ok=int(gold_spans == pred_spans))
    if not t.exact_ok:
        t.failures.append(f"gold spans {gold_spans} != predicted {pred_spans}")
    return t


def _match(gold: list[dict], preds: list[str]) -> dict[int, int]:
    """Gold index -> prediction index, each prediction used once, by start words, in page order."""
    used: set[int] = set()
    matched: dict[int, int] = {}
    for gi, g in enumerate(gold):
        start = _norm(g["start"])
        hit = next((i for i, text in enumerate(preds) if i not in used and text.startswith(start)), None)
        if hit is not None:
            used.add(hit)
            matched[gi] = hit
    return matched


def _field_ok(key: str, want: Any, comment: Any, gold_of_pred: dict[int, int]) -> bool:
    got = getattr(comment, key, None)
    if key == "quoted":
        return (got is None) if want is None else (got is not None and _norm(got).startswith(_norm(want)))
    if key == "parent":
        return (got is None) if want is None else (got is not None and gold_of_pred.get(got) == want)
    return got == want


def _score_html(label: dict, comments: list) -> Tally:
    gold = label["comments"]
    preds = [_norm(c.text) for c in comments]
    matched = _match(gold, preds)
    gold_of_pred = {p: g for g, p in matched.items()}
    t = Tally(pages=1, count_ok=int(len(gold) == len(preds)), tp=len(matched), fn=len(gold) - len(matched),
              fp=len(preds) - len(matched))
    t.exact_ok = int(t.count_ok and not t.fn)
    labelled = [key for key in FIELDS if any(key in g for g in gold)]
    for gi, g in enumerate(gold):
        if gi not in matched:
            t.failures.append(f"missed comment starting {g['start']!r}")
            continue
        comment = comments[matched[gi]]
        for key in labelled:
            ok = _field_ok(key, g.get(key), comment, gold_of_pred)
            t.fields[key][0] += ok
            t.fields[key][1] += 1
            if not ok:
                t.failures.append(f"comment {gi} {key} {getattr(comment, key, None)!r} != {g.get(key)!r}")
    for i, text in enumerate(preds):
        if i not in gold_of_pred:
            t.failures.append(f"spurious comment {text[:70]!r}")
    return t


def trafilatura_output(html: str) -> tuple[list[str], str] | None:
    """(paragraphs of trafilatura's comment blob, its whole output as text) for ``html``; None if not installed."""
    try:
        import trafilatura
    except ImportError:
        return None
    xml = trafilatura.extract(html, include_comments=True, output_format="xml", favor_recall=False)
    if not xml:
        return [], ""
    from lxml import etree
    root = etree.fromstring(xml.encode("utf-8"))
    everything = " ".join("".join(root.itertext()).split())
    blob = root.find(".//comments")
    if blob is None:
        return [], everything
    paragraphs = [" ".join("".join(el.itertext()).split()) for el in blob if isinstance(el.tag, str)]
    if not paragraphs and blob.text:
        paragraphs = [line for line in blob.text.split("\n") if line.strip()]
    return [p for p in paragraphs if p], everything


def _score_trafilatura(label: dict, paragraphs: list[str]) -> Tally:
    gold = label["comments"]
    starts = [_norm(g["start"]) for g in gold]
    used: set[int] = set()
    tp = fp = 0
    current = None
    for para in map(_norm, paragraphs):
        hit = next((i for i, s in enumerate(starts) if i not in used and s in para), None)
        if hit is not None:
            used.add(hit)
            tp += 1
            current = hit
        elif current is None:
            fp, current = 1, -1                # leading text that starts no labelled comment
    t = Tally(pages=1, tp=tp, fp=fp, fn=len(gold) - tp, count_ok=int(len(paragraphs) == len(gold)))
    t.exact_ok = int(t.count_ok and not t.fn)
    t.section_ok = int(bool(paragraphs) == bool(gold))
    return t


def evaluate(pages_dir: Path, splits: set[str], verbose: bool, show_heldout: bool,
             trafilatura: bool) -> dict[str, Tally]:
    """Score every labelled page of ``splits``; tallies keyed by '<split>:<kind>' and 'seeds'."""
    groups: dict[str, Tally] = defaultdict(Tally)
    for label_path in sorted(pages_dir.glob("*.labels.json")):
        label = json.loads(label_path.read_text(encoding="utf-8"))
        split = split_of(label)
        if split not in splits:
            continue
        page_path = _page_path(label_path, label)
        data = page_path.read_bytes()
        result = segment_page(data)
        if "comment_lines" in label:
            tally, kind = _score_text(data.decode("utf-8-sig"), label, result.comments), "text"
            gold_count = len(label["comment_lines"])
        else:
            tally, kind = _score_html(label, result.comments), "html"
            gold_count = len(label["comments"])
        tally.section_ok = int(result.has_comment_section == label["has_comment_section"])
        if not tally.section_ok:
            tally.failures.append(f"has_comment_section {result.has_comment_section} != {label['has_comment_section']}")
        if gold_count == 0:
            tally.empty_pages = 1
            tally.empty_leaks = int(bool(result.comments))
        visible = split == "dev" or show_heldout
        tally.failures = [f"{page_path.name}: {msg}" for msg in tally.failures] if visible else []
        keys = [f"{split}:{kind}", f"{split}:all"]
        if label["template"] == "seed":
            keys.append("seeds")
        for key in keys:
            groups[key].add(tally)
        if kind == "html" and trafilatura:
            output = trafilatura_output(data.decode("utf-8-sig"))
            if output is not None:
                groups[f"{split}:trafilatura"].add(_score_trafilatura(label, output[0]))
                anywhere = _norm(output[1])
                found = sum(_norm(g["start"]) in anywhere for g in label["comments"])
                groups[f"{split}:trafilatura_any"].add(Tally(pages=1, tp=found, fn=len(label["comments"]) - found))
        if verbose and visible:
            print(f"{split:7s} {page_path.name:55s} {kind:4s} comments={len(result.comments):3d}/{gold_count:<3d} "
                  f"section={result.has_comment_section!s:5s} exact={'yes' if not tally.failures else 'no'}")
    return groups


def _prf(t: Tally) -> str:
    if not t.pages:
        return "-"
    p, r, f = t.prf()
    return f"F1={f:.3f} (P={p:.3f} R={r:.3f})"


def _ratio(ok: int, n: int) -> str:
    return f"{ok}/{n} ({ok / n:.0%})" if n else "-"


def report(groups: dict[str, Tally], splits: list[str]) -> list[tuple[str, list[str]]]:
    """Rows of the side-by-side table: (measure, one cell per split)."""
    rows: list[tuple[str, list[str]]] = []

    def row(name: str, cell) -> None:
        rows.append((name, [cell(s) for s in splits]))

    row("pages (text + html)", lambda s: f"{groups[f'{s}:text'].pages} + {groups[f'{s}:html'].pages}")
    row("text: comment-line F1", lambda s: _prf(groups[f"{s}:text"]))
    row("text: exact comment count", lambda s: _ratio(groups[f"{s}:text"].count_ok, groups[f"{s}:text"].pages))
    row("text: exact segmentation", lambda s: _ratio(groups[f"{s}:text"].exact_ok, groups[f"{s}:text"].pages))
    row("html: comment F1", lambda s: _prf(groups[f"{s}:html"]))
    row("html: trafilatura comment F1", lambda s: _prf(groups[f"{s}:trafilatura"]))
    row("html: exact comment count", lambda s: _ratio(groups[f"{s}:html"].count_ok, groups[f"{s}:html"].pages))
    row("html: trafilatura exact count",
        lambda s: _ratio(groups[f"{s}:trafilatura"].count_ok, groups[f"{s}:trafilatura"].pages))
    row("html: trafilatura section", lambda s: _ratio(groups[f"{s}:trafilatura"].section_ok,
                                                      groups[f"{s}:trafilatura"].pages))
    row("html: trafilatura, anywhere", lambda s: f"R={groups[f'{s}:trafilatura_any'].prf()[1]:.3f}"
        if groups[f"{s}:trafilatura_any"].pages else "-")
    row("all: exact comment count", lambda s: _ratio(groups[f"{s}:all"].count_ok, groups[f"{s}:all"].pages))
    row("all: comment-section flag", lambda s: _ratio(groups[f"{s}:all"].section_ok, groups[f"{s}:all"].pages))
    row("all: no-comment pages clean",
        lambda s: _ratio(groups[f"{s}:all"].empty_pages - groups[f"{s}:all"].empty_leaks,
                         groups[f"{s}:all"].empty_pages))
    for key in FIELDS:
        row(f"html: {key} correct", lambda s, key=key: _ratio(*groups[f"{s}:html"].fields[key]))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=Path, default=ROOT / "tests" / "segmenter_pages")
    parser.add_argument("--split", choices=("dev", "heldout", "all"), default="all")
    parser.add_argument("--verbose", action="store_true", help="one line per (visible) page")
    parser.add_argument("--show-heldout", action="store_true", help="also list held-out pages and their differences")
    parser.add_argument("--no-trafilatura", action="store_true", help="skip trafilatura's comment extraction")
    parser.add_argument("--fail-under", type=float, default=None,
                        help="exit 1 if the dev text line F1 or HTML comment F1 is below this value")
    args = parser.parse_args(argv)
    splits = ["dev", "heldout"] if args.split == "all" else [args.split]
    groups = evaluate(args.pages, set(splits), args.verbose, args.show_heldout, not args.no_trafilatura)
    if not args.no_trafilatura and trafilatura_output("<html></html>") is None:
        print("trafilatura is not installed (pip install -e '.[eval]'): its column is empty")
    print()
    print(f"{'measure':32s}" + "".join(f"{s:>34s}" for s in splits))
    for name, cells in report(groups, splits):
        print(f"{name:32s}" + "".join(f"{c:>34s}" for c in cells))
    seeds = groups["seeds"]
    if seeds.pages:
        print(f"\nseeds: {_ratio(seeds.exact_ok, seeds.pages)} exact, {_prf(seeds)}")
    failures = [msg for s in splits for msg in groups[f"{s}:all"].failures]
    if failures:
        print("\n== Differences from the labels" + ("" if args.show_heldout else " (dev pages)"))
        for msg in failures:
            print(" -", msg)
    if args.fail_under is not None and "dev" in splits and \
            min(groups["dev:text"].prf()[2], groups["dev:html"].prf()[2]) < args.fail_under:
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
