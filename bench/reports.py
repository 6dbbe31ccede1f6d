"""The daily summary, the impact report and the CSV export on a million entries.

    .venv/bin/python -m bench.reports [--engine sqlite|postgresql|both] [--entries 1000000]

Loads the data set of bench/generate.py into a fresh database, then prints the median time of
each report against a baseline measured in the same run (counting the rows of one work date and
of the whole table), the plans of the summary's queries, and the export's peak memory against
a process that only imports pausebot.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select, text

from bench.common import drop_database, engines, fresh_database, median_ms, parser
from bench.generate import generate
from bot.core import reports
from bot.db.models import HoursEntry
from bot.db.session import Database

ZONE = "UTC"


async def timed(action, runs: int) -> list[float]:
    """Durations in seconds of running an async action several times (after one warm-up)."""
    await action()
    durations = []
    for _ in range(runs):
        started = time.perf_counter()
        await action()
        durations.append(time.perf_counter() - started)
    return durations


async def explain(database: Database, day) -> list[str]:
    """The plans of the summary's hours query on this engine."""
    query = (
        select(HoursEntry.project_id, HoursEntry.kind, func.sum(HoursEntry.minutes))
        .where(HoursEntry.deleted_at.is_(None), HoursEntry.work_date == day)
        .group_by(HoursEntry.project_id, HoursEntry.kind)
    )
    compiled = query.compile(database.engine, compile_kwargs={"literal_binds": True})
    prefix = "EXPLAIN QUERY PLAN " if database.dialect == "sqlite" else "EXPLAIN "
    async with database.engine.connect() as conn:
        rows = await conn.execute(text(prefix + str(compiled)))
        return [" ".join(str(cell) for cell in row) for row in rows]


def peak_rss_mb(args: list[str], url: str) -> tuple[float, float]:
    """Peak resident memory (MB) and seconds of a pausebot subprocess."""
    script = (
        "import resource, subprocess, sys, time;"
        "t = time.perf_counter();"
        "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL);"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,"
        " time.perf_counter() - t)"
    )
    env = os.environ | {"DATABASE_URL": url}
    out = subprocess.run(
        [sys.executable, "-c", script, *args], capture_output=True, text=True, env=env, check=True
    ).stdout.split()
    return float(out[0]), float(out[1])


async def measure(engine: str, url: str, entries: int) -> None:
    """Print the figures for one engine."""
    seconds = await asyncio.to_thread(
        generate,
        url,
        contractors=2000,
        projects=200,
        days=365,
        entries=entries,
        today=datetime.now(UTC).date(),
    )
    print(f"\n== {engine}: loaded {entries} entries in {seconds:.1f} s")
    database = Database(url)
    now = datetime.now(UTC)
    day = (now - timedelta(days=1)).date()
    zone = __import__("zoneinfo").ZoneInfo(ZONE)

    async def summary():
        async with database.transaction() as db:
            await reports.daily_summary(db, day=day, zone=zone, now=now)

    async def impact():
        async with database.transaction() as db:
            await reports.impact_report(db, zone=zone, now=now)

    async def count_day():
        async with database.transaction() as db:
            await db.execute(select(func.count()).where(HoursEntry.work_date == day))

    async def count_all():
        async with database.transaction() as db:
            await db.execute(select(func.count(HoursEntry.id)))

    summary_ms = median_ms(await timed(summary, 30))
    day_ms = median_ms(await timed(count_day, 30))
    impact_ms = median_ms(await timed(impact, 5))
    all_ms = median_ms(await timed(count_all, 5))
    print(
        f"daily summary   {summary_ms:8.1f} ms (target 50)   "
        f"count of one date {day_ms:6.1f} ms   ratio {summary_ms / day_ms:5.1f}"
    )
    print(
        f"impact report   {impact_ms:8.1f} ms (target 1000) "
        f"count of all rows {all_ms:6.1f} ms   ratio {impact_ms / all_ms:5.1f}"
    )
    print("plan of the summary's hours query:")
    for line in await explain(database, day):
        print("   ", line)
    await database.dispose()
    export_mb, export_s = peak_rss_mb(
        [sys.executable, "-m", "bot", "export", "hours", "--format", "csv"], url
    )
    base_mb, _ = peak_rss_mb([sys.executable, "-c", "import bot.cli"], url)
    print(
        f"export of all rows as CSV: {export_s:.1f} s, peak memory {export_mb:.0f} MB "
        f"(target 200; importing pausebot alone: {base_mb:.0f} MB)"
    )


async def main() -> None:
    """Run on each chosen engine."""
    args = parser(__doc__.splitlines()[0])
    args.add_argument("--entries", type=int, default=1_000_000)
    options = args.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="pausebot-bench-"))
    for engine in engines(options.engine):
        url = await fresh_database(engine, folder, options.postgres_url)
        try:
            await measure(engine, url, options.entries)
        finally:
            await drop_database(url, options.postgres_url)


if __name__ == "__main__":
    asyncio.run(main())
