"""Isolate the reader comments of one article page (plain-text dump or HTML).

Text pages (and HTML pages without comment markup) go through a line model:
every non-blank line is typed by keyword patterns (site furniture, comment
form, comment heading, article-end marker such as ``Source:``, thread
metadata such as ``Répondre`` or an author/date line, bare link, name-like
signature, quotation, prose). Prose lines get a hand-weighted log-odds of
being a comment from surface cues (first/second person, shouting, masked
words, exclamation, informal typing, English) against journalistic cues
(reporting verbs, dated weekdays, headline shape, reported speech), plus
positional priors (before the article-end marker, after a comment heading,
next to thread metadata). A thread is one contiguous block after the
article, so the comments are the block with the highest total score
(maximum-sum subarray, linear time); strong furniture lines break blocks.
Inside the block, lines are grouped only on evidence: quote + reply,
comment + bare link, comment + name-like signature, and paragraphs between
explicit author/``Répondre`` delimiters.

HTML pages are parsed with lxml.html, which is tolerant of malformed markup
and fast (C parser). Comment items are recognised from class/id vocabulary
shared by WordPress, Disqus and home-made templates (``comment``,
``commentaire``, ``reaction``; ``-content``/``-author``/``-date`` parts);
reply links, buttons and forms are dropped, nested replies are separate
comments in document order. A page with no comment markup falls back to the
line model over its visible block text.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from lxml import etree
from lxml import html as lxml_html

from moderation.textio import InputError, decode_bytes

#: Bump when segmentation output changes: the audit re-segments pages cached under another version.
SEGMENTER_VERSION = "1"

FORMATS = ("auto", "text", "html")


@dataclass(frozen=True)
class Comment:
    """One reader comment: text plus where it was found and who wrote it when shown."""

    index: int
    text: str
    lines: tuple[int, int] | None = None
    path: str | None = None
    author: str | None = None
    date: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping (``lines`` as a 2-list or None)."""
        return {
            "index": self.index,
            "text": self.text,
            "lines": list(self.lines) if self.lines else None,
            "path": self.path,
            "author": self.author,
            "date": self.date,
        }


@dataclass
class SegmentResult:
    """Comments of one page, the format used, and whether the page has a comment section."""

    format: str
    comments: list[Comment] = field(default_factory=list)
    has_comment_section: bool = False

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping of the whole result."""
        return {
            "format": self.format,
            "has_comment_section": self.has_comment_section,
            "comments": [c.to_dict() for c in self.comments],
        }


def segment_page(page: str | bytes, format: str = "auto") -> SegmentResult:
    """Return the reader comments of ``page`` in page order.

    ``format`` is "auto" (detect markup), "text" or "html". Bytes are decoded
    as UTF-8 via :func:`moderation.textio.decode_bytes`, which raises
    :class:`~moderation.textio.InputError` for binary or non-UTF-8 input.
    """
    if format not in FORMATS:
        raise ValueError(f"invalid format {format!r}: expected one of {', '.join(FORMATS)}")
    if isinstance(page, (bytes, bytearray)):
        page = decode_bytes(bytes(page), "page")
    elif not isinstance(page, str):
        raise InputError(f"page must be str or bytes, got {type(page).__name__}")
    fmt = format if format != "auto" else ("html" if looks_like_html(page) else "text")
    if fmt == "html":
        return _segment_html(page)
    units = [_Unit(text=line.strip(), line=i) for i, line in _numbered_lines(page)]
    comments, section = _segment_units(units)
    return SegmentResult("text", comments, section)


# --------------------------------------------------------------------------- format detection

_HTML_START = re.compile(r"\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b", re.I | re.S)
_HTML_TAG = re.compile(
    r"</?(?:html|head|body|div|p|span|a|ul|ol|li|article|section|br|h[1-6]|table|tr|td|time|cite|"
    r"footer|header|nav|img|strong|em|b|i|blockquote|form|main|aside)\b[^<>]{0,500}>",
    re.I,
)


def looks_like_html(text: str) -> bool:
    """True when ``text`` starts like an HTML document or is dense in common tags."""
    if _HTML_START.match(text[:5000]):
        return True
    sample = text[:200_000]
    tags = len(_HTML_TAG.findall(sample))
    lines = sum(1 for line in sample.split("\n") if line.strip())
    return tags >= 2 and "</" in sample and tags * 10 >= lines


def _numbered_lines(text: str) -> Iterator[tuple[int, str]]:
    """Non-blank lines with their 1-based number (``\\n`` separated, so numbers match editors)."""
    for i, line in enumerate(text.split("\n"), 1):
        if line.strip():
            yield i, line


# --------------------------------------------------------------------------- line typing

def _n(s: str) -> str:
    """Normalised form for keyword matching: lower case, straight apostrophes, single spaces."""
    return " ".join(s.replace("’", "'").replace("\u00a0", " ").lower().split())


_LINK = re.compile(r"(?:https?://|www\.)\S+")
_FORM = re.compile(
    r"\b(?:laisse[rz] un commentaire|ajouter un commentaire|[ée]crire un commentaire|poster un commentaire|"
    r"publier (?:un |le |votre )?commentaire|commenter cet article|r[ée]agi(?:r|ssez) [àa] cet article|"
    r"donnez votre avis|leave a (?:reply|comment)|post comment|add a comment|"
    r"(?:e-?mail|courriel|messagerie)\W{0,3}(?:ne sera|n'est) (?:pas|jamais) (?:publi|affich)|will not be published|"
    r"^(?:(?:entrez|saisissez|tapez|[ée]crivez|r[ée]digez|indiquez) )?votre (?:commentaire|message|r[ée]action|nom|"
    r"e-?mail|adresse(?: e-?mail)?|pseudo|site(?: web)?)(?: \([^)]*\))?\s*[*:.…]*$|"
    r"champs (?:obligatoires|requis)|required fields are marked|enregistrer mon nom|save my name|"
    r"connect(?:[ée]e?s?|er|ez)(?:-vous)? pour (?:publier|poster|commenter|r[ée]agir|participer)|"
    r"logged in to (?:post|comment)|annuler la r[ée]ponse|cancel reply|"
    r"commentaires? (?:sont|est) (?:ferm|d[ée]sactiv)|comments are closed|aucun commentaire|"
    r"soyez le premier [àa] (?:commenter|r[ée]agir)|be the first to comment|pas encore de commentaire|no comments yet|"
    r"^(?:votre )?(?:commentaire|message|r[ée]action|nom|name|e-?mail|site(?: web)?|website|pseudo)\s*[*:]\s*\*?$|"
    r"^(?:envoyer|soumettre|publier|valider)(?: (?:le|mon|votre) commentaire)?$)"
)
_PAYWALL_SECTION = re.compile(
    r"(?:contribution|commentaire|comment|r[ée]action|espace d'[ée]change|discussion|r[ée]agir|commenter)[^.!]*\b(?:abonn|subscri)|"
    r"(?:abonn|subscri)[^.!]*\b(?:contribu|comment|r[ée]agir|discussion|[ée]change)"
)
_HEADING = re.compile(
    r"^(?:(?:\d+|un|une|one|aucun|aucune|no)\s+)?(?:commentaires?|r[ée]actions?|comments?|r[ée]ponses?|responses?|"
    r"r[ée]flexions?|thoughts?|replies|contributions?|avis)(?:\s*\(\d+\))?(?:\s+(?:sur|à|a|to|on|pour)\s+[«“\"].*)?\s*:?$|"
    r"^(?:vos|les|des|nos) (?:commentaires|r[ée]actions|contributions|avis)(?: des (?:lecteurs|internautes))?(?:\s*\(\d+\))?\s*:?$|"
    r"^(?:discussion|forum|d[ée]bat|le d[ée]bat|espace commentaires|avis des lecteurs|r[ée]actions des lecteurs)(?:\s*\(\d+\))?\s*:?$"
)
_END = re.compile(
    r"^(?:sources?|cr[ée]dits?(?: photos?)?|photos?|auteur|tags?|mots[- ]cl[ée]s|[ée]tiquettes?|cat[ée]gories?|"
    r"rubriques?|th[èe]mes?|lien source)\s*:|^(?:r[ée]dig[ée]|[ée]crit|propos recueillis|compil[ée]) par\b|"
    r"^\(?avec (?:afp|reuters|ap|apa|anadolu|agences?|xinhua|aps)\)?\.?$|^©|^\(c\)|^copyright\b|"
    r"^(?:par )?(?:la )?r[ée]daction(?: de [\w' .-]{1,30})?\.?$|^\(?(?:afp|aps|aip|amap|map|apa|reuters|xinhua|anadolu)\)?\.?$"
)
_LIST_HEADING = re.compile(
    r"^(?:[àa] )?lire (?:aussi|[ée]galement|encore)\b|"
    r"^(?:les |nos )?(?:articles?|sujets?|dossiers?|infos?|actualit[ée]s?) (?:similaires|li[ée]s|connexes|recommand[ée]s|"
    r"populaires|du m[êe]me auteur|de l'auteur|qui pourraient vous (?:plaire|int[ée]resser)|en relation)\b|"
    r"^sur le m[êe]me (?:sujet|th[èe]me)|^dans la m[êe]me (?:rubrique|cat[ée]gorie)|"
    r"^(?:les |articles )?(?:les )?plus (?:lus|comment[ée]s|partag[ée]s|populaires|vus|r[ée]cents)\b|"
    r"^(?:les )?(?:derniers|derni[èe]res) (?:articles|actualit[ée]s|infos|publications|nouvelles|vid[ée]os)\b|"
    r"^(?:[àa] la une|en continu|fil d'actu(?:alit[ée])?|vous aimerez aussi|vous pourriez aussi aimer|"
    r"vous aimerez peut-[êe]tre|recommand[ée] pour vous|related(?: posts| articles| stories)?|you may also like|"
    r"du m[êe]me auteur|autres articles|(?:[àa] )?voir aussi|tendances|articles r[ée]cents|[àa] d[ée]couvrir)\b"
)
_ACTION_PART = re.compile(
    r"^(?:r[ée]pondre|reply|signaler(?: un abus| ce commentaire| le commentaire)?|report|citer|quote|j'aime(?: pas)?|"
    r"like|dislike|modifier|edit|supprimer|delete|permalien|permalink|partager|share|"
    r"(?:voir|afficher|masquer|charger) (?:les |plus de |la )?(?:r[ée]ponses?|commentaires?)|voir plus|charger plus|"
    r"plus de commentaires|r[ée]pondre (?:à|a) \S+(?: \S+)?|"
    r"votre commentaire est en attente de mod[ée]ration\.?|your comment is awaiting moderation\.?|re ?:.*|"
    r"[\d\s+\-▲▼↑↓👍👎♥❤()]+|\d+\s*(?:j'aime|likes?|votes?|points?|r[ée]ponses?|replies))$"
)
_FURNITURE_SHORT = re.compile(
    r"^(?:partage[rz]?(?: (?:sur|cet article|l'article))?|share(?: this)?|tweet(?:er)?|imprimer|print|envoyer(?: par e-?mail)?|"
    r"facebook|twitter|x|whatsapp|linkedin|telegram|pinterest|messenger|e-?mail|copier le lien|accueil|home|menu|"
    r"rechercher|recherche|search|connexion|se connecter|s'inscrire|inscription|mon compte|d[ée]connexion|"
    r"contact(?:ez-nous)?|[àa] propos|qui sommes-nous|mentions l[ée]gales|politique de confidentialit[ée]|cgu|"
    r"conditions g[ée]n[ée]rales.*|publicit[ée]|espace annonceurs?|annonces?|newsletter|to top|top|haut de page|"
    r"retour en haut|retour|suivant|pr[ée]c[ée]dent|article (?:suivant|pr[ée]c[ée]dent)|page \d+|voir plus|"
    r"charger plus|afficher plus|en savoir plus|lire plus|lire la suite|s'abonner|abonnez-vous|je m'abonne|"
    r"d[ée]j[àa] abonn[ée].*|accepter|refuser|tout accepter|tout refuser|param[èe]tr(?:er|es)|personnaliser|"
    r"fermer|close|sponsoris[ée]|advertisement|ajoutez votre titre ici|flash info|en direct|direct|live|"
    r"breaking news|derni[èe]re minute|galerie|vid[ée]os?|photos?|podcasts?|politique|[ée]conomie|soci[ée]t[ée]|"
    r"sports?|culture|international|afrique|monde|sant[ée]|opinions?|actualit[ée]s?|r[ée]gions?|nation|justice|"
    r"s[ée]curit[ée]|[ée]ducation|faits divers|people|technologies?|environnement|diaspora|emploi|tribune|"
    r"[ée]ditorial|interview|dossiers?|plus)(?:\s*[.…]+)?\s*:?$"
)
_NOTICES = ("tous droits réservés", "all rights reserved", "reproduction interdite", "reproduction intégrale", "©",
            "de cet article à lire", "réservé aux abonnés", "réservée aux abonnés", "déjà abonné", "pour lire la suite",
            "offre découverte", "essai gratuit", "sans engagement")
_CALL_TO_ACTION = re.compile(
    r"(?:suivez|rejoignez|t[ée]l[ée]chargez|[ée]coutez|abonnez|inscrivez|retrouvez|recevez|cliquez|d[ée]couvrez|"
    r"regardez|installez|activez|likez|soutenez|faites un don)\b.*\b(?:facebook|twitter|whatsapp|telegram|youtube|"
    r"instagram|tiktok|linkedin|newsletter|application|appli|app|radios?|mobiles?|cha[îi]nes?|page|site|"
    r"notifications?|direct|podcasts?|store|play|journal|r[ée]seaux sociaux|abonnement|don)\b"
)
_COOKIE_CONTEXT = re.compile(r"consent|navigation|donn[ée]es|partenaires|publicit|appareil|param[èe]tr|traceurs|"
                             r"exp[ée]rience|accepte|audience|utilis|notre site|ce site|our site|website")
_MENU_SEP = re.compile(r"\s[|•·»›/]\s")
_SAYS = re.compile(
    r"^(?P<name>[^.!?]{1,60}?)\s+(?:dit|a dit|a [ée]crit|[ée]crit|says|said|wrote|a r[ée]pondu|r[ée]pond)\s*:\s*(?P<rest>.*)$",
    re.I,
)
_POSTED_BY = re.compile(
    r"^(?:post[ée]|publi[ée]|[ée]crit|envoy[ée]|message|commentaire|r[ée]ponse)?\s*(?:par|de|by)\s+"
    r"(?P<name>.+?)\s+(?:le|on|il y a|»)\s+(?P<rest>.+)$",
    re.I,
)
_DATE_BY = re.compile(
    r"^(?:(?:post[ée]|publi[ée]|[ée]crit|envoy[ée])\s+)?(?:le\s+)?(?P<rest>.+?)\s+(?:par|by)\s+(?P<name>.+)$", re.I
)
_NAME_DATE_SPLIT = re.compile(r"\s+[-–—•|·»]\s+|\s*,\s+|\s+le\s+|\s+on\s+|\s+-\s*")
_BYLINE = re.compile(r"^(?:par|by)\s+(?P<name>.+)$", re.I)
_QUOTE = re.compile(r"^(?:[«“\"„‹].{15,}[»”\"›][\s.!?…]*|>.*)$", re.S)
_DATE_WORDS = frozenset(
    "janvier février fevrier mars avril mai juin juillet août aout septembre octobre novembre décembre decembre "
    "lun mer jeu ven sam dim mon tue wed thu fri sat sun "
    "janv févr fevr avr juil sept oct nov déc dec jan feb mar apr jun jul aug sep "
    "january february march april may june july august september october november december "
    "lundi mardi mercredi jeudi vendredi samedi dimanche monday tuesday wednesday thursday friday saturday sunday "
    "le la à a at on h min mn am pm il y heure heures minute minutes jour jours semaine semaines mois an ans année "
    "années hier aujourd hui publié publie posté poste mis modifié modifie écrit ecrit ago hour hours day days week "
    "weeks month months year years yesterday today utc gmt environ depuis er ème e th st nd rd de du".split()
)
_DIGIT = re.compile(r"\d")
_RELATIVE_DATES = ("hier", "aujourd", "il y a", "yesterday", "today", "ago")


def _has_date_anchor(n: str) -> bool:
    """A digit or a relative-date word: every date line has one (cheap pre-check)."""
    return bool(_DIGIT.search(n)) or any(w in n for w in _RELATIVE_DATES)
_NAME_PARTICLES = frozenset("de du des da di dos le la ben bin bint ould ag ibn van von el al aka alias dit jr sr et".split())
_COMMON_WORDS = frozenset(
    "merci bravo vive honte oui non ok amen courage dommage hélas helas super excellent félicitations bien très tres "
    "vraiment incroyable lol mdr bonjour bonsoir salut hello thanks thank yes no wow bof nul triste exactement "
    "absolument jamais toujours enfin voilà voila pourquoi comment quoi les un une est sont c'est il elle ils nous "
    "vous je tu on mon ma mes ce cette ces qui que pas plus tout tous rien dieu allah inchallah alhamdoulillah "
    "wallahi respect chapeau grave stop assez bien bon bonne mal faux vrai".split()
)
_ADJ_SUFFIX = re.compile(r"(?:able|ible|eux|euse|ique|ment|ant|ent|ion|isme|iste|té|ez|if|ive|al|ale|aux|ée|er)$")

# Comment-likeness cues (prose lines), weights are log-odds contributions.
_WORD = re.compile(r"[a-zà-öø-ÿœæ]+'?")                 # on lower-cased text; explicit class is 2x faster
_INVERTED = re.compile(r"-(?:t-)?(?:on|je|tu|nous|vous)\b")     # "peut-on", "dit-on" are not the reader
_PRONOUNS = frozenset("je j' moi mon ma mes nous notre nos vous votre vos tu toi ton ta tes on t' m' "
                      "i i' my we our you your".split())
_ELIDED = frozenset("c d j l m n s t qu".split())                   # elision letters typed without apostrophe
_SMS = frozenset("mdr ptdr svp stp pcq bcp tjrs tkt jsp slt bjr dsl mtn koi".split())
_EN_WORDS = frozenset("the and to of is are you my our we i this that with for will not have has in".split())
_FR_WORDS = frozenset("le la les des et est un une du que qui pour dans pas sur avec au aux ce".split())
_UPPER = re.compile(r"[^\W\d_a-zß-ÿ]")
_LETTER = re.compile(r"[^\W\d_]")
_EMOJI = re.compile(r"[\U0001F300-\U0001FAFF\u2600-\u27BF]")
_EMOTICON = re.compile(r"(?<!\w)[:;]-?[)(DP](?!\w)")
_MASKED = re.compile(r"\w\*{2,}|\*{3,}|\*{2,}\w")
_OPINION_WORDS = frozenset(
    "merci bravo félicitation félicitations honte honteux honteuse vive courage dommage hélas helas pauvre pauvres "
    "lol mdr amen inchallah inch'allah inchalla dieu allah franchement vraiment ridicule ridicules mensonge mensonges "
    "menteur menteurs voleur voleurs traître traîtres traitre traitres imbécile imbéciles imbecile idiot idiots "
    "stupide stupides incapable incapables corrompu corrompus arrêtez arretez réveillez reveillez personnellement "
    "hein wallahi walahi bof chapeau bonjour bonsoir svp putain merde marre dégage dégagez degage lamentable "
    "pathétique pathetique scandaleux bêtise bêtises betises foutaise foutaises clown clowns marionnette "
    "marionnettes vendu vendus valet valets hypocrite hypocrites hypocrisie mafia pitié haha hahaha blabla".split()
)
_OPINION_PHRASES = ("à bas ", "a bas ", "n'importe quoi", "bande de", "bandes de", "bla bla", "je pense",
                    "à mon avis", "selon moi", "bonne chance", "s'il vous plaît", "s'il vous plait", "que dieu",
                    "ya basta")
_AUXILIARIES = frozenset("a ont avait avaient aurait auraient".split())
_REPORTING = frozenset(
    [f"{stem}{end}" for stem in (
        "déclaré indiqué annoncé précisé souligné affirmé rappelé expliqué estimé ajouté confirmé réaffirmé salué "
        "condamné dénoncé signé procédé organisé présidé lancé mené effectué rencontré évoqué exprimé insisté "
        "publié rapporté informé assuré").split() for end in ("", "e", "s", "es")]
    + "reçu accueilli tenu conclu".split()
)
_WEEKDAYS = frozenset("lundi mardi mercredi jeudi vendredi samedi dimanche".split())
_WEEKDAY_NEXT = frozenset("dernier prochain soir matin".split())
_NEWS_PHRASES = ("a-t-il", "a-t-elle", "ont-ils", "peut-on lire", "lit-on", "a appris", "selon nos informations",
                 "conclut", "dans un communiqué", "selon le communiqué", "dans son communiqué", "via son communiqué",
                 "au cours d", "lors d")


def _journalistic(bare: str) -> int:
    """Count of reporting cues: "a déclaré", "jeudi 11 septembre", "a-t-il", "lors de"..."""
    toks = bare.replace(",", " ").replace(".", " ").split()
    hits = sum(w in bare for w in _NEWS_PHRASES)
    for i, tok in enumerate(toks[:-1]):
        nxt = toks[i + 1]
        if tok in _AUXILIARIES:
            hits += nxt in _REPORTING or (nxt in ("notamment", "également", "ainsi") and
                                          i + 2 < len(toks) and toks[i + 2] in _REPORTING)
        elif tok in _WEEKDAYS:
            hits += nxt[:1].isdigit() or nxt in _WEEKDAY_NEXT
    return hits


_INFORMAL = (                                                        # run on the lower-cased line
    re.compile(r"[,;](?=[^\s\d»”\"')])"),                                # no space after comma
    re.compile(r"[!?][!?]|\.\.\.\.|…\s*[.…]"),                           # "!!", "……..", "....."
    re.compile(r"([a-zà-ÿ])\1\1\1"),                                      # "trooooop"
)
_SPACED_APOSTROPHE = re.compile(r"\w' \w|\w '\w")
_STRIP_QUOTES = re.compile(r"«[^»«]*»|“[^”“]*”|\"[^\"]*\"")      # each scan stops at the next opener: linear
_COLON_HEAD = re.compile(r"^[^:]{1,60}\s[:–—]\s")


_NOT_IN_NAME = re.compile(r"[\d!?:;,«»“”\"()*@/|]")
_NAME_TOKEN = re.compile(r"[A-ZÀ-ÖØ-Þ][\w'’.-]*")
_PSEUDO_TOKEN = re.compile(r"[\w.'’@-]+")
_ACTION_SPLIT = re.compile(r"[|•·]|\s{2,}")


def _is_name(s: str) -> bool:
    """Short line made of capitalised name tokens (signature or author): "KAN", "Awa K. Traoré"."""
    if len(s) > 45 or _NOT_IN_NAME.search(s):
        return False
    toks = s.split()
    if not 1 <= len(toks) <= 6:
        return False
    caps = 0
    for tok in toks:
        low = tok.lower().replace("’", "'").strip(".")
        if low in _COMMON_WORDS:
            return False
        if low in _NAME_PARTICLES:
            continue
        if not _NAME_TOKEN.fullmatch(tok):
            return False
        caps += 1
    if caps == 0:
        return False
    return not (len(toks) == 1 and not toks[0].isupper() and _ADJ_SUFFIX.search(toks[0].lower()))


def _is_pseudo(s: str, explicit: bool = False) -> bool:
    """Looser author handle ("kader227", "Baye Fall 77"); any words when the line says "par X"/"X dit"."""
    toks = s.split()
    return 1 <= len(toks) <= 5 and len(s) <= 40 and all(_PSEUDO_TOKEN.fullmatch(t) for t in toks) and \
        (explicit or not any(t.lower() in _COMMON_WORDS for t in toks))


def _is_date(s: str) -> bool:
    """A line that is only a date/time ("Publié samedi 13 septembre 2025 à 17:07", "il y a 3 heures")."""
    if len(s) > 90:
        return False
    n = _n(s)
    if len(n) > 70 or not _has_date_anchor(n):
        return False
    return all(tok.isdigit() or tok in _DATE_WORDS for tok in re.findall(r"[^\W\d_]+|\d+", n))


def _author_meta(s: str) -> tuple[str, str | None] | None:
    """(author, date) when the line is comment metadata ("Awa dit :", "Moussa - 12/09/2025", "Posté le ... par X")."""
    m = _SAYS.match(s)
    if m and _is_pseudo(m["name"], explicit=True) and (not m["rest"] or _is_date(m["rest"])):
        return m["name"].strip(), (m["rest"].strip() or None)
    m = _POSTED_BY.match(s)
    if m and _is_pseudo(m["name"], explicit=True) and _is_date(m["rest"]):
        return m["name"].strip(), m["rest"].strip()
    m = _DATE_BY.match(s)
    if m and _is_pseudo(m["name"], explicit=True) and _is_date(m["rest"]):
        return m["name"].strip(), m["rest"].strip()
    parts = _NAME_DATE_SPLIT.split(s, maxsplit=1)
    if len(parts) == 2 and (_is_name(parts[0]) or _is_pseudo(parts[0])) and _is_date(parts[1]):
        return parts[0].strip(), parts[1].strip()
    return None


@dataclass
class _Unit:
    """One non-blank line (or HTML block) and what the model made of it."""

    text: str
    line: int | None = None
    path: str | None = None
    kind: str = "prose"
    score: float = 0.0
    author: str | None = None
    date: str | None = None


# Kinds that never become comments, with their weight in the block search.
_BREAK_WEIGHT = {"furniture": -2.5, "list_heading": -2.5, "teaser": -2.5, "dup": -2.0, "end": -2.0,
                 "form": -1.0, "paywall": -1.0, "byline": -0.3, "heading": 0.0,
                 "author": 0.3, "date": 0.3, "action": 0.3, "name": 0.0, "quote": 0.0, "link": 0.0}
_SECTION_KINDS = {"form", "heading", "paywall"}


def _kind(text: str) -> tuple[str, str | None, str | None]:
    """Line type from keyword patterns, plus (author, date) for comment headers."""
    n = _n(text)
    words = len(n.split())
    if _LINK.fullmatch(n):
        return "link", None, None
    if words <= 12 and _HEADING.match(n):
        return "heading", None, None
    if len(n) <= 250 and "!" not in n and ("abonn" in n or "subscri" in n) and _PAYWALL_SECTION.search(n):
        return "paywall", None, None
    if (len(n) <= 100 or (len(n) <= 250 and "comment" in n)) and _FORM.search(n):
        return "form", None, None
    if _END.match(n):
        return "end", None, None
    if len(n) <= 160 and _LIST_HEADING.match(n):
        return "list_heading", None, None
    if words <= 12 and all(_ACTION_PART.match(p.strip()) for p in _ACTION_SPLIT.split(n) if p.strip()):
        return "action", None, None
    if _is_date(text):
        return "date", None, text.strip()
    meta = _author_meta(text) if len(text) <= 120 and (":" in n or _has_date_anchor(n)) else None
    if meta:
        return "author", meta[0], meta[1]
    m = _BYLINE.match(text)
    if m and _is_name(m["name"]):
        return "byline", None, None
    if (words <= 8 and _FURNITURE_SHORT.match(n)) or (len(n) <= 160 and (any(x in n for x in _NOTICES) or _CALL_TO_ACTION.match(n))) \
            or ("cookie" in n and (words <= 10 or _COOKIE_CONTEXT.search(n))) \
            or (len(_MENU_SEP.findall(n)) >= 2 and all(len(p.split()) <= 3 for p in _MENU_SEP.split(n))):
        return "furniture", None, None
    if _is_name(text):
        return "name", None, None
    if _QUOTE.match(text):
        return "quote", None, None
    return "prose", None, None


def _intrinsic(text: str) -> float:
    """Hand-weighted log-odds that a prose line is a reader comment, from the line alone."""
    t = text.replace("’", "'")
    low = t.lower()
    bare = _STRIP_QUOTES.sub(" ", low) if ("«" in t or "“" in t or '"' in t) else low   # reported speech
    words_low = _WORD.findall(_INVERTED.sub(" ", bare) if "-" in bare else bare)
    score = -0.5
    pron = sum(w in _PRONOUNS for w in words_low)
    score += (1.0 if pron else 0.0) + (0.4 if pron >= 3 else 0.0)
    score += 1.0 if "!" in bare else 0.0
    score += 0.6 if "?" in bare else 0.0
    upper = len(_UPPER.findall(t))
    if upper >= 7 and upper >= 0.7 * len(_LETTER.findall(t)):
        score += 1.5                            # shouting
    score += 2.0 if "**" in t and _MASKED.search(t) else 0.0
    score += 1.0 if any(w in _OPINION_WORDS for w in words_low) or any(p in bare for p in _OPINION_PHRASES) else 0.0
    first_alpha = _LETTER.search(t)
    informal = sum(0.6 for rx in _INFORMAL if rx.search(low))
    informal += 0.6 if ("' " in low or " '" in low) and _SPACED_APOSTROPHE.search(low) else 0.0   # "c’ est"
    informal += 0.6 if any(w in _ELIDED for w in words_low) else 0.0         # "c est", "d avoir"
    informal += 0.6 if first_alpha and first_alpha.group().islower() else 0.0
    informal += 0.6 if any(w in _SMS for w in words_low) else 0.0
    informal += 0.6 if _EMOJI.search(t) or ((":" in t or ";" in t) and _EMOTICON.search(t)) else 0.0
    score += min(informal, 1.5)
    en = sum(w in _EN_WORDS for w in words_low)
    score += 0.8 if en >= 3 and en > sum(w in _FR_WORDS for w in words_low) else 0.0
    score += 0.3 if _LINK.search(low) else 0.0
    score -= min(0.7 * _journalistic(bare), 2.1)
    score -= 0.4 if ("«" in t or "“" in t) else 0.0
    score -= 0.6 if len(t) > 400 else 0.0
    words = t.split()
    if words and not re.search(r"[.!?…»”\")]$", t.rstrip()) and len(words) >= 4:
        long_words = [w for w in words if len(w) > 3 and w[0].isalpha()]
        titled = sum(w[0].isupper() for w in long_words)
        title_case = len(long_words) >= 4 and titled >= 0.6 * len(long_words) and not t.isupper()
        score -= 1.5 if (_COLON_HEAD.match(t) or title_case) else (0.3 if len(words) >= 6 else 0.0)
    return score


def _type_units(units: list[_Unit], blank_before: list[bool]) -> None:
    """Set each unit's kind and score, using its neighbours (duplicates, teasers, headers, priors)."""
    seen: set[str] = set()
    for u in units:
        u.kind, u.author, u.date = _kind(u.text)
        key = _n(u.text)
        if u.kind == "prose" and len(key.split()) >= 4 and key in seen:
            u.kind = "dup"                      # repeated title or teaser
        seen.add(key)
        if u.kind == "prose":
            u.score = _intrinsic(u.text)
    for i, u in enumerate(units):
        nxt = units[i + 1] if i + 1 < len(units) else None
        if u.kind in ("name", "prose") and nxt is not None and nxt.kind == "date" and \
                (u.kind == "name" or _is_pseudo(u.text)):
            u.kind, u.author, u.date = "author", u.text.strip(), nxt.date
        if u.kind == "prose" and nxt is not None and nxt.kind == "byline":
            u.kind = "teaser"                   # excerpt followed by "Par X"
    for i, u in enumerate(units):
        if u.kind != "list_heading":
            continue
        inline = len(_n(u.text).split(":", 1)[-1].split()) > 3 if ":" in u.text else False
        limit = 1 if inline else 10
        j = i + 1
        while j < len(units) and limit and units[j].kind in ("prose", "name", "quote") and units[j].score < 1.0:
            units[j].kind = "teaser"
            limit -= 1
            j += 1
            if j < len(units) and blank_before[j]:
                break
    kinds = [u.kind for u in units]
    anchor = next((i for i, k in enumerate(kinds) if k == "end"), None)
    if anchor is None:
        anchor = next((i for i, k in enumerate(kinds) if k in _SECTION_KINDS), None)
    last_heading = max((i for i, k in enumerate(kinds) if k == "heading"), default=None)
    for i, u in enumerate(units):
        if u.kind != "prose":
            u.score = _BREAK_WEIGHT.get(u.kind, 0.0)
            continue
        if anchor is not None:
            u.score += -1.2 if i < anchor else (0.5 if kinds[anchor] == "end" else 0.0)
        if last_heading is not None and i > last_heading:
            u.score += 1.2
        prev = kinds[i - 1] if i else None
        if prev in ("author", "action") or (prev == "date" and i >= 2 and kinds[i - 2] in ("author", "name")) \
                or (i + 1 < len(kinds) and kinds[i + 1] == "action"):
            u.score += 0.8


_CONTINUE_SCORE = -1.0     # a neutral line right after the thread still belongs to it


def _best_block(units: list[_Unit], min_total: float = 1.0) -> tuple[int, int] | None:
    """Contiguous run of units with the largest total score (Kadane), or None if too weak."""
    best, best_span = min_total, None
    run, start = 0.0, 0
    for i, u in enumerate(units):
        if run <= 0:
            run, start = 0.0, i
        run += u.score
        if run > best:
            best, best_span = run, (start, i)
    if best_span is None:
        return None
    lo, hi = best_span
    while lo > 0 and units[lo - 1].kind in ("author", "name", "date", "quote"):
        lo -= 1
    while hi + 1 < len(units) and (units[hi + 1].kind == "link" or (units[hi + 1].kind == "name" and
                                   units[hi].kind in ("prose", "link")) or (units[hi + 1].kind == "prose" and
                                   units[hi + 1].score > _CONTINUE_SCORE)):
        hi += 1                               # a thread runs on until a clear break
    return lo, hi


@dataclass
class _Group:
    units: list[_Unit]
    author: str | None = None
    date: str | None = None
    closed: bool = False


def _group_block(units: list[_Unit]) -> list[_Group]:
    """Group the block's lines into comments, merging only where the page gives evidence."""
    first = next((i for i, u in enumerate(units) if u.kind in ("prose", "quote", "link")), 0)
    header_style = any(u.kind in ("author", "name", "date") for u in units[:first])
    prose = sum(u.kind == "prose" for u in units)
    delimiters = sum(u.kind in ("author", "action") or (header_style and u.kind == "name") for u in units)
    delimited = delimiters >= max(2, prose / 4)
    groups: list[_Group] = []
    cur: _Group | None = None
    author = date = None
    quotes: list[_Unit] = []
    for u in units:
        k = u.kind
        if k == "author" and not header_style and cur is not None:     # "Posté le ... par X" under the comment
            cur.author, cur.date = cur.author or u.author, cur.date or u.date
            cur = None
        elif k in ("author", "action") or (k == "name" and (header_style or cur is None)) or \
                (k == "date" and header_style):
            cur = None
            if k == "author":
                author, date = u.author, u.date
            elif k == "name":
                author = u.text
            elif k == "date":
                date = u.text
        elif k == "date":
            if cur is not None:
                cur.date = cur.date or u.text
        elif k == "name":                     # signature after a comment
            assert cur is not None
            cur.units.append(u)
            cur.author = cur.author or u.text
            cur.closed = True
        elif k == "link" and cur is not None and not cur.closed:
            cur.units.append(u)
        elif k == "quote":
            cur = None
            quotes.append(u)
        elif k in ("prose", "link"):
            if cur is not None and delimited and not quotes and not cur.closed:
                cur.units.append(u)
                continue
            cur = _Group(quotes + [u], author, date)
            groups.append(cur)
            author = date = None
            quotes = []
        else:
            cur = None
    if quotes:
        groups.append(_Group(quotes, author, date))
    return groups


def _segment_units(units: list[_Unit], blank_before: list[bool] | None = None) -> tuple[list[Comment], bool]:
    """Comments and comment-section flag for a sequence of text units."""
    if blank_before is None:
        blank_before = _blank_flags(units)
    _type_units(units, blank_before)
    section = any(u.kind in _SECTION_KINDS for u in units)
    span = _best_block(units)
    if span is None:
        return [], section
    groups = _group_block(units[span[0]:span[1] + 1])
    comments = []
    for g in groups:
        first, last = g.units[0], g.units[-1]
        lines = (first.line, last.line) if first.line is not None and last.line is not None else None
        comments.append(Comment(len(comments), "\n".join(u.text for u in g.units), lines, first.path,
                                g.author, g.date))
    return comments, section or bool(comments)


def _blank_flags(units: list[_Unit]) -> list[bool]:
    """Whether a blank line separates each unit from the previous one (text pages)."""
    flags = []
    for i, u in enumerate(units):
        prev = units[i - 1].line if i else None
        flags.append(u.line is not None and prev is not None and u.line - prev > 1)
    return flags


# --------------------------------------------------------------------------- HTML

_SKIP_TAGS = frozenset("script style noscript template svg iframe button input textarea select option label "
                       "object embed canvas head img".split())
_SKIP_ZONE_TAGS = frozenset({"nav", "aside"})
_BLOCK_TAGS = frozenset("p div br li ul ol blockquote h1 h2 h3 h4 h5 h6 section article header footer tr table "
                        "pre dd dt dl figure figcaption main form hr address".split())
_CWORD = r"(?:comments?|commentaires?|r[ée]actions?|disqus)"
_ITEM_TOKEN = re.compile(
    r"^(?:li-|div-)?(?:comment|commentaire|reaction|réaction)(?:[-_]?(?:item|entry|single|node|box|bloc|block|card|"
    r"row|wrap|\d+))?$"
)
_ITEM_ID = re.compile(r"^(?:li-|div-)?(?:comment|commentaire|reaction|réaction)[-_]?\d+$")
_PREFIX = r"^(?:(?:comments?|commentaires?|r[ée]actions?|post|reply|entry)[-_]?)?"
_TOKEN_ROLES = (
    ("skipzone", re.compile(r"(?:^|[-_])(?:widget|sidebar|recent|related|popular|latest|share|sharing|social|newsletter|"
                            r"cookie|consent|gdpr|navbar|breadcrumb|advert|ads)")),
    ("form", re.compile(r"(?:^|[-_])(?:respond|commentform|comment-form|reply-title|formulaire|leave-reply|"
                        r"post-comment|form)(?:[-_]|$)")),
    ("action", re.compile(r"(?:^|[-_])(?:reply|repondre|répondre|actions?|like|likes|vote|votes|report|signaler|edit|"
                          r"button|btn|navigation|nav|pagination|awaiting-moderation|moderation|permalink|menu|"
                          r"toolbar|count|counter|compteur|says|footer|tools)(?:[-_]|$)")),
    ("heading", re.compile(_PREFIX + r"(?:title|titre|heading)$")),
    ("avatar", re.compile(r"(?:^|[-_])(?:avatar|gravatar|photo|picture)(?:[-_]|$)")),
    ("author", re.compile(_PREFIX + r"(?:author|auteur|name|nom|pseudo|username|user|byline)(?:[-_]?name)?$|^fn$|^vcard$")),
    ("date", re.compile(_PREFIX + r"(?:date|time|timestamp|published|posted|metadata|time-ago|datetime|ago)$")),
    ("meta", re.compile(_PREFIX + r"(?:meta|header|head|info|infos|details|entete|en-tete)$")),
    ("body", re.compile(_PREFIX + r"(?:content|body|text|texte|message|contenu|corps|msg)$")),
    ("container", re.compile(r"^(?:[\w-]*[-_])?" + _CWORD + r"(?:[-_]?(?:list|area|section|wrap|wrapper|container|"
                             r"zone|block|bloc|thread|holder|box|liste))?$|^commentlist$|^disqus_thread$|"
                             r"^(?:post-list|replies|children|reponses|réponses)$")),
)
_ITEMPROP_ROLES = {"author": "author", "creator": "author", "name": "author", "datecreated": "date",
                   "datepublished": "date", "text": "body", "commenttext": "body"}
_SKIP_ROLES = frozenset({"skip", "skipzone", "nested", "form", "action", "author", "date", "avatar", "meta", "heading"})
_STRIP_SAYS = re.compile(r"\s*(?:dit|a dit|a [ée]crit|says|said|wrote)\s*:?\s*$|\s*:\s*$", re.I)


def _role(el: etree._Element, in_thread: bool) -> str | None:
    """Role of an element in comment markup, from its tag, class, id and itemprop."""
    tag = el.tag
    if tag in _SKIP_TAGS:
        return "skip"
    return _attr_role(tag, el.get("class") or "", el.get("id") or "", el.get("itemprop") or "", in_thread)


@functools.lru_cache(maxsize=4096)
def _attr_role(tag: str, cls: str, ident: str, itemprop: str, in_thread: bool) -> str | None:
    """:func:`_role` from attribute strings, memoised: a page repeats the same few class lists."""
    if tag in _SKIP_ZONE_TAGS:
        return "skipzone"
    if tag == "form":
        return "form"
    classes = cls.lower().split()
    if any(_ITEM_TOKEN.match(c) for c in classes) or (in_thread and "post" in classes):
        return "item"                           # Disqus-like "li.post" only inside a comment thread
    for tokens in (classes, ident.lower().split()):
        for role, rx in _TOKEN_ROLES:
            if any(rx.search(t) for t in tokens):
                return role
        if tokens is not classes and any(_ITEM_ID.match(t) for t in tokens):
            return "item"
    prop = itemprop.lower()
    if prop in _ITEMPROP_ROLES:
        return _ITEMPROP_ROLES[prop]
    if tag == "time":
        return "date"
    if tag == "cite" and in_thread:
        return "author"
    return None


class _Paths:
    """XPath of elements (``/html/body/div[2]/ol/li[3]``), sibling indexes cached per parent: linear overall."""

    def __init__(self) -> None:
        self._cache: dict[etree._Element, str] = {}

    def __call__(self, el: etree._Element) -> str:
        if el in self._cache:
            return self._cache[el]
        parent = el.getparent()
        if parent is None:
            self._cache[el] = "/" + el.tag
            return self._cache[el]
        base = self(parent)
        children = [c for c in parent if isinstance(c.tag, str)]
        totals: dict[str, int] = {}
        for c in children:
            totals[c.tag] = totals.get(c.tag, 0) + 1
        seen: dict[str, int] = {}
        for c in children:
            seen[c.tag] = seen.get(c.tag, 0) + 1
            self._cache[c] = f"{base}/{c.tag}" + (f"[{seen[c.tag]}]" if totals[c.tag] > 1 else "")
        return self._cache[el]


def _walk(root: etree._Element, classify: Callable[[etree._Element], str | None]
          ) -> Iterator[tuple[str, Any]]:
    """Document-order events ("start"/"end" with (el, role), "skip" with (el, role), "text" with str)."""
    stack: list[tuple[etree._Element, bool]] = [(root, False)]
    while stack:
        el, closing = stack.pop()
        if closing:
            yield "end", el
            if el is not root and el.tail:
                yield "text", el.tail
            continue
        if not isinstance(el.tag, str):       # comment or processing instruction
            if el is not root and el.tail:
                yield "text", el.tail
            continue
        role = "root" if el is root else classify(el)
        if role in _SKIP_ROLES:
            yield "skip", (el, role)
            if el.tail:
                yield "text", el.tail
            continue
        yield "start", (el, role)
        if el.text:
            yield "text", el.text
        stack.append((el, True))
        stack.extend((child, False) for child in reversed(el))


class _LineBuffer:
    """Accumulates inline text into whitespace-normalised lines split at block boundaries."""

    def __init__(self) -> None:
        self.lines: list[tuple[str, etree._Element | None]] = []
        self._parts: list[str] = []
        self._owner: etree._Element | None = None

    def add(self, text: str, owner: etree._Element | None) -> None:
        if not self._parts and not text.strip():
            return
        if not self._parts:
            self._owner = owner
        self._parts.append(text)

    def br(self) -> None:
        text = " ".join("".join(self._parts).split())
        if text:
            self.lines.append((text, self._owner))
        self._parts = []


def _text_of(el: etree._Element) -> str:
    return " ".join(" ".join(t for t in el.itertext() if isinstance(t, str)).split())


def _harvest(el: etree._Element, role: str, found: dict[str, str | None]) -> None:
    """Fill author/date from a skipped metadata element (WordPress ``.comment-meta``, ``time``, ``.fn``...)."""
    candidates = [el] + [d for d in el.iterdescendants() if isinstance(d.tag, str)]
    if found.get("author") is None:
        fn = next((d for d in candidates if "fn" in (d.get("class") or "").split()
                   or (d.get("itemprop") or "").lower() in ("author", "name")), None)
        named = fn if fn is not None else next((d for d in candidates if _role(d, True) == "author"), None)
        if named is not None:
            found["author"] = _STRIP_SAYS.sub("", _text_of(named)).strip() or None
    if found.get("date") is None:
        t = next((d for d in candidates if d.tag == "time"), None)
        if t is not None:
            found["date"] = t.get("datetime") or _text_of(t) or None
        else:
            dated = next((d for d in candidates if _role(d, True) == "date"), None)
            if dated is not None:
                found["date"] = dated.get("title") or _text_of(dated) or None
    if role == "meta" and found.get("author") is None:
        meta = _author_meta(_text_of(el))
        if meta:
            found["author"], found["date"] = meta[0], found.get("date") or meta[1]


def _item_comment(item: etree._Element) -> tuple[str, str | None, str | None]:
    """(text, author, date) of one comment element, without nested replies, metadata or actions."""
    found: dict[str, str | None] = {"author": None, "date": None}
    every, body = _LineBuffer(), _LineBuffer()
    depth = 0

    def classify(el: etree._Element) -> str | None:
        role = _role(el, True)
        return "nested" if role == "item" else role

    for event, value in _walk(item, classify):
        if event == "text":
            every.add(value, None)
            if depth:
                body.add(value, None)
        elif event == "skip":
            el, role = value
            if role in ("author", "date", "meta"):
                _harvest(el, role, found)
            if el.tag in _BLOCK_TAGS or role == "nested":
                every.br()
                body.br()
        else:
            el, role = value if event == "start" else (value, None)
            if event == "start" and role == "body":
                depth += 1
            elif event == "end" and _role(el, True) == "body":
                depth -= 1
            if el.tag in _BLOCK_TAGS:
                every.br()
                body.br()
    every.br()
    body.br()
    lines = [t for t, _ in (body.lines or every.lines)]
    return _clean_item_lines(lines, found)


def _clean_item_lines(lines: list[str], found: dict[str, str | None]) -> tuple[str, str | None, str | None]:
    """Drop action/date lines left in unmarked templates and take a leading author header."""
    kept = []
    for i, line in enumerate(lines):
        kind, author, date = _kind(line)
        if kind == "action":
            continue
        if kind == "date" and found["date"] is None:
            found["date"] = line
            continue
        if i == 0 and len(lines) > 1 and found["author"] is None and (kind == "author" or _is_name(line)):
            found["author"], found["date"] = author or line, found["date"] or date
            continue
        kept.append(line)
    return "\n".join(kept), found["author"], found["date"]


def _segment_html(page: str) -> SegmentResult:
    """Comments of an HTML page: comment markup first, else the line model over visible text."""
    page = re.sub(r"^\s*<\?xml[^>]*\?>", "", page)
    try:
        root = lxml_html.document_fromstring(page) if page.strip() else None
    except (etree.ParserError, ValueError):
        root = None
    if root is None:
        return SegmentResult("html", [], False)
    paths = _Paths()
    items, containers, section = _find_comment_markup(root)
    if not items:
        items = [child for c in containers for child in _container_children(c)]
    comments = []
    for item in items:
        text, author, date = _item_comment(item)
        if text:
            comments.append(Comment(len(comments), text, None, paths(item), author, date))
    if comments or containers:
        return SegmentResult("html", comments, True)
    units = [_Unit(text=text, path=paths(owner) if owner is not None else None) for text, owner in _html_lines(root)]
    found, text_section = _segment_units(units, [False] * len(units))
    return SegmentResult("html", found, section or text_section)


def _find_comment_markup(root: etree._Element) -> tuple[list[etree._Element], list[etree._Element], bool]:
    """Comment items and outermost comment containers in document order, and whether a comment form was seen."""
    items: list[etree._Element] = []
    containers: list[etree._Element] = []
    section = False
    stack: list[tuple[etree._Element, bool]] = [(root, False)]
    while stack:
        el, in_thread = stack.pop()
        if not isinstance(el.tag, str):
            continue
        role = _role(el, in_thread)
        if role in ("skip", "skipzone") or (el.tag == "header" and not in_thread):
            continue
        if role == "form":
            classes = f"{el.get('class', '')} {el.get('id', '')} {el.get('action', '')}".lower()
            section = section or bool(re.search(r"comment|r[ée]action|respond|reply", classes))
            continue
        if role == "item":
            items.append(el)
        elif role == "container" and not in_thread:
            containers.append(el)
        elif el.tag in ("h1", "h2", "h3", "h4", "h5", "h6") and _HEADING.match(_n(_text_of(el))):
            section = True
        stack.extend((child, in_thread or role in ("item", "container")) for child in reversed(el))
    return items, containers, section or bool(items)


def _container_children(container: etree._Element) -> list[etree._Element]:
    """Comment elements of a generic container without item markup: its text-bearing children."""
    node = container
    while True:
        kids = [c for c in node if isinstance(c.tag, str) and c.tag not in ("h1", "h2", "h3", "h4", "h5", "h6")
                and _role(c, True) not in _SKIP_ROLES and c.find(".//form") is None
                and _text_of(c) and _kind(_text_of(c))[0] == "prose"]
        if len(kids) == 1 and len(kids[0]):
            node = kids[0]
            continue
        return kids


def _html_lines(root: etree._Element) -> list[tuple[str, etree._Element | None]]:
    """Visible text of the page as block-level lines with the element each comes from."""
    buf = _LineBuffer()
    blocks: list[etree._Element] = [root]
    for event, value in _walk(root, lambda el: "skip" if el.tag in _SKIP_TAGS else None):
        if event == "text":
            buf.add(value, blocks[-1])
        elif event == "skip":
            continue
        else:
            el = value[0] if event == "start" else value
            if el.tag in _BLOCK_TAGS:
                buf.br()
                if event == "start":
                    blocks.append(el)
                elif len(blocks) > 1:
                    blocks.pop()
    buf.br()
    return buf.lines
