import random

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from moderation.scoring.masking import has_mask
from moderation.scoring.visible import visible, visible_batch
from moderation.training.augment import augment, harmless_star_copies, mask_text


def test_site_masking_is_found():
    for text in ["La Russie est u***** pays", "******.", "*****les.", "ce q****** va", "JD EST UN P*DÉ", "con****"]:
        assert has_mask(text), text


def test_benign_stars_are_not_masking():
    for text in ["Les champs obligatoires sont indiqués avec *", "**Important** lisez", "Note ***",
                 "Prix* hors taxe", "2*3=6", "* Voir conditions"]:
        assert not has_mask(text), text


def test_mask_text_stars_offending_words():
    masked = mask_text("espèce de connard tu es nul", random.Random(1))
    assert "connard" not in masked and has_mask(masked)


def test_augment_keeps_labels_and_groups():
    df = pd.DataFrame({"text": ["sale connard", "bonne journée à tous"], "insult": [1.0, 0.0], "masked": [float("nan")] * 2,
                       "hostility": [1.0, 0.0], "source": ["s", "s"], "group": ["g1", "g2"]})
    out = augment(df, seed=0, masked_share=1.0, benign_share=1.0)
    copy = out[out["augmented"] == "masked"].iloc[0]
    # a masked copy teaches `masked` only: whether its visible words still insult is unknown
    assert copy["masked"] == 1 and np.isnan(copy["insult"]) and np.isnan(copy["hostility"]) and copy["group"] == "g1"
    benign = out[out["augmented"] == "benign-star"].iloc[0]
    assert "*" in benign["text"] and benign["masked"] == 0
    empty = out[out["augmented"] == "no-content"]
    assert len(empty) > 100 and (empty[["insult", "masked", "hostility"]] == 0).all().all()


def test_harmless_star_copies_keep_labels_and_star_only_harmless_words():
    df = pd.DataFrame({"text": ["Le maire Ousmane a inauguré le marché de Sikasso.", "Espèce de connard"],
                       "insult": [0.0, 1.0], "masked": [0.0, 0.0], "hostility": [0.0, 1.0],
                       "source": ["newsroom", "newsroom"], "group": ["n1", "n2"], "augmented": ["", ""]})
    out = harmless_star_copies(df, seed=0)
    assert len(out) == 1 and out.iloc[0]["group"] == "n1" and out.iloc[0]["train_only"]
    assert out.iloc[0]["insult"] == 0 and out.iloc[0]["masked"] == 1 and has_mask(out.iloc[0]["text"])
    assert "connard" not in " ".join(out["text"])                 # an insult is never a harmless word


# The compiled screen in front of visible() may only skip texts visible() would leave unchanged.
_SCREEN_ALPHABET = "abcdeinoprstuCNOÉéèÂçœ013457@$*._- '😀𝐜\u0301İ"


@settings(max_examples=400, deadline=None)
@given(st.lists(st.text(alphabet=_SCREEN_ALPHABET, max_size=30), min_size=1, max_size=8))
def test_batch_screen_changes_nothing_visible_would_not(texts):
    assert visible_batch(texts) == [visible(t) for t in texts]


@pytest.mark.parametrize("text, seen", [("espèce de c0nn@rd", "espèce de connard"), ("BÂT4RD !", "bâtard !"),
                                         ("t.e.s un i d i o t", "t.e.s un idiot"), ("le 12 mars à 14h30", None),
                                         ("@user merci", None), ("😀c0nnard😀", "😀connard😀")])
def test_batch_screen_spells_out_obfuscated_insults(text, seen):
    assert visible_batch([text]) == [seen if seen is not None else text]
