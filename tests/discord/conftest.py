"""Fixtures for the Discord adapter: the fake Discord, a logged-in bot and the driver."""

from __future__ import annotations

from collections.abc import AsyncIterator

import discord
import pytest

from bot.adapters.discord.bot import PausebotBot
from bot.commands.runner import CommandRunner
from bot.config import Settings
from bot.core.clock import FixedClock
from bot.db.session import Database
from tests.conftest import keys
from tests.discord.driver import GUILD_ID, Driver, User
from tests.fakes.discord_api import FakeDiscord

ADMIN = User(80_351_110_224_678_912, "Ada")
OPS = User(80_351_110_224_678_913, "Oscar")
ALICE = User(80_351_110_224_678_914, "Alice")
BOB = User(80_351_110_224_678_915, "Bob")
TOKEN = "test-bot-token"


@pytest.fixture
async def discord_api(monkeypatch) -> AsyncIterator[FakeDiscord]:
    """The fake Discord; discord.py's REST base and gateway point at it for this test only."""
    api = await FakeDiscord().start()
    monkeypatch.setattr(discord.http.Route, "BASE", api.api_url)
    monkeypatch.setattr(
        discord.gateway.DiscordWebSocket,
        "DEFAULT_GATEWAY",
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY,
    )
    yield api
    await api.close()


@pytest.fixture
def discord_settings(settings: Settings, discord_api: FakeDiscord) -> Settings:
    """Settings with a Discord token, the fake's URLs, and discord:ADMIN as bootstrap admin."""
    return settings.model_copy(
        update={
            "DISCORD_BOT_TOKEN": TOKEN,
            "DISCORD_API_URL": discord_api.api_url,
            "DISCORD_GATEWAY_URL": discord_api.gateway_url,
            "DISCORD_GUILD_IDS": [GUILD_ID],
            "PAUSEBOT_ADMINS": keys(f"discord:{ADMIN.id}"),
            "OPS_CHANNELS": keys("discord:700000000000000001"),
        }
    )


@pytest.fixture
def discord_runner(
    database: Database, discord_settings: Settings, clock: FixedClock
) -> CommandRunner:
    """The command layer with the Discord settings."""
    return CommandRunner(database=database, settings=discord_settings, clock=clock)


@pytest.fixture
async def discord_bot(
    discord_runner: CommandRunner, discord_settings: Settings
) -> AsyncIterator[PausebotBot]:
    """The bot, logged in to the fake over REST (setup_hook ran: cogs added, guild synced)."""
    bot = PausebotBot(runner=discord_runner, settings=discord_settings)
    await bot.login(TOKEN)
    yield bot
    await bot.close()


@pytest.fixture
async def discord_driver(discord_bot: PausebotBot, discord_api: FakeDiscord) -> Driver:
    """Sends interactions through the bot's command tree."""
    return Driver(discord_bot, discord_api)


@pytest.fixture
async def roles(discord_driver: Driver) -> Driver:
    """Oscar made ops by the admin, and the driver returned."""
    made = await discord_driver.command(ADMIN, "ops", "role", who=OPS, role="ops")
    assert "is now ops" in made.text, made.text
    return discord_driver
