"""Availability: whether a contractor was available to work on a paused project on a date, and
the daily check-ins that ask them.

Every answer is kept; the last one for a project and date counts. An answer repeated as it
stands (a second click, a retried request) is recorded once.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core import announcements, present
from bot.core.announcements import Recipient
from bot.core.errors import InvalidInput, NotAllowed
from bot.core.people import Person
from bot.core.projects import get_project, view
from bot.core.readmodels import AvailabilityRecorded, CheckinSet
from bot.core.runs import record_run
from bot.core.timeline import day_bounds, project_pauses
from bot.core.words import Answer, MessageKind, Platform, ProjectState, TargetType
from bot.db.models import (
    Assignment,
    AvailabilityAnswer,
    Checkin,
    Identity,
    Project,
    ScheduledRun,
)

CHECKIN_JOB = "availability_checkin"
# The platform a check-in goes to when a contractor has several: a chat platform before the
# console, then the oldest identity.
PLATFORM_ORDER = (Platform.SLACK, Platform.DISCORD, Platform.CONSOLE)


def recorded(answer: AvailabilityAnswer, code: str, *, repeated: bool) -> AvailabilityRecorded:
    """An answer as people see it."""
    return AvailabilityRecorded(
        project=code,
        day=answer.work_date,
        available=answer.available,
        note=answer.note,
        answered_at=answer.answered_at,
        repeated=repeated,
    )


async def answer_for_request(
    db: AsyncSession, request_key: str, person: Person
) -> AvailabilityAnswer | None:
    """The answer an earlier delivery of the same request recorded; another person's key is
    refused, never answered with their answer."""
    query = select(AvailabilityAnswer).where(AvailabilityAnswer.request_key == request_key)
    earlier = (await db.execute(query)).scalar_one_or_none()
    if earlier is not None and earlier.contractor_id != person.contractor.id:
        raise NotAllowed("That request belongs to someone else; send your own command again.")
    return earlier


async def assigned_during(
    db: AsyncSession, *, project_id: int, contractor_id: int, start: datetime, end: datetime
) -> bool:
    """Whether the contractor was assigned to the project at some moment of [start, end)."""
    query = select(Assignment.id).where(
        Assignment.project_id == project_id,
        Assignment.contractor_id == contractor_id,
        Assignment.since < end,
        (Assignment.until.is_(None)) | (Assignment.until > start),
    )
    return (await db.execute(query.limit(1))).first() is not None


async def paused_during(db: AsyncSession, project_id: int, start: datetime, end: datetime) -> bool:
    """Whether the project was paused at some moment of [start, end)."""
    return any(pause.overlaps(start, end) for pause in await project_pauses(db, [project_id]))


async def latest_answer(
    db: AsyncSession, *, contractor_id: int, project_id: int, day: date
) -> AvailabilityAnswer | None:
    """The answer that counts for a contractor, project and date: the last one given."""
    query = (
        select(AvailabilityAnswer)
        .where(
            AvailabilityAnswer.contractor_id == contractor_id,
            AvailabilityAnswer.project_id == project_id,
            AvailabilityAnswer.work_date == day,
        )
        .order_by(AvailabilityAnswer.answered_at.desc(), AvailabilityAnswer.id.desc())
        .limit(1)
    )
    return (await db.execute(query)).scalar_one_or_none()


def check_day(day: date, *, today: date, backdate_days: int) -> None:
    """Refuse a future date, and one older than the backdate window."""
    if day > today:
        raise InvalidInput(
            f"{day.isoformat()} is in the future; answer for today or an earlier date.",
            field="date",
        )
    oldest = today - timedelta(days=backdate_days)
    if day < oldest:
        raise InvalidInput(
            f"{day.isoformat()} is more than {backdate_days} days ago; "
            f"answers can be given back to {oldest.isoformat()}.",
            field="date",
        )


async def record_answer(
    db: AsyncSession,
    *,
    person: Person,
    code: str,
    answer: Answer,
    day: date,
    note: str,
    now: datetime,
    backdate_days: int,
    request_key: str | None = None,
) -> AvailabilityRecorded:
    """Record whether the caller was available to work on a project they were assigned to, on
    a date it was paused."""
    if request_key and (earlier := await answer_for_request(db, request_key, person)):
        return recorded(earlier, await project_code(db, earlier.project_id), repeated=True)
    check_day(day, today=person.today(now), backdate_days=backdate_days)
    project = await get_project(db, code, visible_to=person)
    start, end = day_bounds(day, person.zone)
    contractor_id = person.contractor.id
    if not await assigned_during(
        db, project_id=project.id, contractor_id=contractor_id, start=start, end=end
    ):
        raise NotAllowed(
            f"You were not assigned to {project.code} on {day.isoformat()}; you can answer only "
            "for projects you are on.",
            field="code",
        )
    if not await paused_during(db, project.id, start, end):
        raise InvalidInput(
            f"{project.code} was not paused on {day.isoformat()}; availability is recorded only "
            "for dates a project was paused.",
            field="date",
        )
    available = answer is Answer.YES
    note = note.strip()
    last = await latest_answer(db, contractor_id=contractor_id, project_id=project.id, day=day)
    if last is not None and last.available == available and last.note == note:
        return recorded(last, project.code, repeated=True)
    row = AvailabilityAnswer(
        contractor_id=contractor_id,
        project_id=project.id,
        work_date=day,
        available=available,
        note=note,
        source_identity=str(person.identity),
        request_key=request_key,
        answered_at=now,
    )
    try:
        async with db.begin_nested():
            db.add(row)
            await db.flush()
    except IntegrityError:
        earlier = await answer_for_request(db, request_key, person) if request_key else None
        if earlier is None:
            raise
        return recorded(earlier, project.code, repeated=True)
    return recorded(row, project.code, repeated=False)


async def project_code(db: AsyncSession, project_id: int) -> str:
    """The code of a project by id."""
    return (await db.execute(select(Project.code).where(Project.id == project_id))).scalar_one()


async def set_checkin(
    db: AsyncSession, *, project: Project, enabled: bool, actor_id: int, now: datetime
) -> CheckinSet:
    """Turn a project's daily availability check-ins on or off."""
    setting = await db.get(Checkin, project.id)
    if setting is None:
        db.add(Checkin(project_id=project.id, enabled=enabled, actor_id=actor_id, changed_at=now))
    else:
        setting.enabled, setting.actor_id, setting.changed_at = enabled, actor_id, now
    await db.flush()
    return CheckinSet(
        project=project.code, checkin=enabled, paused=project.state == ProjectState.PAUSED
    )


async def preferred_identities(db: AsyncSession, contractor_ids: list[int]) -> dict[int, Recipient]:
    """For each contractor, the one identity a check-in goes to."""
    rows = await db.execute(
        select(Identity.contractor_id, Identity.platform, Identity.external_id, Identity.id).where(
            Identity.contractor_id.in_(contractor_ids)
        )
    )
    found: dict[int, list[tuple[int, int, Recipient]]] = defaultdict(list)
    for contractor_id, platform, external_id, identity_id in rows:
        rank = PLATFORM_ORDER.index(Platform(platform))
        found[contractor_id].append(
            (rank, identity_id, Recipient(Platform(platform), TargetType.USER, external_id))
        )
    return {contractor_id: min(options)[2] for contractor_id, options in found.items()}


async def queue_checkins(db: AsyncSession, *, today: date, now: datetime) -> int:
    """One direct message a day to each contractor assigned to a paused project with check-ins
    on, asking whether they are available to work on it today; each (project, person, date)
    once, whoever runs it and however often. Someone who already answered for today is not
    asked."""
    projects = (
        await db.execute(
            select(Project)
            .join(Checkin, Checkin.project_id == Project.id)
            .where(Checkin.enabled.is_(True), Project.state == ProjectState.PAUSED)
            .order_by(Project.code)
        )
    ).scalars()
    ran = set(
        (
            await db.execute(
                select(ScheduledRun.target).where(
                    ScheduledRun.job == CHECKIN_JOB, ScheduledRun.period == today.isoformat()
                )
            )
        ).scalars()
    )
    queued = 0
    for project in list(projects):
        assigned = (
            await db.execute(
                select(Assignment.contractor_id)
                .where(Assignment.project_id == project.id, Assignment.until.is_(None))
                .distinct()
            )
        ).scalars()
        answered = set(
            (
                await db.execute(
                    select(AvailabilityAnswer.contractor_id).where(
                        AvailabilityAnswer.project_id == project.id,
                        AvailabilityAnswer.work_date == today,
                    )
                )
            ).scalars()
        )
        people = [
            contractor_id
            for contractor_id in sorted(set(assigned) - answered)
            if f"{project.code}:{contractor_id}" not in ran
        ]
        recipients = await preferred_identities(db, people)
        message = present.checkin(view(project), today)
        for contractor_id in people:
            recipient = recipients.get(contractor_id)
            target = f"{project.code}:{contractor_id}"
            if recipient is None or not await record_run(
                db, job=CHECKIN_JOB, period=today.isoformat(), target=target, now=now
            ):
                continue
            queued += await announcements.queue(
                db,
                kind=MessageKind.CHECKIN,
                key=f"checkin:{target}:{today.isoformat()}",
                message=message,
                recipients=[recipient],
                now=now,
            )
    return queued
