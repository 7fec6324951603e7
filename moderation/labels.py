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

#: The same in French, for reports rendered with ``--lang fr``.
LABEL_DESCRIPTIONS_FR: dict[str, str] = {
    "insult": "mots dégradants visant une personne ou un groupe : injures, insultes, mépris",
    "masked": "traces de masquage : mots déjà censurés par le site avec * (u*****, ******, *****les)",
    "hostility": "ton hostile ou agressif : menaces, souhaits de mort, propos déshumanisants ou haineux, attaques",
}

#: Label implications of the annotation guide (docs/labels.md): every insult is hostile. A model's
#: probability of the implied label is never below the implying one's (`scoring.classifier.imply`).
IMPLIES: dict[str, tuple[str, ...]] = {"insult": ("hostility",)}
