"""outbox: which process holds a claim, and when its send began

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 22:25:41.972091
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db.models

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade the schema."""
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claimed_by", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column("send_started_at", bot.db.models.UtcDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    """Downgrade the schema."""
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("send_started_at")
        batch_op.drop_column("claimed_by")
