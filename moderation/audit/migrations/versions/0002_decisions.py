"""Moderators' decisions (append-only) and the site of each input.

Revision ID: 0002
Revises: 0001
`inputs.site` is filled for existing rows from their path (the folder holding the file), the rule
`store.site_of` applies to new ones; no existing row or value is changed otherwise.
"""
from __future__ import annotations

from pathlib import PurePath

import sqlalchemy as sa
from alembic import op
from sqlalchemy.sql.expression import Grouping

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

LABELS = ("insult", "masked", "hostility")


def upgrade() -> None:
    """Add inputs.site (filled from the paths), the decisions table and the indexes the review queries use."""
    op.add_column("inputs", sa.Column("site", sa.String(255)))
    inputs = sa.table("inputs", sa.column("id", sa.Integer), sa.column("path", sa.Text),
                      sa.column("site", sa.String))
    conn = op.get_bind()
    paths = conn.execute(sa.select(inputs.c.path).distinct()).scalars().all()
    for path in paths:
        conn.execute(sa.update(inputs).where(inputs.c.path == path).values(site=PurePath(path).parent.name or "/"))
    op.create_index("ix_inputs_site", "inputs", ["site"])
    op.create_index("ix_comments_ext_id", "comments", ["ext_id"])
    # the review queue ranks flagged comments by their highest score: this index lets it read the top
    # few instead of sorting every flagged comment (the same expression as store.top_score())
    c = sa.table("comments", *[sa.column(lab, sa.Float) for lab in LABELS])
    a, b, h = (c.c[lab] for lab in LABELS)
    op.create_index("ix_comments_top", "comments",
                    [Grouping(sa.case((sa.and_(a >= b, a >= h), a), (b >= h, b), else_=h)).desc()])
    op.create_table(
        "decisions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("comment_id", sa.Integer, sa.ForeignKey("comments.id"), nullable=False),
        *[sa.Column(lab, sa.Boolean) for lab in LABELS],
        sa.Column("action", sa.String(8), nullable=False),
        sa.Column("undoes", sa.Integer, sa.ForeignKey("decisions.id")),
        sa.Column("moderator", sa.String(255), nullable=False),
        sa.Column("key_id", sa.String(16)),
        sa.Column("decided_at", sa.String(32), nullable=False),
        sa.Column("model_version", sa.String(64), nullable=False),
        sa.Column("idempotency_key", sa.String(255)),
        sa.Column("request_item", sa.Integer),
        sa.Column("request_sha256", sa.String(64)),
        sa.UniqueConstraint("undoes", name="uq_decision_undoes"),
        sa.UniqueConstraint("idempotency_key", "request_item", name="uq_decision_request"),
    )
    op.create_index("ix_decisions_comment", "decisions", ["comment_id"])


def downgrade() -> None:
    """Back to 0001: the decisions are dropped."""
    op.drop_index("ix_comments_top", "comments")
    op.drop_index("ix_comments_ext_id", "comments")
    op.drop_index("ix_decisions_comment", "decisions")
    op.drop_table("decisions")
    op.drop_index("ix_inputs_site", "inputs")
    with op.batch_alter_table("inputs") as batch:
        batch.drop_column("site")
