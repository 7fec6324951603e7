"""Moderators' decisions as training rows: the decision in force on each reviewed comment, one row per text.

The frame has the shape `sources.load_labelled_file` returns: `text`, the three
labels as floats (yes 1.0, no 0.0, not judged NaN), `source` =
"decisions:<site>" (the site of the input the comment came from, so per-source
weighting treats each site as one source), and `group` = the comment: each
decision is an independent verdict on a distinct text, so decisions spread over
the train, calibration and test splits like any row (grouped by page, the few
decisions of one page would all land in one split, often not the train one).
Identical texts are merged first, so no text is on both sides. The action
(keep / hide) does not train: a site may keep an insult or hide a spam, so only
the label verdicts say what the labels mean. A text decided on more than one
comment (the same page audited twice) counts once, with its latest decision.
`moderation train --decisions-weight W` multiplies these rows' sample weights by W
(see `train.sample_weights`).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..audit import store
from ..labels import LABELS
from ..review.decisions import latest_decisions
from ..textio import InputError

COLUMNS = ("text", *LABELS, "source", "group")


def _value(verdict: bool | None) -> float:
    """A stored verdict as a training label: True 1.0, False 0.0, not judged NaN."""
    return np.nan if verdict is None else float(verdict)


def load_decisions(url: str) -> pd.DataFrame:
    """The decisions in force in the store at `url`, as labelled training rows (see the module docstring)."""
    engine = store.open_store(url)
    try:
        with engine.connect() as conn:
            rows = [{"text": r["text"], **{lab: _value(r[lab]) for lab in LABELS},
                     "source": f"decisions:{r['site'] or store.site_of(r['path'])}",
                     "group": f"decisions:{r['comment_id']}", "decision_id": r["decision_id"]}
                    for r in latest_decisions(conn)]
    finally:
        engine.dispose()
    df = pd.DataFrame(rows, columns=[*COLUMNS, "decision_id"])
    df = df[df["text"].str.strip() != ""]
    df = df[df[list(LABELS)].notna().any(axis=1)]            # a decision with no label verdict teaches nothing
    df = (df.sort_values("decision_id").drop_duplicates("text", keep="last")
          .sort_values("decision_id").reset_index(drop=True))
    if df.empty:
        raise InputError(f"{engine.url.render_as_string(hide_password=True)}: the store holds no decision with a "
                         "label verdict to train on; review comments first (`moderation review --db URL`)")
    for lab in LABELS:
        df[lab] = df[lab].astype(float)
    return df[list(COLUMNS)]
