"""`Moderator`: the scoring core every entry point uses (CLI, API, audit, Python).

Load once (the model file is checked against its manifest), then score batches
through the fast path, pick flags with the shipped thresholds, and explain a
score by the words behind it.
"""
from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
from sklearn.pipeline import Pipeline

from ..labels import LABELS
from .explain import Evidence, explain
from .fast import FastScorer
from .modelfile import load_pipeline, read_manifest, resolve_model_path
from .verdict import Verdict, judge


class Moderator:
    """Load once, then score and explain comments: ``Moderator.load().score(["..."])``."""

    def __init__(self, pipeline: Pipeline, manifest: Mapping, path: Path | None = None):
        self.pipeline = pipeline
        self.manifest = dict(manifest)
        self.path = path
        self.labels: tuple[str, ...] = tuple(self.manifest.get("labels", LABELS))
        self.thresholds: dict[str, float] = {lab: float(self.manifest["thresholds"][lab]) for lab in self.labels}
        self.version: str = str(self.manifest.get("version", "unversioned"))
        self.fast = FastScorer(pipeline)

    @classmethod
    def load(cls, path: str | os.PathLike | None = None) -> "Moderator":
        """Load a model file after checking it against its manifest (hash, library version)."""
        model_path = resolve_model_path(path)
        manifest = read_manifest(model_path)
        return cls(load_pipeline(model_path), manifest, model_path)

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """(n, 3) matrix of probabilities, label order as in `moderation.labels.LABELS`."""
        return self.fast.predict_proba([t if isinstance(t, str) else str(t) for t in texts])

    def score(self, texts: Sequence[str] | str) -> list[dict[str, float]]:
        """One mapping of label to probability per text."""
        if isinstance(texts, str):
            texts = [texts]
        probs = self.predict_proba(texts)
        return [dict(zip(self.labels, map(float, row))) for row in probs]

    def verdicts(self, texts: Sequence[str], thresholds: Mapping[str, float] | None = None,
                 explain: bool = False) -> list[Verdict]:
        """Scores, labels over threshold, flag (and with ``explain`` the evidence) for each text, in order."""
        texts = [t if isinstance(t, str) else str(t) for t in texts]
        out = judge(self.predict_proba(texts), thresholds or self.thresholds, self.labels)
        if explain:
            out = [replace(v, evidence={lab: [e.to_dict() for e in ev] for lab, ev in self.explain(t).items()})
                   for v, t in zip(out, texts)]
        return out

    def explain(self, text: str, top: int = 5) -> dict[str, list[Evidence]]:
        """Per label, the words and cues that pushed the score up most, with spans in ``text``."""
        return explain(self.fast, self.labels, text, top)
