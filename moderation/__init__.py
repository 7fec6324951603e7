"""moderation: self-hosted comment moderation for French-language news sites.

Segment article pages into reader comments (`moderation.segment`), score each
for `insult`, `masked` and `hostility` (`moderation.scoring`), and show the
words behind every score; serve it over HTTP (`moderation.service`), audit
folders of pages (`moderation.audit`), retrain it (`moderation.training`).
"""
from __future__ import annotations

__version__ = "0.4.0"

from .labels import LABELS  # noqa: E402
from .scoring import ModelError, Moderator  # noqa: E402


def segment_page(page, format: str = "auto"):
    """Split one article page (text dump or HTML) into its reader comments; see `moderation.segment`."""
    from .segment import segment_page as _segment_page
    return _segment_page(page, format=format)


__all__ = ["LABELS", "Moderator", "ModelError", "segment_page", "__version__"]
