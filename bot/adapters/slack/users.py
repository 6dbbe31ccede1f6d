"""Who a Slack user is: display name and time zone from `users.info`, cached."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from bot.adapters.slack.webapi import SlackCallError, WebApi
from bot.core.people import Caller
from bot.core.words import Platform

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Profile:
    """What pausebot keeps from `users.info`."""

    display_name: str | None
    tz: str | None


def profile_from(user: dict) -> Profile:
    """The display name (display, real or user name) and time zone of a `users.info` user."""
    details = user.get("profile") or {}
    name = details.get("display_name") or details.get("real_name") or user.get("real_name")
    return Profile(display_name=name or user.get("name"), tz=user.get("tz"))


class UserDirectory:
    """Looks users up once and keeps the answer for `ttl` seconds; lookups never block acks.

    Only the request that starts a lookup waits for it (at most `wait` seconds); requests while
    it runs, or within `retry_failed` seconds of a failed one, go on at once with the name the
    request carries, so a slow or dead Web API costs each user one short wait, not every command.
    """

    def __init__(
        self,
        api: WebApi,
        *,
        ttl: float = 3600.0,
        wait: float = 0.5,
        retry_failed: float = 60.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.api = api
        self.ttl = ttl
        self.wait = wait
        self.retry_failed = retry_failed
        self.monotonic = monotonic
        self.profiles: dict[str, tuple[float, Profile]] = {}
        self.pending: dict[str, asyncio.Task[Profile | None]] = {}
        self.failed: dict[str, float] = {}

    async def caller(self, user_id: str, *, fallback_name: str | None = None) -> Caller:
        """The Caller for a Slack user, waiting at most `wait` seconds for a lookup it starts."""
        profile = self.cached(user_id)
        if profile is None and self._may_start_lookup(user_id):
            task = self._lookup(user_id)
            try:
                profile = await asyncio.wait_for(asyncio.shield(task), self.wait)
            except TimeoutError:
                log.info("users.info for %s is slow; going on without it", user_id)
        name = profile.display_name if profile and profile.display_name else fallback_name
        return Caller(
            platform=Platform.SLACK,
            external_id=user_id,
            display_name=name,
            tz=profile.tz if profile else None,
        )

    def cached(self, user_id: str) -> Profile | None:
        """A fresh cached profile, if any."""
        hit = self.profiles.get(user_id)
        if hit is None or self.monotonic() - hit[0] > self.ttl:
            return None
        return hit[1]

    def _may_start_lookup(self, user_id: str) -> bool:
        """Whether no lookup of this user is running or failed within `retry_failed` seconds."""
        if user_id in self.pending:
            return False
        failed_at = self.failed.get(user_id)
        return failed_at is None or self.monotonic() - failed_at > self.retry_failed

    def _lookup(self, user_id: str) -> asyncio.Task[Profile | None]:
        """The running lookup of a user, started if needed."""
        task = self.pending.get(user_id)
        if task is None:
            task = asyncio.create_task(self._fetch(user_id))
            self.pending[user_id] = task
            task.add_done_callback(lambda _done: self.pending.pop(user_id, None))
        return task

    async def _fetch(self, user_id: str) -> Profile | None:
        """Ask `users.info` and cache the answer; None when Slack does not say."""
        try:
            data = await self.api.call("users.info", user=user_id)
        except SlackCallError as exc:
            log.warning("users.info for %s failed: %s", user_id, exc)
            self.failed[user_id] = self.monotonic()
            return None
        profile = profile_from(data.get("user") or {})
        self.profiles[user_id] = (self.monotonic(), profile)
        self.failed.pop(user_id, None)
        return profile
