"""The scoring model: TF-IDF n-grams and cue features feeding one logistic regression per label.

`build_pipeline()` is the scikit-learn reference (fit / transform /
predict_proba). `Moderator` wraps a trained pipeline: it checks the model file
against its manifest, scores batches with `FastScorer` (the same arithmetic
folded into one lookup table, see issue 6), picks flags with the shipped
thresholds and explains a score by the n-grams that pushed it up.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
import sklearn
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

from . import fastpath
from .features import (FLAG_BITS, FLAG_NAMES, IS_WORD, WORD_SECOND_PERSON, CueFeatures, NgramTfidf, cue_matrix,
                       row_norm)
from .labels import LABELS
from .masking import mask_spans
from .normalise import fold_batch, normalise_with_offsets, repair_batch
from .wordvectors import PACKAGE as VECTORS_PACKAGE

_WORD_SPAN = re.compile(r"[\w*]+")
MIN_EVIDENCE = 0.05   # contributions to the logit below this are noise, not evidence
MODEL_NAME = "moderation-fr"
REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MODEL_PATH = REPO_ROOT / "models" / f"{MODEL_NAME}.joblib"
BUILD_HINT = "build it with `moderation train` (or `python scripts/train.py`)"


class ModelError(RuntimeError):
    """The model file cannot be used: missing, tampered, or built by another library version."""


# --------------------------------------------------------------------------- classifier

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


# --------------------------------------------------------------------------- fast path

class FastScorer:
    """Scores a batch with the trained pipeline's exact arithmetic, without building the matrix.

    Every TF-IDF column's IDF weight and its three (calibrated) coefficients are
    folded into one table, and each word vector's dot product with the
    coefficients into a small second one, so a comment costs one pass of
    `fastpath.score_kernel`: hash each n-gram, add its table row (and for a word,
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
        self.table[:, 1:] = self.tfidf.fold(coef[:, :n_out])
        self.word_index, weights = self.tfidf.word_vector_weights(coef[:, :n_out])
        self.word_weights = weights.astype(np.float32)
        self.cue_coef = coef[:, n_out:].T
        if self.cue_coef.shape[0] != len(CueFeatures.names):
            raise ModelError(f"this model has {self.cue_coef.shape[0]} cue features but this version of "
                             f"moderation computes {len(CueFeatures.names)}: it was built by another version; "
                             f"{BUILD_HINT}")
        self.intercept = clf.intercept_ * scale + shift

    def features(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Per comment: the table rows summed over its n-grams (n, 4), and its cue values (n, len(CueFeatures.names))."""
        n = len(texts)
        repaired = repair_batch(texts)
        codes, bounds = fold_batch(repaired, pad=True)
        sums = np.zeros((n, self.table.shape[1]))
        counts, exclaim = np.zeros((n, len(FLAG_BITS))), np.zeros(n)
        lo, hi = self.tfidf.char_ngrams
        wlo, whi = self.tfidf.word_ngrams
        fastpath.score_kernel(codes, bounds, self.table, self.word_index, self.word_weights,
                              self.cues.word_flags_, IS_WORD, lo, hi, wlo, whi,
                              self.tfidf.n_bits, fastpath.K_CHAR, fastpath.K_WORD, fastpath.K_BIGRAM,
                              FLAG_BITS, sums, counts, exclaim)
        return sums, cue_matrix(repaired, counts, exclaim)

    def logits(self, texts: Sequence[str]) -> np.ndarray:
        sums, cues = self.features(texts)
        norm = row_norm(sums[:, 0])
        return sums[:, 1:] / norm[:, None] + cues @ self.cue_coef + self.intercept

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-self.logits(texts)))



# --------------------------------------------------------------------------- model file

def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def manifest_path(model_path: Path) -> Path:
    return model_path.with_suffix(".json")


def resolve_model_path(path: str | os.PathLike | None = None) -> Path:
    """Explicit path, else $MODERATION_MODEL, else the shipped models/moderation-fr.joblib."""
    return Path(path or os.environ.get("MODERATION_MODEL") or DEFAULT_MODEL_PATH)


def read_manifest(model_path: Path) -> dict:
    """Read and verify a model's manifest: the file's SHA-256 and the scikit-learn version must match."""
    if not model_path.is_file():
        raise ModelError(f"model file {model_path} not found; {BUILD_HINT}")
    mpath = manifest_path(model_path)
    if not mpath.is_file():
        raise ModelError(f"manifest {mpath} not found beside the model; {BUILD_HINT}")
    try:
        manifest = json.loads(mpath.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ModelError(f"manifest {mpath} is not valid JSON ({exc}); {BUILD_HINT}") from None
    actual = sha256_file(model_path)
    if manifest.get("sha256") != actual:
        raise ModelError(f"model file {model_path} does not match its manifest (SHA-256 {actual[:12]}…, "
                         f"manifest says {str(manifest.get('sha256'))[:12]}…): the file was modified or "
                         f"replaced; refusing to load it. Restore it or {BUILD_HINT}")
    if manifest.get("sklearn_version") != sklearn.__version__:
        raise ModelError(f"model {model_path} was built with scikit-learn {manifest.get('sklearn_version')} "
                         f"but {sklearn.__version__} is installed; install that version "
                         f"(pip install scikit-learn=={manifest.get('sklearn_version')}) or {BUILD_HINT}")
    return manifest


# --------------------------------------------------------------------------- public API

@dataclass(frozen=True)
class Evidence:
    """One n-gram that raised a label's score, with its spans in the original text."""
    ngram: str
    weight: float
    spans: list[tuple[int, int]]

    def to_dict(self) -> dict:
        return {"ngram": self.ngram, "weight": round(self.weight, 4), "spans": [list(s) for s in self.spans]}


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
        import joblib
        model_path = resolve_model_path(path)
        manifest = read_manifest(model_path)
        try:
            pipeline = joblib.load(model_path)
        except Exception as exc:  # a corrupt pickle can raise almost anything
            raise ModelError(f"cannot read model {model_path}: {exc}; {BUILD_HINT}") from None
        return cls(pipeline, manifest, model_path)

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """(n, 3) matrix of probabilities, label order as in `moderation.labels.LABELS`."""
        return self.fast.predict_proba([t if isinstance(t, str) else str(t) for t in texts])

    def score(self, texts: Sequence[str] | str) -> list[dict[str, float]]:
        """One mapping of label to probability per text."""
        if isinstance(texts, str):
            texts = [texts]
        probs = self.predict_proba(texts)
        return [dict(zip(self.labels, map(float, row))) for row in probs]

    def flags(self, probs: np.ndarray, thresholds: Mapping[str, float] | None = None) -> np.ndarray:
        """Boolean (n, 3) matrix: which labels pass their threshold."""
        th = np.asarray([(thresholds or self.thresholds)[lab] for lab in self.labels])
        return np.asarray(probs) >= th

    def explain(self, text: str, top: int = 5) -> dict[str, list[Evidence]]:
        """Per label, the words and cues that pushed the score up most, with spans in ``text``.

        Each n-gram's contribution (its TF-IDF value times the label's
        coefficient) is shared among the words it overlaps, so evidence reads as
        words a moderator can see ("trolls", "u*****") rather than character
        fragments; cue features are credited to the spans that triggered them
        (masking artifacts, listed insults) or named ("!").
        """
        fast = self.fast
        norm_text, sources = normalise_with_offsets(text)
        occ = fast.tfidf.hasher().occurrences([norm_text], positions=True)
        total_idf = row_norm(fast.table[occ.column, 0].sum())
        words = [(m.start(), m.end(), m.group()) for m in _WORD_SPAN.finditer(norm_text)]
        per_word = self._share_among_words(occ.start, occ.end, words, fast.table[occ.column, 1:] / total_idf)
        if len(fast.word_index):                                # word vectors: credited to their word
            v = fast.word_index[occ.word_column]
            has = v >= 0
            per_word += self._share_among_words(occ.word_start[has], occ.word_end[has], words,
                                                fast.word_weights[v[has]] / total_idf)
        cue_part = fast.features([text])[1][0][:, None] * fast.cue_coef          # (cues, labels)
        names = CueFeatures.names
        # candidate evidence: each distinct word (all its spans) and each masking artifact
        spans: dict[str, list[tuple[int, int]]] = {}
        index: dict[str, list[int]] = {}
        for w, (a, b, word) in enumerate(words):
            spans.setdefault(word, []).append((int(sources[a]), int(sources[b - 1]) + 1))
            index.setdefault(word, []).append(w)
        weight = {word: per_word[ids].sum(axis=0) for word, ids in index.items()}
        masks = mask_spans(text)
        mask_credit = sum(cue_part[names.index(n)] for n in ("mask_inner", "mask_edge", "mask_run"))
        for a, b in masks:   # credit the word that carries the artifact, or the artifact itself
            key = next((w for w, sp in spans.items() if any(s < b and a < e for s, e in sp)), text[a:b])
            weight[key] = weight.get(key, 0.0) + mask_credit / len(masks)
            spans.setdefault(key, []).append((a, b))
        # word-count cues (listed and near insults): shared among the words that carry the flag, read
        # from the same hashed word columns scoring counted; second-person address is context, not evidence
        word_at = {a: word for a, _, word in words}                 # occurrence starts are padded by 1
        carried = [(word_at.get(int(a) - 1), int(f))
                   for a, f in zip(occ.word_start, fast.cues.word_flags_[occ.word_column])]
        for name, bit in zip(FLAG_NAMES, FLAG_BITS):
            if bit == WORD_SECOND_PERSON:
                continue
            carriers = {w for w, f in carried if w is not None and f & bit}
            for w in carriers:
                weight[w] = weight[w] + cue_part[names.index(name)] / len(carriers)
        weight["!"] = cue_part[names.index("exclaim")]
        spans["!"] = []
        out: dict[str, list[Evidence]] = {}
        for k, label in enumerate(self.labels):
            ranked = sorted(((float(wt[k]), w) for w, wt in weight.items() if wt[k] >= MIN_EVIDENCE), reverse=True)
            out[label] = []
            for wt, w in ranked[:top]:
                sp = sorted(set(spans[w]))
                out[label].append(Evidence(text[sp[0][0]:sp[0][1]] if sp else w, wt, sp))
        return out

    @staticmethod
    def _share_among_words(start: np.ndarray, end: np.ndarray, words: list[tuple[int, int, str]],
                           contrib: np.ndarray) -> np.ndarray:
        """Split each n-gram's contributions (one column per label) evenly over the words its span overlaps."""
        per_word = np.zeros((len(words) + 1, contrib.shape[1]))
        if not words:
            return per_word
        starts = np.array([w[0] for w in words])
        ends = np.array([w[1] for w in words])
        a, b = start - 1, end - 1                             # occurrence spans, unpadded
        lo = np.searchsorted(ends, a, side="right")           # first word ending after a
        hi = np.searchsorted(starts, b, side="left") - 1      # last word starting before b
        ok = lo <= hi
        lo, hi = lo[ok], hi[ok]
        share = contrib[ok] / (hi - lo + 1)[:, None]
        size = len(words) + 1
        for k in range(contrib.shape[1]):                     # difference array: +share on [lo, hi]
            per_word[:, k] = np.bincount(lo, share[:, k], size) - np.bincount(hi + 1, share[:, k], size)
        return np.cumsum(per_word, axis=0)
