"""The one normalisation path: repair, the visible words, and the compiled per-character and per-word pass."""
from moderation.scoring.normalise import normalise, normalise_with_offsets, repair
from moderation.scoring.visible import visible


def test_repair_fixes_mojibake_and_emoji_mojibake():
    assert repair("Ã©tÃ© SUPERRRR") == "été SUPERRRR"
    # UTF-8 emoji read as Latin-1 / CP1252, with no accented letter to give it away
    assert repair("Nazi pass?\u00f0\u009f\u0098\u0085") == "Nazi pass?\U0001F605"
    assert repair("manolo \u00f0\u009f\u00a4\u00a3") == "manolo \U0001F923"
    assert repair("Ólafur við ð") == "Ólafur við ð"          # a real eth stays


def test_repair_decodes_html_character_references_only():
    assert repair("l&#39;idiot &amp; co &lt;3") == "l'idiot & co <3"
    # no semicolon or no such entity: text, not markup ("&para" would otherwise become a pilcrow)
    assert repair("&parano &foo; AT&T") == "&parano &foo; AT&T"
    # decoded once, also when the text needs ftfy (mixed mojibake): a double escape stays single
    assert repair("dÃ©jÃ  â€œ &amp;lt;") == 'déjà " &lt;'


def test_normalise_folds_case_repeats_links_handles_and_emoji():
    assert normalise("Ã©lÃ¨ve SUPERRRR  http://x.com/a @toto fin 😡👍🏾") == "élève superr fin"


def test_function_words_and_single_letters_are_dropped():
    assert normalise("Toi tu es bête") == "bête"
    assert normalise("On va vous égorger un par un") == "va égorger"
    assert normalise("a") == normalise("à") == normalise("le la les") == normalise("") == ""
    assert normalise("d accord") == normalise("D'accord !").rstrip(" !") == "accord"


def test_community_names_are_one_token():
    assert normalise("Les Peuls sont nos frères") == normalise("Les Bamiléké sont nos frères")
    assert normalise("Ils sont homosexuels") == normalise("Ils sont musulmans")


def test_visible_words_resolve_masked_insults_and_drop_other_masks():
    assert visible("Ce ministre est un con****.") == "Ce ministre est un connard."
    assert visible("Espèce de p*te") == "Espèce de pute" and visible("bande d en*ulés") == "bande d enculés"
    assert normalise("Le maire ******* a inauguré le marché.") == normalise("Le maire a inauguré le marché.")
    assert normalise("*****les") == normalise("u*****") == ""        # an ending or one letter identifies nothing
    assert normalise("ﬁn u***** pays") == "fin pays"                  # NFKC too


def test_visible_words_undo_obfuscation_of_listed_insults():
    assert visible("c.o.n") == "con" and visible("i d i o t") == "idiot"
    assert visible("conn@rd") == "connard" and visible("k0n") == "kon"
    assert visible("Ces c-r-é-t-i-n-s d* l EDM") .startswith("Ces crétins")
    assert visible("En 2024, 5 morts à Djibo") == "En 2024, 5 morts à Djibo"   # digits alone are no obfuscation


def test_offsets_point_into_the_original_text():
    text = "Le maire ******* a inauguré le marché de Sikasso."
    norm, src = normalise_with_offsets(text)
    start = norm.index("inauguré")
    assert text[src[start]:src[start + len("inauguré") - 1] + 1] == "inauguré"


def test_normalise_empty():
    assert normalise("") == "" and normalise("   \n ") == ""
