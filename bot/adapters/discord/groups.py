"""Discord roles as groups: who has a role, from the server's member list, read in pages.

Discord lists no role's members: pausebot lists every member of the role's server
(`GET /guilds/{id}/members?limit=1000&after=…`, paged to the end) and keeps those who have it.
That list needs the privileged Server Members intent, turned on for the bot in the Developer
Portal (Bot → Privileged Gateway Intents → Server Members Intent); without it Discord answers
403, and pausebot says so in one sentence. Calls go through discord.py's HTTP client, which
waits out Discord's 429s.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import discord

from bot.core.audiences import GroupKind, GroupRef, Member, Members, Progress
from bot.core.errors import InvalidInput, NotFound
from bot.core.words import IdentityKey, Platform

if TYPE_CHECKING:
    from bot.adapters.discord.bot import PausebotBot

log = logging.getLogger(__name__)

PAGE = 1000  # the most members Discord lists in one page
MISSING_ACCESS = 50001
# The gateway's close code when the bot asks for a privileged intent it was not granted.
DISALLOWED_INTENTS = 4014
INTENT_HELP = (
    "turn on the Server Members Intent for pausebot in the Discord Developer Portal "
    "(Bot → Privileged Gateway Intents) and restart pausebot"
)


def pausebot_intents() -> discord.Intents:
    """The gateway intents pausebot asks for: the defaults and the Server Members intent."""
    intents = discord.Intents.default()
    intents.members = True
    return intents


def members_intent_refused(bot: discord.Client) -> None:
    """Discord closed the gateway (4014): the Server Members intent is off in the Developer
    Portal. Say how to turn it on, and connect again without it, so commands keep working;
    roles cannot be read until it is on."""
    log.error(
        "Discord refused the Server Members intent, so pausebot cannot read who has a role: "
        "%s. Connecting without it meanwhile.",
        INTENT_HELP,
    )
    bot._connection._intents.members = False  # the intents the next IDENTIFY sends


def display_name(member: dict[str, Any]) -> str | None:
    """The name the server shows for a member: nickname, global name, else user name."""
    user = member.get("user") or {}
    return member.get("nick") or user.get("global_name") or user.get("username")


class DiscordAudience:
    """The members of Discord roles (bots and pausebot left out), over the bot's REST client."""

    def __init__(self, bot: PausebotBot, *, page_size: int = PAGE) -> None:
        self.bot = bot
        self.page_size = page_size
        self.servers: dict[str, str] = {}  # role id → server id, once found

    async def members(self, group: GroupRef, progress: Progress | None = None) -> Members:
        """Everyone who has the role now."""
        if group.key.kind is not GroupKind.ROLE:
            raise InvalidInput(f"{group.shown} is not a Discord role.")
        role_id = group.key.external_id
        server, name = await self._server_of(group)
        holders: list[Member] = []
        bots: set[str] = set()
        listed = 0
        after = 0
        while True:
            page = await self._page(group, server, after)
            for member in page:
                user = member.get("user") or {}
                user_id = str(user.get("id", ""))
                if role_id != server and role_id not in (member.get("roles") or []):
                    continue
                if user.get("bot") or user.get("system"):
                    bots.add(user_id)
                    continue
                holders.append(
                    Member(IdentityKey(Platform.DISCORD, user_id), name=display_name(member))
                )
            listed += len(page)
            if progress is not None:
                await progress(group, len(holders))
            if len(page) < self.page_size:
                break
            after = max(int((member.get("user") or {}).get("id", 0)) for member in page)
        log.info("read %d members of Discord server %s for role %s", listed, server, role_id)
        return Members(
            group=group,
            people=tuple(holders),
            label=group.label or (f"@{name}" if name else None),
            bots=frozenset(bots),
        )

    async def _page(self, group: GroupRef, server: str, after: int) -> list[dict[str, Any]]:
        """One page of the server's members after a user id."""
        try:
            return await self.bot.http.get_members(server, self.page_size, after or None)
        except discord.Forbidden as exc:
            raise InvalidInput(
                f"Discord refused to list the members of the server of {group.shown}: "
                f"{INTENT_HELP}."
            ) from exc
        except discord.HTTPException as exc:
            raise InvalidInput(
                f"Discord did not answer when pausebot read who has {group.shown} "
                f"(HTTP {exc.status}); try again in a moment."
            ) from exc

    async def _server_of(self, group: GroupRef) -> tuple[str, str | None]:
        """The server the role belongs to, and the role's name.

        The role option says; a role written as text is looked for in the servers pausebot
        knows (its gateway cache, then DISCORD_GUILD_IDS).
        """
        role_id = group.key.external_id
        candidates = [group.scope] if group.scope else []
        if role_id in self.servers:
            candidates.append(self.servers[role_id])
        candidates += [str(guild.id) for guild in self.bot.guilds]
        candidates += [str(guild) for guild in self.bot.settings.DISCORD_GUILD_IDS]
        for server in dict.fromkeys(candidates):
            if server == role_id:  # @everyone
                return server, "everyone"
            try:
                roles = await self.bot.http.get_roles(server)
            except discord.NotFound:
                continue
            except discord.HTTPException as exc:
                raise InvalidInput(
                    f"Discord did not answer when pausebot looked for {group.shown} "
                    f"(HTTP {exc.status}); try again in a moment."
                ) from exc
            for role in roles:
                if str(role.get("id")) == role_id:
                    self.servers[role_id] = server
                    return server, role.get("name")
        raise NotFound(
            f"There is no Discord role {group.shown} in the servers pausebot is in; "
            "pick the role from the list."
        )
