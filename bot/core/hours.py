"""Hours entries: logging with the blocked rule, the 24 h cap, edits, deletes and the week."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from types import ModuleType
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.errors import InvalidInput, NotAllowed, NotFound
from bot.core.parsing import MAX_MINUTES, format_minutes
from bot.core.people import Person
from bot.core.projects import get_project
from bot.core.readmodels import DeletedEntry, EntryView, LoggedEntry, PauseOnDate, Week
from bot.core.timeline import day_bounds, local_date
from bot.core.words import HoursKind, ProjectState, Role
from bot.db.models import Assignment, HoursEntry, Project, StatusChange
from bot.db.session import PLAIN_ROWS


def entry_fields(entry: HoursEntry | NewEntry, code: str) -> dict[str, object]:
    """An entry's fields as people see them."""
    return {
        "id": entry.id,
        "project": code,
        "work_date": entry.work_date,
        "minutes": entry.minutes,
        "kind": HoursKind(entry.kind),
        "note": entry.note,
    }


def entry_view(entry: HoursEntry, code: str) -> EntryView:
    """An entry as people see it."""
    return EntryView(**entry_fields(entry, code))


def logged(
    entry: HoursEntry | NewEntry,
    code: str,
    *,
    repeated: bool,
    day_total: int,
    pause: PauseOnDate | None,
) -> LoggedEntry:
    """What `/hours log` answers about an entry."""
    return LoggedEntry(
        **entry_fields(entry, code), repeated=repeated, day_total_minutes=day_total, pause=pause
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


async def day_total(db: AsyncSession, *, contractor_id: int, work_date: date) -> int:
    """Minutes of live entries a contractor has on one date."""
    query = select(func.coalesce(func.sum(HoursEntry.minutes), 0)).where(
        HoursEntry.contractor_id == contractor_id,
        HoursEntry.work_date == work_date,
        HoursEntry.deleted_at.is_(None),
    )
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
    ever_assigned = (
        select(Assignment.id)
        .where(
            Assignment.project_id == Project.id,
            Assignment.contractor_id == bindparam("contractor_id"),
        )
        .exists()
    )
    total = (
        select(func.coalesce(func.sum(HoursEntry.minutes), 0))
        .where(
            HoursEntry.contractor_id == bindparam("contractor_id"),
            HoursEntry.work_date == bindparam("work_date"),
            HoursEntry.deleted_at.is_(None),
            HoursEntry.id != bindparam("excluding"),
        )
        .scalar_subquery()
    )
    latest = (
        select(StatusChange)
        .where(StatusChange.project_id == Project.id, StatusChange.at < bindparam("day_end"))
        .order_by(StatusChange.at.desc(), StatusChange.id.desc())
        .limit(1)
    )
    earlier = (
        select(HoursEntry.id)
        .where(HoursEntry.request_key == bindparam("request_key"))
        .scalar_subquery()
    )
    return (
        select(
            Project.id,
            Project.code,
            Project.state,
            Project.state_changed_at,
            earlier.label("earlier_id"),
            assigned.label("assigned"),
            ever_assigned.label("ever_assigned"),
            total,
            latest.with_only_columns(StatusChange.from_state).scalar_subquery(),
            latest.with_only_columns(StatusChange.to_state).scalar_subquery(),
            latest.with_only_columns(StatusChange.at).scalar_subquery(),
        )
        .where(Project.code == bindparam("code"))
        .execution_options(**PLAIN_ROWS)
    )


PROJECT_WITH_FACTS = _project_with_facts_query()


@dataclass(frozen=True)
class ProjectFacts:
    """The project columns the rules for an entry read."""

    id: int
    code: str
    state: str
    state_changed_at: datetime


@dataclass(frozen=True)
class Facts:
    """What the rules for one entry need: the project, the caller's place on it, the date."""

    project: ProjectFacts
    earlier_id: int | None
    assigned: bool
    day_minutes: int
    pause: PauseOnDate | None


def pause_on(
    project: ProjectFacts,
    *,
    latest_from: str | None,
    latest_to: str | None,
    latest_at: datetime | None,
    day_start: datetime,
) -> PauseOnDate | None:
    """How a pause touched a work date, from the last status change before the date ended."""
    if latest_at is None:
        return None
    if latest_to == ProjectState.PAUSED:
        if latest_at > day_start:
            return PauseOnDate.BEGAN
        ongoing = project.state == ProjectState.PAUSED and project.state_changed_at == latest_at
        return PauseOnDate.WHOLE_DAY if ongoing else PauseOnDate.WHOLE_DAY_PAST
    if latest_from == ProjectState.PAUSED and latest_at > day_start:
        return PauseOnDate.ENDED
    return None


async def entry_facts(
    db: AsyncSession,
    *,
    person: Person,
    code: str,
    work_date: date,
    excluding: int = 0,
    request_key: str | None = None,
) -> Facts:
    """In one query: the project, the entry an earlier delivery of this request made, the
    caller's assignment, the date's other minutes, and the pause.

    A contractor who was never on the project is told it does not exist, as for any code
    they may not see.
    """
    start, end = day_bounds(work_date, person.zone)
    params = {
        "code": code,
        "contractor_id": person.contractor.id,
        "work_date": work_date,
        "day_end": end,
        "excluding": excluding,
        "request_key": request_key,
    }
    row = (await db.execute(PROJECT_WITH_FACTS, params)).first()
    if row is None or not (row.ever_assigned or person.has(Role.OPS)):
        await get_project(db, code, visible_to=person)  # raises NotFound naming nearby codes
    *columns, earlier_id, assigned, _ever, day_minutes, latest_from, latest_to, latest_at = row
    project = ProjectFacts(*columns)
    pause = pause_on(
        project,
        latest_from=latest_from,
        latest_to=latest_to,
        latest_at=latest_at,
        day_start=start,
    )
    return Facts(
        project=project,
        earlier_id=earlier_id,
        assigned=bool(assigned),
        day_minutes=int(day_minutes),
        pause=pause,
    )


def check_rules(facts: Facts, *, work_date: date, minutes: int, zone: ZoneInfo) -> None:
    """Every rule an entry must pass: assigned now, not after a close, 24 h a date at most."""
    project = facts.project
    if not facts.assigned:
        raise NotAllowed(
            f"You are not assigned to {project.code}; type /project status to see your projects, "
            "or ask an admin to assign you.",
            field="code",
        )
    if project.state == ProjectState.CLOSED:
        closed_on = local_date(project.state_changed_at, zone)
        if work_date > closed_on:
            raise InvalidInput(
                f"{project.code} was closed on {closed_on.isoformat()}; "
                "it takes no hours for later dates.",
                field="date",
            )
    _refuse_over_cap(facts.day_minutes, minutes, work_date)


def kind_for(pause: PauseOnDate | None) -> HoursKind:
    """Blocked when the project was paused for the whole date, else worked."""
    if pause in (PauseOnDate.WHOLE_DAY, PauseOnDate.WHOLE_DAY_PAST):
        return HoursKind.BLOCKED
    return HoursKind.WORKED


async def entry_for_request(
    db: AsyncSession, request_key: str, person: Person
) -> HoursEntry | None:
    """The entry an earlier delivery of the same platform request created, if any.

    A request key is the caller's own: another person's key is refused, never answered with
    their entry.
    """
    query = select(HoursEntry).where(HoursEntry.request_key == request_key)
    earlier = (await db.execute(query)).scalar_one_or_none()
    if earlier is not None and earlier.contractor_id != person.contractor.id:
        raise NotAllowed("That request belongs to someone else; send your own command again.")
    return earlier


async def repeated(db: AsyncSession, request_key: str, person: Person) -> LoggedEntry:
    """The answer to a request delivered again: the entry its first delivery made."""
    earlier = await entry_for_request(db, request_key, person)
    if earlier is None:
        raise RuntimeError(f"no entry holds request key {request_key!r}")
    total = await day_total(db, contractor_id=earlier.contractor_id, work_date=earlier.work_date)
    project = await db.get_one(Project, earlier.project_id)
    return logged(earlier, project.code, repeated=True, day_total=total, pause=None)


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
    """Record hours; blocked when the project was paused for the whole work date.

    A request delivered again (same request key) answers with the entry it made the first
    time, found by the facts query, or by the insert that meets it when both run at once.
    """
    facts = await entry_facts(
        db, person=person, code=code, work_date=work_date, request_key=request_key
    )
    if request_key and facts.earlier_id is not None:
        return await repeated(db, request_key, person)
    check_window(work_date, today=person.today(now), backdate_days=backdate_days)
    check_rules(facts, work_date=work_date, minutes=minutes, zone=person.zone)
    project, total = facts.project, facts.day_minutes + minutes
    values = {
        "contractor_id": person.contractor.id,
        "project_id": project.id,
        "work_date": work_date,
        "minutes": minutes,
        "kind": kind_for(facts.pause),
        "note": note.strip(),
        "source_identity": str(person.identity),
        "request_key": request_key,
        "created_at": now,
    }
    entry = await insert_entry(db, values)
    if entry is None:  # only a taken request key skips the insert: a delivery at the same time
        return await repeated(db, str(request_key), person)
    return logged(entry, project.code, repeated=False, day_total=total, pause=facts.pause)


def _insert_entry_statement(dialect: ModuleType):
    """One row in, its id out; nothing in when its request key is taken (a repeat)."""
    table = HoursEntry.__table__
    return (
        dialect.insert(table)
        .on_conflict_do_nothing(index_elements=[table.c.request_key])
        .returning(table.c.id)
        .execution_options(**PLAIN_ROWS)
    )


# Plain INSERTs without the ORM's unit of work, one per engine: `/hours log` is the hot path.
INSERT_ENTRY = {
    "sqlite": _insert_entry_statement(sqlite),
    "postgresql": _insert_entry_statement(postgresql),
}


@dataclass(frozen=True)
class NewEntry:
    """An entry just inserted, with the fields its reply shows."""

    id: int
    work_date: date
    minutes: int
    kind: HoursKind
    note: str


async def insert_entry(db: AsyncSession, values: dict[str, Any]) -> NewEntry | None:
    """Insert one entry and return it with its new id; None when its request key is taken."""
    statement = INSERT_ENTRY[db.get_bind().dialect.name]
    entry_id = (await db.execute(statement, values)).scalar_one_or_none()
    if entry_id is None:
        return None
    return NewEntry(
        id=entry_id,
        work_date=values["work_date"],
        minutes=values["minutes"],
        kind=values["kind"],
        note=values["note"],
    )


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
    code = await project_code(db, entry.project_id)
    facts = await entry_facts(
        db, person=person, code=code, work_date=entry.work_date, excluding=entry.id
    )
    check_rules(facts, work_date=entry.work_date, minutes=minutes, zone=person.zone)
    entry.minutes = minutes
    if note is not None and note.strip():
        entry.note = note.strip()
    entry.updated_at = now
    await db.flush()
    return entry_view(entry, code)


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
