"""The FastAPI application: one `Service` (model + settings) behind the middleware and the routes.

Endpoints (OpenAPI at /docs and /openapi.json):
- ``GET /health`` (never needs a key) and ``GET /v1/model`` (the manifest's identity and metrics);
- ``POST /v1/score``: comments (strings or ``{"id", "text"}``) -> scores, labels over threshold,
  ``flagged``, and the evidence with ``explain``; an empty list gives empty results;
- ``POST /v1/segment``: one page -> its reader comments;
- ``POST /v1/moderate-page``: one page -> its comments, each scored, plus counts per label.

Every response names the model version (``X-Model-Version`` header, and a ``model_version``
field in every JSON success body). Bad input always gets a 4xx naming what is wrong;
anything else is a bug, logged with its traceback and answered with a plain 500.
"""
from __future__ import annotations

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError

from .. import __version__
from ..scoring import Moderator
from .middleware import Gateway
from .responses import FastJSON, validation_error
from .routes import Service, health_router, v1_router
from .settings import Settings


def create_app(moderator: Moderator | None = None, settings: Settings | None = None) -> FastAPI:
    """Build the service around a loaded model (default: `Moderator.load()`, which may raise ModelError)."""
    settings = settings or Settings.from_env()
    moderator = moderator or Moderator.load()
    app = FastAPI(title="moderation", version=__version__, default_response_class=FastJSON,
                  description="Scores French reader comments for insult, masking and hostility, "
                              "with the evidence behind each score. Every response carries X-Model-Version.")
    app.state.service = Service(moderator, settings)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_middleware(Gateway, settings=settings, model_version=moderator.version)
    app.include_router(health_router())
    app.include_router(v1_router(settings))
    return app
