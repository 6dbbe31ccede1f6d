"""Migrations create the whole schema on an empty database and match the models."""

import asyncio
import json
import uuid
from datetime import UTC, datetime

from alembic import command
from sqlalchemy import inspect, select, text

from bot.core.message import Message
from bot.db.models import Base, OutboxMessage
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


def _upgrade_to(connection, revision: str) -> None:
    """Run the migrations up to a revision on a synchronous connection."""
    command.upgrade(alembic_config(connection), revision)


async def test_old_outbox_payloads_become_version_1_messages(tmp_path):
    """A row queued before 0004 (title, text and unread keys) reads back as a Message."""
    name = f"pausebot_migrate_{uuid.uuid4().hex[:8]}"
    if POSTGRES_URL:
        url = await asyncio.to_thread(fresh_postgres_url, name)
    else:
        url = f"sqlite:///{tmp_path / 'old.db'}"
    database = Database(url)
    old = {"event": "state_change", "title": "ACME is paused", "text": "Reason: breach"}
    try:
        async with database.engine.begin() as conn:
            await conn.run_sync(_upgrade_to, "0003")
            await conn.execute(
                text(
                    "INSERT INTO outbox (kind, platform, target_type, target, payload, dedupe_key,"
                    " state, attempts, next_attempt_at, created_at) VALUES ('announcement',"
                    " 'slack', 'user', 'U1', :payload, 'k', 'pending', 0, :now, :now)"
                ),
                {"payload": json.dumps(old), "now": datetime(2026, 3, 4, tzinfo=UTC)},
            )
        await database.upgrade()
        async with database.engine.connect() as conn:
            (payload,) = (await conn.execute(select(OutboxMessage.payload))).one()
        message = Message.model_validate(payload)
        assert (message.title, message.text) == ("ACME is paused", "Reason: breach")
    finally:
        await database.dispose()
        if POSTGRES_URL:
            await asyncio.to_thread(drop_postgres, name)
