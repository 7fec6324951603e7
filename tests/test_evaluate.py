"""The quality figures as scripts/evaluate.py computes them: what they count, on the shipped model."""
from __future__ import annotations

import subprocess
import sys

from conftest import ROOT, SEED_002, SEEDS
from moderation.segment import segment_page
from moderation.training import evaluation as E


def test_page_text_leaves_out_every_comment_and_keeps_the_article() -> None:
    lines = E.page_text_lines([SEED_002])
    comments = [c.text for c in segment_page(SEED_002.read_text(encoding="utf-8")).comments]
    assert len(comments) == 24
    assert not set(lines) & {c.strip() for c in comments}
    thread = SEED_002.read_text(encoding="utf-8").split("\n")[13:41]          # lines 14-41, 1-based
    assert not set(lines) & {t.strip() for t in thread}
    assert any(line.startswith("Le ministre russe des Affaires étrangères Sergueï Lavrov") for line in lines)
    assert all(len(line.split()) >= E.MIN_PAGE_WORDS for line in lines)


def test_page_text_flags_counts_the_shipped_models_flags(moderator) -> None:
    result = E.page_text_flags(moderator, SEEDS)
    assert result["pages"] == 5 and result["lines"] > 50
    counts = result["flagged"]
    assert set(counts) == {"insult", "masked", "hostility"}
    assert counts["masked"] == 0                        # no page text carries site masking
    assert max(counts.values()) <= result["any_label"] <= min(sum(counts.values()), result["lines"])


def test_behaviour_suite_counts_a_case_as_passed_only_when_every_label_matches(moderator) -> None:
    cases = [{"functionality": "f", "text": "Bande de chiens corrompus", "insult": 1, "masked": 0, "hostility": 1},
             {"functionality": "f", "text": "Bande de chiens corrompus", "insult": 0, "masked": 0, "hostility": 0},
             {"functionality": "g", "text": "Merci pour l'article.", "insult": 0, "masked": 0, "hostility": 0}]
    result = E.behaviour_suite(moderator, cases)
    assert result["pass_rate"] == {"f": 0.5, "g": 1.0} and result["mean"] == 0.75 and result["min"] == 0.5


def test_evaluate_prints_every_target_line(tmp_path) -> None:
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "evaluate.py"), "--no-write", "--data",
                           str(tmp_path / "no-pack")], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = proc.stdout
    assert "== Newsroom test split" in out and "== Behaviour suite" in out and "== Targets" in out
    assert "pack figures skipped" in out                     # the data pack is optional
    assert out.count("met ") + out.count("NOT MET") >= 18
