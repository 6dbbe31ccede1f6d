"""The unit of work under concurrency: SQLite transactions queue in-process, never busy-wait."""

from __future__ import annotations

import asyncio
import sqlite3
import time

import pytest
from sqlalchemy import event, func, make_url, select

from bot.commands.runner import CommandRunner
from bot.core.people import Caller
from bot.db.models import HoursEntry
from bot.db.session import Database

USERS = [f"u{index:02d}" for index in range(48)]


def no_busy_wait(database: Database) -> None:
    """Make SQLite refuse at once ("database is locked") instead of waiting for its lock."""
    if database.dialect != "sqlite":
        return

    def refuse(dbapi_connection, _record) -> None:
        """Set busy_timeout to zero on every new connection."""
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout=0")
        cursor.close()

    event.listen(database.engine.sync_engine, "connect", refuse)


async def test_concurrent_commands_all_commit_without_busy_waiting(database, settings, clock, say):
    """48 concurrent /hours log commands all succeed even when SQLite may not wait for its lock."""
    await say.ok("admin", "/project add ACME Acme Website")
    await say.ok("admin", "/project assign ACME " + " ".join(f"@{user}" for user in USERS))
    no_busy_wait(database)
    runner = CommandRunner(database=database, settings=settings, clock=clock)
    replies = await asyncio.gather(
        *(
            runner.run_line(Caller(platform="console", external_id=user), "/hours log ACME 1h")
            for user in USERS
        )
    )
    assert [reply.text for reply in replies if not reply.ok] == []
    async with database.transaction() as db:
        assert await db.scalar(select(func.count()).select_from(HoursEntry)) == len(USERS)


async def test_failed_transaction_lets_the_next_one_in(database):
    """A transaction that raises rolls back and does not keep later ones waiting."""
    with pytest.raises(RuntimeError):
        async with database.transaction():
            raise RuntimeError("refused")
    async with asyncio.timeout(5), database.transaction() as db:
        assert await db.scalar(select(func.count()).select_from(HoursEntry)) == 0


async def test_a_second_process_starts_while_sqlite_is_write_locked(database_url):
    """At head already, opening the database only reads: another writer's lock does not stop it."""
    if not database_url.startswith("sqlite"):
        pytest.skip("the write lock is SQLite's")
    path = make_url(database_url).database
    holder = sqlite3.connect(path, isolation_level=None, timeout=0.1)
    holder.execute("BEGIN IMMEDIATE")
    database = Database(database_url)
    try:
        started = time.monotonic()
        await asyncio.wait_for(database.upgrade(), timeout=5)
        assert time.monotonic() - started < 5
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        await database.dispose()
