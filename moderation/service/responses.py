"""How the API answers: compact JSON, and 4xx bodies that say what is wrong without echoing the input."""
from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from ..textio import json_bytes
from .schemas import ErrorOut


class FastJSON(JSONResponse):
    """Compact JSON via orjson (a 100-result batch renders ~10x faster than with json).

    See `moderation.textio.json_bytes` for what happens to what orjson refuses.
    """

    def render(self, content: Any) -> bytes:
        return json_bytes(content)


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


async def store_unavailable(request: Request, exc: Exception) -> FastJSON:
    """503 when the store's database cannot be reached or is locked: the request was not recorded, retry it."""
    import logging

    logging.getLogger("moderation.api").warning("store unavailable on %s: %s", request.url.path, exc)
    return FastJSON({"detail": "the store is unavailable right now; nothing was recorded, retry the request"},
                    status_code=503, headers={"Retry-After": "1"})


#: Error responses every /v1 endpoint documents in the OpenAPI schema.
ERRORS = {status: {"model": ErrorOut, "description": text} for status, text in (
    (400, "the body could not be read (not UTF-8)"),
    (413, "a size limit was exceeded; the message names it"),
    (415, "the body was not sent as JSON (Content-Type: application/json)"),
    (422, "invalid input; the message says where"),
)}
