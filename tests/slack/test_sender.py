"""The Slack sender: DMs, channel posts with outbox metadata, was_sent, and failure mapping."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack.blocks import message_blocks
from bot.adapters.slack.ids import OUTBOX_EVENT_TYPE
from bot.adapters.slack.sender import LOOKUP_MARGIN, SlackSender, slack_sender
from bot.adapters.slack.webapi import WebApi
from bot.config import Settings
from bot.core.message import Field, Message
from bot.core.words import Platform, TargetType
from bot.notify.sender import Outgoing, PermanentFailure, RetryLater
from tests.fakes.slack_api import FakeSlackApi
from tests.slack.conftest import RecordedSleep

MESSAGE = Message(
    title="ACME is paused",
    text="Acme AI · Labels\nReason: vendor incident <all> & more",
    fields=(Field(name="Expected resume", value="2026-03-20"),),
)


def outgoing(target_type: str, target: str, key: str = "change:1") -> Outgoing:
    """An outbox message for one target."""
    return Outgoing(
        id=11,
        kind="announcement",
        platform=Platform.SLACK,
        target_type=TargetType(target_type),
        target=target,
        message=MESSAGE,
        dedupe_key=f"{key}:slack:{target_type}:{target}",
    )


@pytest.fixture
async def sender(slack_api: FakeSlackApi, sleeps: RecordedSleep) -> AsyncIterator[SlackSender]:
    """A SlackSender on the fake Web API, closed after the test."""
    client = AsyncWebClient(token="xoxb-test", base_url=slack_api.api_url)
    sender = SlackSender(WebApi(client, sleep=sleeps))
    yield sender
    await sender.close()


async def test_dm_opens_a_conversation_and_posts(sender: SlackSender, slack_api: FakeSlackApi):
    """A user target gets conversations.open then chat.postMessage with the outbox metadata."""
    message = outgoing("user", "UALICE")
    await sender.send(message)
    assert [c.method for c in slack_api.calls] == ["conversations.open", "chat.postMessage"]
    (posted,) = slack_api.messages["DUALICE"]
    assert posted["text"] == "ACME is paused"
    assert posted["metadata"] == {
        "event_type": OUTBOX_EVENT_TYPE,
        "event_payload": {"dedupe_key": message.dedupe_key, "outbox_id": 11},
    }
    assert "&lt;all&gt; &amp; more" in posted["blocks"][1]["text"]["text"]
    assert posted["blocks"] == message_blocks(MESSAGE)
    assert "2026-03-20" in posted["blocks"][2]["fields"][0]["text"]


async def test_slack_sender_factory_uses_the_settings(settings: Settings, slack_api: FakeSlackApi):
    """`slack_sender(settings)` calls SLACK_API_URL with SLACK_BOT_TOKEN."""
    sender = slack_sender(settings)
    try:
        assert sender.platform is Platform.SLACK
        await sender.send(outgoing("channel", "C0OPS"))
    finally:
        await sender.close()
    (call,) = slack_api.called("chat.postMessage")
    assert call.args["channel"] == "C0OPS"
    assert sender.api.client.token == "xoxb-pausebot-test"


async def test_channel_post_and_was_sent(sender: SlackSender, slack_api: FakeSlackApi):
    """A channel post is found again by its dedupe key in conversations.history."""
    message = outgoing("channel", "C0OPS")
    assert await sender.was_sent(message) is False
    await sender.send(message)
    assert await sender.was_sent(message) is True
    assert await sender.was_sent(outgoing("channel", "C0OPS", key="change:2")) is False
    (history, *_rest) = slack_api.called("conversations.history")
    assert history.args["include_all_metadata"] in (True, "true", "1")


async def test_dm_channel_is_opened_once(sender: SlackSender, slack_api: FakeSlackApi):
    """Two DMs to the same user open the conversation once."""
    await sender.send(outgoing("user", "UBOB"))
    await sender.send(outgoing("user", "UBOB", key="change:2"))
    assert len(slack_api.called("conversations.open")) == 1
    assert len(slack_api.messages["DUBOB"]) == 2


async def test_429_is_retry_later_with_retry_after(sender: SlackSender, slack_api: FakeSlackApi):
    """A 429 becomes RetryLater carrying Retry-After, and nothing is posted."""
    slack_api.fail_next(1, method="chat.postMessage", retry_after=12)
    with pytest.raises(RetryLater) as caught:
        await sender.send(outgoing("channel", "C0OPS"))
    assert caught.value.retry_after == 12
    assert "C0OPS" not in slack_api.messages


async def test_server_error_is_retry_later_without_retry_after(
    sender: SlackSender, slack_api: FakeSlackApi
):
    """A 5xx becomes RetryLater without retry_after (the message may have gone out)."""
    slack_api.fail_next(1, method="chat.postMessage", status=502, error="bad_gateway")
    with pytest.raises(RetryLater) as caught:
        await sender.send(outgoing("channel", "C0OPS"))
    assert caught.value.retry_after is None


@pytest.mark.parametrize(
    ("target_type", "target", "reason"),
    [
        ("user", "UNOBODY", "user_not_found"),
        ("user", "UPAUSEBOT", "cannot_dm_bot"),
        ("channel", "XGONE", "channel_not_found"),
    ],
)
async def test_undeliverable_targets_fail_for_good(
    sender: SlackSender, slack_api: FakeSlackApi, target_type: str, target: str, reason: str
):
    """Unknown users, the bot itself and missing channels are permanent failures."""
    slack_api.add_user("UPAUSEBOT", "pausebot")
    with pytest.raises(PermanentFailure) as caught:
        await sender.send(outgoing(target_type, target))
    assert reason in caught.value.reason


async def test_was_sent_on_unreadable_channel_is_false(
    sender: SlackSender, slack_api: FakeSlackApi
):
    """When the history cannot be read, was_sent says False so the message is sent."""
    slack_api.fail_next(1, method="conversations.history", status=200, error="not_in_channel")
    assert await sender.was_sent(outgoing("channel", "C0PRIVATE")) is False


async def test_calls_share_one_http_session(sender: SlackSender, slack_api: FakeSlackApi):
    """Every Web API call of the sender goes through one HTTP session, closed with the sender."""
    await sender.send(outgoing("user", "UALICE"))
    session = sender.api.client.session
    await sender.send(outgoing("channel", "C0OPS", key="change:8"))
    assert session is not None and sender.api.client.session is session
    await sender.close()
    assert session.closed


async def test_lookup_pages_back_through_a_busy_channel(
    sender: SlackSender, slack_api: FakeSlackApi
):
    """500 messages posted after ours: was_sent reads from just before the send, page by page."""
    started = datetime.now(UTC)
    message = replace(outgoing("channel", "C0BUSY"), in_doubt=True, send_started_at=started)
    await sender.send(message)
    for number in range(500):
        slack_api.post("C0BUSY", f"chatter {number}")
    assert await sender.was_sent(message) is True
    pages = slack_api.called("conversations.history")
    assert len(pages) == 6, "five pages of newer chatter, then ours"
    oldest = Decimal(pages[0].args["oldest"])
    assert oldest == Decimal(f"{(started - LOOKUP_MARGIN).timestamp():.6f}")
    assert {page.args["oldest"] for page in pages} == {pages[0].args["oldest"]}
    assert all(int(page.args["limit"]) == 100 for page in pages)
    assert "cursor" not in pages[0].args and all(page.args["cursor"] for page in pages[1:])
    assert len(slack_api.called("chat.postMessage")) == 1


async def test_lookup_reads_nothing_from_before_the_send(
    sender: SlackSender, slack_api: FakeSlackApi
):
    """An hour of older history is never read: one page shows the message is not there."""
    an_hour_ago = time.time() - 3600
    slack_api.wall = lambda: an_hour_ago
    for number in range(1000):
        slack_api.post("C0OLD", f"old chatter {number}")
    slack_api.wall = time.time
    message = replace(
        outgoing("channel", "C0OLD"), in_doubt=True, send_started_at=datetime.now(UTC)
    )
    assert await sender.was_sent(message) is False
    (page,) = slack_api.called("conversations.history")
    assert Decimal(page.args["oldest"]) > Decimal(f"{an_hour_ago:.6f}")


async def test_lookup_pages_to_the_end_when_the_message_is_missing(
    sender: SlackSender, slack_api: FakeSlackApi
):
    """A message that never went out: every page since the send is read, then False."""
    message = replace(
        outgoing("channel", "C0MISS"), in_doubt=True, send_started_at=datetime.now(UTC)
    )
    for number in range(250):
        slack_api.post("C0MISS", f"chatter {number}")
    assert await sender.was_sent(message) is False
    assert len(slack_api.called("conversations.history")) == 3
