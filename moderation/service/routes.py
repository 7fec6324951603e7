"""The endpoints: `/health` and the versioned `/v1` routes, as plain functions over the app's `Service`.

Each handler reads the loaded model and the settings from ``request.app.state.service``;
`v1_router` registers them, behind the API-key check when keys are configured.
"""
from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from sqlalchemy.engine import Engine
from starlette.concurrency import run_in_threadpool

from ..audit import store
from ..labels import LABEL_DESCRIPTIONS
from ..scoring import Moderator, Verdict
from ..segment import SegmentResult, segment_page
from ..thresholds import SiteThresholds
from .auth import key_digests, require_key
from .responses import ERRORS, FastJSON
from .schemas import (ErrorOut, Health, ModelInfo, ModeratePageResponse, PageRequest, ScoreRequest, ScoreResponse,
                      SegmentResponse)
from .settings import Settings

#: Score requests with at most this many characters (and no explain) run on the event loop
#: (no thread hop, lower latency); bigger ones go to the thread pool so they cannot stall
#: other requests. Page endpoints always use the thread pool.
INLINE_CHARS = 20_000
#: Longest comment id the store keeps (comments.ext_id).
MAX_STORED_ID = 255


@dataclass
class Service:
    """What the handlers share: the loaded model, the settings, the thresholds in force, the store (when the
    service records scored comments and decisions), and values computed once from them."""

    moderator: Moderator
    settings: Settings
    thresholds: SiteThresholds | None = None     # None: the model's
    store: Engine | None = None
    key_digests: list[tuple[bytes, str]] = field(init=False)
    model_info: dict[str, Any] = field(init=False)
    _run_id: int | None = field(init=False, default=None)
    _run_lock: threading.Lock = field(init=False, default_factory=threading.Lock)

    def __post_init__(self) -> None:
        m, manifest = self.moderator, self.moderator.manifest
        self.thresholds = self.thresholds or SiteThresholds(dict(m.thresholds))
        self.key_digests = key_digests(self.settings.api_keys)
        self.model_info = {
            "name": str(manifest.get("name", "")), "version": m.version, "sha256": str(manifest.get("sha256", "")),
            "sklearn_version": manifest.get("sklearn_version"), "labels": list(m.labels),
            "label_descriptions": {lab: LABEL_DESCRIPTIONS.get(lab, "") for lab in m.labels},
            "thresholds": self.thresholds.default, "metrics": manifest.get("metrics", {}),
        }


    def run_id(self) -> int:
        """The store run this process files scored comments under, started at its first scored comment."""
        with self._run_lock:
            if self._run_id is None:
                with self.store.connect() as conn:
                    self._run_id = store.start_run(conn, self.moderator.version,
                                                   {"service": True, "thresholds": self.thresholds.to_dict()})
            return self._run_id


def service(request: Request) -> Service:
    return request.app.state.service


_SURROGATE = re.compile("[\ud800-\udfff]")


def clean(text: str) -> str:
    """Replace lone surrogates by U+FFFD.

    JSON may escape them ("\\ud800") but they are not Unicode characters, so they break
    UTF-8 encoding downstream; one-for-one replacement keeps every character offset.
    """
    return text if text.isascii() else _SURROGATE.sub("\ufffd", text)


def _segment(body: PageRequest) -> SegmentResult:
    """Segment a page; the segmenter's ValueError means the page is unusable: 422."""
    try:
        return segment_page(clean(body.page), format=body.format)
    except ValueError as exc:
        raise HTTPException(422, f"page: {exc}") from None


# --------------------------------------------------------------------------- handlers

async def health(request: Request) -> FastJSON:
    return FastJSON({"status": "ok", "model_version": service(request).moderator.version})


async def model_info(request: Request) -> FastJSON:
    return FastJSON(service(request).model_info)


async def score(body: ScoreRequest, request: Request) -> FastJSON:
    svc = service(request)
    limits = svc.settings
    items = body.comments
    request.state.n_comments = len(items)
    if len(items) > limits.max_comments:
        raise HTTPException(413, f"{len(items)} comments in one request; the limit is "
                                 f"{limits.max_comments} (MODERATION_MAX_COMMENTS): split the batch")
    ids: list[str] = []
    texts: list[str] = []
    for i, item in enumerate(items):
        text, ident = (item, i) if isinstance(item, str) else (item.text, i if item.id is None else item.id)
        ident = clean(str(ident))
        if len(text) > limits.max_chars:
            raise HTTPException(422, f"comment {i} (id {ident!r}) has {len(text)} characters; the limit "
                                     f"is {limits.max_chars} (MODERATION_MAX_CHARS)")
        if svc.store is not None and len(ident) > MAX_STORED_ID:
            raise HTTPException(422, f"comment {i}: its id has {len(ident)} characters; the store keeps ids of "
                                     f"at most {MAX_STORED_ID}")
        ids.append(ident)
        texts.append(clean(text))
    size = sum(map(len, texts))
    if body.explain and size > limits.max_explain_chars:
        raise HTTPException(422, f"explain covers at most {limits.max_explain_chars} characters per "
                                 f"request (MODERATION_MAX_EXPLAIN_CHARS), this one has {size}: "
                                 "explain fewer comments")
    if limits.log_text:
        request.state.texts = texts
    judge = svc.moderator.verdicts
    thresholds = svc.thresholds.for_site(body.site)
    if size <= INLINE_CHARS and not body.explain and svc.store is None:
        verdicts = judge(texts, thresholds)
    else:
        verdicts = await run_in_threadpool(judge, texts, thresholds, body.explain)
    results = [{"id": ident, **v.to_dict()} for ident, v in zip(ids, verdicts)]
    if svc.store is not None and texts:
        stored = await run_in_threadpool(_record_scored, svc, store.storable(body.site or "api"), ids, texts,
                                         verdicts)
        for result, comment_id in zip(results, stored):
            result["comment_id"] = comment_id
    return FastJSON({"model_version": svc.moderator.version, "results": results})


def _record_scored(svc: Service, site: str, ids: list[str], texts: list[str], verdicts: list[Verdict]) -> list[int]:
    """File scored comments in the store (acknowledged only once committed); returns their store ids."""
    version = svc.moderator.version
    rows = [{"position": i, "ext_id": store.storable(ident), "text": store.storable(text), "line_first": None, "line_last": None, "dom_path": None,
             "author": None, "date": None, "url": None, **v.scores, "flagged": v.flagged, "model_version": version}
            for i, (ident, text, v) in enumerate(zip(ids, texts, verdicts))]
    with svc.store.connect() as conn:
        return store.add_service_comments(conn, svc.run_id(), site, version, rows)


def segment(body: PageRequest, request: Request) -> FastJSON:
    result = _segment(body)
    request.state.n_comments = len(result.comments)
    return FastJSON({"model_version": service(request).moderator.version, **result.to_dict()})


def moderate_page(body: PageRequest, request: Request) -> FastJSON:
    svc = service(request)
    result = _segment(body)
    texts = [c.text for c in result.comments]
    request.state.n_comments = len(texts)
    if len(texts) > svc.settings.max_comments:
        raise HTTPException(413, f"the page holds {len(texts)} comments; the limit is {svc.settings.max_comments} "
                                 "(MODERATION_MAX_COMMENTS): use /v1/segment, then /v1/score in batches")
    if svc.settings.log_text:
        request.state.texts = texts
    verdicts: list[Verdict] = svc.moderator.verdicts(texts, svc.thresholds.for_site(None))
    summary = {"comments": len(texts), "flagged": sum(v.flagged for v in verdicts),
               "labels": {lab: sum(lab in v.labels for v in verdicts) for lab in svc.moderator.labels}}
    return FastJSON({"model_version": svc.moderator.version, "format": result.format,
                     "has_comment_section": result.has_comment_section,
                     "comments": [{**c.to_dict(), **v.to_dict()} for c, v in zip(result.comments, verdicts)],
                     "summary": summary})


# --------------------------------------------------------------------------- routers

def health_router() -> APIRouter:
    router = APIRouter()
    router.add_api_route("/health", health, methods=["GET"], response_model=Health,
                         summary="liveness; never needs a key")
    return router


def v1_router(settings: Settings) -> APIRouter:
    """The /v1 endpoints, behind the API-key check when keys are configured (limits shown in their docs)."""
    deps = [Depends(require_key)] if settings.api_keys else []
    errors = {**ERRORS, 401: {"model": ErrorOut, "description": "missing or invalid API key"}} \
        if settings.api_keys else ERRORS
    router = APIRouter(prefix="/v1", dependencies=deps, responses=errors)
    router.add_api_route("/model", model_info, methods=["GET"], response_model=ModelInfo,
                         summary="the loaded model: version, thresholds, metrics")
    router.add_api_route("/score", score, methods=["POST"], response_model=ScoreResponse,
                         summary="score comments for insult, masked and hostility",
                         description=f"At most {settings.max_comments} comments of {settings.max_chars} characters; "
                                     f"explain covers at most {settings.max_explain_chars} characters per request. "
                                     "An empty list gives empty results.")
    router.add_api_route("/segment", segment, methods=["POST"], response_model=SegmentResponse,
                         summary="find the reader comments of a page")
    router.add_api_route("/moderate-page", moderate_page, methods=["POST"], response_model=ModeratePageResponse,
                         summary="segment a page, then score each of its comments")
    return router
