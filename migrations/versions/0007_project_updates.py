"""project updates between state changes

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 17:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db.models

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade the schema."""
    op.create_table(
        "project_updates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("at", bot.db.models.UtcDateTime(timezone=True), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("expected_resume", sa.Date(), nullable=True),
        sa.Column("next_update_at", bot.db.models.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["contractors.id"], name=op.f("fk_project_updates_actor_id_contractors")
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_project_updates_project_id_projects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_updates")),
    )
    with op.batch_alter_table("project_updates", schema=None) as batch_op:
        batch_op.create_index("ix_project_updates_project_at", ["project_id", "at"], unique=False)


def downgrade() -> None:
    """Downgrade the schema."""
    with op.batch_alter_table("project_updates", schema=None) as batch_op:
        batch_op.drop_index("ix_project_updates_project_at")
    op.drop_table("project_updates")
