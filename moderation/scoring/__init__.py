"""Scoring: normalise a comment, compute its features, score each label, explain the score.

Where a comment is scored: `Moderator.predict_proba` (moderator.py) runs
`FastScorer` (fast.py), which runs the compiled kernel (kernel.py) over the
normalised text (normalise.py); `judge` (verdict.py) turns scores into flags.
"""
from .modelfile import ModelError
from .moderator import Moderator
from .verdict import Verdict, judge

__all__ = ["ModelError", "Moderator", "Verdict", "judge"]
