"""Fixtures for delivery tests: fake platforms at the Sender port and a dispatcher over them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.core.clock import FixedClock
from bot.db.models import OutboxMessage
from bot.db.session import Database
from bot.metrics import Metrics
from bot.notify.dispatcher import Dispatcher
from tests.notify.fakes import FakePlatform


@pytest.fixture
def platforms(clock: FixedClock) -> dict[str, FakePlatform]:
    """A fake Slack, Discord and console, all on the test clock."""
    return {name: FakePlatform(name, clock) for name in ("slack", "discord", "console")}


@pytest.fixture
def metrics() -> Metrics:
    """A fresh metrics registry."""
    return Metrics()


@pytest.fixture
def dispatcher(
    database: Database, platforms: dict[str, FakePlatform], clock: FixedClock, metrics: Metrics
) -> Dispatcher:
    """A dispatcher delivering to the fake platforms."""
    return Dispatcher(
        database=database, senders=platforms, clock=clock, metrics=metrics, worker="test-worker"
    )


async def outbox_states(database: Database) -> dict[str, int]:
    """Outbox rows per state."""
    async with database.transaction() as db:
        rows = await db.execute(
            select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state)
        )
        return dict(rows.all())


async def deliver_everything(
    dispatchers: list[Dispatcher], clock: FixedClock, database: Database, *, max_rounds: int = 500
) -> int:
    """Deliver until no row is pending, moving the clock to each next due time; returns rounds."""
    for rounds in range(1, max_rounds + 1):
        for dispatcher in dispatchers:
            await dispatcher.drain()
        async with database.transaction() as db:
            next_due = await db.scalar(
                select(func.min(OutboxMessage.next_attempt_at)).where(
                    OutboxMessage.state.in_(("pending", "sending"))
                )
            )
            expired = await db.scalar(
                select(func.min(OutboxMessage.claimed_until)).where(
                    OutboxMessage.state == "sending"
                )
            )
        if next_due is None and expired is None:
            return rounds
        now = clock.now()
        holds = [at for d in dispatchers for at in d.limits.held_until.values()]
        future = [at for at in (next_due, expired, *holds) if at is not None and at > now]
        clock.set(min(future) if future else now + timedelta(milliseconds=1))
    raise AssertionError("the outbox never emptied")
