"""Contractors, their identities, roles and time zones."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import contains_eager

from bot.core.errors import InvalidInput, NotAllowed
from bot.core.parsing import MAX_MINUTES, clean_name, parse_zone
from bot.core.words import IdentityKey, Platform, Role
from bot.db.models import (
    Assignment,
    AvailabilityAnswer,
    Contractor,
    HoursEntry,
    Identity,
    Rate,
)
from bot.db.session import PLAIN_ROWS


@dataclass(frozen=True)
class Caller:
    """Who sent a command: a platform identity, with what the platform says about them."""

    platform: Platform
    external_id: str
    display_name: str | None = None
    tz: str | None = None

    @property
    def key(self) -> IdentityKey:
        """The caller's identity."""
        return IdentityKey(Platform(self.platform), self.external_id)


@dataclass(frozen=True)
class CallerRow:
    """The caller's contractor as resolved, read as columns: commands that change or record
    something about the caller load the ORM object with `Context.contractor()`."""

    id: int
    display_name: str
    tz: str | None
    role: str


@dataclass(frozen=True)
class Person:
    """A resolved caller: the contractor, their effective role and local time zone."""

    contractor: CallerRow
    identity: IdentityKey
    role: Role
    zone: ZoneInfo

    def today(self, now: datetime) -> date:
        """The caller's local date at `now`."""
        return now.astimezone(self.zone).date()

    def has(self, role: Role) -> bool:
        """Whether the caller's role includes `role`."""
        return self.role.includes(role)

    def require(self, role: Role) -> None:
        """Refuse unless the caller's role includes `role`."""
        if not self.has(role):
            who = "admins" if role is Role.ADMIN else "ops staff and admins"
            raise NotAllowed(f"Only {who} can do that; type /help to see your commands.")


IDENTITY_WITH_CONTRACTOR = (
    select(Identity)
    .join(Identity.contractor)
    .options(contains_eager(Identity.contractor))
    .where(
        Identity.platform == bindparam("platform"),
        Identity.external_id == bindparam("external_id"),
    )
)
# The caller's contractor and identity as columns (no ORM objects: the hot path). The contractor
# row stays locked to the end of the command, so one person's commands run one at a time (the
# 24 h cap relies on it). SQLite's BEGIN IMMEDIATE does the same.
CALLER = (
    select(
        Contractor.id,
        Contractor.display_name,
        Contractor.tz,
        Contractor.role,
        Identity.id.label("identity_id"),
        Identity.display_name.label("identity_name"),
    )
    .join(Identity, Identity.contractor_id == Contractor.id)
    .where(
        Identity.platform == bindparam("platform"),
        Identity.external_id == bindparam("external_id"),
    )
    .with_for_update(key_share=True, of=Contractor)
    .execution_options(**PLAIN_ROWS)
)


async def find_identity(db: AsyncSession, key: IdentityKey) -> Identity | None:
    """The identity with its contractor, if pausebot has seen it."""
    params = {"platform": key.platform, "external_id": key.external_id}
    return (await db.execute(IDENTITY_WITH_CONTRACTOR, params)).scalar_one_or_none()


async def ensure_identity(
    db: AsyncSession,
    *,
    platform: str,
    external_id: str,
    now: datetime,
    name: str | None = None,
    tz: str | None = None,
) -> Identity:
    """The identity `platform:external_id`, created with a new contractor if unseen."""
    params = {"platform": platform, "external_id": external_id}
    identity = (await db.execute(IDENTITY_WITH_CONTRACTOR, params)).scalar_one_or_none()
    if identity is not None:
        return identity
    try:
        async with db.begin_nested():
            contractor = Contractor(
                display_name=name or external_id, tz=tz, role=Role.CONTRACTOR, created_at=now
            )
            db.add(contractor)
            await db.flush()
            identity = Identity(
                platform=platform,
                external_id=external_id,
                display_name=name,
                contractor=contractor,
                created_at=now,
            )
            db.add(identity)
            await db.flush()
    except IntegrityError:
        identity = (await db.execute(IDENTITY_WITH_CONTRACTOR, params)).scalar_one()
    return identity


async def resolve(
    db: AsyncSession,
    caller: Caller,
    *,
    now: datetime,
    admins: list[IdentityKey],
    default_tz: str,
) -> Person:
    """The Person behind a caller, creating them on first sight and refreshing their name."""
    key, name = caller.key, clean_name(caller.display_name)
    zone_given = caller.tz if caller.tz and known_zone(caller.tz) else None
    params = {"platform": key.platform, "external_id": key.external_id}
    row = (await db.execute(CALLER, params)).first()
    if row is None:
        await ensure_identity(
            db,
            platform=key.platform,
            external_id=key.external_id,
            now=now,
            name=name,
            tz=zone_given,
        )
        row = (await db.execute(CALLER, params)).one()
    contractor_id, display_name, tz, role, identity_id, identity_name = row
    changes: dict[str, str] = {}
    if name and identity_name != name:
        if display_name in (key.external_id, identity_name, None):
            changes["display_name"] = name
        rename = update(Identity).where(Identity.id == identity_id).values(display_name=name)
        await db.execute(rename)
    if zone_given and not tz:
        changes["tz"] = zone_given
    if changes:
        await db.execute(update(Contractor).where(Contractor.id == contractor_id).values(changes))
    contractor = CallerRow(
        id=contractor_id,
        display_name=changes.get("display_name", display_name),
        tz=changes.get("tz", tz),
        role=role,
    )
    return Person(
        contractor=contractor,
        identity=key,
        role=Role.ADMIN if key in admins else Role(role),
        zone=ZoneInfo(contractor.tz or default_tz),
    )


def known_zone(name: str) -> bool:
    """Whether a time zone a platform reported is one pausebot can use."""
    try:
        parse_zone(name)
    except InvalidInput:
        return False
    return True


async def identity_keys(db: AsyncSession, contractor_id: int) -> list[IdentityKey]:
    """Every identity of a contractor, oldest first."""
    rows = await db.execute(
        select(Identity.platform, Identity.external_id)
        .where(Identity.contractor_id == contractor_id)
        .order_by(Identity.id)
    )
    return [IdentityKey(Platform(platform), external_id) for platform, external_id in rows]


async def set_role(
    db: AsyncSession,
    *,
    contractor: Contractor,
    role: Role,
    actor: Contractor,
    admins: list[IdentityKey],
) -> None:
    """Give a contractor a role; a bootstrap admin's comes from settings, and the last admin
    keeps theirs."""
    keys = await identity_keys(db, contractor.id)
    if any(key in admins for key in keys):
        raise InvalidInput(
            f"{contractor.display_name} is an admin through PAUSEBOT_ADMINS; "
            "change that setting to change their role."
        )
    if contractor.id == actor.id and role is not Role.ADMIN and not admins:
        others = await db.execute(
            select(Contractor.id)
            .where(Contractor.role == Role.ADMIN, Contractor.id != actor.id)
            .limit(1)
        )
        if others.first() is None:
            raise InvalidInput(
                "You are the last admin; make someone else admin before you change your own role."
            )
    contractor.role = role


async def set_zone(db: AsyncSession, *, contractor: Contractor, zone: str) -> None:
    """Set a contractor's time zone."""
    contractor.tz = zone


async def link(db: AsyncSession, *, contractors: list[Contractor], now: datetime) -> Contractor:
    """Merge contractors into the first: identities, hours and assignments move, roles join."""
    keep, others = contractors[0], contractors[1:]
    other_ids = [other.id for other in others if other.id != keep.id]
    if not other_ids:
        raise InvalidInput(
            "Those identities are already one contractor; name at least two different people."
        )
    await _refuse_days_over_cap(db, [keep.id, *other_ids])
    for other in others:
        if Role(other.role).rank > Role(keep.role).rank:
            keep.role = other.role
        keep.tz = keep.tz or other.tz
    for model in (Identity, HoursEntry, Assignment, Rate, AvailabilityAnswer):
        await db.execute(
            update(model).where(model.contractor_id.in_(other_ids)).values(contractor_id=keep.id)
        )
    await _close_duplicate_assignments(db, contractor_id=keep.id, now=now)
    return keep


async def _refuse_days_over_cap(db: AsyncSession, contractor_ids: list[int]) -> None:
    """Refuse a merge that would put more than 24 h on a date, naming those dates."""
    rows = await db.execute(
        select(HoursEntry.work_date)
        .where(HoursEntry.contractor_id.in_(contractor_ids), HoursEntry.deleted_at.is_(None))
        .group_by(HoursEntry.work_date)
        .having(func.sum(HoursEntry.minutes) > MAX_MINUTES)
        .order_by(HoursEntry.work_date)
    )
    days = [day.isoformat() for day in rows.scalars()]
    if days:
        raise InvalidInput(
            f"Linking them would put more than 24h on {', '.join(days)}; "
            "delete or edit entries on those dates first."
        )


async def _close_duplicate_assignments(db: AsyncSession, *, contractor_id: int, now: datetime):
    """After a merge, keep one open assignment per project (the earliest)."""
    open_rows = (
        await db.execute(
            select(Assignment)
            .where(Assignment.contractor_id == contractor_id, Assignment.until.is_(None))
            .order_by(Assignment.project_id, Assignment.since, Assignment.id)
        )
    ).scalars()
    seen: set[int] = set()
    for assignment in open_rows:
        if assignment.project_id in seen:
            assignment.until = max(now, assignment.since)
        seen.add(assignment.project_id)
