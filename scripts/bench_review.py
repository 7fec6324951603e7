"""Review throughput: action -> stored latency of the review page's calls against a real server and a big store.

Builds a store of N comments (default 100,000) by auditing a synthetic CSV export
(the generator of bench_audit.py; real scores), per site folder so the site
filter has work to do, then starts `moderation review --db URL` (uvicorn, one
worker) and plays a moderator the way the page does, on one keep-alive
connection: POST /v1/decisions for the current comment (the 201 is sent after
the commit, so its latency is action -> stored), and GET /v1/review/queue
(20 comments with evidence, plus the progress counts) whenever the page would
refill. The baseline, measured in the same run on the same connection, is
GET /health: the floor of one HTTP round trip to this server. Prints p50 / p95
/ p99 in milliseconds and the ratio of each p95 to the baseline's; on SQLite,
and on PostgreSQL when `--postgres` (a throw-away cluster from Debian's
binaries, as the tests start) or `--db URL` is given.

    python scripts/bench_review.py [--n 100000] [--actions 1000] [--postgres] [--db URL]
"""
from __future__ import annotations

import argparse
import csv
import http.client
import importlib.util
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SITES = ("maliweb", "lefaso", "seneweb", "cameroon-info")


def _load(path: Path, name: str):
    """Import a script by path (scripts/ is not a package): the comment generator of bench_audit.py."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def make_exports(folder: Path, n: int, seed: int = 0) -> Path:
    """N synthetic comments as one CSV export per site folder."""
    gen = _load(ROOT / "scripts" / "bench_audit.py", "bench_audit")
    rng = random.Random(seed)
    root = folder / "exports"
    for k, site in enumerate(SITES):
        (root / site).mkdir(parents=True)
        with open(root / site / "comments.csv", "w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["id", "text"])
            for i in range(k, n, len(SITES)):
                w.writerow([f"{site}-{i}", gen.comment(rng)])
    return root


def percentiles(ms: list[float]) -> dict[str, float]:
    """Count, median, 95th and 99th percentile of latencies in milliseconds."""
    q = statistics.quantiles(ms, n=100, method="inclusive")
    return {"n": len(ms), "p50": statistics.median(ms), "p95": q[94], "p99": q[98]}


class Client:
    """One keep-alive HTTP connection, like a browser tab's."""

    def __init__(self, port: int):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def call(self, method: str, path: str, body=None, headers=None) -> tuple[int, dict, float]:
        """One request: status, JSON body, and the milliseconds from sending to the whole answer read."""
        data = None if body is None else json.dumps(body).encode()
        t0 = time.perf_counter()
        self.conn.request(method, path, body=data, headers={"content-type": "application/json", **(headers or {})})
        r = self.conn.getresponse()
        payload = r.read()
        return r.status, json.loads(payload), (time.perf_counter() - t0) * 1000


def wait_ready(port: int, proc: subprocess.Popen, timeout: float = 120) -> None:
    """Poll /health until the server answers (the model loads first)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}")
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", "/health")
            if c.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("server not ready")


def bench(url: str, actions: int, port: int) -> dict[str, dict]:
    """Play `actions` decisions against `moderation review --db url`; latencies per call kind."""
    proc = subprocess.Popen([sys.executable, "-m", "moderation.cli", "review", "--db", url, "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_ready(port, proc)
        c = Client(port)
        for _ in range(20):                                   # warm-up: connections, caches, the JIT
            c.call("GET", "/health")
        lat: dict[str, list[float]] = {"health (baseline)": [], "decision (action -> stored)": [],
                                       "queue refill (20 + progress)": [], "queue, one site": []}
        status, page, ms = c.call("GET", "/v1/review/queue?limit=20")
        assert status == 200, page
        items = page["items"]
        total = page["progress"]["total"]
        done = 0
        while done < actions:
            lat["health (baseline)"].append(c.call("GET", "/health")[2])
            it = items.pop(0)
            body = {"decisions": [{"comment_id": it["comment_id"], "action": "hide" if done % 3 else "keep",
                                   "moderator": "bench", "labels": {lab: "yes" for lab in it["labels"]}}]}
            status, out, ms = c.call("POST", "/v1/decisions", body, {"Idempotency-Key": uuid.uuid4().hex})
            assert status == 201, out
            lat["decision (action -> stored)"].append(ms)
            done += 1
            if len(items) < 5:                                # the page refills below five cards
                exclude = "".join(f"&exclude={i['comment_id']}" for i in items)
                status, page, ms = c.call("GET", f"/v1/review/queue?limit=20{exclude}")
                assert status == 200, page
                lat["queue refill (20 + progress)"].append(ms)
                items += page["items"]
            if done % 50 == 0:
                lat["queue, one site"].append(c.call("GET", f"/v1/review/queue?limit=20&site={SITES[done % 4]}")[2])
        status, page, _ = c.call("GET", "/v1/review/queue?limit=1")
        assert page["progress"]["reviewed"] >= actions, page["progress"]
        print(f"  flagged in store: {total:,}; reviewed after the run: {page['progress']['reviewed']:,}")
        return {k: percentiles(v) for k, v in lat.items() if len(v) >= 2}
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def report(name: str, figures: dict[str, dict]) -> None:
    """Print one store's figures, each p95 also as a multiple of the baseline's."""
    base = figures["health (baseline)"]["p95"]
    print(f"{name}:")
    print(f"  {'call':<30}{'n':>6}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'p95 / baseline':>16}")
    for k, f in figures.items():
        print(f"  {k:<30}{f['n']:>6}{f['p50']:>9.2f}{f['p95']:>9.2f}{f['p99']:>9.2f}{f['p95'] / base:>16.1f}")


def main() -> int:
    """Build the store(s), run the bench on each, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=100_000, help="comments in the store (default: 100000)")
    parser.add_argument("--actions", type=int, default=1000, help="decisions to time (default: 1000)")
    parser.add_argument("--postgres", action="store_true", help="also on a throw-away PostgreSQL cluster")
    parser.add_argument("--db", action="append", default=[], metavar="URL", help="also on this (empty) store")
    parser.add_argument("--port", type=int, default=8791)
    args = parser.parse_args()

    from moderation.cli import main as cli

    sys.path.insert(0, str(ROOT / "tests"))
    with tempfile.TemporaryDirectory(prefix="bench-review-") as tmp:
        tmp = Path(tmp)
        exports = make_exports(tmp, args.n)
        stores = [("SQLite", f"sqlite:///{tmp / 'audit.sqlite'}")] + [(u, u) for u in args.db]
        cluster = None
        if args.postgres:
            from servers import PostgresCluster, postgres_bin
            cluster = PostgresCluster(postgres_bin()).start()
            stores.append(("PostgreSQL", cluster.create_database("bench_review")))
        try:
            for name, url in stores:
                t0 = time.perf_counter()
                if cli(["audit", str(exports), "--db", url, "--out", str(tmp / f"report-{len(name)}"),
                        "--format", "jsonl", "--only-flagged"]) != 0:
                    return 1
                print(f"  {name}: store of {args.n:,} comments built in {time.perf_counter() - t0:.0f} s")
                report(name, bench(url, args.actions, args.port))
        finally:
            if cluster is not None:
                cluster.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
