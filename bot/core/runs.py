"""Scheduled runs, recorded under a unique (job, period, target) so none happens twice."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import ScheduledRun


def latest_tick(now: datetime, at: time, zone: ZoneInfo) -> tuple[date, datetime]:
    """The local date and instant of the latest daily `at` in `zone` not after `now`."""
    today = now.astimezone(zone).date()
    for day in (today, today - timedelta(days=1)):
        instant = datetime.combine(day, at, tzinfo=zone)
        if instant <= now:
            return day, instant
    raise AssertionError("a daily time always falls within two days")


async def record_run(
    db: AsyncSession, *, job: str, period: str, target: str, now: datetime
) -> bool:
    """Record a run in the caller's transaction; False when it was already recorded."""
    try:
        async with db.begin_nested():
            db.add(ScheduledRun(job=job, period=period, target=target, ran_at=now))
    except IntegrityError:
        return False
    return True
