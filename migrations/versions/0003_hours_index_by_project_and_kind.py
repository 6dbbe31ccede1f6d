"""covering index on hours by project and kind

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 22:41:03.866058
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade the schema."""
    with op.batch_alter_table("hours_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hours_project_date"))
        batch_op.create_index(
            "ix_hours_project_kind_date",
            ["project_id", "kind", "work_date", "contractor_id", "minutes", "deleted_at"],
            unique=False,
        )


def downgrade() -> None:
    """Downgrade the schema."""
    with op.batch_alter_table("hours_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_hours_project_kind_date")
        batch_op.create_index(
            batch_op.f("ix_hours_project_date"), ["project_id", "work_date"], unique=False
        )
