"""The FastAPI application: one `Service` (model + settings) behind the middleware and the routes.

Endpoints (OpenAPI at /docs and /openapi.json):
- ``GET /health`` (never needs a key) and ``GET /v1/model`` (the manifest's identity and metrics);
- ``POST /v1/score``: comments (strings or ``{"id", "text"}``) -> scores, labels over threshold,
  ``flagged``, and the evidence with ``explain``; an empty list gives empty results;
- ``POST /v1/segment``: one page -> its reader comments;
- ``POST /v1/moderate-page``: one page -> its comments, each scored, plus counts per label;
- with a store (``moderation serve --store URL``, ``moderation review``): scored comments are recorded,
  ``POST /v1/decisions`` records moderators' decisions, and ``/review`` is the review page
  (see `moderation.review`).

Every response names the model version (``X-Model-Version`` header, and a ``model_version``
field in every JSON success body). Bad input always gets a 4xx naming what is wrong;
anything else is a bug, logged with its traceback and answered with a plain 500.
"""
from __future__ import annotations

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from .. import __version__
from ..scoring import Moderator
from ..thresholds import SiteThresholds
from .middleware import Gateway
from .responses import FastJSON, store_unavailable, validation_error
from .routes import Service, health_router, v1_router
from .settings import Settings


def create_app(moderator: Moderator | None = None, settings: Settings | None = None,
               store: Engine | None = None, thresholds: SiteThresholds | None = None) -> FastAPI:
    """Build the service around a loaded model (default: `Moderator.load()`, which may raise ModelError),
    with the thresholds in force (default: the model's) and, optionally, a store opened by `store.open_store`."""
    from ..review.routes import review_router

    settings = settings or Settings.from_env()
    moderator = moderator or Moderator.load()
    app = FastAPI(title="moderation", version=__version__, default_response_class=FastJSON,
                  description="Scores French reader comments for insult, masking and hostility, "
                              "with the evidence behind each score. Every response carries X-Model-Version.")
    app.state.service = Service(moderator, settings, thresholds, store)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(OperationalError, store_unavailable)
    app.add_middleware(Gateway, settings=settings, model_version=moderator.version)
    app.include_router(health_router())
    app.include_router(v1_router(settings))
    if store is not None:
        app.include_router(review_router(settings))
    return app
