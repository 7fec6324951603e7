"""Telling an HTML page from a plain-text dump."""
from __future__ import annotations

import re

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
