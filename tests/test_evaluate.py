"""scripts/evaluate.py's check on the seed pages' own text: which lines it counts and what it reports."""
from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path

from conftest import SEED_002, SEEDS
from moderation.segment import segment_page

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "evaluate.py"


def load_evaluate():
    """scripts/ is not a package: import the script by path."""
    spec = importlib.util.spec_from_file_location("evaluate", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_page_text_leaves_out_every_comment_and_keeps_the_article(tmp_path: Path) -> None:
    evaluate = load_evaluate()
    page = tmp_path / SEED_002.name
    shutil.copy(SEED_002, page)
    lines = evaluate.page_text_lines([page])
    comments = [c.text for c in segment_page(SEED_002.read_text(encoding="utf-8")).comments]
    assert len(comments) == 24
    assert not set(lines) & {c.strip() for c in comments}
    thread = SEED_002.read_text(encoding="utf-8").split("\n")[13:41]          # lines 14-41, 1-based
    assert not set(lines) & {t.strip() for t in thread}
    assert any(line.startswith("Le ministre russe des Affaires étrangères Sergueï Lavrov") for line in lines)
    assert all(len(line.split()) >= evaluate.MIN_PAGE_WORDS for line in lines)


def test_page_text_flags_counts_the_shipped_models_flags() -> None:
    evaluate = load_evaluate()
    result = evaluate.page_text_flags(seeds=SEEDS)
    assert result["pages"] == 5 and result["lines"] > 50
    counts = result["flagged"]
    assert set(counts) == {"insult", "masked", "hostility"}
    assert counts["masked"] == 0                        # no page text carries site masking
    assert max(counts.values()) <= result["any_label"] <= min(sum(counts.values()), result["lines"])
