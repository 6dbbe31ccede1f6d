"""Slack groups: who is in a user group or a channel, and the workspace's members by e-mail.

Members come from `usergroups.users.list` (one call) or `conversations.members` (paged to the
end); bots, deactivated accounts and pausebot itself are left out using the workspace
directory, read in bulk from `users.list` (paged, 1,000 a page) and kept for a while, never
with one call per person. Every call goes through the one Web API wrapper, which waits out
Slack's 429s (Retry-After) however long a large group takes.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from bot.adapters.slack.users import profile_from
from bot.adapters.slack.webapi import SlackCallError, WebApi
from bot.core.audiences import (
    GroupKind,
    GroupRef,
    Member,
    Members,
    Progress,
)
from bot.core.errors import InvalidInput, NotFound
from bot.core.words import IdentityKey, Platform

log = logging.getLogger(__name__)

PAGE = 1000  # the most users.list and conversations.members give in one page
SLACKBOT = "USLACKBOT"
# How long the directory is trusted, and how soon it may be read again for someone missing.
DIRECTORY_TTL = 900.0
DIRECTORY_REFRESH = 60.0
# Scopes each read needs, named when Slack refuses one for want of it.
SCOPES = {
    "usergroups.users.list": "usergroups:read",
    "conversations.members": "channels:read and groups:read",
    "users.list": "users:read (and users:read.email for e-mails)",
}


@dataclass(frozen=True)
class SlackUser:
    """One account of the workspace, as `users.list` describes it."""

    id: str
    name: str | None
    email: str | None
    bot: bool
    deleted: bool


# Told of each page of accounts as `users.list` gives it (an import's progress bar).
OnPage = Callable[[list[SlackUser]], Awaitable[None]]


def slack_user(data: dict[str, Any]) -> SlackUser:
    """A `users.list` member as pausebot keeps it."""
    user_id = str(data.get("id", ""))
    email = (data.get("profile") or {}).get("email")
    return SlackUser(
        id=user_id,
        name=profile_from(data).display_name,
        email=email.strip().lower() if isinstance(email, str) and email.strip() else None,
        bot=bool(data.get("is_bot")) or user_id == SLACKBOT,
        deleted=bool(data.get("deleted")),
    )


def refusal(method: str, exc: SlackCallError, what: str) -> InvalidInput:
    """The one sentence for a Web API call that failed while reading a group or the directory."""
    if exc.error == "missing_scope":
        return InvalidInput(
            f"pausebot's Slack app needs the {SCOPES.get(method, 'right')} scope to read "
            f"{what}; add it and reinstall the app."
        )
    return InvalidInput(
        f"Slack did not answer when pausebot read {what} ({exc.error}); try again in a moment."
    )


class SlackDirectory:
    """Every account of the workspace, from `users.list`, read in pages and kept for a while.

    One reading at a time: callers that ask while it runs wait for it and share it.
    """

    def __init__(
        self,
        api: WebApi,
        *,
        ttl: float = DIRECTORY_TTL,
        page_size: int = PAGE,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.api = api
        self.ttl = ttl
        self.page_size = page_size
        self.monotonic = monotonic
        self.read_at: float | None = None
        self.people: dict[str, SlackUser] = {}
        self.pages = 0
        # Ids users.list did not list even when just read (Slack Connect guests of a shared
        # channel): they do not make it read again until it is read for another reason.
        self.strangers: set[str] = set()
        self._lock = asyncio.Lock()

    def age(self) -> float | None:
        """Seconds since the directory was read, or None if never."""
        return None if self.read_at is None else self.monotonic() - self.read_at

    async def users(
        self,
        *,
        fresher_than: float | None = None,
        on_page: OnPage | None = None,
    ) -> dict[str, SlackUser]:
        """Every account by id, read again when older than the TTL (or `fresher_than`)."""
        wanted = self.ttl if fresher_than is None else min(self.ttl, fresher_than)
        async with self._lock:
            age = self.age()
            if age is None or age > wanted:
                await self._read(on_page)
            return self.people

    def unknown(self, ids: set[str]) -> bool:
        """Whether some of these ids are neither in the directory nor known to be absent."""
        return any(user_id not in self.people and user_id not in self.strangers for user_id in ids)

    def not_listed(self, ids: set[str]) -> None:
        """Remember the ids the directory, just read, does not list."""
        self.strangers.update(user_id for user_id in ids if user_id not in self.people)

    async def by_email(self, *, on_page: OnPage | None = None) -> dict[str, SlackUser]:
        """Every account that has an e-mail, by its e-mail in lower case."""
        people = await self.users(on_page=on_page)
        found: dict[str, SlackUser] = {}
        for user in people.values():
            if user.email and (user.email not in found or found[user.email].deleted):
                found[user.email] = user
        return found

    async def _read(self, on_page: OnPage | None) -> None:
        """Read `users.list` to the end."""
        people: dict[str, SlackUser] = {}
        cursor = ""
        pages = 0
        while True:
            try:
                data = await self.api.call("users.list", limit=self.page_size, cursor=cursor)
            except SlackCallError as exc:
                raise refusal("users.list", exc, "the workspace's members") from exc
            pages += 1
            page = [slack_user(item) for item in data.get("members") or []]
            people.update((user.id, user) for user in page)
            if on_page is not None:
                await on_page(page)
            cursor = (data.get("response_metadata") or {}).get("next_cursor") or ""
            if not cursor:
                break
        self.people, self.pages, self.read_at = people, pages, self.monotonic()
        self.strangers = set()
        log.info("read %d Slack accounts from users.list in %d pages", len(people), pages)


class SlackAudience:
    """The members of Slack user groups and channels, bots and deactivated accounts left out."""

    def __init__(
        self,
        api: WebApi,
        directory: SlackDirectory | None = None,
        *,
        bot_user_id: str | None = None,
        page_size: int = PAGE,
    ) -> None:
        self.api = api
        self.directory = directory or SlackDirectory(api)
        self.bot_user_id = bot_user_id
        self.page_size = page_size

    async def members(self, group: GroupRef, progress: Progress | None = None) -> Members:
        """A user group's or channel's people now (bots, deactivated and pausebot left out)."""
        if group.key.platform is not Platform.SLACK:
            raise InvalidInput(f"{group.shown} is not a Slack group.")
        if group.key.kind is GroupKind.USERGROUP:
            ids = await self._usergroup(group)
        elif group.key.kind is GroupKind.CHANNEL:
            ids = await self._channel(group, progress)
        else:
            raise InvalidInput(f"{group.shown} is not a Slack user group or channel.")
        wanted = set(ids)
        seen: set[str] = set()

        async def on_page(page: list[SlackUser]) -> None:
            """Say how many of the group's members the directory has shown so far."""
            seen.update(user.id for user in page if user.id in wanted)
            if progress is not None:
                await progress(group, len(seen))

        people = await self.directory.users(on_page=on_page)
        if self.directory.unknown(wanted):
            # Someone joined since the directory was read: read it again, at most once a minute.
            people = await self.directory.users(fresher_than=DIRECTORY_REFRESH, on_page=on_page)
            self.directory.not_listed(wanted)
        kept: list[Member] = []
        bots: set[str] = set()
        gone: set[str] = set()
        for user_id in dict.fromkeys(ids):
            user = people.get(user_id)
            if user_id == self.bot_user_id or (user is not None and user.bot):
                bots.add(user_id)
            elif user is not None and user.deleted:
                gone.add(user_id)
            else:
                name = user.name if user is not None else None
                kept.append(Member(IdentityKey(Platform.SLACK, user_id), name=name))
        return Members(
            group=group,
            people=tuple(kept),
            label=group.label,
            bots=frozenset(bots),
            deactivated=frozenset(gone),
        )

    async def _usergroup(self, group: GroupRef) -> list[str]:
        """The user ids of a user group (one call: Slack does not page it)."""
        try:
            data = await self.api.call(
                "usergroups.users.list", usergroup=group.key.external_id, include_disabled=False
            )
        except SlackCallError as exc:
            if exc.error in ("no_such_subteam", "subteam_not_found", "invalid_usergroup"):
                raise NotFound(
                    f"There is no Slack user group {group.shown}; pick it from Slack's "
                    "@ suggestions."
                ) from exc
            raise refusal("usergroups.users.list", exc, f"who is in {group.shown}") from exc
        return [str(user) for user in data.get("users") or []]

    async def _channel(self, group: GroupRef, progress: Progress | None) -> list[str]:
        """The user ids of a channel's members, paged to the end."""
        ids: list[str] = []
        cursor = ""
        while True:
            try:
                data = await self.api.call(
                    "conversations.members",
                    channel=group.key.external_id,
                    limit=self.page_size,
                    cursor=cursor,
                )
            except SlackCallError as exc:
                if exc.error in ("channel_not_found", "not_in_channel"):
                    raise NotFound(
                        f"pausebot cannot see the Slack channel {group.shown}; invite it to "
                        "the channel first (/invite @pausebot), or check the name."
                    ) from exc
                raise refusal("conversations.members", exc, f"who is in {group.shown}") from exc
            ids += [str(user) for user in data.get("members") or []]
            if progress is not None:
                await progress(group, len(ids))
            cursor = (data.get("response_metadata") or {}).get("next_cursor") or ""
            if not cursor:
                return ids


class ResponseProgress:
    """Tells a slow command's caller, through its response_url, how a long lookup goes.

    Nothing is said before the acknowledgement ("working on it") has gone out, then at most
    one line every `every` seconds and `most` lines in all (a response_url takes five posts,
    and the answer needs one).
    """

    def __init__(
        self,
        respond: Callable[[dict[str, Any]], Awaitable[Any]],
        *,
        after: float,
        every: float = 10.0,
        most: int = 3,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.respond = respond
        self.monotonic = monotonic
        self.started = monotonic()
        self.after = after
        self.every = every
        self.most = most
        self.said = 0
        self.last = float("-inf")

    async def __call__(self, group: GroupRef, count: int) -> None:
        """Say how many members of the group were read so far, when it is time to."""
        now = self.monotonic()
        if (
            now - self.started < self.after
            or now - self.last < self.every
            or self.said >= self.most
        ):
            return
        self.said += 1
        self.last = now
        text = f":hourglass_flowing_sand: Reading who is in {group.shown}: {count} so far…"
        try:
            await self.respond(
                {"response_type": "ephemeral", "replace_original": True, "text": text}
            )
        except SlackCallError as exc:
            log.info("a progress line through response_url failed: %s", exc)
