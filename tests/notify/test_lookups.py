"""In-flight lookups that cannot miss: a message sent just before a crash is found, not resent.

The real senders talk to the fake Slack and Discord APIs; the fakes' clocks follow the test
clock, so "long after the crash" is an hour on the clock, not in the test's run time.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator

import pytest
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import select

from bot.adapters.discord.sender import DiscordSender
from bot.adapters.slack.sender import SlackSender
from bot.adapters.slack.webapi import WebApi
from bot.core.clock import FixedClock
from bot.core.words import Platform
from bot.db.models import OutboxMessage
from bot.db.session import Database
from bot.notify.dispatcher import Dispatcher
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.slack_api import FakeSlackApi
from tests.notify.fakes import crowd

CHATTER = 500


@pytest.fixture
async def slack_api(clock: FixedClock) -> AsyncIterator[FakeSlackApi]:
    """The fake Slack Web API, its message times on the test clock."""
    fake = FakeSlackApi(wall=lambda: clock.now().timestamp())
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
async def discord_api(clock: FixedClock) -> AsyncIterator[FakeDiscord]:
    """The fake Discord REST API, its snowflakes on the test clock."""
    fake = FakeDiscord(wall=lambda: clock.now().timestamp())
    await fake.start()
    yield fake
    await fake.close()


async def crash_after_sending(dispatcher: Dispatcher, sender, clock: FixedClock) -> list:
    """Claim every due row of the sender's platform, begin and make each send, then "die"."""
    batch = await dispatcher.outbox.claim(platforms=[sender.platform], now=clock.now(), limit=100)
    for message in batch:
        assert (await dispatcher.outbox.start_send(message, now=clock.now())).started
        await sender.send(message)
    return batch


async def rows(database: Database, platform: str) -> dict[str, tuple[str, bool]]:
    """Each outbox row of a platform: its state and whether it is in doubt."""
    async with database.transaction() as db:
        found = await db.execute(
            select(
                OutboxMessage.dedupe_key, OutboxMessage.state, OutboxMessage.send_started_at
            ).where(OutboxMessage.platform == platform)
        )
        return {key: (state, started is not None) for key, state, started in found}


async def test_slack_message_in_a_busy_channel_is_found_after_a_crash(
    say, database, clock, slack_api
):
    """Sent, then 500 messages in the channel, then a crash: the next process finds it."""
    await say.ok("admin", '/project add ACME "Acme AI" "Labeling"')
    await say.ok("admin", "/project channel ACME #slack:CPROJ")
    names = await crowd(database, code="ACME", count=2, now=clock.now())
    for name in names:
        slack_api.add_user(f"S{name}", name)
    await say.ok("admin", "/project pause ACME vendor incident")
    client = AsyncWebClient(token="xoxb-test", base_url=slack_api.api_url)
    sender = SlackSender(WebApi(client))
    try:
        dead = Dispatcher(database=database, senders={Platform.SLACK: sender}, clock=clock)
        batch = await crash_after_sending(dead, sender, clock)
        assert len(batch) == 3
        assert set((await rows(database, "slack")).values()) == {("sending", True)}
        clock.advance(seconds=30)
        for number in range(CHATTER):
            slack_api.post("CPROJ", f"chatter {number}")
            slack_api.post(f"DS{names[0]}", f"reply {number}")
        clock.advance(hours=1)
        survivor = Dispatcher(database=database, senders={Platform.SLACK: sender}, clock=clock)
        await survivor.drain()
    finally:
        await sender.close()
    assert set((await rows(database, "slack")).values()) == {("sent", False)}
    ours = Counter(
        posted["metadata"]["event_payload"]["dedupe_key"]
        for messages in slack_api.messages.values()
        for posted in messages
        if "metadata" in posted
    )
    assert len(ours) == 3 and set(ours.values()) == {1}, "no message went out twice"
    assert len(slack_api.called("chat.postMessage")) == 3
    lookups = slack_api.called("conversations.history")
    assert len(lookups) == 6 + 6 + 1, "CPROJ and the busy DM page back 6 times, the quiet DM once"
    assert all(call.args.get("oldest") for call in lookups)


async def test_discord_message_is_found_after_its_nonce_expired(say, database, clock, discord_api):
    """Sent, the process dies, an hour passes and Discord forgets the nonce: found, not resent."""
    await say.ok("admin", '/project add ACME "Acme AI" "Labeling"')
    await say.ok("admin", "/project channel ACME #discord:700000000000000001")
    await crowd(database, code="ACME", count=3, now=clock.now(), platforms=("discord",))
    await say.ok("admin", "/project pause ACME vendor incident")
    for number in range(150):  # within the lookup's margin before the send, to page through
        discord_api.post("700000000000000001", {"content": f"chatter {number}"})
    clock.advance(seconds=30)
    sender = DiscordSender(token="test-bot-token", api_url=discord_api.api_url)
    try:
        dead = Dispatcher(database=database, senders={Platform.DISCORD: sender}, clock=clock)
        batch = await crash_after_sending(dead, sender, clock)
        assert len(batch) == 4
        for number in range(150):
            discord_api.post("700000000000000001", {"content": f"more chatter {number}"})
        clock.advance(hours=1)
        discord_api.forget_nonces()
        survivor = Dispatcher(database=database, senders={Platform.DISCORD: sender}, clock=clock)
        await survivor.drain()
    finally:
        await sender.close()
    assert set((await rows(database, "discord")).values()) == {("sent", False)}
    assert len(discord_api.calls_to("POST", "/messages")) == 4, "each message was sent once"
    posted = [m for messages in discord_api.channel_messages.values() for m in messages]
    assert sum(1 for m in posted if m["embeds"]) == 4
    reads = discord_api.calls_to("GET", "/messages")
    assert len(reads) == 4 + 1, "three DMs at once, the channel's in its second page"
    assert all(int(call.query["after"]) > 0 for call in reads)


async def test_discord_message_that_never_arrived_is_sent_after_the_lookup(
    say, database, clock, discord_api
):
    """A send that began but never reached Discord: the lookup finds nothing and it is sent."""
    await say.ok("admin", '/project add ACME "Acme AI" "Labeling"')
    await crowd(database, code="ACME", count=1, now=clock.now(), platforms=("discord",))
    await say.ok("admin", "/project pause ACME vendor incident")
    sender = DiscordSender(token="test-bot-token", api_url=discord_api.api_url)
    try:
        dead = Dispatcher(database=database, senders={Platform.DISCORD: sender}, clock=clock)
        (message,) = await dead.outbox.claim(platforms=["discord"], now=clock.now(), limit=10)
        assert (await dead.outbox.start_send(message, now=clock.now())).started
        clock.advance(hours=1)
        survivor = Dispatcher(database=database, senders={Platform.DISCORD: sender}, clock=clock)
        await survivor.drain()
    finally:
        await sender.close()
    assert set((await rows(database, "discord")).values()) == {("sent", False)}
    assert len(discord_api.calls_to("GET", "/messages")) == 1
    assert len(discord_api.calls_to("POST", "/messages")) == 1
