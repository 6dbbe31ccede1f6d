"""web dashboard login links and sessions, public status pages

Revision ID: 0008_web
Revises: 0008_evidence
Create Date: 2026-12-01 18:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db.models

revision: str = "0008_web"
down_revision: str | None = "0008_evidence"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade the schema."""
    op.create_table(
        "login_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("contractor_id", sa.Integer(), nullable=False),
        sa.Column("identity", sa.String(length=100), nullable=False),
        sa.Column("created_at", bot.db.models.UtcDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", bot.db.models.UtcDateTime(timezone=True), nullable=False),
        sa.Column("used_at", bot.db.models.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["contractor_id"],
            ["contractors.id"],
            name=op.f("fk_login_links_contractor_id_contractors"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_login_links_token_hash")),
    )
    op.create_table(
        "web_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("contractor_id", sa.Integer(), nullable=False),
        sa.Column("identity", sa.String(length=100), nullable=False),
        sa.Column("created_at", bot.db.models.UtcDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", bot.db.models.UtcDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", bot.db.models.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["contractor_id"],
            ["contractors.id"],
            name=op.f("fk_web_sessions_contractor_id_contractors"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_web_sessions_token_hash")),
    )
    op.create_table(
        "public_pages",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("changed_at", bot.db.models.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["contractors.id"], name=op.f("fk_public_pages_actor_id_contractors")
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_public_pages_project_id_projects")
        ),
        sa.PrimaryKeyConstraint("project_id", name=op.f("pk_public_pages")),
    )


def downgrade() -> None:
    """Downgrade the schema."""
    op.drop_table("public_pages")
    op.drop_table("web_sessions")
    op.drop_table("login_links")
