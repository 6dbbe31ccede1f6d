"""The scheduled jobs: the daily ops summary and pause reminders, each run once per period."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.core import (
    announcements,
    audiences,
    availability,
    present,
    reminders,
    reports,
    updates,
)
from bot.core.announcements import Recipient
from bot.core.audiences import Audience
from bot.core.clock import Clock
from bot.core.runs import latest_tick, record_run
from bot.core.words import MessageKind
from bot.db.models import Project
from bot.db.session import Database
from bot.metrics import Metrics

log = logging.getLogger(__name__)

SUMMARY_JOB = "daily_summary"
SUMMARY_TARGET = "ops"
AUDIENCE_JOB = "audience_sync"


class Jobs:
    """What the scheduler runs; every run is recorded, so calling one again is harmless."""

    def __init__(
        self,
        *,
        database: Database,
        settings: Settings,
        clock: Clock,
        metrics: Metrics | None = None,
        audience: Audience | None = None,
    ) -> None:
        self.database = database
        self.settings = settings
        self.clock = clock
        self.metrics = metrics
        # Lists groups' members for syncs; None where no platform is connected.
        self.audience = audience

    async def run_due(self) -> None:
        """Run every job whose latest daily time has passed and was not yet run."""
        await self.daily_summary()
        await self.pause_reminders()
        await self.update_nudges()
        await self.availability_checkins()

    async def daily_summary(self) -> bool:
        """Queue the summary of the day before the latest SUMMARY_TIME to the ops channels."""
        now = self.clock.now()
        zone = self.settings.tz
        tick_day, _ = latest_tick(now, self.settings.SUMMARY_TIME, zone)
        day = tick_day - timedelta(days=1)
        channels = [Recipient.channel(key) for key in self.settings.OPS_CHANNELS]
        if not channels:
            log.warning("no OPS_CHANNELS set: the daily summary for %s goes nowhere", day)
            return False
        try:
            async with self.database.transaction() as db:
                if not await record_run(
                    db, job=SUMMARY_JOB, period=day.isoformat(), target=SUMMARY_TARGET, now=now
                ):
                    self._count(SUMMARY_JOB, "already_ran")
                    return False
                summary = await reports.daily_summary(
                    db,
                    day=day,
                    zone=zone,
                    now=now,
                    summary_time=self.settings.SUMMARY_TIME,
                    nudge_days=self.settings.UPDATE_NUDGE_DAYS,
                )
                queued = await announcements.queue(
                    db,
                    kind=MessageKind.SUMMARY,
                    key=f"summary:{day.isoformat()}",
                    message=present.summary(summary),
                    recipients=channels,
                    now=now,
                )
        except Exception:
            self._count(SUMMARY_JOB, "error")
            log.exception("daily summary for %s failed", day)
            return False
        self._count(SUMMARY_JOB, "ran")
        log.info("daily summary for %s queued to %d ops channels", day, queued)
        return True

    async def pause_reminders(self) -> int:
        """Queue the reminders due by the latest SUMMARY_TIME; returns how many messages."""
        now = self.clock.now()
        today, _ = latest_tick(now, self.settings.SUMMARY_TIME, self.settings.tz)
        return await self._queue_daily(
            reminders.JOB,
            f"pause reminders for {today}",
            lambda db: reminders.queue_pause_reminders(
                db,
                today=today,
                zone=self.settings.tz,
                every=self.settings.PAUSE_REMINDER_DAYS,
                now=now,
            ),
        )

    async def update_nudges(self) -> int:
        """Nudge the admins about overdue updates, as of the latest SUMMARY_TIME."""
        now = self.clock.now()
        zone = self.settings.tz
        today, tick = latest_tick(now, self.settings.SUMMARY_TIME, zone)
        return await self._queue_daily(
            updates.NUDGE_JOB,
            f"update nudges for {today}",
            lambda db: updates.queue_nudges(
                db,
                today=today,
                at=tick,
                zone=zone,
                nudge_days=self.settings.UPDATE_NUDGE_DAYS,
                admins=self.settings.PAUSEBOT_ADMINS,
                now=now,
            ),
        )

    async def _queue_daily(
        self, job: str, what: str, queue: Callable[[AsyncSession], Awaitable[int]]
    ) -> int:
        """Queue one daily job's messages in one transaction; count and log how it went."""
        try:
            async with self.database.transaction() as db:
                queued = await queue(db)
        except Exception:
            self._count(job, "error")
            log.exception("%s failed", what)
            return 0
        self._count(job, "ran")
        if queued:
            log.info("%s: %d messages queued", what, queued)
        return queued

    async def audience_syncs(self) -> int:
        """Sync every project that follows groups with their members now; returns how many
        projects were synced. Lookups happen outside any transaction; a project whose groups
        cannot all be read is left as it is (and the reason recorded) until the next run."""
        if self.audience is None:
            return 0
        try:
            async with self.database.transaction() as db:
                following = await audiences.projects_with_syncs(db)
        except Exception:
            self._count(AUDIENCE_JOB, "error")
            log.exception("audience syncs could not start")
            return 0
        synced = 0
        for project_id, groups in following.items():
            results = await audiences.look_up(self.audience, groups)
            try:
                async with self.database.transaction() as db:
                    project = await db.get(Project, project_id, with_for_update=True)
                    if project is None:
                        continue
                    done = await audiences.resync(
                        db,
                        project=project,
                        results=[results[group.key] for group in groups],
                        now=self.clock.now(),
                    )
            except Exception:
                self._count(AUDIENCE_JOB, "error")
                log.exception("audience sync of project %s failed", project_id)
                continue
            if done.counts is not None:
                synced += 1
                log.info(
                    "synced project %s with its groups: %d assigned, %d unassigned",
                    project_id,
                    done.counts.assigned,
                    done.counts.unassigned,
                )
            elif done.unread:
                log.warning("project %s not synced: %s", project_id, done.unread[0].reason)
        self._count(AUDIENCE_JOB, "ran")
        return synced

    async def availability_checkins(self) -> int:
        """Ask the contractors of paused projects with check-ins on whether they are available
        today, once a day each, as of the latest SUMMARY_TIME; returns how many messages."""
        now = self.clock.now()
        today, _ = latest_tick(now, self.settings.SUMMARY_TIME, self.settings.tz)
        return await self._queue_daily(
            availability.CHECKIN_JOB,
            f"availability check-ins for {today}",
            lambda db: availability.queue_checkins(db, today=today, now=now),
        )

    def _count(self, job: str, outcome: str) -> None:
        """Count a scheduler run."""
        if self.metrics is not None:
            self.metrics.scheduler_runs.labels(job=job, outcome=outcome).inc()
