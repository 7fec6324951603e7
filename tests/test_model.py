"""The shipped model on the seed page, its manifest check, and the fast path's exactness."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from conftest import SEED_002, flag_matrix

from moderation import Moderator, ModelError

POUTINE_1 = 27   # "Merci au grand President Poutine pour avoir fait pleurer les très sales trolls..."
POUTINE_2 = 28   # "Poutine fait pleurer encore les sales trolls..."
MERCI = 25       # "Très bien. Merci beaucoup à la Russie pour son soutien au Mali."
CONDOLEANCES = 26


def test_masked_lines_of_the_thread_score_high_and_no_other_seed_line_does(moderator, seed_lines):
    from conftest import SEEDS
    probs = moderator.predict_proba(seed_lines)
    masked = moderator.labels.index("masked")
    for n, (line, p) in enumerate(zip(seed_lines, probs), 1):
        if 14 <= n <= 41 and "*" in line:
            assert p[masked] >= 0.9, (n, line, p[masked])
        else:
            assert p[masked] < 0.5, (n, line, p[masked])
    for page in sorted(SEEDS.glob("*.txt")):
        if page.name.startswith("002"):
            continue
        lines = page.read_text(encoding="utf-8").split("\n")
        assert moderator.predict_proba(lines)[:, masked].max() < 0.5, page.name


def test_abusive_seed_comments_flagged_polite_ones_not(moderator, seed_lines):
    texts = [seed_lines[n - 1] for n in (POUTINE_1, POUTINE_2, MERCI, CONDOLEANCES)]
    flags = flag_matrix(moderator, texts)
    lab = {name: i for i, name in enumerate(moderator.labels)}
    for row in flags[:2]:
        assert row[lab["insult"]] and row[lab["hostility"]]
    assert not flags[2].any() and not flags[3].any()


def test_an_insult_the_training_data_never_shows_is_caught_through_its_word_vector(moderator):
    # "sagouin" appears in no file of the data pack: only its word vector can carry it
    insult = moderator.labels.index("insult")
    rude, plain = "Quel sagouin ce ministre", "Quel citoyen ce ministre"
    flags = flag_matrix(moderator, [rude, plain])
    assert flags[0, insult] and not flags[1].any()
    assert moderator.explain(rude)["insult"][0].ngram == "sagouin"


def test_everyday_and_identity_words_are_no_insult_evidence(moderator):
    # safetext lists these words; as insult cues they pushed plain news sentences towards the insult threshold
    from moderation.scoring.features import WORD_LEXICON
    from moderation.scoring.hashing import word_columns

    news = ["La veuve du soldat a reçu une médaille", "Le crime a été commis dans le quartier",
            "Elle est lesbienne et elle se marie demain", "Merci pour l'article, bonne journée"]
    assert not flag_matrix(moderator, news).any()
    assert max(s["insult"] for s in moderator.score(news)) < 0.05
    flags = moderator.fast.cues.word_flags_[word_columns(["veuve", "crime", "bonne", "journée"], moderator.fast.tfidf.n_bits)]
    assert not (flags & WORD_LEXICON).any()                      # none of them counts as a listed insult
    lesbienne = moderator.explain("Elle est lesbienne et elle se marie demain")
    assert all(e.ngram in ("lesbienne", "marie") for ev in lesbienne.values() for e in ev)   # whole words only
    assert flag_matrix(moderator, ["Espèce de connard"])[0, moderator.labels.index("insult")]


def test_writing_in_capitals_changes_no_score(moderator, seed_lines):
    # readers of the target sites write whole comments in capitals; the thread has several
    shouted = [line for line in seed_lines[13:41] if line.isupper() and "*" not in line]
    assert len(shouted) >= 4
    np.testing.assert_allclose(moderator.predict_proba(shouted),
                               moderator.predict_proba([line.lower() for line in shouted]), atol=1e-9)
    # line 39 reports what a minister asked: news, not hostility, whatever its case
    assert not flag_matrix(moderator, [seed_lines[38]]).any()


def test_score_returns_one_mapping_per_text_and_handles_empty(moderator):
    out = moderator.score(["", "   ", "Bonjour", "🙂" * 3])
    assert len(out) == 4 and all(set(o) == {"insult", "masked", "hostility"} for o in out)
    assert all(0.0 <= v <= 1.0 for o in out for v in o.values())
    assert not flag_matrix(moderator, [""]).any()
    assert moderator.score([]) == []


def test_explain_names_ngrams_with_spans_in_the_original_text(moderator, seed_lines):
    text = seed_lines[POUTINE_2 - 1]
    ev = moderator.explain(text)
    assert set(ev) == {"insult", "masked", "hostility"}
    top = ev["insult"]
    assert top and all(e.weight > 0 for e in top)
    shown = " ".join(text[a:b].lower() for e in top for a, b in e.spans)
    assert "troll" in shown or "sale" in shown or "chien" in shown or "maudit" in shown
    masked = moderator.explain("La Russie est u***** pays qui ont sollicité son aide.")["masked"]
    assert any("*" in "La Russie est u***** pays"[a:b] for e in masked for a, b in e.spans)


def test_fast_path_matches_the_sklearn_pipeline(moderator, seed_lines):
    rng = np.random.default_rng(0)
    alphabet = list("abcdefghijklmnopqrstuvwxyzéèàçÉ *!?.,'’😀\u00a0\t") + ["ﬁ", "Ã©", "http://x.fr ", "@moi ",
                                                                          "&amp;", "&#39;", "\u00f0\u009f\u0098\u0085"]
    random_texts = ["".join(rng.choice(alphabet, size=rng.integers(0, 300))) for _ in range(200)]
    texts = seed_lines + random_texts + ["", "u*****", "A" * 5000]
    fast = moderator.predict_proba(texts)
    reference = moderator.pipeline.predict_proba(texts)
    assert np.abs(fast - reference).max() < 1e-6


def _copy_model(tmp_path):
    from moderation.scoring.modelfile import manifest_path, resolve_model_path
    src = resolve_model_path()
    dst = tmp_path / src.name
    shutil.copy(src, dst)
    shutil.copy(manifest_path(src), manifest_path(dst))
    return dst


def test_tampered_model_is_refused(tmp_path):
    path = _copy_model(tmp_path)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ModelError, match="does not match its manifest"):
        Moderator.load(path)


def test_library_version_mismatch_is_refused(tmp_path):
    path = _copy_model(tmp_path)
    mpath = path.with_suffix(".json")
    manifest = json.loads(mpath.read_text())
    manifest["sklearn_version"] = "0.0.1"
    mpath.write_text(json.dumps(manifest))
    with pytest.raises(ModelError, match="scikit-learn 0.0.1"):
        Moderator.load(path)


def test_model_from_a_version_with_other_cue_features_is_refused(tmp_path):
    # a model file of another version: the near-insult cues' coefficients missing, a valid manifest
    import copy

    import joblib

    from moderation.scoring.modelfile import manifest_path, sha256_file
    path = _copy_model(tmp_path)
    pipeline = joblib.load(path)
    clf = copy.deepcopy(pipeline.named_steps["classifier"])
    from moderation.scoring.features import CueFeatures
    first_cue = clf.coef_.shape[1] - len(CueFeatures.names)
    near = [first_cue + i for i, name in enumerate(CueFeatures.names) if name.startswith("near_insult")]
    clf.coef_ = np.delete(clf.coef_, near, axis=1)
    pipeline.steps[-1] = ("classifier", clf)
    joblib.dump(pipeline, path)
    manifest = json.loads(manifest_path(path).read_text())
    manifest["sha256"] = sha256_file(path)
    manifest_path(path).write_text(json.dumps(manifest))
    n = len(CueFeatures.names)
    with pytest.raises(ModelError, match=f"{n - len(near)} cue features.*computes {n}.*moderation train"):
        Moderator.load(path)


def test_missing_model_names_the_build_command(tmp_path):
    with pytest.raises(ModelError, match="moderation train"):
        Moderator.load(tmp_path / "nothing.joblib")


def test_manifest_records_what_users_rely_on():
    from moderation.scoring.modelfile import manifest_path, resolve_model_path
    manifest = json.loads(manifest_path(resolve_model_path()).read_text())
    for key in ("version", "sha256", "sklearn_version", "thresholds", "sources", "metrics", "stream_prevalence",
                "target_precision", "word_lists_sha256", "evaluation"):
        assert key in manifest
    assert set(manifest["thresholds"]) == {"insult", "masked", "hostility"}
    sources = {s["source"]: s for s in manifest["sources"]}
    assert sources["newsroom"]["rows"] >= 4000                    # the news moderator's rows train the model
    assert all(s["rows"] + s["augmented_rows"] > 0 for s in sources.values())
    assert manifest["evaluation"]["newsroom_test"]["rows"] >= 600   # scripts/evaluate.py's figures are stored


def test_odd_strings_score_and_explain_without_error(moderator):
    odd = ["a\ud800b", "x\x00y sale con", "\u202e\u200b", "é" * 3, "http://x.fr", "@someone"]
    assert len(moderator.score(odd)) == len(odd)
    for text in odd:
        for evidence in moderator.explain(text).values():
            assert all(0 <= a < b <= len(text) for e in evidence for a, b in e.spans)


def test_html_escaped_export_scores_like_the_plain_comment(moderator):
    escaped = "T&#39;es qu&#39;un sale con &amp; un menteur"
    plain = "T'es qu'un sale con & un menteur"
    assert moderator.score([escaped]) == moderator.score([plain])
    shown = {escaped[a:b] for e in moderator.explain(escaped)["insult"] for a, b in e.spans}
    assert "con" in shown or "sale" in shown


def test_explain_spans_survive_url_removal(moderator):
    text = "http://x.fr @bob bande de chiens"
    shown = {text[a:b] for e in moderator.explain(text)["insult"] for a, b in e.spans}
    assert "chiens" in shown


def test_seed_thread_scores_match_the_recorded_ones(moderator):
    """Scores of the seed thread equal, to 1e-6, those recorded for this model file (by the code before
    the last refactor, or by scripts/golden_scores.py after a retrain): scoring code changes move no score."""
    from moderation import segment_page

    golden = json.loads((Path(__file__).parent / "fixtures" / "seed_thread_scores.json").read_text(encoding="utf-8"))
    assert golden["model_sha256"] == moderator.manifest["sha256"], \
        "the shipped model changed: run scripts/golden_scores.py to record its scores"
    comments = segment_page(SEED_002.read_text(encoding="utf-8")).comments
    assert [c.text for c in comments] == [g["text"] for g in golden["comments"]]
    expected = np.array([[g[lab] for lab in moderator.labels] for g in golden["comments"]])
    np.testing.assert_allclose(moderator.predict_proba([c.text for c in comments]), expected, atol=1e-6, rtol=0)


def test_a_label_raised_by_an_implication_shows_its_source_evidence(moderator, seed_lines):
    # every insult is hostile: where the insult score lifts hostility, the moderator reads why (the insult's words)
    texts = [*seed_lines, "Espèce de connard", "Bande de chiens corrompus", "Ce ministre est un imbécile."]
    raw = moderator.fast.raw_proba(texts)
    ins, hos = moderator.labels.index("insult"), moderator.labels.index("hostility")
    lifted = [t for t, r in zip(texts, raw) if r[ins] > r[hos] + 1e-9]
    assert lifted
    for text in lifted:
        ev = moderator.explain(text)
        assert ev["hostility"] == ev["insult"]
    assert moderator.predict_proba(lifted)[:, hos] == pytest.approx(moderator.fast.raw_proba(lifted)[:, ins])


SHORT_NEUTRAL = ["Le maire est venu", "Merci", "Vive le Mali", "Dieu merci", "Bravo les Lions", "Enfin la pluie", "On attend",
                 "C'est vrai", "Pas d'accord", "Je confirme", "Triste nouvelle", "RIP", "Paix à son âme", "Quelle chaleur",
                 "Les prix montent", "Courage aux soldats", "La France", "Les Russes", "Les Peuls", "Wagner", "Le président",
                 "Macron", "Goïta", "Ousmane Sonko", "Le franc CFA", "Délestage encore", "Pas de courant", "Ça suffit",
                 "Les Touaregs", "Les musulmans", "Le ministre a parlé", "Bonne fête", "Amen", "Inch Allah",
                 "Allez les Éléphants", "Le bac est lundi", "Le pont est fini", "Et l'armée ?", "Qui a gagné ?",
                 "Les élections", "Le Niger", "Tiani", "Biya", "L'opposition", "La junte", "Le général", "Les soldats",
                 "Les rebelles", "Les jihadistes", "La police"]
SHORT_ABUSIVE = ["Connard", "Sale traître", "Tuez-les", "Crève", "Ferme ta gueule", "Imbécile va", "Bande de voleurs",
                 "Espèce de chien", "Va mourir", "Pauvre con", "Des cafards", "Idiot", "T'es nul", "Dégage sale rat",
                 "À mort les traîtres", "Fils de pute", "Vermine", "Salaud", "Bâtard", "Les Peuls dehors"]


def test_short_comments_are_judged_by_what_they_say(moderator):
    # the prior mass keeps one or two neutral words from an extreme score ("Les rebelles", "Le maire est venu" were
    # flagged hostile with a smaller one) while a short insult or call to violence still reaches its threshold
    assert not flag_matrix(moderator, SHORT_NEUTRAL)[:, [moderator.labels.index("insult"),
                                                         moderator.labels.index("hostility")]].any()
    caught = flag_matrix(moderator, SHORT_ABUSIVE).any(axis=1)
    assert caught.sum() >= 15, [t for t, c in zip(SHORT_ABUSIVE, caught) if not c]
