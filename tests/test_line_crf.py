"""The segmenter's second stage for text dumps: the line CRF (moderation/segment/line_crf.py)."""
from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import pytest

from moderation.segment import line_crf, segment_page
from moderation.segment.lines import Unit, blank_flags, numbered_lines, segment_units

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "002_2ede61ddf366503b.txt"


def _first_stage(text: str):
    units = [Unit(text=line.strip(), line=i) for i, line in numbered_lines(text)]
    comments, section = segment_units(units)
    return units, blank_flags(units), comments, section


def test_the_shipped_crf_is_loaded_and_keeps_the_seed_thread():
    assert line_crf.LINE_CRF is not None, "moderation/segment/line_crf.json is missing or stale"
    res = segment_page(SEED.read_text(encoding="utf-8"))
    spans = [c.lines for c in res.comments]
    assert spans[0] == (14, 14) and spans[-1] == (41, 41) and len(spans) == 24


def test_viterbi_decodes_like_crfsuite():
    """The pure-Python decoder over the exported weights gives crfsuite's own tags (fitted here on the seed and
    two labelled pages, so the test does not depend on the shipped table)."""
    pytest.importorskip("sklearn_crfsuite")
    sys.path.insert(0, str(ROOT / "scripts"))
    import train_line_model as T

    pages = [p for p in T.crf_pages(T.dev_text_pages()) if p.name.startswith(("002_", "tx_dev2_signature", "tx_dev7"))]
    assert len(pages) >= 3
    model = T.fit_crf(pages, 0.05, 1.0)
    import sklearn_crfsuite
    crf = sklearn_crfsuite.CRF(algorithm="lbfgs", c1=0.05, c2=1.0, max_iterations=200, all_possible_transitions=True)
    crf.fit([p.rows for p in pages], [p.tags for p in pages])
    for p in pages:
        assert line_crf.viterbi(p.rows, model) == crf.predict_single(p.rows), p.name


def test_a_page_without_thread_or_section_stays_empty():
    """The CRF never opens a thread where the first stage saw neither comments nor a comment section."""
    column = "\n".join(["Tribune", "Par Awa Diallo", ""] + [
        "Je crois que notre pays mérite mieux que ces querelles, et je le dis avec force !"] * 6)
    units, blanks, comments, section = _first_stage(column)
    assert comments == [] and not section
    always_b = {"features_version": line_crf.FEATURES_VERSION, "state": {"bias": {"B": 50.0}},
                "transitions": {a: {b: 0.0 for b in line_crf.TAGS} for a in line_crf.TAGS}}
    assert line_crf.relabel(units, blanks, comments, section, always_b) == []
    assert segment_page(column).comments == []


def test_a_stale_or_foreign_table_is_refused_with_a_message(tmp_path, caplog):
    good = json.loads((ROOT / "moderation" / "segment" / "line_crf.json").read_text(encoding="utf-8"))
    stale = dict(good, features_version=good["features_version"] - 1)
    path = tmp_path / "line_crf.json"
    path.write_text(json.dumps(stale), encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        assert line_crf.load(path) is None
    assert "train_line_model.py --crf-only --write" in caplog.text
    for garbage in ("{not json", json.dumps({"state": []}), "\x00\x01"):
        caplog.clear()
        path.write_text(garbage, encoding="utf-8")
        with caplog.at_level(logging.WARNING):
            assert line_crf.load(path) is None
        assert "first stage alone" in caplog.text
    path.write_text(json.dumps(good), encoding="utf-8")
    assert line_crf.load(path) == good


def test_spans_from_tags():
    assert line_crf.spans([3, 4, 5, 7, 8, 9], ["B", "I", "O", "I", "B", "I"]) == [(3, 4), (7, 7), (8, 9)]
    assert line_crf.spans([], []) == []


def test_every_learnt_table_is_read_by_one_forgiving_loader(tmp_path, caplog):
    """A broken line_typing.json or line_weights.json must not break `import moderation` either."""
    from moderation.segment.tables import read_table
    path = tmp_path / "line_typing.json"
    assert read_table(path, lambda t: True, "patterns alone", "rebuild") is None      # missing: silently absent
    path.write_text("{broken", encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        assert read_table(path, lambda t: True, "lines are typed by the patterns alone", "cmd") is None
    assert "unreadable" in caplog.text and "patterns alone" in caplog.text
    path.write_text(json.dumps({"features": ["x"]}), encoding="utf-8")
    assert read_table(path, lambda t: t["features"] == ["x"], "", "") == {"features": ["x"]}
