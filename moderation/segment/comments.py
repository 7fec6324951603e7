"""What the segmenter returns: the comments of a page, each with where it was found and who wrote it."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Comment:
    """One reader comment: text plus where it was found, who wrote it, when, and what it answers, when shown."""

    index: int
    text: str
    lines: tuple[int, int] | None = None
    path: str | None = None
    author: str | None = None
    date: str | None = None
    title: str | None = None       # subject line of the comment ("Re: …" in forums), never part of ``text``
    quoted: str | None = None      # earlier post or article passage the comment quotes, kept out of ``text``
    parent: int | None = None      # ``index`` of the comment this one replies to

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping (``lines`` as a 2-list or None)."""
        return {
            "index": self.index,
            "text": self.text,
            "lines": list(self.lines) if self.lines else None,
            "path": self.path,
            "author": self.author,
            "date": self.date,
            "title": self.title,
            "quoted": self.quoted,
            "parent": self.parent,
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
