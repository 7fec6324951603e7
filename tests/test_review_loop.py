"""The whole loop as a user runs it, without the data pack: `moderation audit seeds/ --db URL` -> a moderator
reviews the flagged comments in the browser -> `moderation train --no-pack --extra FILE --decisions URL` ->
`moderation evaluate --decisions URL` shows the retrained model agrees with those decisions ->
`moderation score --thresholds FILE` uses the thresholds evaluate proposed."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import ROOT, SEEDS
from moderation.cli import main as cli
from servers import Server
from test_review_page import ready, settle

pytestmark = [pytest.mark.slow, pytest.mark.browser]

LABELS = ("insult", "masked", "hostility")
#: A moderator's verdicts on the seed thread's flagged comments, read with docs/labels.md:
#: (insult, masked, hostility), None = not judged. Masked-only and masked-benign comments are
#: neither insults nor hostile ("judge the words a reader can still see").
JUDGED = {
    "Sangare c’ est": (1, 1, 1), "La Russie est u*****": (0, 1, 0), "******.": (0, 1, 0), "*****les.": (0, 1, 0),
    "Merci au grand President": (1, 1, 1), "Poutine fait pleurer": (1, 0, 1), "Elle n’a pas apprécié": (0, 1, None),
    "******E PAIN DE SINGE": (1, 1, 1), "APPAREMMENT LES RUSSES": (0, 0, 0), "La Russie tient un double": (0, 1, 0),
    "POUTINE EST UN PUR": (0, 0, 0), "…mais avant": (0, 0, 0),
}
CYCLE = ["yes", "no", ""]          # what one press of 1/2/3 does to a label's verdict on the page


def verdicts_for(text: str) -> tuple:
    return next((v for prefix, v in JUDGED.items() if text.startswith(prefix)), None) or pytest.fail(f"not judged: {text!r}")


def review_in_browser(page, base: str, n: int) -> None:
    page.goto(f"{base}/review?lang=en")
    page.fill("#moderator", "Awa")
    page.click("#login button[type=submit]")
    ready(page)
    for _ in range(n):
        card = page.locator(".item.current")
        target = verdicts_for(card.locator(".text").inner_text())
        for k, (lab, want) in enumerate(zip(LABELS, target)):
            now = card.locator(f".verdict[data-label={lab}]").get_attribute("data-v")
            goal = "" if want is None else ("yes" if want else "no")
            for _ in range((CYCLE.index(goal) - CYCLE.index(now)) % 3):
                page.keyboard.press(str(k + 1))
        page.keyboard.press("h" if target[0] or target[2] else "k")
        settle(page)


def test_audit_review_train_evaluate_on_the_seeds(tmp_path, chromium, capsys):
    out, db = tmp_path / "report", tmp_path / "report" / "audit.sqlite"
    url = f"sqlite:///{db}"
    assert cli(["audit", str(SEEDS), "--db", url, "--out", str(out), "--format", "jsonl"]) == 0
    results = [json.loads(line) for line in (out / "results.jsonl").read_text(encoding="utf-8").splitlines()]
    n = sum(r["flagged"] for r in results)              # the review queue holds the flagged comments
    assert n >= 8

    server = Server(["review", "--db", url]).wait_ready()
    page = chromium.new_page()
    try:
        review_in_browser(page, server.base, n)
        assert page.inner_text("#progress").startswith(f"{n} of ")
    finally:
        page.close()
        server.stop()

    small = tmp_path / "newsroom-400.jsonl"              # a small labelled file from the repository
    small.write_text("".join((ROOT / "data" / "newsroom" / "train.jsonl").read_text(encoding="utf-8")
                             .splitlines(keepends=True)[:400]), encoding="utf-8")
    model = tmp_path / "retrained.joblib"
    assert cli(["train", "--no-pack", "--extra", str(small), "--decisions", url, "--out", str(model)]) == 0
    manifest = json.loads(model.with_suffix(".json").read_text())
    assert any(s["source"] == "decisions:seeds" and s["rows"] == n for s in manifest["sources"])
    capsys.readouterr()

    thresholds = tmp_path / "thresholds.json"
    assert cli(["evaluate", "--decisions", url, "--model", str(model), "--json", "--min-decisions", "5",
                "--out", str(thresholds)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["comments"] == n
    for lab in LABELS:
        m = report["labels"][lab]
        assert m["fp"] == 0 and m["fn"] == 0, (lab, m)   # the retrained model agrees with every verdict
    assert report["labels"]["hostility"]["decisions"] == n - 1      # one hostility left not judged
    assert json.loads(thresholds.read_text())["thresholds"]["seeds"].keys() <= set(LABELS)

    lines = tmp_path / "comments.txt"
    lines.write_text("La Russie est u***** pays qui ont sollicité son aide.\n", encoding="utf-8")
    assert cli(["score", str(lines), "--model", str(model), "--thresholds", str(thresholds), "--site", "seeds"]) == 0
    scored = json.loads(capsys.readouterr().out)
    assert scored["labels"] == ["masked"]
