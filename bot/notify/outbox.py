"""Claiming outbox rows for delivery and recording what became of them.

Every process may deliver. A claim moves due rows to `sending` under a lease, in one
transaction that locks them (`FOR UPDATE SKIP LOCKED` on PostgreSQL, SQLite's write lock
otherwise), so no two processes hold the same row. Every later write is fenced on the claim:
a process whose lease ran out and was taken over by another writes nothing.

The two writes every message needs, "a send begins" and "sent", are group-committed: the
concurrent senders' requests that arrive while one such write runs go together in the next
transaction, and each caller waits until its own row is written. So are the 429s that
concurrent sends meet: one transaction records the hold and puts all their messages back.

The claim and the start of a group also read the rate-limit holds every process records, and
the start takes each conversation's turn (`bot.notify.pacing`): a message that must wait goes
back to `pending` in that same transaction, so waiting costs no write of its own.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Generic, TypeVar

from sqlalchemy import and_, func, literal, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.message import Message
from bot.core.words import Platform, TargetType
from bot.db.models import OutboxMessage, UtcDateTime
from bot.db.session import Database
from bot.notify.pacing import RateLimits
from bot.notify.sender import Outgoing

Item = TypeVar("Item")
Result = TypeVar("Result")


def _due(now: datetime):
    """Rows waiting for their turn, or held under a lease that ran out."""
    return or_(
        and_(OutboxMessage.state == "pending", OutboxMessage.next_attempt_at <= now),
        and_(OutboxMessage.state == "sending", OutboxMessage.claimed_until < now),
    )


def _outgoing(row: OutboxMessage) -> Outgoing:
    """The message a sender sees."""
    return Outgoing(
        id=row.id,
        kind=row.kind,
        platform=Platform(row.platform),
        target_type=TargetType(row.target_type),
        target=row.target,
        message=Message.model_validate(row.payload),
        dedupe_key=row.dedupe_key,
        attempts=row.attempts,
        in_doubt=row.send_started_at is not None,
        send_started_at=row.send_started_at,
    )


@dataclass(frozen=True)
class Turn:
    """What became of a request to begin a send."""

    started: bool
    wait_until: datetime | None = None

    @property
    def lost(self) -> bool:
        """Whether another process took the claim over (nothing was written)."""
        return not self.started and self.wait_until is None


@dataclass(frozen=True)
class Hold:
    """A 429 met by one message: the platform's hold, and how the message goes back."""

    message: Outgoing
    scope: str | None
    until: datetime
    error: str
    sent_unknown: bool
    count_attempt: bool


class GroupWrite(Generic[Item, Result]):
    """Writes rows in groups: everything submitted while one write runs goes in the next."""

    def __init__(
        self,
        write: Callable[[dict[int, Item], datetime], Awaitable[Mapping[int, Result]]],
        *,
        missing: Result,
    ) -> None:
        self.write = write
        self.missing = missing
        self.waiting: dict[int, tuple[Item, asyncio.Future[Result]]] = {}
        self.now: datetime | None = None
        self.running: asyncio.Task[None] | None = None

    async def submit(self, row_id: int, item: Item, now: datetime) -> Result:
        """Write one row in the next group; its result, or `missing` when it was not written."""
        future = asyncio.get_running_loop().create_future()
        self.waiting[row_id] = (item, future)
        self.now = now if self.now is None else max(self.now, now)
        if self.running is None:
            self.running = asyncio.create_task(self._flush())
        return await future

    async def _flush(self) -> None:
        """Write groups until nobody waits; if cancelled, so are the callers still waiting."""
        group: dict[int, tuple[Item, asyncio.Future[Result]]] = {}
        try:
            while self.waiting:
                await asyncio.sleep(0)  # callers ready in this turn of the loop join the group
                group, now = self.waiting, self.now
                self.waiting, self.now = {}, None
                try:
                    written = await self.write({row: item for row, (item, _) in group.items()}, now)
                except Exception as exc:
                    for _, future in group.values():
                        if not future.done():
                            future.set_exception(exc)
                    continue
                for row_id, (_, future) in group.items():
                    if not future.done():
                        future.set_result(written.get(row_id, self.missing))
        finally:
            self.running = None
            for _, future in [*group.values(), *self.waiting.values()]:
                future.cancel()


class Outbox:
    """The outbox table as one delivering process sees it."""

    def __init__(
        self,
        database: Database,
        *,
        worker: str,
        lease: timedelta,
        limits: RateLimits | None = None,
    ) -> None:
        self.database = database
        self.worker = worker
        self.lease = lease
        self.limits = limits or RateLimits()
        self._starts: GroupWrite[Outgoing, Turn] = GroupWrite(
            self._write_starts, missing=Turn(started=False)
        )
        self._sends: GroupWrite[None, bool] = GroupWrite(self._write_sent, missing=False)
        self._holds: GroupWrite[Hold, bool] = GroupWrite(self._write_holds, missing=False)

    async def claim(self, *, platforms: Iterable[str], now: datetime, limit: int) -> list[Outgoing]:
        """Take up to `limit` due rows of platforms no hold stops, oldest first, under a lease."""
        platforms = sorted(set(platforms))
        if not platforms:
            return []
        async with self.database.transaction() as db:
            await self.limits.learn(db, platforms, now)
            platforms = [name for name in platforms if self.limits.platform_free(name, now)]
            if not platforms:
                return []
            query = (
                select(OutboxMessage)
                .where(OutboxMessage.platform.in_(platforms), _due(now))
                .order_by(OutboxMessage.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
            rows = list((await db.execute(query)).scalars())
            if not rows:
                return []
            await db.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_([row.id for row in rows]))
                .values(state="sending", claimed_by=self.worker, claimed_until=now + self.lease)
                .execution_options(synchronize_session=False)
            )
            return [_outgoing(row) for row in rows]

    async def _fenced(self, message_id: int, **values) -> bool:
        """Update a row this worker still holds; False when the claim was lost."""
        async with self.database.transaction() as db:
            return message_id in await self._fenced_in(db, [message_id], **values)

    async def _fenced_in(self, db: AsyncSession, message_ids: list[int], **values) -> set[int]:
        """In a transaction, update the rows this worker still holds; returns their ids."""
        if not message_ids:
            return set()
        result = await db.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id.in_(message_ids),
                OutboxMessage.state == "sending",
                OutboxMessage.claimed_by == self.worker,
            )
            .values(**values)
            .returning(OutboxMessage.id)
            .execution_options(synchronize_session=False)
        )
        return set(result.scalars())

    async def start_send(self, message: Outgoing, *, now: datetime) -> Turn:
        """Begin a send: renew the lease and note the start, unless a hold or the pace says wait.

        A message that must wait is back in `pending` until then when this returns.
        """
        return await self._starts.submit(message.id, message, now)

    async def _write_starts(self, messages: dict[int, Outgoing], now: datetime) -> dict[int, Turn]:
        """Start the sends of these messages, or put back those that must wait, in one go."""
        async with self.database.transaction() as db:
            waits = await self.limits.turns(db, list(messages.values()), now)
            going = [row_id for row_id in messages if row_id not in waits]
            started = await self._fenced_in(
                db,
                going,
                claimed_until=now + self.lease,
                # The first send of the current doubt is the one a lookup must look back to.
                send_started_at=func.coalesce(
                    OutboxMessage.send_started_at, literal(now, UtcDateTime())
                ),
                attempts=OutboxMessage.attempts + 1,
            )
            turns = {row_id: Turn(started=True) for row_id in started}
            by_time: dict[datetime, list[int]] = {}
            for row_id, until in waits.items():
                by_time.setdefault(until, []).append(row_id)
            for until, row_ids in sorted(by_time.items()):
                waiting = await self._fenced_in(
                    db,
                    row_ids,
                    state="pending",
                    next_attempt_at=until,
                    claimed_by=None,
                    claimed_until=None,
                )
                turns.update({row_id: Turn(started=False, wait_until=until) for row_id in waiting})
            return turns

    async def mark_sent(self, message: Outgoing, *, now: datetime) -> bool:
        """The message is on the platform."""
        return await self._sends.submit(message.id, None, now)

    async def _write_sent(self, messages: dict[int, None], now: datetime) -> dict[int, bool]:
        """These messages are on the platform."""
        async with self.database.transaction() as db:
            written = await self._fenced_in(
                db,
                list(messages),
                state="sent",
                sent_at=now,
                claimed_by=None,
                claimed_until=None,
                send_started_at=None,
                last_error=None,
            )
        return dict.fromkeys(written, True)

    @staticmethod
    def _postponed(
        until: datetime, error: str | None, sent_unknown: bool, count_attempt: bool = False
    ) -> dict:
        """The values that put a row back to wait; `sent_unknown` keeps it in doubt.

        `count_attempt` counts an attempt that failed before its send began.
        """
        values: dict = {
            "state": "pending",
            "next_attempt_at": until,
            "claimed_by": None,
            "claimed_until": None,
        }
        if count_attempt:
            values["attempts"] = OutboxMessage.attempts + 1
        if not sent_unknown:
            values["send_started_at"] = None
        if error is not None:
            values["last_error"] = error
        return values

    async def postpone(
        self,
        message: Outgoing,
        *,
        until: datetime,
        error: str | None,
        sent_unknown: bool,
        count_attempt: bool = False,
    ) -> bool:
        """Back to pending until a time; `sent_unknown` keeps it in doubt for the next try."""
        values = self._postponed(until, error, sent_unknown, count_attempt)
        return await self._fenced(message.id, **values)

    async def rate_limited(
        self,
        message: Outgoing,
        *,
        scope: str | None,
        until: datetime,
        now: datetime,
        error: str,
        sent_unknown: bool,
        count_attempt: bool = False,
    ) -> bool:
        """Record the platform's hold for every process and put the message back until then.

        The 429s that concurrent sends meet together are written together: one hold per
        platform and scope, and the messages back until the latest of them.
        """
        hold = Hold(message, scope, until, error, sent_unknown, count_attempt)
        return await self._holds.submit(message.id, hold, now)

    async def _write_holds(self, holds: dict[int, Hold], now: datetime) -> dict[int, bool]:
        """Record the holds, then put their messages back, in one transaction."""
        latest: dict[tuple[str, str | None], datetime] = {}
        for hold in holds.values():
            key = (str(hold.message.platform), hold.scope)
            latest[key] = max(hold.until, latest.get(key, hold.until))
        ends: dict[str, datetime] = {}
        for (platform, _), until in latest.items():
            ends[platform] = max(until, ends.get(platform, until))
        backs: dict[tuple, list[int]] = {}
        for row_id, hold in holds.items():
            back = (ends[hold.message.platform], hold.error, hold.sent_unknown, hold.count_attempt)
            backs.setdefault(back, []).append(row_id)
        async with self.database.transaction() as db:
            for (platform, scope), until in sorted(latest.items(), key=str):
                await self.limits.record(db, platform=platform, scope=scope, until=until, now=now)
            written: set[int] = set()
            for (until, error, sent_unknown, count_attempt), row_ids in backs.items():
                values = self._postponed(until, error, sent_unknown, count_attempt)
                written |= await self._fenced_in(db, row_ids, **values)
        return dict.fromkeys(written, True)

    async def mark_failed(self, message: Outgoing, *, now: datetime, reason: str) -> bool:
        """The message can never be delivered; the daily summary lists it."""
        return await self._fenced(
            message.id,
            state="failed",
            failed_at=now,
            last_error=reason,
            claimed_by=None,
            claimed_until=None,
            send_started_at=None,
        )

    async def counts(self) -> dict[str, int]:
        """Rows per state among those not yet sent."""
        async with self.database.transaction() as db:
            rows = await db.execute(
                select(OutboxMessage.state, func.count())
                .where(OutboxMessage.state.in_(("pending", "sending", "failed")))
                .group_by(OutboxMessage.state)
            )
            return {state: int(count) for state, count in rows}
