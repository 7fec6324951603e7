"""Training: data pack (+ user files) -> augmented rows -> fitted pipeline -> model file + manifest.

Deterministic: fixed seeds, a grouped split (rows of one chat or thread stay
on one side), and a model file written to a temporary name then renamed, so a
crash never leaves a half-written model behind.
"""
from __future__ import annotations

import json
import logging
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import joblib
import numpy as np
import pandas as pd
import sklearn
from sklearn.metrics import average_precision_score, f1_score, fbeta_score, roc_auc_score
from sklearn.model_selection import StratifiedGroupKFold

from .. import __version__
from ..labels import LABELS
from ..scoring.classifier import build_pipeline
from ..scoring.features import CueFeatures
from ..scoring.modelfile import MODEL_FORMAT, manifest_path, sha256_file, shipped_model_path
from ..textio import atomic_write
from .augment import augment
from .sources import DEFAULT_DATA_DIR, SOURCES, load_labelled_file, load_pack

log = logging.getLogger("moderation.train")

SEED = 13
MAX_WEIGHT = 5.0


def load_training_data(data_dir: str | Path | None = None, extra: Sequence[str | Path] = (),
                       use_pack: bool = True, frames: Sequence[pd.DataFrame] = ()) -> pd.DataFrame:
    """All labelled rows (pack, user files and ready frames such as moderators' decisions), with `masked`
    derived and augmentation added."""
    ready = list(frames)
    frames = []
    if use_pack:
        frames.append(load_pack(data_dir))
    frames += [load_labelled_file(p) for p in extra] + ready
    if not frames:
        raise ValueError("no training data: give the data pack (--data) or labelled files")
    return augment(pd.concat(frames, ignore_index=True), seed=SEED)


def label_matrix(df: pd.DataFrame) -> np.ndarray:
    return df[list(LABELS)].to_numpy(dtype=float)


def measured_labels(df: pd.DataFrame) -> np.ndarray:
    """The labels to calibrate, pick thresholds and measure on: `label_matrix` with the augmented copies
    unknown for every label but `masked`.

    The copies are synthetic: they exist to teach `masked`. For insult and hostility the starred copies of
    abusive rows are easy positives (the stars give them away), so counting them inflates the figures and
    pulls thresholds; only real rows measure those labels.
    """
    Y = label_matrix(df)
    copies = (df["augmented"] != "").to_numpy()
    for k, lab in enumerate(LABELS):
        if lab != "masked":
            Y[copies, k] = np.nan
    return Y


def sample_weights(df: pd.DataFrame) -> np.ndarray:
    """Per label: every source carries the same weight and, within it, both classes do.

    Sources differ wildly in size and label balance (jigsaw is 99% toxic); without
    this the model learns "looks like source X" instead of the label. Weights are
    capped so a handful of rows cannot dominate. A `weight` column, where a frame
    has one (moderators' decisions: --decisions-weight), then multiplies its rows'.
    """
    Y = label_matrix(df)
    W = np.zeros_like(Y)
    sources = df["source"].to_numpy()
    for k in range(Y.shape[1]):
        for src in np.unique(sources):
            for cls in (0.0, 1.0):
                m = (sources == src) & (Y[:, k] == cls)
                if m.any():
                    W[m, k] = 1.0 / m.sum()
        known = ~np.isnan(Y[:, k])
        if known.any():
            W[known, k] = np.minimum(W[known, k] / W[known, k].mean(), MAX_WEIGHT)
    if "weight" in df:
        W *= df["weight"].fillna(1.0).to_numpy(dtype=float)[:, None]
    return W


def split(df: pd.DataFrame, n_folds: int = 10) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Grouped, stratified split into train (80%), calibration (10%) and test (10%) row indices."""
    strat = df["source"].astype(str) + "|" + df["hostility"].fillna(-1).astype(str) + "|" + df["masked"].astype(str)
    folds = np.zeros(len(df), dtype=int)
    cv = StratifiedGroupKFold(n_splits=n_folds, shuffle=True, random_state=SEED)
    with warnings.catch_warnings():   # rare strata (a handful of rows) cannot fill every fold; fine
        warnings.filterwarnings("ignore", message="The least populated class")
        for i, (_, idx) in enumerate(cv.split(df, strat, groups=df["group"])):
            folds[idx] = i
    return np.flatnonzero(folds >= 2), np.flatnonzero(folds == 0), np.flatnonzero(folds == 1)


def best_threshold(y: np.ndarray, p: np.ndarray, beta: float = 0.5) -> float:
    """Threshold maximising F-beta on held-out rows (ties: the higher, i.e. fewer false flags).

    beta = 0.5 weighs precision over recall: a flag sends a moderator to a
    comment, and a tool that cries wolf on polite comments stops being read.
    """
    grid = np.round(np.arange(0.05, 0.951, 0.01), 2)
    scores = [fbeta_score(y, p >= t, beta=beta, zero_division=0) for t in grid]
    best = max(scores)
    return float(max(t for t, s in zip(grid, scores) if s == best))


def label_metrics(Y: np.ndarray, P: np.ndarray, thresholds: dict[str, float] | None = None) -> dict:
    """ROC AUC, average precision and (with thresholds) F1 per label, on rows where it is known."""
    out = {}
    for k, lab in enumerate(LABELS):
        known = ~np.isnan(Y[:, k])
        y, p = Y[known, k], P[known, k]
        if len(np.unique(y)) < 2:
            continue
        m = {"rows": int(known.sum()), "positives": int(y.sum()),
             "roc_auc": round(float(roc_auc_score(y, p)), 4),
             "average_precision": round(float(average_precision_score(y, p)), 4)}
        if thresholds:
            m["f1_at_threshold"] = round(float(f1_score(y, p >= thresholds[lab], zero_division=0)), 4)
        out[lab] = m
    return out


@dataclass
class TrainResult:
    pipeline: object
    thresholds: dict[str, float]
    metrics: dict
    rows: dict[str, np.ndarray] = field(default_factory=dict)   # split name -> row indices of the frame
    seconds: float = 0.0

    @property
    def counts(self) -> dict[str, int]:
        """Rows per split, for the manifest."""
        return {name: len(idx) for name, idx in self.rows.items()}


def fit_pipeline(df: pd.DataFrame, rows: np.ndarray | None = None, C: float = 100.0, progress=log.info):
    """Fit features and the per-label regressions on ``rows`` of ``df`` (all rows by default), uncalibrated."""
    rows = np.arange(len(df)) if rows is None else rows
    Y, W = label_matrix(df), sample_weights(df)
    pipe = build_pipeline(C=C)
    texts = df["text"].tolist()
    features, clf = pipe.named_steps["features"], pipe.named_steps["classifier"]
    progress("fitting TF-IDF features and word vectors")
    X = features.fit_transform([texts[i] for i in rows])
    progress(f"fitting {len(LABELS)} logistic regressions ({X.shape[1]:,} columns)")
    clf.fit(X, Y[rows], sample_weight=W[rows])
    return pipe


def describe_features(pipeline) -> str:
    """One line for the manifest, read off the fitted transformers."""
    tfidf = pipeline.named_steps["features"].transformer_list[0][1]
    (clo, chi), (wlo, whi) = tfidf.char_ngrams, tfidf.word_ngrams
    text = (f"word {wlo}-{whi} grams + char {clo}-{chi} grams, hashed to 2**{tfidf.n_bits} columns, TF-IDF, "
            f"L1 rows; ")
    if getattr(tfidf, "vectors_", None) is not None:
        text += (f"sum of {tfidf.vectors} word vectors ({tfidf.vectors_.shape[1]}) / the same L1 norm, "
                 f"x {tfidf.vector_scale}; ")
    return text + f"{len(CueFeatures.names)} cue features"


def fit_model(df: pd.DataFrame, C: float = 100.0, progress=log.info) -> TrainResult:
    """Fit on the train split, calibrate and pick thresholds on calibration, measure on test."""
    t0 = time.perf_counter()
    tr, cal, te = split(df)
    Y = measured_labels(df)
    progress(f"split: {len(tr)} train, {len(cal)} calibration, {len(te)} test rows")
    pipe = fit_pipeline(df, tr, C=C, progress=progress)
    texts = df["text"].tolist()
    features, clf = pipe.named_steps["features"], pipe.named_steps["classifier"]
    progress("calibrating and choosing thresholds on the calibration split")
    clf.calibrate(features.transform([texts[i] for i in cal]), Y[cal])
    Pcal = pipe.predict_proba([texts[i] for i in cal])
    thresholds = {}
    for k, lab in enumerate(LABELS):
        known = ~np.isnan(Y[cal, k])
        thresholds[lab] = best_threshold(Y[cal][known, k], Pcal[known, k])
    progress("measuring on the test split")
    metrics = {"test_split": label_metrics(Y[te], pipe.predict_proba([texts[i] for i in te]), thresholds),
               "calibration_split": label_metrics(Y[cal], Pcal, thresholds)}
    rows = {"train": tr, "calibration": cal, "test": te}
    return TrainResult(pipe, thresholds, metrics, rows, time.perf_counter() - t0)


def source_summary(df: pd.DataFrame) -> list[dict]:
    """Rows per source and per label (known / positive), for the manifest."""
    citations = {s.name: (s.filename, s.citation) for s in SOURCES}
    out = []
    for src, g in df.groupby("source", sort=True):
        entry = {"source": src, "rows": int((g["augmented"] == "").sum()),
                 "augmented_rows": int((g["augmented"] != "").sum())}
        if src in citations:
            entry["file"], entry["citation"] = citations[src]
        for lab in LABELS:
            entry[lab] = {"known": int(g[lab].notna().sum()), "positive": int((g[lab] == 1).sum())}
        out.append(entry)
    return out


def save_model(result: TrainResult, df: pd.DataFrame, out: Path, version: str | None = None,
               extra_manifest: dict | None = None) -> dict:
    """Write the model file and its manifest, each atomically (temporary file, then rename)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(out, lambda p: joblib.dump(result.pipeline, p, compress=3))
    manifest = {
        "name": out.stem,
        "version": version or __version__,
        "format": MODEL_FORMAT,
        "file": out.name,
        "sha256": sha256_file(out),
        "sklearn_version": sklearn.__version__,
        "labels": list(LABELS),
        "thresholds": result.thresholds,
        "sources": source_summary(df),
        "label_mapping": "see moderation/training/sources.py (module docstring)",
        "split": result.counts,
        "metrics": result.metrics,
        "training": {"seed": SEED, "C": result.pipeline.named_steps["classifier"].C,
                     "features": describe_features(result.pipeline)},
    }
    manifest.update(extra_manifest or {})
    atomic_write(manifest_path(out), lambda p: p.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"))
    return manifest


def train(data_dir: str | Path | None = None, extra: Sequence[str | Path] = (), out: str | Path | None = None,
          use_pack: bool = True, version: str | None = None, progress=log.info,
          frames: Sequence[pd.DataFrame] = ()) -> dict:
    """The whole job behind `moderation train` and `scripts/train.py`; returns the manifest."""
    t0 = time.perf_counter()
    progress(f"loading data from {data_dir or DEFAULT_DATA_DIR}" if use_pack else "loading labelled files")
    df = load_training_data(data_dir, extra, use_pack, frames)
    progress(f"{len(df)} rows ({int((df['augmented'] != '').sum())} augmented) from {df['source'].nunique()} sources")
    result = fit_model(df, progress=progress)
    out = Path(out) if out else shipped_model_path()
    manifest = save_model(result, df, out, version,
                          {"training_seconds": round(time.perf_counter() - t0, 1)})
    progress(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB) and {manifest_path(out).name}")
    return manifest
