"""The store as 0.2.0 created it: runs, inputs, run_inputs, comments.

Revision ID: 0001
Revises:
Frozen here (not imported from store.py) so that later schema changes never alter what this revision means.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

LABELS = ("insult", "masked", "hostility")


def upgrade() -> None:
    """Create the four tables of 0.2.0 (an existing 0.2.0 store is stamped at this revision instead)."""
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("started", sa.String(32), nullable=False),
        sa.Column("finished", sa.String(32)),
        sa.Column("model_version", sa.String(64), nullable=False),
        sa.Column("args", sa.Text, nullable=False),
        sa.Column("inputs_scored", sa.Integer, nullable=False),
        sa.Column("inputs_reused", sa.Integer, nullable=False),
        sa.Column("inputs_failed", sa.Integer, nullable=False),
        sa.Column("comments_scored", sa.Integer, nullable=False),
    )
    op.create_table(
        "inputs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("path", sa.Text, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("model_version", sa.String(64), nullable=False),
        sa.Column("options", sa.String(255), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("error", sa.Text),
        sa.Column("n_comments", sa.Integer, nullable=False),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id"), nullable=False),
        sa.UniqueConstraint("path", "sha256", "model_version", "options", name="uq_input_key"),
    )
    op.create_table(
        "run_inputs",
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id"), primary_key=True),
        sa.Column("input_id", sa.Integer, sa.ForeignKey("inputs.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("position", sa.Integer, nullable=False),
    )
    op.create_table(
        "comments",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("input_id", sa.Integer, sa.ForeignKey("inputs.id", ondelete="CASCADE"), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("ext_id", sa.String(255)),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("line_first", sa.Integer),
        sa.Column("line_last", sa.Integer),
        sa.Column("dom_path", sa.Text),
        sa.Column("author", sa.Text),
        sa.Column("date", sa.String(64)),
        sa.Column("url", sa.Text),
        *[sa.Column(lab, sa.Float, nullable=False) for lab in LABELS],
        sa.Column("flagged", sa.Boolean, nullable=False),
        sa.Column("model_version", sa.String(64), nullable=False),
        sa.UniqueConstraint("input_id", "position", name="uq_comment_position"),
    )


def downgrade() -> None:
    """Drop them all."""
    for table in ("comments", "run_inputs", "inputs", "runs"):
        op.drop_table(table)
