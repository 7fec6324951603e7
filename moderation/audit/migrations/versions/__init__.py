"""One file per schema revision; Alembic reads them in `down_revision` order."""
