"""moderation: self-hosted comment moderation for French-language news sites.

Segment article pages into reader comments, score each for `insult`,
`masked` and `hostility`, and show the n-grams behind every score.
"""
from __future__ import annotations

__version__ = "0.1.0"

from .labels import LABELS  # noqa: E402
from .model import Moderator, ModelError  # noqa: E402


def segment_page(page, format: str = "auto"):
    """Split one article page (text dump or HTML) into its reader comments; see `moderation.segment`."""
    from .segment import segment_page as _segment_page
    return _segment_page(page, format=format)


__all__ = ["LABELS", "Moderator", "ModelError", "segment_page", "__version__"]
