"""evidence for a claim: rates, availability answers, check-in settings

Revision ID: 0008_evidence
Revises: 0008_audiences
Create Date: 2026-12-01 18:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db.models

revision: str = "0008_evidence"
down_revision: str | None = "0008_audiences"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade the schema."""
    op.create_table(
        "rates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("contractor_id", sa.Integer(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount", bot.db.models.ExactDecimal(12, 2), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("created_at", bot.db.models.UtcDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount >= 0", name=op.f("ck_rates_amount")),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["contractors.id"], name=op.f("fk_rates_actor_id_contractors")
        ),
        sa.ForeignKeyConstraint(
            ["contractor_id"], ["contractors.id"], name=op.f("fk_rates_contractor_id_contractors")
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_rates_project_id_projects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rates")),
    )
    with op.batch_alter_table("rates", schema=None) as batch_op:
        batch_op.create_index(
            "ix_rates_project_contractor_from",
            ["project_id", "contractor_id", "effective_from"],
            unique=False,
        )
        batch_op.create_index("ix_rates_contractor", ["contractor_id"], unique=False)

    op.create_table(
        "availability",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("contractor_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("work_date", sa.Date(), nullable=False),
        sa.Column("available", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("source_identity", sa.String(length=100), nullable=False),
        sa.Column("request_key", sa.String(length=200), nullable=True),
        sa.Column("answered_at", bot.db.models.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["contractor_id"],
            ["contractors.id"],
            name=op.f("fk_availability_contractor_id_contractors"),
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_availability_project_id_projects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_availability")),
        sa.UniqueConstraint("request_key", name=op.f("uq_availability_request_key")),
    )
    with op.batch_alter_table("availability", schema=None) as batch_op:
        batch_op.create_index(
            "ix_availability_contractor_date",
            ["contractor_id", "work_date", "project_id"],
            unique=False,
        )

    op.create_table(
        "checkins",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("changed_at", bot.db.models.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["contractors.id"], name=op.f("fk_checkins_actor_id_contractors")
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_checkins_project_id_projects")
        ),
        sa.PrimaryKeyConstraint("project_id", name=op.f("pk_checkins")),
    )


def downgrade() -> None:
    """Downgrade the schema."""
    op.drop_table("checkins")
    with op.batch_alter_table("availability", schema=None) as batch_op:
        batch_op.drop_index("ix_availability_contractor_date")
    op.drop_table("availability")
    with op.batch_alter_table("rates", schema=None) as batch_op:
        batch_op.drop_index("ix_rates_contractor")
        batch_op.drop_index("ix_rates_project_contractor_from")
    op.drop_table("rates")
