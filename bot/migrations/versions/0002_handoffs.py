"""Human handoff: conversations, their messages, their Telegram messages.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "handoffs",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(16)),
        sa.Column("lang", sa.String(8)),
        sa.Column("policy_id", sa.String(200)),
        sa.Column("question", sa.Text),
        sa.Column("answered", sa.Boolean),
        sa.Column("answer_heading", sa.Text),
        sa.Column("answer_url", sa.Text),
        sa.Column("contact", sa.String(254)),
        sa.Column("agent", sa.String(128)),
        sa.Column("first_reply_at", sa.DateTime),
        sa.Column("closed_at", sa.DateTime),
        sa.Column("client", sa.String(32)),
    )
    op.create_index("ix_handoffs_created_at", "handoffs", ["created_at"])
    op.create_index("ix_handoffs_updated_at", "handoffs", ["updated_at"])
    op.create_table(
        "handoff_messages",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("handoff_id", sa.String(32),
                  sa.ForeignKey("handoffs.id", ondelete="CASCADE"), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("sender", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("payload", sa.Text),
        sa.Column("agent", sa.String(128)),
    )
    op.create_index("ix_handoff_messages_handoff_id", "handoff_messages", ["handoff_id"])
    op.create_table(
        "handoff_telegram",
        sa.Column("chat_id", sa.BigInteger, primary_key=True),
        sa.Column("message_id", sa.BigInteger, primary_key=True),
        sa.Column("handoff_id", sa.String(32),
                  sa.ForeignKey("handoffs.id", ondelete="CASCADE"), nullable=False),
        sa.Column("card", sa.Boolean, nullable=False),
    )
    op.create_index("ix_handoff_telegram_handoff_id", "handoff_telegram", ["handoff_id"])


def downgrade() -> None:
    op.drop_table("handoff_telegram")
    op.drop_table("handoff_messages")
    op.drop_table("handoffs")
