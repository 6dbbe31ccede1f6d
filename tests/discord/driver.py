"""Sends real interaction payloads through the bot's real CommandTree.

This is the one place that uses discord.py's private API
(`ConnectionState.parse_interaction_create`, the gateway's own entry point);
pyproject pins discord.py to 2.7.x for it.
"""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass
from typing import Any

import discord

from tests.fakes.discord_api import FakeDiscord, InteractionLog

GUILD_ID = 900_000_000_000_000_001
CHANNEL_ID = 900_000_000_000_000_002
TREE_TASK = "CommandTree-invoker"
ALL_PERMISSIONS = str(discord.Permissions.all().value)


@dataclass(frozen=True)
class User:
    """A Discord user as it appears in payloads."""

    id: int
    name: str

    def payload(self) -> dict[str, Any]:
        """The user object."""
        return {
            "id": str(self.id),
            "username": self.name.lower(),
            "global_name": self.name,
            "discriminator": "0",
            "avatar": None,
            "public_flags": 0,
        }

    def member(self) -> dict[str, Any]:
        """The guild member object (with its user)."""
        return {
            "user": self.payload(),
            "nick": None,
            "avatar": None,
            "roles": [],
            "joined_at": "2025-01-06T09:00:00.000000+00:00",
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "permissions": ALL_PERMISSIONS,
            "communication_disabled_until": None,
        }


@dataclass(frozen=True)
class Channel:
    """A guild text channel as it appears in payloads."""

    id: int
    name: str

    def payload(self) -> dict[str, Any]:
        """The resolved channel object."""
        return {
            "id": str(self.id),
            "name": self.name,
            "type": 0,
            "permissions": ALL_PERMISSIONS,
            "guild_id": str(GUILD_ID),
            "parent_id": None,
            "position": 0,
            "nsfw": False,
            "topic": None,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "flags": 0,
            "permission_overwrites": [],
        }


@dataclass(frozen=True)
class Role:
    """A guild role as it appears in payloads."""

    id: int
    name: str

    def payload(self) -> dict[str, Any]:
        """The resolved role object."""
        return {
            "id": str(self.id),
            "name": self.name,
            "color": 0,
            "hoist": False,
            "position": 1,
            "permissions": "0",
            "managed": False,
            "mentionable": True,
            "flags": 0,
        }


class Driver:
    """Sends application-command and autocomplete interactions as Discord's gateway would."""

    def __init__(self, bot: discord.Client, api: FakeDiscord) -> None:
        self.bot = bot
        self.api = api
        self._ids = itertools.count(1_200_000_000_000_000_000)

    def _options(
        self, group: str, name: str, values: dict[str, Any], focused: str | None
    ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        """Options typed as the registered command declares them, and the resolved objects."""
        command = self.bot.tree.get_command(group).get_command(name)  # type: ignore[union-attr]
        # Options by their Python name (`first`) or their Discord name (`from`).
        params = {param.display_name: param for param in command.parameters}
        params |= {param.name: param for param in command.parameters}
        options, resolved = [], {"users": {}, "members": {}, "channels": {}, "roles": {}}
        for option_name, value in values.items():
            param = params[option_name]
            raw: Any = value
            if isinstance(value, User):
                raw = str(value.id)
                resolved["users"][raw] = value.payload()
                member = value.member()
                del member["user"]
                resolved["members"][raw] = member
            elif isinstance(value, Channel):
                raw = str(value.id)
                resolved["channels"][raw] = value.payload()
            elif isinstance(value, Role):
                raw = str(value.id)
                resolved["roles"][raw] = value.payload()
            option = {"name": param.display_name, "type": param.type.value, "value": raw}
            if option_name == focused:
                option["focused"] = True
            options.append(option)
        return options, {key: items for key, items in resolved.items() if items}

    def payload(
        self,
        user: User,
        group: str,
        name: str,
        values: dict[str, Any],
        *,
        focused: str | None = None,
        in_dm: bool = False,
        interaction_id: int | None = None,
    ) -> dict[str, Any]:
        """An INTERACTION_CREATE payload for `/group name` (type 4 when an option is focused)."""
        options, resolved = self._options(group, name, values, focused)
        interaction_id = interaction_id or next(self._ids)
        data: dict[str, Any] = {
            "id": "1250000000000000000",
            "name": group,
            "type": 1,
            "options": [{"name": name, "type": 1, "options": options}],
        }
        if resolved:
            data["resolved"] = resolved
        payload: dict[str, Any] = {
            "id": str(interaction_id),
            "application_id": str(self.api.application_id),
            "type": 4 if focused else 2,
            "data": data,
            "token": f"token-{interaction_id}-{next(self._ids)}",
            "version": 1,
            "app_permissions": ALL_PERMISSIONS,
            "locale": "en-US",
            "entitlements": [],
            "attachment_size_limit": 10 * 1024 * 1024,
        }
        if in_dm:
            channel = {"id": str(CHANNEL_ID + 1), "type": 1, "flags": 0, "recipients": []}
            payload |= {
                "user": user.payload(),
                "channel": channel,
                "channel_id": channel["id"],
                "context": 1,
                "authorizing_integration_owners": {"0": "0"},
            }
        else:
            payload |= {
                "guild_id": str(GUILD_ID),
                "guild": {"id": str(GUILD_ID), "locale": "en-US", "features": []},
                "guild_locale": "en-US",
                "member": user.member(),
                "channel": Channel(CHANNEL_ID, "general").payload(),
                "channel_id": str(CHANNEL_ID),
                "context": 0,
                "authorizing_integration_owners": {"0": str(GUILD_ID)},
            }
        return payload

    async def deliver(self, payload: dict[str, Any]) -> InteractionLog:
        """Hand the payload to discord.py as the gateway does and wait for the tree to finish."""
        self.bot._connection.parse_interaction_create(payload)  # type: ignore[attr-defined]
        running = [t for t in asyncio.all_tasks() if t.get_name() == TREE_TASK and not t.done()]
        await asyncio.gather(*running)
        return self.api.interaction(payload["token"])

    async def command(
        self, user: User, group: str, name: str, in_dm: bool = False, **values: Any
    ) -> InteractionLog:
        """Run `/group name` with typed options and return what the bot sent back."""
        return await self.deliver(self.payload(user, group, name, values, in_dm=in_dm))

    async def autocomplete(
        self, user: User, group: str, name: str, focused: str, **values: Any
    ) -> list[dict[str, Any]]:
        """Type into option `focused` of `/group name` and return the suggested choices."""
        log = await self.deliver(self.payload(user, group, name, values, focused=focused))
        return log.choices

    def click_payload(
        self, user: User, custom_id: str, message: dict[str, Any], *, interaction_id: int | None
    ) -> dict[str, Any]:
        """An INTERACTION_CREATE payload (type 3) for `user` pressing a button in their DM."""
        interaction_id = interaction_id or next(self._ids)
        channel = {"id": message["channel_id"], "type": 1, "flags": 0, "recipients": []}
        return {
            "id": str(interaction_id),
            "application_id": str(self.api.application_id),
            "type": 3,
            "data": {"custom_id": custom_id, "component_type": 2},
            "token": f"token-{interaction_id}-{next(self._ids)}",
            "version": 1,
            "app_permissions": ALL_PERMISSIONS,
            "locale": "en-US",
            "entitlements": [],
            "attachment_size_limit": 10 * 1024 * 1024,
            "user": user.payload(),
            "channel": channel,
            "channel_id": channel["id"],
            "message": message,
            "context": 1,
            "authorizing_integration_owners": {"0": "0"},
        }

    async def click(
        self,
        user: User,
        custom_id: str,
        message: dict[str, Any],
        *,
        interaction_id: int | None = None,
    ) -> InteractionLog:
        """Press a message component (a button) as the gateway delivers it; wait for the answer."""
        payload = self.click_payload(user, custom_id, message, interaction_id=interaction_id)
        self.bot._connection.parse_interaction_create(payload)  # type: ignore[attr-defined]
        running = [
            task
            for task in asyncio.all_tasks()
            if task.get_name() == "discord.py: on_interaction" and not task.done()
        ]
        await asyncio.gather(*running)
        return self.api.interaction(payload["token"])
