"""A fake chat platform at the Sender port, and helpers that fill a project with contractors."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import insert, select

from bot.core.clock import Clock
from bot.db.models import Assignment, Contractor, Identity, Project
from bot.db.session import Database
from bot.notify.sender import Outgoing, PermanentFailure, RetryLater


@dataclass
class Call:
    """One call the fake platform received."""

    method: str
    dedupe_key: str
    at: datetime
    answer: str


@dataclass
class FakePlatform:
    """Records what it was sent; answers 429 during a storm, refuses closed DMs."""

    platform: str
    clock: Clock
    storm_until: datetime | None = None
    retry_after: float = 30.0
    closed_dms: set[str] = field(default_factory=set)
    flaky: dict[str, int] = field(default_factory=dict)
    delivered: list[Outgoing] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)

    async def send(self, message: Outgoing) -> None:
        """Take a message, unless rate limited, refused or flaky."""
        now = self.clock.now()
        if self.storm_until is not None and now < self.storm_until:
            wait = min(self.retry_after, (self.storm_until - now).total_seconds())
            self.calls.append(Call("send", message.dedupe_key, now, "429"))
            raise RetryLater("ratelimited", retry_after=wait)
        if message.target_type == "user" and message.target in self.closed_dms:
            self.calls.append(Call("send", message.dedupe_key, now, "refused"))
            raise PermanentFailure("cannot_dm_user")
        if self.flaky.get(message.dedupe_key, 0) > 0:
            self.flaky[message.dedupe_key] -= 1
            self.calls.append(Call("send", message.dedupe_key, now, "timeout"))
            raise RetryLater("timeout")
        self.calls.append(Call("send", message.dedupe_key, now, "ok"))
        self.delivered.append(message)

    async def was_sent(self, message: Outgoing) -> bool:
        """Whether the platform holds the message."""
        self.calls.append(Call("was_sent", message.dedupe_key, self.clock.now(), "ok"))
        return any(sent.dedupe_key == message.dedupe_key for sent in self.delivered)

    def per_target(self) -> Counter[tuple[str, str]]:
        """How many messages each (target type, target) received."""
        return Counter((m.target_type, m.target) for m in self.delivered)

    def early_calls(self) -> list[Call]:
        """Calls made while a Retry-After from an earlier 429 still ran."""
        early = []
        for limited in (c for c in self.calls if c.answer == "429"):
            free_at = limited.at + timedelta(seconds=self.retry_after)
            early += [
                c
                for c in self.calls
                if limited.at < c.at < min(free_at, self.storm_until or free_at)
            ]
        return early


async def crowd(
    database: Database,
    *,
    code: str,
    count: int,
    now: datetime,
    platforms: tuple[str, ...] = ("slack",),
) -> list[str]:
    """Assign `count` new contractors to a project, one identity per platform each."""
    names = [f"c{number:04d}" for number in range(count)]
    async with database.transaction() as db:
        project_id = await db.scalar(select(Project.id).where(Project.code == code))
        people = [{"display_name": name, "role": "contractor", "created_at": now} for name in names]
        ids = list(
            await db.scalars(
                insert(Contractor).returning(Contractor.id, sort_by_parameter_order=True), people
            )
        )
        await db.execute(
            insert(Identity),
            [
                {
                    "platform": platform,
                    "external_id": f"{platform[0].upper()}{name}",
                    "contractor_id": contractor_id,
                    "created_at": now,
                }
                for contractor_id, name in zip(ids, names, strict=True)
                for platform in platforms
            ],
        )
        await db.execute(
            insert(Assignment),
            [{"project_id": project_id, "contractor_id": cid, "since": now} for cid in ids],
        )
    return names
