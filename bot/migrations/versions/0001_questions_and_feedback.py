"""Questions and feedback.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Logs created before migrations existed already have these tables: keep them.
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if "questions" not in existing:
        op.create_table(
            "questions",
            sa.Column("id", sa.String(32), primary_key=True),
            sa.Column("asked_at", sa.DateTime, nullable=False),
            sa.Column("channel", sa.String(32), nullable=False),
            sa.Column("question", sa.Text, nullable=False),
            sa.Column("lang", sa.String(8)),
            sa.Column("answered", sa.Boolean, nullable=False),
            sa.Column("policy_id", sa.String(200)),
            sa.Column("section_id", sa.String(200)),
            sa.Column("heading", sa.Text),
            sa.Column("score", sa.Float),
            sa.Column("latency_ms", sa.Float),
            sa.Column("client", sa.String(32)),
        )
        op.create_index("ix_questions_asked_at", "questions", ["asked_at"])
    if "feedback" not in existing:
        op.create_table(
            "feedback",
            sa.Column("id", sa.String(32), primary_key=True),
            sa.Column("created_at", sa.DateTime, nullable=False),
            sa.Column("question_id", sa.String(64)),
            sa.Column("channel", sa.String(32), nullable=False),
            sa.Column("vote", sa.String(8), nullable=False),
            sa.Column("reason", sa.String(32)),
            sa.Column("comment", sa.Text),
            sa.Column("question", sa.Text),
            sa.Column("policy_id", sa.String(200)),
            sa.Column("section_id", sa.String(200)),
            sa.Column("url", sa.Text),
            sa.Column("quote", sa.Text),
            sa.Column("client", sa.String(32)),
        )
        op.create_index("ix_feedback_created_at", "feedback", ["created_at"])
        op.create_index("ix_feedback_question_id", "feedback", ["question_id"])


def downgrade() -> None:
    op.drop_table("feedback")
    op.drop_table("questions")
