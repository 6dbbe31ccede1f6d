"""Reminders to the contractors of a project that stays paused."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core import announcements
from bot.core.runs import record_run
from bot.core.timeline import local_date
from bot.db.models import Assignment, Identity, Project

JOB = "pause_reminder"


def reminder_due(paused_on: date, today: date, every: int) -> date | None:
    """The latest date up to today on which a reminder falls due: every `every` days after."""
    elapsed = (today - paused_on).days
    if elapsed < every:
        return None
    return date.fromordinal(today.toordinal() - elapsed % every)


def reminder_message(project: Project, day_number: int) -> dict[str, Any]:
    """The neutral payload of a reminder."""
    lines = [f"{project.client.name} · {project.title}", f"Reason: {project.pause_reason}"]
    if project.expected_resume:
        lines.append(f"Expected to resume on {project.expected_resume.isoformat()}.")
    lines.append(
        f"Keep logging your hours with /hours log {project.code}: while the project is paused "
        "they are recorded as blocked hours, the record for compensation."
    )
    return {
        "event": "pause_reminder",
        "project": project.code,
        "day": day_number,
        "title": f"{project.code} is still paused (day {day_number})",
        "text": "\n".join(lines),
    }


async def queue_pause_reminders(
    db: AsyncSession, *, today: date, zone: ZoneInfo, every: int, now: datetime
) -> int:
    """Queue the reminders due by `today` (the latest one only) that were not yet sent."""
    projects = await db.execute(select(Project).where(Project.state == "paused"))
    queued = 0
    for project in projects.scalars():
        paused_on = local_date(project.state_changed_at, zone)
        due = reminder_due(paused_on, today, every)
        if due is None:
            continue
        if not await record_run(db, job=JOB, period=due.isoformat(), target=project.code, now=now):
            continue
        people = await db.execute(
            select(Identity.platform, Identity.external_id)
            .join(Assignment, Assignment.contractor_id == Identity.contractor_id)
            .where(Assignment.project_id == project.id, Assignment.until.is_(None))
            .distinct()
        )
        queued += await announcements.queue(
            db,
            kind="reminder",
            key=f"reminder:{project.code}:{due.isoformat()}",
            payload=reminder_message(project, (today - paused_on).days + 1),
            targets=[(platform, "user", external_id) for platform, external_id in people],
            now=now,
        )
    return queued
