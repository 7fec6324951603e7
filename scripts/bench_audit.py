"""End-to-end throughput and memory of `moderation audit` on one large CSV export.

Generates N synthetic French reader comments (lengths 20-400 characters, some
shouted, some masked with `*`, some abusive; deterministic seed), then runs
`moderation audit FILE --out DIR --jobs J` in a subprocess for each J, with a
fresh output folder, and prints wall time, comments/s, the CPU time of the
audit's whole process tree (which the host's other load barely moves, unlike
wall time), the peak RSS of the largest process (getrusage of the children)
and the peak memory of the whole process tree as PSS (sampled from /proc every
50 ms; pages a forked worker shares with the parent are counted once).

With `--engine dask` (default 1,000,000 comments) it runs, in one process and on
the same file: the single-process audit (`--jobs 1`), then `--engine dask` on a
local cluster of 1 and of 2 workers, and prints each one's throughput, its ratio
to the single-process run, the scoring phase's rate and CPU time as the audit
reports them, and each Dask worker's peak RSS. It then measures the Dask
scheduler's overhead per task on a local cluster: thousands of tasks that do
nothing, timed from submission to results.

    python scripts/bench_audit.py [--n 200000] [--jobs 1 2] [--keep DIR]
    python scripts/bench_audit.py --engine dask [--n 1000000] [--workers 1 2] [--partition-size 16MB]
"""
from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

SUBJECTS = ["Le gouvernement", "Ce ministre", "La Russie", "La France", "Le président", "Les autorités maliennes",
            "Cet article", "La junte", "L'opposition", "Les journalistes", "Ce pays", "La CEDEAO", "Le peuple",
            "Notre armée", "Les politiciens", "Ces gens", "Le Cameroun", "Bamako", "Cette décision", "Vous"]
VERBS = ["a raison de", "doit arrêter de", "continue de", "refuse de", "n'a pas le droit de", "va finir par",
         "devrait", "ne cesse de", "a promis de", "oublie de"]
OBJECTS = ["défendre le pays", "mentir au peuple", "voler l'argent public", "soutenir nos soldats",
           "payer les factures", "respecter la constitution", "organiser des élections", "aider les jeunes",
           "lutter contre le terrorisme", "parler avec les voisins", "nous prendre pour des idiots",
           "construire des routes", "protéger les civils", "vendre nos ressources"]
TAILS = ["Merci pour cet article.", "Que Dieu protège le Mali.", "C'est une honte.", "Bravo à nos soldats.",
         "On attend toujours des résultats.", "Rien de nouveau sous le soleil.", "Vive l'AES !",
         "Il faut du courage pour dire la vérité.", "Les promesses n'engagent que ceux qui y croient.",
         "Affaire à suivre.", "Pauvre Afrique.", "Quelle tristesse pour nos familles."]
ABUSE = ["bande de voleurs", "sales traîtres", "espèce d'imbécile", "ces chiens", "corrompus jusqu'à l'os",
         "crétins", "vous êtes des vendus", "minables", "racaille", "qu'ils aillent pourrir en prison"]
MASKED = ["c*****", "******", "u*****", "s***s", "*****les", "e******", "q******", "p***"]


def comment(rng: random.Random) -> str:
    """One synthetic comment: a few clauses, sometimes abuse, masking or shouting, 20-400 characters."""
    target = rng.choice([rng.randint(20, 80), rng.randint(60, 200), rng.randint(150, 400)])
    parts: list[str] = []
    while sum(len(p) + 1 for p in parts) < target:
        r = rng.random()
        if r < 0.55:
            parts.append(f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)}.")
        elif r < 0.75:
            parts.append(rng.choice(TAILS))
        elif r < 0.88:
            parts.append(rng.choice(ABUSE) + rng.choice([".", " !", " !!", "..."]))
        else:
            parts.append(f"{rng.choice(SUBJECTS)} est {rng.choice(MASKED)} {rng.choice(OBJECTS)}.")
    text = " ".join(parts)[:400].strip()
    if rng.random() < 0.08:
        text = text.upper()
    return text if len(text) >= 20 else text + " " + rng.choice(TAILS)


def write_csv(path: Path, n: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["id", "author", "date", "url", "text"])
        for i in range(n):
            out.writerow([f"c{i}", f"lecteur{rng.randint(1, 5000)}", f"2024-07-{rng.randint(1, 31):02d}",
                          f"https://example.ml/article/{rng.randint(1, 900)}", comment(rng)])


def _tree_pss_kb(pid: int) -> int:
    """Proportional resident memory (shared pages split between sharers) of a process tree, from /proc."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/smaps_rollup") as fh:
                total += next((int(line.split()[1]) for line in fh if line.startswith("Pss:")), 0)
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as fh:
                    todo.extend(int(c) for c in fh.read().split())
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total


def run(csv_path: Path, out: Path, options: list[str]) -> dict:
    """Run one audit in a subprocess; wall time and memory figures."""
    shutil.rmtree(out, ignore_errors=True)
    cmd = [sys.executable, "-m", "moderation.cli", "audit", str(csv_path), "--out", str(out), *options]
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    before, cpu_before = usage.ru_maxrss, usage.ru_utime + usage.ru_stime
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak_tree = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak_tree
        while not stop.is_set():
            peak_tree = max(peak_tree, _tree_pss_kb(proc.pid))
            stop.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = proc.communicate()
    wall = time.perf_counter() - t0
    stop.set()
    sampler.join()
    if proc.returncode != 0:
        sys.exit(f"audit failed ({proc.returncode}):\n{stderr}")
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    # the audit's whole process tree: Dask's worker processes are its children, reaped before it exits
    peak_one, cpu = usage.ru_maxrss, usage.ru_utime + usage.ru_stime - cpu_before
    lines = stdout.strip().splitlines()
    workers = "\n  ".join(line.strip() for line in lines if "peak RSS per worker" in line or "scoring:" in line)
    return {"wall": wall, "cpu": cpu, "peak_one_mb": peak_one / 1024, "peak_tree_mb": peak_tree / 1024,
            "rss_is_new_max": peak_one > before, "summary": lines[0], "workers": workers}


def scheduler_overhead(workers: int, n_tasks: int = 4000) -> float:
    """Seconds per task of a local Dask cluster running tasks that do nothing (submit to result, end to end)."""
    import logging

    from distributed import Client, LocalCluster

    # CRITICAL: workers whose heartbeat races the scheduler's shutdown log errors that mean nothing here
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                      silence_logs=logging.CRITICAL) as cluster, \
            Client(cluster) as client:
        client.gather(client.map(_nothing, range(200), pure=False))          # warm up connections
        t0 = time.perf_counter()
        client.gather(client.map(_nothing, range(n_tasks), pure=False))
        return (time.perf_counter() - t0) / n_tasks


def _nothing(i: int) -> int:
    return i


def report(label: str, r: dict, n: int, base: float | None) -> None:
    """One run's figures on two lines."""
    one = f"{r['peak_one_mb']:.0f} MB" if r["rss_is_new_max"] else f"<= {r['peak_one_mb']:.0f} MB"
    ratio = f", {base / r['wall']:.2f}x the single-process audit" if base else ""
    print(f"{label}: {r['wall']:.1f} s wall, {n / r['wall']:,.0f} comments/s end to end{ratio}; "
          f"CPU {r['cpu']:.1f} s ({n / r['cpu']:,.0f} comments per CPU-second); "
          f"peak RSS of the largest process {one}, process tree PSS {r['peak_tree_mb']:.0f} MB")
    print(f"  {r['summary']}")
    if r["workers"]:
        print(f"  {r['workers']}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, help="comments to generate (default: 200000; 1000000 with --engine dask)")
    ap.add_argument("--engine", choices=["local", "dask"], default="local",
                    help="local: --jobs values; dask: single process, then Dask with --workers values (default: local)")
    ap.add_argument("--jobs", type=int, nargs="+", default=[1, 2], help="--jobs values to run (default: 1 2)")
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="Dask local cluster sizes (default: 1 2)")
    ap.add_argument("--partition-size", default="16MB", help="Dask --partition-size (default: 16MB)")
    ap.add_argument("--keep", type=Path, help="keep the CSV and outputs in this folder")
    a = ap.parse_args()
    n = a.n or (1_000_000 if a.engine == "dask" else 200_000)
    work = a.keep or Path(tempfile.mkdtemp(prefix="bench-audit-"))
    work.mkdir(parents=True, exist_ok=True)
    csv_path = work / "comments.csv"
    t0 = time.perf_counter()
    write_csv(csv_path, n)
    print(f"generated {n:,} comments ({csv_path.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - t0:.1f} s")
    try:
        if a.engine == "local":
            for jobs in a.jobs:
                report(f"--jobs {jobs}", run(csv_path, work / f"out-jobs{jobs}", ["--jobs", str(jobs)]), n, None)
            return 0
        base = run(csv_path, work / "out-local", ["--jobs", "1"])
        report("single process (--jobs 1)", base, n, None)
        for workers in a.workers:
            r = run(csv_path, work / f"out-dask{workers}", ["--engine", "dask", "--workers", str(workers),
                                                            "--partition-size", a.partition_size])
            report(f"--engine dask --workers {workers}", r, n, base["wall"])
        for workers in sorted(set(a.workers)):
            print(f"Dask scheduler overhead, {workers} worker(s), tasks that do nothing: "
                  f"{scheduler_overhead(workers) * 1e3:.2f} ms per task")
    finally:
        if a.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
