"""Outbox rows for announcements, written in the transaction of the change that causes them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core import present
from bot.core.message import Message
from bot.core.readmodels import ProjectView
from bot.core.words import IdentityKey, MessageKind, Platform, TargetType
from bot.db.models import Assignment, Identity, OutboxMessage, ProjectChannel, StatusChange


@dataclass(frozen=True)
class Recipient:
    """Where one outgoing message goes: a person's DM or a channel, on one platform."""

    platform: Platform
    target_type: TargetType
    target: str

    @classmethod
    def channel(cls, key: IdentityKey) -> Recipient:
        """A channel given as an identity such as `slack:C0123`."""
        return cls(key.platform, TargetType.CHANNEL, key.external_id)


async def assigned_people(db: AsyncSession, project_id: int) -> list[Recipient]:
    """A DM recipient for every identity of everyone assigned to the project now."""
    rows = await db.execute(
        select(Identity.platform, Identity.external_id)
        .join(Assignment, Assignment.contractor_id == Identity.contractor_id)
        .where(Assignment.project_id == project_id, Assignment.until.is_(None))
        .distinct()
    )
    return [Recipient(Platform(platform), TargetType.USER, target) for platform, target in rows]


async def project_channels(db: AsyncSession, project_id: int) -> list[Recipient]:
    """The project's own announcement channels."""
    rows = await db.execute(
        select(ProjectChannel.platform, ProjectChannel.channel_id).where(
            ProjectChannel.project_id == project_id
        )
    )
    return [Recipient(Platform(platform), TargetType.CHANNEL, target) for platform, target in rows]


async def announce(
    db: AsyncSession,
    *,
    kind: MessageKind,
    project_id: int,
    key: str,
    message: Message,
    now: datetime,
    ops_channels: list[IdentityKey],
) -> int:
    """Queue a message to everyone concerned with a project: a DM to every identity of every
    assigned contractor, a post in the project's channels and in the ops channels."""
    recipients = await assigned_people(db, project_id)
    recipients += await project_channels(db, project_id)
    recipients += [Recipient.channel(channel) for channel in ops_channels]
    return await queue(db, kind=kind, key=key, message=message, recipients=recipients, now=now)


async def queue_state_change(
    db: AsyncSession,
    *,
    project: ProjectView,
    project_id: int,
    change: StatusChange,
    now: datetime,
    ops_channels: list[IdentityKey],
) -> int:
    """Announce a pause, resume or close to everyone concerned."""
    return await announce(
        db,
        kind=MessageKind.ANNOUNCEMENT,
        project_id=project_id,
        key=f"change:{change.id}",
        message=present.announcement(project, change.reason),
        now=now,
        ops_channels=ops_channels,
    )


async def queue(
    db: AsyncSession,
    *,
    kind: MessageKind,
    key: str,
    message: Message,
    recipients: list[Recipient],
    now: datetime,
) -> int:
    """Insert one outbox row per distinct recipient; returns how many."""
    unique = list(dict.fromkeys(recipients))
    if not unique:
        return 0
    payload = message.model_dump(mode="json")
    rows = [
        {
            "kind": kind,
            "platform": recipient.platform,
            "target_type": recipient.target_type,
            "target": recipient.target,
            "payload": payload,
            "dedupe_key": f"{key}:{recipient.platform}:{recipient.target_type}:{recipient.target}",
            "state": "pending",
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }
        for recipient in unique
    ]
    await db.execute(insert(OutboxMessage), rows)
    return len(rows)
