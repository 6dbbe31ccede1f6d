"""Migrations create the whole schema on an empty database and match the models."""

import asyncio
import uuid

from alembic import command
from sqlalchemy import inspect

from bot.db.models import Base
from bot.db.session import Database, alembic_config
from tests.conftest import POSTGRES_URL, drop_postgres, fresh_postgres_url


def _check(connection) -> list[str]:
    """Run `alembic check` and list the tables on a synchronous connection."""
    command.check(alembic_config(connection))
    return inspect(connection).get_table_names()


async def test_upgrade_on_an_empty_database_then_check_is_clean(tmp_path):
    """`upgrade head` on an empty database creates every table and `alembic check` is clean."""
    name = f"pausebot_migrate_{uuid.uuid4().hex[:8]}"
    if POSTGRES_URL:
        url = await asyncio.to_thread(fresh_postgres_url, name)
    else:
        url = f"sqlite:///{tmp_path / 'empty.db'}"
    database = Database(url)
    try:
        await database.upgrade()
        await database.upgrade()
        async with database.engine.connect() as conn:
            tables = await conn.run_sync(_check)
        assert set(Base.metadata.tables) <= set(tables)
        assert "alembic_version" in tables
    finally:
        await database.dispose()
        if POSTGRES_URL:
            await asyncio.to_thread(drop_postgres, name)
