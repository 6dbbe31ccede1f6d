"""Profile of `/hours log` through the command layer alone: where one command's time goes.

    PYTHONPATH=. .venv/bin/python -m bench.profile_command [--engine sqlite|postgresql|both]
        [--commands N] [--top N]

Runs N signed-in contractors' `/hours log` commands one at a time (each with a Slack-style
request key, as the Slack adapter sends them) under pyinstrument and prints the profile's
top lines. pyinstrument samples one thread, and a command's unit of work normally runs on a
pausebot-unit thread, so here each unit runs on the profiled thread instead: the same code,
without the hop (which `bench.slack_ack` measures).
"""

from __future__ import annotations

import asyncio
import tempfile
from datetime import date, timedelta
from pathlib import Path

from pyinstrument import Profiler

from bench.common import drop_database, engines, fresh_database, parser
from bot.commands.runner import CommandRunner
from bot.config import Settings
from bot.core.clock import SystemClock
from bot.core.people import Caller
from bot.db.session import Database

USERS = [f"UPROF{index:03d}" for index in range(64)]


def on_this_thread(database: Database) -> None:
    """Run the database's units of work on the calling thread, where pyinstrument samples."""

    async def unit(work):
        """The unit, without the hop to its thread."""
        return database._run_unit(work)

    if database.unit_threads is not None:
        database.unit = unit  # type: ignore[method-assign]


async def profile(url: str, commands: int, top: int) -> None:
    """Prepare a project with every user on it, then profile `commands` logs."""
    database = Database(url)
    await database.upgrade()
    settings = Settings(
        _env_file=None, DATABASE_URL=url, PAUSEBOT_ADMINS=["slack:UADMIN"], HOURS_BACKDATE_DAYS=3650
    )
    runner = CommandRunner(database=database, settings=settings, clock=SystemClock())
    admin = Caller(platform="slack", external_id="UADMIN", display_name="Admin")
    await runner.run(admin, "project", "add", ["BENCH", "Bench Co", "Bench project"])
    await runner.run(admin, "project", "assign", ["BENCH", *[f"<@{user}>" for user in USERS]])
    callers = [Caller(platform="slack", external_id=user, display_name=user) for user in USERS]
    on_this_thread(database)

    async def log(index: int) -> None:
        """One `/hours log` of a minute, a new date per round of users."""
        day = date(2020, 1, 1) + timedelta(days=index // len(USERS))
        reply = await runner.run(
            callers[index % len(USERS)],
            "hours",
            "log",
            ["BENCH", "1m", day.isoformat()],
            request_key=f"slack:trigger:{index}",
        )
        if not reply.ok:
            raise RuntimeError(reply.text)

    for index in range(200):
        await log(index)
    profiler = Profiler(interval=0.0005, async_mode="disabled")
    profiler.start()
    for index in range(200, 200 + commands):
        await log(index)
    profiler.stop()
    await database.dispose()
    lines = profiler.output_text(unicode=False, color=False).splitlines()
    print("\n".join(line for line in lines[:top] if line.strip()))


async def main() -> None:
    """Profile on the chosen engines."""
    args = parser(__doc__.splitlines()[0])
    args.add_argument("--commands", type=int, default=1500, help="commands profiled")
    args.add_argument("--top", type=int, default=60, help="lines of the profile printed")
    options = args.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        for engine in engines(options.engine):
            url = await fresh_database(engine, Path(folder), options.postgres_url)
            print(f"\n== {engine}: {options.commands} x /hours log, command layer alone")
            try:
                await profile(url, options.commands, options.top)
            finally:
                await drop_database(url, options.postgres_url)


if __name__ == "__main__":
    asyncio.run(main())
