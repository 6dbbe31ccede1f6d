"""Delivers outbox messages on Slack: DMs and channel posts tagged with their dedupe key."""

from __future__ import annotations

import logging
from typing import Any

import aiohttp

from bot.adapters.slack.blocks import post_body
from bot.adapters.slack.ids import OUTBOX_EVENT_TYPE
from bot.adapters.slack.webapi import SlackCallError, WebApi, web_client
from bot.config import Settings
from bot.core.words import Platform, TargetType
from bot.notify.sender import Outgoing, PermanentFailure, RetryLater

log = logging.getLogger(__name__)

# Errors after which the same message can never go out; anything else is tried again later.
PERMANENT_ERRORS = frozenset(
    {
        "user_not_found",
        "users_not_found",
        "user_disabled",
        "user_is_bot",
        "channel_not_found",
        "cannot_dm_bot",
        "is_archived",
        "not_in_channel",
        "restricted_action",
        "restricted_action_read_only_channel",
        "restricted_action_non_threadable_channel",
        "restricted_action_thread_only_channel",
        "msg_too_long",
        "no_text",
        "invalid_blocks",
        "invalid_metadata_format",
        "invalid_metadata_schema",
    }
)
HISTORY_LIMIT = 100


def outbox_metadata(message: Outgoing) -> dict[str, Any]:
    """Message metadata that lets `was_sent` find this message in the channel history."""
    return {
        "event_type": OUTBOX_EVENT_TYPE,
        "event_payload": {"dedupe_key": message.dedupe_key, "outbox_id": message.id},
    }


def carries(posted: dict[str, Any], dedupe_key: str) -> bool:
    """Whether a message from `conversations.history` is the outbox message with this key."""
    metadata = posted.get("metadata") or {}
    payload = metadata.get("event_payload") or {}
    is_outbox = metadata.get("event_type") == OUTBOX_EVENT_TYPE
    return is_outbox and payload.get("dedupe_key") == dedupe_key


class SlackSender:
    """The Sender for Slack: one attempt per call, so the dispatcher owns retries and pacing."""

    platform = Platform.SLACK

    def __init__(self, api: WebApi) -> None:
        self.api = api
        self.dm_channels: dict[str, str] = {}
        self._session: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        """Close the HTTP session this sender opened."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def send(self, message: Outgoing) -> None:
        """Post the message in its channel, or in a DM with its user."""
        channel = await self._channel(message)
        await self._call(
            "chat.postMessage",
            channel=channel,
            **post_body(message.message),
            metadata=outbox_metadata(message),
            unfurl_links=False,
        )

    async def was_sent(self, message: Outgoing) -> bool:
        """Whether the channel's recent history already holds this message."""
        channel = await self._channel(message)
        try:
            data = await self._call(
                "conversations.history",
                channel=channel,
                limit=HISTORY_LIMIT,
                include_all_metadata=True,
            )
        except PermanentFailure as exc:
            log.warning("cannot read %s to look for %s: %s", channel, message.dedupe_key, exc)
            return False
        return any(carries(posted, message.dedupe_key) for posted in data.get("messages", []))

    async def _channel(self, message: Outgoing) -> str:
        """The channel id to post in: the target channel, or the DM opened with the target user."""
        if message.target_type == TargetType.CHANNEL:
            return message.target
        if message.target not in self.dm_channels:
            opened = await self._call("conversations.open", users=message.target)
            self.dm_channels[message.target] = opened["channel"]["id"]
        return self.dm_channels[message.target]

    def _keep_connections(self) -> None:
        """One HTTP session for every call; without it the SDK connects anew for each call."""
        client = self.api.client
        if client.session is None or client.session.closed:
            timeout = aiohttp.ClientTimeout(total=client.timeout)
            self._session = client.session = aiohttp.ClientSession(timeout=timeout)

    async def _call(self, method: str, **kwargs: Any) -> dict[str, Any]:
        """One Web API attempt, with its failure turned into RetryLater or PermanentFailure."""
        self._keep_connections()
        try:
            return await self.api.call(method, retry=False, **kwargs)
        except SlackCallError as exc:
            if exc.error in PERMANENT_ERRORS:
                raise PermanentFailure(f"{method}: {exc.error}") from exc
            raise RetryLater(f"{method}: {exc.error}", retry_after=exc.retry_after) from exc


def slack_sender(settings: Settings) -> SlackSender:
    """The Slack sender of `pausebot run`: the bot token's client on SLACK_API_URL."""
    return SlackSender(WebApi(web_client(settings)))
