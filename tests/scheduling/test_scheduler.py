"""Leadership and the scheduler: one leader per database, takeover, refusal on SQLite."""

from __future__ import annotations

import asyncio
import logging
from datetime import time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, text

from bot.db.models import ScheduledRun
from bot.db.session import Database
from bot.scheduling.jobs import Jobs
from bot.scheduling.leadership import PostgresLeadership, SqliteLeadership, leadership_for
from bot.scheduling.scheduler import DAILY_JOB_ID, Scheduler
from tests.conftest import POSTGRES_URL

postgres_only = pytest.mark.skipif(not POSTGRES_URL, reason="needs PostgreSQL")
sqlite_only = pytest.mark.skipif(bool(POSTGRES_URL), reason="SQLite only")


@pytest.fixture
def team_settings(settings):
    """Settings with a 09:00 New York summary to one ops channel."""
    return settings.model_copy(
        update={"PAUSEBOT_TZ": "America/New_York", "SUMMARY_TIME": time(9, 0)}
    )


async def wait_for(event: asyncio.Event) -> None:
    """Wait for an event set by a task on this loop."""
    await asyncio.wait_for(event.wait(), timeout=10)


async def summary_runs(database: Database) -> int:
    """How many daily summaries were recorded."""
    async with database.transaction() as db:
        return await db.scalar(select(func.count()).where(ScheduledRun.job == "daily_summary"))


async def test_leader_catches_up_and_schedules_at_summary_time(database, clock, team_settings):
    """On start the leader runs the missed summary once and schedules 09:00 New York next."""
    jobs = Jobs(database=database, settings=team_settings, clock=clock)
    scheduler = Scheduler(jobs=jobs, leadership=leadership_for(database), check_seconds=0.01)
    task = asyncio.create_task(scheduler.run())
    try:
        await wait_for(scheduler.leading)
        assert await summary_runs(database) == 1
        job = scheduler.aps.get_job(DAILY_JOB_ID)
        local = job.next_run_time.astimezone(ZoneInfo("America/New_York"))
        assert (local.hour, local.minute, local.second) == (9, 0, 0)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


@sqlite_only
async def test_a_second_process_on_sqlite_refuses_to_schedule(database, clock, settings, caplog):
    """With the scheduler lock taken, a second scheduler logs why and returns."""
    holder = leadership_for(database)
    assert await holder.try_acquire()
    try:
        jobs = Jobs(database=database, settings=settings, clock=clock)
        second = Scheduler(jobs=jobs, leadership=leadership_for(database))
        with caplog.at_level(logging.ERROR):
            await asyncio.wait_for(second.run(), timeout=10)
        assert "use PostgreSQL to run several" in caplog.text
        assert await summary_runs(database) == 0
    finally:
        await holder.release()


@sqlite_only
async def test_sqlite_lock_file_frees_when_released(tmp_path: Path):
    """The lock file is exclusive while held and free afterwards."""
    first, second = SqliteLeadership(tmp_path / "x.db"), SqliteLeadership(tmp_path / "x.db")
    assert await first.try_acquire()
    assert not await second.try_acquire()
    await first.release()
    assert await second.try_acquire()
    await second.release()


@postgres_only
async def test_postgres_leadership_passes_on_when_the_leader_dies(database_url):
    """Two processes: one leads; when its session dies the other takes over."""
    first_db, second_db = Database(database_url), Database(database_url)
    first, second = PostgresLeadership(first_db), PostgresLeadership(second_db)
    try:
        assert await first.try_acquire()
        assert not await second.try_acquire()
        pid = await first.connection.scalar(text("SELECT pg_backend_pid()"))
        async with second_db.engine.connect() as conn:
            await conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        assert not await first.held()
        assert await second.try_acquire()
        assert await second.held()
    finally:
        await first.release()
        await second.release()
        await first_db.dispose()
        await second_db.dispose()


@postgres_only
async def test_two_schedulers_on_postgres_one_leads_one_summary(database_url, clock, team_settings):
    """Two schedulers on one database: one leads, one summary; the other takes over on stop."""
    databases = [Database(database_url), Database(database_url)]
    schedulers = [
        Scheduler(
            jobs=Jobs(database=db, settings=team_settings, clock=clock),
            leadership=leadership_for(db),
            retry_seconds=0.01,
            check_seconds=0.01,
        )
        for db in databases
    ]
    tasks = [asyncio.create_task(s.run()) for s in schedulers]
    try:
        done, _ = await asyncio.wait(
            [asyncio.create_task(s.leading.wait()) for s in schedulers],
            return_when=asyncio.FIRST_COMPLETED,
            timeout=10,
        )
        assert len(done) == 1
        leader = next(i for i, s in enumerate(schedulers) if s.leading.is_set())
        follower = 1 - leader
        for _ in range(20):
            await asyncio.sleep(0)
        assert not schedulers[follower].leading.is_set()
        tasks[leader].cancel()
        await asyncio.gather(tasks[leader], return_exceptions=True)
        await wait_for(schedulers[follower].leading)
        assert await summary_runs(databases[0]) == 1
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for db in databases:
            await db.dispose()
