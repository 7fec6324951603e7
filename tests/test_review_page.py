"""The review page in headless Chromium against `moderation review --db URL`: a moderator decides three
comments with the keyboard, undoes one, reloads, and the database holds exactly those decisions."""
from __future__ import annotations

import json
import sqlite3
import urllib.request

import pytest

from conftest import SEEDS
from moderation.cli import main as cli
from servers import Server

pytestmark = [pytest.mark.slow, pytest.mark.browser]
KEY = "page-key"


@pytest.fixture
def db(tmp_path):
    out = tmp_path / "report"
    assert cli(["audit", str(SEEDS), "--out", str(out), "--format", "jsonl"]) == 0
    return out / "audit.sqlite"


def queue(base: str, headers=None) -> dict:
    req = urllib.request.Request(base + "/v1/review/queue?limit=100", headers=headers or {})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read())


def settle(page) -> None:
    """Wait until the page has no request in flight (CSS selectors: the page's CSP forbids eval)."""
    page.wait_for_selector("html[data-busy='0']", state="attached")


def ready(page) -> None:
    page.wait_for_selector("html[data-ready='1']", state="attached")
    settle(page)


def rows(db, sql: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def sign_in(page, base: str, lang: str, name: str = "Awa") -> None:
    page.goto(f"{base}/review?lang={lang}")
    page.wait_for_selector("#login:not([hidden])")
    page.fill("#moderator", name)
    page.click("#login button[type=submit]")
    ready(page)


def test_decide_three_with_the_keyboard_undo_one_reload_and_find_exactly_those_rows(db, chromium):
    server = Server(["review", "--db", f"sqlite:///{db}"]).wait_ready()
    page = chromium.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        expected = queue(server.base)
        total = expected["progress"]["total"]
        first, second, third = [i["comment_id"] for i in expected["items"][:3]]
        sign_in(page, server.base, "en")
        assert page.inner_text("#progress") == f"0 of {total} reviewed"
        cards = page.locator(".item")
        assert cards.count() == min(20, total)
        assert page.locator(".item.current").get_attribute("data-comment-id") == str(first)
        assert page.locator(".item.current mark").count() > 0          # evidence highlighted

        page.keyboard.press("1")        # insult: yes -> no (the moderator overturns it)
        page.keyboard.press("h")        # hide the first
        settle(page)
        assert page.locator(".item.current").get_attribute("data-comment-id") == str(second)
        page.keyboard.press("k")        # keep the second
        settle(page)
        page.keyboard.press("3")        # hostility: model's verdict -> next state
        page.keyboard.press("h")        # hide the third
        settle(page)
        assert page.inner_text("#progress") == f"3 of {total} reviewed"
        page.keyboard.press("u")        # undo the last decision (the third)
        settle(page)
        assert page.inner_text("#progress") == f"2 of {total} reviewed"
        assert page.locator(".item.current").get_attribute("data-comment-id") == str(third)

        page.reload()
        ready(page)                     # the name is remembered: straight to the queue
        assert page.inner_text("#progress") == f"2 of {total} reviewed"
        shown = page.locator(".item").evaluate_all("els => els.map(e => Number(e.dataset.commentId))")
        assert first not in shown and second not in shown and shown[0] == third
        assert not errors, errors
    finally:
        page.close()
        server.stop()
    items = {i["comment_id"]: i for i in expected["items"]}
    model = {cid: {lab: lab in items[cid]["labels"] for lab in ("insult", "masked", "hostility")}
             for cid in (first, second, third)}
    stored = rows(db, "SELECT id, comment_id, action, undoes, moderator, insult, masked, hostility "
                      "FROM decisions ORDER BY id")
    assert [(r[1], r[2], r[3], r[4]) for r in stored] == [
        (first, "hide", None, "Awa"), (second, "keep", None, "Awa"), (third, "hide", None, "Awa"), (third, "undo", 3, "Awa")]
    # the labels as the moderator left them: insult overturned on the first, the model's verdicts on the second
    assert stored[0][5] == (not model[first]["insult"]) and stored[0][6] == model[first]["masked"]
    assert (stored[1][5], stored[1][6], stored[1][7]) == (model[second]["insult"], model[second]["masked"],
                                                          model[second]["hostility"])


def test_the_page_asks_for_the_api_key_refuses_a_wrong_one_and_speaks_french(db, chromium):
    server = Server(["review", "--db", f"sqlite:///{db}"], env={"MODERATION_API_KEYS": KEY}).wait_ready()
    page = chromium.new_page()
    try:
        total = queue(server.base, {"Authorization": f"Bearer {KEY}"})["progress"]["total"]
        page.goto(f"{server.base}/review?lang=fr")
        page.wait_for_selector("#key-row:not([hidden])")
        assert "clé" in page.inner_text("#login-error")
        page.fill("#moderator", "Issa")
        page.fill("#api-key", "wrong")
        page.click("#login button[type=submit]")
        page.wait_for_selector("#login-error:has-text('refusée')")
        page.fill("#api-key", KEY)
        page.click("#login button[type=submit]")
        ready(page)
        assert page.inner_text("#progress") == f"0 sur {total} examinés"
        assert page.inner_text("h1") == "File de modération"
        page.keyboard.press("h")
        settle(page)
        assert page.inner_text("#progress") == f"1 sur {total} examinés"
        assert page.evaluate("sessionStorage.getItem('moderation.apiKey')") == KEY
    finally:
        page.close()
        server.stop()
    assert rows(db, "SELECT moderator, action FROM decisions") == [("Issa", "hide")]
