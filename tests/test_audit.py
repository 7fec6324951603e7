"""`moderation audit` as a newcomer and an auditor use it: seeds, tables, bad files, resume, options, report."""
from __future__ import annotations

import csv
import json
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from moderation.audit import pipeline as audit
from moderation.cli import main as cli

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SEED_002 = SEEDS / "002_2ede61ddf366503b.txt"
LINE_25 = "Très bien. Merci beaucoup à la Russie pour son soutien au Mali."
XSS = "<script>alert('pwned')</script> sales trolls ******, vous êtes des c***** !"


def results(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "results.jsonl").read_text(encoding="utf-8").splitlines()]


def db(out: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(out / "audit.sqlite") as conn:
        return conn.execute(sql).fetchall()


def last_run(out: Path) -> dict:
    cols = ("inputs_scored", "inputs_reused", "inputs_failed", "comments_scored")
    row = db(out, f"SELECT {', '.join(cols)} FROM runs ORDER BY id DESC LIMIT 1")[0]
    return dict(zip(cols, row))


def write_csv(path: Path, rows: list[dict]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return path


@pytest.fixture(scope="module")
def seeds_out(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("audit") / "report"
    assert cli(["audit", str(SEEDS), "--out", str(out)]) == 0
    return out


# ----------------------------------------------------------------------------- seeds

def test_seeds_finds_the_002_thread_and_nothing_else(seeds_out):
    rows = results(seeds_out)
    assert {Path(r["source"]).name for r in rows} == {SEED_002.name}
    covered = sorted(n for r in rows for n in range(r["line"], r["line_last"] + 1))
    assert covered == list(range(14, 42))
    per_file = dict(db(seeds_out, "SELECT path, n_comments FROM inputs WHERE status = 'done'"))
    assert len(per_file) == 5
    assert {Path(p).name: n for p, n in per_file.items() if n} == {SEED_002.name: len(rows)}


def test_seeds_flags_the_abusive_comments_and_not_the_thanks(seeds_out):
    by_line = {r["line"]: r for r in results(seeds_out)}
    assert {"insult", "hostility"} <= set(by_line[27]["labels"]) and "trolls" in by_line[27]["text"]
    assert {"insult", "hostility"} <= set(by_line[28]["labels"])
    thanks = next(r for r in by_line.values() if LINE_25 in r["text"])
    assert not thanks["flagged"] and thanks["labels"] == []
    masked = [r for r in by_line.values() if "*****" in r["text"]]
    assert masked and all("masked" in r["labels"] for r in masked)
    flagged_csv = list(csv.DictReader(open(seeds_out / "flagged.csv", encoding="utf-8")))
    assert {int(r["line"]) for r in flagged_csv} == {r["line"] for r in by_line.values() if r["flagged"]}
    assert all(r["model_version"] for r in flagged_csv)


def test_seeds_report_shows_flagged_comments_with_evidence(seeds_out):
    page = (seeds_out / "report.html").read_text(encoding="utf-8")
    words = re.sub(r"<[^>]+>", "", page)                            # the text, without the highlighting
    assert "Merci au grand President Poutine" in words and "Poutine fait pleurer encore" in words
    assert '<mark class="' in page and "trolls</mark>" in page
    flagged = page[page.index('id="flagged"'):page.index('id="near"')]
    assert LINE_25 not in flagged                     # not flagged, so not listed among the flagged
    assert LINE_25 in page[page.index('id="near"'):]  # but shown among the near misses
    assert not re.search(r"""(?:src|href|url)\s*[=(]\s*["']?(?:https?:)?//""", page)   # self-contained: loads nothing


def test_rerun_skips_inputs_already_scored(seeds_out, capsys):
    before = db(seeds_out, "SELECT count(*), count(DISTINCT input_id || '-' || position) FROM comments")[0]
    assert cli(["audit", str(SEEDS), "--out", str(seeds_out)]) == 0
    assert last_run(seeds_out) == {"inputs_scored": 0, "inputs_reused": 5, "inputs_failed": 0, "comments_scored": 0}
    assert db(seeds_out, "SELECT count(*), count(DISTINCT input_id || '-' || position) FROM comments")[0] == before
    assert "0 newly scored" in capsys.readouterr().out
    assert len(results(seeds_out)) == before[0]       # the report still holds the earlier run's results


def test_a_new_segmenter_version_resegments_cached_pages(tmp_path, monkeypatch, capsys):
    out = tmp_path / "r"
    assert cli(["audit", str(SEED_002), "--out", str(out)]) == 0
    monkeypatch.setattr(audit, "SEGMENTER_VERSION", "test-next")
    assert cli(["audit", str(SEED_002), "--out", str(out)]) == 0
    assert last_run(out)["inputs_scored"] == 1 and last_run(out)["inputs_reused"] == 0


def test_console_script_in_a_subprocess(tmp_path):
    exe = shutil.which("moderation")
    cmd = [exe] if exe else [sys.executable, "-m", "moderation.cli"]
    proc = subprocess.run([*cmd, "audit", str(SEED_002), "--out", str(tmp_path / "r")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "1 files (1 scored" in proc.stdout and "report.html" in proc.stdout
    assert any(r["line"] == 27 and r["flagged"] for r in results(tmp_path / "r"))


# ----------------------------------------------------------------------------- tables

def test_csv_and_jsonl_inputs_keep_ids_authors_and_rows(tmp_path):
    write_csv(tmp_path / "export.csv", [
        {"id": "a1", "author": "Moussa", "date": "2024-07-30", "text": "Merci pour cet article très clair."},
        {"id": "a2", "author": "Kan", "date": "2024-07-31", "text": "Bande de sales trolls, allez mourir !"},
        {"id": "a3", "author": "", "date": "", "text": XSS},
    ])
    (tmp_path / "more.jsonl").write_text(
        json.dumps({"id": "j1", "text": "La Russie est u***** pays qui ont sollicité son aide."}) + "\n"
        + json.dumps({"id": "j2", "text": "Bonne analyse, merci."}) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    assert cli(["audit", str(tmp_path / "export.csv"), str(tmp_path / "more.jsonl"), "--out", str(out)]) == 0
    rows = {r["id"]: r for r in results(out)}
    assert set(rows) == {"a1", "a2", "a3", "j1", "j2"}
    assert rows["a2"]["author"] == "Kan" and rows["a3"]["author"] == ""
    assert (rows["a1"]["author"], rows["a1"]["date"], rows["a1"]["line"]) == ("Moussa", "2024-07-30", 2)
    assert rows["j2"]["line"] == 2 and rows["j1"]["source"].endswith("more.jsonl")
    assert rows["a2"]["flagged"] and "masked" in rows["j1"]["labels"] and not rows["j2"]["flagged"]
    flagged_ids = {r["id"] for r in csv.DictReader(open(out / "flagged.csv", encoding="utf-8"))}
    assert flagged_ids == {k for k, r in rows.items() if r["flagged"]}
    page = (out / "report.html").read_text(encoding="utf-8")
    # evidence highlighting may wrap any word of the comment in <mark>: check the escaping without it
    unmarked = re.sub(r"</?mark[^>]*>", "", page)
    assert rows["a3"]["flagged"] and "&lt;script&gt;alert(&#x27;pwned&#x27;)&lt;/script&gt;" in unmarked
    assert "<script>alert" not in page and page.count("<script>") == 1


def test_unreadable_files_are_reported_and_skipped(tmp_path, capsys):
    pages = tmp_path / "mixed"
    (pages / "sub").mkdir(parents=True)
    shutil.copy(SEED_002, pages / "sub" / "article.txt")
    (pages / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    (pages / "latin1.txt").write_bytes("Très bien, merci à la Russie.\n".encode("latin-1"))
    (pages / "bad.csv").write_text('id,text\n1,"ok"\n2,"two",fields,too many\n', encoding="utf-8")
    (pages / "nocolumn.csv").write_text("id,body\n1,hello\n", encoding="utf-8")
    (pages / "bad.jsonl").write_text('{"text": "fine"}\n{not json}\n', encoding="utf-8")
    (pages / ".hidden.txt").write_text("Bande de sales trolls", encoding="utf-8")
    (pages / ".git").mkdir()
    (pages / ".git" / "HEAD").write_text("ref: refs/heads/main", encoding="utf-8")
    # a table that breaks after several batches: its rows already written must be rolled back
    good = [{"id": str(i), "text": f"Commentaire numéro {i} sur l'article."} for i in range(30)]
    late = write_csv(pages / "late.csv", good)
    late.write_text(late.read_text(encoding="utf-8") + "99,too,many,fields\n", encoding="utf-8")
    out = pages / "report"                       # inside the scanned folder: must not be scanned itself
    assert cli(["audit", str(pages), "--out", str(out), "--batch-size", "8"]) == 0
    assert cli(["audit", str(pages), "--out", str(out), "--batch-size", "8"]) == 0   # second pass: out exists
    captured = capsys.readouterr()
    status = {Path(p).name: (s, e, n) for p, s, e, n in db(out, "SELECT path, status, error, n_comments FROM inputs")}
    assert set(status) == {"article.txt", "image.png", "latin1.txt", "bad.csv", "nocolumn.csv", "bad.jsonl",
                           "late.csv"}
    assert status["article.txt"][0] == "done" and status["article.txt"][2] > 20
    for name in ("image.png", "latin1.txt", "bad.csv", "nocolumn.csv", "bad.jsonl", "late.csv"):
        assert status[name][0] == "error" and name in status[name][1], name
        said = [line for line in (captured.out + captured.err).splitlines() if "skipped" in line and name in line]
        assert len(said) == 2, said                 # once per run, in the summary
    assert "binary" in status["image.png"][1] and "UTF-8" in status["latin1.txt"][1]
    assert "`text` column" in status["nocolumn.csv"][1] and "line 2" in status["bad.jsonl"][1]
    late_id = db(out, "SELECT id FROM inputs WHERE path LIKE '%late.csv'")[0][0]
    assert db(out, f"SELECT count(*) FROM comments WHERE input_id = {late_id}") == [(0,)]
    assert last_run(out)["inputs_reused"] == 1 and last_run(out)["inputs_failed"] == 6
    page = (out / "report.html").read_text(encoding="utf-8")
    skipped = page[page.index('id="skipped"'):]
    assert all(name in skipped for name in ("image.png", "latin1.txt", "bad.csv", "late.csv"))


# ----------------------------------------------------------------------------- resume

def test_interrupted_run_resumes_without_loss_or_duplicates(tmp_path, monkeypatch):
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(SEED_002, src / "a_page.txt")
    for name in ("b.csv", "c.csv"):
        write_csv(src / name, [{"id": f"{name}-{i}", "text": f"Réponse {i} : sales trolls {i}" if i % 3 else
                                f"Merci {i}"} for i in range(50)])
    out = tmp_path / "out"
    commit = audit._Writer._commit
    calls = []

    def commit_then_die(self):
        commit(self)
        calls.append(1)
        if len(calls) == 1:
            raise KeyboardInterrupt          # as if killed right after the first file was committed

    monkeypatch.setattr(audit._Writer, "_commit", commit_then_die)
    assert cli(["audit", str(src), "--out", str(out), "--batch-size", "16"]) == 130
    assert db(out, "SELECT count(*) FROM inputs WHERE status = 'done'") == [(1,)]
    first = db(out, "SELECT count(*) FROM comments")[0][0]
    assert first > 20
    monkeypatch.setattr(audit._Writer, "_commit", commit)
    assert cli(["audit", str(src), "--out", str(out), "--batch-size", "16"]) == 0
    assert last_run(out) == {"inputs_scored": 2, "inputs_reused": 1, "inputs_failed": 0, "comments_scored": 100}
    total, distinct = db(out, "SELECT count(*), count(DISTINCT input_id || '-' || position) FROM comments")[0]
    assert total == distinct == first + 100
    assert len(results(out)) == total
    fresh = tmp_path / "fresh"
    assert cli(["audit", str(src), "--out", str(fresh)]) == 0
    assert [(r["source"], r["line"], r["insult"]) for r in results(fresh)] == \
        [(r["source"], r["line"], r["insult"]) for r in results(out)]


# ----------------------------------------------------------------------------- options

def test_threshold_only_flagged_and_format(tmp_path, capsys):
    data = write_csv(tmp_path / "c.csv", [{"id": str(i), "text": t} for i, t in enumerate(
        ["Merci pour cet article.", "Bande de sales trolls !", "Bonne journée à tous.", "Le ministre a parlé."])])
    out = tmp_path / "out"
    assert cli(["audit", str(data), "--out", str(out)]) == 0
    default = {r["id"]: r["flagged"] for r in results(out)}
    assert cli(["audit", str(data), "--out", str(out), "--threshold", "insult=0", "--only-flagged"]) == 0
    assert last_run(out)["comments_scored"] == 0           # new thresholds, no rescoring
    rows = results(out)
    assert len(rows) == 4 and all("insult" in r["labels"] for r in rows)
    assert cli(["audit", str(data), "--out", str(out), "--threshold", "insult=1", "--threshold", "masked=1",
                "--threshold", "hostility=1", "--only-flagged"]) == 0
    assert results(out) == []
    assert "No comment was flagged" in (out / "report.html").read_text(encoding="utf-8")
    csv_only = tmp_path / "csv-only"
    assert cli(["audit", str(data), "--out", str(csv_only), "--format", "csv"]) == 0
    assert sorted(p.name for p in csv_only.iterdir() if p.suffix != ".sqlite" and "sqlite" not in p.name) \
        == ["flagged.csv"]
    assert {r["id"] for r in csv.DictReader(open(csv_only / "flagged.csv", encoding="utf-8"))} == \
        {k for k, v in default.items() if v}
    assert cli(["audit", str(data), "--out", str(csv_only), "--format", "pdf"]) == 2
    assert "--format" in capsys.readouterr().err


def test_other_database_url(tmp_path):
    url = f"sqlite:///{tmp_path / 'elsewhere.db'}"
    assert cli(["audit", str(SEED_002), "--out", str(tmp_path / "out"), "--db", url]) == 0
    assert (tmp_path / "elsewhere.db").is_file() and not (tmp_path / "out" / "audit.sqlite").exists()


@pytest.mark.parametrize("case", ["empty folder", "missing path", "out is a file", "missing model"])
def test_cannot_run_exits_2_with_a_message(tmp_path, capsys, case):
    empty = tmp_path / "empty"
    empty.mkdir()
    (tmp_path / "file").write_text("x", encoding="utf-8")
    argv = {"empty folder": [str(empty)],
            "missing path": [str(tmp_path / "nope")],
            "out is a file": [str(SEED_002), "--out", str(tmp_path / "file")],
            "missing model": [str(SEED_002), "--model", str(tmp_path / "none.joblib")]}[case]
    if "--out" not in argv:
        argv += ["--out", str(tmp_path / "out")]
    assert cli(["audit", *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("moderation audit: error:") and len(err.strip().splitlines()) == 1


# ----------------------------------------------------------------------------- browser

def test_report_renders_in_headless_chromium(seeds_out):
    browser = next((shutil.which(b) for b in ("chromium", "chromium-browser", "google-chrome") if shutil.which(b)), None)
    if browser is None:
        pytest.skip("no chromium on PATH (apt-get install chromium) to render report.html")
    with tempfile.TemporaryDirectory() as profile:
        proc = subprocess.run(
            [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={profile}", "--dump-dom", (seeds_out / "report.html").as_uri()],
            capture_output=True, text=True, timeout=60)
    dom = proc.stdout
    assert proc.returncode == 0 and 'data-ready="1"' in dom, proc.stderr[-2000:]   # the script ran
    words = re.sub(r"<[^>]+>", "", dom)
    assert "Merci au grand President Poutine" in words and "Poutine fait pleurer encore" in words
    flagged = sum(r["flagged"] for r in results(seeds_out))
    listed = dom[dom.index('id="flagged"'):dom.index('id="near"')]          # near misses are items too
    assert listed.count('class="item"') == flagged and f'<span id="shown">{flagged}</span>' in dom


def test_report_in_french_ranks_by_label_and_lists_near_misses(tmp_path, monkeypatch):
    out = tmp_path / "r"
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    assert cli(["audit", str(SEED_002), "--out", str(out)]) == 0          # French from the locale
    page = (out / "report.html").read_text(encoding="utf-8")
    assert '<html lang="fr">' in page and "Commentaires signalés" in page and "Indices" in page
    assert "double la cote" in page                                         # the evidence weights explained
    assert 'data-insult="' in page and 'data-hostility="' in page           # what the label filter ranks by
    near = page[page.index('id="near"'):page.index('id="skipped"')]
    assert "non signalés" in near and near.count('class="item"') >= 1
    assert cli(["audit", str(SEED_002), "--out", str(out), "--lang", "en"]) == 0
    page = (out / "report.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in page and "Flagged comments" in page and "Near misses" in page
