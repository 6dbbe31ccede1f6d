"""Which process runs the scheduler: a PostgreSQL advisory lock, or a lock file beside SQLite."""

from __future__ import annotations

import fcntl
import logging
import os
from pathlib import Path
from typing import Protocol

from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.db.session import Database

log = logging.getLogger(__name__)

# pg_advisory_lock key for "the pausebot scheduler" (the bytes of "pausebot" as a bigint).
SCHEDULER_LOCK_KEY = int.from_bytes(b"pausebot", "big") >> 1


class Leadership(Protocol):
    """A lock only one process holds; a dead holder's lock is freed."""

    takes_over: bool

    async def try_acquire(self) -> bool:
        """Take the lock if free; True when this process now holds it."""
        ...

    async def held(self) -> bool:
        """Whether this process still holds the lock."""
        ...

    async def release(self) -> None:
        """Let the lock go."""
        ...


class PostgresLeadership:
    """A session advisory lock on a connection of its own; freed when the process dies."""

    takes_over = True

    def __init__(self, database: Database, *, key: int = SCHEDULER_LOCK_KEY) -> None:
        self.database = database
        self.key = key
        self.connection: AsyncConnection | None = None

    async def try_acquire(self) -> bool:
        """Try pg_try_advisory_lock on a dedicated connection."""
        connection = await self.database.engine.connect()
        await connection.execution_options(isolation_level="AUTOCOMMIT")
        try:
            got = await connection.scalar(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key}
            )
        except Exception:
            await connection.invalidate()
            raise
        if not got:
            await connection.close()
            return False
        self.connection = connection
        return True

    async def held(self) -> bool:
        """Whether the lock's connection still answers (its session still holds the lock)."""
        if self.connection is None:
            return False
        try:
            await self.connection.scalar(text("SELECT 1"))
        except Exception:
            log.warning("the scheduler lock's connection failed", exc_info=True)
            await self._discard()
            return False
        return True

    async def release(self) -> None:
        """Unlock and drop the connection, so no pooled session keeps the lock."""
        if self.connection is None:
            return
        try:
            await self.connection.scalar(text("SELECT pg_advisory_unlock(:key)"), {"key": self.key})
        except Exception:
            log.warning("could not unlock the scheduler lock", exc_info=True)
        await self._discard()

    async def _discard(self) -> None:
        """Close the lock's connection for good."""
        connection, self.connection = self.connection, None
        if connection is not None:
            await connection.invalidate()
            await connection.close()


class SqliteLeadership:
    """An exclusive lock on a file beside the SQLite database; SQLite runs one scheduler."""

    takes_over = False

    def __init__(self, database_path: Path) -> None:
        self.path = database_path.with_name(database_path.name + ".scheduler.lock")
        self.fd: int | None = None

    async def try_acquire(self) -> bool:
        """Lock the file without waiting."""
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self.fd = fd
        return True

    async def held(self) -> bool:
        """A file lock lasts as long as this process."""
        return self.fd is not None

    async def release(self) -> None:
        """Unlock the file."""
        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None


def leadership_for(database: Database) -> Leadership:
    """The leadership lock that suits the database engine."""
    if database.dialect == "postgresql":
        return PostgresLeadership(database)
    path = make_url(database.url).database
    if not path or path == ":memory:":
        raise ValueError("the scheduler needs a SQLite file or PostgreSQL")
    return SqliteLeadership(Path(path).resolve())
