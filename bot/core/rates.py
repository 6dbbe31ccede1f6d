"""Hourly rates kept with their history, and what hours earn at the rate in force on their date.

A rate applies from its date on, until a rate of the same kind (the project's, or one
contractor's own on the project) starts later. Setting a rate inserts a row and never changes
another, so a new rate from a date leaves every earlier date as it was. A contractor's own rate
comes before the project's; hours on a date before any rate earn no amount.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.money import Tally, price, rounded
from bot.core.readmodels import Amounts, RateSet, RateView
from bot.core.words import HoursKind
from bot.db.models import Contractor, HoursEntry, Project, Rate

ESTIMATED_LOST = "estimated_lost"
Key = tuple[int, int | None]


@dataclass(frozen=True)
class RateRow:
    """One rate as the book keeps it."""

    id: int
    project_id: int
    contractor_id: int | None
    currency: str
    amount: Decimal
    effective_from: date


class RateBook:
    """Every rate of some projects, to find the one in force on a date at once."""

    def __init__(self, rows: Iterable[RateRow]) -> None:
        grouped: dict[Key, list[RateRow]] = defaultdict(list)
        for row in rows:
            grouped[(row.project_id, row.contractor_id)].append(row)
        self._rows = {
            key: sorted(found, key=lambda row: (row.effective_from, row.id))
            for key, found in grouped.items()
        }
        self._froms = {
            key: [row.effective_from for row in found] for key, found in self._rows.items()
        }
        self.projects = frozenset(project_id for project_id, _ in self._rows)

    def own(self, key: Key, day: date) -> RateRow | None:
        """The rate of exactly this kind (project's, or one contractor's) in force on a date."""
        froms = self._froms.get(key)
        if not froms:
            return None
        index = bisect_right(froms, day)
        return self._rows[key][index - 1] if index else None

    def next_start(self, key: Key, day: date) -> date | None:
        """The first date after `day` on which a rate of this kind starts, if any."""
        froms = self._froms.get(key) or []
        later = [start for start in froms if start > day]
        return min(later) if later else None

    def rate(self, project_id: int, contractor_id: int, day: date) -> RateRow | None:
        """The rate in force for a contractor's hours on a project and date: theirs, else the
        project's, else none."""
        return self.own((project_id, contractor_id), day) or self.own((project_id, None), day)

    def __bool__(self) -> bool:
        return bool(self._rows)


def row_of(rate: Rate) -> RateRow:
    """A stored rate as the book keeps it."""
    return RateRow(
        id=rate.id,
        project_id=rate.project_id,
        contractor_id=rate.contractor_id,
        currency=rate.currency,
        amount=rate.amount,
        effective_from=rate.effective_from,
    )


async def rate_book(
    db: AsyncSession, project_ids: Iterable[int] | None = None, *, contractor_id: int | None = None
) -> RateBook:
    """The rates of some projects (all when None); for one contractor, theirs and the projects'."""
    query = select(Rate)
    if project_ids is not None:
        query = query.where(Rate.project_id.in_(list(project_ids)))
    if contractor_id is not None:
        query = query.where(or_(Rate.contractor_id.is_(None), Rate.contractor_id == contractor_id))
    return RateBook(row_of(rate) for rate in (await db.execute(query)).scalars())


async def entry_tallies(
    db: AsyncSession,
    book: RateBook,
    *,
    project_ids: Iterable[int],
    first: date | None,
    last: date | None,
) -> dict[int, Tally]:
    """What the live entries of each project earn, entry by entry at the rate in force on the
    entry's date (exact, by currency, worked and blocked apart)."""
    priced = sorted(set(project_ids) & book.projects)
    tallies: dict[int, Tally] = defaultdict(Tally)
    if not priced:
        return tallies
    query = (
        select(
            HoursEntry.project_id,
            HoursEntry.contractor_id,
            HoursEntry.work_date,
            HoursEntry.kind,
            func.sum(HoursEntry.minutes),
        )
        .where(HoursEntry.deleted_at.is_(None), HoursEntry.project_id.in_(priced))
        .group_by(
            HoursEntry.project_id, HoursEntry.contractor_id, HoursEntry.work_date, HoursEntry.kind
        )
    )
    if first is not None:
        query = query.where(HoursEntry.work_date >= first)
    if last is not None:
        query = query.where(HoursEntry.work_date <= last)
    for project_id, contractor_id, work_date, kind, minutes in await db.execute(query):
        found = book.rate(project_id, contractor_id, work_date)
        if found is not None:
            tallies[project_id].add(found.currency, kind, price(int(minutes), found.amount))
    return tallies


def add_lost(
    tally: Tally,
    book: RateBook,
    *,
    project_id: int,
    lost: dict[int, Fraction],
    began: date,
) -> None:
    """Price each contractor's estimated lost minutes at their rate on the date a pause began."""
    for contractor_id, minutes in lost.items():
        found = book.rate(project_id, contractor_id, began)
        if found is not None and minutes:
            tally.add(found.currency, ESTIMATED_LOST, price(minutes, found.amount))


def amounts(tally: Tally) -> dict[str, Amounts]:
    """A tally's figures as written, by currency: worked, blocked and estimated lost."""
    return {
        currency: Amounts(
            worked=rounded(items[HoursKind.WORKED]),
            blocked=rounded(items[HoursKind.BLOCKED]),
            estimated_lost=rounded(items[ESTIMATED_LOST]),
        )
        for currency, items in sorted(tally.sums.items())
    }


def rate_view(row: RateRow, code: str, contractor: str | None) -> RateView:
    """A rate as people see it."""
    return RateView(
        project=code,
        contractor=contractor,
        amount=row.amount,
        currency=row.currency,
        effective_from=row.effective_from,
    )


async def set_rate(
    db: AsyncSession,
    *,
    project: Project,
    contractor: Contractor | None,
    amount: Decimal,
    currency: str,
    effective_from: date,
    actor: Contractor,
    now: datetime,
) -> RateSet:
    """Record a rate from a date on (the project's, or one contractor's); earlier dates keep
    the rates they had."""
    contractor_id = contractor.id if contractor is not None else None
    book = await rate_book(db, [project.id], contractor_id=contractor_id)
    if contractor is not None:
        before = book.rate(project.id, contractor.id, effective_from)
    else:
        before = book.own((project.id, None), effective_from)
    until = book.next_start((project.id, contractor_id), effective_from)
    rate = Rate(
        project_id=project.id,
        contractor_id=contractor_id,
        currency=currency,
        amount=amount,
        effective_from=effective_from,
        actor_id=actor.id,
        created_at=now,
    )
    db.add(rate)
    await db.flush()
    name = contractor.display_name if contractor is not None else None
    replaced = None
    if before is not None:
        replaced = rate_view(before, project.code, name if before.contractor_id else None)
    return RateSet(rate=rate_view(row_of(rate), project.code, name), replaced=replaced, until=until)
