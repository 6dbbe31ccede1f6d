"""The daily summary and the impact report, as read models."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core import rates
from bot.core.errors import NotFound
from bot.core.money import Tally
from bot.core.parsing import shown
from bot.core.readmodels import (
    ChangeRow,
    ClientImpact,
    DailySummary,
    FailedDelivery,
    HoursRow,
    ImpactReport,
    PausedProjectRow,
    ProjectImpact,
)
from bot.core.timeline import Pause, day_bounds, local_date, project_pauses
from bot.core.updates import overdue_updates
from bot.core.words import HoursKind, ProjectState, fold_name
from bot.db.models import Assignment, Client, HoursEntry, OutboxMessage, Project, StatusChange

BASELINE_DATES = 14
DEFAULT_SUMMARY_TIME = time(9, 0)
DEFAULT_NUDGE_DAYS = 2


async def _hours_by_project(
    db: AsyncSession,
    *,
    first: date | None,
    last: date | None,
    project_ids: list[int] | None = None,
) -> dict[int, dict[HoursKind, int]]:
    """Live worked and blocked minutes per project id over a range of work dates."""
    query = select(HoursEntry.project_id, HoursEntry.kind, func.sum(HoursEntry.minutes)).where(
        HoursEntry.deleted_at.is_(None)
    )
    if first is not None:
        query = query.where(HoursEntry.work_date >= first)
    if last is not None:
        query = query.where(HoursEntry.work_date <= last)
    if project_ids is not None:
        query = query.where(HoursEntry.project_id.in_(project_ids))
    rows = await db.execute(query.group_by(HoursEntry.project_id, HoursEntry.kind))
    totals: dict[int, dict[HoursKind, int]] = defaultdict(lambda: dict.fromkeys(HoursKind, 0))
    for project_id, kind, minutes in rows:
        totals[project_id][HoursKind(kind)] = int(minutes)
    return totals


async def _assignments(
    db: AsyncSession, project_ids: list[int]
) -> dict[int, list[tuple[int, datetime, datetime | None]]]:
    """Assignment periods (contractor, since, until) per project id."""
    rows = await db.execute(
        select(
            Assignment.project_id, Assignment.contractor_id, Assignment.since, Assignment.until
        ).where(Assignment.project_id.in_(project_ids))
    )
    periods: dict[int, list[tuple[int, datetime, datetime | None]]] = defaultdict(list)
    for project_id, contractor_id, since, until in rows:
        periods[project_id].append((contractor_id, since, until))
    return periods


def summary_moment(day: date, *, summary_time: time, zone: ZoneInfo, now: datetime) -> datetime:
    """When the summary of `day` is made: SUMMARY_TIME the next day, or now if that is sooner."""
    return min(now, datetime.combine(day + timedelta(days=1), summary_time, tzinfo=zone))


async def daily_summary(
    db: AsyncSession,
    *,
    day: date,
    zone: ZoneInfo,
    now: datetime,
    summary_time: time = DEFAULT_SUMMARY_TIME,
    nudge_days: int = DEFAULT_NUDGE_DAYS,
) -> DailySummary:
    """What happened on a date: changes, paused projects, hours by project, failed deliveries,
    and the updates overdue when the summary is made."""
    start, end = day_bounds(day, zone)
    codes = dict((await db.execute(select(Project.id, Project.code))).all())
    changes = await db.execute(
        select(StatusChange)
        .where(
            StatusChange.at >= start,
            StatusChange.at < end,
            StatusChange.from_state.is_not(None),
        )
        .order_by(StatusChange.at, StatusChange.id)
    )
    pauses = [pause for pause in await project_pauses(db) if pause.overlaps(start, end)]
    periods = await _assignments(db, sorted({pause.project_id for pause in pauses}))
    clients = dict((await db.execute(select(Project.id, Client.name).join(Project.client))).all())
    paused_projects = []
    for pause in pauses:
        affected = {
            contractor_id
            for contractor_id, since, until in periods[pause.project_id]
            if since < end and (until is None or until > start)
        }
        since_date = local_date(pause.start, zone)
        paused_projects.append(
            PausedProjectRow(
                project=codes[pause.project_id],
                client=clients[pause.project_id],
                paused_since=since_date,
                days_paused=(day - since_date).days + 1,
                contractors_affected=len(affected),
            )
        )
    totals = await _hours_by_project(db, first=day, last=day)
    tallies = await _day_tallies(
        db, day=day, pauses=pauses, periods=periods, zone=zone, now=now, project_ids=list(codes)
    )
    hours = [
        HoursRow(
            project=codes[project_id],
            worked_minutes=minutes[HoursKind.WORKED],
            blocked_minutes=minutes[HoursKind.BLOCKED],
            amounts=rates.amounts(tallies[project_id]),
        )
        for project_id, minutes in totals.items()
    ]
    failed = await db.execute(
        select(OutboxMessage)
        .where(
            OutboxMessage.state == "failed",
            OutboxMessage.failed_at >= start,
            OutboxMessage.failed_at < end,
        )
        .order_by(OutboxMessage.id)
    )
    return DailySummary(
        day=day,
        changes=tuple(
            ChangeRow(
                project=codes[change.project_id],
                from_state=change.from_state,
                to_state=change.to_state,
                at=change.at,
                reason=change.reason,
            )
            for change in changes.scalars()
        ),
        paused_projects=tuple(sorted(paused_projects, key=lambda row: row.project)),
        hours=tuple(sorted(hours, key=lambda row: row.project)),
        failed_deliveries=tuple(
            FailedDelivery(
                target=f"{message.platform}:{message.target}",
                kind=message.kind,
                reason=message.last_error or "unknown",
            )
            for message in failed.scalars()
        ),
        overdue_updates=tuple(
            await overdue_updates(
                db,
                at=summary_moment(day, summary_time=summary_time, zone=zone, now=now),
                zone=zone,
                nudge_days=nudge_days,
            )
        ),
        amounts=rates.amounts(Tally.total(tallies.values())),
    )


async def _day_tallies(
    db: AsyncSession,
    *,
    day: date,
    pauses: list[Pause],
    periods: dict[int, list[tuple[int, datetime, datetime | None]]],
    zone: ZoneInfo,
    now: datetime,
    project_ids: list[int],
) -> dict[int, Tally]:
    """Per project, what its entries of one date earn, and what that date's estimated lost
    minutes (when paused all day) would have earned: the impact report's amounts for the date."""
    book = await rates.rate_book(db)
    tallies = await rates.entry_tallies(db, book, project_ids=project_ids, first=day, last=day)
    for pause in pauses:
        if pause.project_id in book.projects:
            await _project_impact(
                db,
                project_id=pause.project_id,
                pauses=[pause],
                periods=periods[pause.project_id],
                zone=zone,
                now=now,
                first=day,
                last=day,
                priced=(book, tallies[pause.project_id]),
            )
    return tallies


async def _baseline(
    db: AsyncSession, *, project_id: int, before: date, contractor_ids: set[int]
) -> dict[int, int]:
    """Worked minutes per contractor on a project over the 14 dates before `before`."""
    if not contractor_ids:
        return {}
    rows = await db.execute(
        select(HoursEntry.contractor_id, func.sum(HoursEntry.minutes))
        .where(
            HoursEntry.project_id == project_id,
            HoursEntry.kind == HoursKind.WORKED,
            HoursEntry.deleted_at.is_(None),
            HoursEntry.work_date >= before - timedelta(days=BASELINE_DATES),
            HoursEntry.work_date < before,
            HoursEntry.contractor_id.in_(contractor_ids),
        )
        .group_by(HoursEntry.contractor_id)
    )
    return {contractor_id: int(minutes) for contractor_id, minutes in rows}


def _in_range(days: set[date], first: date | None, last: date | None) -> set[date]:
    """The dates that fall inside an optional range."""
    return {d for d in days if (first is None or d >= first) and (last is None or d <= last)}


async def _project_impact(
    db: AsyncSession,
    *,
    project_id: int,
    pauses: list[Pause],
    periods: list[tuple[int, datetime, datetime | None]],
    zone: ZoneInfo,
    now: datetime,
    first: date | None,
    last: date | None,
    priced: tuple[rates.RateBook, Tally] | None = None,
) -> tuple[int, set[int], int]:
    """Days paused, the affected contractor ids, and estimated lost minutes of one project.

    With `priced` (the rates and a tally), each contractor's estimated lost minutes are also
    priced at their rate on the date the pause began, into the tally.
    """
    touched: set[date] = set()
    affected: set[int] = set()
    lost = 0.0
    for pause in pauses:
        dates_touched = _in_range(pause.touched_dates(zone, now), first, last)
        if not dates_touched:
            continue
        touched |= dates_touched
        during = {
            contractor_id for contractor_id, since, until in periods if pause.overlaps(since, until)
        }
        affected |= during
        whole = len(_in_range(pause.whole_dates(zone, now), first, last))
        if whole:
            baseline = await _baseline(
                db,
                project_id=project_id,
                before=local_date(pause.start, zone),
                contractor_ids=during,
            )
            lost += sum(baseline.values()) / BASELINE_DATES * whole
            if priced is not None:
                rates.add_lost(
                    priced[1],
                    priced[0],
                    project_id=project_id,
                    lost={c: Fraction(m * whole, BASELINE_DATES) for c, m in baseline.items()},
                    began=local_date(pause.start, zone),
                )
    return len(touched), affected, round(lost)


async def impact_report(
    db: AsyncSession,
    *,
    zone: ZoneInfo,
    now: datetime,
    subject: str | None = None,
    first: date | None = None,
    last: date | None = None,
) -> ImpactReport:
    """Per client and project: days paused, people affected, hours by kind, estimated loss."""
    query = select(Project).join(Project.client).order_by(Client.name, Project.code)
    if subject:
        query = query.where(
            or_(Project.code == subject.upper(), Client.name_key == fold_name(subject))
        )
    projects = list((await db.execute(query)).scalars())
    if subject and not projects:
        raise NotFound(
            f"There is no client or project {shown(subject)}; "
            "the impact report without a name lists every client."
        )
    ids = [project.id for project in projects]
    pauses_by_project: dict[int, list[Pause]] = defaultdict(list)
    for pause in await project_pauses(db, ids):
        pauses_by_project[pause.project_id].append(pause)
    periods = await _assignments(db, list(pauses_by_project))
    totals = await _hours_by_project(db, first=first, last=last, project_ids=ids)
    book = await rates.rate_book(db, ids)
    tallies = await rates.entry_tallies(db, book, project_ids=ids, first=first, last=last)
    client_tallies: dict[str, Tally] = defaultdict(Tally)
    rows: dict[str, list[ProjectImpact]] = defaultdict(list)
    people: dict[str, set[int]] = defaultdict(set)
    for project in projects:
        tally = tallies[project.id]
        days, affected, lost = await _project_impact(
            db,
            project_id=project.id,
            pauses=pauses_by_project[project.id],
            periods=periods[project.id],
            zone=zone,
            now=now,
            first=first,
            last=last,
            priced=(book, tally) if project.id in book.projects else None,
        )
        client_tallies[project.client.name].merge(tally)
        minutes = totals[project.id]
        rows[project.client.name].append(
            ProjectImpact(
                project=project.code,
                title=project.title,
                state=ProjectState(project.state),
                days_paused=days,
                contractors_affected=len(affected),
                worked_minutes=minutes[HoursKind.WORKED],
                blocked_minutes=minutes[HoursKind.BLOCKED],
                estimated_lost_minutes=lost,
                amounts=rates.amounts(tally),
            )
        )
        people[project.client.name] |= affected
    return ImpactReport(
        first=first,
        last=last,
        clients=tuple(
            ClientImpact(
                client=name,
                contractors_affected=len(people[name]),
                worked_minutes=sum(row.worked_minutes for row in client_rows),
                blocked_minutes=sum(row.blocked_minutes for row in client_rows),
                estimated_lost_minutes=sum(row.estimated_lost_minutes for row in client_rows),
                projects=tuple(client_rows),
                amounts=rates.amounts(client_tallies[name]),
            )
            for name, client_rows in rows.items()
        ),
    )
