"""Audiences: the groups platforms keep (Slack user groups and channels, Discord roles), who is
in them, and assignments made from them in bulk (by hand, by a sync, or from an import).

The core reads no platform: an `Audience` (one per platform, implemented by the adapters and
given to the command layer by the composition root) lists a group's members. Looking members
up can take minutes on a large group, so it never happens inside a database transaction: a
handler that needs members it has not got raises `MembersNeeded`, the command layer rolls the
transaction back, looks the groups up, and runs the command again with what it found.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol, TypeVar

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.errors import InvalidInput, PausebotError
from bot.core.parsing import clean_name, shown
from bot.core.readmodels import (
    AssignCounts,
    GroupView,
    SyncCounts,
    UnassignCounts,
)
from bot.core.words import IdentityKey, Platform, ProjectState, Role
from bot.db.models import Assignment, AudienceSync, Contractor, Identity, Project

log = logging.getLogger(__name__)

# Rows per statement when a list of ids goes into `IN (…)`: well below SQLite's and
# PostgreSQL's limits on bound parameters.
CHUNK = 2000
T = TypeVar("T")


class GroupKind(StrEnum):
    """What kind of group a platform keeps."""

    USERGROUP = "usergroup"  # a Slack user group (S…)
    CHANNEL = "channel"  # the members of a Slack channel (C… or G…)
    ROLE = "role"  # a Discord role


@dataclass(frozen=True, order=True)
class GroupKey:
    """A group, written `@slack:S0123`, `#slack:C0123` or `@discord-role:1234`."""

    platform: Platform
    kind: GroupKind
    external_id: str

    def __str__(self) -> str:
        if self.kind is GroupKind.CHANNEL:
            return f"#{self.platform}:{self.external_id}"
        if self.kind is GroupKind.ROLE:
            return f"@{self.platform}-role:{self.external_id}"
        return f"@{self.platform}:{self.external_id}"


@dataclass(frozen=True)
class GroupRef:
    """A group named in a command: its key, the name the mention carried, and for a Discord
    role the server it belongs to when the platform said so."""

    key: GroupKey
    label: str | None = None
    scope: str | None = None

    def __str__(self) -> str:
        return str(self.key)

    @property
    def shown(self) -> str:
        """The group as a reply names it: `@labelers (@slack:S0123)`, or just the key."""
        return f"{self.label} ({self.key})" if self.label else str(self.key)


_SLACK_GROUP = r"S[A-Z0-9]{1,63}"
_SLACK_CHANNEL = r"[CG][A-Z0-9]{1,63}"
_ROLE_ID = r"[0-9]{1,20}"
# Written out in full, they name a group on any platform.
_WRITTEN = (
    (re.compile(rf"@slack:({_SLACK_GROUP})"), Platform.SLACK, GroupKind.USERGROUP),
    (re.compile(rf"#slack:({_SLACK_CHANNEL})"), Platform.SLACK, GroupKind.CHANNEL),
    (re.compile(rf"@discord-role:({_ROLE_ID})"), Platform.DISCORD, GroupKind.ROLE),
)
# A platform's own mentions name a group there.
_MENTIONS = {
    Platform.SLACK: (
        (re.compile(rf"<!subteam\^({_SLACK_GROUP})(?:\|([^>]*))?>"), GroupKind.USERGROUP),
        (re.compile(rf"<#({_SLACK_CHANNEL})(?:\|([^>]*))?>"), GroupKind.CHANNEL),
    ),
    Platform.DISCORD: ((re.compile(rf"<@&({_ROLE_ID})>"), GroupKind.ROLE),),
    Platform.CONSOLE: (),
}
# Anything shaped like a group anywhere, to refuse it where only a person may stand.
_GROUP_LIKE = re.compile(
    r"<!subteam\^[^>]*>|<@&[0-9]*>|@slack:S[A-Za-z0-9]*|#slack:\S*|@discord-role:\S*|<#[^>]*>"
)
GROUP_FORMS = "a Slack user group (@slack:S0123), a Slack channel (#slack:C0123) or a Discord role"
OFF = "off"


def parse_group(text: str, platform: Platform) -> GroupRef | None:
    """A group in a people position: written out in full, or as the platform's mention."""
    raw = text.strip()
    for pattern, where, kind in _WRITTEN:
        if match := pattern.fullmatch(raw):
            return GroupRef(GroupKey(where, kind, match.group(1)))
    for pattern, kind in _MENTIONS[Platform(platform)]:
        if match := pattern.fullmatch(raw):
            label = clean_name(match.group(2)) if match.lastindex == 2 else None
            if label and kind is GroupKind.CHANNEL and not label.startswith("#"):
                label = "#" + label
            return GroupRef(GroupKey(Platform(platform), kind, match.group(1)), label=label)
    return None


def looks_like_group(text: str) -> bool:
    """Whether text is written like a group (well formed or not)."""
    return _GROUP_LIKE.fullmatch(text.strip()) is not None


def read_group(text: str, platform: Platform) -> GroupRef:
    """A group, or a sentence saying what a group looks like."""
    found = parse_group(text, platform)
    if found is None:
        raise InvalidInput(f"{shown(text)} is not a group; name {GROUP_FORMS}.")
    return found


# ---------------------------------------------------------------------------------------------
# Members, as a platform lists them


@dataclass(frozen=True)
class Member:
    """One person in a group, with the name the platform shows for them."""

    key: IdentityKey
    name: str | None = None


@dataclass(frozen=True)
class Members:
    """Who is in a group now: its people, and the accounts left out (bots, deactivated)."""

    group: GroupRef
    people: tuple[Member, ...]
    label: str | None = None
    bots: frozenset[str] = frozenset()
    deactivated: frozenset[str] = frozenset()

    def view(self) -> GroupView:
        """The group as a reply counts it."""
        return GroupView(
            group=str(self.group.key),
            name=self.label or self.group.label,
            members=len(self.people),
            skipped_bots=len(self.bots),
            skipped_deactivated=len(self.deactivated),
        )


@dataclass(frozen=True)
class Unread:
    """A group whose members could not be read, and the sentence that says why."""

    group: GroupRef
    reason: str


Lookup = Members | Unread
# Told how many members of a group have been read so far (for progress on slow lookups).
Progress = Callable[[GroupRef, int], Awaitable[None]]
# Set by an adapter around a command to hear how its slow lookups go (Slack: response_url).
PROGRESS: ContextVar[Progress | None] = ContextVar("pausebot_lookup_progress", default=None)


class Audience(Protocol):
    """Lists the members of groups one platform keeps (bots, deactivated accounts and pausebot
    itself left out); raises a PausebotError whose message is one sentence when it cannot."""

    async def members(self, group: GroupRef, progress: Progress | None = None) -> Members:
        """The group's current members."""
        ...


class PlatformAudiences:
    """One Audience per connected platform, chosen by the group's platform."""

    def __init__(self, audiences: dict[Platform, Audience] | None = None) -> None:
        self.audiences: dict[Platform, Audience] = dict(audiences or {})

    def add(self, platform: Platform, audience: Audience) -> None:
        """Read this platform's groups with this Audience from now on."""
        self.audiences[Platform(platform)] = audience

    async def members(self, group: GroupRef, progress: Progress | None = None) -> Members:
        """The group's members, from its platform's Audience."""
        audience = self.audiences.get(group.key.platform)
        if audience is None:
            name = group.key.platform.capitalize()
            raise InvalidInput(
                f"pausebot is not connected to {name} here, so it cannot read who is in "
                f"{group.shown}; name people one by one."
            )
        return await audience.members(group, progress)


class MembersNeeded(Exception):
    """A command needs these groups' members: look them up outside the transaction, then run
    the command again."""

    def __init__(self, groups: Sequence[GroupRef]) -> None:
        super().__init__(", ".join(str(group) for group in groups))
        self.groups = tuple(groups)


NO_AUDIENCE = (
    "The console cannot read who is in {group}; name people one by one (like @alice), "
    "or name the group on Slack or Discord."
)


@dataclass
class Lookups:
    """The groups a command run has looked up, and whether it can look groups up at all."""

    found: dict[GroupKey, Lookup] = field(default_factory=dict)
    available: bool = False

    def get(self, groups: Sequence[GroupRef], *, required: bool = True) -> list[Lookup]:
        """The members of each group, or `MembersNeeded` for those not yet looked up.

        `required` refuses the command when a group cannot be read; otherwise an `Unread`
        stands for it (a pause goes out even when Slack is down).
        """
        if not groups:
            return []
        if not self.available:
            if required:
                raise InvalidInput(NO_AUDIENCE.format(group=groups[0].shown))
            return [Unread(group, NO_AUDIENCE.format(group=group.shown)) for group in groups]
        missing = [group for group in groups if group.key not in self.found]
        if missing:
            raise MembersNeeded(missing)
        results = [self.found[group.key] for group in groups]
        if required:
            for result in results:
                if isinstance(result, Unread):
                    raise InvalidInput(result.reason)
        return results


async def look_up(
    audience: Audience, groups: Iterable[GroupRef], progress: Progress | None = None
) -> dict[GroupKey, Lookup]:
    """Each group's members, or why they could not be read; never raises."""
    found: dict[GroupKey, Lookup] = {}
    for group in groups:
        if group.key in found:
            continue
        try:
            found[group.key] = await audience.members(group, progress)
        except PausebotError as exc:
            found[group.key] = Unread(group, exc.message)
        except Exception:
            log.exception("reading the members of %s failed", group.key)
            found[group.key] = Unread(
                group, f"pausebot could not read who is in {group.shown}; try again in a moment."
            )
    return found


# ---------------------------------------------------------------------------------------------
# Bulk assignments


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    """The items in slices of at most `size`."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def dialect_insert(db: AsyncSession, model: type) -> Any:
    """An INSERT of the session's dialect, so ON CONFLICT can be said on both engines."""
    name = db.get_bind().dialect.name
    return (postgresql_insert if name == "postgresql" else sqlite_insert)(model)


async def identity_owners(db: AsyncSession, keys: Sequence[IdentityKey]) -> dict[IdentityKey, int]:
    """The contractor of every identity pausebot knows among these keys."""
    owners: dict[IdentityKey, int] = {}
    by_platform: dict[Platform, list[str]] = {}
    for key in keys:
        by_platform.setdefault(key.platform, []).append(key.external_id)
    for platform, ids in by_platform.items():
        for part in chunks(list(dict.fromkeys(ids))):
            rows = await db.execute(
                select(Identity.external_id, Identity.contractor_id).where(
                    Identity.platform == platform, Identity.external_id.in_(part)
                )
            )
            for external_id, contractor_id in rows:
                owners[IdentityKey(platform, external_id)] = contractor_id
    return owners


@dataclass(frozen=True)
class Owners:
    """The contractor of each person, and how many pausebot met for the first time."""

    ids: dict[IdentityKey, int]
    new: int


async def ensure_people(db: AsyncSession, people: Sequence[Member], *, now: datetime) -> Owners:
    """The contractor of every person, creating the unseen ones in bulk.

    New contractors are inserted in one statement (their ids returned in order), then their
    identities in one more; an identity another process created meanwhile wins, and the
    contractor made for it here is removed again.
    """
    unique = list({member.key: member for member in people}.values())
    owners = await identity_owners(db, [member.key for member in unique])
    unseen = [member for member in unique if member.key not in owners]
    if not unseen:
        return Owners(owners, 0)
    rows = [
        {
            "display_name": member.name or member.key.external_id,
            "role": Role.CONTRACTOR,
            "created_at": now,
        }
        for member in unseen
    ]
    made = await insert_contractors(db, rows)
    created = dict(zip([member.key for member in unseen], made, strict=True))
    statement = dialect_insert(db, Identity).on_conflict_do_nothing(
        index_elements=["platform", "external_id"]
    )
    await db.execute(
        statement,
        [
            {
                "platform": member.key.platform,
                "external_id": member.key.external_id,
                "display_name": member.name,
                "contractor_id": created[member.key],
                "created_at": now,
            }
            for member in unseen
        ],
    )
    actual = await identity_owners(db, list(created))
    lost = [cid for key, cid in created.items() if actual.get(key) != cid]
    for part in chunks(lost):
        await db.execute(delete(Contractor).where(Contractor.id.in_(part)))
    owners.update(actual)
    return Owners(owners, len(created) - len(lost))


async def insert_contractors(db: AsyncSession, rows: list[dict[str, Any]]) -> list[int]:
    """Insert contractors in batches and return their ids in the order of the rows.

    PostgreSQL returns them in order from one batched INSERT … RETURNING. SQLite would send
    one INSERT per row for that, so there the ids are counted on from the largest one: this
    transaction holds SQLite's one write lock (BEGIN IMMEDIATE), and SQLite gives each new row
    the id after the largest, in order.
    """
    if db.get_bind().dialect.name != "sqlite":
        returning = insert(Contractor).returning(Contractor.id, sort_by_parameter_order=True)
        return list((await db.execute(returning, rows)).scalars())
    start = (await db.execute(select(func.max(Contractor.id)))).scalar() or 0
    await db.execute(insert(Contractor), rows)
    ids = list((await db.execute(select(Contractor.id).where(Contractor.id > start))).scalars())
    if sorted(ids) != list(range(start + 1, start + 1 + len(rows))):
        raise RuntimeError("new contractors did not get consecutive ids")
    return sorted(ids)


async def open_assignments(db: AsyncSession, project_id: int) -> dict[int, tuple[int, bool]]:
    """The project's open assignments: contractor id → (assignment id, made by a sync)."""
    rows = await db.execute(
        select(Assignment.contractor_id, Assignment.id, Assignment.by_sync).where(
            Assignment.project_id == project_id, Assignment.until.is_(None)
        )
    )
    return {contractor_id: (row_id, by_sync) for contractor_id, row_id, by_sync in rows}


async def add_assignments(
    db: AsyncSession,
    *,
    project_id: int,
    contractor_ids: Iterable[int],
    now: datetime,
    by_sync: bool,
) -> int:
    """Open an assignment for each contractor, in one statement; returns how many."""
    rows = [
        {"project_id": project_id, "contractor_id": cid, "since": now, "by_sync": by_sync}
        for cid in dict.fromkeys(contractor_ids)
    ]
    if rows:
        await db.execute(insert(Assignment), rows)
    return len(rows)


async def end_assignments(db: AsyncSession, assignment_ids: Sequence[int], now: datetime) -> int:
    """End these assignments now (history kept); returns how many."""
    for part in chunks(list(assignment_ids)):
        await db.execute(
            update(Assignment)
            .where(Assignment.id.in_(part), Assignment.until.is_(None))
            .values(until=now)
            .execution_options(synchronize_session=False)
        )
    return len(assignment_ids)


async def mark_by_hand(db: AsyncSession, assignment_ids: Sequence[int]) -> None:
    """These assignments were confirmed by hand: no sync will end them."""
    for part in chunks(list(assignment_ids)):
        await db.execute(
            update(Assignment)
            .where(Assignment.id.in_(part))
            .values(by_sync=False)
            .execution_options(synchronize_session=False)
        )


def everyone(found: Sequence[Members]) -> tuple[list[Member], frozenset[str], frozenset[str]]:
    """The people of several groups (each once), and the bots and deactivated accounts."""
    people = list({member.key: member for group in found for member in group.people}.values())
    bots = frozenset(f"{group.group.key.platform}:{bot}" for group in found for bot in group.bots)
    gone = frozenset(
        f"{group.group.key.platform}:{who}" for group in found for who in group.deactivated
    )
    return people, bots, gone


def refuse_closed(project: Project) -> None:
    """Nobody is assigned to a closed project."""
    if project.state == ProjectState.CLOSED:
        raise InvalidInput(f"{project.code} is closed; nobody can be assigned to it.")


@dataclass(frozen=True)
class AssignResult:
    """What an assign did: the counts, and who among the people named one by one was new."""

    counts: AssignCounts
    assigned: tuple[int, ...]
    already: tuple[int, ...]


async def assign(
    db: AsyncSession,
    *,
    project: Project,
    contractor_ids: Sequence[int],
    found: Sequence[Members],
    now: datetime,
    people: Sequence[Member] = (),
) -> AssignResult:
    """Assign contractors, the members of groups and other people (an import's) by hand, in
    bulk.

    An assignment a sync made that an admin assigns again by hand becomes a hand-made one:
    no sync will end it.
    """
    refuse_closed(project)
    members, bots, gone = everyone(found)
    owners = await ensure_people(db, [*members, *people], now=now)
    wanted = list(dict.fromkeys([*contractor_ids, *owners.ids.values()]))
    current = await open_assignments(db, project.id)
    new = [cid for cid in wanted if cid not in current]
    already = [cid for cid in wanted if cid in current]
    await add_assignments(db, project_id=project.id, contractor_ids=new, now=now, by_sync=False)
    await mark_by_hand(db, [current[cid][0] for cid in already if current[cid][1]])
    counts = AssignCounts(
        assigned=len(new),
        already=len(already),
        skipped_bots=len(bots),
        skipped_deactivated=len(gone),
        new_people=owners.new,
    )
    return AssignResult(counts=counts, assigned=tuple(new), already=tuple(already))


@dataclass(frozen=True)
class UnassignResult:
    """What an unassign did: the counts, and which contractors it took off."""

    counts: UnassignCounts
    removed: tuple[int, ...]


async def unassign(
    db: AsyncSession,
    *,
    project: Project,
    contractor_ids: Sequence[int],
    found: Sequence[Members],
    now: datetime,
) -> UnassignResult:
    """End the assignments of contractors and of the members of groups; creates nobody."""
    people, bots, gone = everyone(found)
    owners = await identity_owners(db, [member.key for member in people])
    unknown = len(people) - len(owners)
    wanted = list(dict.fromkeys([*contractor_ids, *owners.values()]))
    current = await open_assignments(db, project.id)
    removed = [cid for cid in wanted if cid in current]
    await end_assignments(db, [current[cid][0] for cid in removed], now)
    counts = UnassignCounts(
        unassigned=len(removed),
        not_assigned=len(wanted) - len(removed) + unknown,
        skipped_bots=len(bots),
        skipped_deactivated=len(gone),
    )
    return UnassignResult(counts=counts, removed=tuple(removed))


# ---------------------------------------------------------------------------------------------
# Syncs


def group_ref(row: AudienceSync) -> GroupRef:
    """The group a sync follows."""
    key = GroupKey(Platform(row.platform), GroupKind(row.kind), row.group_id)
    return GroupRef(key, label=row.label, scope=row.scope)


async def synced_groups(db: AsyncSession, project_id: int) -> list[GroupRef]:
    """The groups a project's assignments follow, in the order they were named."""
    rows = await db.execute(
        select(AudienceSync).where(AudienceSync.project_id == project_id).order_by(AudienceSync.id)
    )
    return [group_ref(row) for row in rows.scalars()]


async def projects_with_syncs(db: AsyncSession) -> dict[int, list[GroupRef]]:
    """Every project that is not closed and follows groups, with its groups."""
    rows = await db.execute(
        select(AudienceSync)
        .join(Project, Project.id == AudienceSync.project_id)
        .where(Project.state != ProjectState.CLOSED)
        .order_by(AudienceSync.project_id, AudienceSync.id)
    )
    found: dict[int, list[GroupRef]] = {}
    for row in rows.scalars():
        found.setdefault(row.project_id, []).append(group_ref(row))
    return found


async def follow(
    db: AsyncSession, *, project: Project, found: Sequence[Members], now: datetime
) -> None:
    """Make these groups the ones the project's assignments follow (replacing any others)."""
    await db.execute(delete(AudienceSync).where(AudienceSync.project_id == project.id))
    rows = [
        {
            "project_id": project.id,
            "platform": group.group.key.platform,
            "kind": group.group.key.kind,
            "group_id": group.group.key.external_id,
            "scope": group.group.scope,
            "label": (group.label or group.group.label or "")[:200] or None,
            "created_at": now,
        }
        for group in {group.group.key: group for group in found}.values()
    ]
    await db.execute(insert(AudienceSync), rows)


async def unfollow(db: AsyncSession, *, project: Project) -> list[GroupRef]:
    """Stop following groups; the assignments stay as they are. Returns the groups."""
    groups = await synced_groups(db, project.id)
    await db.execute(delete(AudienceSync).where(AudienceSync.project_id == project.id))
    return groups


async def apply_sync(
    db: AsyncSession, *, project: Project, found: Sequence[Members], now: datetime
) -> SyncCounts:
    """Make the project's assignments its hand-made ones plus the groups' members.

    Members who joined are assigned (marked as made by a sync); those made by a sync whose
    person left every group end now (history kept); hand-made assignments stay, always.
    """
    people, bots, gone = everyone(found)
    owners = await ensure_people(db, people, now=now)
    wanted = set(owners.ids.values())
    current = await open_assignments(db, project.id)
    joined = [cid for cid in dict.fromkeys(owners.ids.values()) if cid not in current]
    left = [row for cid, (row, by_sync) in current.items() if by_sync and cid not in wanted]
    await add_assignments(db, project_id=project.id, contractor_ids=joined, now=now, by_sync=True)
    await end_assignments(db, left, now)
    await db.execute(
        update(AudienceSync)
        .where(AudienceSync.project_id == project.id)
        .values(synced_at=now, last_error=None)
    )
    return SyncCounts(
        groups=tuple(group.view() for group in found),
        assigned=len(joined),
        unassigned=len(left),
        kept=len(wanted & set(current)),
        by_hand=sum(1 for _cid, (_row, by_sync) in current.items() if not by_sync),
        skipped_bots=len(bots),
        skipped_deactivated=len(gone),
        new_people=owners.new,
    )


@dataclass(frozen=True)
class Resynced:
    """A sync before an announcement or on schedule: its counts, or why it could not run."""

    counts: SyncCounts | None = None
    unread: tuple[Unread, ...] = ()


async def resync(
    db: AsyncSession, *, project: Project, results: Sequence[Lookup], now: datetime
) -> Resynced:
    """Sync a project with what its groups' lookups found; when any group could not be read,
    change nothing (a group Slack could not list is not a group everyone left) and record
    why."""
    unread = tuple(result for result in results if isinstance(result, Unread))
    if project.state == ProjectState.CLOSED or not results:
        return Resynced()
    if unread:
        await db.execute(
            update(AudienceSync)
            .where(AudienceSync.project_id == project.id)
            .values(last_error=unread[0].reason[:500])
        )
        return Resynced(unread=unread)
    found = [result for result in results if isinstance(result, Members)]
    return Resynced(counts=await apply_sync(db, project=project, found=found, now=now))
