"""rate limits shared by every process: holds after HTTP 429, and channel turns

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 10:00:00.000000

`rate_limit_holds` keeps a platform's Retry-After (per platform and scope, such as a Slack
method) so that no process sends during a hold another one recorded; `channel_turns` keeps
when each conversation may next be posted to, so the pace of channel posts holds for all
processes together.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db.models

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade the schema."""
    op.create_table(
        "rate_limit_holds",
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("scope", sa.String(length=100), nullable=False),
        sa.Column("until", bot.db.models.UtcDateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", bot.db.models.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("platform", "scope", name=op.f("pk_rate_limit_holds")),
    )
    op.create_table(
        "channel_turns",
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=80), nullable=False),
        sa.Column("free_at", bot.db.models.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("platform", "channel", name=op.f("pk_channel_turns")),
    )


def downgrade() -> None:
    """Downgrade the schema."""
    op.drop_table("channel_turns")
    op.drop_table("rate_limit_holds")
