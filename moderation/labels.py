"""The three moderation labels: the single place that names them.

Every other module (training, scoring, API, audit, reports) imports LABELS from
here, so adding or renaming a label is one edit.
"""
from __future__ import annotations

#: Label names, in the column order used by the model's score matrix.
LABELS: tuple[str, ...] = ("insult", "masked", "hostility")

#: One-line meaning of each label, shown in help text, the API and reports.
LABEL_DESCRIPTIONS: dict[str, str] = {
    "insult": "derogatory words aimed at a person or group: name-calling, slurs, contempt",
    "masked": "masking artifacts: words the site already censored with * (u*****, ******, *****les)",
    "hostility": "hostile or aggressive tone: threats, wishes of harm, dehumanising or hateful statements, shouted attacks",
}
