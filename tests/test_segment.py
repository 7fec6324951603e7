"""Behaviour of moderation.segment as a user sees it: which comments come out of a page."""
from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from moderation.segment import Comment, SegmentResult, segment_page
from moderation.textio import InputError

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def seed(name: str) -> bytes:
    return next(SEEDS.glob(f"{name}_*.txt")).read_bytes()


# ----------------------------------------------------------------------------- seeds

def test_seed_002_yields_exactly_lines_14_to_41():
    res = segment_page(seed("002"))
    assert res.format == "text"
    assert res.has_comment_section
    covered = [n for c in res.comments for n in range(c.lines[0], c.lines[1] + 1)]
    assert covered == list(range(14, 42))
    assert res.comments[0].text.startswith("Sangare c’ est une malediction")
    assert res.comments[-1].text == "La Russie tient un double langage ce q****** va finir par les lasser"
    assert [c.index for c in res.comments] == list(range(len(res.comments)))


def test_seed_002_groups_link_signature_and_quote_with_their_comment():
    spans = {c.lines: c for c in segment_page(seed("002")).comments}
    assert spans[(22, 23)].text.endswith("https://m.youtube.com/watch?v=kpmJenY-VPs&pp=QAFIAg%3D%3D")
    assert spans[(34, 35)].author == "Henry Author Price Jr aka Kankan"
    assert spans[(36, 37)].author == "KAN"
    assert spans[(24, 25)].text.splitlines()[1] == "Très bien. Merci beaucoup à la Russie pour son soutien au Mali."
    assert (16, 16) in spans and (38, 38) in spans     # different shouting lines stay separate


@pytest.mark.parametrize("name, section", [("000", True), ("001", True), ("003", True), ("004", False)])
def test_other_seeds_have_no_comments(name, section):
    res = segment_page(seed(name))
    assert res.comments == []
    assert res.has_comment_section is section


def test_result_is_json_ready():
    data = segment_page(seed("002")).to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["format"] == "text" and data["has_comment_section"] is True
    first = data["comments"][0]
    assert first == {"index": 0, "text": first["text"], "lines": [14, 14], "path": None, "author": None, "date": None,
                     "title": None, "quoted": None, "parent": None}


# ----------------------------------------------------------------------------- text pages

def test_page_of_only_comments():
    page = ("Je suis d’accord avec vous, il faut agir maintenant.\n"
            "Merci pour cet article !\n"
            "VOUS ÊTES TOUS DES MENTEURS\n"
            "Les dirigeants sont des v*****s.\n"
            "Franchement on en a marre de ces promesses.\n")
    res = segment_page(page)
    assert [c.lines for c in res.comments] == [(i, i) for i in range(1, 6)]


def test_text_thread_with_author_date_and_reply_lines():
    page = "\n".join([
        "Kaolack : pénurie de gaz butane au marché central",
        "Les bonbonnes de 6 kg sont introuvables depuis une semaine, a indiqué mardi le service régional du commerce.",
        "Le service a annoncé une mission de contrôle pour cette semaine.",
        "",
        "Commentaires (2)",
        "Ndeye Fatou",
        "il y a 3 heures",
        "Même à Dakar c’est pareil, on cherche le gaz partout.",
        "Répondre",
        "Modou dit :",
        "Les commerçants organisent la pénurie.",
        "Il faut des sanctions.",
        "Répondre",
        "",
        "Ajouter un commentaire",
    ])
    res = segment_page(page)
    assert [(c.lines, c.author) for c in res.comments] == [((8, 8), "Ndeye Fatou"), ((11, 12), "Modou")]
    assert res.comments[0].date == "il y a 3 heures"
    assert res.comments[1].text == "Les commerçants organisent la pénurie.\nIl faut des sanctions."


def test_comment_form_without_comments_is_a_section_without_comments():
    page = ("Le ministre a annoncé jeudi la construction de deux lycées à Mopti, a indiqué le communiqué.\n\n"
            "Laisser un commentaire\nVotre adresse e-mail ne sera pas publiée.\n")
    res = segment_page(page)
    assert res.comments == [] and res.has_comment_section


# ----------------------------------------------------------------------------- HTML pages

WP_MODERN = """<!DOCTYPE html><html><body>
<article class="post"><h1>Titre</h1><div class="entry-content"><p>Le ministre a annoncé jeudi un plan.</p></div></article>
<div id="comments" class="comments-area"><h2 class="comments-title">2 commentaires</h2>
<ol class="comment-list">
<li id="comment-1" class="comment depth-1 parent"><article id="div-comment-1" class="comment-body">
<footer class="comment-meta"><div class="comment-author vcard"><img class="avatar" src="a.png"><b class="fn">Awa Traoré</b> <span class="says">dit :</span></div>
<div class="comment-metadata"><a href="#c1"><time datetime="2025-09-10T11:32:04+00:00">10 septembre 2025</time></a></div></footer>
<div class="comment-content"><p>Excellente nouvelle pour Mopti.</p></div>
<div class="reply"><a class="comment-reply-link" href="#">Répondre</a></div></article>
<ol class="children"><li id="comment-2" class="comment depth-2"><article id="div-comment-2" class="comment-body">
<footer class="comment-meta"><div class="comment-author vcard"><b class="fn">Moussa</b> <span class="says">dit :</span></div>
<div class="comment-metadata"><time datetime="2025-09-10T12:00:00+00:00">10 septembre 2025</time></div></footer>
<div class="comment-content"><p>On verra bien.</p><p>Les promesses n’engagent que ceux qui y croient !</p></div>
<div class="reply"><a class="comment-reply-link" href="#">Répondre</a></div></article></li></ol></li>
</ol>
<div id="respond" class="comment-respond"><h3 id="reply-title" class="comment-reply-title">Laisser un commentaire</h3>
<form id="commentform" class="comment-form"><textarea name="comment"></textarea><input type="submit" value="Envoyer"></form></div>
</div></body></html>"""


def test_wordpress_commentlist_with_nested_reply_author_and_date():
    res = segment_page(WP_MODERN)
    assert res.format == "html" and res.has_comment_section
    assert [(c.text, c.author, c.date) for c in res.comments] == [
        ("Excellente nouvelle pour Mopti.", "Awa Traoré", "2025-09-10T11:32:04+00:00"),
        ("On verra bien.\nLes promesses n’engagent que ceux qui y croient !", "Moussa", "2025-09-10T12:00:00+00:00"),
    ]
    assert all(c.lines is None and c.path.startswith("/html/body/") for c in res.comments)
    assert res.comments[0].path.endswith("/li")


def test_wordpress_classic_comment_body_with_cite():
    page = """<html><body><ol class="commentlist">
<li class="comment" id="li-comment-88"><div id="comment-88" class="comment-body">
<div class="comment-author vcard"><cite class="fn">Konan Yao</cite> <span class="says">says:</span></div>
<div class="comment-meta commentmetadata"><a href="#comment-88">15 septembre 2025 à 9 h 02 min</a></div>
<p>C’est trop loin pour les voyageurs.</p><div class="reply"><a class="comment-reply-link">Répondre</a></div>
</div></li></ol></body></html>"""
    (c,) = segment_page(page).comments
    assert (c.text, c.author, c.date) == ("C’est trop loin pour les voyageurs.", "Konan Yao", "15 septembre 2025 à 9 h 02 min")


@pytest.mark.parametrize("markup", [
    # div.comment-content inside section#comments
    """<section id="comments"><h3>2 commentaires</h3>
    <div class="comment-wrap" id="comment-1"><span class="comment-author-name">Kodjo</span><div class="comment-content">Premier avis.</div></div>
    <div class="comment-wrap" id="comment-2"><span class="comment-author-name">Afi</span><div class="comment-content">Second avis !</div></div></section>""",
    # article.comment
    """<section class="discussion"><article class="comment"><span class="comment-author">Kodjo</span>
    <div class="comment-text"><p>Premier avis.</p></div><footer class="comment-actions"><a class="report">Signaler</a></footer></article>
    <article class="comment"><span class="comment-author">Afi</span><div class="comment-text"><p>Second avis !</p></div></article></section>""",
    # generic class="reactions"
    """<div class="reactions"><div class="titre">Vos réactions</div>
    <div class="un-avis"><b>Kodjo</b> le 14/09/2025 à 10:05<br>Premier avis.</div>
    <div class="un-avis"><b>Afi</b> le 14/09/2025 à 11:20<br>Second avis !</div></div>""",
    # generic id="commentaires" with a list and a form
    """<div id="commentaires"><h3>Commentaires</h3><ul>
    <li><span class="pseudo">Kodjo</span> <em>(16/09/2025 09:14)</em><p>Premier avis.</p></li>
    <li><span class="pseudo">Afi</span> <em>(16/09/2025 10:02)</em><p>Second avis !</p></li></ul>
    <div class="ajout"><h4>Réagir</h4><form action="/reagir"><textarea></textarea></form></div></div>""",
], ids=["section-comments", "article-comment", "class-reactions", "id-commentaires"])
def test_comment_markup_families(markup):
    page = f"<html><body><h1>Titre</h1><p>Le port a traité un million de conteneurs, a indiqué la direction.</p>{markup}</body></html>"
    res = segment_page(page)
    assert [(c.text, c.author) for c in res.comments] == [("Premier avis.", "Kodjo"), ("Second avis !", "Afi")]
    assert res.has_comment_section


def test_html_without_comment_markup_falls_back_to_line_model():
    page = ("<html><body><h1>Bamako : délestages</h1><p>La société a expliqué jeudi la situation par un manque de "
            "combustible, a indiqué le ministère.</p><p>Source: L’Essor</p>"
            "<p>Mes frigos sont morts, mon commerce est mort !</p><p>EDM = ELECTRICITE DES MENTEURS</p></body></html>")
    res = segment_page(page)
    assert [c.text for c in res.comments] == ["Mes frigos sont morts, mon commerce est mort !",
                                              "EDM = ELECTRICITE DES MENTEURS"]
    assert res.comments[0].path == "/html/body/p[3]"


def test_html_without_comments_or_section():
    page = "<html><body><h1>Titre</h1><p>Le salon a ouvert mercredi, a indiqué la ministre.</p></body></html>"
    res = segment_page(page)
    assert res.comments == [] and not res.has_comment_section


def test_malformed_html_does_not_crash():
    page = ("<html><body><div id='comments'><h3>2 commentaires<div class='comment'><span class='comment-author'>Yao"
            "</span><div class='comment-content'><p>C’est du vol !</div><div class='comment'><p>Moi je prends le bateau"
            " <b>bus</div></body")
    res = segment_page(page)
    assert [c.text for c in res.comments] == ["C’est du vol !", "Moi je prends le bateau bus"]
    for broken in ("<div><<<>>></p></span>", "<html", "<!-- only a comment -->", "<?xml version='1.0'?><html></html>"):
        assert isinstance(segment_page(broken, format="html"), SegmentResult)


# ----------------------------------------------------------------------------- input handling

@pytest.mark.parametrize("page", ["", b"", "  \n\n \t\n", b"\xef\xbb\xbf"])
def test_empty_page(page):
    res = segment_page(page)
    assert res.comments == [] and res.has_comment_section is False
    assert segment_page(page, format="html").comments == []


def test_binary_bytes_are_refused():
    with pytest.raises(InputError, match="binary"):
        segment_page(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")


def test_latin1_bytes_are_refused_with_a_clear_message():
    with pytest.raises(InputError, match=r"line 2 is not valid UTF-8.*re-encode"):
        segment_page("Titre\nCommentaire très intéressant\n".encode("latin-1"))


def test_invalid_format_lists_valid_ones():
    with pytest.raises(ValueError, match="auto, text, html"):
        segment_page("x", format="pdf")


def test_format_detection_and_forcing():
    assert segment_page(WP_MODERN).format == "html"
    assert segment_page(seed("002")).format == "text"
    forced = segment_page(WP_MODERN, format="text")
    assert forced.format == "text" and all(c.lines for c in forced.comments)
    assert segment_page("Merci pour cet article !\n", format="html").format == "html"


READER_LINES = (
    "Franchement ce gouvernement nous prend pour des idiots, les prix montent chaque semaine et personne ne bouge !",
    "Merci pour cet article, il faut que les autorités lisent ça et réagissent vite avant la rentrée scolaire.",
    "LES COMMERÇANTS SONT DES VOLEURS ET L'ÉTAT LES PROTÈGE, VOILÀ LA VÉRITÉ QUE PERSONNE NE VEUT DIRE ICI.",
    "Je ne suis pas d'accord, il faut regarder les chiffres du marché international avant d'accuser tout le monde.",
)


def test_five_megabyte_text_page_runs_in_seconds():
    article = "Le ministre a annoncé jeudi un plan national, a indiqué le communiqué du gouvernement.\n" * 200
    thread = "".join(f"{READER_LINES[i % 4]} ({i})\n" for i in range(48_000))
    page = article + "Source: AMAP\n" + thread
    assert len(page.encode()) > 5_000_000
    start = time.perf_counter()
    res = segment_page(page)
    assert time.perf_counter() - start < 60   # a quadratic pass would take hours; CI load must not fail it
    assert len(res.comments) == 48_000 and res.comments[0].lines == (202, 202)


def test_multi_megabyte_html_page_runs_in_seconds():
    item = ('<li class="comment"><div class="comment-author"><b class="fn">Awa {0}</b></div>'
            '<div class="comment-content"><p>{1}</p></div><div class="reply"><a>Répondre</a></div></li>')
    items = "".join(item.format(i, READER_LINES[i % 4]) for i in range(12_000))
    page = f"<html><body><ol class='comment-list'>{items}</ol></body></html>"
    assert len(page.encode()) > 2_500_000
    start = time.perf_counter()
    res = segment_page(page)
    assert time.perf_counter() - start < 60   # a quadratic pass would take hours; CI load must not fail it
    assert len(res.comments) == 12_000 and res.comments[-1].path == "/html/body/ol/li[12000]"
    assert res.comments[-1].author == "Awa 11999"


def test_comment_fields():
    c = Comment(0, "Merci", (3, 3))
    assert c.to_dict() == {"index": 0, "text": "Merci", "lines": [3, 3], "path": None, "author": None, "date": None,
                           "title": None, "quoted": None, "parent": None}
