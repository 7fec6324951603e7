"""Pure-ASGI middleware around every request: size limit, body checks, model-version header, access log."""
from __future__ import annotations

import json
import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .responses import FastJSON
from .settings import Settings

access_log = logging.getLogger("moderation.access")
error_log = logging.getLogger("moderation.api")


class Gateway:
    """Pure-ASGI middleware around every request: body-size limit, body checks, X-Model-Version
    header, one JSON access-log line, and the catch-all that turns a bug into a logged plain 500.

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
            elif (refusal := _refuse_body(scope, body)) is not None:
                await self._reply(send_with_version, *refusal)
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


def _refuse_body(scope: Scope, body: bytes) -> tuple[int, str] | None:
    """(status, message) for a POST body the JSON endpoints cannot read, saying how to send it; else None."""
    if scope.get("method") != "POST" or not body:
        return None
    ctype = next((v.decode("latin-1") for k, v in scope.get("headers", ()) if k == b"content-type"), "")
    media = ctype.split(";", 1)[0].strip().lower()
    if media != "application/json" and not media.endswith("+json"):
        return 415, (f"the body must be JSON sent with `Content-Type: application/json` "
                     f"(got {ctype or 'no Content-Type'}); e.g. curl -H 'content-type: application/json' -d @body.json")
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as exc:
        return 400, (f"the body is not UTF-8 (byte 0x{body[exc.start]:02x} at offset {exc.start}): "
                     "JSON must be encoded as UTF-8; re-encode the text (e.g. from Latin-1) before sending")
    return None
