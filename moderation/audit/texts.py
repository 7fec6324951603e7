"""The report's words in each language it speaks (`moderation audit --lang`)."""
from __future__ import annotations

import os

REPORT_LANGUAGES = ("en", "fr")

#: Every piece of report text, per language ({placeholders} filled in by render_html).
TEXT = {
    "en": {
        "title": "Moderation audit, run {run}", "h1": "Moderation audit",
        "meta": "Run {run} · {generated} · model {model} · {files} files read, {skipped} skipped",
        "summary": "Summary", "comments": "comments", "flagged_note": "flagged (any label at or over its threshold)",
        "threshold": "threshold", "per_file": "Per file", "file": "file", "kind": "kind", "flagged": "flagged",
        "results": "results", "scored_now": "scored now", "from_run": "from run {run}",
        "flagged_h": "Flagged comments, highest score first",
        "cap": "Showing the top {shown} of {total} flagged comments; flagged.csv and results.jsonl hold them all.",
        "cap_ev": "Evidence is highlighted for the top {n}; the others show their scores only.",
        "legend": "Evidence: the words that raised a label's score, highlighted in the text. Each weight is what the "
                  "word added to the score's log-odds: +0.7 doubles the odds, +1.4 quadruples them. Filtering by a "
                  "label ranks the comments by that label's score.",
        "label": "Label:", "all": "all", "sort": "Sort:", "desc": "score, highest first", "asc": "score, lowest first",
        "source_order": "source order (file, line)", "shown": "shown", "none_flagged": "No comment was flagged.",
        "near_h": "Near misses: {shown} of {total} unflagged comments, closest to a threshold first",
        "near_note": "Unflagged comments whose score comes nearest to its label's threshold: where to look when "
                     "tuning thresholds (--threshold label=value).",
        "skipped_h": "Skipped files", "none_skipped": "None: every input could be read.", "reason": "reason",
        "line": "line {n}", "lines": "lines {a}–{b}", "id": "id {id}",
    },
    "fr": {
        "title": "Audit de modération, passe {run}", "h1": "Audit de modération",
        "meta": "Passe {run} · {generated} · modèle {model} · {files} fichiers lus, {skipped} ignorés",
        "summary": "Résumé", "comments": "commentaires",
        "flagged_note": "signalés (au moins un label à son seuil ou au-dessus)",
        "threshold": "seuil", "per_file": "Par fichier", "file": "fichier", "kind": "type", "flagged": "signalés",
        "results": "résultats", "scored_now": "scoré maintenant", "from_run": "de la passe {run}",
        "flagged_h": "Commentaires signalés, score le plus haut d'abord",
        "cap": "Les {shown} premiers des {total} commentaires signalés ; flagged.csv et results.jsonl les "
               "contiennent tous.",
        "cap_ev": "Les indices sont surlignés pour les {n} premiers ; les autres n'affichent que leurs scores.",
        "legend": "Indices : les mots qui ont fait monter le score d'un label, surlignés dans le texte. Chaque poids "
                  "est ce que le mot ajoute au logarithme de la cote du score : +0,7 double la cote, +1,4 la "
                  "quadruple. Filtrer par label classe les commentaires selon le score de ce label.",
        "label": "Label :", "all": "tous", "sort": "Tri :", "desc": "score, le plus haut d'abord",
        "asc": "score, le plus bas d'abord", "source_order": "ordre des sources (fichier, ligne)",
        "shown": "affichés", "none_flagged": "Aucun commentaire signalé.",
        "near_h": "Sous le seuil : {shown} des {total} commentaires non signalés, les plus proches d'un seuil d'abord",
        "near_note": "Commentaires non signalés dont le score approche le plus le seuil de son label : où regarder "
                     "pour régler les seuils (--threshold label=valeur).",
        "skipped_h": "Fichiers ignorés", "none_skipped": "Aucun : tous les fichiers ont pu être lus.",
        "reason": "raison", "line": "ligne {n}", "lines": "lignes {a}–{b}", "id": "id {id}",
    },
}



def default_language() -> str:
    """French when the user's locale is French (LC_ALL, LC_MESSAGES or LANG), else English."""
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var, "")
        if value:
            return "fr" if value.lower().startswith("fr") else "en"
    return "en"
