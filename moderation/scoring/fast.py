"""The fast scoring path: the trained pipeline's arithmetic folded into lookup tables.

A comment costs one pass of the compiled kernel over its characters, with no
sparse matrix built; the numbers equal ``pipeline.predict_proba`` (a test checks
it to 1e-6).
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
from sklearn.pipeline import FeatureUnion, Pipeline

from . import kernel
from .classifier import MultiLabelLogistic, imply, probability
from .features import FLAG_BITS, CueFeatures, NgramTfidf, cue_matrix, row_norm
from .hashing import IS_WORD
from .modelfile import BUILD_HINT, ModelError
from .normalise import fold_batch, prepare_batch


class FastScorer:
    """Scores a batch with the trained pipeline's exact arithmetic, without building the matrix.

    Every TF-IDF column's IDF weight and its three (calibrated) coefficients are
    folded into one table, and each word vector's dot product with the
    coefficients into a small second one, so a comment costs one pass of
    `kernel.score_kernel`: hash each n-gram, add its table row (and for a word,
    its vector's row), divide by the L1 norm (the summed IDFs), then add the
    cue features' part. Same numbers as ``pipeline.predict_proba``.
    """

    def __init__(self, pipeline: Pipeline):
        union: FeatureUnion = pipeline.named_steps["features"]
        self.tfidf: NgramTfidf = union.transformer_list[0][1]
        self.cues: CueFeatures = union.transformer_list[1][1]
        clf: MultiLabelLogistic = pipeline.named_steps["classifier"]
        scale, shift = clf.calibration_[:, 0], clf.calibration_[:, 1]
        n_cols, n_out = self.tfidf.n_columns, self.tfidf.n_features_out
        coef = clf.coef_ * scale[:, None]
        # float32 halves the table's memory traffic; scores stay within 1e-7 of the float64 pipeline
        self.table = np.empty((n_cols, 1 + len(scale)), dtype=np.float32)
        self.table[:, 0] = self.tfidf.idf_
        self.table[:, 1:] = self.tfidf.column_weights(coef[:, :n_out])
        self.word_index, weights = self.tfidf.word_vector_weights(coef[:, :n_out])
        self.word_weights = weights.astype(np.float32)
        self.prior_mass = float(self.tfidf.prior_mass)
        # the prior column's part of each logit, times the norm (it is prior_mass / norm)
        self.prior_part = coef[:, n_out - 1] * self.prior_mass if self.prior_mass else np.zeros(len(scale))
        self.cue_coef = coef[:, n_out:].T
        if self.cue_coef.shape[0] != len(CueFeatures.names):
            raise ModelError(f"this model has {self.cue_coef.shape[0]} cue features but this version of "
                             f"moderation computes {len(CueFeatures.names)}: it was built by another version; "
                             f"{BUILD_HINT}")
        self.intercept = clf.intercept_ * scale + shift

    def features(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Per comment: the table rows summed over its n-grams (n, 4), and its cue values (n, len(CueFeatures.names))."""
        n = len(texts)
        repaired, prepared = prepare_batch(texts)
        codes, bounds = fold_batch(prepared, pad=True)
        sums = np.zeros((n, self.table.shape[1]))
        counts, exclaim = np.zeros((n, len(FLAG_BITS))), np.zeros(n)
        lo, hi = self.tfidf.char_ngrams
        wlo, whi = self.tfidf.word_ngrams
        kernel.score_kernel(codes, bounds, self.table, self.word_index, self.word_weights,
                            self.cues.word_flags_, IS_WORD, lo, hi, wlo, whi,
                            self.tfidf.n_bits, kernel.K_CHAR, kernel.K_WORD, kernel.K_BIGRAM,
                            FLAG_BITS, sums, counts, exclaim)
        return sums, cue_matrix(repaired, counts, exclaim)

    def logits(self, texts: Sequence[str]) -> np.ndarray:
        return self.logits_from(*self.features(texts))

    def logits_from(self, sums: np.ndarray, cues: np.ndarray) -> np.ndarray:
        """The logits of comments whose `features` are already computed (explaining reuses them)."""
        norm = row_norm(sums[:, 0], self.prior_mass)
        return (sums[:, 1:] + self.prior_part) / norm[:, None] + cues @ self.cue_coef + self.intercept

    def raw_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Each label's own regression, before the label implications."""
        return probability(self.logits(texts))

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        return imply(self.raw_proba(texts))
