"""Reminders to the contractors of a project that stays paused."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core import announcements, present
from bot.core.projects import view
from bot.core.runs import record_run
from bot.core.timeline import local_date
from bot.core.words import MessageKind, ProjectState
from bot.db.models import Project

JOB = "pause_reminder"


def reminder_due(paused_on: date, today: date, every: int) -> date | None:
    """The latest date up to today on which a reminder falls due: every `every` days after."""
    elapsed = (today - paused_on).days
    if elapsed < every:
        return None
    return date.fromordinal(today.toordinal() - elapsed % every)


async def queue_pause_reminders(
    db: AsyncSession, *, today: date, zone: ZoneInfo, every: int, now: datetime
) -> int:
    """Queue the reminders due by `today` (the latest one only) that were not yet sent."""
    projects = await db.execute(select(Project).where(Project.state == ProjectState.PAUSED))
    queued = 0
    for project in projects.scalars():
        paused_on = local_date(project.state_changed_at, zone)
        due = reminder_due(paused_on, today, every)
        if due is None:
            continue
        if not await record_run(db, job=JOB, period=due.isoformat(), target=project.code, now=now):
            continue
        queued += await announcements.queue(
            db,
            kind=MessageKind.REMINDER,
            key=f"reminder:{project.code}:{due.isoformat()}",
            message=present.reminder(view(project), (today - paused_on).days + 1),
            recipients=await announcements.assigned_people(db, project.id),
            now=now,
        )
    return queued
