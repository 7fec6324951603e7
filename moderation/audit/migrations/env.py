"""Alembic environment: migrate the connection `store.migrate` hands over (no alembic.ini, no URL here)."""
from __future__ import annotations

from alembic import context

from moderation.audit.store import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("the audit store migrates through moderation.audit.store.migrate(engine); "
                       "open the store with `moderation audit --db URL` or `moderation review --db URL`")
# render_as_batch: SQLite alters a table by copying it; Alembic's batch mode does that where needed
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
