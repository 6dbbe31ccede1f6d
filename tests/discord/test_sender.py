"""The Discord sender against the fake API: DMs, channels, nonces, rate limits, failures."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from bot.adapters.discord.sender import (
    LOOKUP_MARGIN,
    DiscordSender,
    message_nonce,
    time_snowflake,
)
from bot.core.message import Message
from bot.core.words import Platform, TargetType
from bot.notify.sender import Outgoing, PermanentFailure, RetryLater

MESSAGE = Message(title="ACME is paused", text="Acme AI · Boxes\nReason: incident")


def outgoing(target_type: str, target: str, key: str = "change-1:discord:user") -> Outgoing:
    """An outbox message for Discord."""
    return Outgoing(
        id=1,
        kind="announcement",
        platform=Platform.DISCORD,
        target_type=TargetType(target_type),
        target=target,
        message=MESSAGE,
        dedupe_key=key,
    )


@pytest.fixture
async def sender(discord_api):
    """A sender talking to the fake."""
    sender = DiscordSender(token="test-bot-token", api_url=discord_api.api_url)
    yield sender
    await sender.close()


async def test_dm_opens_a_channel_then_posts_with_an_enforced_nonce(sender, discord_api):
    """A DM creates the DM channel, then posts the embed with nonce and enforce_nonce."""
    await sender.send(outgoing("user", "42"))
    (opened,) = discord_api.calls_to("POST", "/users/@me/channels")
    assert opened.body == {"recipient_id": "42"}
    assert opened.headers["Authorization"] == "Bot test-bot-token"
    (posted,) = discord_api.calls_to("POST", "/messages")
    assert posted.path == f"/channels/{discord_api.dm_channels['42']}/messages"
    assert posted.body["nonce"] == message_nonce("change-1:discord:user")
    assert len(posted.body["nonce"]) == 25 and posted.body["enforce_nonce"] is True
    assert posted.body["embeds"][0]["title"] == "ACME is paused"
    assert posted.body["embeds"][0]["description"].startswith("Acme AI")


async def test_repeated_send_leaves_one_message(sender, discord_api):
    """Sending the same outbox message twice leaves one message on Discord."""
    message = outgoing("channel", "700000000000000001", key="change-1:discord:channel")
    await sender.send(message)
    assert await sender.was_sent(message) is False
    await sender.send(message)
    assert len(discord_api.channel_messages["700000000000000001"]) == 1
    assert len(discord_api.calls_to("POST", "/messages")) == 2


async def test_rate_limit_becomes_retry_later_with_retry_after(sender, discord_api):
    """A 429 raises RetryLater carrying Discord's retry_after, and posts nothing."""
    discord_api.answer_error_next(1, retry_after=2.5, path="/messages")
    with pytest.raises(RetryLater) as caught:
        await sender.send(outgoing("channel", "700000000000000001"))
    assert caught.value.retry_after == 2.5
    assert discord_api.channel_messages.get("700000000000000001", []) == []
    await sender.send(outgoing("channel", "700000000000000001"))
    assert len(discord_api.channel_messages["700000000000000001"]) == 1


async def test_server_errors_and_network_failures_retry_later(sender, discord_api):
    """A 5xx or an unreachable API raises RetryLater without a retry_after."""
    discord_api.answer_error_next(1, status=502, path="/messages")
    with pytest.raises(RetryLater) as caught:
        await sender.send(outgoing("channel", "1"))
    assert caught.value.retry_after is None
    unreachable = DiscordSender(token="t", api_url="http://127.0.0.1:9/api/v10")
    try:
        with pytest.raises(RetryLater):
            await unreachable.send(outgoing("channel", "1"))
    finally:
        await unreachable.close()


async def test_closed_dms_unknown_users_and_channels_fail_for_good(sender, discord_api):
    """403 Cannot send messages to this user and 404 unknown user/channel are permanent."""
    discord_api.closed_dms.add("43")
    discord_api.unknown_users.add("44")
    discord_api.unknown_channels.add("45")
    with pytest.raises(PermanentFailure, match="Cannot send messages to this user"):
        await sender.send(outgoing("user", "43"))
    with pytest.raises(PermanentFailure, match="Unknown User"):
        await sender.send(outgoing("user", "44"))
    with pytest.raises(PermanentFailure, match="Unknown Channel"):
        await sender.send(outgoing("channel", "45"))


def in_doubt(message: Outgoing, started: datetime) -> Outgoing:
    """The message as the dispatcher hands it over after a send of it began at `started`."""
    return replace(message, in_doubt=True, send_started_at=started)


async def test_lookup_finds_a_message_whose_nonce_discord_forgot(sender, discord_api):
    """Long after the send, with the nonce forgotten, the lookup still finds the message."""
    started = datetime.now(UTC)
    message = in_doubt(outgoing("user", "42"), started)
    await sender.send(message)
    discord_api.forget_nonces()
    assert await sender.was_sent(message) is True
    (read,) = discord_api.calls_to("GET", "/messages")
    assert read.path == f"/channels/{discord_api.dm_channels['42']}/messages"
    assert int(read.query["after"]) == time_snowflake(started - LOOKUP_MARGIN)
    assert read.query["limit"] == "100"
    assert len(discord_api.calls_to("POST", "/messages")) == 1


async def test_lookup_pages_through_a_busy_channel(sender, discord_api):
    """250 other messages after ours: the lookup pages forward from the send and finds it."""
    channel = "700000000000000009"
    message = in_doubt(
        outgoing("channel", channel, key="change-2:discord:channel"), datetime.now(UTC)
    )
    for number in range(150):
        discord_api.post(channel, {"content": f"before {number}"})
    await sender.send(message)
    for _ in range(250):
        discord_api.post(channel, {"embeds": [{"title": "ACME is paused"}]})
    discord_api.forget_nonces()
    assert await sender.was_sent(message) is True
    assert len(discord_api.calls_to("GET", "/messages")) == 2
    other = in_doubt(
        outgoing("channel", channel, key="change-3:discord:channel"), datetime.now(UTC)
    )
    other = replace(other, message=Message(title="ACME is active again"))
    assert await sender.was_sent(other) is False
    assert len(discord_api.calls_to("GET", "/messages")) == 2 + 5


async def test_lookup_without_a_start_time_or_the_message_is_false(sender, discord_api):
    """Nothing posted since the send began: False; no start time to look from: False, no call."""
    assert await sender.was_sent(in_doubt(outgoing("user", "42"), datetime.now(UTC))) is False
    assert len(discord_api.calls_to("GET", "/messages")) == 1
    assert await sender.was_sent(outgoing("user", "42")) is False
    assert len(discord_api.calls_to("GET", "/messages")) == 1
