"""Outbox rows for announcements, written in the transaction of the change that causes them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.parsing import split_identity
from bot.db.models import (
    Assignment,
    Identity,
    OutboxMessage,
    Project,
    ProjectChannel,
    StatusChange,
)

HEADLINES = {
    "paused": "{code} is paused",
    "active": "{code} is active again",
    "closed": "{code} is closed",
}


def state_change_message(project: Project, change: StatusChange) -> dict[str, Any]:
    """The neutral payload announcing a state change."""
    title = HEADLINES[change.to_state].format(code=project.code)
    lines = [f"{project.client.name} · {project.title}"]
    if change.to_state == "paused":
        lines.append(f"Reason: {change.reason}")
        if change.expected_resume:
            lines.append(f"Expected to resume on {change.expected_resume.isoformat()}.")
        lines.append(
            f"Keep logging your hours with /hours log {project.code}: while the project is "
            "paused they are recorded as blocked hours, the record for compensation."
        )
    elif change.to_state == "active":
        if change.reason:
            lines.append(change.reason)
        lines.append(f"Work can go on; hours you log on {project.code} count as worked again.")
    else:
        if change.reason:
            lines.append(change.reason)
        lines.append(f"No hours can be logged on {project.code} for dates after it was closed.")
    return {
        "event": "state_change",
        "project": project.code,
        "to_state": change.to_state,
        "title": title,
        "text": "\n".join(lines),
    }


async def queue_state_change(
    db: AsyncSession,
    *,
    project: Project,
    change: StatusChange,
    now: datetime,
    ops_channels: list[str],
) -> int:
    """Queue a DM to every assigned contractor's identities and a post in every channel."""
    payload = state_change_message(project, change)
    people = await db.execute(
        select(Identity.platform, Identity.external_id)
        .join(Assignment, Assignment.contractor_id == Identity.contractor_id)
        .where(Assignment.project_id == project.id, Assignment.until.is_(None))
        .distinct()
    )
    targets = [(platform, "user", external_id) for platform, external_id in people]
    channels = await db.execute(
        select(ProjectChannel.platform, ProjectChannel.channel_id).where(
            ProjectChannel.project_id == project.id
        )
    )
    targets += [(platform, "channel", channel_id) for platform, channel_id in channels]
    for key in ops_channels:
        platform, channel_id = split_identity(key)
        targets.append((platform, "channel", channel_id))
    return await queue(
        db,
        kind="announcement",
        key=f"change:{change.id}",
        payload=payload,
        targets=targets,
        now=now,
    )


async def queue(
    db: AsyncSession,
    *,
    kind: str,
    key: str,
    payload: dict[str, Any],
    targets: list[tuple[str, str, str]],
    now: datetime,
) -> int:
    """Insert one outbox row per distinct (platform, target type, target); returns the count."""
    unique = list(dict.fromkeys(targets))
    if not unique:
        return 0
    rows = [
        {
            "kind": kind,
            "platform": platform,
            "target_type": target_type,
            "target": target,
            "payload": payload,
            "dedupe_key": f"{key}:{platform}:{target_type}:{target}",
            "state": "pending",
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }
        for platform, target_type, target in unique
    ]
    await db.execute(insert(OutboxMessage), rows)
    return len(rows)
