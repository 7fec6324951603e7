"""The audit's outputs, rendered from the store: report.html, flagged.csv and results.jsonl.

One streamed pass over the run's comments feeds every output, so memory stays
flat whatever the size: CSV and JSONL rows are written as they come, and the
HTML keeps only the top `HTML_LIMIT` flagged comments (a heap), which are the
only ones explained. `write_html` is shared with the Dask engine, which feeds it per-partition counts
and each partition's best-ranked comments instead of a pass over the store.
The HTML is one self-contained file (inline CSS and JS, a
Content-Security-Policy that forbids network access); every piece of comment
text is escaped, and the script only reorders and hides server-rendered nodes.
"""
from __future__ import annotations

import csv
import heapq
import html
import os
from contextlib import ExitStack
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

from sqlalchemy.engine import Connection

from ..labels import LABEL_DESCRIPTIONS, LABEL_DESCRIPTIONS_FR, LABELS
from ..scoring.verdict import Verdict, judge
from ..textio import atomic_write, json_line
from . import store
from .texts import TEXT, default_language

OUTPUT_FORMATS = ("html", "csv", "jsonl")
HTML_LIMIT = 2000        # flagged comments listed in report.html (CSV and JSONL hold them all)
EVIDENCE_LIMIT = 500     # of those, how many are explained (Moderator.explain takes ~1 ms a comment)
NEAR_MISS_LIMIT = 200    # unflagged comments closest to a threshold, listed for threshold tuning
CSV_FIELDS = ("source", "line", "line_last", "dom_path", "id", "author", "date", "url", *LABELS,
              "labels", "flagged", "model_version", "text")


Explainer = Callable[[list[str]], list[dict[str, list[dict]]]]


def display_name(path: str | Path) -> str:
    """A path relative to the working directory when it is below it, else absolute."""
    try:
        return str(Path(path).relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def result_record(row: Mapping[str, Any], verdict: Verdict, name: str) -> dict[str, Any]:
    """The public shape of one scored comment (CSV columns, JSONL fields, Parquet columns) from its stored fields."""
    rec = {"source": name, "line": row["line_first"], "line_last": row["line_last"], "dom_path": row["dom_path"],
           "id": row["ext_id"], "author": row["author"], "date": row["date"], "url": row["url"]}
    rec.update(verdict.flat(), model_version=row["model_version"], text=row["text"])
    return rec


def csv_row(rec: Mapping[str, Any]) -> list:
    """One flagged.csv row (CSV_FIELDS order) from a `result_record`."""
    return [" ".join(rec["labels"]) if k == "labels" else rec[k] for k in CSV_FIELDS]


def html_rank(verdict: Verdict, thresholds: Mapping[str, float]) -> float:
    """Where a comment ranks in report.html: its highest flagged score, or for an unflagged one how near it
    comes to a threshold (score / threshold, the near-miss list's order)."""
    if verdict.flagged:
        return max(verdict.scores[lab] for lab in verdict.labels)
    return max(verdict.scores[lab] / thresholds[lab] for lab in LABELS)


class TopN:
    """The `limit` highest-ranked comments seen so far, each with its place in the source order.

    `seq` is that place; when not given it is the order of `add` calls. Equal ranks: the earlier comment wins.
    """

    def __init__(self, limit: int):
        self.limit, self.heap, self.seen = limit, [], 0

    def add(self, rank: float, record: dict, seq: int | None = None) -> None:
        self.seen += 1
        item = (rank, -(self.seen if seq is None else seq), record)
        if len(self.heap) < self.limit:
            heapq.heappush(self.heap, item)
        elif item[:2] > self.heap[0][:2]:
            heapq.heapreplace(self.heap, item)

    def ranked(self) -> list[tuple[int, dict]]:
        """(position in the source order, record), highest rank first."""
        return [(-neg, rec) for _, neg, rec in sorted(self.heap, key=lambda it: it[:2], reverse=True)]


def totals_of(summary: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    """Comments, flagged and per-label counts over a run's per-input summary rows."""
    return {"comments": sum(r["n"] for r in summary), "flagged": sum(r["flagged"] for r in summary),
            **{lab: sum(r[lab] for r in summary) for lab in LABELS}}


def write_html(out: Path, run_id: int, model_version: str, thresholds: Mapping[str, float],
               summary: list[dict], top: TopN, near: TopN, explain: Explainer, lang: str = "en") -> Path:
    """report.html from a run's per-input summary and its ranked comments (both engines feed it)."""
    shown = top.ranked()
    evidence = explain([rec["text"] for _, rec in shown[:EVIDENCE_LIMIT]]) if shown else []
    page = render_html(run_id, model_version, thresholds, summary, totals_of(summary), shown, evidence, top.seen,
                       near.ranked(), near.seen, lang)
    path = out / "report.html"
    atomic_write(path, lambda tmp: tmp.write_text(page, encoding="utf-8"))
    return path


def write_outputs(conn: Connection, run_id: int, out: Path, formats: Sequence[str], thresholds: Mapping[str, float],
                  model_version: str, explain: Explainer, only_flagged: bool = False,
                  lang: str = "en") -> tuple[list[Path], dict]:
    """Write the requested outputs for a run in one pass over the store; returns their paths and the totals."""
    summary = store.run_inputs_summary(conn, run_id, thresholds)
    files = {fmt: out / name for fmt, name in (("csv", "flagged.csv"), ("jsonl", "results.jsonl")) if fmt in formats}
    every_comment = ("jsonl" in formats and not only_flagged) or "html" in formats
    names: dict[str, str] = {}
    top, near = TopN(HTML_LIMIT), TopN(NEAR_MISS_LIMIT)
    with ExitStack() as stack:
        fh = {fmt: stack.enter_context(open(path.with_name(path.name + ".tmp"), "w", encoding="utf-8", newline=""))
              for fmt, path in files.items()}
        csv_out = csv.writer(fh["csv"]) if "csv" in fh else None
        if csv_out:
            csv_out.writerow(CSV_FIELDS)
        for part in store.iter_run_comments(conn, run_id, None if every_comment else thresholds):
            verdicts = judge([[getattr(row, lab) for lab in LABELS] for row in part], thresholds)
            for row, verdict in zip(part, verdicts):
                name = names.get(row.path) or names.setdefault(row.path, display_name(row.path))
                rec = result_record(row._mapping, verdict, name)
                if "jsonl" in fh and (verdict.flagged or not only_flagged):
                    fh["jsonl"].write(json_line(rec))
                if verdict.flagged:
                    if csv_out:
                        csv_out.writerow(csv_row(rec))
                    top.add(html_rank(verdict, thresholds), rec)
                else:
                    near.add(html_rank(verdict, thresholds), rec)
    for path in files.values():          # complete files replace the previous ones only now
        os.replace(path.with_name(path.name + ".tmp"), path)
    written = list(files.values())
    if "html" in formats:
        written.insert(0, write_html(out, run_id, model_version, thresholds, summary, top, near, explain, lang))
    return written, totals_of(summary)


# --------------------------------------------------------------------------- HTML

def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def highlight(text: str, spans_by_label: Mapping[str, Iterable[Sequence[int]]]) -> str:
    """Escaped text with <mark> around evidence spans; overlapping spans of several labels are merged."""
    cover: list[tuple[int, int, str]] = [(max(0, a), min(len(text), b), lab)
                                         for lab, spans in spans_by_label.items() for a, b in spans if b > a]
    bounds = sorted({0, len(text), *(a for a, _, _ in cover), *(b for _, b, _ in cover)})
    parts = []
    for a, b in zip(bounds, bounds[1:]):
        labs = sorted({lab for s, t, lab in cover if s <= a and b <= t}, key=LABELS.index)
        chunk = _e(text[a:b])
        parts.append(f'<mark class="{" ".join(labs)}" title="{_e(", ".join(labs))}">{chunk}</mark>' if labs else chunk)
    return "".join(parts)


def _source(rec: Mapping[str, Any], t: Mapping[str, str]) -> str:
    where = rec["source"]
    if rec["dom_path"]:
        return f"{where} · {rec['dom_path']}"
    if rec["line"] is not None:
        span = (t["line"].format(n=rec["line"]) if rec["line"] == rec["line_last"]
                else t["lines"].format(a=rec["line"], b=rec["line_last"]))
        where = f"{where} · {span}"
    if rec["id"] is not None:
        where = f"{where} · {t['id'].format(id=rec['id'])}"
    return where


def _item(n: int, seq: int, rec: Mapping[str, Any], evidence: Mapping[str, list[dict]],
          t: Mapping[str, str], descriptions: Mapping[str, str]) -> str:
    labels = rec["labels"]
    rank = max(rec[lab] for lab in labels) if labels else max(rec[lab] for lab in LABELS)
    chips = "".join(f'<span class="chip {lab}{" on" if lab in labels else ""}" title="{_e(descriptions[lab])}">'
                    f'{lab} <b>{rec[lab]:.2f}</b></span>' for lab in LABELS)
    ev = {lab: evidence.get(lab, []) for lab in labels}
    ev_items = "".join(
        f'<li><span class="lab {lab}">{lab}</span> '
        + ", ".join(f'<code>{_e(e["ngram"])}</code> <small>+{e["weight"]:.2f}</small>' for e in ev[lab])
        + "</li>" for lab in labels if ev[lab])
    who = " · ".join(_e(v) for v in (rec["author"], rec["date"]) if v)
    scores = " ".join(f'data-{lab}="{rec[lab]:.6f}"' for lab in LABELS)
    return (f'<article class="item" data-score="{rank:.6f}" {scores} data-rank="{n}" data-seq="{seq}" '
            f'data-labels="{" ".join(labels)}">'
            f'<header><span class="rank">#{n}</span><span class="score">{rank:.2f}</span>{chips}</header>'
            f'<div class="src">{_e(_source(rec, t))}{" · " + who if who else ""}</div>'
            f'<p class="text" lang="fr">{highlight(rec["text"], {lab: [s for e in ev[lab] for s in e["spans"]] for lab in labels})}</p>'
            + (f'<ul class="ev">{ev_items}</ul>' if ev_items else "") + "</article>")


def _files_table(summary: list[dict], run_id: int, t: Mapping[str, str]) -> str:
    rows = []
    for r in summary:
        if r["status"] == "error":
            continue
        origin = t["scored_now"] if r["run_id"] == run_id else t["from_run"].format(run=r["run_id"])
        rows.append(f'<tr><td class="path">{_e(display_name(r["path"]))}</td><td>{_e(r["kind"])}</td>'
                    f'<td>{r["n"]:,}</td><td class="{"hot" if r["flagged"] else ""}">{r["flagged"]:,}</td>'
                    + "".join(f"<td>{r[lab]:,}</td>" for lab in LABELS) + f"<td>{origin}</td></tr>")
    head = "".join(f"<th>{lab}</th>" for lab in LABELS)
    return (f"<table><thead><tr><th>{t['file']}</th><th>{t['kind']}</th><th>{t['comments']}</th><th>{t['flagged']}</th>"
            f"{head}<th>{t['results']}</th></tr></thead><tbody>{''.join(rows)}</tbody></table>")


def _skipped_table(summary: list[dict], t: Mapping[str, str]) -> str:
    rows = [f'<tr><td class="path">{_e(display_name(r["path"]))}</td><td>{_e(r["error"])}</td></tr>'
            for r in summary if r["status"] == "error"]
    if not rows:
        return f"<p>{t['none_skipped']}</p>"
    return (f"<table><thead><tr><th>{t['file']}</th><th>{t['reason']}</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>")


def render_html(run_id: int, model_version: str, thresholds: Mapping[str, float], summary: list[dict],
                totals: Mapping[str, int], shown: list[tuple[int, dict]], evidence: list[dict], n_flagged: int,
                near: Sequence[tuple[int, dict]] = (), n_unflagged: int = 0, lang: str = "en") -> str:
    """The whole report page as one string (the lists are capped, so its size is bounded)."""
    t = TEXT[lang]
    descriptions = LABEL_DESCRIPTIONS_FR if lang == "fr" else LABEL_DESCRIPTIONS
    generated = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    n_files = sum(r["status"] != "error" for r in summary)
    n_skipped = len(summary) - n_files
    cards = "".join(f'<div class="card {lab}"><div class="num">{totals[lab]:,}</div><div>{lab} '
                    f'<small>({t["threshold"]} {thresholds[lab]:.2f})</small></div><p>{_e(descriptions[lab])}</p></div>'
                    for lab in LABELS)
    cap = (f'<p class="note">{t["cap"].format(shown=f"{len(shown):,}", total=f"{n_flagged:,}")}</p>'
           if n_flagged > len(shown) else "")
    if len(shown) > EVIDENCE_LIMIT:
        cap += f'<p class="note">{t["cap_ev"].format(n=f"{EVIDENCE_LIMIT:,}")}</p>'
    buttons = "".join(f'<button type="button" data-label="{lab}" class="{lab}">{lab} ({totals[lab]:,})</button>'
                      for lab in LABELS)
    evidence = list(evidence) + [{}] * (len(shown) - len(evidence))
    items = "".join(_item(i, seq, rec, ev, t, descriptions)
                    for i, ((seq, rec), ev) in enumerate(zip(shown, evidence), 1))
    near_items = "".join(_item(i, seq, rec, {}, t, descriptions) for i, (seq, rec) in enumerate(near, 1))
    near_block = (f'<section id="near"><details><summary>{t["near_h"].format(shown=f"{len(near):,}", total=f"{n_unflagged:,}")}'
                  f'</summary><p class="note">{t["near_note"]}</p>{near_items}</details></section>' if near else "")
    return f"""<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(t["title"].format(run=run_id))}</title>
<style>{_CSS}</style></head>
<body>
<h1>{t["h1"]}</h1>
<p class="meta">{_e(t["meta"].format(run=run_id, generated=generated, model=model_version, files=f"{n_files:,}", skipped=f"{n_skipped:,}"))}</p>
<section id="summary"><h2>{t["summary"]}</h2>
<div class="cards"><div class="card total"><div class="num">{totals['comments']:,}</div><div>{t["comments"]}</div>
<p><b>{totals['flagged']:,}</b> {t["flagged_note"]}</p></div>{cards}</div>
<h3>{t["per_file"]}</h3>{_files_table(summary, run_id, t)}</section>
<section id="flagged"><h2>{t["flagged_h"]}</h2>{cap}<p class="legend">{t["legend"]}</p>
<div class="controls">{t["label"]} <button type="button" data-label="" class="active">{t["all"]} ({len(shown):,})</button>{buttons}
<label>{t["sort"]} <select id="sort"><option value="desc">{t["desc"]}</option>
<option value="asc">{t["asc"]}</option><option value="source">{t["source_order"]}</option></select></label>
<span class="count"><span id="shown">{len(shown):,}</span> {t["shown"]}</span></div>
<div id="items">{items or f'<p>{t["none_flagged"]}</p>'}</div></section>
{near_block}
<section id="skipped"><h2>{t["skipped_h"]}</h2>{_skipped_table(summary, t)}</section>
<script>{_JS}</script>
</body></html>
"""


_CSS = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;max-width:1100px;padding:1rem 1.5rem;color:#1d2430;background:#f6f7f9}
h1{margin:.2rem 0}h2{margin-top:2rem;border-bottom:2px solid #dde1e7;padding-bottom:.3rem}
.meta,.note,.legend{color:#5b6472}.legend{font-size:.85rem}.note{background:#fff6db;padding:.4rem .7rem;border-radius:6px}
.cards{display:flex;gap:.8rem;flex-wrap:wrap}.card{background:#fff;border-radius:8px;padding:.7rem 1rem;flex:1 1 200px;border-top:4px solid #8a94a6;box-shadow:0 1px 2px #0001}
.card .num{font-size:1.8rem;font-weight:700}.card p{margin:.3rem 0 0;color:#5b6472;font-size:.85rem}
.card.insult{border-color:#d9480f}.card.masked{border-color:#7048e8}.card.hostility{border-color:#c2255c}
table{border-collapse:collapse;width:100%;background:#fff;font-size:.9rem}th,td{padding:.3rem .5rem;border-bottom:1px solid #e6e9ee;text-align:right}
th:first-child,td.path{text-align:left;word-break:break-all}td:last-child,th:last-child{text-align:left}td.hot{font-weight:700;color:#c2255c}
.controls{position:sticky;top:0;background:#f6f7f9;padding:.5rem 0;display:flex;gap:.4rem;align-items:center;flex-wrap:wrap;z-index:1}
.controls button{border:1px solid #c5cbd5;background:#fff;border-radius:14px;padding:.2rem .7rem;cursor:pointer}
.controls button.active{background:#1d2430;color:#fff;border-color:#1d2430}.count{margin-left:auto;color:#5b6472}
.item{background:#fff;border-radius:8px;padding:.6rem .9rem;margin:.6rem 0;box-shadow:0 1px 2px #0001}
.item header{display:flex;gap:.4rem;align-items:center;flex-wrap:wrap}.rank{color:#8a94a6;font-size:.85rem;min-width:2.5rem}
.score{font-weight:700;font-size:1.1rem;margin-right:.4rem}
.chip{font-size:.8rem;border-radius:10px;padding:.05rem .5rem;background:#eef0f3;color:#5b6472}
.chip.on.insult{background:#ffe8d9;color:#a23a0c}.chip.on.masked{background:#ece5ff;color:#5535b5}.chip.on.hostility{background:#ffe0ea;color:#9c1d4a}
.src{color:#5b6472;font-size:.82rem;margin:.2rem 0;word-break:break-all}
.text{white-space:pre-wrap;margin:.3rem 0;overflow-wrap:anywhere}
mark{border-radius:3px;padding:0 1px;background:#ffe8a3}mark.insult{background:#ffd3b8}mark.masked{background:#ddd0ff}
mark.hostility{background:#ffc9da}mark.insult.hostility{background:linear-gradient(#ffd3b8,#ffc9da)}
.ev{margin:.2rem 0 0;padding-left:1.1rem;font-size:.85rem;color:#3b4452}.ev code{background:#f1f3f5;padding:0 .25rem;border-radius:3px}
.lab{font-weight:600}.lab.insult{color:#a23a0c}.lab.masked{color:#5535b5}.lab.hostility{color:#9c1d4a}
"""

_JS = """
(function(){
  var list=document.getElementById('items'), items=[].slice.call(list.querySelectorAll('.item'));
  var sort=document.getElementById('sort'), shown=document.getElementById('shown'), label='';
  var buttons=[].slice.call(document.querySelectorAll('.controls button'));
  function apply(){
    var key=sort.value, n=0;
    items.sort(function(a,b){
      if(key==='source') return a.dataset.seq-b.dataset.seq;
      var k=label||'score', d=b.dataset[k]-a.dataset[k]; return (key==='asc'?-d:d)||a.dataset.rank-b.dataset.rank;
    });
    items.forEach(function(el){
      var ok=!label||el.dataset.labels.split(' ').indexOf(label)>=0;
      el.hidden=!ok; if(ok) n++; list.appendChild(el);
    });
    shown.textContent=n.toLocaleString();
  }
  buttons.forEach(function(b){ b.addEventListener('click', function(){
    label=b.dataset.label; buttons.forEach(function(x){x.classList.toggle('active', x===b);}); apply();
  });});
  sort.addEventListener('change', apply);
  document.documentElement.dataset.ready='1';
})();
"""
