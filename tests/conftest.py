"""Fixtures: a real, migrated database per test (SQLite, or PostgreSQL when configured)."""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import make_url, text

from bot.commands.reply import Reply
from bot.commands.runner import CommandRunner
from bot.config import Settings
from bot.core.clock import FixedClock
from bot.core.people import Caller
from bot.core.words import IdentityKey
from bot.db.models import Base
from bot.db.session import Database

POSTGRES_URL = os.environ.get("PAUSEBOT_TEST_POSTGRES_URL")
# Wednesday 2026-03-04, 10:00 UTC: the time every test starts at unless it moves the clock.
START = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)


def keys(*texts: str) -> list[IdentityKey]:
    """Identities written `platform:id`, for settings built without validation."""
    return [IdentityKey.parse(text) for text in texts]


def pytest_report_header() -> str:
    """Say which database engine the suite runs on."""
    return f"pausebot database: {'postgresql' if POSTGRES_URL else 'sqlite'}"


async def _admin(sql: str) -> None:
    """Run one statement on the PostgreSQL server's maintenance connection."""
    url = make_url(POSTGRES_URL)
    conn = await asyncpg.connect(
        host=url.host,
        port=url.port or 5432,
        user=url.username,
        password=url.password,
        database=url.database or "postgres",
    )
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def fresh_postgres_url(name: str) -> str:
    """Create an empty PostgreSQL database and return its URL."""
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)


def drop_postgres(name: str) -> None:
    """Drop a database created by the suite."""
    asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _migrate(url: str) -> None:
    """Upgrade a database to head."""
    database = Database(url)
    await database.upgrade()
    await database.dispose()


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory) -> Iterator[str]:
    """One database migrated to head for the whole session (a file to copy, on SQLite)."""
    if POSTGRES_URL:
        name = f"pausebot_test_{uuid.uuid4().hex[:10]}"
        url = fresh_postgres_url(name)
        asyncio.run(_migrate(url))
        yield url
        drop_postgres(name)
    else:
        path = tmp_path_factory.mktemp("template") / "template.db"
        asyncio.run(_migrate(f"sqlite:///{path}"))
        yield str(path)


@pytest.fixture
async def database_url(migrated_template: str, tmp_path: Path) -> AsyncIterator[str]:
    """The URL of a clean, migrated database for one test."""
    if POSTGRES_URL:
        database = Database(migrated_template)
        tables = ", ".join(table.name for table in Base.metadata.sorted_tables)
        async with database.engine.begin() as conn:
            await conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        await database.dispose()
        yield migrated_template
    else:
        path = tmp_path / "pausebot.db"
        shutil.copy(migrated_template, path)
        yield f"sqlite:///{path}"


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    """A Database on the clean test database."""
    db = Database(database_url)
    yield db
    await db.dispose()


@pytest.fixture
def clock() -> FixedClock:
    """A clock set to the suite's start time."""
    return FixedClock(START)


@pytest.fixture
def settings(database_url: str) -> Settings:
    """Settings for tests: console:admin is admin, no .env is read."""
    return Settings(
        _env_file=None,
        DATABASE_URL=database_url,
        PAUSEBOT_ADMINS=["console:admin"],
        OPS_CHANNELS=["console:ops-room"],
    )


@pytest.fixture
def runner(database: Database, settings: Settings, clock: FixedClock) -> CommandRunner:
    """The command layer over the test database."""
    return CommandRunner(database=database, settings=settings, clock=clock)


class Console:
    """Types commands as console users."""

    def __init__(self, runner: CommandRunner) -> None:
        self.runner = runner

    async def __call__(self, who: str, line: str, **kwargs) -> Reply:
        """Run a line as console:WHO."""
        caller = Caller(platform="console", external_id=who, display_name=who)
        return await self.runner.run_line(caller, line, **kwargs)

    async def ok(self, who: str, line: str, **kwargs) -> Reply:
        """Run a line and fail the test unless it succeeded."""
        reply = await self(who, line, **kwargs)
        assert reply.ok, f"{line!r} was refused: {reply.text}"
        return reply


@pytest.fixture
def say(runner: CommandRunner) -> Console:
    """Type commands as console users."""
    return Console(runner)


async def snapshot(database: Database) -> dict[str, list[tuple]]:
    """Every row of every pausebot table, to show that a refused command changed nothing."""
    rows = {}
    async with database.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            result = await conn.execute(table.select().order_by(*table.primary_key.columns))
            rows[table.name] = [tuple(row) for row in result]
    return rows
