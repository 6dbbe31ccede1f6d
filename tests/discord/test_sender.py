"""The Discord sender against the fake API: DMs, channels, nonces, rate limits, failures."""

from __future__ import annotations

import pytest

from bot.adapters.discord.sender import DiscordSender, message_nonce
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
