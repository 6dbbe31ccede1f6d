"""A contractor's statement: their own record over a period, complete and checkable.

For each project of theirs in the period: the client, every state change and update, every
message pausebot delivered to them about it (from the outbox, with the time it was sent), and
per date the worked and blocked minutes, the availability answer and the amounts; then totals.
The `digest` is the SHA-256 of the canonical JSON of everything else, and nothing in that part
depends on when the statement is made: the same period gives the same digest every time.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core import rates
from bot.core.errors import InvalidInput
from bot.core.export import csv_cell
from bot.core.money import Tally, price, rounded
from bot.core.people import identity_keys
from bot.core.readmodels import (
    DeliveredMessage,
    HistoryRow,
    Statement,
    StatementDay,
    StatementProject,
    UpdateView,
)
from bot.core.reports import BASELINE_DATES
from bot.core.timeline import day_bounds, local_date, project_pauses
from bot.core.updates import update_view
from bot.core.words import HoursKind, TargetType
from bot.db.models import (
    Assignment,
    AvailabilityAnswer,
    Client,
    Contractor,
    HoursEntry,
    OutboxMessage,
    Project,
    ProjectUpdate,
    StatusChange,
)

DEFAULT_DAYS = 90
# Outbox keys that name the project a message is about: `change:ID:…`, `update:ID:…`, and
# `reminder:CODE:…`, `checkin:CODE:…`.
_BY_ROW = re.compile(r"(change|update):([0-9]+):")
_BY_CODE = re.compile(r"(reminder|checkin|nudge):([A-Z0-9][A-Z0-9-]{1,31}):")
CSV_COLUMNS = (
    "contractor",
    "project",
    "client",
    "date",
    "worked_minutes",
    "blocked_minutes",
    "available",
    "currency",
    "worked_amount",
    "blocked_amount",
    "estimated_lost_amount",
)


def period(
    first: date | None, last: date | None, *, today: date, days: int = DEFAULT_DAYS
) -> tuple[date, date]:
    """The period a statement covers: as given; without an end, up to today; without a start,
    the 90 days up to its end."""
    last = last or today
    first = first or last - timedelta(days=days - 1)
    if first > last:
        raise InvalidInput(
            f"{first.isoformat()} is after {last.isoformat()}; give the earlier date first.",
            field="first",
        )
    if last > today:
        raise InvalidInput(
            f"{last.isoformat()} is in the future; a statement ends today at the latest.",
            field="last",
        )
    return first, last


def canonical(body: Any) -> bytes:
    """Canonical JSON: sorted keys, no spaces, UTF-8."""
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def digest_of(statement: Statement) -> str:
    """The SHA-256 (hex) of the canonical JSON of everything in a statement but its digest."""
    body = statement.to_json()
    del body["digest"]
    return hashlib.sha256(canonical(body)).hexdigest()


def file_stem(statement: Statement) -> str:
    """`pausebot-statement-NAME-FROM-TO`: named after the person and the period."""
    name = re.sub(r"[\W_]+", "-", statement.contractor).strip("-")[:60] or "contractor"
    return f"pausebot-statement-{name}-{statement.first.isoformat()}-{statement.last.isoformat()}"


async def _project_ids(
    db: AsyncSession, contractor_id: int, first: date, last: date, start: datetime, end: datetime
) -> list[int]:
    """The projects of a contractor in a period: assigned at some moment, or with their hours
    or answers on its dates."""
    assigned = select(Assignment.project_id).where(
        Assignment.contractor_id == contractor_id,
        Assignment.since < end,
        or_(Assignment.until.is_(None), Assignment.until > start),
    )
    logged = select(HoursEntry.project_id).where(
        HoursEntry.contractor_id == contractor_id,
        HoursEntry.work_date.between(first, last),
        HoursEntry.deleted_at.is_(None),
    )
    answered = select(AvailabilityAnswer.project_id).where(
        AvailabilityAnswer.contractor_id == contractor_id,
        AvailabilityAnswer.work_date.between(first, last),
    )
    rows = await db.execute(assigned.union(logged, answered))
    return sorted(set(rows.scalars()))


async def _changes(
    db: AsyncSession, ids: list[int], start: datetime, end: datetime
) -> dict[int, list[HistoryRow]]:
    """State changes made in the period, oldest first, per project."""
    rows = await db.execute(
        select(StatusChange, Contractor.display_name)
        .outerjoin(Contractor, Contractor.id == StatusChange.actor_id)
        .where(StatusChange.project_id.in_(ids), StatusChange.at >= start, StatusChange.at < end)
        .order_by(StatusChange.at, StatusChange.id)
    )
    found: dict[int, list[HistoryRow]] = defaultdict(list)
    for change, name in rows:
        found[change.project_id].append(
            HistoryRow(
                at=change.at,
                from_state=change.from_state,
                to_state=change.to_state,
                by=name,
                reason=change.reason,
            )
        )
    return found


async def _updates(
    db: AsyncSession, ids: list[int], start: datetime, end: datetime
) -> dict[int, list[UpdateView]]:
    """Updates posted in the period (changed reasons and expected resumes too), oldest first."""
    rows = await db.execute(
        select(ProjectUpdate, Contractor.display_name)
        .outerjoin(Contractor, Contractor.id == ProjectUpdate.actor_id)
        .where(ProjectUpdate.project_id.in_(ids), ProjectUpdate.at >= start, ProjectUpdate.at < end)
        .order_by(ProjectUpdate.at, ProjectUpdate.id)
    )
    found: dict[int, list[UpdateView]] = defaultdict(list)
    for update, name in rows:
        found[update.project_id].append(update_view(update, name))
    return found


async def _messages(
    db: AsyncSession,
    *,
    identities: Iterable[str],
    codes: dict[int, str],
    start: datetime,
    end: datetime,
) -> dict[int, list[DeliveredMessage]]:
    """Messages the outbox delivered to the person's identities in the period, per project."""
    pairs = [key.split(":", 1) for key in identities]
    if not pairs:
        return {}
    to_person = or_(
        *(
            and_(OutboxMessage.platform == platform, OutboxMessage.target == target)
            for platform, target in pairs
        )
    )
    rows = list(
        (
            await db.execute(
                select(OutboxMessage)
                .where(
                    OutboxMessage.state == "sent",
                    OutboxMessage.target_type == TargetType.USER,
                    OutboxMessage.sent_at >= start,
                    OutboxMessage.sent_at < end,
                    to_person,
                )
                .order_by(OutboxMessage.sent_at, OutboxMessage.id)
            )
        ).scalars()
    )
    by_code = {code: project_id for project_id, code in codes.items()}
    change_ids, update_ids = set(), set()
    for row in rows:
        if match := _BY_ROW.match(row.dedupe_key):
            (change_ids if match[1] == "change" else update_ids).add(int(match[2]))
    owners = {}
    for model, wanted, prefix in (
        (StatusChange, change_ids, "change"),
        (ProjectUpdate, update_ids, "update"),
    ):
        if wanted:
            found = await db.execute(
                select(model.id, model.project_id).where(model.id.in_(sorted(wanted)))
            )
            owners |= {(prefix, row_id): project_id for row_id, project_id in found}
    delivered: dict[int, list[DeliveredMessage]] = defaultdict(list)
    for row in rows:
        if match := _BY_ROW.match(row.dedupe_key):
            project_id = owners.get((match[1], int(match[2])))
        elif match := _BY_CODE.match(row.dedupe_key):
            project_id = by_code.get(match[2])
        else:
            project_id = None
        if project_id not in codes:
            continue
        payload = row.payload or {}
        delivered[project_id].append(
            DeliveredMessage(
                sent_at=row.sent_at,
                kind=row.kind,
                identity=f"{row.platform}:{row.target}",
                title=str(payload.get("title") or ""),
                text=str(payload.get("text") or ""),
            )
        )
    return delivered


async def _answers(
    db: AsyncSession, contractor_id: int, first: date, last: date
) -> dict[tuple[int, date], bool]:
    """The answer that counts (the last given) per project and date."""
    rows = await db.execute(
        select(
            AvailabilityAnswer.project_id,
            AvailabilityAnswer.work_date,
            AvailabilityAnswer.available,
        )
        .where(
            AvailabilityAnswer.contractor_id == contractor_id,
            AvailabilityAnswer.work_date.between(first, last),
        )
        .order_by(AvailabilityAnswer.answered_at, AvailabilityAnswer.id)
    )
    return {(project_id, day): bool(available) for project_id, day, available in rows}


async def _minutes(
    db: AsyncSession, contractor_id: int, first: date, last: date
) -> dict[tuple[int, date], dict[str, int]]:
    """Live worked and blocked minutes per project and date."""
    rows = await db.execute(
        select(
            HoursEntry.project_id,
            HoursEntry.work_date,
            HoursEntry.kind,
            func.sum(HoursEntry.minutes),
        )
        .where(
            HoursEntry.contractor_id == contractor_id,
            HoursEntry.work_date.between(first, last),
            HoursEntry.deleted_at.is_(None),
        )
        .group_by(HoursEntry.project_id, HoursEntry.work_date, HoursEntry.kind)
    )
    found: dict[tuple[int, date], dict[str, int]] = defaultdict(lambda: dict.fromkeys(HoursKind, 0))
    for project_id, day, kind, minutes in rows:
        found[(project_id, day)][HoursKind(kind)] = int(minutes)
    return found


async def _estimated_lost(
    db: AsyncSession,
    *,
    contractor_id: int,
    ids: list[int],
    book: rates.RateBook,
    zone: ZoneInfo,
    first: date,
    last: date,
    tallies: dict[int, Tally],
) -> None:
    """Price the person's estimated lost minutes on each pause's whole dates in the period (as
    the impact report does, for this one person) into each project's tally.

    A pause still going is taken to the end of the period, so the figure does not change with
    the moment the statement is made.
    """
    if not any(project_id in book.projects for project_id in ids):
        return
    as_of = day_bounds(last, zone)[1]
    periods = await db.execute(
        select(Assignment.project_id, Assignment.since, Assignment.until).where(
            Assignment.contractor_id == contractor_id, Assignment.project_id.in_(ids)
        )
    )
    assigned: dict[int, list[tuple[datetime, datetime | None]]] = defaultdict(list)
    for project_id, since, until in periods:
        assigned[project_id].append((since, until))
    for pause in await project_pauses(db, ids):
        if pause.project_id not in book.projects or pause.start >= as_of:
            continue
        if not any(pause.overlaps(since, until) for since, until in assigned[pause.project_id]):
            continue
        whole = [d for d in pause.whole_dates(zone, as_of) if first <= d <= last]
        if not whole:
            continue
        began = local_date(pause.start, zone)
        baseline = await db.scalar(
            select(func.coalesce(func.sum(HoursEntry.minutes), 0)).where(
                HoursEntry.contractor_id == contractor_id,
                HoursEntry.project_id == pause.project_id,
                HoursEntry.kind == HoursKind.WORKED,
                HoursEntry.deleted_at.is_(None),
                HoursEntry.work_date >= began - timedelta(days=BASELINE_DATES),
                HoursEntry.work_date < began,
            )
        )
        rates.add_lost(
            tallies[pause.project_id],
            book,
            project_id=pause.project_id,
            lost={contractor_id: Fraction(int(baseline or 0) * len(whole), BASELINE_DATES)},
            began=began,
        )


async def statement(
    db: AsyncSession, *, contractor: Contractor, first: date, last: date, zone: ZoneInfo
) -> Statement:
    """A contractor's statement over a period of their local dates, with its digest."""
    start, end = day_bounds(first, zone)[0], day_bounds(last, zone)[1]
    contractor_id = contractor.id
    identities = [str(key) for key in await identity_keys(db, contractor_id)]
    ids = await _project_ids(db, contractor_id, first, last, start, end)
    projects = {
        project_id: (code, client)
        for project_id, code, client in await db.execute(
            select(Project.id, Project.code, Client.name)
            .join(Client, Client.id == Project.client_id)
            .where(Project.id.in_(ids))
        )
    }
    codes = {project_id: code for project_id, (code, _client) in projects.items()}
    changes = await _changes(db, ids, start, end)
    updates = await _updates(db, ids, start, end)
    messages = await _messages(db, identities=identities, codes=codes, start=start, end=end)
    minutes = await _minutes(db, contractor_id, first, last)
    answers = await _answers(db, contractor_id, first, last)
    book = await rates.rate_book(db, ids, contractor_id=contractor_id)
    tallies: dict[int, Tally] = defaultdict(Tally)
    days: dict[int, list[StatementDay]] = defaultdict(list)
    for project_id, day in sorted(set(minutes) | set(answers), key=lambda key: (key[1], key[0])):
        spent = minutes.get((project_id, day)) or dict.fromkeys(HoursKind, 0)
        day_tally = Tally()
        found = book.rate(project_id, contractor_id, day)
        if found is not None:
            for kind, count in spent.items():
                if count:
                    day_tally.add(found.currency, kind, price(count, found.amount))
        tallies[project_id].merge(day_tally)
        days[project_id].append(
            StatementDay(
                day=day,
                worked_minutes=spent[HoursKind.WORKED],
                blocked_minutes=spent[HoursKind.BLOCKED],
                available=answers.get((project_id, day)),
                amounts=rates.amounts(day_tally),
            )
        )
    await _estimated_lost(
        db,
        contractor_id=contractor_id,
        ids=ids,
        book=book,
        zone=zone,
        first=first,
        last=last,
        tallies=tallies,
    )
    made = Statement(
        contractor=contractor.display_name,
        identities=tuple(identities),
        first=first,
        last=last,
        projects=tuple(
            StatementProject(
                project=code,
                client=client,
                changes=tuple(changes[project_id]),
                updates=tuple(updates[project_id]),
                messages=tuple(messages.get(project_id, ())),
                days=tuple(days[project_id]),
                worked_minutes=sum(day.worked_minutes for day in days[project_id]),
                blocked_minutes=sum(day.blocked_minutes for day in days[project_id]),
                amounts=rates.amounts(tallies[project_id]),
            )
            for project_id, (code, client) in sorted(projects.items(), key=lambda p: p[1][0])
        ),
    )
    return made.model_copy(update={"digest": digest_of(made)})


def totals(statement: Statement) -> tuple[int, int, dict[str, dict[str, str]]]:
    """Worked and blocked minutes over every project, and the amounts by currency as written.

    Each project's written amounts are summed (they are what the statement shows)."""
    worked = sum(project.worked_minutes for project in statement.projects)
    blocked = sum(project.blocked_minutes for project in statement.projects)
    summed: dict[str, dict[str, Any]] = defaultdict(lambda: defaultdict(int))
    for project in statement.projects:
        for currency, amounts in project.amounts.items():
            for what, value in amounts.model_dump().items():
                summed[currency][what] += value
    written = {
        currency: {what: f"{rounded(value):f}" for what, value in items.items()}
        for currency, items in sorted(summed.items())
    }
    return worked, blocked, written


def statement_csv(statement: Statement) -> str:
    """The statement's dates as CSV rows (a row per project and date, and per currency), then a
    total row per project; cells a spreadsheet would read as formulas are made safe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    who = statement.contractor
    for project in statement.projects:
        head = (who, project.project, project.client)
        for day in project.days:
            answer = "" if day.available is None else ("yes" if day.available else "no")
            common = (*head, day.day.isoformat(), day.worked_minutes, day.blocked_minutes, answer)
            priced = day.amounts.items() or [("", None)]
            for currency, amounts in priced:
                money = (
                    (f"{amounts.worked:f}", f"{amounts.blocked:f}", "")
                    if amounts is not None
                    else ("", "", "")
                )
                writer.writerow([csv_cell(cell) for cell in (*common, currency, *money)])
        minutes = (project.worked_minutes, project.blocked_minutes, "")
        for currency, amounts in project.amounts.items() or [("", None)]:
            money = (
                (f"{amounts.worked:f}", f"{amounts.blocked:f}", f"{amounts.estimated_lost:f}")
                if amounts is not None
                else ("", "", "")
            )
            row = (*head, "total", *minutes, currency, *money)
            writer.writerow([csv_cell(cell) for cell in row])
    return buffer.getvalue()
