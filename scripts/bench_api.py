"""Latency and throughput of the real HTTP service: uvicorn, one worker, on 127.0.0.1.

Starts `moderation serve` on a free port in a subprocess, then from this process sends
sequential requests over one keep-alive connection (the standard library's http.client,
with request bodies encoded beforehand, so the client's own cost stays small next to the
server's; httpx costs about 0.5 ms a request on its own): single-comment /v1/score calls
and 100-comment batches, drawn from the reader comments of seeds/002 (real comment
lengths). Prints p50/p99 latency and requests/s for both, comments/s for batches, then
the server's single-comment capacity with several connections sending at once, and
stops the server. Bounded: fixed counts, and a time limit per phase. A GET /health phase
first shows what the HTTP stack alone costs per request.

    python scripts/bench_api.py [--single 2000] [--batch 300] [--batch-size 100]
"""
from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "002_2ede61ddf366503b.txt"
TARGETS = {"single_p50_ms": 3.0, "single_p99_ms": 15.0, "single_rps": 800.0, "batch_comments_per_s": 20_000.0}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def corpus() -> list[str]:
    """The reader comments of the seed page with comments."""
    from moderation.segment import segment_page
    return [c.text for c in segment_page(SEED.read_text(encoding="utf-8")).comments]


def start_server(port: int, model: str | None) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k != "MODERATION_API_KEYS"}
    cmd = [sys.executable, "-m", "moderation.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
           "--workers", "1", *(["--model", model] if model else [])]
    return subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


class Client:
    """One keep-alive HTTP/1.1 connection; returns (status, body bytes)."""

    def __init__(self, port: int):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def request(self, body: bytes | None) -> tuple[int, bytes]:
        if body is None:
            self.conn.request("GET", "/health")
        else:
            self.conn.request("POST", "/v1/score", body, {"Content-Type": "application/json"})
        resp = self.conn.getresponse()
        return resp.status, resp.read()

    def close(self) -> None:
        self.conn.close()


def wait_ready(port: int, server: subprocess.Popen, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"server exited with {server.returncode}:\n{server.stderr.read()}")
        try:
            client = Client(port)
            if client.request(None)[0] == 200:
                client.close()
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"server not ready after {timeout:.0f} s")


def run(client: Client, payloads: list[bytes | None], time_limit: float) -> tuple[np.ndarray, float]:
    """Send payloads in order (None: GET /health); per-request latencies (s) and total wall time,
    stopping at the time limit."""
    latencies = []
    start = time.perf_counter()
    for payload in payloads:
        t0 = time.perf_counter()
        status, body = client.request(payload)
        latencies.append(time.perf_counter() - t0)
        if status != 200:
            raise SystemExit(f"unexpected {status}: {body[:300]!r}")
        if t0 - start > time_limit:
            print(f"  time limit {time_limit:.0f} s reached after {len(latencies)} requests")
            break
    return np.asarray(latencies), time.perf_counter() - start


def run_concurrent(port: int, payloads: list[bytes], connections: int) -> tuple[int, float]:
    """Send the payloads over several keep-alive connections at once (one thread each);
    returns (requests done, wall time). The server's capacity, not one client's round trip."""
    from concurrent.futures import ThreadPoolExecutor

    def worker(share: list[bytes]) -> int:
        client = Client(port)
        try:
            for body in share:
                status, text = client.request(body)
                if status != 200:
                    raise SystemExit(f"unexpected {status}: {text[:300]!r}")
        finally:
            client.close()
        return len(share)

    shares = [payloads[i::connections] for i in range(connections)]
    start = time.perf_counter()
    with ThreadPoolExecutor(connections) as pool:
        done = sum(pool.map(worker, shares))
    return done, time.perf_counter() - start


def report(name: str, lat: np.ndarray, wall: float, batch: int) -> dict[str, float]:
    p50, p99 = np.percentile(lat, [50, 99]) * 1000
    rps = len(lat) / wall
    print(f"{name:<8} n={len(lat):<5} p50={p50:.2f} ms  p99={p99:.2f} ms  {rps:,.0f} requests/s"
          + (f"  {rps * batch:,.0f} comments/s" if batch > 1 else ""))
    return {"p50_ms": p50, "p99_ms": p99, "rps": rps, "comments_per_s": rps * batch}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--single", type=int, default=2000, help="single-comment requests (default 2000)")
    parser.add_argument("--batch", type=int, default=300, help="batch requests (default 300)")
    parser.add_argument("--batch-size", type=int, default=100, help="comments per batch (default 100)")
    parser.add_argument("--time-limit", type=float, default=120.0, help="seconds per phase at most (default 120)")
    parser.add_argument("--connections", type=int, default=4,
                        help="connections for the concurrent single-comment phase (default 4)")
    parser.add_argument("--model", help="model file (default: the shipped one)")
    args = parser.parse_args()

    texts = corpus()
    cycle = itertools.cycle(texts)
    singles = [json.dumps({"comments": [next(cycle)]}).encode() for _ in range(args.single)]
    batches = [json.dumps({"comments": [next(cycle) for _ in range(args.batch_size)]}).encode()
               for _ in range(args.batch)]
    mean_chars = np.mean([len(t) for t in texts])
    print(f"corpus: {len(texts)} reader comments from {SEED.name}, mean {mean_chars:.0f} characters")

    port = free_port()
    server = start_server(port, args.model)
    try:
        wait_ready(port, server)
        client = Client(port)
        try:
            run(client, singles[:200] + batches[:10], args.time_limit)          # warm-up
            report("health", *run(client, [None] * 1000, args.time_limit), 1)   # the HTTP stack's floor
            single = report("single", *run(client, singles, args.time_limit), 1)
            batch = report("batch", *run(client, batches, args.time_limit), args.batch_size)
        finally:
            client.close()
        done, wall = run_concurrent(port, singles, args.connections)
        concurrent_rps = done / wall
        print(f"single, {args.connections} connections at once: n={done}  {concurrent_rps:,.0f} requests/s")
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()

    print(f"  sequential single-comment rate: {single['rps']:,.0f} requests/s (one client, one request at a time)")
    got = {"single_p50_ms": single["p50_ms"], "single_p99_ms": single["p99_ms"], "single_rps": concurrent_rps,
           "batch_comments_per_s": batch["comments_per_s"]}
    for key, target in TARGETS.items():
        met = got[key] <= target if key.endswith("_ms") else got[key] >= target
        print(f"  {key:<22} {got[key]:>10,.2f}  target {'<=' if key.endswith('_ms') else '>='} {target:,.0f}"
              f"  {'met' if met else 'MISSED'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
