"""Read models over ranges of dates, for the web dashboard: hours per day by client, people
affected per day, every pause, what is paused now, and a project's page.

Each figure is defined as the daily summary and the impact report define it, so the dashboard
agrees with `pausebot summary` and `pausebot impact`: a date's hours are the live entries of
that work date, and a date's paused projects and contractors affected are the summary's.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core import projects, reports, updates
from bot.core.errors import InvalidInput
from bot.core.readmodels import (
    AffectedByDay,
    AffectedDay,
    ClientDay,
    HoursByDay,
    NowView,
    PausedNow,
    PausedProjectRow,
    PauseSpan,
    PauseTimeline,
    PersonOnProject,
    ProjectPage,
)
from bot.core.timeline import Pause, day_bounds, local_date, project_pauses
from bot.core.words import HoursKind, ProjectState
from bot.db.models import (
    Assignment,
    Client,
    Contractor,
    HoursEntry,
    Identity,
    Project,
    StatusChange,
)

MAX_RANGE_DAYS = 366
DEFAULT_RANGE_DAYS = 30


def date_range(first: date | None, last: date | None, *, today: date) -> tuple[date, date]:
    """A range of dates for a chart: the last 30 days by default, at most 366, none ahead."""
    last = last or today
    first = first or last - timedelta(days=DEFAULT_RANGE_DAYS - 1)
    if last > today:
        raise InvalidInput(f"{last} is in the future; give {today} or an earlier date.", field="to")
    if first > last:
        raise InvalidInput(f"{first} is after {last}; give the earlier date first.", field="from")
    if (last - first).days + 1 > MAX_RANGE_DAYS:
        raise InvalidInput(
            f"{first} to {last} is more than {MAX_RANGE_DAYS} days; choose a shorter range.",
            field="from",
        )
    return first, last


async def _project_names(db: AsyncSession) -> dict[int, tuple[str, str, str]]:
    """Each project id's code, client name and title."""
    rows = await db.execute(
        select(Project.id, Project.code, Client.name, Project.title).join(
            Client, Client.id == Project.client_id
        )
    )
    return {project_id: (code, client, title) for project_id, code, client, title in rows}


async def hours_by_day(
    db: AsyncSession, *, first: date, last: date, project: Project | None = None
) -> HoursByDay:
    """Live worked and blocked minutes per work date and client (or of one project)."""
    query = (
        select(
            HoursEntry.work_date,
            HoursEntry.project_id,
            HoursEntry.kind,
            func.sum(HoursEntry.minutes),
        )
        .where(
            HoursEntry.deleted_at.is_(None),
            HoursEntry.work_date >= first,
            HoursEntry.work_date <= last,
        )
        .group_by(HoursEntry.work_date, HoursEntry.project_id, HoursEntry.kind)
    )
    if project is not None:
        query = query.where(HoursEntry.project_id == project.id)
    names = await _project_names(db)
    totals: dict[tuple[date, str], dict[HoursKind, int]] = defaultdict(
        lambda: dict.fromkeys(HoursKind, 0)
    )
    for work_date, project_id, kind, minutes in await db.execute(query):
        totals[(work_date, names[project_id][1])][HoursKind(kind)] += int(minutes)
    return HoursByDay(
        first=first,
        last=last,
        project=project.code if project is not None else None,
        days=tuple(
            ClientDay(
                day=day,
                client=client,
                worked_minutes=minutes[HoursKind.WORKED],
                blocked_minutes=minutes[HoursKind.BLOCKED],
            )
            for (day, client), minutes in sorted(totals.items())
        ),
    )


def _days_of(pause: Pause, first: date, last: date, zone: ZoneInfo) -> list[date]:
    """The dates of [first, last] at some moment of which the pause lasted."""
    start = max(first, local_date(pause.start, zone))
    end = last if pause.end is None else min(last, local_date(pause.end, zone))
    found, day = [], start
    while day <= end:
        if pause.overlaps(*day_bounds(day, zone)):
            found.append(day)
        day += timedelta(days=1)
    return found


async def affected_by_day(
    db: AsyncSession, *, first: date, last: date, zone: ZoneInfo
) -> AffectedByDay:
    """For every date of the range, the daily summary's paused projects (each with the
    contractors assigned on that date) and the distinct contractors over all of them."""
    range_start, range_end = day_bounds(first, zone)[0], day_bounds(last, zone)[1]
    pauses = [p for p in await project_pauses(db) if p.overlaps(range_start, range_end)]
    periods = await reports._assignments(db, sorted({pause.project_id for pause in pauses}))
    names = await _project_names(db)
    rows: dict[date, list[PausedProjectRow]] = defaultdict(list)
    people: dict[date, set[int]] = defaultdict(set)
    for pause in pauses:
        since = local_date(pause.start, zone)
        for day in _days_of(pause, first, last, zone):
            start, end = day_bounds(day, zone)
            affected = {
                contractor_id
                for contractor_id, assigned, until in periods[pause.project_id]
                if assigned < end and (until is None or until > start)
            }
            code, client, _title = names[pause.project_id]
            rows[day].append(
                PausedProjectRow(
                    project=code,
                    client=client,
                    paused_since=since,
                    days_paused=(day - since).days + 1,
                    contractors_affected=len(affected),
                )
            )
            people[day] |= affected
    days = []
    day = first
    while day <= last:
        days.append(
            AffectedDay(
                day=day,
                contractors_affected=len(people[day]),
                paused_projects=tuple(sorted(rows[day], key=lambda row: row.project)),
            )
        )
        day += timedelta(days=1)
    return AffectedByDay(first=first, last=last, days=tuple(days))


async def pause_timeline(db: AsyncSession, *, zone: ZoneInfo, now: datetime) -> PauseTimeline:
    """Every pause of every project, oldest first, with its reason and dates paused so far."""
    names = await _project_names(db)
    reasons = {
        (project_id, at): reason
        for project_id, at, reason in await db.execute(
            select(StatusChange.project_id, StatusChange.at, StatusChange.reason).where(
                StatusChange.to_state == ProjectState.PAUSED
            )
        )
    }
    spans = [
        PauseSpan(
            project=names[pause.project_id][0],
            client=names[pause.project_id][1],
            title=names[pause.project_id][2],
            start=pause.start,
            end=pause.end,
            days_paused=len(pause.touched_dates(zone, now)),
            reason=reasons.get((pause.project_id, pause.start)),
        )
        for pause in await project_pauses(db)
    ]
    return PauseTimeline(pauses=tuple(sorted(spans, key=lambda span: (span.start, span.project))))


async def project_people(db: AsyncSession, project_id: int) -> tuple[PersonOnProject, ...]:
    """Everyone who is or was on a project, by the start of their assignment."""
    rows = (
        await db.execute(
            select(
                Assignment.contractor_id,
                Contractor.display_name,
                Assignment.since,
                Assignment.until,
            )
            .join(Contractor, Contractor.id == Assignment.contractor_id)
            .where(Assignment.project_id == project_id)
            .order_by(Assignment.since, Assignment.id)
        )
    ).all()
    keys: dict[int, list[str]] = defaultdict(list)
    found = await db.execute(
        select(Identity.contractor_id, Identity.platform, Identity.external_id)
        .where(Identity.contractor_id.in_({row[0] for row in rows}))
        .order_by(Identity.id)
    )
    for contractor_id, platform, external_id in found:
        keys[contractor_id].append(f"{platform}:{external_id}")
    return tuple(
        PersonOnProject(
            contractor=name, identities=tuple(keys[contractor_id]), since=since, until=until
        )
        for contractor_id, name, since, until in rows
    )


async def now_view(db: AsyncSession, *, zone: ZoneInfo, now: datetime, nudge_days: int) -> NowView:
    """The projects paused now, with today's figures as the daily summary gives them, the
    distinct contractors affected today, and the updates overdue now."""
    today = local_date(now, zone)
    (day,) = (await affected_by_day(db, first=today, last=today, zone=zone)).days
    figures = {row.project: row for row in day.paused_projects}  # the open pause comes last
    paused = await projects.list_projects(db, state=ProjectState.PAUSED)
    latest = await updates.latest_updates(db, [project.id for project in paused])
    rows = []
    for project in paused:
        row = figures.get(project.code)
        rows.append(
            PausedNow(
                project=project.code,
                client=project.client.name,
                title=project.title,
                since=project.state_changed_at,
                reason=project.pause_reason,
                expected_resume=project.expected_resume,
                days_paused=row.days_paused if row else 1,
                contractors_affected=row.contractors_affected if row else 0,
                latest_update=latest.get(project.id),
            )
        )
    return NowView(
        day=today,
        at=now,
        contractors_affected=day.contractors_affected,
        paused=tuple(sorted(rows, key=lambda row: row.since)),
        overdue_updates=tuple(
            await updates.overdue_updates(db, at=now, zone=zone, nudge_days=nudge_days)
        ),
    )


async def project_page(
    db: AsyncSession,
    *,
    project: Project,
    zone: ZoneInfo,
    now: datetime,
    first: date,
    last: date,
) -> ProjectPage:
    """One project: its state, its line of the impact report, history and updates, people, and
    hours per day over the range."""
    report = await reports.impact_report(db, zone=zone, now=now, subject=project.code)
    (impact,) = [
        row for client in report.clients for row in client.projects if row.project == project.code
    ]
    history = await projects.history(db, project=project)
    history = history.model_copy(update={"updates": await updates.project_updates(db, project.id)})
    return ProjectPage(
        project=projects.view(project),
        impact=impact,
        history=history,
        people=await project_people(db, project.id),
        hours=await hours_by_day(db, first=first, last=last, project=project),
    )
