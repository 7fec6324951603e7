"""Decisions against a real `moderation serve --store` process: two moderators at once lose nothing,
replays are stored once, and kill -9 mid-stream loses no acknowledged decision (SQLite and PostgreSQL)."""
from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from conftest import SEEDS
from moderation.audit import store
from moderation.cli import main as cli
from servers import Server

pytestmark = pytest.mark.slow


def call(base: str, method: str, path: str, body=None, headers=None, timeout: float = 30) -> tuple[int, dict]:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method,
                                 headers={"content-type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request, tmp_path) -> str:
    """An audit store over the seed pages, on SQLite or on the suite's PostgreSQL server."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'audit.sqlite'}"
    else:
        request.applymarker(pytest.mark.postgres)
        url = request.getfixturevalue("pg_url")
    assert cli(["audit", str(SEEDS), "--db", url, "--out", str(tmp_path / "report"), "--format", "jsonl"]) == 0
    return url


def stored(url: str) -> dict[int, tuple]:
    engine = store.open_store(url)
    with engine.connect() as conn:
        d = store.decisions.c
        out = {r[0]: tuple(r[1:]) for r in conn.execute(select(d.id, d.comment_id, d.action, d.moderator, d.insult))}
    engine.dispose()
    return out


def test_two_moderators_deciding_the_same_queue_at_once_lose_nothing(store_url):
    server = Server(["serve", "--store", store_url, "--workers", "2"]).wait_ready()
    try:
        status, queue = call(server.base, "GET", "/v1/review/queue?limit=100")
        assert status == 200, queue
        ids = [i["comment_id"] for i in queue["items"]]
        assert len(ids) >= 8                                 # the seed comments the model flags
        acked: dict[int, tuple] = {}
        lock = threading.Lock()
        start = threading.Barrier(2)

        def moderate(name: str, action: str) -> None:
            start.wait()
            for rounds in range(3):                          # both go through the same comments, three times
                for cid in ids:
                    body = {"decisions": [{"comment_id": cid, "action": action, "moderator": name,
                                           "labels": {"insult": "yes" if action == "hide" else "no"}}]}
                    code, out = call(server.base, "POST", "/v1/decisions", body)
                    assert code == 201, out
                    d = out["decisions"][0]
                    with lock:
                        acked[d["decision_id"]] = (cid, action, name, action == "hide")

        with ThreadPoolExecutor(2) as pool:
            for f in [pool.submit(moderate, "awa", "hide"), pool.submit(moderate, "issa", "keep")]:
                f.result()
        assert len(acked) == 2 * 3 * len(ids)
        assert stored(store_url) == acked                    # every acknowledged decision, exactly as sent
        status, after = call(server.base, "GET", "/v1/review/queue")
        assert after["progress"]["reviewed"] == len(ids)
    finally:
        server.stop()


def test_concurrent_replays_of_one_request_store_it_once(store_url):
    server = Server(["serve", "--store", store_url, "--workers", "2"]).wait_ready()
    try:
        _, queue = call(server.base, "GET", "/v1/review/queue?limit=3")
        body = {"decisions": [{"comment_id": i["comment_id"], "action": "hide", "moderator": "cms"}
                              for i in queue["items"]]}
        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(lambda _: call(server.base, "POST", "/v1/decisions", body,
                                                   {"Idempotency-Key": "retry-42"}), range(16)))
        assert {code for code, _ in answers} == {201}
        assert len({json.dumps(out["decisions"]) for _, out in answers}) == 1
        assert sum(not out["replayed"] for _, out in answers) == 1
        assert len(stored(store_url)) == 3
    finally:
        server.stop()


def test_kill_9_mid_stream_loses_no_acknowledged_decision(store_url):
    server = Server(["serve", "--store", store_url]).wait_ready()
    _, queue = call(server.base, "GET", "/v1/review/queue?limit=100")
    ids = [i["comment_id"] for i in queue["items"]]
    acked: dict[int, tuple] = {}
    failures: list[str] = []
    stop = threading.Event()

    def stream(name: str) -> None:
        n = 0
        while not stop.is_set():
            cid = ids[n % len(ids)]
            n += 1
            body = {"decisions": [{"comment_id": cid, "action": "hide", "moderator": name, "labels": {"insult": "yes"}}]}
            try:
                code, out = call(server.base, "POST", "/v1/decisions", body, timeout=10)
            except OSError as exc:               # the server died under this request: not acknowledged
                failures.append(type(exc).__name__)
                return
            if code == 201:
                acked[out["decisions"][0]["decision_id"]] = (cid, "hide", name, True)

    threads = [threading.Thread(target=stream, args=(f"m{i}",)) for i in range(3)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 60
    while len(acked) < 150 and time.monotonic() < deadline:
        time.sleep(0.01)
    server.kill()
    stop.set()
    for t in threads:
        t.join(30)
    server.stop()
    assert len(acked) >= 150, server.failure()
    after = stored(store_url)
    missing = set(acked) - set(after)
    assert not missing, f"{len(missing)} acknowledged decisions lost"
    assert {k: after[k] for k in acked} == acked
    # the store is consistent after the crash: it opens, and takes new decisions
    restarted = Server(["serve", "--store", store_url]).wait_ready()
    try:
        code, _ = call(restarted.base, "POST", "/v1/decisions",
                       {"decisions": [{"comment_id": ids[0], "action": "keep", "moderator": "after"}]})
        assert code == 201
    finally:
        restarted.stop()
