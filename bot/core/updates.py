"""Updates between state changes, changed pause details, and nudges when updates are overdue."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core import announcements, present
from bot.core.announcements import Recipient
from bot.core.errors import InvalidInput
from bot.core.projects import view
from bot.core.readmodels import OverdueUpdate, OverdueWhy, UpdatePosted, UpdateView
from bot.core.runs import record_run
from bot.core.timeline import day_bounds
from bot.core.words import IdentityKey, MessageKind, Platform, ProjectState, Role, TargetType
from bot.db.models import Contractor, Identity, Project, ProjectUpdate

NUDGE_JOB = "update_nudge"


def update_view(update: ProjectUpdate, by: str | None) -> UpdateView:
    """An update as people see it."""
    return UpdateView(
        at=update.at,
        by=by,
        text=update.text,
        reason=update.reason,
        expected_resume=update.expected_resume,
        next_update_at=update.next_update_at,
    )


def promise_instant(day: date, at: time | None, zone: ZoneInfo) -> datetime:
    """When `next DATE [HH:MM]` falls due: that time, or the end of that date, in the zone."""
    if at is None:
        return day_bounds(day, zone)[1]
    return datetime.combine(day, at, tzinfo=zone)


async def record(
    db: AsyncSession,
    *,
    project: Project,
    actor: Contractor,
    text: str,
    now: datetime,
    ops_channels: list[IdentityKey],
    next_update_at: datetime | None = None,
    reason: str | None = None,
    expected_resume: date | None = None,
) -> UpdatePosted:
    """Record an update and announce it, once, to everyone a pause reaches."""
    update = ProjectUpdate(
        project_id=project.id,
        actor_id=actor.id,
        at=now,
        text=text,
        reason=reason,
        expected_resume=expected_resume,
        next_update_at=next_update_at,
    )
    db.add(update)
    await db.flush()
    shown = view(project)
    posted = update_view(update, actor.display_name)
    queued = await announcements.announce(
        db,
        kind=MessageKind.UPDATE,
        project_id=project.id,
        key=f"update:{update.id}",
        message=present.update_announcement(shown, posted),
        now=now,
        ops_channels=ops_channels,
    )
    return UpdatePosted(**shown.model_dump(), update=posted, announcements=queued)


async def post_update(
    db: AsyncSession,
    *,
    project: Project,
    actor: Contractor,
    text: str,
    next_update_at: datetime | None,
    now: datetime,
    ops_channels: list[IdentityKey],
) -> UpdatePosted:
    """`/project update`: an update on a project that is not closed."""
    if project.state == ProjectState.CLOSED:
        raise InvalidInput(f"{project.code} is closed for good; there is nothing to update.")
    if next_update_at is not None and next_update_at <= now:
        raise InvalidInput(
            "The next update must be promised for a later time; give a date ahead.", field="next"
        )
    return await record(
        db,
        project=project,
        actor=actor,
        text=text,
        now=now,
        ops_channels=ops_channels,
        next_update_at=next_update_at,
    )


async def change_pause(
    db: AsyncSession,
    *,
    project: Project,
    actor: Contractor,
    reason: str,
    expected_resume: date | None,
    now: datetime,
    ops_channels: list[IdentityKey],
) -> UpdatePosted:
    """A pause on a paused project: the new reason or expected resume, recorded as an update."""
    new_reason = reason if reason != project.pause_reason else None
    new_resume = expected_resume if expected_resume not in (None, project.expected_resume) else None
    if new_reason is None and new_resume is None:
        raise InvalidInput(
            f"{project.code} is already paused with that reason; give a new reason or "
            "until DATE to change the pause, or /project update to say something new."
        )
    project.pause_reason = reason
    project.expected_resume = new_resume or project.expected_resume
    return await record(
        db,
        project=project,
        actor=actor,
        text="",
        now=now,
        ops_channels=ops_channels,
        reason=new_reason,
        expected_resume=new_resume,
    )


async def latest_updates(db: AsyncSession, project_ids: list[int]) -> dict[int, UpdateView]:
    """The latest update of each project that has one."""
    if not project_ids:
        return {}
    newest = (
        select(ProjectUpdate.project_id, func.max(ProjectUpdate.id).label("id"))
        .where(ProjectUpdate.project_id.in_(project_ids))
        .group_by(ProjectUpdate.project_id)
        .subquery()
    )
    rows = await db.execute(
        select(ProjectUpdate, Contractor.display_name)
        .join(newest, newest.c.id == ProjectUpdate.id)
        .outerjoin(Contractor, Contractor.id == ProjectUpdate.actor_id)
    )
    return {update.project_id: update_view(update, name) for update, name in rows}


async def project_updates(db: AsyncSession, project_id: int) -> tuple[UpdateView, ...]:
    """Every update of a project, newest first."""
    rows = await db.execute(
        select(ProjectUpdate, Contractor.display_name)
        .outerjoin(Contractor, Contractor.id == ProjectUpdate.actor_id)
        .where(ProjectUpdate.project_id == project_id)
        .order_by(ProjectUpdate.at.desc(), ProjectUpdate.id.desc())
    )
    return tuple(update_view(update, name) for update, name in rows)


async def overdue_updates(
    db: AsyncSession, *, at: datetime, zone: ZoneInfo, nudge_days: int
) -> list[OverdueUpdate]:
    """Paused projects whose people are owed an update at `at`, by code."""
    paused = list(
        (
            await db.execute(
                select(Project)
                .where(Project.state == ProjectState.PAUSED, Project.state_changed_at <= at)
                .order_by(Project.code)
            )
        ).scalars()
    )
    latest = await latest_updates(db, [project.id for project in paused])
    found = []
    for project in paused:
        update = latest.get(project.id)
        last = max(project.state_changed_at, update.at) if update else project.state_changed_at
        promised = update.next_update_at if update else None
        resume = project.expected_resume
        if resume is not None and day_bounds(resume, zone)[1] <= at:
            why = OverdueWhy.EXPECTED_RESUME_PASSED
        elif promised is not None and promised <= at:
            why = OverdueWhy.NEXT_UPDATE_PASSED
        elif at - last > timedelta(days=nudge_days):
            why = OverdueWhy.NO_UPDATE
        else:
            continue
        found.append(OverdueUpdate(project=project.code, last_update_at=last, why=why))
    return found


async def admin_recipients(db: AsyncSession, admins: list[IdentityKey]) -> list[Recipient]:
    """A DM to every identity of every admin pausebot can reach (bootstrap admins included)."""
    bootstrap = [
        (Identity.platform == key.platform) & (Identity.external_id == key.external_id)
        for key in admins
    ]
    admin_ids = select(Contractor.id).where(Contractor.role == Role.ADMIN)
    if bootstrap:
        named = select(Identity.contractor_id).where(or_(*bootstrap))
        admin_ids = admin_ids.union(named)
    rows = await db.execute(
        select(Identity.platform, Identity.external_id)
        .where(Identity.contractor_id.in_(admin_ids))
        .order_by(Identity.id)
    )
    return [Recipient(Platform(platform), TargetType.USER, target) for platform, target in rows]


async def queue_nudges(
    db: AsyncSession,
    *,
    today: date,
    at: datetime,
    zone: ZoneInfo,
    nudge_days: int,
    admins: list[IdentityKey],
    now: datetime,
) -> int:
    """One DM a day to the admins for each paused project whose update is overdue at `at`."""
    queued = 0
    overdue = await overdue_updates(db, at=at, zone=zone, nudge_days=nudge_days)
    recipients = await admin_recipients(db, admins) if overdue else []
    for item in overdue:
        period = today.isoformat()
        if not await record_run(db, job=NUDGE_JOB, period=period, target=item.project, now=now):
            continue
        queued += await announcements.queue(
            db,
            kind=MessageKind.NUDGE,
            key=f"nudge:{item.project}:{period}",
            message=present.nudge(item),
            recipients=recipients,
            now=now,
        )
    return queued
