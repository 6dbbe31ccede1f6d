"""Local dates and the paused intervals of a project, read from its status history."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.words import ProjectState
from bot.db.models import StatusChange


def day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC instants at which a local date begins and ends."""
    start = datetime.combine(day, time.min, tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)
    return start, end


def local_date(at: datetime, zone: ZoneInfo) -> date:
    """The local date of an instant."""
    return at.astimezone(zone).date()


def dates(first: date, last: date) -> Iterator[date]:
    """Every date from first to last, inclusive."""
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


@dataclass(frozen=True)
class Pause:
    """One paused interval of a project; `end` is None while it lasts."""

    project_id: int
    start: datetime
    end: datetime | None

    def overlaps(self, start: datetime, end: datetime | None) -> bool:
        """Whether this pause and [start, end) share a moment; None ends are open."""
        return (end is None or self.start < end) and (self.end is None or start < self.end)

    def touched_dates(self, zone: ZoneInfo, now: datetime) -> set[date]:
        """Local dates on which the project was paused at any moment (today, while it lasts)."""
        first = local_date(self.start, zone)
        last = local_date(self.end or now, zone)
        if self.end is not None and self.end > self.start and day_bounds(last, zone)[0] == self.end:
            last -= timedelta(days=1)
        return set(dates(first, max(first, last)))

    def whole_dates(self, zone: ZoneInfo, now: datetime) -> set[date]:
        """Local dates on which the project was paused for the whole day, up to now."""
        end = self.end or now
        return {
            day
            for day in dates(local_date(self.start, zone), local_date(end, zone))
            if self.start <= day_bounds(day, zone)[0] and day_bounds(day, zone)[1] <= end
        }


def pauses_from(changes: Iterable[StatusChange]) -> list[Pause]:
    """Paused intervals from status changes ordered by project and time."""
    pauses: list[Pause] = []
    open_start: dict[int, datetime] = {}
    for change in changes:
        started = open_start.pop(change.project_id, None)
        if started is not None:
            pauses.append(Pause(change.project_id, started, change.at))
        if change.to_state == ProjectState.PAUSED:
            open_start[change.project_id] = change.at
    pauses.extend(Pause(project_id, start, None) for project_id, start in open_start.items())
    return sorted(pauses, key=lambda pause: (pause.project_id, pause.start))


async def project_pauses(db: AsyncSession, project_ids: list[int] | None = None) -> list[Pause]:
    """Paused intervals of the given projects (all when None)."""
    query = select(StatusChange).order_by(StatusChange.project_id, StatusChange.at, StatusChange.id)
    if project_ids is not None:
        query = query.where(StatusChange.project_id.in_(project_ids))
    return pauses_from((await db.execute(query)).scalars())
