"""The scheduler: APScheduler cron jobs in the one process that holds leadership."""

from __future__ import annotations

import asyncio
import logging

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.scheduling.jobs import AUDIENCE_JOB, SUMMARY_JOB, Jobs
from bot.scheduling.leadership import Leadership

log = logging.getLogger(__name__)

DAILY_JOB_ID = "daily"


class Scheduler:
    """Waits for leadership, then runs the daily jobs at SUMMARY_TIME and catches up on start."""

    def __init__(
        self,
        *,
        jobs: Jobs,
        leadership: Leadership,
        retry_seconds: float = 5.0,
        check_seconds: float = 5.0,
    ) -> None:
        self.jobs = jobs
        self.leadership = leadership
        self.retry_seconds = retry_seconds
        self.check_seconds = check_seconds
        self.aps: AsyncIOScheduler | None = None
        self.leading = asyncio.Event()

    async def run(self) -> None:
        """Run until cancelled: lead when the lock is free, else wait (or refuse, on SQLite)."""
        try:
            while True:
                if await self._try_acquire():
                    await self._lead()
                elif not self.leadership.takes_over:
                    log.error(
                        "another `pausebot run` already runs the scheduler on this SQLite "
                        "database; this process will not schedule. SQLite supports one "
                        "`pausebot run`: use PostgreSQL to run several."
                    )
                    return
                await asyncio.sleep(self.retry_seconds)
        finally:
            self._stop_aps()
            await self.leadership.release()

    async def _try_acquire(self) -> bool:
        """Try to take leadership; a database error counts as not now."""
        try:
            return await self.leadership.try_acquire()
        except Exception:
            log.warning("could not reach the database for the scheduler lock", exc_info=True)
            return False

    async def _lead(self) -> None:
        """Schedule the daily jobs, catch up on a missed run, and hold on while still leader."""
        settings = self.jobs.settings
        log.info(
            "this process runs the scheduler: daily at %s %s",
            settings.SUMMARY_TIME.strftime("%H:%M"),
            settings.PAUSEBOT_TZ,
        )
        self.aps = AsyncIOScheduler(timezone=settings.tz)
        self.aps.add_job(
            self.jobs.run_due,
            CronTrigger(
                hour=settings.SUMMARY_TIME.hour,
                minute=settings.SUMMARY_TIME.minute,
                timezone=settings.tz,
            ),
            id=DAILY_JOB_ID,
            name=SUMMARY_JOB,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=None,
        )
        self.aps.add_job(
            self.jobs.audience_syncs,
            IntervalTrigger(minutes=settings.AUDIENCE_SYNC_MINUTES),
            id=AUDIENCE_JOB,
            name=AUDIENCE_JOB,
            coalesce=True,
            max_instances=1,
        )
        self.aps.start()
        try:
            await self.jobs.run_due()
            self.leading.set()
            while await self.leadership.held():
                await asyncio.sleep(self.check_seconds)
            log.warning("scheduler leadership lost; another process may take over")
        finally:
            self.leading.clear()
            self._stop_aps()

    def _stop_aps(self) -> None:
        """Stop APScheduler if it runs."""
        aps, self.aps = self.aps, None
        if aps is not None and aps.running:
            aps.shutdown(wait=False)
