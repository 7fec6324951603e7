from moderation.scoring.normalise import normalise


def test_normalise_repairs_mojibake_and_folds_case_urls_handles_repeats():
    assert normalise("Ã©tÃ© SUPERRRR  http://x.com/a @toto fin") == "été superr fin"


def test_normalise_repairs_emoji_mojibake_alone():
    # UTF-8 emoji read as Latin-1 / CP1252, with no accented letter to give it away
    assert normalise("Nazi pass?\u00f0\u009f\u0098\u0085") == "nazi pass?\U0001F605"
    assert normalise("manolo \u00f0\u009f\u00a4\u00a3") == "manolo \U0001F923"
    assert normalise("Ólafur við ð") == "ólafur við ð"   # a real eth stays


def test_normalise_decodes_html_character_references_only():
    assert normalise("l&#39;idiot &amp; co &lt;3 &#x1F600;") == "l'idiot & co <3 \U0001F600"
    # no semicolon or no such entity: text, not markup ("&para" would otherwise become a pilcrow)
    assert normalise("&parano &foo; AT&T") == "&parano &foo; at&t"
    # decoded once, also when the text needs ftfy (mixed mojibake): a double escape stays single
    assert normalise("dÃ©jÃ  â€œ &amp;lt;") == 'déjà " &lt;'


def test_normalise_keeps_masking_stars_and_nfkc():
    assert normalise("ﬁn u*****") == "fin u*****"


def test_normalise_empty():
    assert normalise("") == "" and normalise("   \n ") == ""
