"""API keys: `Authorization: Bearer <key>` checked against MODERATION_API_KEYS."""
from __future__ import annotations

import hashlib
import hmac

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from .settings import key_id

bearer = HTTPBearer(auto_error=False, description="an API key from MODERATION_API_KEYS")


def key_digests(keys: tuple[str, ...]) -> list[tuple[bytes, str]]:
    """(SHA-256 digest, short id) of each configured key: what the check compares against."""
    return [(hashlib.sha256(k.encode("utf-8")).digest(), key_id(k)) for k in keys]


async def require_key(request: Request, cred: HTTPAuthorizationCredentials | None = Depends(bearer)) -> None:
    """Dependency of every /v1 route when keys are configured.

    Digests are compared with `hmac.compare_digest` against every key, so the time taken
    reveals neither which key nor how much of one matched.
    """
    if cred is None or not cred.credentials:
        raise HTTPException(401, "missing API key: send `Authorization: Bearer <key>`",
                            headers={"WWW-Authenticate": "Bearer"})
    given = hashlib.sha256(cred.credentials.encode("utf-8")).digest()
    found = None
    for digest, ident in request.app.state.service.key_digests:
        if hmac.compare_digest(given, digest):
            found = ident
    if found is None:
        raise HTTPException(401, "invalid API key", headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
    request.state.key_id = found
