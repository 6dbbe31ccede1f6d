"""The whole bot against the fake gateway and REST API, through DISCORD_*_URL settings."""

from __future__ import annotations

import asyncio

import discord
from sqlalchemy import select

from bot.adapters.discord.bot import PausebotBot
from bot.db.models import HoursEntry
from tests.discord.conftest import ADMIN, ALICE, TOKEN
from tests.discord.driver import GUILD_ID, Driver


async def test_bot_connects_syncs_guilds_and_answers_an_interaction(
    discord_api, discord_runner, discord_settings, database, monkeypatch
):
    """HELLO, IDENTIFY, READY, then an INTERACTION_CREATE is answered and its hours stored."""
    # Start from Discord's real endpoints: the settings alone must point the bot at the fake.
    monkeypatch.setattr(discord.http.Route, "BASE", "https://discord.com/api/v10")
    bot = PausebotBot(runner=discord_runner, settings=discord_settings)
    bot.launch()
    try:
        await asyncio.wait_for(discord_api.identified.wait(), 10)
        (identify,) = discord_api.identify
        assert identify["token"] == TOKEN
        assert identify["intents"] == discord.Intents.default().value
        synced = discord_api.synced[str(GUILD_ID)]
        assert sorted(command["name"] for command in synced) == ["hours", "ops", "project"]
        await asyncio.wait_for(bot.wait_until_ready(), 10)
        driver = Driver(bot, discord_api)
        for user, group, name, values in [
            (ADMIN, "project", "add", {"code": "ACME", "client": "Acme AI", "title": "Boxes"}),
            (ADMIN, "project", "assign", {"code": "ACME", "who": ALICE}),
            (ALICE, "hours", "log", {"code": "ACME", "duration": "2h", "date": "today"}),
        ]:
            payload = driver.payload(user, group, name, values)
            await discord_api.dispatch("INTERACTION_CREATE", payload)
            answered = discord_api.interaction(payload["token"])
            await discord_api.wait_for(lambda answered=answered: answered.callbacks)
        assert answered.embeds[0]["title"] == "Logged 2h on ACME for 2026-03-04"
        async with database.transaction() as db:
            entry = (await db.execute(select(HoursEntry))).scalar_one()
        assert entry.source_identity == f"discord:{ALICE.id}" and entry.minutes == 120
    finally:
        await bot.shutdown()
    assert bot.is_closed()


async def test_no_guild_ids_means_no_sync_on_start(discord_api, discord_runner, discord_settings):
    """Without DISCORD_GUILD_IDS the bot starts without publishing any command."""
    settings = discord_settings.model_copy(update={"DISCORD_GUILD_IDS": []})
    bot = PausebotBot(runner=discord_runner, settings=settings)
    bot.launch()
    try:
        await asyncio.wait_for(discord_api.identified.wait(), 10)
    finally:
        await bot.shutdown()
    assert discord_api.calls_to("PUT", "/commands") == []
