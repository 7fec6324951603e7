"""Service settings: limits and switches, read from MODERATION_* environment variables."""
from __future__ import annotations

import dataclasses
import hashlib
import os
from dataclasses import dataclass
from typing import Any


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


