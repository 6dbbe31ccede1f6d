"""Alembic environment: pausebot's models, batch mode for SQLite, async engines."""

from __future__ import annotations

import asyncio
from logging.config import fileConfig

from alembic import context
from sqlalchemy.engine import Connection

from bot.db.models import Base

config = context.config
if config.config_file_name is not None and config.attributes.get("connection") is None:
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = Base.metadata


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Leave tables that pausebot's models do not own (such as APScheduler's) alone."""
    return not (type_ == "table" and reflected and compare_to is None)


def run_with(connection: Connection) -> None:
    """Run migrations on one synchronous connection."""
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        include_object=include_object,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_online() -> None:
    """Run migrations against DATABASE_URL with pausebot's async engine."""
    from bot.config import load_settings
    from bot.db.session import create_engine

    engine = create_engine(load_settings().DATABASE_URL)
    async with engine.connect() as connection:
        await connection.run_sync(run_with)
        await connection.commit()
    await engine.dispose()


connection = config.attributes.get("connection")
if connection is not None:
    run_with(connection)
else:
    asyncio.run(run_online())
