"""Request and response models of the HTTP API (pydantic): what clients send and get back."""
from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model, model_validator

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
    site: str | None = Field(None, min_length=1, max_length=255,
                             description="the site the comments come from: its thresholds apply (--thresholds) "
                                         "and, with --store, the stored comments are filed under it")


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
    comment_id: int | None = Field(None, description="the comment's id in the store, when the service records "
                                                     "scored comments (--store): what a decision can name")


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




# --------------------------------------------------------------------------- decisions and the review queue

#: Largest id a request may name: the store's ids are INTEGER columns, 32-bit on PostgreSQL (a larger value
#: is an error there, not "no such row"), 64-bit on SQLite.
MAX_ID = 2**31 - 1

class _Verdicts(Strict):
    """A moderator's verdict per label: "yes", "no", or null / absent for not judged; other names are refused."""
    model_config = ConfigDict(strict=True, extra="forbid")


LabelVerdicts = create_model(
    "LabelVerdicts", __base__=_Verdicts,
    **{lab: (Literal["yes", "no"] | None, Field(None, description=f"{lab}: {LABEL_DESCRIPTIONS[lab]}"))
       for lab in LABELS})


class DecisionIn(Strict):
    """One moderator's decision on one stored comment, named by the store's id or by the id it was scored under."""
    comment_id: int | None = Field(None, ge=1, le=MAX_ID, description="the comment's id in the store (from "
                                                                      "/v1/score with --store, or the review queue)")
    id: str | None = Field(None, min_length=1, max_length=255,
                           description="or: the id the comment was scored under in /v1/score (its latest scoring)")
    site: str | None = Field(None, min_length=1, max_length=255, description="with `id`: the site it was scored for")
    labels: LabelVerdicts = Field(default_factory=LabelVerdicts,  # type: ignore[valid-type]
                                  description="per label: yes / no / null (not judged)")
    action: Literal["keep", "hide"]
    moderator: str = Field(min_length=1, max_length=255, description="who decided")

    @model_validator(mode="after")
    def _one_target(self) -> "DecisionIn":
        """Exactly one way of naming the comment; `site` only narrows an `id`."""
        if (self.comment_id is None) == (self.id is None):
            raise ValueError("name the comment with exactly one of `comment_id` (the store's id) or `id` "
                             "(the id it was scored under)")
        if self.site is not None and self.id is None:
            raise ValueError("`site` goes with `id`; a `comment_id` already names one comment")
        return self


class DecisionsRequest(Strict):
    """The body of POST /v1/decisions."""
    decisions: list[DecisionIn] = Field(min_length=1, description="stored together, or none of them")


class DecisionOut(BaseModel):
    """A stored decision (or undo), as the store holds it."""
    decision_id: int
    comment_id: int
    action: Literal["keep", "hide", "undo"]
    labels: dict[str, Literal["yes", "no"] | None]
    undoes: int | None = Field(description="for an undo: the decision it cancels")
    moderator: str
    decided_at: str = Field(description="UTC, ISO 8601")
    model_version: str = Field(description="the model that scored the comment")


class DecisionsResponse(BaseModel):
    """The answer to POST /v1/decisions: the stored decisions, in the request's order."""
    model_version: str
    replayed: bool = Field(description="true when this answers a replay of an earlier request (same Idempotency-Key)")
    decisions: list[DecisionOut]


class UndoRequest(Strict):
    """The body of POST /v1/decisions/{id}/undo: who undoes the decision."""
    moderator: str = Field(min_length=1, max_length=255, description="who undoes it")


class UndoResponse(BaseModel):
    """The answer to an undo: the undo row."""
    model_version: str
    replayed: bool = Field(description="true when the decision had already been undone (this is that undo)")
    decision: DecisionOut


class Progress(BaseModel):
    """The review page's counter: "312 of 1,204 reviewed"."""
    reviewed: int
    total: int = Field(description="flagged comments the filters cover")


class QueueItem(BaseModel):
    """A flagged comment awaiting a decision: where it comes from, its scores, and the evidence for its flags."""
    comment_id: int
    text: str
    source: str = Field(description="the file (or api:<site>) the comment came from")
    site: str | None
    kind: str
    line_first: int | None
    line_last: int | None
    dom_path: str | None
    ext_id: str | None
    author: str | None
    date: str | None
    url: str | None
    scores: Scores  # type: ignore[valid-type]
    labels: list[str] = Field(description="labels over the site's threshold")
    thresholds: dict[str, float]
    evidence: dict[str, list[EvidenceOut]]
    model_version: str = Field(description="the model that scored it")


class QueueResponse(BaseModel):
    """The answer to GET /v1/review/queue."""
    model_version: str
    progress: Progress
    items: list[QueueItem]


class RunInfo(BaseModel):
    """An audit (or service) run the queue can be filtered by."""
    id: int
    started: str
    model_version: str


class ReviewChoices(BaseModel):
    """What the review page's filters offer, and whether it must ask for a key."""
    model_version: str
    labels: list[str]
    sites: list[str]
    runs: list[RunInfo]
    auth: bool = Field(description="whether /v1 needs an API key")
