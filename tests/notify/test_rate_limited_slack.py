"""Delivery through a fake Slack Web API that enforces rate limits with 429 and Retry-After."""

from __future__ import annotations

import asyncio
import time
from collections import Counter

from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import func, select

from bot.adapters.slack.sender import SlackSender
from bot.adapters.slack.webapi import WebApi
from bot.core.clock import SystemClock
from bot.core.message import Message
from bot.core.words import Platform, TargetType
from bot.db.models import OutboxMessage
from bot.notify.dispatcher import Dispatcher
from bot.notify.sender import Outgoing, RetryLater
from tests.fakes.slack_api import FakeSlackApi
from tests.notify.fakes import crowd

DMS = 40


async def pending_slack(database) -> int:
    """Slack outbox rows not yet sent."""
    async with database.transaction() as db:
        return await db.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.platform == "slack", OutboxMessage.state != "sent")
        )


async def test_the_fake_refuses_calls_beyond_its_limit():
    """Past its burst a limited method answers 429 with a whole-second Retry-After."""
    fake = await FakeSlackApi().start()
    fake.limit("chat.postMessage", per_second=1, burst=2)
    sender = SlackSender(WebApi(AsyncWebClient(token="xoxb-test", base_url=fake.api_url)))
    message = Outgoing(
        id=1, kind="announcement", platform=Platform.SLACK, target_type=TargetType.CHANNEL,
        target="C0OPS", message=Message(title="ACME is paused"),
        dedupe_key="change:1:slack:channel:C0OPS",
    )  # fmt: skip
    try:
        await sender.send(message)
        await sender.send(message)
        try:
            await sender.send(message)
        except RetryLater as exc:
            assert exc.retry_after == 1
        else:
            raise AssertionError("the third call within a second went through")
    finally:
        await sender.close()
        await fake.stop()
    assert len(fake.messages["C0OPS"]) == 2 and len(fake.rate_limited) == 1


async def test_rate_limited_slack_gets_every_dm_exactly_once(say, database, clock):
    """40 DMs through limits of 20 calls a second: 429s are honoured, each DM arrives once."""
    await say.ok("admin", '/project add ACME "Acme AI" "Labeling"')
    names = await crowd(database, code="ACME", count=DMS, now=clock.now())
    await say.ok("admin", "/project pause ACME vendor incident")
    fake = await FakeSlackApi().start()
    for name in names:
        fake.add_user(f"S{name}", name)
    for method in ("conversations.open", "chat.postMessage"):
        fake.limit(method, per_second=20, burst=10)
    sender = SlackSender(WebApi(AsyncWebClient(token="xoxb-test", base_url=fake.api_url)))
    dispatcher = Dispatcher(
        database=database, senders={Platform.SLACK: sender}, clock=SystemClock(), worker="w1"
    )
    task = asyncio.create_task(dispatcher.run())
    deadline = time.monotonic() + 60
    try:
        while await pending_slack(database) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await sender.close()
        await fake.stop()
    assert await pending_slack(database) == 0
    assert fake.rate_limited
    posted = Counter(channel for channel, messages in fake.messages.items() for _ in messages)
    assert posted == Counter({f"DS{name}": 1 for name in names})
