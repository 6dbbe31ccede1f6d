"""outbox payloads become version 1 neutral messages

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 16:30:00.000000

Before this revision an outbox payload was a loose dict (title, text, and keys nobody read).
Each such row is rewritten as a version 1 Message with its title and text, so every row the
dispatcher or a statement reads has one shape.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 1000
outbox = sa.table("outbox", sa.column("id", sa.BigInteger), sa.column("payload", sa.JSON))


def upgrade() -> None:
    """Rewrite every unversioned payload as a version 1 message, a batch of rows at a time."""
    connection = op.get_bind()
    last = 0
    while True:
        rows = connection.execute(
            sa.select(outbox.c.id, outbox.c.payload)
            .where(outbox.c.id > last)
            .order_by(outbox.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        for row_id, payload in rows:
            if "version" not in payload:
                message = {
                    "version": 1,
                    "title": str(payload.get("title") or ""),
                    "text": str(payload.get("text") or ""),
                }
                connection.execute(
                    outbox.update().where(outbox.c.id == row_id).values(payload=message)
                )
        last = rows[-1][0]


def downgrade() -> None:
    """Version 1 messages keep title and text, which is all the older code read."""
