"""Rate limits shared through the database: two dispatchers, each with its own Database (two
"processes"), against the fake Slack Web API in a 429 storm.

The fake stamps every call and every Retry-After window it announces with the test clock, and
the dispatchers run in rounds on that clock: in each round both deliver at the same moment
(concurrently, as two processes would), then the clock moves on by a tick. A call is "during a
hold" when it arrives after the 429 that announced the window, at a later moment, and before
the window ends; calls of the very moment of the 429 were on their way together with it.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import func, select

from bot.adapters.slack.sender import SlackSender
from bot.adapters.slack.webapi import WebApi
from bot.core.clock import FixedClock
from bot.core.words import Platform
from bot.db.models import ChannelTurn, OutboxMessage, RateLimitHold
from bot.db.session import Database
from bot.notify.dispatcher import Dispatcher
from bot.notify.pacing import RateLimits
from tests.conftest import START
from tests.fakes.slack_api import FakeSlackApi
from tests.notify.fakes import crowd

CONTRACTORS = 60
TICK_MS = 100
MAX_ROUNDS = 3000
STORM = 8


def seconds(clock: FixedClock) -> float:
    """The test clock as seconds since the suite's start time."""
    return (clock.now() - START).total_seconds()


@dataclass
class Process:
    """One delivering "process": its own Database, Slack client and dispatcher."""

    name: str
    database: Database
    sender: SlackSender
    dispatcher: Dispatcher


@pytest.fixture
async def slack_api(clock: FixedClock) -> AsyncIterator[FakeSlackApi]:
    """The fake Slack Web API on the test clock."""
    fake = FakeSlackApi(monotonic=lambda: seconds(clock), wall=lambda: clock.now().timestamp())
    await fake.start()
    yield fake
    await fake.stop()


async def two_processes(
    database: Database,
    database_url: str,
    slack_api: FakeSlackApi,
    clock: FixedClock,
    *,
    shared: bool = True,
    batch_size: int = 8,
) -> list[Process]:
    """Two dispatchers on two Database objects, each with its own token to tell them apart."""
    processes = []
    for name, db in (("first", database), ("second", Database(database_url))):
        client = AsyncWebClient(token=f"xoxb-{name}", base_url=slack_api.api_url)
        sender = SlackSender(WebApi(client, monotonic=lambda: seconds(clock)))
        dispatcher = Dispatcher(
            database=db,
            senders={Platform.SLACK: sender},
            clock=clock,
            limits=RateLimits(shared=shared),
            worker=name,
            batch_size=batch_size,
            concurrency=4,
        )
        processes.append(Process(name, db, sender, dispatcher))
    return processes


async def stop(processes: list[Process], database: Database) -> None:
    """Close the senders and the second Database."""
    for process in processes:
        await process.sender.close()
        if process.database is not database:
            await process.database.dispose()


async def slack_unsent(database: Database) -> int:
    """Slack rows not sent yet."""
    async with database.transaction() as db:
        return await db.scalar(
            select(func.count()).where(
                OutboxMessage.platform == "slack", OutboxMessage.state != "sent"
            )
        )


async def deliver_in_rounds(processes: list[Process], clock: FixedClock, database: Database) -> int:
    """Both deliver at each moment, then the clock ticks, until Slack's rows are sent."""
    for rounds in range(1, MAX_ROUNDS + 1):
        await asyncio.gather(*(p.dispatcher.deliver_due() for p in processes))
        if not await slack_unsent(database):
            return rounds
        clock.advance(milliseconds=TICK_MS)
    raise AssertionError("the outbox never emptied")


def delivered(slack_api: FakeSlackApi) -> Counter[str]:
    """How often each outbox message reached Slack."""
    return Counter(
        posted["metadata"]["event_payload"]["dedupe_key"]
        for messages in slack_api.messages.values()
        for posted in messages
    )


async def storm_fan_out(say, database, clock, slack_api) -> None:
    """ACME with a Slack channel and 60 contractors, paused, with Slack limiting hard.

    A storm of 429s (Retry-After 2 s) greets the first calls, and after it a limit of ten posts
    a second (bursts of four) answers 429 with Retry-After 1 s whenever both go too fast.
    """
    await say.ok("admin", '/project add ACME "Acme AI" "Labeling"')
    await say.ok("admin", "/project channel ACME #slack:CPROJ")
    names = await crowd(database, code="ACME", count=CONTRACTORS, now=clock.now())
    for name in names:
        slack_api.add_user(f"S{name}", name)
    await say.ok("admin", "/project pause ACME vendor incident")
    slack_api.fail_next(STORM, method="chat.postMessage", retry_after=2)
    slack_api.limit("chat.postMessage", per_second=10, burst=4)


async def first_alone_then_both(
    processes: list[Process], clock: FixedClock, database: Database
) -> int:
    """The first process meets the storm alone; a moment later the second joins it."""
    await processes[0].dispatcher.deliver_due()
    clock.advance(milliseconds=TICK_MS)
    return 1 + await deliver_in_rounds(processes, clock, database)


async def test_two_processes_never_post_during_a_hold_either_recorded(
    say, database, database_url, clock, slack_api
):
    """A 429 storm on chat.postMessage: no post from either process during any Retry-After."""
    await storm_fan_out(say, database, clock, slack_api)
    processes = await two_processes(database, database_url, slack_api, clock)
    try:
        rounds = await first_alone_then_both(processes, clock, database)
    finally:
        await stop(processes, database)
    assert slack_api.calls_during_holds("chat.postMessage") == []
    counts = delivered(slack_api)
    assert len(counts) == CONTRACTORS + 1 and set(counts.values()) == {1}
    windows = Counter(window.token for window in slack_api.announced)
    assert windows["xoxb-first"] >= 3 and windows["xoxb-second"] >= 3, windows
    posted = Counter(c.token for c in slack_api.called("chat.postMessage"))
    assert posted["xoxb-first"] >= 10 and posted["xoxb-second"] >= 10, posted
    async with database.transaction() as db:
        holds = (await db.execute(select(RateLimitHold.platform, RateLimitHold.scope))).all()
    assert holds == [("slack", "chat.postMessage")]
    print(
        f"\n{database.dialect}: {len(counts)} messages once each in {rounds} rounds "
        f"({rounds * TICK_MS / 1000:.1f} s on the clock); "
        f"{len(slack_api.announced)} Retry-After windows announced {dict(windows)}; "
        f"posts {dict(posted)}; posts during a hold: "
        f"{len(slack_api.calls_during_holds('chat.postMessage'))}"
    )


async def test_holds_kept_per_process_would_be_broken(
    say, database, database_url, clock, slack_api
):
    """The same storm with each process's limits in its memory only: the other one posts on.

    This shows that the test above can see what it looks for.
    """
    await storm_fan_out(say, database, clock, slack_api)
    processes = await two_processes(database, database_url, slack_api, clock, shared=False)
    try:
        await first_alone_then_both(processes, clock, database)
    finally:
        await stop(processes, database)
    early = slack_api.calls_during_holds("chat.postMessage")
    assert len(early) > 0
    print(f"\n{database.dialect}, limits per process: {len(early)} posts during a hold")


async def channel_posts_from_two_processes(
    say, database, database_url, clock, slack_api, *, shared: bool
) -> list[float]:
    """Pause then resume ACME: two posts to its channel, one taken by each process; their times.

    Both claim one post at the same moment; then only the process that has not posted yet
    goes on, so the two posts surely come from the two processes.
    """
    await say.ok("admin", '/project add ACME "Acme AI" "Labeling"')
    await say.ok("admin", "/project channel ACME #slack:CPROJ")
    await say.ok("admin", "/project pause ACME vendor incident")
    await say.ok("admin", "/project resume ACME")
    processes = await two_processes(
        database, database_url, slack_api, clock, shared=shared, batch_size=1
    )
    try:
        await asyncio.gather(*(p.dispatcher.deliver_due() for p in processes))
        posted = {call.token for call in slack_api.called("chat.postMessage")}
        waiting = [p for p in processes if f"xoxb-{p.name}" not in posted]
        clock.advance(milliseconds=TICK_MS)
        await deliver_in_rounds(waiting, clock, database)
    finally:
        await stop(processes, database)
    calls = slack_api.called("chat.postMessage")
    assert len(calls) == 2 and {call.token for call in calls} == {"xoxb-first", "xoxb-second"}
    return [call.at for call in calls]


async def test_two_processes_keep_a_channels_pace(say, database, database_url, clock, slack_api):
    """Two posts to one channel taken by two processes go out at least a second apart."""
    first, second = await channel_posts_from_two_processes(
        say, database, database_url, clock, slack_api, shared=True
    )
    assert second - first >= 1.0
    async with database.transaction() as db:
        turns = (await db.execute(select(ChannelTurn.platform, ChannelTurn.channel))).all()
    assert turns == [("slack", "channel:CPROJ")]


async def test_a_pace_kept_per_process_would_be_broken(
    say, database, database_url, clock, slack_api
):
    """With each process's pace in its memory only, both post to the channel at once."""
    first, second = await channel_posts_from_two_processes(
        say, database, database_url, clock, slack_api, shared=False
    )
    assert second - first < 1.0
