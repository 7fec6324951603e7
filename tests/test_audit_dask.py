"""`moderation audit --engine dask` on a real local Dask cluster (worker processes started by the suite).

The same inputs go through the single-machine audit and the Dask engine: same comments, same scores to
1e-6, same flagged.csv. Then: Parquet inputs, the model loaded once per worker, reruns that skip written
partitions, bad inputs, and a worker process killed mid-run without a row lost or written twice.
"""
from __future__ import annotations

import csv
import json
import os
import random
import re
import shutil
import signal
import sqlite3
from pathlib import Path

import pytest

distributed = pytest.importorskip("distributed", reason="the Dask extra is not installed: pip install -e '.[dask]'")
pq = pytest.importorskip("pyarrow.parquet", reason="the Dask extra is not installed: pip install -e '.[dask]'")

from distributed import Client, LocalCluster  # noqa: E402
from distributed.diagnostics.plugin import SchedulerPlugin  # noqa: E402

from conftest import SEED_002, SEEDS, load_script  # noqa: E402
from moderation.cli import main as cli  # noqa: E402
from moderation.scoring.verdict import judge  # noqa: E402

LABELS = ("insult", "masked", "hostility")


# ----------------------------------------------------------------------------- inputs and helpers

def _comments(n: int, seed: int) -> list[str]:
    """Generated French comments (the benchmark's generator), some spread over lines and quoted."""
    bench = load_script("bench_audit")
    rng = random.Random(seed)
    out = []
    for i in range(n):
        text = bench.comment(rng)
        if i % 7 == 0:
            text = text.replace(". ", '.\n"', 1) + '"'      # a record over two lines, with quotes
        out.append(text)
    return out


def write_table(path: Path, texts: list[str], delimiter: str = ",", prefix: str = "c") -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter=delimiter)
        w.writerow(["id", "author", "text"])
        for i, t in enumerate(texts):
            w.writerow([f"{prefix}{i}", f"lecteur{i % 13}", t])
    return path


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> Path:
    """Seed pages, an HTML page, a comma CSV, a semicolon CSV and a JSONL file."""
    root = tmp_path_factory.mktemp("dask-in") / "in"
    shutil.copytree(SEEDS, root / "pages")
    shutil.copy(Path(__file__).parent / "segmenter_pages" / "ht_wp_classic_01.html", root / "pages" / "wp.html")
    write_table(root / "export.csv", _comments(1500, 1))
    write_table(root / "excel.csv", _comments(400, 2), delimiter=";", prefix="x")
    with open(root / "more.jsonl", "w", encoding="utf-8") as fh:
        for i, t in enumerate(_comments(600, 3)):
            fh.write(json.dumps({"id": f"j{i}", "text": t}, ensure_ascii=False) + "\n")
    return root


@pytest.fixture(scope="module")
def cluster():
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as c:
        yield c


def dask_audit(cluster, *argv: str) -> int:
    return cli(["audit", *argv, "--engine", "dask", "--scheduler", cluster.scheduler_address])


def parquet_rows(results: Path) -> list[dict]:
    return pq.read_table(results).to_pylist() if any(results.glob("*.parquet")) else []


def local_scores(out: Path) -> dict[tuple, tuple]:
    """(source, line, line_last, dom_path, id) -> scores, from the local audit's store (unrounded)."""
    from moderation.audit.report import display_name
    with sqlite3.connect(out / "audit.sqlite") as conn:
        rows = conn.execute("SELECT i.path, c.line_first, c.line_last, c.dom_path, c.ext_id, c.insult, c.masked, "
                            "c.hostility FROM comments c JOIN inputs i ON i.id = c.input_id").fetchall()
    return {(display_name(p), a, b, d, e): s for p, a, b, d, e, *s in rows}


def dask_scores(results: Path) -> dict[tuple, tuple]:
    rows = parquet_rows(results)
    keyed = {(r["source"], r["line"], r["line_last"], r["dom_path"], r["id"]): tuple(r[lab] for lab in LABELS)
             for r in rows}
    assert len(keyed) == len(rows), "a comment was written twice"
    return keyed


def last_run(out: Path) -> dict:
    cols = ("inputs_scored", "inputs_reused", "inputs_failed", "comments_scored")
    with sqlite3.connect(out / "audit.sqlite") as conn:
        return dict(zip(cols, conn.execute(f"SELECT {', '.join(cols)} FROM runs ORDER BY id DESC LIMIT 1").fetchone()))


def markers(results: Path) -> list[dict]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted((results / "_done").glob("*.json"))]


@pytest.fixture(scope="module")
def both(inputs, cluster, tmp_path_factory):
    """The same inputs audited by the local engine and by the Dask engine (64 kB partitions)."""
    base = tmp_path_factory.mktemp("dask-out")
    assert cli(["audit", str(inputs), "--out", str(base / "local")]) == 0
    assert dask_audit(cluster, str(inputs), "--out", str(base / "dask"), "--partition-size", "64kB") == 0
    return base / "local", base / "dask"


# ----------------------------------------------------------------------------- same results as one machine

def test_same_comments_and_scores_as_the_local_audit(both):
    local, dask = both
    want, got = local_scores(local), dask_scores(dask / "results")
    assert len(want) > 2500 and set(got) == set(want)
    worst = max(abs(a - b) for k in want for a, b in zip(want[k], got[k]))
    assert worst <= 1e-6, worst
    ids = [k[4] for k in got if k[0].endswith("export.csv")]
    assert sorted(ids) == sorted(f"c{i}" for i in range(1500))          # every row once, quoted lines included


def test_same_flagged_csv_and_report_counts(both):
    local, dask = both
    assert (dask / "flagged.csv").read_text(encoding="utf-8") == (local / "flagged.csv").read_text(encoding="utf-8")
    rows = parquet_rows(dask / "results")
    flagged = [r for r in rows if r["flagged"]]
    verdicts = judge([[r[lab] for lab in LABELS] for r in rows], _thresholds())
    assert [list(v.labels) for v in verdicts] == [r["labels"] for r in rows]
    assert flagged and all(r["model_version"] for r in rows)
    page = (dask / "report.html").read_text(encoding="utf-8")
    local_page = (local / "report.html").read_text(encoding="utf-8")
    cards = lambda p: p[p.index('<div class="cards">'):p.index("</section>")]  # noqa: E731
    assert f"{len(flagged):,}</b>" in page and cards(page) == cards(local_page)
    items = lambda p: re.sub(r' data-seq="\d+"', "", p[p.index('<div id="items">'):p.index('<section id="skipped">')])  # noqa: E731
    assert '<mark class="' in page and items(page) == items(local_page)    # same ranking, evidence, near misses


def test_the_store_summarises_the_run_without_the_rows(both):
    local, dask = both
    run = last_run(dask)
    assert run["inputs_failed"] == 0 and run["inputs_scored"] == 9
    with sqlite3.connect(dask / "audit.sqlite") as conn:
        per_input = dict(conn.execute("SELECT path, n_comments FROM inputs WHERE status = 'done'").fetchall())
        assert conn.execute("SELECT count(*) FROM comments").fetchone() == (0,)
    with sqlite3.connect(local / "audit.sqlite") as conn:
        assert per_input == dict(conn.execute("SELECT path, n_comments FROM inputs").fetchall())


def test_the_model_is_loaded_once_per_worker(both, cluster):
    _, dask = both
    done = markers(dask / "results")
    assert len(done) >= 8                                   # more partitions than workers
    assert {m["model_loads"] for m in done} == {1}
    per_process = {pid: sum(m["pid"] == pid for m in done) for pid in {m["pid"] for m in done}}
    assert max(per_process.values()) >= 2, per_process     # a worker scored several partitions with one load
    with Client(cluster) as client:
        loads = client.run(lambda dask_worker: [p.loads for n, p in dask_worker.plugins.items()
                                                if n.startswith("moderation-model-")])
    assert sorted(loads.values()) == [[1], [1]]


# ----------------------------------------------------------------------------- Parquet inputs

def test_parquet_files_score_like_the_same_rows_in_csv(tmp_path, cluster):
    import pyarrow as pa

    texts = _comments(300, 5)
    folder = tmp_path / "lake"
    folder.mkdir()
    for part, rows in enumerate((texts[:200], texts[200:])):
        pq.write_table(pa.table({"comment_id": [f"p{part}-{i}" for i in range(len(rows))], "body": rows}),
                       folder / f"part-{part}.parquet")
    pq.write_table(pa.table({"comment_id": ["x"], "other": ["no text here"]}), folder / "part-9.parquet")
    out = tmp_path / "out"
    assert dask_audit(cluster, str(folder), "--out", str(out), "--text-column", "body",
                      "--id-column", "comment_id") == 0
    rows = parquet_rows(out / "results")
    assert sorted(r["id"] for r in rows) == sorted([f"p0-{i}" for i in range(200)] + [f"p1-{i}" for i in range(100)])
    by_text = {r["text"]: r for r in rows}
    csv_in = write_table(tmp_path / "same.csv", texts)
    assert cli(["audit", str(csv_in), "--out", str(tmp_path / "local")]) == 0
    for key, scores in local_scores(tmp_path / "local").items():
        text = texts[int(key[4][1:])]
        assert max(abs(a - by_text[text][lab]) for a, lab in zip(scores, LABELS)) <= 1e-6
    assert by_text[texts[0]]["line"] == 1 and by_text[texts[201]]["line"] == 2       # row number in its file
    run = last_run(out)
    assert run["inputs_failed"] == 1 and run["inputs_scored"] == 2


# ----------------------------------------------------------------------------- reruns

def test_rerun_skips_written_partitions_and_rescores_only_what_changed(tmp_path, inputs, cluster, capsys):
    src = tmp_path / "in"
    shutil.copytree(inputs, src)
    out = tmp_path / "out"
    args = (str(src), "--out", str(out), "--partition-size", "64kB")
    assert dask_audit(cluster, *args) == 0
    first = dask_scores(out / "results")
    files = sorted(p.name for p in (out / "results").glob("*.parquet"))
    capsys.readouterr()
    assert dask_audit(cluster, *args) == 0
    assert last_run(out) == {"inputs_scored": 0, "inputs_reused": 9, "inputs_failed": 0, "comments_scored": 0}
    assert "(0 newly scored)" in capsys.readouterr().out
    assert dask_scores(out / "results") == first and sorted(p.name for p in (out / "results").glob("*.parquet")) == files

    write_table(src / "excel.csv", _comments(50, 9), delimiter=";", prefix="x")      # one input changed
    assert dask_audit(cluster, *args) == 0
    assert last_run(out) == {"inputs_scored": 1, "inputs_reused": 8, "inputs_failed": 0, "comments_scored": 50}
    now = dask_scores(out / "results")
    assert len([k for k in now if k[0].endswith("excel.csv")]) == 50
    assert {k: v for k, v in now.items() if not k[0].endswith("excel.csv")} == \
        {k: v for k, v in first.items() if not k[0].endswith("excel.csv")}


def test_new_thresholds_rejudge_stored_scores_and_only_flagged_keeps_parquet_small(tmp_path, inputs, cluster):
    out = tmp_path / "out"
    data = write_table(tmp_path / "c.csv", _comments(400, 11))
    assert dask_audit(cluster, str(data), "--out", str(out)) == 0
    before = parquet_rows(out / "results")
    assert dask_audit(cluster, str(data), "--out", str(out), "--threshold", "insult=0") == 0
    assert last_run(out)["comments_scored"] == 0                       # judged again from stored scores
    after = parquet_rows(out / "results")
    assert [r["insult"] for r in after] == [r["insult"] for r in before] and all(r["flagged"] for r in after)
    n_csv = sum(1 for _ in csv.DictReader(open(out / "flagged.csv", encoding="utf-8")))
    assert n_csv == 400
    assert dask_audit(cluster, str(data), "--out", str(out), "--only-flagged") == 0
    kept = parquet_rows(out / "results")
    flagged = sum(r["flagged"] for r in before)
    assert 0 < len(kept) == flagged < 400 and all(r["flagged"] for r in kept)


# ----------------------------------------------------------------------------- bad input

def test_unreadable_inputs_are_reported_skipped_and_leave_no_rows(tmp_path, cluster, capsys):
    src = tmp_path / "mixed"
    src.mkdir()
    shutil.copy(SEED_002, src / "article.txt")
    (src / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    (src / "latin1.txt").write_bytes("Très bien, merci à la Russie.\n".encode("latin-1"))
    late = write_table(src / "late.csv", _comments(600, 4))          # breaks far after its first partitions
    late.write_text(late.read_text(encoding="utf-8") + "99,too,many,fields\n", encoding="utf-8")
    import pyarrow as pa
    pq.write_table(pa.table({"body": ["x"]}), src / "notext.parquet")
    out = tmp_path / "out"
    assert dask_audit(cluster, str(src), "--out", str(out), "--partition-size", "16kB") == 0
    said = capsys.readouterr().out
    for name in ("image.png", "latin1.txt", "late.csv", "notext.parquet"):
        assert any("skipped" in line and name in line for line in said.splitlines()), name
    rows = parquet_rows(out / "results")
    assert {Path(r["source"]).name for r in rows} == {"article.txt"}
    assert last_run(out)["inputs_failed"] == 4
    page = (out / "report.html").read_text(encoding="utf-8")
    assert all(name in page[page.index('id="skipped"'):] for name in ("image.png", "late.csv", "notext.parquet"))


@pytest.mark.parametrize("argv, message", [
    (["--engine", "dask", "--format", "jsonl"], "Parquet"),
    (["--scheduler", "tcp://127.0.0.1:1"], "only with --engine dask"),
    (["--engine", "dask", "--partition-size", "lots"], "--partition-size"),
])
def test_options_that_cannot_work_exit_2_with_one_line(tmp_path, capsys, argv, message):
    assert cli(["audit", str(SEED_002), "--out", str(tmp_path / "o"), *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("moderation audit: error:") and message in err and len(err.strip().splitlines()) == 1


# ----------------------------------------------------------------------------- its own cluster, URLs, dashboard

def test_without_a_scheduler_it_starts_a_local_cluster_and_reads_urls(tmp_path, capsys):
    out = tmp_path / "out"
    assert cli(["audit", SEED_002.resolve().as_uri(), "--engine", "dask", "--workers", "1", "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert "1 workers, peak RSS per worker" in captured.out
    assert "Dask dashboard: http://" in captured.err
    rows = parquet_rows(out / "results")
    assert len(rows) >= 20 and all(r["source"] == SEED_002.resolve().as_uri() for r in rows)
    assert any(r["line"] == 27 and r["flagged"] for r in rows)


# ----------------------------------------------------------------------------- a worker killed mid-run

class KillAWorker(SchedulerPlugin):
    """Kills (SIGKILL) a worker process that is running partitions once `after` partitions have finished."""

    def __init__(self, scheduler, after: int):
        self.scheduler, self.after, self.finished, self.killed, self.interrupted = scheduler, after, 0, None, []

    def transition(self, key, start, finish, *args, **kwargs):
        if finish != "memory" or not str(key).startswith("score-") or self.killed is not None:
            return
        self.finished += 1
        if self.finished < self.after:
            return
        busy = [ws for ws in self.scheduler.workers.values() if ws.processing]
        if busy:
            self.killed = busy[0].pid
            self.interrupted = [ts.key for ts in busy[0].processing]
            os.kill(busy[0].pid, signal.SIGKILL)


def test_a_worker_killed_mid_run_loses_and_duplicates_nothing(tmp_path):
    texts = _comments(6000, 21)
    data = write_table(tmp_path / "big.csv", texts)
    out = tmp_path / "out"
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster:
        killer = KillAWorker(cluster.scheduler, after=3)
        cluster.scheduler.add_plugin(killer)
        assert cli(["audit", str(data), "--out", str(out), "--engine", "dask", "--scheduler",
                    cluster.scheduler_address, "--partition-size", "32kB"]) == 0
        assert killer.killed is not None and killer.interrupted            # killed while running partitions
        with Client(cluster) as client:
            pids = client.run(os.getpid)
        assert killer.killed not in pids.values() and len(pids) == 2       # its nanny started a new one
    rows = parquet_rows(out / "results")
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids)) == len(texts)                       # 0 lost, 0 written twice
    assert set(ids) == {f"c{i}" for i in range(len(texts))}
    done = markers(out / "results")
    assert len(done) > 10 and sum(m["rows"] for m in done) == len(texts)
    interrupted_scores = {str(k) for k in killer.interrupted if str(k).startswith("score-")}
    assert {f"score-{m['name']}" for m in done} >= interrupted_scores           # run again elsewhere, once
    assert last_run(out)["comments_scored"] == len(texts)


def _thresholds() -> dict:
    from moderation import Moderator
    return Moderator.load().thresholds


def test_a_csv_with_stray_quotes_is_read_whole_and_like_the_local_audit(tmp_path, cluster):
    # a `"` inside an unquoted field (csv accepts it literally) would throw off a cut at quote parity
    lines = ["id,text"] + [f'{i},Il mesure 15" de haut et dit bonjour numéro {i}' if i % 50 == 0 else
                           f'{i},"Réponse {i} : ""sales trolls""\nsur deux lignes"' if i % 3 == 0 else
                           f"{i},Merci pour l'article {i}" for i in range(1, 800)]
    data = tmp_path / "stray.csv"
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert cli(["audit", str(data), "--out", str(tmp_path / "local")]) == 0
    assert dask_audit(cluster, str(data), "--out", str(tmp_path / "dask"), "--partition-size", "2kB") == 0
    assert len(markers(tmp_path / "dask" / "results")) == 1                   # not cut
    got = dask_scores(tmp_path / "dask" / "results")
    assert set(got) == set(local_scores(tmp_path / "local")) and len(got) == 799


def test_the_local_engine_points_parquet_and_urls_to_dask(tmp_path, capsys):
    import pyarrow as pa

    pq.write_table(pa.table({"text": ["Bande de chiens"]}), tmp_path / "c.parquet")
    assert cli(["audit", str(tmp_path / "c.parquet"), "--out", str(tmp_path / "o")]) == 0
    assert "Parquet input is read by the Dask engine (--engine dask)" in capsys.readouterr().out
    assert cli(["audit", SEED_002.resolve().as_uri(), "--out", str(tmp_path / "o")]) == 2
    assert "--engine dask" in capsys.readouterr().err


def test_a_worker_refuses_a_model_that_does_not_match_its_manifest(cluster):
    from moderation import Moderator
    from moderation.audit.dask_worker import ModelPlugin
    from moderation.scoring.modelfile import manifest_path

    m = Moderator.load()
    data = bytearray(m.path.read_bytes())
    data[1000] ^= 0xFF                                          # one flipped byte on the way to the workers
    plugin = ModelPlugin(bytes(data), manifest_path(m.path).read_bytes(), "0" * 64)
    with Client(cluster) as client:
        with pytest.raises(Exception, match="does not match its manifest"):
            client.register_plugin(plugin, name=plugin.name)
        held = client.run(lambda dask_worker: getattr(dask_worker.plugins.get(plugin.name), "moderator", None))
    assert set(held.values()) == {None}
