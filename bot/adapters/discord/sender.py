"""Delivers outbox messages on Discord: DMs to users and posts in channels."""

from __future__ import annotations

import hashlib
import logging
from typing import Any

import aiohttp

from bot.adapters.discord.embeds import message_embed
from bot.core.words import Platform, TargetType
from bot.notify.sender import Outgoing, PermanentFailure, RetryLater

log = logging.getLogger(__name__)

DEFAULT_API_URL = "https://discord.com/api/v10"
# Discord accepts a message nonce of at most 25 characters.
NONCE_LENGTH = 25
USER_AGENT = "DiscordBot (https://github.com/pausebot/pausebot, 0.1) pausebot"


def message_nonce(dedupe_key: str) -> str:
    """The nonce that makes a repeated send of one outbox message return the first message."""
    return hashlib.sha256(dedupe_key.encode()).hexdigest()[:NONCE_LENGTH]


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

    async def send(self, message: Outgoing) -> None:
        """Post the message; a repeated send of the same outbox row is answered, not duplicated."""
        channel_id = message.target
        if message.target_type == TargetType.USER:
            channel_id = await self._dm_channel(message.target)
        body = {
            "embeds": [message_embed(message.message).to_dict()],
            "allowed_mentions": {"parse": []},
            "nonce": message_nonce(message.dedupe_key),
            "enforce_nonce": True,
        }
        sent = await self._call("POST", f"/channels/{channel_id}/messages", body)
        log.info(
            "discord message %s for outbox %s to %s %s",
            sent.get("id"),
            message.id,
            message.target_type,
            message.target,
        )

    async def was_sent(self, message: Outgoing) -> bool:
        """Always False: sending again with the same enforced nonce returns the first message."""
        return False

    async def close(self) -> None:
        """Close the HTTP session this sender opened."""
        if self._owns_session and self._session is not None:
            await self._session.close()
            self._session = None

    async def _dm_channel(self, user_id: str) -> str:
        """The DM channel with a user, opened once per process."""
        if user_id not in self._dm_channels:
            channel = await self._call("POST", "/users/@me/channels", {"recipient_id": user_id})
            self._dm_channels[user_id] = str(channel["id"])
        return self._dm_channels[user_id]

    async def _call(self, method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """One REST call; 429 and 5xx become RetryLater, other refusals PermanentFailure."""
        if self._session is None:
            self._session = aiohttp.ClientSession()
        headers = {"Authorization": f"Bot {self.token}", "User-Agent": USER_AGENT}
        try:
            async with self._session.request(
                method, self.api_url + path, json=body, headers=headers
            ) as response:
                data = await _json(response)
                if response.status < 300:
                    return data
                raise _failure(method, path, response, data)
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise RetryLater(f"Discord unreachable: {exc.__class__.__name__}: {exc}") from exc


async def _json(response: aiohttp.ClientResponse) -> dict[str, Any]:
    """The JSON body of a response, or an empty dict when it has none."""
    if response.content_type != "application/json":
        return {}
    data = await response.json()
    return data if isinstance(data, dict) else {}


def _failure(
    method: str, path: str, response: aiohttp.ClientResponse, data: dict[str, Any]
) -> Exception:
    """The delivery error for a refused call."""
    detail = f"{method} {path}: {response.status} {data.get('message', response.reason)}"
    if "code" in data:
        detail += f" (code {data['code']})"
    if response.status == 429:
        retry_after = data.get("retry_after") or response.headers.get("Retry-After")
        return RetryLater(detail, float(retry_after) if retry_after is not None else None)
    if response.status >= 500 or response.status == 401:
        return RetryLater(detail)
    return PermanentFailure(detail)
