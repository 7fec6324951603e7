"""Training data: one loader per source of the data pack, mapped onto our labels.

THE LABEL MAPPING (the only place it is written; README and manifest quote it)
-----------------------------------------------------------------------------
A value of NaN means "this source says nothing about this label": the row does
not train, and is not used to evaluate, that label (no silent zeros).
An insult is hostile (DESIGN.md: "insults are hostile"), so every row of the
pack with insult 1 has hostility 1, whatever the source's own aggression field
says (this changes cyberado rows tagged name-calling but "not aggressive", and
jigsaw rows tagged insult but not toxic). A user's own files keep their labels.

| source file | insult | hostility |
|---|---|---|
| mlma_fr.csv (MLMA tweets) | 1 if `sentiment` has offensive, abusive or disrespectful; 0 if it is only `normal`; NaN otherwise (hateful/fearful only) | 1 if any type other than `normal`; 0 if only `normal` |
| fr_hate_superset.csv (sexism + FTR subsets) | NaN | `labels` (1 hateful / 0 not) |
| cyberagressionado_v2.csv | 1 if `VERBAL_ABUSE` is `NCG` (name-calling), else 0 | 1 if `HATE` is `OAG` or `CAG`, 0 if `NAG` |
| jigsaw_fr_subset.csv (French `content`) | `insult` | `toxic` or `threat` or `identity_hate` |
| toxifrench_annotated.csv | NaN | 1 if both annotators say toxic (1 and >= 0.75), 0 if both say not (0 and <= 0.25), NaN when they disagree |

Superset rows from its `MLMA` and `cyberado` subsets are dropped: they
duplicate mlma_fr.csv and cyberagressionado_v2.csv (which carry finer labels),
and keeping them would leak across a leave-one-source-out split.

`masked` is not annotated by any source: it is derived from the text by
:func:`moderation.scoring.masking.has_mask` for every row, and trained with masked
copies of abusive rows (see :mod:`moderation.training.augment`).

Extra user files (CSV or JSONL) need a `text` column plus any of `insult`,
`masked`, `hostility` (0/1, blank = unknown); the file name is their source.
"""
from __future__ import annotations

import io
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from ..labels import LABELS
from ..textio import InputError, read_text

#: The data pack: $MODERATION_DATA, else `../shared/data` beside the repository checkout.
DEFAULT_DATA_DIR = Path(os.environ.get("MODERATION_DATA") or Path(__file__).resolve().parents[3] / "shared" / "data")

NAN = np.nan


def _frame(text, insult, hostility, source: str, group) -> pd.DataFrame:
    text = pd.Series(np.asarray(text, dtype=object)).fillna("").astype(str)
    n = len(text)
    insult = np.broadcast_to(np.asarray(insult, dtype=float), n)
    hostility = np.where(insult == 1, 1.0, np.broadcast_to(np.asarray(hostility, dtype=float), n))
    df = pd.DataFrame({
        "text": text,
        "insult": insult,
        "masked": NAN,
        "hostility": hostility,
        "source": source,
        "group": np.asarray(group, dtype=str),
    })
    return df[df["text"].str.strip() != ""].reset_index(drop=True)


def load_mlma(path: Path) -> pd.DataFrame:
    df = pd.read_csv(path)
    types = df["sentiment"].fillna("").str.split("_")
    insulting = types.map(lambda t: bool({"offensive", "abusive", "disrespectful"} & set(t)))
    only_normal = types.map(lambda t: set(t) == {"normal"})
    insult = np.where(insulting, 1.0, np.where(only_normal, 0.0, NAN))
    hostility = np.where(only_normal, 0.0, 1.0)
    return _frame(df["tweet"], insult, hostility, "mlma", "mlma-" + df["HITId"].astype(str))


def load_superset(path: Path) -> pd.DataFrame:
    df = pd.read_csv(path)
    df = df[~df["dataset"].isin(["MLMA", "cyberado"])]
    return _frame(df["text"], NAN, df["labels"].astype(float), "superset", "superset-" + df.index.astype(str))


def load_cyberado(path: Path) -> pd.DataFrame:
    df = pd.read_csv(path)
    insult = (df["VERBAL_ABUSE"].fillna("") == "NCG").astype(float)
    hostility = df["HATE"].map({"OAG": 1.0, "CAG": 1.0, "NAG": 0.0})
    # one role-played chat per scenario: rows of a chat stay on one side of every split
    return _frame(df["TEXT"], insult, hostility, "cyberado", df["scenario"])


def load_jigsaw(path: Path) -> pd.DataFrame:
    df = pd.read_csv(path)
    hostile = (df["toxic"] + df["threat"] + df["identity_hate"]) > 0
    return _frame(df["content"], df["insult"].astype(float), hostile.astype(float), "jigsaw", df["msg_id"])


def load_toxifrench(path: Path) -> pd.DataFrame:
    df = pd.read_csv(path)
    a1, a2 = df["toxic_annotator1"], df["toxic_annotator2"]
    hostility = np.where((a1 == 1) & (a2 >= 0.75), 1.0, np.where((a1 == 0) & (a2 <= 0.25), 0.0, NAN))
    return _frame(df["content"], NAN, hostility, "toxifrench", df["msg_id"])


@dataclass(frozen=True)
class PackSource:
    name: str
    filename: str
    loader: Callable[[Path], pd.DataFrame]
    citation: str


SOURCES: tuple[PackSource, ...] = (
    PackSource("mlma", "mlma_fr.csv", load_mlma,
           "Ousidhoum et al., Multilingual and Multi-Aspect Hate Speech Analysis, EMNLP 2019 (MIT)"),
    PackSource("superset", "fr_hate_superset.csv", load_superset,
           "Tonneau et al., The Hate Speech Superset, WOAH 2024 (research use)"),
    PackSource("cyberado", "cyberagressionado_v2.csv", load_cyberado,
           "Ollagnier, CyberAgressionAdo-v2, LREC-COLING 2024 (research use)"),
    PackSource("jigsaw", "jigsaw_fr_subset.csv", load_jigsaw,
           "Jigsaw Toxic Comment Classification (CC0), French translation from the ToxiFrench project (MIT)"),
    PackSource("toxifrench", "toxifrench_annotated.csv", load_toxifrench,
           "Delaval et al., ToxiFrench, 2025 (MIT)"),
)


def load_pack(data_dir: str | Path | None = None) -> pd.DataFrame:
    """Load every source file of the data pack that is present; fail clearly if none is."""
    data_dir = Path(data_dir) if data_dir else DEFAULT_DATA_DIR
    if not data_dir.is_dir():
        raise InputError(f"data pack not found at {data_dir}; pass --data DIR")
    frames = [s.loader(data_dir / s.filename) for s in SOURCES if (data_dir / s.filename).is_file()]
    if not frames:
        names = ", ".join(s.filename for s in SOURCES)
        raise InputError(f"{data_dir} holds none of the data pack files ({names})")
    return pd.concat(frames, ignore_index=True)


def load_labelled_file(path: str | Path) -> pd.DataFrame:
    """Load a user's labelled CSV or JSONL: `text` plus any of the label columns."""
    path = Path(path)
    text = read_text(path)
    if path.suffix.lower() in (".jsonl", ".ndjson", ".json"):
        rows = []
        for n, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise InputError(f"{path}: line {n} is not valid JSON ({exc.msg})") from None
        df = pd.DataFrame(rows)
    else:
        try:
            df = pd.read_csv(io.StringIO(text))
        except pd.errors.ParserError as exc:
            raise InputError(f"{path}: malformed CSV ({exc})") from None
    if "text" not in df.columns:
        raise InputError(f"{path}: needs a `text` column (found: {', '.join(map(str, df.columns))})")
    present = [lab for lab in LABELS if lab in df.columns]
    if not present:
        raise InputError(f"{path}: needs at least one label column among {', '.join(LABELS)}")
    out = pd.DataFrame({"text": df["text"].fillna("").astype(str)})
    for lab in LABELS:
        col = pd.to_numeric(df[lab], errors="coerce") if lab in df.columns else pd.Series(NAN, index=df.index)
        if ((col.notna()) & ~col.isin([0, 1])).any():
            raise InputError(f"{path}: column `{lab}` must hold 0, 1 or blank")
        out[lab] = col.astype(float)
    out["source"] = path.stem
    out["group"] = path.stem + "-" + out.index.astype(str)
    return out[out["text"].str.strip() != ""].reset_index(drop=True)
