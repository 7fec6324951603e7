#!/usr/bin/env python3
"""Write tests/fixtures/seed_thread_scores.json: the shipped model's scores on the seed thread.

`tests/test_model.py` compares every later run with these to 1e-6, so a change to the scoring code
that moves a score is seen. Run this only after retraining the shipped model (the file records its
SHA-256, and the test says when they differ).
Usage: python scripts/golden_scores.py
"""
from __future__ import annotations

import json
from pathlib import Path

from moderation import Moderator, segment_page
from moderation.textio import atomic_write

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "fixtures" / "seed_thread_scores.json"


def main() -> None:
    moderator = Moderator.load()
    comments = segment_page((ROOT / "seeds" / "002_2ede61ddf366503b.txt").read_text(encoding="utf-8")).comments
    scores = moderator.predict_proba([c.text for c in comments])
    data = {"model_sha256": moderator.manifest["sha256"],
            "comments": [{"lines": list(c.lines), "text": c.text, **dict(zip(moderator.labels, map(float, row)))}
                         for c, row in zip(comments, scores)]}
    atomic_write(OUT, lambda p: p.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"))
    print(f"wrote {OUT} ({len(comments)} comments, model {data['model_sha256'][:12]})")


if __name__ == "__main__":
    main()
