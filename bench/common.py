"""Shared helpers for pausebot benchmarks: fresh databases, timing figures and servers run as
subprocesses."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import socket
import statistics
import uuid
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import aiohttp
import asyncpg
from sqlalchemy import make_url

from bot.db.session import Database
from bot.workers import terminate

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


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on at this moment (for a server started right after)."""
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def log_tail(path: Path, lines: int = 20) -> str:
    """The last lines of a log file, for an error message."""
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


@contextlib.asynccontextmanager
async def serving(
    command: Sequence[str],
    *,
    ready_url: str,
    log: Path,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = 60.0,
) -> AsyncIterator[asyncio.subprocess.Process]:
    """A server subprocess, yielded once GET `ready_url` answers 200; stopped on exit.

    Its standard output and error go to `log`. On exit, failure included, it gets SIGTERM and
    is waited for (killed after `timeout` seconds).
    """
    with log.open("ab") as output:
        process = await asyncio.create_subprocess_exec(
            *command,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=output,
            stderr=asyncio.subprocess.STDOUT,
            env=env,
            cwd=cwd,
        )
    try:
        await wait_ready(process, ready_url, log=log, timeout=timeout)
        yield process
    finally:
        await terminate(process, timeout)


async def wait_ready(
    process: asyncio.subprocess.Process, url: str, *, log: Path, timeout: float
) -> None:
    """Wait until GET `url` answers 200; raise if the process ends or time runs out first."""
    deadline = asyncio.get_running_loop().time() + timeout
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as session:
        while True:
            if process.returncode is not None:
                raise RuntimeError(
                    f"server exited with {process.returncode} before {url} answered:\n"
                    + log_tail(log)
                )
            with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                async with session.get(url) as response:
                    if response.status == 200:
                        return
            if asyncio.get_running_loop().time() > deadline:
                raise RuntimeError(
                    f"{url} did not answer 200 within {timeout:.0f} s:\n" + log_tail(log)
                )
            await asyncio.sleep(0.1)


def run(main) -> None:
    """Run an async benchmark entry point."""
    asyncio.run(main())
