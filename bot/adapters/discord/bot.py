"""The pausebot Discord bot: a commands.Bot whose command tree is derived from the command table."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import aiohttp
import discord
import yarl
from discord import app_commands
from discord.ext import commands
from discord.gateway import DiscordWebSocket, ReconnectWebSocket
from discord.utils import MISSING

from bot.adapters.discord.buttons import answer_click
from bot.adapters.discord.commands import (
    build_groups,
    declared_command,
    send_follow_up,
    send_reply,
)
from bot.adapters.discord.embeds import reply_embed
from bot.adapters.discord.groups import (
    DISALLOWED_INTENTS,
    members_intent_refused,
    pausebot_intents,
)
from bot.backoff import Backoff
from bot.commands.reply import ErrorKind, Reply, internal_failure
from bot.commands.runner import CommandRunner
from bot.config import Settings
from bot.core.words import Platform
from bot.health import AdapterState, Health

log = logging.getLogger(__name__)

# The gateway's close code for a token it refuses; retrying with the same token cannot help.
AUTHENTICATION_FAILED = 4004
# Errors of the network or of Discord that another try, later, may not meet (as discord.py's
# own connect loop lists them).
TRANSIENT = (
    OSError,
    discord.HTTPException,
    discord.GatewayNotFound,
    discord.ConnectionClosed,
    aiohttp.ClientError,
    asyncio.TimeoutError,
)


class TokenRefused(Exception):
    """Discord refused DISCORD_BOT_TOKEN (REST 401 or gateway close 4004)."""


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
    """pausebot on Discord: application commands over the command layer.

    `launch()` keeps it connected for as long as the process runs: the REST login and the
    gateway are tried again with `Backoff` (at most 30 s apart) whenever they fail or drop,
    and its state (`connecting`, `ok`, `down`) is kept in `health` for /healthz. Only a token
    Discord refuses stops it (`down`): retrying a refused token cannot help.
    """

    def __init__(
        self,
        *,
        runner: CommandRunner,
        settings: Settings,
        sync_on_start: bool = True,
        health: Health | None = None,
        backoff: Backoff | None = None,
    ) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=pausebot_intents(),
            help_command=None,
            tree_cls=PausebotTree,
        )
        self.runner = runner
        self.settings = settings
        self.sync_on_start = sync_on_start
        self.health = health if health is not None else Health()
        self.backoff = backoff if backoff is not None else Backoff()
        self.stopping = False
        self._groups_added = False
        self._task: asyncio.Task[None] | None = None

    async def setup_hook(self) -> None:
        """Add the command groups (once), then sync them to DISCORD_GUILD_IDS when set.

        It runs again on every login that follows a failed one. A sync Discord answers with an
        error does not keep the bot off the gateway: the commands synced before still work.
        """
        if not self._groups_added:
            for group in build_groups():
                self.tree.add_command(group)
            self._groups_added = True
        if self.sync_on_start and self.settings.DISCORD_GUILD_IDS:
            try:
                await sync_commands(self, guild_ids=self.settings.DISCORD_GUILD_IDS)
            except discord.HTTPException as exc:
                log.error("Discord commands not synced (HTTP %s); going on without", exc.status)

    async def on_connect(self) -> None:
        """The gateway said READY: connected."""
        self._connected()

    async def on_resumed(self) -> None:
        """The gateway resumed the session: connected again."""
        self._connected()

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """A click on one of pausebot's buttons (the command tree answers the commands)."""
        await answer_click(interaction)

    async def on_ready(self) -> None:
        """Log who we are once the gateway is ready."""
        log.info("Discord connected as %s (%s)", self.user, self.user and self.user.id)

    def _connected(self) -> None:
        """The gateway connection is up."""
        self.backoff.connected()
        self.health.set(Platform.DISCORD, AdapterState.OK)

    def launch(self) -> asyncio.Task[None]:
        """Start the bot in the running loop, as a task; it never raises and never blocks."""
        use_endpoints(self.settings)
        self.health.expect(Platform.DISCORD)
        self._task = asyncio.create_task(self._run(), name="pausebot-discord")
        return self._task

    async def _run(self) -> None:
        """Log in and stay connected until shut down; a refused token stops it, `down`."""
        token = self.settings.DISCORD_BOT_TOKEN or ""
        try:
            await self._log_in(token)
            await self.connect()
        except TokenRefused as refused:
            self.health.set(Platform.DISCORD, AdapterState.DOWN)
            log.error(
                "Discord refused DISCORD_BOT_TOKEN (%s); Discord stays down, without retrying "
                "a token Discord refused: set a valid DISCORD_BOT_TOKEN and restart pausebot",
                refused,
            )

    async def _log_in(self, token: str) -> None:
        """The REST login (and command sync), tried until it succeeds or the token is refused."""
        while not self.stopping:
            self.health.set(Platform.DISCORD, AdapterState.CONNECTING)
            try:
                await self.login(token)
                return
            except discord.LoginFailure as exc:
                raise TokenRefused("HTTP 401 on login") from exc
            except Exception as exc:
                await self._forget_login()
                await self._wait("Discord login", exc)

    async def _forget_login(self) -> None:
        """Close the REST session a failed login opened, so the next one starts afresh."""
        with contextlib.suppress(Exception):
            await self.http.close()
        self.http.connector = MISSING

    async def _wait(self, what: str, exc: BaseException) -> None:
        """Log a failed try in one line and wait out the backoff before the next one."""
        delay = self.backoff.next()
        log.warning("%s failed (%s); trying again in %.1f s", what, describe(exc), delay)
        await asyncio.sleep(delay)

    async def connect(self, *, reconnect: bool = True) -> None:
        """Stay connected to the gateway until closed, resuming the session where it can.

        discord.py's own loop (`Client.connect`) waits up to 1024 s between tries, stops at
        close codes it deems final, and fails outright when the very first connection fails;
        this one follows the same steps with pausebot's `Backoff` (at most 30 s) and keeps
        trying until shut down. Only a refused token (close code 4004) ends it.
        """
        params: dict[str, object] = {"initial": True, "shard_id": self.shard_id}
        while not self.is_closed():
            try:
                self.ws = await asyncio.wait_for(
                    DiscordWebSocket.from_client(self, **params),  # type: ignore[arg-type]
                    timeout=60.0,
                )
                params["initial"] = False
                while True:
                    await self.ws.poll_event()
            except ReconnectWebSocket as asked:
                # Discord asked for it, or the socket closed in a way that may be resumed.
                self.dispatch("disconnect")
                self.health.set(Platform.DISCORD, AdapterState.CONNECTING)
                if self.ws is not None:  # None when the very first socket closed before HELLO
                    params.update(
                        sequence=self.ws.sequence, resume=asked.resume, session=self.ws.session_id
                    )
                    if asked.resume:
                        params["gateway"] = self.ws.gateway
                    else:
                        params.pop("gateway", None)
                if self.is_closed():
                    return
                if delay := self.backoff.next():
                    log.warning("Discord gateway closed; reconnecting in %.1f s", delay)
                    await asyncio.sleep(delay)
            except TRANSIENT as exc:
                self.dispatch("disconnect")
                if self.is_closed():
                    return
                if isinstance(exc, discord.ConnectionClosed) and exc.code == AUTHENTICATION_FAILED:
                    raise TokenRefused(f"gateway close code {exc.code}") from exc
                if isinstance(exc, discord.ConnectionClosed) and exc.code == DISALLOWED_INTENTS:
                    members_intent_refused(self)
                self.health.set(Platform.DISCORD, AdapterState.CONNECTING)
                await self._wait("Discord gateway", exc)
                if self.ws is not None:
                    # Always try to RESUME, as discord.py does: Discord invalidates the session
                    # when it cannot be resumed, and the bot identifies again.
                    params.update(
                        sequence=self.ws.sequence,
                        gateway=self.ws.gateway,
                        resume=self.ws.session_id is not None,
                        session=self.ws.session_id,
                    )

    async def shutdown(self) -> None:
        """Close the connection and wait for the task started by launch()."""
        self.stopping = True
        if self._task is not None:
            self._task.cancel()
        await self.close()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


def describe(exc: BaseException) -> str:
    """An error in a few words for a log line: its type, and its message when short."""
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text[:160]}" if text else type(exc).__name__


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
