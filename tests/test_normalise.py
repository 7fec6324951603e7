from moderation.normalise import normalise


def test_normalise_repairs_mojibake_and_folds_case_urls_handles_repeats():
    assert normalise("Ã©tÃ© SUPERRRR  http://x.com/a @toto fin") == "été superr fin"


def test_normalise_keeps_masking_stars_and_nfkc():
    assert normalise("ﬁn u*****") == "fin u*****"


def test_normalise_empty():
    assert normalise("") == "" and normalise("   \n ") == ""
