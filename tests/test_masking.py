import random

import pandas as pd

from moderation.scoring.masking import has_mask
from moderation.training.augment import augment, mask_text


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
    assert copy["masked"] == 1 and copy["insult"] == 1 and copy["group"] == "g1"
    benign = out[out["augmented"] == "benign-star"].iloc[0]
    assert "*" in benign["text"] and benign["masked"] == 0
