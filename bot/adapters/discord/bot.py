"""The pausebot Discord bot: a commands.Bot whose command tree is derived from the command table."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import discord
import yarl
from discord import app_commands
from discord.ext import commands

from bot.adapters.discord.commands import (
    build_groups,
    declared_command,
    send_follow_up,
    send_reply,
)
from bot.adapters.discord.embeds import reply_embed
from bot.commands.reply import ErrorKind, Reply, internal_failure
from bot.commands.runner import CommandRunner
from bot.config import Settings

log = logging.getLogger(__name__)


def use_endpoints(settings: Settings) -> None:
    """Send REST calls to DISCORD_API_URL and connect to DISCORD_GATEWAY_URL when they are set."""
    if settings.DISCORD_API_URL:
        discord.http.Route.BASE = settings.DISCORD_API_URL.rstrip("/")
    if settings.DISCORD_GATEWAY_URL:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.DISCORD_GATEWAY_URL)


def error_reply(error: app_commands.AppCommandError) -> Reply:
    """A one-sentence refusal for an error raised before or around a command.

    A stale command or an option Discord could not resolve gets its own sentence; anything else
    is a failure on our side, answered (and logged) by the one internal-error path.
    """
    if isinstance(error, app_commands.CommandNotFound):
        return Reply.error(
            f"There is no command /{' '.join([*error.parents, error.name])} any more; "
            "type /hours help to see your commands.",
            kind=ErrorKind.UNKNOWN_COMMAND,
        )
    if isinstance(error, app_commands.TransformerError):
        return Reply.error(
            f"{error.value!r} is not a valid {error.type.name} here; pick one from the list.",
        )
    return internal_failure("Discord command", error)


class PausebotTree(app_commands.CommandTree):
    """The command tree, answering every error with a clear private sentence."""

    async def on_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError, /
    ) -> None:
        """Tell the caller what went wrong, privately, however far the command got."""
        reply = error_reply(error)
        if interaction.type is discord.InteractionType.autocomplete:
            return
        response = interaction.response
        if not response.is_done():
            await send_reply(interaction, reply)
        elif response.type is discord.InteractionResponseType.deferred_channel_message:
            public = (declared := declared_command(interaction)) is not None and declared.public
            await send_follow_up(interaction, reply, public=public)
        else:
            await interaction.followup.send(embed=reply_embed(reply), ephemeral=True)


class PausebotBot(commands.Bot):
    """pausebot on Discord: application commands over the command layer."""

    def __init__(
        self, *, runner: CommandRunner, settings: Settings, sync_on_start: bool = True
    ) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=discord.Intents.default(),
            help_command=None,
            tree_cls=PausebotTree,
        )
        self.runner = runner
        self.settings = settings
        self.sync_on_start = sync_on_start
        self._task: asyncio.Task[None] | None = None

    async def setup_hook(self) -> None:
        """Add the command groups, then sync the commands to DISCORD_GUILD_IDS when set."""
        for group in build_groups():
            self.tree.add_command(group)
        if self.sync_on_start and self.settings.DISCORD_GUILD_IDS:
            await sync_commands(self, guild_ids=self.settings.DISCORD_GUILD_IDS)

    async def on_ready(self) -> None:
        """Log who we are once the gateway is ready."""
        log.info("Discord connected as %s (%s)", self.user, self.user and self.user.id)

    def launch(self) -> asyncio.Task[None]:
        """Start the bot in the running loop, as a task that logs how it ended."""
        use_endpoints(self.settings)
        self._task = asyncio.create_task(self._run(), name="pausebot-discord")
        return self._task

    async def _run(self) -> None:
        """Log in and stay connected until closed; log a failure instead of raising it."""
        try:
            await self.start(self.settings.DISCORD_BOT_TOKEN or "")
        except discord.LoginFailure:
            log.error("Discord refused DISCORD_BOT_TOKEN; Discord is not running")
        except Exception:
            log.exception("Discord stopped")

    async def shutdown(self) -> None:
        """Close the connection and wait for the task started by launch()."""
        await self.close()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


async def sync_commands(bot: PausebotBot, *, guild_ids: list[int] | None) -> list[str]:
    """Publish the command table to these guilds, or globally when guild_ids is None."""
    if guild_ids is None:
        synced = await bot.tree.sync()
        log.info("synced %d Discord commands globally", len(synced))
        return [command.name for command in synced]
    names: list[str] = []
    for guild_id in guild_ids:
        guild = discord.Object(id=guild_id)
        bot.tree.copy_global_to(guild=guild)
        synced = await bot.tree.sync(guild=guild)
        log.info("synced %d Discord commands to guild %s", len(synced), guild_id)
        names = [command.name for command in synced]
    return names


async def sync_once(*, runner: CommandRunner, settings: Settings, everywhere: bool) -> list[str]:
    """Log in over REST only, publish the commands (globally or to the guilds), log out."""
    use_endpoints(settings)
    bot = PausebotBot(runner=runner, settings=settings, sync_on_start=False)
    async with bot:
        await bot.login(settings.DISCORD_BOT_TOKEN or "")
        return await sync_commands(
            bot, guild_ids=None if everywhere else settings.DISCORD_GUILD_IDS
        )
