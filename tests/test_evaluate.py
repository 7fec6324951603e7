"""scripts/evaluate.py's check on the seed pages' own text: which lines it counts and what it reports."""
from __future__ import annotations

import sys

import pytest

from conftest import SEED_002, SEEDS, load_script
from moderation.segment import segment_page


def test_page_text_leaves_out_every_comment_and_keeps_the_article() -> None:
    evaluate = load_script("evaluate")
    lines = evaluate.page_text_lines([SEED_002])
    comments = [c.text for c in segment_page(SEED_002.read_text(encoding="utf-8")).comments]
    assert len(comments) == 24
    assert not set(lines) & {c.strip() for c in comments}
    thread = SEED_002.read_text(encoding="utf-8").split("\n")[13:41]          # lines 14-41, 1-based
    assert not set(lines) & {t.strip() for t in thread}
    assert any(line.startswith("Le ministre russe des Affaires étrangères Sergueï Lavrov") for line in lines)
    assert all(len(line.split()) >= evaluate.MIN_PAGE_WORDS for line in lines)


def test_page_text_flags_counts_the_shipped_models_flags() -> None:
    evaluate = load_script("evaluate")
    result = evaluate.page_text_flags(seeds=SEEDS)
    assert result["pages"] == 5 and result["lines"] > 50
    counts = result["flagged"]
    assert set(counts) == {"insult", "masked", "hostility"}
    assert counts["masked"] == 0                        # no page text carries site masking
    assert max(counts.values()) <= result["any_label"] <= min(sum(counts.values()), result["lines"])


def test_evaluate_without_a_model_file_says_so_and_goes_on(tmp_path, monkeypatch, capsys) -> None:
    evaluate = load_script("evaluate")

    class ReachedTraining(Exception):
        pass

    def stop_at_training(data=None):
        raise ReachedTraining

    monkeypatch.setattr(evaluate, "load_training_data", stop_at_training)
    monkeypatch.setattr(sys, "argv", ["evaluate.py", "--model", str(tmp_path / "missing.joblib"), "--no-write"])
    with pytest.raises(ReachedTraining):                 # it went on to the figures it trains for
        evaluate.main()
    err = capsys.readouterr().err
    assert "skipping the seed pages' own text" in err and "moderation train" in err
