"""client names matched by a folded key; console names in lower case

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 17:00:00.000000

`clients.name_key` holds the name with full Unicode case folding (NFKC, casefold), unique, so
`Über AI` and `über ai` are one client on every engine. Clients that only differed by case
are merged into the oldest. Console identities become lower case (console names are
case-insensitive), where that does not collide with an identity that already exists.
"""

import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

clients = sa.table(
    "clients", sa.column("id", sa.Integer), sa.column("name", sa.String), sa.column("name_key")
)
projects = sa.table("projects", sa.column("client_id", sa.Integer))
identities = sa.table(
    "identities",
    sa.column("id", sa.Integer),
    sa.column("platform", sa.String),
    sa.column("external_id", sa.String),
)


def fold(name: str) -> str:
    """The key a client name is matched by (as bot.core.words.fold_name, frozen here)."""
    return unicodedata.normalize("NFKC", name.strip()).casefold()


def upgrade() -> None:
    """Add and fill the key, merge clients that share one, lower-case console names."""
    with op.batch_alter_table("clients", schema=None) as batch_op:
        batch_op.add_column(sa.Column("name_key", sa.String(length=200), nullable=True))
    connection = op.get_bind()
    kept: dict[str, int] = {}
    for client_id, name in connection.execute(
        sa.select(clients.c.id, clients.c.name).order_by(clients.c.id)
    ):
        key = fold(name)
        if key in kept:
            connection.execute(
                projects.update()
                .where(projects.c.client_id == client_id)
                .values(client_id=kept[key])
            )
            connection.execute(clients.delete().where(clients.c.id == client_id))
            continue
        kept[key] = client_id
        connection.execute(clients.update().where(clients.c.id == client_id).values(name_key=key))
    with op.batch_alter_table("clients", schema=None) as batch_op:
        batch_op.alter_column("name_key", existing_type=sa.String(length=200), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_clients_name_key"), ["name_key"])
    console = sa.select(identities.c.id, identities.c.external_id).where(
        identities.c.platform == "console"
    )
    taken = {external_id for _, external_id in connection.execute(console)}
    for identity_id, external_id in connection.execute(console).all():
        lower = external_id.lower()
        if lower != external_id and lower not in taken:
            connection.execute(
                identities.update().where(identities.c.id == identity_id).values(external_id=lower)
            )
            taken.add(lower)


def downgrade() -> None:
    """Drop the key; merged clients and lower-cased names stay as they are."""
    with op.batch_alter_table("clients", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_clients_name_key"), type_="unique")
        batch_op.drop_column("name_key")
