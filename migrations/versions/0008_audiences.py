"""audiences: assignments made by a sync, and the groups a project follows

Revision ID: 0008_audiences
Revises: 0007
Create Date: 2026-12-08 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db.models

revision: str = "0008_audiences"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade the schema."""
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("by_sync", sa.Boolean(), server_default="0", nullable=False))
    op.create_table(
        "audience_syncs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("group_id", sa.String(length=64), nullable=False),
        sa.Column("scope", sa.String(length=64), nullable=True),
        sa.Column("label", sa.String(length=200), nullable=True),
        sa.Column("created_at", bot.db.models.UtcDateTime(timezone=True), nullable=False),
        sa.Column("synced_at", bot.db.models.UtcDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_audience_syncs_project_id_projects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audience_syncs")),
        sa.UniqueConstraint("project_id", "platform", "kind", "group_id", name="uq_audience_sync"),
    )


def downgrade() -> None:
    """Downgrade the schema."""
    op.drop_table("audience_syncs")
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.drop_column("by_sync")
