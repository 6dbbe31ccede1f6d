"""Check-in buttons on Discord: message components in the DM, and a real component interaction
through the bot records the answer, also in a bot started after the message was sent."""

from __future__ import annotations

from datetime import time
from typing import Any

import pytest
from sqlalchemy import select

from bot.adapters.discord.bot import PausebotBot
from bot.adapters.discord.sender import DiscordSender
from bot.core.words import Platform
from bot.db.models import AvailabilityAnswer
from bot.notify.dispatcher import Dispatcher
from bot.scheduling.jobs import Jobs
from tests.discord.conftest import ADMIN, ALICE, BOB, TOKEN
from tests.discord.driver import Driver


@pytest.fixture
async def check_in(discord_driver, discord_api, database, discord_settings, clock) -> dict:
    """ACME paused with check-ins on and Alice on it; the day's check-in delivered to her DM.

    Returns the message as Discord holds it, with the components the sender posted.
    """
    driver = discord_driver
    await driver.command(ADMIN, "project", "add", code="ACME", client="Acme AI", title="Boxes")
    await driver.command(ADMIN, "project", "assign", code="ACME", who=ALICE)
    await driver.command(ADMIN, "project", "pause", code="ACME", reason="vendor incident")
    on = await driver.command(ADMIN, "project", "checkin", code="ACME", switch="on")
    assert "Check-ins are on for ACME" in on.text
    settings = discord_settings.model_copy(update={"SUMMARY_TIME": time(9, 0)})
    await Jobs(database=database, settings=settings, clock=clock).run_due()
    sender = DiscordSender(token=TOKEN, api_url=discord_api.api_url)
    try:
        dispatcher = Dispatcher(database=database, senders={Platform.DISCORD: sender}, clock=clock)
        for _ in range(4):
            await dispatcher.drain()
            clock.advance(seconds=2)
    finally:
        await sender.close()
    dm = discord_api.dm_channels[str(ALICE.id)]
    (call,) = [
        c
        for c in discord_api.calls_to("POST", f"/channels/{dm}/messages")
        if "components" in c.body
    ]
    (posted,) = [
        m
        for m in discord_api.channel_messages[dm]
        if m["embeds"] and m["embeds"][0]["title"].startswith("Are you available")
    ]
    return {**posted, "components": call.body["components"]}


def custom_ids(message: dict[str, Any]) -> list[str]:
    """The custom ids of a message's buttons."""
    (row,) = message["components"]
    return [button["custom_id"] for button in row["components"]]


async def answers(database) -> list[AvailabilityAnswer]:
    """Every availability answer, oldest first."""
    async with database.transaction() as db:
        return list(await db.scalars(select(AvailabilityAnswer).order_by(AvailabilityAnswer.id)))


async def test_the_check_in_dm_has_buttons_that_name_their_command(check_in):
    """One action row: Yes (primary) and No, each custom_id the command it runs."""
    (row,) = check_in["components"]
    assert row["type"] == 1
    assert [(b["type"], b["style"], b["label"]) for b in row["components"]] == [
        (2, 1, "Yes, I am available"),
        (2, 2, "No, I am not"),
    ]
    assert custom_ids(check_in) == [
        "pausebot:hours available ACME yes 2026-03-04",
        "pausebot:hours available ACME no 2026-03-04",
    ]


async def test_a_click_records_the_answer_once(check_in, discord_driver, database):
    """A click answers privately; clicking the same button again records nothing new."""
    yes, _no = custom_ids(check_in)
    first = await discord_driver.click(ALICE, yes, check_in)
    assert first.deferred and first.ephemeral
    assert "Recorded: available to work on ACME on 2026-03-04" in first.text
    second = await discord_driver.click(ALICE, yes, check_in)
    assert "already recorded" in second.text
    rows = await answers(database)
    assert [(row.available, row.source_identity) for row in rows] == [(True, f"discord:{ALICE.id}")]


async def test_buttons_work_in_a_bot_started_after_the_message(
    check_in, discord_bot, discord_api, discord_runner, discord_settings, database
):
    """The bot that sent the message is gone; a new one understands the click by its id."""
    await discord_bot.close()
    restarted = PausebotBot(runner=discord_runner, settings=discord_settings)
    await restarted.login(TOKEN)
    try:
        _yes, no = custom_ids(check_in)
        answered = await Driver(restarted, discord_api).click(
            ALICE, no, check_in, interaction_id=1_300_000_000_000_000_000
        )
    finally:
        await restarted.close()
    assert "Recorded: not available to work on ACME on 2026-03-04" in answered.text
    assert [row.available for row in await answers(database)] == [False]


async def test_a_forged_or_foreign_click_records_nothing(check_in, discord_driver, database):
    """A custom_id naming another command, or Bob pressing Alice's button: one sentence."""
    forged = await discord_driver.click(ALICE, "pausebot:project close ACME", check_in)
    assert "That button does nothing any more" in forged.text and forged.ephemeral
    yes, _ = custom_ids(check_in)
    foreign = await discord_driver.click(BOB, yes, check_in)
    assert "There is no project ACME" in foreign.text
    assert await answers(database) == []
