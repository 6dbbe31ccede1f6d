"""Claiming outbox rows for delivery and recording what became of them.

Every process may deliver. A claim moves due rows to `sending` under a lease, in one
transaction that locks them (`FOR UPDATE SKIP LOCKED` on PostgreSQL, SQLite's write lock
otherwise), so no two processes hold the same row. Every later write is fenced on the claim:
a process whose lease ran out and was taken over by another writes nothing.

The two writes every message needs, "a send begins" and "sent", are group-committed: the
concurrent senders' requests that arrive while one such write runs go together in the next
transaction, and each caller waits until its own row is written.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select, update

from bot.core.message import Message
from bot.core.words import Platform, TargetType
from bot.db.models import OutboxMessage
from bot.db.session import Database
from bot.notify.sender import Outgoing


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
    )


class GroupWrite:
    """Writes rows in groups: everything submitted while one write runs goes in the next."""

    def __init__(self, write: Callable[[list[int], datetime], Awaitable[set[int]]]) -> None:
        self.write = write
        self.waiting: dict[int, asyncio.Future[bool]] = {}
        self.now: datetime | None = None
        self.running: asyncio.Task[None] | None = None

    async def submit(self, row_id: int, now: datetime) -> bool:
        """Write one row in the next group; True when the row was written (still ours)."""
        future = asyncio.get_running_loop().create_future()
        self.waiting[row_id] = future
        self.now = now if self.now is None else max(self.now, now)
        if self.running is None:
            self.running = asyncio.create_task(self._flush())
        return await future

    async def _flush(self) -> None:
        """Write groups until nobody waits; if cancelled, so are the callers still waiting."""
        group: dict[int, asyncio.Future[bool]] = {}
        try:
            while self.waiting:
                await asyncio.sleep(0)  # callers ready in this turn of the loop join the group
                group, now = self.waiting, self.now
                self.waiting, self.now = {}, None
                try:
                    written = await self.write(list(group), now)
                except Exception as exc:
                    for future in group.values():
                        if not future.done():
                            future.set_exception(exc)
                    continue
                for row_id, future in group.items():
                    if not future.done():
                        future.set_result(row_id in written)
        finally:
            self.running = None
            for future in [*group.values(), *self.waiting.values()]:
                future.cancel()


class Outbox:
    """The outbox table as one delivering process sees it."""

    def __init__(self, database: Database, *, worker: str, lease: timedelta) -> None:
        self.database = database
        self.worker = worker
        self.lease = lease
        self._starts = GroupWrite(self._write_starts)
        self._sends = GroupWrite(self._write_sent)

    async def claim(self, *, platforms: Iterable[str], now: datetime, limit: int) -> list[Outgoing]:
        """Take up to `limit` due rows of these platforms, oldest first, under a lease."""
        platforms = sorted(set(platforms))
        if not platforms:
            return []
        async with self.database.transaction() as db:
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
            result = await db.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.id == message_id,
                    OutboxMessage.state == "sending",
                    OutboxMessage.claimed_by == self.worker,
                )
                .values(**values)
                .execution_options(synchronize_session=False)
            )
            return result.rowcount == 1

    async def _fenced_many(self, message_ids: list[int], **values) -> set[int]:
        """Update the rows this worker still holds; returns the ids it updated."""
        async with self.database.transaction() as db:
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

    async def start_send(self, message: Outgoing, *, now: datetime) -> bool:
        """Renew the lease and note that a send begins; False when the claim was lost."""
        return await self._starts.submit(message.id, now)

    async def _write_starts(self, message_ids: list[int], now: datetime) -> set[int]:
        """Note that the sends of these messages begin."""
        return await self._fenced_many(
            message_ids,
            claimed_until=now + self.lease,
            send_started_at=now,
            attempts=OutboxMessage.attempts + 1,
        )

    async def mark_sent(self, message: Outgoing, *, now: datetime) -> bool:
        """The message is on the platform."""
        return await self._sends.submit(message.id, now)

    async def _write_sent(self, message_ids: list[int], now: datetime) -> set[int]:
        """These messages are on the platform."""
        return await self._fenced_many(
            message_ids,
            state="sent",
            sent_at=now,
            claimed_by=None,
            claimed_until=None,
            send_started_at=None,
            last_error=None,
        )

    async def postpone(
        self, message: Outgoing, *, until: datetime, error: str | None, sent_unknown: bool
    ) -> bool:
        """Back to pending until a time; `sent_unknown` keeps it in doubt for the next try."""
        values = {
            "state": "pending",
            "next_attempt_at": until,
            "claimed_by": None,
            "claimed_until": None,
        }
        if not sent_unknown:
            values["send_started_at"] = None
        if error is not None:
            values["last_error"] = error
        return await self._fenced(message.id, **values)

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
