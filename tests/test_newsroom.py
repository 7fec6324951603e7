"""The team's own labelled data as committed: schema, label rules, the frozen test split, no leaks."""
from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path

import pytest

from moderation.labels import LABELS
from moderation.training.newsroom import duplicate_share, load_newsroom, near_duplicate_pairs

DATA = Path(__file__).resolve().parent.parent / "data"
FROZEN_TEST_SHA256 = "f3b402d343ba7c2e60cb977489fa2b4ee2e8c41d7c7537495918d785707812fb"
FUNCTIONALITIES = {line.split("|")[1].strip().strip("`") for line in
                   (DATA.parent / "docs" / "labels.md").read_text(encoding="utf-8").split("## Functionalities")[1]
                   .splitlines() if line.startswith("| `")}


@pytest.fixture(scope="module")
def splits():
    return load_newsroom("train"), load_newsroom("test")


@pytest.fixture(scope="module")
def behaviour():
    return [json.loads(line) for line in (DATA / "behaviour" / "cases.jsonl").read_text(encoding="utf-8").splitlines()
            if line.strip()]


def test_the_test_split_is_frozen():
    digest = hashlib.sha256((DATA / "newsroom" / "test.jsonl").read_bytes()).hexdigest()
    assert digest == FROZEN_TEST_SHA256, "data/newsroom/test.jsonl changed: the test split is frozen"


def test_sizes_and_label_rules(splits):
    train, test = splits
    assert len(train) >= 3000 and len(test) >= 600
    for df in splits:
        assert df["id"].is_unique and df["text"].is_unique
        assert set(df["functionality"]) <= FUNCTIONALITIES
        assert set(df["country"]) <= {"ML", "CM", "SN", "CI", "BF", "NE"}
        for lab in LABELS:
            assert set(df[lab]) <= {0.0, 1.0}
        assert ((df["insult"] == 0) | (df["hostility"] == 1)).all(), "an insult is hostile"
        assert df.loc[df["masked"] == 1, "text"].str.contains("*", regex=False).all()


def test_no_near_duplicates_within_or_across_splits(splits, behaviour):
    train, test = splits
    assert duplicate_share(train["text"].tolist())[2] < 0.02
    assert duplicate_share(test["text"].tolist())[2] < 0.02
    assert near_duplicate_pairs(train["text"].tolist(), test["text"].tolist()) == []
    assert near_duplicate_pairs(train["text"].tolist(), [c["text"] for c in behaviour]) == []


def test_behaviour_suite_covers_every_functionality(behaviour):
    counts = Counter(c["functionality"] for c in behaviour)
    assert set(counts) == FUNCTIONALITIES and len(counts) >= 25
    assert min(counts.values()) >= 15
    assert all(c["insult"] == 0 or c["hostility"] == 1 for c in behaviour)
    assert len({c["text"] for c in behaviour}) == len(behaviour)
