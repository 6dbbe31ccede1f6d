"""The unit of work: one hop to a worker thread, under concurrency, and past lost connections."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time

import pytest
from sqlalchemy import event, func, make_url, select, text

from bot.commands.runner import CommandRunner
from bot.core.people import Caller
from bot.db.models import HoursEntry
from bot.db.session import Database
from tests.conftest import POSTGRES_URL

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
    if database.unit_engine is not None:
        event.listen(database.unit_engine, "connect", refuse)


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


async def test_a_unit_runs_in_one_transaction_off_the_event_loop(database):
    """A unit of work commits as a whole, on a pausebot-unit thread where the engine allows."""
    seen = []

    async def work(db):
        """Note the thread, then write and read in the same transaction."""
        seen.append(threading.current_thread().name)
        await db.execute(text("CREATE TABLE IF NOT EXISTS unit_probe (n INTEGER)"))
        await db.execute(text("INSERT INTO unit_probe VALUES (1)"))
        return (await db.execute(text("SELECT count(*) FROM unit_probe"))).scalar_one()

    assert await database.unit(work) == 1
    assert seen[0].startswith("pausebot-unit")


@pytest.mark.skipif(POSTGRES_URL is not None, reason="the write lock is SQLite's")
async def test_a_quick_unit_never_blocks_the_loop_while_another_process_writes(database_url, say):
    """With SQLite's write lock held elsewhere, a quick command waits for it off the loop:
    the loop goes on answering, and the command succeeds once the lock is free."""
    await say.ok("admin", "/project add ACME Acme Website")
    path = make_url(database_url).database
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    ticks = 0

    async def tick() -> None:
        """Count the loop's turns."""
        nonlocal ticks
        while True:
            await asyncio.sleep(0.02)
            ticks += 1

    async def release() -> None:
        """Let the other writer finish after a while."""
        await asyncio.sleep(0.5)
        other.execute("COMMIT")

    ticker = asyncio.create_task(tick())
    releaser = asyncio.create_task(release())
    try:
        reply = await say("admin", "/hours week")
    finally:
        ticker.cancel()
        await releaser
        other.close()
    assert reply.ok and reply.message.title.startswith("Week of")
    assert ticks >= 10  # the loop turned throughout the half second of waiting


async def test_a_unit_that_awaits_the_outside_world_is_refused_and_rolled_back(database):
    """Waiting on anything but the session inside a unit is an error, and nothing is kept."""

    async def create(db):
        """The probe table."""
        await db.execute(text("CREATE TABLE IF NOT EXISTS unit_probe (n INTEGER)"))

    async def work(db):
        """Write, then wait on the event loop: a unit must not."""
        await db.execute(text("INSERT INTO unit_probe VALUES (2)"))
        await asyncio.sleep(0)

    await database.unit(create)
    with pytest.raises(RuntimeError, match="awaited something other than its database session"):
        await database.unit(work)

    async def count(db):
        """How many probe rows are kept."""
        return (await db.execute(text("SELECT count(*) FROM unit_probe WHERE n = 2"))).scalar()

    assert await database.unit(count) == 0


@pytest.mark.skipif(not POSTGRES_URL, reason="needs PostgreSQL")
async def test_commands_go_on_after_the_server_closes_idle_connections(database, say):
    """PostgreSQL ending every idle connection (a restart does) fails no command after it."""
    await say.ok("admin", "/project add ACME Acme Website")
    await say.ok("admin", "/project assign ACME @ann")
    await say.ok("ann", "/hours log ACME 1h")
    async with database.engine.connect() as conn:
        await conn.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
    for _ in range(3):
        await say.ok("ann", "/hours log ACME 1h")
