"""Patterns and word lists the segmenter reads (the word lists themselves are data in `lexicon/`).

Line patterns recognise site furniture, comment forms and headings, article-end
markers, thread metadata and reported speech in text dumps; the HTML part names
the tags and the class/id/itemprop vocabulary of comment systems.
"""
from __future__ import annotations

import re

from ..wordlists import word_list

LINK = re.compile(r"(?:https?://|www\.)\S+")
FORM = re.compile(
    r"\b(?:laisse[rz] un commentaire|ajouter un commentaire|[ée]crire un commentaire|poster un commentaire|"
    r"publier (?:un |le |votre )?commentaire|commenter cet article|r[ée]agi(?:r|ssez) [àa] cet article|"
    r"donnez votre avis|r[ée]agi(?:r|ssez) [àa] l'article|leave a (?:reply|comment)|post comment|add a comment|ajoute[rz] (?:un |votre )?commentaire|"
    r"ajoute[rz] (?:une |votre )?r[ée]action|laisse[rz] (?:une |votre )?r[ée]action|"
    r"(?:publier|envoyer|poster) ma r[ée]action|[ée]crire une r[ée]action|j'accepte la charte|charte de mod[ée]ration|"
    r"(?:adresses?|e-?mails?) (?:e-?mail )?(?:sont |est )?(?:masqu|cach)|"
    r"(?:commentaires|r[ée]actions|messages|contributions)(?: [\w']+){0,2} (?:sont|seront) (?:publi[ée]e?s|mod[ée]r[ée]e?s|soumise?s|valid[ée]e?s|supprim[ée]e?s|relue?s)|merci de (?:signer|rester courtois)|"
    r"^(?:texte|message|commentaire|e-?mail|nom|pseudo)\b[^.!?]{0,40}:$|^\[ *[^\]]{0,40}\]$|^\[ \] |"
    r"(?:e-?mail|courriel|messagerie)\W{0,3}(?:ne sera|n'est) (?:pas|jamais) (?:publi|affich)|will not be published|"
    r"^(?:(?:entrez|saisissez|tapez|[ée]crivez|r[ée]digez|indiquez) )?votre (?:commentaire|message|r[ée]action|nom|"
    r"e-?mail|adresse(?: e-?mail)?|pseudo|site(?: web)?)(?: \([^)]*\))?\s*[*:.…]*$|"
    r"champs (?:obligatoires|requis)|required fields are marked|enregistrer mon nom|save my name|"
    r"connect(?:[ée]e?s?|er|ez)(?:-vous)? pour (?:publier|poster|commenter|r[ée]agir|participer|r[ée]pondre|laisser|[ée]crire)|"
    r"logged in to (?:post|comment)|annuler la r[ée]ponse|cancel reply|"
    r"commentaires? (?:sont|est) (?:ferm|d[ée]sactiv)|comments are closed|aucun commentaire|"
    r"soyez (?:le premier|la premi[èe]re) [àa] (?:commenter|r[ée]agir|donner|laisser|[ée]crire|publier)|laisse[rz] une r[ée]ponse|"
    r"signe[rz] avec (?:votre|ton) (?:nom|pr[ée]nom|pseudo)|be the first to comment|pas encore de commentaire|no comments yet|"
    r"^(?:votre )?(?:commentaire|message|r[ée]action|nom|name|e-?mail|site(?: web)?|website|pseudo)\s*[*:]\s*\*?$|"
    r"^(?:\W*\s)?(?:gif\s+)?(?:envoyer|soumettre|publier|valider)(?: (?:le|mon|votre) commentaire)?$|"
    r"^(?:ajoute[rz]|[ée]crire|[ée]crivez|poste[rz]|publie[rz]|envoye[rz]|valide[rz]|soumettre|soumettez|laisse[rz]|donne[rz]|r[ée]dige[rz])"
    r"(?: (?:ma|mon|votre|vos|un|une|le|la|son))? "
    r"(?:commentaire|r[ée]action|message|avis|texte|point de vue)\b[^.!?]{0,30}$|"
    r"^(?:votre|ton|ta) (?:commentaire|message|r[ée]action|avis|texte|point de vue|nom|pseudo)\b[^.!?]{0,25}$|"
    r"^(?:commenter|r[ée]agir|ok|valider|soumettre)\s*[:.!]?$|^pseudonyme\s*[:*]?$|"
    r"(?:commentaires|r[ée]actions|discussion|forum|d[ée]bat)\b[^.]{0,20}\b(?:est |sont )?(?:clos|close|ferm[ée]e?s?|d[ée]sactiv[ée]e?s?|"
    r"ne sont plus (?:accept|autoris|ouvert))|aucune? (?:r[ée]action|avis|message|contribution)\b|"
    r"pour (?:r[ée]agir|commenter|participer)[, ]+(?:identifiez|connectez|inscrivez)-vous)"
)
SUBMIT = re.compile(      # calls for op-eds or letters: not a comment section
    r"(?:envoyez|proposez|soumettez|adressez)[- ](?:nous )?(?:votre|vos) (?:texte|tribune|contribution|opinion|lettre)|"
    r"^proposer une tribune$|^courrier des lecteurs$")
PAYWALL_SECTION = re.compile(
    r"(?:contribution|commentaire|comment|r[ée]action|espace d'[ée]change|discussion|r[ée]agir|commenter)[^.!]*\b(?:abonn|subscri)|"
    r"(?:abonn|subscri)[^.!]*\b(?:contribu|comment|r[ée]agir|discussion|[ée]change)"
)
HEADING = re.compile(
    r"^(?:(?:\d+|un|une|one|aucun|aucune|no)\s+)?(?:commentaires?|r[ée]actions?|comments?|r[ée]ponses?|responses?|"
    r"r[ée]flexions?|thoughts?|replies|contributions?|avis)(?:\s*\(\d+\)|\s*[·:|-]\s*\d+)?"
    r"(?:\s+(?:sur|à|a|to|on|pour)\s+[«“\"].*)?\s*:?$|"
    r"^(?:(?:vos|les|des|nos) )?(?:commentaires|r[ée]actions|contributions|avis)(?: des (?:lecteurs|internautes))?"
    r"(?:\s*\(\d+\)|\s*[·:|-]\s*\d+)?\s*:?$|"
    r"^\d+ (?:commentaires?|r[ée]actions?|avis|messages?)(?:\(s\))?(?: (?:publi[ée]e?s?|post[ée]e?s?))?$|"
    r"^(?:r[ée]agissez|r[ée]agir|vos r[ée]actions|les r[ée]actions|messages des lecteurs|r[ée]agir [àa] ce [\w ]{2,20})(?:\s*\(\d+\)|\s*[·:|-]\s*\d+)?\s*:?$|"
    r"^(?:les |vos |nos |l')?(?:commentaires|r[ée]actions|avis|messages|contributions) (?:de nos|des|de mes) (?:lecteurs|internautes|abonn[ée]s)"
    r"(?:\s*\(\d+\)|\s*[·:|-]\s*\d+)?\s*:?$|"
    r"^(?:discussion|forum|d[ée]bat|le d[ée]bat|espace commentaires|avis des lecteurs|r[ée]actions des lecteurs)"
    r"(?:\s*\(\d+\)|\s*[·:|-]\s*\d+)?\s*:?$"
)
END = re.compile(
    r"^(?:sources?|cr[ée]dits?(?: photos?)?|photos?|auteur|tags?|mots[- ]cl[ée]s|[ée]tiquettes?|cat[ée]gories?|"
    r"rubriques?|th[èe]mes?|lien source)\s*:|^(?:r[ée]dig[ée]|[ée]crit|propos recueillis|compil[ée]) par\b|"
    r"^\(?avec (?:afp|reuters|ap|apa|anadolu|agences?|xinhua|aps)\)?\.?$|^©|^\(c\)|^copyright\b|"
    r"^ndlr\b|^n\.d\.l\.r\b|^note de la r[ée]daction\b|^(?:par )?(?:la )?r[ée]daction(?: de [\w' .-]{1,30})?\.?$|^\(?(?:afp|aps|aip|amap|map|apa|reuters|xinhua|anadolu)\)?\.?$"
)
LIST_HEADING = re.compile(
    r"^(?:[àa] )?lire (?:aussi|[ée]galement|encore)\b|"
    r"^(?:les |nos )?(?:articles?|sujets?|dossiers?|infos?|actualit[ée]s?) (?:similaires|li[ée]s|connexes|recommand[ée]s|"
    r"populaires|du m[êe]me auteur|de l'auteur|qui pourraient vous (?:plaire|int[ée]resser)|en relation)\b|"
    r"^sur le m[êe]me (?:sujet|th[èe]me)|^dans la m[êe]me (?:rubrique|cat[ée]gorie)|^dans la (?:rubrique|cat[ée]gorie)\b|"
    r"^(?:les |articles )?(?:les )?plus (?:lus|comment[ée]s|partag[ée]s|populaires|vus|r[ée]cents)\b|"
    r"^(?:les )?(?:derniers|derni[èe]res) (?:articles|actualit[ée]s|infos|publications|nouvelles|vid[ée]os)\b|"
    r"^(?:[àa] la une|en continu|fil d'actu(?:alit[ée])?|vous aimerez aussi|vous pourriez aussi aimer|"
    r"vous aimerez peut-[êe]tre|recommand[ée] pour vous|related(?: posts| articles| stories)?|you may also like|"
    r"du m[êe]me auteur|autres articles|(?:[àa] )?voir aussi|tendances|articles r[ée]cents|[àa] d[ée]couvrir)\b"
)
ACTION_PART = re.compile(
    r"^(?:[↳↪→]\s*)?(?:r[ée]pondre|reply|signaler(?: un abus| ce commentaire| le commentaire)?|report|citer|quote|j'aime(?: pas)?|"
    r"like|dislike|modifier|edit|supprimer|delete|permalien|permalink|partager|share|"
    r"(?:voir|afficher|masquer|charger|lire) (?:les |plus de |la |tou(?:te)?s les )?(?:autres )?(?:\d+ )?(?:autres )?(?:r[ée]ponses?|commentaires?|r[ée]actions?)"
    r"(?: \(?\d+\)?)?(?: de plus| suivante?s?| pr[ée]c[ée]dente?s?| plus anciens?| plus anciennes| plus r[ée]cents?| plus r[ée]centes)?|"
    r"(?:[↪↳→>]\s*)?(?:en )?r[ée]ponse (?:[àa]|au commentaire de) [^.!?]{1,40}|r[ée]pondre (?:au sujet|[àa] la discussion|[àa] ce sujet)|nouveau sujet|voir plus|charger plus|"
    r"plus de commentaires|rechercher dans ce (?:sujet|forum)|r[ée]pondre (?:à|a) \S+(?: \S+)?|"
    r"votre commentaire est en attente de mod[ée]ration\.?|your comment is awaiting moderation\.?|re ?:.*|"
    r"voir la traduction|see translation|r[ée]pondre en citant|r[ée]pondre [àa] ce (?:message|commentaire)|"
    r"signaler un abus|[•·]+|[\d\s+\-▲▼↑↓👍👎♥❤()]+|[+-]\d+\s*/\s*[+-]?\d+|\d+\s*(?:j'aime|likes?|votes?|points?|r[ée]ponses?|replies)|"
    r"j'approuve|je d[ée]sapprouve|(?:pas )?d'accord|(?:pas )?utile|(?:[\w'’ ]{1,20}?\s*[(:]\s*[+-]?\d+\s*\)?))$"
)
FURNITURE_SHORT = re.compile(
    r"^(?:partage[rz]?(?: (?:sur|cet article|l'article)(?: [\w' ]{1,30})?)?|share(?: this)?|tweet(?:er)?|imprimer|print|envoyer(?: par e-?mail)?|"
    r"facebook|twitter|x|whatsapp|linkedin|telegram|pinterest|messenger|e-?mail|copier le lien|accueil|home|menu|"
    r"rechercher|recherche|search|connexion|se connecter|s'inscrire|inscription|mon compte|d[ée]connexion|"
    r"contact(?:ez-nous)?|[àa] propos|qui sommes-nous|mentions l[ée]gales|politique de confidentialit[ée]|cgu|"
    r"conditions g[ée]n[ée]rales.*|publicit[ée]|espace annonceurs?|annonces?|newsletter|to top|top|haut de page|"
    r"retour en haut|retour|suivant|pr[ée]c[ée]dent|article (?:suivant|pr[ée]c[ée]dent)|page \d+(?: ?(?:/|sur|of) ?\d+)?|voir plus|"
    r"charger plus|afficher plus|en savoir plus|lire plus|lire la suite|s'abonner|abonnez-vous|je m'abonne|"
    r"je m'inscris|trier par.*|afficher les messages depuis.*|sort by.*|class[ée]s? par.*|d[ée]j[àa] abonn[ée].*|accepter|refuser|tout accepter|tout refuser|param[èe]tr(?:er|es)|personnaliser|"
    r"fermer|close|sponsoris[ée]|advertisement|ajoutez votre titre ici|flash info|en direct|direct|live|"
    r"breaking news|derni[èe]re minute|galerie|vid[ée]os?|photos?|podcasts?|politique|[ée]conomie|soci[ée]t[ée]|"
    r"sports?|culture|international|afrique|monde|sant[ée]|opinions?|actualit[ée]s?|r[ée]gions?|nation|justice|"
    r"s[ée]curit[ée]|[ée]ducation|faits divers|people|technologies?|environnement|diaspora|emploi|tribune|"
    r"[ée]ditorial|interview|dossiers?|plus)(?:\s*[.…]+)?\s*[:?]?$"
)
NOTICES = ("tous droits réservés", "all rights reserved", "reproduction interdite", "reproduction intégrale", "©",
            "de cet article à lire", "réservé aux abonnés", "réservée aux abonnés", "déjà abonné", "pour lire la suite",
            "offre découverte", "essai gratuit", "sans engagement")
CALL_TO_ACTION = re.compile(
    r"(?:suivez|rejoignez|t[ée]l[ée]chargez|[ée]coutez|abonnez|inscrivez|retrouvez|recevez|cliquez|d[ée]couvrez|"
    r"regardez|installez|activez|likez|soutenez|faites un don)\b.*\b(?:facebook|twitter|whatsapp|telegram|youtube|"
    r"instagram|tiktok|linkedin|newsletter|application|appli|app|radios?|mobiles?|cha[îi]nes?|page|site|"
    r"notifications?|direct|podcasts?|store|play|journal|r[ée]seaux sociaux|abonnement|don)\b"
)
COOKIE_CONTEXT = re.compile(r"consent|navigation|donn[ée]es|partenaires|publicit|appareil|param[èe]tr|traceurs|"
                             r"exp[ée]rience|accepte|audience|utilis|notre site|ce site|our site|website")
CONTACT = re.compile(r"\b(?:contact|t[ée]l[ée]?phone|t[ée]l\.?|r[ée]daction|e-?mail|courriel)\s*:\s*\S+@\S+")
MENU_SEP = re.compile(r"\s[|•·»›/]\s")
DELETED = re.compile(       # a placeholder left where a moderator removed a comment: not a comment
    r"^(?:ce |cette |this |le |la )?(?:commentaire|comment|message|post|r[ée]ponse|contribution)\s+(?:a [ée]t[ée] |"
    r"est |was |has been |is )?(?:supprim[ée]e?|deleted|removed|masqu[ée]e?|retir[ée]e?|censur[ée]e?)\b.{0,60}$",
    re.I,
)
REPLY_HEADER = re.compile(
    r"^[\s↳>→└»-]*r[ée]ponse (?:de|d')\s*(?P<name>[^–—|·]{1,50}?)\s+(?:à|a|to)\s+(?P<to>[^–—|·]{1,50}?)"
    r"(?:\s+[-–—|·]\s+(?P<rest>.+))?$",
    re.I,
)
SAYS = re.compile(
    r"^(?P<name>[^!?:]{1,60}?)\s+(?:dit|a dit|a [ée]crit|[ée]crit|says|said|wrote|a r[ée]pondu|r[ée]pond|a r[ée]agi|r[ée]agit|a comment[ée]|commente|a post[ée])"
    r"(?:\s*:\s*(?P<rest>.*)|\s+(?:le |on )?(?P<when>.{3,50}?)\s*:)$",
    re.I,
)
POSTED_BY = re.compile(
    r"^(?:[-–—>•]\s*)?(?:(?:post[ée]|publi[ée]|soumis|[ée]crit|envoy[ée]|message|commentaire|r[ée]ponse|r[ée]action|avis)"
    r"(?: n°\s*\d+)?(?:\s*[-–—|·]\s*|\s+))?(?:par|de|by)\s*:?\s+"
    r"(?P<name>.+?),?(?:\s+[-–—|·])?\s+(?:le|on|il y a|»|[-–—|·])\s+(?P<rest>.+)$|"
    r"^(?:[-–—>•]\s*)?(?:post[ée]|publi[ée]|[ée]crit|envoy[ée])\s+par\s+(?P<name2>[^,]{1,40}),\s+(?P<rest2>.+)$",
    re.I,
)
DATE_FIRST = re.compile(
    r"^(?:le\s+)?(?P<when>[^,]{4,40}),\s+(?P<name>[^,:]{1,40}?)\s+(?:a r[ée]agi|a [ée]crit|a dit|a comment[ée]|a r[ée]pondu|a post[ée])\s*:?$",
    re.I,
)
SIGNATURE_PARENS = re.compile(r"^\((?P<inner>[^()]{2,45})\)$")
SIGNATURE_ROLE = re.compile(      # "Ousmane, transporteur à Kayes", "Moustapha, ancien producteur, Linguère"
    r"^(?P<who>[A-ZÀ-Ý][\w'’.-]*(?: [A-ZÀ-Ý][\w'’.-]*){0,3}),\s+(?P<role>(?:ancien(?:ne)? |jeune |simple )?[a-zà-ÿ'’-]{4,25}"
    r"(?: [a-zà-ÿ'’-]{2,15}){0,2})(?:,\s+|\s+(?:à|a|de|du|d'|d’)\s*)(?P<where>[A-ZÀ-Ý][\w'’ -]{1,25})$"
)
DATE_BY = re.compile(
    r"^(?:(?:post[ée]|publi[ée]|[ée]crit|envoy[ée])\s+)?(?:le\s+)?(?P<rest>.+?)\s+(?:par|by)\s+(?P<name>.+)$", re.I
)
IDENTITY_DATE = re.compile(r"^(?:#\s*\d+\s+)?(?P<name>.{1,60}?)\s+[-–—|·•]\s+(?P<rest>[^-–—|·•]{3,40})$")
NAME_PLACE = re.compile(r"^(?P<who>[^,/–—]{1,30}?)\s*(?:,|\s/|\s[–—-])\s*(?P<where>[^,/–—]{2,25})$")
SIGNED_BY = re.compile(r"^(?:[Uu]ne?)\s+(?:[\w'’-]+\s+){0,2}(?:de|du|d'|d’|des)\s*[A-ZÀ-Ý][\w'’ -]{1,25}$")
PAREN_DATE = re.compile(r"^(?:#\s*\d+\s+)?(?P<name>[^()]{1,50}?)\s*\((?P<rest>[^()]{3,40})\)\s*:?$")
INLINE_AUTHOR = re.compile(r"^(?P<name>[^:!?«»\"]{1,40}?)\s?:\s+(?P<rest>\S.{8,})$")
NAME_DATE_SPLIT = re.compile(r"\s+[-–—•|·»]\s+|\s*,\s+|\s+le\s+|\s+on\s+|\s+-\s*")
BYLINE_DATED = re.compile(r"^(?:par|by)\s.{2,60}\b(?:publi[ée]|mis à jour|mise à jour|modifi[ée]|updated|published)\b")
DATELINE = re.compile(r"^[a-zà-ÿ' -]{2,30}, le \d{1,2}(?:er)? [a-zéû]+ \d{4}\.?$")
BYLINE = re.compile(r"^(?:par|by|(?:un )?article de|texte de|reportage de)\s+(?P<name>.+)$", re.I)
QUOTE = re.compile(r"^(?:[«“\"„‹].{15,}[»”\"›][\s.!?…]*|>.*)$", re.S)
DATE_WORDS = word_list(__package__, "date_words")
DIGIT = re.compile(r"\d")
RELATIVE_DATES = ("hier", "aujourd", "il y a", "yesterday", "today", "ago")


NAME_PARTICLES = word_list(__package__, "name_particles")
COMMON_WORDS = word_list(__package__, "common_words")
ADJ_SUFFIX = re.compile(r"(?:able|ible|eux|euse|ique|ment|ant|ent|ion|isme|iste|té|ez|if|ive|al|ale|aux|ée|er)$")

# Comment-likeness cues (prose lines), weights are log-odds contributions.
WORD = re.compile(r"[a-zà-öø-ÿœæ]+'?")                 # on lower-cased text; explicit class is 2x faster
INVERTED = re.compile(r"-(?:t-)?(?:on|je|tu|nous|vous)\b")     # "peut-on", "dit-on" are not the reader
PRONOUNS = word_list(__package__, "pronouns")
ELIDED = frozenset("c d j l m n s t qu".split())                   # elision letters typed without apostrophe
SMS = word_list(__package__, "sms")
EN_WORDS = word_list(__package__, "english_words")
FR_WORDS = word_list(__package__, "french_words")
UPPER = re.compile(r"[^\W\d_a-zß-ÿ]")
LETTER = re.compile(r"[^\W\d_]")
EMOJI = re.compile(r"[\U0001F300-\U0001FAFF\u2600-\u27BF]")
EMOTICON = re.compile(r"(?<!\w)[:;]-?[)(DP](?!\w)")
MASKED = re.compile(r"\w\*{2,}|\*{3,}|\*{2,}\w")
SENTENCE_END = re.compile(r"[.!?…»”)]$")     # on a right-stripped line
RATING = re.compile(r"[★☆✩✪✭✮⭐●○◉◎]{3,}(?:\s*\(?\d+(?:[.,]\d)?\s*/\s*\d+\)?)?")   # stars or dots, maybe "4/5"
OPINION_WORDS = word_list(__package__, "opinion_words")
OPINION_PHRASES = ("à bas ", "a bas ", "n'importe quoi", "bande de", "bandes de", "bla bla", "je pense",
                    "à mon avis", "selon moi", "bonne chance", "s'il vous plaît", "s'il vous plait", "que dieu",
                    "ya basta")
AUXILIARIES = frozenset("a ont avait avaient aurait auraient".split())
REPORTING = frozenset(
    [f"{stem}{end}" for stem in (
        "déclaré indiqué annoncé précisé souligné affirmé rappelé expliqué estimé ajouté confirmé réaffirmé salué "
        "condamné dénoncé signé procédé organisé présidé lancé mené effectué rencontré évoqué exprimé insisté "
        "publié rapporté informé assuré").split() for end in ("", "e", "s", "es")]
    + "reçu accueilli tenu conclu".split()
)
WEEKDAYS = frozenset("lundi mardi mercredi jeudi vendredi samedi dimanche".split())
WEEKDAY_NEXT = frozenset("dernier prochain soir matin".split())
NEWS_PHRASES = ("a-t-il", "a-t-elle", "ont-ils", "peut-on lire", "lit-on", "a appris", "selon nos informations",
                 "conclut", "dans un communiqué", "selon le communiqué", "dans son communiqué", "via son communiqué",
                 "au cours d", "lors d")




INFORMAL = (                                                        # run on the lower-cased line
    re.compile(r"[,;](?=[^\s\d»”\"')])"),                                # no space after comma
    re.compile(r"[!?][!?]|\.\.\.\.|…\s*[.…]"),                           # "!!", "……..", "....."
    re.compile(r"([a-zà-ÿ])\1\1\1"),                                      # "trooooop"
)
SPACED_APOSTROPHE = re.compile(r"\w' \w|\w '\w")
STRIP_QUOTES = re.compile(r"«[^»«]*»|“[^”“]*”|\"[^\"]*\"")      # each scan stops at the next opener: linear
COLON_HEAD = re.compile(r"^[^:]{1,60}\s[:–—]\s")


NOT_IN_NAME = re.compile(r"[\d!?:;,«»“”\"()*@/|]")
NAME_TOKEN = re.compile(r"[A-ZÀ-ÖØ-Þ][\w'’.-]*")
PSEUDO_TOKEN = re.compile(r"[\w.'’@-]+")
ACTION_SPLIT = re.compile(r"[|•·]|\s{2,}|\s[—–]\s")

# HTML comment markup: tags, and class/id/itemprop vocabulary of comment systems
SKIP_TAGS = frozenset("script style noscript template svg iframe button input textarea select option label "
                       "object embed canvas head img".split())
SKIP_ZONE_TAGS = frozenset({"nav", "aside", "figure"})   # a figure is a picture or an attributed quote, never a comment
BLOCK_TAGS = frozenset("p div br li ul ol blockquote h1 h2 h3 h4 h5 h6 section article header footer tr td th table "
                        "pre dd dt dl figure figcaption main form hr address".split())
CWORD = r"(?:comments?|commentaires?|r[ée]actions?|disqus)"
ITEM_TOKEN = re.compile(                                   # "comment", "li-comment", vendor "wpd-comment", "coral-comment"
    r"^(?:(?!(?:add|new|post|no|leave|write|your|my|count|total|nb|num)[-_])[a-z]{2,6}[-_])?(?:li-|div-)?"
    r"(?:comment|commentaire|reaction|réaction|cmt)(?:[-_]?(?:item|entry|single|node|box|bloc|block|card|row|wrap|\d+))?$"
)
ITEM_ID = re.compile(r"^(?:li-|div-)?(?:comment|commentaire|reaction|réaction)[-_]?\d+$")
PREFIX = r"^(?:(?:comments?|commentaires?|r[ée]actions?|post|reply|entry)[-_]?)?"
TOKEN_ROLES = (
    ("skipzone", re.compile(r"(?:^|[-_])(?:widget|sidebar|recent|related|popular|latest|share|sharing|social|newsletter|"
                            r"cookie|consent|gdpr|navbar|breadcrumb|advert|ads)")),
    ("form", re.compile(r"(?:^|[-_])(?:respond|commentform|comment-form|reply-title|formulaire|leave-reply|"
                        r"post-comment|form)(?:[-_]|$)")),
    ("action", re.compile(r"(?:^|[-_])(?:reply|repondre|répondre|actions?|like|likes|vote|votes|report|signaler|edit|"
                          r"button|btn|navigation|nav|pagination|awaiting-moderation|moderation|permalink|menu|"
                          r"toolbar|count|counter|compteur|says|footer|tools)(?:[-_]|$)")),
    ("heading", re.compile(PREFIX + r"(?:title|titre|heading)$")),
    ("avatar", re.compile(r"(?:^|[-_])(?:avatar|gravatar|photo|picture)(?:[-_]|$)")),
    ("author", re.compile(PREFIX + r"(?:author|auteur|name|nom|pseudo|username|user|byline)(?:[-_]?name)?$|^fn$|^vcard$")),
    ("date", re.compile(PREFIX + r"(?:date|time|timestamp|published|posted|metadata|time-ago|datetime|ago)$")),
    ("meta", re.compile(PREFIX + r"(?:meta|header|head|info|infos|details|entete|en-tete)$")),
    ("body", re.compile(PREFIX + r"(?:content|body|text|texte|message|contenu|corps|msg)$")),
    ("container", re.compile(r"^(?:[\w-]*[-_])?" + CWORD + r"(?:[-_]?(?:list|area|section|wrap|wrapper|container|"
                             r"zone|block|bloc|thread|holder|box|liste))?$|^commentlist$|^disqus_thread$|"
                             r"^(?:post-list|replies|children|reponses|réponses)$")),
)
