"""Shared helpers for pausebot benchmarks: fresh databases and timing figures."""

from __future__ import annotations

import argparse
import asyncio
import statistics
import uuid
from pathlib import Path

import asyncpg
from sqlalchemy import make_url

from bot.db.session import Database

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"


def parser(description: str) -> argparse.ArgumentParser:
    """Arguments every benchmark takes: which engines to run on."""
    args = argparse.ArgumentParser(description=description)
    args.add_argument("--engine", choices=["sqlite", "postgresql", "both"], default="both")
    args.add_argument("--postgres-url", default=DEFAULT_POSTGRES)
    return args


def engines(choice: str) -> list[str]:
    """The engines a run covers."""
    return ["sqlite", "postgresql"] if choice == "both" else [choice]


async def connect(database_url: str) -> asyncpg.Connection:
    """A plain asyncpg connection to the database a PostgreSQL URL names."""
    url = make_url(database_url)
    return await asyncpg.connect(
        host=url.host,
        port=url.port or 5432,
        user=url.username,
        password=url.password,
        database=url.database or "postgres",
    )


async def _admin(server_url: str, sql: str) -> None:
    """Run one statement on the PostgreSQL server."""
    conn = await connect(server_url)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def fresh_database(engine: str, folder: Path, server_url: str = DEFAULT_POSTGRES) -> str:
    """An empty migrated database of the given engine; returns its URL."""
    if engine == "sqlite":
        path = folder / f"bench-{uuid.uuid4().hex[:8]}.db"
        url = f"sqlite:///{path}"
    else:
        name = f"pausebot_bench_{uuid.uuid4().hex[:8]}"
        await _admin(server_url, f'CREATE DATABASE "{name}"')
        url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    database = Database(url)
    await database.upgrade()
    await database.dispose()
    return url


async def drop_database(url: str, server_url: str = DEFAULT_POSTGRES) -> None:
    """Remove a benchmark database."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(parsed.database + suffix).unlink(missing_ok=True)
    else:
        await _admin(server_url, f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')


def percentile(values: list[float], share: float) -> float:
    """The value below which `share` of the values fall."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def median_ms(values: list[float]) -> float:
    """The median of durations in seconds, in milliseconds."""
    return statistics.median(values) * 1000


def run(main) -> None:
    """Run an async benchmark entry point."""
    asyncio.run(main())
