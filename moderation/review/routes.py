"""HTTP side of the review loop: `POST /v1/decisions`, undo, the queue the page reads, and the page itself.

Registered only when the service has a store. The JSON endpoints sit under
`/v1` behind the same API-key check, body limits and validation as
`/v1/score`; the page and its static files are public (they hold no data: the
page asks for the key and sends it as a Bearer header from fetch).
"""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header, HTTPException, Path as PathParam, Query, Request
from fastapi.responses import FileResponse, HTMLResponse
from pydantic import Field
from sqlalchemy.engine import Engine

from ..audit.report import display_name
from ..audit.store import storable
from ..labels import LABELS
from ..service.auth import require_key
from ..service.responses import ERRORS, FastJSON
from ..service.routes import Service, service
from ..service.schemas import (MAX_ID, DecisionsRequest, DecisionsResponse, ErrorOut, QueueResponse,
                               ReviewChoices, UndoRequest, UndoResponse)
from ..service.settings import Settings
from . import decisions, queue

STATIC = Path(__file__).with_name("static")
#: The page may load only its own files and talk only to its own server: it works offline, and injected
#: text cannot pull anything in.
PAGE_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; "
            "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
STATIC_FILES = {"review.js": "text/javascript", "review.css": "text/css", "favicon.svg": "image/svg+xml"}


def _store(svc: Service) -> Engine:
    """The service's store (these routes are registered only when there is one)."""
    assert svc.store is not None      # the routes exist only with a store
    return svc.store


def _key_id(request: Request) -> str | None:
    """The id of the API key the request used, recorded with its decisions; None without keys."""
    return getattr(request.state, "key_id", None)


def decide(body: DecisionsRequest, request: Request,
           idempotency_key: str | None = Header(None, min_length=1, max_length=255,
                                                description="replaying a request with the same key returns the "
                                                            "original decisions; another body with it gets 409")
           ) -> FastJSON:
    """Record moderators' decisions (all or none); 201, or the original answer for a replayed key."""
    svc = service(request)
    request.state.n_comments = len(body.decisions)
    if len(body.decisions) > svc.settings.max_comments:
        raise HTTPException(413, f"{len(body.decisions)} decisions in one request; the limit is "
                                 f"{svc.settings.max_comments} (MODERATION_MAX_COMMENTS): split the batch")
    items = [decisions.NewDecision(
        decisions.Target(d.comment_id, None if d.id is None else storable(d.id),
                         None if d.site is None else storable(d.site)),
        {lab: getattr(d.labels, lab) for lab in LABELS}, d.action, storable(d.moderator))
        for d in body.decisions]
    key = None if idempotency_key is None else storable(idempotency_key)
    digest = decisions.request_digest(body.model_dump(mode="json")) if key else None
    try:
        with _store(svc).connect() as conn:
            out, replayed = decisions.record(conn, items, key, digest, _key_id(request))
    except decisions.DecisionError as exc:
        raise HTTPException(exc.status, str(exc)) from None
    headers = {"Idempotent-Replayed": "true"} if replayed else {}
    return FastJSON({"model_version": svc.moderator.version, "replayed": replayed, "decisions": out},
                    status_code=201, headers=headers)


def undo_decision(body: UndoRequest, request: Request,
                  decision_id: int = PathParam(ge=1, le=MAX_ID, description="the decision to cancel")) -> FastJSON:
    """Cancel a decision (the comment goes back to its previous decision, or to the queue); idempotent."""
    svc = service(request)
    try:
        with _store(svc).connect() as conn:
            out, replayed = decisions.undo(conn, decision_id, storable(body.moderator), _key_id(request))
    except decisions.DecisionError as exc:
        raise HTTPException(exc.status, str(exc)) from None
    return FastJSON({"model_version": svc.moderator.version, "replayed": replayed, "decision": out},
                    status_code=201)


def review_queue(request: Request,
                 label: Literal["insult", "masked", "hostility"] | None = Query(None, description="only this label"),
                 site: str | None = Query(None, min_length=1, max_length=255, description="only this site"),
                 run: int | None = Query(None, ge=1, le=MAX_ID, description="only this audit run"),
                 limit: int = Query(20, ge=1, le=100, description="comments to return"),
                 exclude: list[Annotated[int, Field(ge=1, le=MAX_ID)]] = Query(
                     [], max_length=200, description="comment ids the page already shows"),
                 ) -> FastJSON:
    """The next flagged comments without a decision, highest score first, with evidence; and the progress."""
    svc = service(request)
    filters = queue.Filters(label, None if site is None else storable(site), run)
    with _store(svc).connect() as conn:
        rows = queue.pending(conn, svc.thresholds, filters, limit, tuple(exclude))
        progress = queue.progress(conn, svc.thresholds, filters)
    items = []
    for row in rows:
        thresholds = svc.thresholds.for_site(row["site"])
        over = [lab for lab in LABELS if row[lab] >= thresholds[lab]]
        evidence = svc.moderator.explain(row["text"]) if over else {}
        items.append({
            "comment_id": row["id"], "text": row["text"],
            "source": row["path"] if row["kind"] == "api" else display_name(row["path"]),
            "site": row["site"], "kind": row["kind"], "line_first": row["line_first"], "line_last": row["line_last"],
            "dom_path": row["dom_path"], "ext_id": row["ext_id"], "author": row["author"], "date": row["date"],
            "url": row["url"], "scores": {lab: row[lab] for lab in LABELS}, "labels": over,
            "thresholds": thresholds, "model_version": row["model_version"],
            "evidence": {lab: [e.to_dict() for e in evidence.get(lab, [])] for lab in over}})
    return FastJSON({"model_version": svc.moderator.version, "progress": progress, "items": items})


def review_choices(request: Request) -> FastJSON:
    """What the page's filters offer: labels, sites and runs in the store."""
    svc = service(request)
    with _store(svc).connect() as conn:
        found = queue.choices(conn)
    return FastJSON({"model_version": svc.moderator.version, "auth": bool(svc.settings.api_keys), **found})


def review_page(request: Request) -> HTMLResponse:
    """The review page (static HTML; its script reads the queue from /v1)."""
    page = (STATIC / "review.html").read_text(encoding="utf-8")
    return HTMLResponse(page, headers={"Content-Security-Policy": PAGE_CSP, "Cache-Control": "no-cache"})


def static_file(name: str) -> FileResponse:
    """The page's script, stylesheet and icon; only those names, so no path reaches another file."""
    if name not in STATIC_FILES:
        raise HTTPException(404, f"no file {name!r} here")
    return FileResponse(STATIC / name, media_type=STATIC_FILES[name], headers={"Cache-Control": "no-cache"})


def review_router(settings: Settings) -> APIRouter:
    """The page (public) and the /v1 review endpoints (behind the API-key check when keys are configured)."""
    deps = [Depends(require_key)] if settings.api_keys else []
    errors = {**ERRORS, 503: {"model": ErrorOut, "description": "the store cannot be reached; nothing was "
                                                               "recorded, retry (Retry-After)"}}
    if settings.api_keys:
        errors[401] = {"model": ErrorOut, "description": "missing or invalid API key"}
    router = APIRouter()
    router.add_api_route("/review", review_page, methods=["GET"], include_in_schema=False)
    router.add_api_route("/review/static/{name}", static_file, methods=["GET"], include_in_schema=False)
    v1 = APIRouter(prefix="/v1", dependencies=deps, responses=errors)
    v1.add_api_route("/decisions", decide, methods=["POST"], status_code=201, response_model=DecisionsResponse,
                     responses={404: {"model": ErrorOut, "description": "a comment is not in the store"},
                                409: {"model": ErrorOut, "description": "Idempotency-Key reused with another body"}},
                     summary="record moderators' decisions on stored comments",
                     description=f"At most {settings.max_comments} decisions per request, stored together or not "
                                 "at all. Each names its comment by `comment_id` (the store's) or `id` (+ `site`) as "
                                 "sent to /v1/score. A later decision supersedes an earlier one; nothing is deleted.")
    v1.add_api_route("/decisions/{decision_id}/undo", undo_decision, methods=["POST"], status_code=201,
                     response_model=UndoResponse,
                     responses={404: {"model": ErrorOut, "description": "no such decision"},
                                409: {"model": ErrorOut, "description": "the decision is itself an undo"}},
                     summary="undo a decision (recorded as an undo; undoing twice returns the same undo)")
    v1.add_api_route("/review/queue", review_queue, methods=["GET"], response_model=QueueResponse,
                     summary="flagged comments awaiting a decision, highest score first, with progress")
    v1.add_api_route("/review/choices", review_choices, methods=["GET"], response_model=ReviewChoices,
                     summary="the labels, sites and runs the review filters can pick")
    router.include_router(v1)
    return router
