"""Engine, sessions and migrations for SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import contextvars
import logging
import select
from collections.abc import AsyncIterator, Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy import event, make_url, text
from sqlalchemy.engine import URL, Connection, Engine, Result
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)

Value = TypeVar("Value")
# A unit of work: one coroutine function of a session, run inside one transaction.
Work = Callable[[Any], Coroutine[Any, Any, Value]]
# Marks a hot statement that loads no ORM objects (columns, or an INSERT … RETURNING): in a unit
# of work it skips the ORM session's execution layer, about half its cost. Elsewhere a no-op.
PLAIN_ROWS_OPTION = "pausebot_plain_rows"
PLAIN_ROWS = {PLAIN_ROWS_OPTION: True}
# Worker threads that run units of work on PostgreSQL (SQLite has one writer, so one thread).
POSTGRES_UNIT_THREADS = 8

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def async_url(url: str) -> URL:
    """Turn `sqlite:///x` or `postgresql://…` into the URL of pausebot's async driver."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return parsed.set(drivername="sqlite+aiosqlite")
    if backend in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+asyncpg")
    raise ValueError(f"unsupported database {backend!r}")


def sync_url(url: str) -> URL | None:
    """The URL of pausebot's synchronous driver, or None where units cannot leave the loop.

    An in-memory SQLite database exists once per connection, so it has no second driver.
    """
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if parsed.database in (None, "", ":memory:"):
            return None
        return parsed.set(drivername="sqlite+pysqlite")
    if backend in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+psycopg")
    raise ValueError(f"unsupported database {backend!r}")


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """WAL, a busy timeout and foreign keys, so `chat` can run beside `run`."""
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    """Take SQLite's write lock at BEGIN, so check-then-write transactions serialise.

    A connection opened with the execution option `read_only` begins without the lock, so it
    can read while another process writes.
    """
    read_only = conn.get_execution_options().get("read_only", False)
    cursor = conn.connection.dbapi_connection.cursor()
    cursor.execute("BEGIN" if read_only else "BEGIN IMMEDIATE")
    cursor.close()


def _sqlite_events(engine: Engine) -> None:
    """pausebot's pragmas and BEGIN IMMEDIATE on a SQLite engine (either driver)."""
    event.listen(engine, "connect", _sqlite_pragmas)
    event.listen(engine, "begin", _sqlite_begin)


def create_engine(url: str, **kwargs) -> AsyncEngine:
    """Create the async engine for a database URL as users write it."""
    target = async_url(url)
    if target.get_backend_name() == "sqlite":
        engine = create_async_engine(target, **kwargs)
        _sqlite_events(engine.sync_engine)
        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    return create_async_engine(target, pool_pre_ping=True, **kwargs)


def _refuse_if_closed_by_server(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """At checkout, replace a PostgreSQL connection the server closed while it sat idle.

    An idle connection has nothing to read unless the server said goodbye (a restart, an
    idle timeout, a terminated backend), so one poll of its socket tells, where a pre-ping
    would cost a round trip on every command. The pool retries with a new connection.
    """
    if dbapi_connection.closed or select.select([dbapi_connection.fileno()], [], [], 0)[0]:
        raise DisconnectionError("the server closed this idle connection")


def create_unit_engine(url: URL) -> Engine:
    """The synchronous engine units of work run on, sized to their threads."""
    if url.get_backend_name() == "sqlite":
        engine = create_sync_engine(url, pool_size=1, max_overflow=0)
        _sqlite_events(engine)
        return engine
    engine = create_sync_engine(url, pool_size=POSTGRES_UNIT_THREADS, max_overflow=0)
    event.listen(engine, "checkout", _refuse_if_closed_by_server)
    return engine


class StreamedResult:
    """AsyncResult's `partitions()` over a synchronous result, for ThreadSession.stream."""

    def __init__(self, result: Result[Any]) -> None:
        self.result = result

    async def partitions(self, size: int | None = None) -> AsyncIterator[Any]:
        """The rows in lists of `size` (or the statement's yield_per)."""
        for partition in self.result.partitions(size):
            yield partition


class ThreadSession:
    """AsyncSession's methods over a synchronous Session, for a unit of work in a thread.

    Every method completes without suspending, so the unit's coroutine runs to its end in one
    `send` (see `finish`): the same service code serves both sessions, one rule in one place.
    """

    def __init__(self, session: Session) -> None:
        self.sync_session = session

    @property
    def bind(self) -> Engine:
        """The engine the session talks to."""
        return self.sync_session.get_bind()

    def get_bind(self) -> Engine:
        """The engine the session talks to."""
        return self.sync_session.get_bind()

    def add(self, instance: object) -> None:
        """Add an object to the unit of work."""
        self.sync_session.add(instance)

    async def execute(self, statement: Any, params: Any = None, **kwargs: Any) -> Result[Any]:
        """Run a statement; one marked PLAIN_ROWS goes straight to the transaction's connection."""
        session = self.sync_session
        if not kwargs and statement.get_execution_options().get(PLAIN_ROWS_OPTION):
            if session.new or session.dirty or session.deleted:
                session.flush()  # what the session's own autoflush would do first
            return session.connection().execute(statement, params)
        return session.execute(statement, params, **kwargs)

    async def scalar(self, statement: Any, params: Any = None, **kwargs: Any) -> Any:
        """Run a statement and return its first column of its first row."""
        return self.sync_session.scalar(statement, params, **kwargs)

    async def stream(self, statement: Any, params: Any = None, **kwargs: Any) -> StreamedResult:
        """Run a statement whose rows are read in partitions."""
        return StreamedResult(self.sync_session.execute(statement, params, **kwargs))

    async def get(self, entity: Any, ident: Any, **kwargs: Any) -> Any:
        """The object with this primary key, or None."""
        return self.sync_session.get(entity, ident, **kwargs)

    async def get_one(self, entity: Any, ident: Any, **kwargs: Any) -> Any:
        """The object with this primary key; raises when there is none."""
        return self.sync_session.get_one(entity, ident, **kwargs)

    async def flush(self) -> None:
        """Write pending changes."""
        self.sync_session.flush()

    @asynccontextmanager
    async def begin_nested(self) -> AsyncIterator[None]:
        """A savepoint, released on success and rolled back on error."""
        with self.sync_session.begin_nested():
            yield


def finish(work: Coroutine[Any, Any, Value]) -> Value:
    """Run a coroutine that never suspends to its end, here and now.

    A unit of work awaits only its ThreadSession; awaiting anything else (the network, a
    lock, a sleep) would need the event loop, which a worker thread does not have.
    """
    try:
        work.send(None)
    except StopIteration as finished:
        return finished.value
    work.close()
    raise RuntimeError("a unit of work awaited something other than its database session")


class Database:
    """The engine and a session factory: the unit of work for every service call.

    On SQLite every transaction takes the one write lock at BEGIN, so this process queues its
    own transactions on an asyncio lock, first come first served, instead of letting them
    busy-wait on SQLite's lock with backoff sleeps. Only other processes meet busy_timeout.
    """

    def __init__(self, url: str, **engine_kwargs) -> None:
        self.url = url
        self.engine = create_engine(url, **engine_kwargs)
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False)
        self._writer = asyncio.Lock() if self.dialect == "sqlite" else None
        unit_url = sync_url(url)
        self.unit_engine = None if unit_url is None else create_unit_engine(unit_url)
        self.unit_sessions = sessionmaker(self.unit_engine, expire_on_commit=False)
        self.unit_threads = self._new_unit_threads()

    def _new_unit_threads(self) -> ThreadPoolExecutor | None:
        """The threads units run on (started as needed); None where units stay on the loop."""
        if self.unit_engine is None:
            return None
        threads = 1 if self.dialect == "sqlite" else POSTGRES_UNIT_THREADS
        return ThreadPoolExecutor(threads, thread_name_prefix="pausebot-unit")

    @property
    def dialect(self) -> str:
        """`sqlite` or `postgresql`."""
        return self.engine.dialect.name

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session inside one transaction: committed on success, rolled back on error."""
        if self._writer is None:
            async with self.sessionmaker() as session, session.begin():
                yield session
            return
        async with self._writer, self.sessionmaker() as session, session.begin():
            yield session

    async def unit(self, work: Work[Value]) -> Value:
        """Run `work(session)` in one transaction, committed on success, rolled back on error.

        The whole unit is one hop to a worker thread whose synchronous driver runs every
        statement, instead of a hop per statement through the async driver. On SQLite the one
        thread is the process's writer: units queue there in order, never busy-waiting on the
        lock (a transaction() meets them only through SQLite's own lock and busy_timeout).
        """
        if self.unit_threads is None:
            async with self.transaction() as db:
                return await work(db)
        call = contextvars.copy_context().run
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.unit_threads, call, self._run_unit, work)

    def _run_unit(self, work: Work[Value]) -> Value:
        """A unit of work on this thread, inside one transaction."""
        with self.unit_sessions() as session, session.begin():
            return finish(work(ThreadSession(session)))

    async def ping(self) -> bool:
        """Whether the database answers."""
        try:
            async with self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except Exception:
            log.warning("database ping failed", exc_info=True)
            return False
        return True

    async def upgrade(self) -> None:
        """Run Alembic migrations to head on this database, unless it is there already.

        The version is read first without taking SQLite's write lock, so a process can start
        while another holds that lock.
        """
        async with self.engine.connect() as conn:
            reader = await conn.execution_options(read_only=True)
            if await reader.run_sync(_at_head):
                return
        async with self.engine.connect() as conn:
            await conn.run_sync(_upgrade)
            await conn.commit()

    async def dispose(self) -> None:
        """Let queued units finish, then close every pooled connection (both can start again)."""
        if self.unit_threads is not None and self.unit_engine is not None:
            await asyncio.to_thread(self.unit_threads.shutdown)
            self.unit_threads = self._new_unit_threads()
            self.unit_engine.dispose()
        await self.engine.dispose()


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic configuration pointing at pausebot's migrations."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def _at_head(connection: Connection) -> bool:
    """Whether the database's schema is at the newest migrations."""
    current = set(MigrationContext.configure(connection).get_current_heads())
    return current == set(ScriptDirectory.from_config(alembic_config()).get_heads())


def _upgrade(connection: Connection) -> None:
    """Upgrade to head on a synchronous connection."""
    command.upgrade(alembic_config(connection), "heads")
