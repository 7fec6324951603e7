"""Request and response models of the HTTP API (pydantic): what clients send and get back."""
from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from ..labels import LABEL_DESCRIPTIONS, LABELS


class Strict(BaseModel):
    """Request models: no silent coercion ("true" is not a boolean, 1.5 is not an id)."""
    model_config = ConfigDict(strict=True)


class CommentIn(Strict):
    id: str | int | None = Field(None, description="echoed back as a string; defaults to the item's position")
    text: str


class ScoreRequest(Strict):
    comments: list[str | CommentIn] = Field(description="comments as strings or {id, text} objects")
    explain: bool = Field(False, description="add the n-grams behind each label's score, with spans")


class PageRequest(Strict):
    page: str = Field(description="the article page: a plain-text dump or raw HTML")
    format: Literal["auto", "text", "html"] = "auto"


Scores = create_model("Scores", **{lab: (float, Field(ge=0, le=1, description=LABEL_DESCRIPTIONS[lab]))
                                   for lab in LABELS})


class EvidenceOut(BaseModel):
    ngram: str
    weight: float
    spans: list[tuple[int, int]] = Field(description="[start, end) character offsets in the comment")


class VerdictOut(BaseModel):
    scores: Scores  # type: ignore[valid-type]
    labels: list[str] = Field(description="labels whose score passes the model's threshold")
    flagged: bool = Field(description="true when any label passes its threshold")
    evidence: dict[str, list[EvidenceOut]] | None = Field(None, description="only with explain")


class ScoreResult(VerdictOut):
    id: str = Field(description="the id sent, as a string, or the comment's position in the list")


class ScoreResponse(BaseModel):
    model_version: str
    results: list[ScoreResult]


class CommentOut(BaseModel):
    index: int
    text: str
    lines: tuple[int, int] | None = Field(None, description="1-based line span in a text page")
    path: str | None = Field(None, description="element path in an HTML page")
    author: str | None = None
    date: str | None = None
    title: str | None = Field(None, description="subject line of the comment, kept out of its text")
    quoted: str | None = Field(None, description="earlier post or passage the comment quotes, kept out of its text")
    parent: int | None = Field(None, description="index of the comment this one replies to")


class SegmentResponse(BaseModel):
    model_version: str
    format: Literal["text", "html"]
    has_comment_section: bool
    comments: list[CommentOut]


class ModeratedComment(VerdictOut, CommentOut):
    pass


class Summary(BaseModel):
    comments: int
    flagged: int
    labels: dict[str, int] = Field(description="number of comments over each label's threshold")


class ModeratePageResponse(SegmentResponse):
    comments: list[ModeratedComment]
    summary: Summary


class ModelInfo(BaseModel):
    name: str
    version: str
    sha256: str
    sklearn_version: str | None
    labels: list[str]
    label_descriptions: dict[str, str]
    thresholds: dict[str, float]
    metrics: dict[str, Any] = Field(description="validation metrics per split and label, from the manifest")


class Health(BaseModel):
    status: Literal["ok"]
    model_version: str


class Issue(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class ErrorOut(BaseModel):
    detail: str | list[Issue]


