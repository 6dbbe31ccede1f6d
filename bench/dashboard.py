"""Every dashboard page and data endpoint on a million entries, against a plain query of the
same rows.

    .venv/bin/python -m bench.dashboard [--engine sqlite|postgresql|both] [--entries 1000000]
        [--runs 15] [--url DATABASE_URL]

Loads the data set of bench/generate.py into a fresh database (or uses `--url`, already
loaded), serves the dashboard on a local port, signs in with a one-time link, and prints for
each address the median time of a whole request (server and client on one loop, over
loopback) beside the median time of a plain query of the rows it covers. Target: 300 ms a page.
"""

from __future__ import annotations

import asyncio
import socket
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
from aiohttp import web
from sqlalchemy import func, select

from bench.common import drop_database, engines, fresh_database, median_ms, parser
from bench.generate import generate
from bot.commands.runner import CommandRunner
from bot.config import Settings
from bot.core.clock import SystemClock
from bot.core.people import Caller
from bot.dashboard import add_dashboard
from bot.db.models import Assignment, HoursEntry, Project, StatusChange
from bot.db.session import Database

TARGET_MS = 300
PAUSED = "P0010"  # paused in the generated data, and never resumed


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def timed(action: Callable[[], Awaitable[object]], runs: int) -> list[float]:
    """Durations in seconds of an async action (after one warm-up)."""
    await action()
    durations = []
    for _ in range(runs):
        started = time.perf_counter()
        await action()
        durations.append(time.perf_counter() - started)
    return durations


def baselines(database: Database, today) -> dict[str, Callable[[], Awaitable[object]]]:
    """Plain queries of the rows each page covers."""
    month = today - timedelta(days=29)

    def run(query) -> Callable[[], Awaitable[object]]:
        async def action() -> object:
            async with database.sessionmaker() as db:
                return (await db.execute(query)).all()

        return action

    live = HoursEntry.deleted_at.is_(None)
    in_month = (HoursEntry.work_date >= month, HoursEntry.work_date <= today)
    project = select(Project.id).where(Project.code == PAUSED).scalar_subquery()
    return {
        "month of hours": run(
            select(func.count(), func.sum(HoursEntry.minutes)).where(live, *in_month)
        ),
        "all hours": run(select(func.count(), func.sum(HoursEntry.minutes)).where(live)),
        "project month": run(
            select(func.count(), func.sum(HoursEntry.minutes)).where(
                live, HoursEntry.project_id == project, *in_month
            )
        ),
        "changes and assignments": run(
            select(func.count(StatusChange.id)).union_all(select(func.count(Assignment.id)))
        ),
        "projects": run(select(Project.id, Project.code, Project.state)),
    }


# Each address, and the plain query of the same rows it is compared with.
ADDRESSES = (
    ("/dashboard", "changes and assignments"),
    ("/dashboard/hours", "month of hours"),
    ("/dashboard/affected", "changes and assignments"),
    ("/dashboard/pauses", "changes and assignments"),
    ("/dashboard/impact", "all hours"),
    (f"/dashboard/projects/{PAUSED}", "project month"),
    ("/dashboard/exports", "projects"),
    ("/dashboard/api/now.json", "changes and assignments"),
    ("/dashboard/api/hours.json", "month of hours"),
    ("/dashboard/api/affected.json", "changes and assignments"),
    ("/dashboard/api/pauses.json", "changes and assignments"),
    ("/dashboard/api/impact.json", "all hours"),
    ("/dashboard/api/summary.json", "changes and assignments"),
    (f"/dashboard/api/projects/{PAUSED}.json", "project month"),
    ("/dashboard/export/impact.json", "all hours"),
    ("/dashboard/export/summary.json", "changes and assignments"),
    ("/dashboard/export/hours.csv?from={month}", "month of hours"),
    (f"/status/{PAUSED}", "projects"),
    (f"/status/{PAUSED}.atom", "projects"),
)


async def measure(engine: str, url: str, runs: int) -> list[tuple[str, float, float]]:
    """Print and return (address, request ms, plain query ms) for one engine."""
    database = Database(url)
    await database.upgrade()
    port = free_port()
    settings = Settings(
        _env_file=None,
        DATABASE_URL=url,
        PAUSEBOT_ADMINS=["console:c1"],
        PUBLIC_URL=f"http://127.0.0.1:{port}",
    )
    clock = SystemClock()
    today = clock.now().date()
    runner = CommandRunner(database=database, settings=settings, clock=clock)
    admin = Caller("console", "c1", "Contractor 1")
    await runner.run_line(admin, f"/project public {PAUSED} on")
    link = (await runner.run_line(admin, "/ops dashboard")).data.to_json()["url"]
    app = web.Application()
    add_dashboard(app, database=database, settings=settings, clock=clock)
    site_runner = web.AppRunner(app, access_log=None)
    await site_runner.setup()
    await web.TCPSite(site_runner, "127.0.0.1", port).start()
    plain = baselines(database, today)
    results = []
    jar = aiohttp.CookieJar(unsafe=True)
    try:
        async with aiohttp.ClientSession(cookie_jar=jar) as http:
            signed = await http.post(link, allow_redirects=False)
            assert signed.status == 303, await signed.text()
            print(f"\n== {engine}: request time (median of {runs}) against a plain query")
            for address, baseline in ADDRESSES:
                target = f"http://127.0.0.1:{port}" + address.format(
                    month=today - timedelta(days=29)
                )

                async def get(target: str = target) -> None:
                    async with http.get(target) as response:
                        assert response.status == 200, (target, response.status)
                        await response.read()

                request_ms = median_ms(await timed(get, runs))
                query_ms = median_ms(await timed(plain[baseline], runs))
                flag = "" if request_ms <= TARGET_MS else "  over target"
                print(
                    f"{address.split('?')[0]:40s} {request_ms:8.1f} ms   "
                    f"{baseline:24s} {query_ms:7.1f} ms   ratio {request_ms / query_ms:6.1f}{flag}"
                )
                results.append((address, request_ms, query_ms))
    finally:
        await site_runner.cleanup()
        await database.dispose()
    return results


async def main() -> None:
    """Run on each chosen engine."""
    args = parser(__doc__.splitlines()[0])
    args.add_argument("--entries", type=int, default=1_000_000)
    args.add_argument("--runs", type=int, default=15)
    args.add_argument("--url", default=None, help="An already loaded database to use instead.")
    options = args.parse_args()
    if options.url:
        await measure("given database", options.url, options.runs)
        return
    folder = Path(tempfile.mkdtemp(prefix="pausebot-bench-"))
    for engine in engines(options.engine):
        url = await fresh_database(engine, folder, options.postgres_url)
        try:
            seconds = await asyncio.to_thread(
                generate,
                url,
                contractors=2000,
                projects=200,
                days=365,
                entries=options.entries,
                today=datetime.now(UTC).date(),
            )
            print(f"\nloaded {options.entries} entries on {engine} in {seconds:.1f} s")
            await measure(engine, url, options.runs)
        finally:
            await drop_database(url, options.postgres_url)


if __name__ == "__main__":
    asyncio.run(main())
