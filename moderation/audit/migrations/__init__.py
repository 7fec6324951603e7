"""Alembic migrations of the audit store (run by `moderation.audit.store.migrate`, never by hand)."""
