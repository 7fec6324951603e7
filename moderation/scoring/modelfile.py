"""The model file and its manifest: where the shipped one lives, and the checks before loading any.

The shipped model is package data (`moderation.models`, the repository's
top-level `models/` folder), found with `importlib.resources`, so a wheel
carries it. Beside every model file sits a JSON manifest; loading refuses a
file whose SHA-256, scikit-learn version or feature format differs from it.
"""
from __future__ import annotations

import hashlib
import json
import os
from importlib import resources
from pathlib import Path

import sklearn

MODEL_NAME = "moderation-fr"
#: Version of the feature computation a model file was built for; bumped when scoring arithmetic changes,
#: so a model trained by another version is refused rather than scored wrongly.
MODEL_FORMAT = 3
BUILD_HINT = "build it with `moderation train` (or `python scripts/train.py`)"


class ModelError(RuntimeError):
    """The model file cannot be used: missing, tampered, or built by another library version."""


def shipped_model_path() -> Path:
    """The model file shipped with the package (in a checkout: the top-level `models/` folder)."""
    try:
        folder = resources.files("moderation.models")
    except ModuleNotFoundError:          # run from a source tree that was never installed
        return Path(__file__).resolve().parents[2] / "models" / f"{MODEL_NAME}.joblib"
    return Path(str(folder.joinpath(f"{MODEL_NAME}.joblib")))


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def manifest_path(model_path: Path) -> Path:
    return model_path.with_suffix(".json")


def resolve_model_path(path: str | os.PathLike | None = None) -> Path:
    """Explicit path, else $MODERATION_MODEL, else the shipped model."""
    return Path(path or os.environ.get("MODERATION_MODEL") or shipped_model_path())


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
    if manifest.get("format", 1) != MODEL_FORMAT:
        raise ModelError(f"model {model_path} was built for feature format {manifest.get('format', 1)}, "
                         f"this version of moderation computes format {MODEL_FORMAT}; {BUILD_HINT}")
    if manifest.get("word_lists_sha256") != word_lists_fingerprint():
        raise ModelError(f"model {model_path} was trained with other word lists (function words, community "
                         f"names, insults in moderation/scoring/lexicon/) than this installation has; {BUILD_HINT}")
    return manifest


def word_lists_fingerprint() -> str:
    """SHA-256 of the word lists the normalisation reads: a model is only valid with the lists it was trained on."""
    from .normalise import word_table_files

    h = hashlib.sha256()
    for name, text in sorted(word_table_files().items()):
        h.update(name.encode() + b"\0" + text.encode("utf-8") + b"\0")
    return h.hexdigest()


def load_pipeline(model_path: Path):
    """Unpickle a model file that `read_manifest` has verified; any failure is a ModelError."""
    import joblib

    try:
        return joblib.load(model_path)
    except Exception as exc:  # a corrupt or foreign pickle can raise almost anything
        raise ModelError(f"cannot read model {model_path}: {exc}; {BUILD_HINT}") from None
