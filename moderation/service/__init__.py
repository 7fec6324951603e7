"""The HTTP service: FastAPI app (app.py), routes (routes.py), schemas, settings, auth, middleware, launcher."""
from .app import create_app
from .settings import Settings

__all__ = ["Settings", "create_app"]
