"""What a reader can still see: masked words resolved or removed, obfuscated insults spelled out.

Runs on repaired text, before case folding, in the one normalisation path
(`moderation.scoring.normalise`). A star run is evidence for `masked` only (the
mask cues count it on the raw text), so the words insult and hostility are scored
from are the visible ones: a masked word whose visible letters identify a known
insult (`con****`, `p*te`, `en*ulé`: first letter kept, three letters or more
visible, length within one letter) becomes that insult; any other masked word,
and every other star, is removed. Insults spelled to dodge filters (`c.o.n`,
`i d i o t`, `k0n`, `conn@rd`) become the word they spell when that word is on the
insult list. Texts with nothing of the kind (most) pass through one regex search.
"""
from __future__ import annotations

import re
from typing import Sequence

from .masking import _plain, insult_spellings, masked_words, resolve_masked

_TRIGGER = re.compile(r"[*@$0-9]|(?<!\w)[^\W\d_][.\-_ ][^\W\d_][.\-_ ][^\W\d_](?!\w)")
_SPELLED = re.compile(r"(?<!\w)[^\W\d_]([.\-_ ])(?:[^\W\d_]\1){1,}[^\W\d_](?!\w)")   # one separator per run
_LEET_TOKEN = re.compile(r"(?<![\w@$])[\w@$]*[^\W_][\w@$]*(?![\w@$])")
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"})
def _despell(match: re.Match) -> str:
    joined = re.sub(r"[.\-_ ]", "", match.group())
    return insult_spellings().get(_plain(joined).translate(_LEET), match.group())


def _deleet(match: re.Match) -> str:
    token = match.group()
    if not any(c in "0134578@$" for c in token) or sum(c.isalpha() for c in token) < 2:
        return token
    return insult_spellings().get(_plain(token).translate(_LEET), token)


def visible(text: str) -> str:
    """The words of ``text`` that insult and hostility are scored from (see the module docstring)."""
    if not _TRIGGER.search(text):
        return text
    if "*" in text:
        pieces, last = [], 0
        for a, b in masked_words(text):
            pieces += [text[last:a], resolve_masked(text[a:b]) or " "]
            last = b
        text = "".join(pieces) + text[last:]
        text = text.replace("*", " ")            # footnote calls, bold, ratings: not words
    if "." in text or " " in text or "-" in text or "_" in text:
        text = _SPELLED.sub(_despell, text)
    return _LEET_TOKEN.sub(_deleet, text)


def visible_batch(texts: Sequence[str]) -> list[str]:
    """:func:`visible` over a batch (the search alone decides most texts)."""
    search = _TRIGGER.search
    return [visible(t) if search(t) else t for t in texts]
