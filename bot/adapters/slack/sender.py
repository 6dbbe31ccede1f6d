"""Delivers outbox messages on Slack: DMs and channel posts tagged with their dedupe key."""

from __future__ import annotations

import logging
from datetime import timedelta
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
# conversations.history pages (Slack's recommended size); a lookup reads every page it needs.
HISTORY_PAGE = 100
# How far before the send began a lookup reads, for the difference between our clock and Slack's.
LOOKUP_MARGIN = timedelta(minutes=2)


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

    async def prepare(self, message: Outgoing) -> None:
        """Open the DM a message to a user goes to (once per user and process)."""
        await self._channel(message)

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
        """Whether the conversation holds this message: every page since just before its send.

        The history is read from `send_started_at` less a margin (`oldest`), newest first, page
        after page with the cursor, until the message is found or the pages run out; a busy
        channel cannot hide it behind newer messages.
        """
        channel = await self._channel(message)
        query: dict[str, Any] = {
            "channel": channel,
            "limit": HISTORY_PAGE,
            "include_all_metadata": True,
        }
        if message.send_started_at is not None:
            query["oldest"] = slack_ts((message.send_started_at - LOOKUP_MARGIN).timestamp())
        cursor = None
        pages = 0
        while True:
            try:
                data = await self._call("conversations.history", **query, cursor=cursor)
            except PermanentFailure as exc:
                log.warning("cannot read %s to look for %s: %s", channel, message.dedupe_key, exc)
                return False
            pages += 1
            if any(carries(posted, message.dedupe_key) for posted in data.get("messages", [])):
                log.info("found %s in %s after %d page(s)", message.dedupe_key, channel, pages)
                return True
            cursor = (data.get("response_metadata") or {}).get("next_cursor")
            if not data.get("has_more") or not cursor:
                return False

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
            raise RetryLater(
                f"{method}: {exc.error}", retry_after=exc.retry_after, scope=method
            ) from exc


def slack_ts(seconds: float) -> str:
    """A Unix time as Slack writes a message `ts`: seconds and six decimals."""
    return f"{seconds:.6f}"


def slack_sender(settings: Settings) -> SlackSender:
    """The Slack sender of `pausebot run`: the bot token's client on SLACK_API_URL."""
    return SlackSender(WebApi(web_client(settings)))
