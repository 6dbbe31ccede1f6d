"""Group-committed outbox writes: one transaction for concurrent senders, each fenced alone."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import event, select, update

from bot.db.models import OutboxMessage
from bot.notify.outbox import GroupWrite, Outbox
from tests.notify.fakes import crowd


async def claimed(say, database, clock, outbox: Outbox, count: int):
    """A paused project with `count` contractors, and their DMs claimed by `outbox`."""
    await say.ok("admin", '/project add ACME "Acme AI" "Labeling"')
    await crowd(database, code="ACME", count=count, now=clock.now())
    await say.ok("admin", "/project pause ACME vendor incident")
    messages = await outbox.claim(platforms=["slack"], now=clock.now(), limit=count)
    assert len(messages) == count
    return messages


def count_commits(database) -> list[int]:
    """A list that grows by one at every commit on the database."""
    commits: list[int] = []
    event.listen(database.engine.sync_engine, "commit", lambda _conn: commits.append(1))
    return commits


async def test_concurrent_starts_and_sends_share_transactions(say, database, clock):
    """Twenty concurrent start_send and mark_sent calls take far fewer than forty commits."""
    outbox = Outbox(database, worker="w1", lease=timedelta(minutes=5))
    messages = await claimed(say, database, clock, outbox, 20)
    commits = count_commits(database)
    turns = await asyncio.gather(*(outbox.start_send(m, now=clock.now()) for m in messages))
    sent = await asyncio.gather(*(outbox.mark_sent(m, now=clock.now()) for m in messages))
    assert all(turn.started for turn in turns) and all(sent)
    assert len(commits) <= 4
    async with database.transaction() as db:
        rows = await db.scalars(select(OutboxMessage).where(OutboxMessage.target_type == "user"))
        assert {(row.state, row.attempts) for row in rows} == {("sent", 1)}


async def test_a_lost_claim_fails_only_its_own_row(say, database, clock):
    """When another worker took one row over, only that row's start_send says False."""
    outbox = Outbox(database, worker="w1", lease=timedelta(minutes=5))
    messages = await claimed(say, database, clock, outbox, 5)
    async with database.transaction() as db:
        await db.execute(
            update(OutboxMessage).where(OutboxMessage.id == messages[2].id).values(claimed_by="w2")
        )
    turns = await asyncio.gather(*(outbox.start_send(m, now=clock.now()) for m in messages))
    assert [turn.started for turn in turns] == [True, True, False, True, True]
    assert turns[2].lost


async def test_a_failed_group_write_raises_in_every_caller(clock):
    """A write that fails raises in every caller of its group; the next group is written."""
    groups: list[list[int]] = []

    async def write(items: dict[int, None], _now) -> dict[int, bool]:
        """Fail the first group, write the others."""
        groups.append(sorted(items))
        if len(groups) == 1:
            raise RuntimeError("database went away")
        return dict.fromkeys(items, True)

    writes = GroupWrite(write, missing=False)
    results = await asyncio.gather(
        *(writes.submit(row, None, clock.now()) for row in range(3)), return_exceptions=True
    )
    assert [type(result) for result in results] == [RuntimeError] * 3
    assert await writes.submit(7, None, clock.now()) is True
    assert groups == [[0, 1, 2], [7]]
