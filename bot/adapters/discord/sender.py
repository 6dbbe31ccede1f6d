"""Delivers outbox messages on Discord: DMs to users and posts in channels."""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime, timedelta
from typing import Any

import aiohttp

from bot.adapters.discord.embeds import message_components, message_embed
from bot.core.words import Platform, TargetType
from bot.notify.sender import Outgoing, PermanentFailure, RetryLater

log = logging.getLogger(__name__)

DEFAULT_API_URL = "https://discord.com/api/v10"
# Discord accepts a message nonce of at most 25 characters.
NONCE_LENGTH = 25
USER_AGENT = "DiscordBot (https://github.com/pausebot/pausebot, 0.1) pausebot"
# Snowflakes count milliseconds from the first moment of 2015 (UTC).
DISCORD_EPOCH_MS = 1_420_070_400_000
# How far before the send began a lookup reads, for the difference between our clock and Discord's.
LOOKUP_MARGIN = timedelta(minutes=2)
HISTORY_PAGE = 100


def message_nonce(dedupe_key: str) -> str:
    """The nonce that makes a repeated send of one outbox message return the first message."""
    return hashlib.sha256(dedupe_key.encode()).hexdigest()[:NONCE_LENGTH]


def time_snowflake(moment: datetime) -> int:
    """The smallest message id Discord could give at a moment: any later message's id is larger."""
    milliseconds = int(moment.timestamp() * 1000) - DISCORD_EPOCH_MS
    return max(0, milliseconds) << 22


def outbox_embed(message: Outgoing) -> dict[str, Any]:
    """The embed an outbox message is posted as: the one a reply with its Message gets."""
    return message_embed(message.message).to_dict()


def carries(posted: dict[str, Any], dedupe_key: str, embed: dict[str, Any]) -> bool:
    """Whether a message read from the channel is the outbox message with this key.

    Its nonce says so when Discord returns it; otherwise the message carries exactly the embed
    this outbox message is drawn as (title, text, fields, colour), which only a message of the
    same words to the same conversation shares.
    """
    if posted.get("nonce") == message_nonce(dedupe_key):
        return True
    return any(
        all(found.get(key) == value for key, value in embed.items())
        for found in posted.get("embeds") or []
    )


class DiscordSender:
    """The Sender for Discord, over the REST API (DISCORD_API_URL when set)."""

    platform = Platform.DISCORD

    def __init__(
        self,
        *,
        token: str,
        api_url: str | None = None,
        session: aiohttp.ClientSession | None = None,
    ) -> None:
        self.token = token
        self.api_url = (api_url or DEFAULT_API_URL).rstrip("/")
        self._session = session
        self._owns_session = session is None
        self._dm_channels: dict[str, str] = {}

    async def prepare(self, message: Outgoing) -> None:
        """Open the DM channel a message to a user goes to (once per user and process)."""
        await self._channel_id(message)

    async def send(self, message: Outgoing) -> None:
        """Post the message; a repeated send of the same outbox row is answered, not duplicated."""
        channel_id = await self._channel_id(message)
        body = {
            "embeds": [outbox_embed(message)],
            "allowed_mentions": {"parse": []},
            "nonce": message_nonce(message.dedupe_key),
            "enforce_nonce": True,
        }
        if components := message_components(message.message):
            body["components"] = components
        sent = await self._call("POST", f"/channels/{channel_id}/messages", body)
        log.info(
            "discord message %s for outbox %s to %s %s",
            sent.get("id"),
            message.id,
            message.target_type,
            message.target,
        )

    async def was_sent(self, message: Outgoing) -> bool:
        """Whether the channel holds this message among those posted since its send began.

        Discord keeps a nonce only for minutes, so after a long outage the nonce alone would
        let a second copy through. The lookup reads the channel's messages after a snowflake
        made from `send_started_at` less a margin, page after page, and matches the nonce or
        the message's embed. Without a start time it cannot bound the search and says False.
        """
        if message.send_started_at is None:
            return False
        channel_id = await self._channel_id(message)
        after = time_snowflake(message.send_started_at - LOOKUP_MARGIN)
        embed = outbox_embed(message)
        path = f"/channels/{channel_id}/messages"
        while True:
            try:
                page = await self._call(
                    "GET", path, params={"after": str(after), "limit": str(HISTORY_PAGE)}
                )
            except PermanentFailure as exc:
                log.warning("cannot read %s to look for %s: %s", path, message.dedupe_key, exc)
                return False
            found = page if isinstance(page, list) else []
            if any(carries(posted, message.dedupe_key, embed) for posted in found):
                return True
            if len(found) < HISTORY_PAGE:
                return False
            after = max(int(posted["id"]) for posted in found)

    async def close(self) -> None:
        """Close the HTTP session this sender opened."""
        if self._owns_session and self._session is not None:
            await self._session.close()
            self._session = None

    async def _channel_id(self, message: Outgoing) -> str:
        """The channel to post in: the target channel, or the DM channel with the target user."""
        if message.target_type == TargetType.USER:
            return await self._dm_channel(message.target)
        return message.target

    async def _dm_channel(self, user_id: str) -> str:
        """The DM channel with a user, opened once per process."""
        if user_id not in self._dm_channels:
            channel = await self._call("POST", "/users/@me/channels", {"recipient_id": user_id})
            self._dm_channels[user_id] = str(channel["id"])
        return self._dm_channels[user_id]

    async def _call(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        *,
        params: dict[str, str] | None = None,
    ) -> Any:
        """One REST call; 429 and 5xx become RetryLater, other refusals PermanentFailure."""
        if self._session is None:
            self._session = aiohttp.ClientSession()
        headers = {"Authorization": f"Bot {self.token}", "User-Agent": USER_AGENT}
        try:
            async with self._session.request(
                method, self.api_url + path, json=body, params=params, headers=headers
            ) as response:
                data = await _json(response)
                if response.status < 300:
                    return data
                raise _failure(method, path, response, data)
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise RetryLater(f"Discord unreachable: {exc.__class__.__name__}: {exc}") from exc


async def _json(response: aiohttp.ClientResponse) -> Any:
    """The JSON body of a response (an object or a list), or an empty dict when it has none."""
    if response.content_type != "application/json":
        return {}
    data = await response.json()
    return data if isinstance(data, dict | list) else {}


def _failure(method: str, path: str, response: aiohttp.ClientResponse, data: Any) -> Exception:
    """The delivery error for a refused call."""
    data = data if isinstance(data, dict) else {}
    detail = f"{method} {path}: {response.status} {data.get('message', response.reason)}"
    if "code" in data:
        detail += f" (code {data['code']})"
    if response.status == 429:
        retry_after = data.get("retry_after") or response.headers.get("Retry-After")
        scope = "global" if data.get("global") else response.headers.get("X-RateLimit-Bucket")
        return RetryLater(
            detail, float(retry_after) if retry_after is not None else None, scope=scope
        )
    if response.status >= 500 or response.status == 401:
        return RetryLater(detail)
    return PermanentFailure(detail)
