"""The HTTP API through FastAPI's TestClient: endpoints, limits, auth, bad input, start-up failures."""
from __future__ import annotations

import argparse
import json
import logging
import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from conftest import flag_matrix
from fastapi.testclient import TestClient

from moderation.scoring import Moderator, ModelError
from moderation.scoring.modelfile import manifest_path, shipped_model_path
from moderation.segment import segment_page
from moderation.service import Settings, create_app
from moderation.service import serve
from moderation.service.settings import key_id

SEED = Path(__file__).resolve().parent.parent / "seeds" / "002_2ede61ddf366503b.txt"
HTML = ("<html><body><article><p>Le ministre a parlé.</p></article><section id='comments'>"
        "<div class='comment'><span class='comment-author'>Awa</span><p>Bande de chiens corrompus !</p></div>"
        "<div class='comment'><span class='comment-author'>Issa</span><p>Merci pour cet article.</p></div>"
        "</section></body></html>")
KEY = "s3cret-key"


@pytest.fixture(scope="module")
def moderator() -> Moderator:
    return Moderator.load()


@pytest.fixture(scope="module")
def client(moderator: Moderator) -> TestClient:
    return TestClient(create_app(moderator, Settings()))


@pytest.fixture(scope="module")
def small(moderator: Moderator) -> TestClient:
    """Tiny limits so every limit is cheap to reach."""
    limits = Settings(max_comments=3, max_chars=50, max_body_bytes=2_000, max_explain_chars=60)
    return TestClient(create_app(moderator, limits))


@pytest.fixture(scope="module")
def locked(moderator: Moderator) -> TestClient:
    return TestClient(create_app(moderator, Settings(api_keys=("other-key", KEY))))


def post_raw(client: TestClient, path: str, body: str | bytes) -> object:
    return client.post(path, content=body, headers={"content-type": "application/json"})


# --------------------------------------------------------------------------- endpoints

def test_health(client: TestClient, moderator: Moderator) -> None:
    r = client.get("/health")
    assert r.status_code == 200
    assert r.json() == {"status": "ok", "model_version": moderator.version}
    assert r.headers["x-model-version"] == moderator.version


def test_model_info_comes_from_the_manifest(client: TestClient, moderator: Moderator) -> None:
    body = client.get("/v1/model").json()
    assert body["version"] == moderator.version
    assert body["sha256"] == moderator.manifest["sha256"]
    assert body["labels"] == list(moderator.labels)
    assert body["thresholds"] == moderator.thresholds
    assert body["metrics"] == moderator.manifest["metrics"]


def test_score_matches_the_model(client: TestClient, moderator: Moderator) -> None:
    texts = ["les très sales trolls de la très maudite France", "Merci pour cet article.",
             "La Russie est u***** pays qui ont sollicité son aide."]
    payload = {"comments": [texts[0], {"id": "c-7", "text": texts[1]}, {"id": 42, "text": texts[2]}]}
    r = client.post("/v1/score", json=payload)
    assert r.status_code == 200
    body = r.json()
    assert body["model_version"] == moderator.version == r.headers["x-model-version"]
    assert [res["id"] for res in body["results"]] == ["0", "c-7", "42"]   # ids are strings everywhere
    probs = moderator.predict_proba(texts)
    flags = flag_matrix(moderator, texts)
    for res, row, hits in zip(body["results"], probs, flags):
        assert [res["scores"][lab] for lab in moderator.labels] == pytest.approx(row.tolist(), abs=1e-12)
        assert res["labels"] == [lab for lab, hit in zip(moderator.labels, hits) if hit]
        assert res["flagged"] == bool(hits.any())
        assert "evidence" not in res
    assert body["results"][0]["flagged"]


def test_score_explain_gives_spans_inside_each_comment(client: TestClient, moderator: Moderator) -> None:
    text = "Poutine fait pleurer les sales trolls de la maudite France"
    res = client.post("/v1/score", json={"comments": [text], "explain": True}).json()["results"][0]
    assert set(res["evidence"]) == set(moderator.labels)
    insult = res["evidence"]["insult"]
    assert insult, "an insulting comment has insult evidence"
    for ev in insult:
        assert ev["weight"] > 0
        for start, end in ev["spans"]:
            assert 0 <= start < end <= len(text)


def test_ids_beyond_64_bits_round_trip(client: TestClient) -> None:
    ids = [2**64 + 1, -(10**30), "é\u2028"]
    body = client.post("/v1/score", json={"comments": [{"id": i, "text": "x"} for i in ids]}).json()
    assert [res["id"] for res in body["results"]] == [str(i) for i in ids]   # as strings, digit for digit


def test_empty_comment_list_gives_empty_results(client: TestClient, moderator: Moderator) -> None:
    r = client.post("/v1/score", json={"comments": []})
    assert r.status_code == 200
    assert r.json() == {"model_version": moderator.version, "results": []}


def test_segment_text_page(client: TestClient, moderator: Moderator) -> None:
    page = SEED.read_text(encoding="utf-8")
    r = client.post("/v1/segment", json={"page": page})
    assert r.status_code == 200
    body = r.json()
    assert body.pop("model_version") == moderator.version
    assert body == segment_page(page).to_dict()
    assert body["format"] == "text" and len(body["comments"]) > 5


def test_segment_html_forum_gives_subject_quote_and_reply_fields(client: TestClient) -> None:
    page = (Path(__file__).resolve().parent / "segmenter_pages" / "ht_dev2_phpbb_blockquote_01.html").read_text(
        encoding="utf-8")
    r = client.post("/v1/segment", json={"page": page, "format": "html"})
    assert r.status_code == 200
    comments = r.json()["comments"]
    assert comments == segment_page(page).to_dict()["comments"]
    reply = comments[1]
    assert reply["title"].startswith("Re: Cotonou") and reply["quoted"].startswith("La Société béninoise")
    assert reply["author"] == "Akpovi" and "a écrit" not in reply["text"] and reply["parent"] is None


def test_segment_rejects_an_unknown_format(client: TestClient) -> None:
    r = client.post("/v1/segment", json={"page": "x", "format": "pdf"})
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "format"]


def test_moderate_page_scores_every_comment(client: TestClient, moderator: Moderator) -> None:
    r = client.post("/v1/moderate-page", json={"page": HTML, "format": "auto"})
    assert r.status_code == 200
    body = r.json()
    expected = segment_page(HTML)
    assert body["format"] == "html" and body["model_version"] == moderator.version
    assert [c["text"] for c in body["comments"]] == [c.text for c in expected.comments]
    assert [c["author"] for c in body["comments"]] == ["Awa", "Issa"]
    probs = moderator.predict_proba([c.text for c in expected.comments])
    for c, row in zip(body["comments"], probs):
        assert [c["scores"][lab] for lab in moderator.labels] == pytest.approx(row.tolist(), abs=1e-12)
        assert c["path"] and "flagged" in c
    summary = body["summary"]
    assert summary["comments"] == 2
    assert summary["flagged"] == sum(c["flagged"] for c in body["comments"])
    for lab in moderator.labels:
        assert summary["labels"][lab] == sum(lab in c["labels"] for c in body["comments"])


def test_page_without_comments(client: TestClient) -> None:
    body = client.post("/v1/moderate-page", json={"page": "Un article.\nSans commentaires."}).json()
    assert body["comments"] == [] and body["summary"]["comments"] == 0


def test_openapi_schema_is_served(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/health", "/v1/model", "/v1/score", "/v1/segment", "/v1/moderate-page"} <= set(paths)
    assert client.get("/docs").status_code == 200


# --------------------------------------------------------------------------- limits

def test_too_many_comments(small: TestClient) -> None:
    r = small.post("/v1/score", json={"comments": ["a"] * 4})
    assert r.status_code == 413
    assert "limit is 3" in r.json()["detail"] and "MODERATION_MAX_COMMENTS" in r.json()["detail"]


def test_page_with_too_many_comments(small: TestClient) -> None:
    page = "".join(f"Merci pour cet article, vraiment utile pour nous tous ({i}) !\n" for i in range(5))
    r = small.post("/v1/moderate-page", json={"page": page, "format": "text"})
    assert r.status_code == 413 and "MODERATION_MAX_COMMENTS" in r.json()["detail"]


def test_comment_too_long_names_the_item(small: TestClient) -> None:
    r = small.post("/v1/score", json={"comments": ["ok", {"id": "long-one", "text": "x" * 51}]})
    assert r.status_code == 422
    detail = r.json()["detail"]
    assert "comment 1" in detail and "'long-one'" in detail and "limit is 50" in detail


def test_body_too_large_by_content_length(small: TestClient) -> None:
    r = small.post("/v1/score", json={"comments": ["x" * 40] * 3, "pad": "y" * 3000})
    assert r.status_code == 413
    assert "2000 bytes" in r.json()["detail"]
    assert r.headers["x-model-version"]


def test_body_too_large_when_streamed_without_length(small: TestClient) -> None:
    chunks = iter([b'{"comments": ["', b"z" * 1500, b"z" * 1500, b'"]}'])
    r = small.post("/v1/score", content=chunks, headers={"content-type": "application/json"})
    assert r.status_code == 413


def test_explain_budget(small: TestClient) -> None:
    r = small.post("/v1/score", json={"comments": ["x" * 40, "y" * 40], "explain": True})
    assert r.status_code == 422 and "MODERATION_MAX_EXPLAIN_CHARS" in r.json()["detail"]
    assert small.post("/v1/score", json={"comments": ["x" * 40, "y" * 40]}).status_code == 200


def test_settings_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MODERATION_MAX_COMMENTS", "7")
    monkeypatch.setenv("MODERATION_API_KEYS", " a, b ,,")
    monkeypatch.setenv("MODERATION_LOG_TEXT", "true")
    s = Settings.from_env()
    assert (s.max_comments, s.api_keys, s.log_text, s.max_chars) == (7, ("a", "b"), True, 20_000)
    monkeypatch.setenv("MODERATION_MAX_BODY_BYTES", "lots")
    with pytest.raises(ValueError, match="MODERATION_MAX_BODY_BYTES"):
        Settings.from_env()


# --------------------------------------------------------------------------- auth

@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer nope"}, {"Authorization": f"Basic {KEY}"},
                                     {"Authorization": "Bearer "}])
def test_v1_needs_a_valid_key(locked: TestClient, headers: dict) -> None:
    for r in (locked.get("/v1/model", headers=headers),
              locked.post("/v1/score", json={"comments": ["x"]}, headers=headers)):
        assert r.status_code == 401
        assert r.headers["www-authenticate"].startswith("Bearer")


def test_right_key_passes_and_health_stays_open(locked: TestClient) -> None:
    ok = {"Authorization": f"Bearer {KEY}"}
    assert locked.post("/v1/score", json={"comments": ["x"]}, headers=ok).status_code == 200
    assert locked.get("/v1/model", headers=ok).status_code == 200
    assert locked.get("/health").status_code == 200


def test_keys_are_logged_only_as_hash_prefixes(locked: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="moderation.access"):
        locked.get("/v1/model", headers={"Authorization": f"Bearer {KEY}"})
    line = json.loads(caplog.records[-1].getMessage())
    assert line["key_id"] == key_id(KEY)
    assert KEY not in caplog.text


# --------------------------------------------------------------------------- bad input

def test_malformed_json_says_so(client: TestClient) -> None:
    r = post_raw(client, "/v1/score", '{"comments": ["a", ]}')
    assert r.status_code == 422
    issue = r.json()["detail"][0]
    assert issue["type"] == "json_invalid" and "not valid JSON" in issue["msg"]
    assert r.headers["x-model-version"]


@pytest.mark.parametrize("payload, loc", [
    ({}, ["body", "comments"]),
    ({"comments": "just one"}, ["body", "comments"]),
    ({"comments": [{"id": 1}]}, ["body", "comments", 0]),
    ({"comments": [{"text": 5}]}, ["body", "comments", 0]),
    ({"comments": [{"id": 1.5, "text": "x"}]}, ["body", "comments", 0]),
    ({"comments": ["x"], "explain": "yes"}, ["body", "explain"]),
    ({"page": 3}, ["body", "page"]),
])
def test_wrong_types_and_missing_fields_point_at_the_field(client: TestClient, payload: dict, loc: list) -> None:
    path = "/v1/segment" if "page" in payload else "/v1/score"
    r = client.post(path, json=payload)
    assert r.status_code == 422
    assert any(issue["loc"][:len(loc)] == loc for issue in r.json()["detail"]), r.json()


@pytest.mark.parametrize("body", [b"", b"null", b"[]", b"\xff\xfe not utf-8", b'{"comments": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"])
def test_unusable_bodies_get_a_4xx(client: TestClient, body: bytes) -> None:
    r = post_raw(client, "/v1/score", body)
    assert 400 <= r.status_code < 500
    assert "detail" in r.json()


def test_submitted_text_is_not_echoed_in_errors(client: TestClient) -> None:
    r = client.post("/v1/score", json={"comments": [{"id": "secret comment", "text": None}]})
    assert r.status_code == 422 and "secret comment" not in r.text


ODD = ["", " ", "\x00", "a\x00b", "😀🔥💩", "\u202eRTL\u202c", "e\u0301" * 50, "\ufeff", "\r\n\t",
       "<script>alert(1)</script>", "é" * 50, "**** ***** ******", "\U0010ffff", "ﬁ ᵃ Ⅻ ①"]


def test_odd_strings_score_cleanly(client: TestClient) -> None:
    body = client.post("/v1/score", json={"comments": ODD, "explain": True}).json()
    assert len(body["results"]) == len(ODD)
    for res in body["results"]:
        assert all(0.0 <= v <= 1.0 and math.isfinite(v) for v in res["scores"].values())


@pytest.mark.parametrize("raw", ['"\\ud800"', '"x\\udfffy"', '"\\udc00\\ud800"', '"\\ud83d\\ude00"'])
def test_lone_surrogates_in_json_are_accepted(client: TestClient, raw: str) -> None:
    for path, body in (("/v1/score", f'{{"comments": [{raw}, {{"id": {raw}, "text": {raw}}}], "explain": true}}'),
                       ("/v1/moderate-page", f'{{"page": {raw}}}'),
                       ("/v1/segment", f'{{"page": "<html><body><div class=\\"comment\\">{raw[1:-1]}</div>"}}')):
        r = post_raw(client, path, body)
        assert r.status_code == 200, (path, r.text)
        r.content.decode("utf-8")   # always valid UTF-8 out


def test_a_bug_becomes_a_logged_500_without_details(moderator: Moderator, monkeypatch: pytest.MonkeyPatch,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    app_client = TestClient(create_app(moderator, Settings()), raise_server_exceptions=False)

    def broken(texts: list[str]) -> np.ndarray:
        raise RuntimeError("scoring exploded")
    monkeypatch.setattr(moderator, "predict_proba", broken)
    with caplog.at_level(logging.INFO):
        r = app_client.post("/v1/score", json={"comments": ["x"]})
    assert r.status_code == 500 and "exploded" not in r.text
    assert r.headers["x-model-version"] == moderator.version
    assert "scoring exploded" in caplog.text


# --------------------------------------------------------------------------- access log

def test_access_log_is_one_json_line_without_text(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="moderation.access"):
        client.post("/v1/score", json={"comments": ["texte privé du lecteur", "b"]})
    records = [r for r in caplog.records if r.name == "moderation.access"]
    assert len(records) == 1
    line = json.loads(records[0].getMessage())
    assert {"method": "POST", "path": "/v1/score", "status": 200, "n_comments": 2}.items() <= line.items()
    assert line["latency_ms"] >= 0 and line["model_version"]
    assert "privé" not in caplog.text


def test_access_log_has_text_in_debug_mode(moderator: Moderator, caplog: pytest.LogCaptureFixture) -> None:
    debug = TestClient(create_app(moderator, Settings(log_text=True)))
    with caplog.at_level(logging.INFO, logger="moderation.access"):
        debug.post("/v1/score", json={"comments": ["texte privé"]})
    assert json.loads(caplog.records[-1].getMessage())["texts"] == ["texte privé"]


# --------------------------------------------------------------------------- start-up

@pytest.fixture()
def tampered(tmp_path: Path) -> Path:
    """A copy of the shipped model with one byte flipped (its manifest unchanged)."""
    model = tmp_path / shipped_model_path().name
    shutil.copyfile(shipped_model_path(), model)
    shutil.copyfile(manifest_path(shipped_model_path()), manifest_path(model))
    data = bytearray(model.read_bytes())
    data[len(data) // 2] ^= 0xFF
    model.write_bytes(bytes(data))
    return model


def serve_args(**kw: object) -> argparse.Namespace:
    return argparse.Namespace(**{"host": None, "port": 8000, "workers": 1, "model": None, "log_text": False, **kw})


@pytest.fixture()
def no_server(monkeypatch: pytest.MonkeyPatch) -> list[tuple[tuple, dict]]:
    """Record uvicorn.run calls instead of serving."""
    import uvicorn
    calls: list[tuple[tuple, dict]] = []
    monkeypatch.setattr(uvicorn, "run", lambda *a, **kw: calls.append((a, kw)))
    monkeypatch.delenv("MODERATION_API_KEYS", raising=False)
    return calls


def test_tampered_model_fails_startup_with_the_message(tampered: Path, no_server: list,
                                                       capsys: pytest.CaptureFixture,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    assert serve.main(serve_args(model=str(tampered))) == 2
    assert "does not match its manifest" in capsys.readouterr().err
    assert no_server == []
    monkeypatch.setenv("MODERATION_MODEL", str(tampered))
    with pytest.raises(ModelError, match="does not match its manifest"):
        create_app(settings=Settings())


def test_missing_model_fails_startup(tmp_path: Path, no_server: list, capsys: pytest.CaptureFixture) -> None:
    assert serve.main(serve_args(model=str(tmp_path / "absent.joblib"))) == 2
    assert "not found" in capsys.readouterr().err and no_server == []


def test_main_binds_loopback_by_default(no_server: list, capsys: pytest.CaptureFixture) -> None:
    assert serve.main(serve_args()) == 0
    (app,), options = no_server[0]
    assert options["host"] == "127.0.0.1" and "warning" not in capsys.readouterr().err
    assert TestClient(app).get("/health").status_code == 200


def test_main_warns_on_public_bind_without_keys(no_server: list, capsys: pytest.CaptureFixture,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    serve.main(serve_args(host="0.0.0.0"))
    assert "warning" in capsys.readouterr().err
    monkeypatch.setenv("MODERATION_API_KEYS", KEY)
    serve.main(serve_args(host="0.0.0.0"))
    err = capsys.readouterr().err
    assert "warning" not in err and KEY not in err and key_id(KEY) in err


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow
def test_serve_with_two_workers_answers_and_stops_cleanly(tmp_path: Path) -> None:
    """`moderation serve --workers 2` as a user runs it: both workers load the model, requests are
    answered, the settings reach the workers without any environment variable, SIGTERM stops all."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MODERATION_")}
    proc = subprocess.Popen([sys.executable, "-m", "moderation.cli", "serve", "--workers", "2", "--port", str(port)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        pids = set()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and len(pids) < 2:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5) as r:
                    assert json.load(r)["status"] == "ok"
                req = urllib.request.Request(f"http://127.0.0.1:{port}/v1/score", method="POST",
                                             data=json.dumps({"comments": ["Bande de chiens corrompus"]}).encode(),
                                             headers={"content-type": "application/json", "connection": "close"})
                with urllib.request.urlopen(req, timeout=5) as r:
                    body = json.load(r)
                assert body["results"][0]["id"] == "0" and 0 <= body["results"][0]["scores"]["insult"] <= 1
                pids.add(r.headers.get("x-worker-pid") or "one")
                break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.5)
        assert pids, "the server never answered"
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "2 workers" in err


def test_a_body_not_sent_as_json_says_how_to_send_it(client: TestClient) -> None:
    r = client.post("/v1/score", content=b'{"comments": ["x"]}', headers={"content-type": "text/plain"})
    assert r.status_code == 415
    assert "Content-Type: application/json" in r.json()["detail"] and "text/plain" in r.json()["detail"]
    r = client.post("/v1/score", content=b'{"comments": ["x"]}', headers={"content-type": ""})
    assert r.status_code == 415


def test_a_latin1_or_binary_body_is_named_not_utf8(client: TestClient) -> None:
    body = '{"comments": ["Très bien"]}'.encode("latin-1")
    r = post_raw(client, "/v1/score", body)
    assert r.status_code == 400 and "not UTF-8" in r.json()["detail"] and "0xe8" in r.json()["detail"]
    r = post_raw(client, "/v1/moderate-page", bytes(range(256)))
    assert r.status_code == 400 and "UTF-8" in r.json()["detail"]
