"""Isolate the reader comments of one article page (plain-text dump or HTML).

Text pages go through the line model (`lines.py`), then a learnt CRF that relabels
its lines (`line_crf.py`); HTML pages without comment markup go through the line
model alone; HTML pages are parsed and their comment markup read (`html.py`).
A page without comments yields an empty list, never article paragraphs.
"""
from __future__ import annotations

from ..textio import InputError, decode_bytes
from .comments import Comment, SegmentResult
from .detect import looks_like_html
from .html import segment_html
from .line_crf import LINE_CRF, relabel
from .lines import TYPING_MODEL, Unit, blank_flags, numbered_lines, segment_units

#: Bump when segmentation output changes: the audit re-segments pages cached under another version.
SEGMENTER_VERSION = "3"

PAGE_FORMATS = ("auto", "text", "html")


def segment_page(page: str | bytes, format: str = "auto") -> SegmentResult:
    """Return the reader comments of ``page`` in page order.

    ``format`` is "auto" (detect markup), "text" or "html". Bytes are decoded
    as UTF-8 via :func:`moderation.textio.decode_bytes`, which raises
    :class:`~moderation.textio.InputError` for binary or non-UTF-8 input.
    """
    if format not in PAGE_FORMATS:
        raise ValueError(f"invalid format {format!r}: expected one of {', '.join(PAGE_FORMATS)}")
    if isinstance(page, (bytes, bytearray)):
        page = decode_bytes(bytes(page), "page")
    elif not isinstance(page, str):
        raise InputError(f"page must be str or bytes, got {type(page).__name__}")
    fmt = format if format != "auto" else ("html" if looks_like_html(page) else "text")
    if fmt == "html":
        return segment_html(page)
    units = [Unit(text=line.strip(), line=i) for i, line in numbered_lines(page)]
    blanks = blank_flags(units)
    comments, section = segment_units(units, blanks)
    if LINE_CRF is not None and TYPING_MODEL is not None:
        comments = relabel(units, blanks, comments, section, LINE_CRF)
    return SegmentResult("text", comments, section or bool(comments))


__all__ = ["Comment", "PAGE_FORMATS", "SEGMENTER_VERSION", "SegmentResult", "looks_like_html", "segment_page"]
