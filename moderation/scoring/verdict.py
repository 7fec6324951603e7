"""The verdict on a comment: its scores, the labels over threshold, whether it is flagged, its evidence.

One definition used by the CLI, the API, the audit and its report, so a
comment is flagged the same way wherever it is scored: a label is on when its
score is at or over its threshold, and a comment is flagged when any label is on.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np

from ..labels import LABELS


@dataclass(frozen=True)
class Verdict:
    """Scores per label, the labels at or over their threshold, and (when asked for) the evidence."""

    scores: dict[str, float]
    labels: tuple[str, ...]
    evidence: dict[str, list[dict]] | None = None

    @property
    def flagged(self) -> bool:
        return bool(self.labels)

    def to_dict(self) -> dict[str, Any]:
        """Nested shape (the API's): ``{"scores": {...}, "labels": [...], "flagged": ...[, "evidence"]}``."""
        out: dict[str, Any] = {"scores": self.scores, "labels": list(self.labels), "flagged": self.flagged}
        if self.evidence is not None:
            out["evidence"] = self.evidence
        return out

    def flat(self, digits: int = 6) -> dict[str, Any]:
        """Flat shape (the CLI's and the audit files'): one key per label, then ``labels`` and ``flagged``."""
        out: dict[str, Any] = {lab: round(v, digits) for lab, v in self.scores.items()}
        out.update(labels=list(self.labels), flagged=self.flagged)
        if self.evidence is not None:
            out["evidence"] = self.evidence
        return out


def judge(probs: np.ndarray | Sequence[Sequence[float]], thresholds: Mapping[str, float],
          labels: Sequence[str] = LABELS) -> list[Verdict]:
    """One verdict per row of an (n, len(labels)) score matrix."""
    probs = np.asarray(probs, dtype=float).reshape(-1, len(labels))
    hits = probs >= np.asarray([thresholds[lab] for lab in labels])
    return [Verdict(dict(zip(labels, row)), tuple(lab for lab, on in zip(labels, hit) if on))
            for row, hit in zip(probs.tolist(), hits.tolist())]
