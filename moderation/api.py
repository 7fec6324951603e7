"""HTTP service over the scoring core: FastAPI app, limits, auth, access log, `moderation serve`.

Endpoints (OpenAPI at /docs and /openapi.json):
- ``GET /health`` (never needs a key) and ``GET /v1/model`` (the manifest's identity and metrics);
- ``POST /v1/score``: comments (strings or ``{"id", "text"}``) -> scores, labels over threshold,
  ``flagged``, and the evidence n-grams with ``explain``; an empty list gives empty results;
- ``POST /v1/segment``: one page -> its reader comments;
- ``POST /v1/moderate-page``: one page -> its comments, each scored, plus counts per label.

Every response names the model version (``X-Model-Version`` header, and a ``model_version``
field in every JSON success body). Limits come from `Settings` (environment variables):
comments per request (413), characters per comment (422), body bytes (413, checked on
Content-Length and on the bytes actually received), and characters explained per request
(422: explaining costs far more than scoring). Bad input always gets a 4xx naming what is
wrong; anything else is a bug, logged with its traceback and answered with a plain 500.
"""
from __future__ import annotations

import copy
import dataclasses
import hashlib
import hmac
import inspect
import ipaddress
import json
import logging
import os
import re
import sys
import time
from dataclasses import dataclass
from typing import Any, Callable, Literal, Sequence

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field, create_model
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import __version__
from .labels import LABEL_DESCRIPTIONS, LABELS
from .model import Moderator, ModelError
from .segment import SegmentResult, segment_page
from .textio import json_bytes

access_log = logging.getLogger("moderation.access")
error_log = logging.getLogger("moderation.api")

#: Score requests with at most this many characters (and no explain) run on the event loop
#: (no thread hop, lower latency); bigger ones go to the thread pool so they cannot stall
#: other requests. Page endpoints always use the thread pool.
INLINE_CHARS = 20_000

#: Seconds a uvicorn worker may take to answer its supervisor while loading the model.
WORKER_START_TIMEOUT = 120


# --------------------------------------------------------------------------- settings

def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name}={raw!r} is not an integer") from None
    if value < 0:
        raise ValueError(f"{name}={value} must be >= 0")
    return value


@dataclass(frozen=True)
class Settings:
    """Service limits and switches; `from_env` reads the MODERATION_* variables."""

    max_comments: int = 1000          # comments per /v1/score request
    max_chars: int = 20_000           # characters per comment
    max_body_bytes: int = 5_000_000   # request body, any endpoint
    max_explain_chars: int = 5_000    # characters explained per request (explain is ~100x scoring)
    api_keys: tuple[str, ...] = ()    # empty: no authentication
    log_text: bool = False            # debug: put comment text in the access log

    @classmethod
    def from_env(cls, **overrides: Any) -> "Settings":
        """Settings from the environment; keyword overrides win. Bad values raise ValueError."""
        keys = tuple(k.strip() for k in os.environ.get("MODERATION_API_KEYS", "").split(",") if k.strip())
        env = cls(
            max_comments=_env_int("MODERATION_MAX_COMMENTS", cls.max_comments),
            max_chars=_env_int("MODERATION_MAX_CHARS", cls.max_chars),
            max_body_bytes=_env_int("MODERATION_MAX_BODY_BYTES", cls.max_body_bytes),
            max_explain_chars=_env_int("MODERATION_MAX_EXPLAIN_CHARS", cls.max_explain_chars),
            api_keys=keys,
            log_text=os.environ.get("MODERATION_LOG_TEXT", "").strip().lower() in ("1", "true", "yes", "on"),
        )
        return dataclasses.replace(env, **overrides)


def key_id(key: str) -> str:
    """Short SHA-256 prefix that names an API key in logs without revealing it."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:8]


# --------------------------------------------------------------------------- schemas

class _Strict(BaseModel):
    """Request models: no silent coercion ("true" is not a boolean, 1.5 is not an id)."""
    model_config = ConfigDict(strict=True)


class CommentIn(_Strict):
    id: str | int | None = Field(None, description="echoed back; defaults to the item's position")
    text: str


class ScoreRequest(_Strict):
    comments: list[str | CommentIn] = Field(description="comments as strings or {id, text} objects")
    explain: bool = Field(False, description="add the n-grams behind each label's score, with spans")


class PageRequest(_Strict):
    page: str = Field(description="the article page: a plain-text dump or raw HTML")
    format: Literal["auto", "text", "html"] = "auto"


Scores = create_model("Scores", **{lab: (float, Field(ge=0, le=1, description=LABEL_DESCRIPTIONS[lab]))
                                   for lab in LABELS})


class EvidenceOut(BaseModel):
    ngram: str
    weight: float
    spans: list[tuple[int, int]] = Field(description="[start, end) character offsets in the comment")


class Verdict(BaseModel):
    scores: Scores  # type: ignore[valid-type]
    labels: list[str] = Field(description="labels whose score passes the model's threshold")
    flagged: bool = Field(description="true when any label passes its threshold")
    evidence: dict[str, list[EvidenceOut]] | None = Field(None, description="only with explain")


class ScoreResult(Verdict):
    id: str | int


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


class SegmentResponse(BaseModel):
    model_version: str
    format: Literal["text", "html"]
    has_comment_section: bool
    comments: list[CommentOut]


class ModeratedComment(Verdict, CommentOut):
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


# --------------------------------------------------------------------------- helpers

class FastJSON(JSONResponse):
    """Compact JSON via orjson (a 100-result batch renders ~10x faster than with json).

    See `moderation.textio.json_bytes` for what happens to what orjson refuses.
    """

    def render(self, content: Any) -> bytes:
        return json_bytes(content)


_SURROGATE = re.compile("[\ud800-\udfff]")


def clean(text: str) -> str:
    """Replace lone surrogates by U+FFFD.

    JSON may escape them ("\\ud800") but they are not Unicode characters, so they break
    UTF-8 encoding downstream; one-for-one replacement keeps every character offset.
    """
    return text if text.isascii() else _SURROGATE.sub("\ufffd", text)


class Scorer:
    """The scoring core as the endpoints use it: one vectorised call per request."""

    def __init__(self, moderator: Moderator):
        self.moderator = moderator
        self.labels = moderator.labels

    def verdicts(self, texts: Sequence[str], explain: bool = False) -> list[dict[str, Any]]:
        """Scores, labels over threshold and flag (plus evidence) for each text, in order."""
        m = self.moderator
        probs = m.predict_proba(texts)
        out = []
        for text, row, hits in zip(texts, probs.tolist(), m.flags(probs).tolist()):
            labels = [lab for lab, hit in zip(self.labels, hits) if hit]
            verdict = {"scores": dict(zip(self.labels, row)), "labels": labels, "flagged": bool(labels)}
            if explain:
                # explain() splits a text at NUL (its batch separator) and then fails; NUL -> space
                # keeps every offset. Scores above use the text unchanged.
                evidence = m.explain(text.replace("\x00", " "))
                verdict["evidence"] = {lab: [e.to_dict() for e in ev] for lab, ev in evidence.items()}
            out.append(verdict)
        return out


def segment(body: PageRequest) -> SegmentResult:
    """Segment a page; the segmenter's ValueError means the page is unusable: 422."""
    try:
        return segment_page(clean(body.page), format=body.format)
    except ValueError as exc:
        raise HTTPException(422, f"page: {exc}") from None


# --------------------------------------------------------------------------- middleware

class Gateway:
    """Pure-ASGI middleware around every request: body-size limit, X-Model-Version header,
    one JSON access-log line, and the catch-all that turns a bug into a logged plain 500.

    The body is read here (counting the bytes actually received, whatever Content-Length
    claims) and replayed to the app, so an oversized upload never reaches JSON parsing.
    """

    def __init__(self, app: ASGIApp, settings: Settings, model_version: str):
        self.app = app
        self.settings = settings
        self.version = model_version
        self.version_header = (b"x-model-version", model_version.encode("latin-1", "replace"))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        state = scope.setdefault("state", {})
        status: int | None = None     # stays None if the client left before any response
        started = False

        async def send_with_version(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                status, started = message["status"], True
                message["headers"] = [*message.get("headers", ()), self.version_header]
            await send(message)

        try:
            body = await self._read_body(scope, receive)
            if isinstance(body, str):   # over the limit: the message to send back
                await self._reply(send_with_version, 413, body)
            else:
                await self.app(scope, _replay(body, receive), send_with_version)
        except Exception:
            error_log.exception("unhandled error on %s %s", scope.get("method"), scope.get("path"))
            if not started:
                await self._reply(send_with_version, 500, "internal error; it has been logged")
        finally:
            if access_log.isEnabledFor(logging.INFO):
                self._log(scope, state, status, start)

    async def _read_body(self, scope: Scope, receive: Receive) -> bytes | str:
        """The whole request body, or an error message when it exceeds the limit."""
        limit = self.settings.max_body_bytes
        too_big = f"request body exceeds {limit} bytes (MODERATION_MAX_BODY_BYTES); send smaller batches"
        for name, value in scope.get("headers", ()):
            if name == b"content-length" and value.strip().isdigit() and int(value) > limit:
                return too_big
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":      # client went away
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                return too_big
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)

    async def _reply(self, send: Send, status: int, detail: str) -> None:
        await FastJSON({"detail": detail}, status_code=status)({"type": "http"}, _no_receive, send)

    def _log(self, scope: Scope, state: dict, status: int | None, start: float) -> None:
        line = {"method": scope.get("method"), "path": scope.get("path"), "status": status,
                "latency_ms": round((time.perf_counter() - start) * 1000, 3),
                "n_comments": state.get("n_comments"), "model_version": self.version}
        if "key_id" in state:
            line["key_id"] = state["key_id"]
        if self.settings.log_text and "texts" in state:
            line["texts"] = state["texts"]
        access_log.info(json.dumps(line, ensure_ascii=False))


def _replay(body: bytes, receive: Receive) -> Receive:
    """A receive callable that yields the buffered body once, then defers to the server."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}
    return replay


async def _no_receive() -> Message:
    return {"type": "http.disconnect"}


async def validation_error(request: Request, exc: RequestValidationError) -> FastJSON:
    """422 listing where each problem is; the submitted values are not echoed (privacy)."""
    issues = []
    for err in exc.errors():
        loc, msg = list(err.get("loc", ())), str(err.get("msg", "invalid"))
        if err.get("type") == "json_invalid":
            reason = (err.get("ctx") or {}).get("error", "syntax error")
            msg = f"request body is not valid JSON: {reason} at character {loc[-1] if len(loc) > 1 else 0}"
        issues.append({"loc": loc, "msg": msg, "type": str(err.get("type", "value_error"))})
    return FastJSON({"detail": issues}, status_code=422)


# --------------------------------------------------------------------------- app

_ERRORS = {status: {"model": ErrorOut, "description": text} for status, text in (
    (400, "the body could not be read (e.g. not UTF-8)"),
    (413, "a size limit was exceeded; the message names it"),
    (422, "invalid input; the message says where"),
)}
_bearer = HTTPBearer(auto_error=False, description="an API key from MODERATION_API_KEYS")


def _auth(settings: Settings) -> Callable:
    """Dependency checking `Authorization: Bearer <key>` against the configured keys.

    Digests are compared with `hmac.compare_digest` against every key, so the time taken
    reveals neither which key nor how much of one matched.
    """
    digests = [(hashlib.sha256(k.encode("utf-8")).digest(), key_id(k)) for k in settings.api_keys]

    async def require_key(request: Request,
                          cred: HTTPAuthorizationCredentials | None = Depends(_bearer)) -> None:
        if cred is None or not cred.credentials:
            raise HTTPException(401, "missing API key: send `Authorization: Bearer <key>`",
                                headers={"WWW-Authenticate": "Bearer"})
        given = hashlib.sha256(cred.credentials.encode("utf-8")).digest()
        found = None
        for digest, ident in digests:
            if hmac.compare_digest(given, digest):
                found = ident
        if found is None:
            raise HTTPException(401, "invalid API key", headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
        request.state.key_id = found
    return require_key


def _v1(scorer: Scorer, settings: Settings) -> APIRouter:
    """The /v1 endpoints, behind the API-key check when keys are configured."""
    version = scorer.moderator.version
    manifest = scorer.moderator.manifest
    deps = [Depends(_auth(settings))] if settings.api_keys else []
    errors = {**_ERRORS, 401: {"model": ErrorOut, "description": "missing or invalid API key"}} \
        if settings.api_keys else _ERRORS
    router = APIRouter(prefix="/v1", dependencies=deps, responses=errors)
    model_info = {
        "name": str(manifest.get("name", "")), "version": version, "sha256": str(manifest.get("sha256", "")),
        "sklearn_version": manifest.get("sklearn_version"), "labels": list(scorer.labels),
        "label_descriptions": {lab: LABEL_DESCRIPTIONS.get(lab, "") for lab in scorer.labels},
        "thresholds": scorer.moderator.thresholds, "metrics": manifest.get("metrics", {}),
    }

    @router.get("/model", response_model=ModelInfo, summary="the loaded model: version, thresholds, metrics")
    async def model() -> FastJSON:
        return FastJSON(model_info)

    @router.post("/score", response_model=ScoreResponse,
                 summary="score comments for insult, masked and hostility",
                 description=f"At most {settings.max_comments} comments of {settings.max_chars} characters; "
                             f"explain covers at most {settings.max_explain_chars} characters per request. "
                             "An empty list gives empty results.")
    async def score(body: ScoreRequest, request: Request) -> FastJSON:
        items = body.comments
        request.state.n_comments = len(items)
        if len(items) > settings.max_comments:
            raise HTTPException(413, f"{len(items)} comments in one request; the limit is "
                                     f"{settings.max_comments} (MODERATION_MAX_COMMENTS): split the batch")
        ids: list[str | int] = []
        texts: list[str] = []
        for i, item in enumerate(items):
            text, ident = (item, i) if isinstance(item, str) else (item.text, i if item.id is None else item.id)
            if len(text) > settings.max_chars:
                raise HTTPException(422, f"comment {i} (id {ident!r}) has {len(text)} characters; the limit "
                                         f"is {settings.max_chars} (MODERATION_MAX_CHARS)")
            ids.append(clean(ident) if isinstance(ident, str) else ident)
            texts.append(clean(text))
        size = sum(map(len, texts))
        if body.explain and size > settings.max_explain_chars:
            raise HTTPException(422, f"explain covers at most {settings.max_explain_chars} characters per "
                                     f"request (MODERATION_MAX_EXPLAIN_CHARS), this one has {size}: "
                                     "explain fewer comments")
        if settings.log_text:
            request.state.texts = texts
        if size <= INLINE_CHARS and not body.explain:
            verdicts = scorer.verdicts(texts, body.explain)
        else:
            verdicts = await run_in_threadpool(scorer.verdicts, texts, body.explain)
        return FastJSON({"model_version": version,
                         "results": [{"id": ident, **v} for ident, v in zip(ids, verdicts)]})

    @router.post("/segment", response_model=SegmentResponse, summary="find the reader comments of a page")
    def segment_endpoint(body: PageRequest, request: Request) -> FastJSON:
        result = segment(body)
        request.state.n_comments = len(result.comments)
        return FastJSON({"model_version": version, **result.to_dict()})

    @router.post("/moderate-page", response_model=ModeratePageResponse,
                 summary="segment a page, then score each of its comments")
    def moderate_page(body: PageRequest, request: Request) -> FastJSON:
        result = segment(body)
        texts = [c.text for c in result.comments]
        request.state.n_comments = len(texts)
        if len(texts) > settings.max_comments:
            raise HTTPException(413, f"the page holds {len(texts)} comments; the limit is {settings.max_comments} "
                                     "(MODERATION_MAX_COMMENTS): use /v1/segment, then /v1/score in batches")
        if settings.log_text:
            request.state.texts = texts
        verdicts = scorer.verdicts(texts)
        summary = {"comments": len(texts), "flagged": sum(v["flagged"] for v in verdicts),
                   "labels": {lab: sum(lab in v["labels"] for v in verdicts) for lab in scorer.labels}}
        return FastJSON({"model_version": version, "format": result.format,
                         "has_comment_section": result.has_comment_section,
                         "comments": [{**c.to_dict(), **v} for c, v in zip(result.comments, verdicts)],
                         "summary": summary})

    return router


def create_app(moderator: Moderator | None = None, settings: Settings | None = None) -> FastAPI:
    """Build the service around a loaded model (default: `Moderator.load()`, which may raise ModelError)."""
    settings = settings or Settings.from_env()
    moderator = moderator or Moderator.load()
    scorer = Scorer(moderator)
    app = FastAPI(title="moderation", version=__version__, default_response_class=FastJSON,
                  description="Scores French reader comments for insult, masking and hostility, "
                              "with the evidence behind each score. Every response carries X-Model-Version.")
    app.state.moderator, app.state.settings = moderator, settings
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_middleware(Gateway, settings=settings, model_version=moderator.version)
    health = {"status": "ok", "model_version": moderator.version}

    @app.get("/health", response_model=Health, summary="liveness; never needs a key")
    async def health_endpoint() -> FastJSON:
        return FastJSON(health)

    app.include_router(_v1(scorer, settings))
    return app


def app_from_env() -> FastAPI:
    """Factory for `uvicorn moderation.api:app_from_env --factory` (one per worker process)."""
    return create_app(Moderator.load(), Settings.from_env())


# --------------------------------------------------------------------------- serve

def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and "localhost"; any other name or address is reachable from outside."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def log_config() -> dict:
    """uvicorn's logging config plus the access log as bare JSON lines on stdout."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["formatters"]["json_line"] = {"format": "%(message)s"}
    config["handlers"]["moderation_access"] = {"formatter": "json_line", "class": "logging.StreamHandler",
                                               "stream": "ext://sys.stdout"}
    config["loggers"]["moderation.access"] = {"handlers": ["moderation_access"], "level": "INFO",
                                              "propagate": False}
    config["loggers"]["moderation.api"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    return config


def main(args) -> int:
    """`moderation serve`: load the model once (fail fast), then run uvicorn."""
    try:
        settings = Settings.from_env(**({"log_text": True} if getattr(args, "log_text", False) else {}))
        moderator = Moderator.load(args.model)
    except (ModelError, ValueError) as exc:
        print(f"moderation serve: error: {exc}", file=sys.stderr)
        return 2
    host = args.host or "127.0.0.1"
    if settings.api_keys:
        print(f"moderation serve: {len(settings.api_keys)} API key(s) required on /v1 "
              f"(ids {', '.join(key_id(k) for k in settings.api_keys)})", file=sys.stderr)
    elif not is_loopback(host):
        print(f"moderation serve: warning: listening on {host} without API keys; anyone who can reach "
              "this port can use the service. Set MODERATION_API_KEYS.", file=sys.stderr)
    import uvicorn

    options = {"host": host, "port": args.port, "access_log": False, "log_config": log_config()}
    if args.workers > 1:   # workers re-import the app: hand them the model we just verified
        os.environ["MODERATION_MODEL"] = str(moderator.path)
        if settings.log_text:
            os.environ["MODERATION_LOG_TEXT"] = "1"
        if "timeout_worker_healthcheck" in inspect.signature(uvicorn.Config).parameters:
            # uvicorn >= 0.30 kills a worker that misses a 5 s ping; loading the model can take longer.
            options["timeout_worker_healthcheck"] = WORKER_START_TIMEOUT
        uvicorn.run("moderation.api:app_from_env", factory=True, workers=args.workers, **options)
    else:
        uvicorn.run(create_app(moderator, settings), **options)
    return 0
