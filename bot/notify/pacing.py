"""Rate limits shared by every delivering process: holds after HTTP 429, and channel turns.

A 429's Retry-After becomes a row of `rate_limit_holds` (platform, scope, until), written by the
process that got it in the transaction that puts the message back. Every process reads the
holds in the transaction that claims a batch, and again in the group-committed transaction
that starts its sends, so no process begins a send on a platform during a hold that another
one has recorded. (A request already on its way when the 429 is answered cannot be called
back; Slack counts it as one more refused call, never as a lost message.)

Slack's pace of about one message a second per conversation is a row of `channel_turns` per
conversation: the start of a group of sends takes each conversation's turn with one
conditional upsert, so whichever process takes a turn first gets it and the others wait until
the conversation is free. Neither adds a database round trip per message: both ride on
transactions the outbox makes anyway, one per batch or group.

In memory each process keeps what it learnt (its own 429s at once, the holds it read) to
choose what to claim and how long to sleep. `shared=False` keeps everything in memory only,
as one process on its own would.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, select, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.words import Platform
from bot.db.models import ChannelTurn, RateLimitHold
from bot.notify.sender import Outgoing

# Slack allows about one message per second to a channel (a DM is a channel too).
CHANNEL_INTERVALS = {Platform.SLACK: 1.0}
# The scope of a hold whose platform did not say what it limited: everything.
EVERY_SCOPE = "*"
PRUNE_ABOVE = 10_000


def _insert(db: AsyncSession, table):
    """The dialect's INSERT, which knows ON CONFLICT."""
    dialect = db.bind.dialect.name if db.bind is not None else "sqlite"
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def channel_of(message: Outgoing) -> tuple[str, str]:
    """The platform and conversation a message goes to: `user:U123` or `channel:C123`."""
    return (str(message.platform), f"{message.target_type}:{message.target}")


class RateLimits:
    """When each platform and each conversation may be sent to next, for every process."""

    def __init__(
        self, channel_intervals: Mapping[str, float] | None = None, *, shared: bool = True
    ) -> None:
        intervals = CHANNEL_INTERVALS if channel_intervals is None else channel_intervals
        self.channel_gaps = {name: timedelta(seconds=gap) for name, gap in intervals.items() if gap}
        self.shared = shared
        self.held_until: dict[str, datetime] = {}
        self.channel_free_at: dict[tuple[str, str], datetime] = {}

    def hold(self, platform: str, until: datetime) -> None:
        """Send nothing on a platform before `until` (after a 429 and its Retry-After)."""
        current = self.held_until.get(platform)
        if current is None or until > current:
            self.held_until[platform] = until

    def platform_free(self, platform: str, now: datetime) -> bool:
        """Whether no hold this process knows of lasts beyond `now`."""
        held = self.held_until.get(platform)
        return held is None or held <= now

    async def learn(self, db: AsyncSession, platforms: Iterable[str], now: datetime) -> None:
        """Read the holds recorded by any process that still run on these platforms."""
        platforms = sorted(set(platforms))
        if not self.shared or not platforms:
            return
        rows = await db.execute(
            select(RateLimitHold.platform, func.max(RateLimitHold.until))
            .where(RateLimitHold.platform.in_(platforms), RateLimitHold.until > now)
            .group_by(RateLimitHold.platform)
        )
        for platform, until in rows:
            self.hold(platform, until)

    async def record(
        self, db: AsyncSession, *, platform: str, scope: str | None, until: datetime, now: datetime
    ) -> None:
        """Note a hold, in memory at once and for every process in this transaction."""
        self.hold(platform, until)
        if not self.shared:
            return
        insert = _insert(db, RateLimitHold).values(
            platform=platform, scope=(scope or EVERY_SCOPE)[:100], until=until, recorded_at=now
        )
        await db.execute(
            insert.on_conflict_do_update(
                index_elements=[RateLimitHold.platform, RateLimitHold.scope],
                set_={"until": insert.excluded.until, "recorded_at": insert.excluded.recorded_at},
                where=RateLimitHold.until < insert.excluded.until,
            )
        )

    async def turns(
        self, db: AsyncSession, messages: Sequence[Outgoing], now: datetime
    ) -> dict[int, datetime]:
        """Which messages must wait, and until when; the others' conversations are now taken.

        A message waits for a hold on its platform, or for its conversation's next turn. The
        holds are read last, just before the transaction ends and the sends begin.
        """
        waits: dict[int, datetime] = {}
        paced: dict[tuple[str, str], list[Outgoing]] = {}
        for message in messages:
            if not self.platform_free(message.platform, now):
                waits[message.id] = self.held_until[message.platform]
            elif message.platform in self.channel_gaps:
                paced.setdefault(channel_of(message), []).append(message)
        if paced:
            if self.shared:
                busy = await self._take_turns(db, list(paced), now)
            else:
                busy = self._take_turns_in_memory(list(paced), now)
            for channel, waiting in paced.items():
                gap = self.channel_gaps[channel[0]]
                free_at = busy.get(channel)
                first, *others = waiting
                if free_at is not None:
                    waits[first.id] = free_at
                for later in others:  # one process sends a conversation in order: not seen
                    waits[later.id] = (free_at or now) + gap
        await self.learn(db, {message.platform for message in messages}, now)
        for message in messages:
            if not self.platform_free(message.platform, now):
                held = self.held_until[message.platform]
                waits[message.id] = max(held, waits.get(message.id, held))
        return waits

    async def _take_turns(
        self, db: AsyncSession, channels: list[tuple[str, str]], now: datetime
    ) -> dict[tuple[str, str], datetime]:
        """Take the free conversations' turns in one upsert; returns the busy ones' free time."""
        rows = [
            {"platform": platform, "channel": channel, "free_at": now + self.channel_gaps[platform]}
            for platform, channel in sorted(channels)
        ]
        insert = _insert(db, ChannelTurn).values(rows)
        taken = await db.execute(
            insert.on_conflict_do_update(
                index_elements=[ChannelTurn.platform, ChannelTurn.channel],
                set_={"free_at": insert.excluded.free_at},
                where=ChannelTurn.free_at <= now,
            ).returning(ChannelTurn.platform, ChannelTurn.channel)
        )
        busy = set(channels) - {(platform, channel) for platform, channel in taken}
        if not busy:
            return {}
        rows = await db.execute(
            select(ChannelTurn.platform, ChannelTurn.channel, ChannelTurn.free_at).where(
                tuple_(ChannelTurn.platform, ChannelTurn.channel).in_(sorted(busy))
            )
        )
        return {(platform, channel): max(free_at, now) for platform, channel, free_at in rows}

    def _take_turns_in_memory(
        self, channels: list[tuple[str, str]], now: datetime
    ) -> dict[tuple[str, str], datetime]:
        """The same as `_take_turns`, for this process alone."""
        if len(self.channel_free_at) > PRUNE_ABOVE:
            self.channel_free_at = {key: at for key, at in self.channel_free_at.items() if at > now}
        busy = {}
        for channel in channels:
            free_at = self.channel_free_at.get(channel)
            if free_at is not None and free_at > now:
                busy[channel] = free_at
            else:
                self.channel_free_at[channel] = now + self.channel_gaps[channel[0]]
        return busy
