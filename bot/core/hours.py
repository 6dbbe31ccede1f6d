"""Hours entries: logging with the blocked rule, the 24 h cap, edits, deletes and the week."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.errors import InvalidInput, NotAllowed, NotFound
from bot.core.parsing import MAX_MINUTES, format_minutes
from bot.core.people import Person
from bot.core.projects import get_project
from bot.core.readmodels import DeletedEntry, EntryView, LoggedEntry, Week
from bot.core.timeline import day_bounds, local_date
from bot.core.words import HoursKind, ProjectState
from bot.db.models import Assignment, HoursEntry, Project, StatusChange


def entry_view(entry: HoursEntry, code: str) -> EntryView:
    """An entry as people see it."""
    return EntryView(
        id=entry.id,
        project=code,
        work_date=entry.work_date,
        minutes=entry.minutes,
        kind=HoursKind(entry.kind),
        note=entry.note,
    )


def logged(entry: HoursEntry, code: str, *, repeated: bool, day_total: int) -> LoggedEntry:
    """What `/hours log` answers about an entry."""
    return LoggedEntry(
        **entry_view(entry, code).model_dump(), repeated=repeated, day_total_minutes=day_total
    )


def check_window(work_date: date, *, today: date, backdate_days: int) -> None:
    """Refuse future dates and dates older than the backdate window."""
    if work_date > today:
        raise InvalidInput(
            f"{work_date.isoformat()} is in the future; log hours for today or an earlier date.",
            field="date",
        )
    oldest = today - timedelta(days=backdate_days)
    if work_date < oldest:
        raise InvalidInput(
            f"{work_date.isoformat()} is more than {backdate_days} days ago; "
            f"hours can be logged back to {oldest.isoformat()}.",
            field="date",
        )


async def day_total(
    db: AsyncSession, *, contractor_id: int, work_date: date, excluding: int | None = None
) -> int:
    """Minutes of live entries a contractor has on one date."""
    query = select(func.coalesce(func.sum(HoursEntry.minutes), 0)).where(
        HoursEntry.contractor_id == contractor_id,
        HoursEntry.work_date == work_date,
        HoursEntry.deleted_at.is_(None),
    )
    if excluding is not None:
        query = query.where(HoursEntry.id != excluding)
    return int((await db.execute(query)).scalar_one())


def _refuse_over_cap(total: int, minutes: int, work_date: date) -> None:
    """Refuse when the date's total would pass 24 h, saying how much still fits."""
    if total + minutes > MAX_MINUTES:
        room = MAX_MINUTES - total
        more = f"at most {format_minutes(room)} more fits" if room else "nothing more fits"
        raise InvalidInput(
            f"You already have {format_minutes(total)} on {work_date.isoformat()}; "
            f"a day holds 24h, so {more}.",
            field="duration",
        )


async def _check_cap(
    db: AsyncSession, *, contractor_id: int, work_date: date, minutes: int, excluding: int | None
) -> int:
    """Refuse if the date's total would pass 24 h (the caller's row is locked); returns it."""
    total = await day_total(
        db, contractor_id=contractor_id, work_date=work_date, excluding=excluding
    )
    _refuse_over_cap(total, minutes, work_date)
    return total + minutes


def _project_with_facts_query():
    """The project by code, and what logging on it needs, as one statement built once."""
    assigned = (
        select(Assignment.id)
        .where(
            Assignment.project_id == Project.id,
            Assignment.contractor_id == bindparam("contractor_id"),
            Assignment.until.is_(None),
        )
        .exists()
    )
    total = (
        select(func.coalesce(func.sum(HoursEntry.minutes), 0))
        .where(
            HoursEntry.contractor_id == bindparam("contractor_id"),
            HoursEntry.work_date == bindparam("work_date"),
            HoursEntry.deleted_at.is_(None),
        )
        .scalar_subquery()
    )
    latest = (
        select(StatusChange)
        .where(StatusChange.project_id == Project.id, StatusChange.at < bindparam("day_end"))
        .order_by(StatusChange.at.desc(), StatusChange.id.desc())
        .limit(1)
    )
    return select(
        Project,
        assigned,
        total,
        latest.with_only_columns(StatusChange.to_state).scalar_subquery(),
        latest.with_only_columns(StatusChange.at).scalar_subquery(),
    ).where(Project.code == bindparam("code"))


PROJECT_WITH_FACTS = _project_with_facts_query()


async def _project_with_facts(
    db: AsyncSession, *, code: str, contractor_id: int, work_date: date, zone: ZoneInfo
) -> tuple[Project, bool, int, bool]:
    """In one query: the project, whether the contractor is assigned, the date's total so far,
    and whether the project was paused for the whole date."""
    start, end = day_bounds(work_date, zone)
    params = {"code": code, "contractor_id": contractor_id, "work_date": work_date, "day_end": end}
    row = (await db.execute(PROJECT_WITH_FACTS, params)).first()
    if row is None:
        await get_project(db, code)  # raises NotFound naming the nearest codes
    project, is_assigned, day_minutes, latest_state, latest_at = row
    blocked = latest_state == ProjectState.PAUSED and latest_at <= start
    return project, bool(is_assigned), int(day_minutes), blocked


async def entry_for_request(db: AsyncSession, request_key: str) -> HoursEntry | None:
    """The entry an earlier delivery of the same platform request created, if any."""
    query = select(HoursEntry).where(HoursEntry.request_key == request_key)
    return (await db.execute(query)).scalar_one_or_none()


async def log_hours(
    db: AsyncSession,
    *,
    person: Person,
    code: str,
    minutes: int,
    work_date: date,
    note: str,
    now: datetime,
    backdate_days: int,
    request_key: str | None = None,
) -> LoggedEntry:
    """Record hours; blocked when the project was paused for the whole work date."""
    contractor = person.contractor
    if request_key and (earlier := await entry_for_request(db, request_key)):
        total = await day_total(
            db, contractor_id=earlier.contractor_id, work_date=earlier.work_date
        )
        project = await db.get_one(Project, earlier.project_id)
        return logged(earlier, project.code, repeated=True, day_total=total)
    check_window(work_date, today=person.today(now), backdate_days=backdate_days)
    project, assigned, total, blocked = await _project_with_facts(
        db, code=code, contractor_id=contractor.id, work_date=work_date, zone=person.zone
    )
    if not assigned:
        raise NotAllowed(
            f"You are not assigned to {project.code}; type /project status to see your projects, "
            "or ask an admin to assign you.",
            field="code",
        )
    if project.state == ProjectState.CLOSED:
        closed_on = local_date(project.state_changed_at, person.zone)
        if work_date > closed_on:
            raise InvalidInput(
                f"{project.code} was closed on {closed_on.isoformat()}; "
                "it takes no hours for later dates.",
                field="date",
            )
    _refuse_over_cap(total, minutes, work_date)
    total += minutes
    entry = HoursEntry(
        contractor_id=contractor.id,
        project_id=project.id,
        work_date=work_date,
        minutes=minutes,
        kind=HoursKind.BLOCKED if blocked else HoursKind.WORKED,
        note=note.strip(),
        source_identity=str(person.identity),
        request_key=request_key,
        created_at=now,
    )
    if request_key is None:
        db.add(entry)
        await db.flush()
        return logged(entry, project.code, repeated=False, day_total=total)
    try:
        async with db.begin_nested():
            db.add(entry)
            await db.flush()
    except IntegrityError:
        earlier = await entry_for_request(db, request_key)
        if earlier is None:
            raise
        return logged(earlier, project.code, repeated=True, day_total=total - minutes)
    return logged(entry, project.code, repeated=False, day_total=total)


async def own_entry(
    db: AsyncSession, *, person: Person, entry_id: int, now: datetime, backdate_days: int
) -> HoursEntry:
    """An entry the caller may change: theirs, live, and inside the backdate window."""
    entry = await db.get(HoursEntry, entry_id)
    if entry is None or entry.deleted_at is not None:
        raise NotFound(f"There is no entry {entry_id}; type /hours week to see your entries.")
    if entry.contractor_id != person.contractor.id:
        raise NotAllowed(f"Entry {entry_id} is not yours; you can only change your own entries.")
    today = person.today(now)
    if entry.work_date < today - timedelta(days=backdate_days):
        raise InvalidInput(
            f"Entry {entry_id} is for {entry.work_date.isoformat()}, more than "
            f"{backdate_days} days ago; it can no longer be changed."
        )
    return entry


async def edit_entry(
    db: AsyncSession,
    *,
    person: Person,
    entry_id: int,
    minutes: int,
    note: str | None,
    now: datetime,
    backdate_days: int,
) -> EntryView:
    """Change the duration (and note, when given) of one of the caller's entries."""
    entry = await own_entry(
        db, person=person, entry_id=entry_id, now=now, backdate_days=backdate_days
    )
    await _check_cap(
        db,
        contractor_id=entry.contractor_id,
        work_date=entry.work_date,
        minutes=minutes,
        excluding=entry.id,
    )
    entry.minutes = minutes
    if note is not None and note.strip():
        entry.note = note.strip()
    entry.updated_at = now
    await db.flush()
    return entry_view(entry, await project_code(db, entry.project_id))


async def delete_entry(
    db: AsyncSession, *, person: Person, entry_id: int, now: datetime, backdate_days: int
) -> DeletedEntry:
    """Soft-delete one of the caller's entries; the row stays for exports and audits."""
    entry = await own_entry(
        db, person=person, entry_id=entry_id, now=now, backdate_days=backdate_days
    )
    entry.deleted_at = now
    await db.flush()
    code = await project_code(db, entry.project_id)
    return DeletedEntry(**entry_view(entry, code).model_dump())


async def project_code(db: AsyncSession, project_id: int) -> str:
    """The code of a project by id."""
    return (await db.execute(select(Project.code).where(Project.id == project_id))).scalar_one()


def week_of(day: date) -> tuple[date, date]:
    """Monday and Sunday of the week containing a date."""
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)


async def week(db: AsyncSession, *, contractor_id: int, day: date) -> Week:
    """A contractor's live entries for the week containing `day`, with totals by kind."""
    monday, sunday = week_of(day)
    rows = await db.execute(
        select(HoursEntry, Project.code)
        .join(Project, Project.id == HoursEntry.project_id)
        .where(
            HoursEntry.contractor_id == contractor_id,
            HoursEntry.work_date.between(monday, sunday),
            HoursEntry.deleted_at.is_(None),
        )
        .order_by(HoursEntry.work_date, HoursEntry.id)
    )
    entries = tuple(entry_view(entry, code) for entry, code in rows)
    totals = dict.fromkeys(HoursKind, 0)
    for entry in entries:
        totals[entry.kind] += entry.minutes
    return Week(
        first=monday,
        last=sunday,
        entries=entries,
        worked_minutes=totals[HoursKind.WORKED],
        blocked_minutes=totals[HoursKind.BLOCKED],
    )


async def week_totals(
    db: AsyncSession, *, contractor_id: int, day: date
) -> dict[int, dict[HoursKind, int]]:
    """Per project id, the contractor's worked and blocked minutes in the week of `day`."""
    monday, sunday = week_of(day)
    rows = await db.execute(
        select(HoursEntry.project_id, HoursEntry.kind, func.sum(HoursEntry.minutes))
        .where(
            HoursEntry.contractor_id == contractor_id,
            HoursEntry.work_date.between(monday, sunday),
            HoursEntry.deleted_at.is_(None),
        )
        .group_by(HoursEntry.project_id, HoursEntry.kind)
    )
    totals: dict[int, dict[HoursKind, int]] = {}
    for project_id, kind, minutes in rows:
        totals.setdefault(project_id, dict.fromkeys(HoursKind, 0))[HoursKind(kind)] = int(minutes)
    return totals
