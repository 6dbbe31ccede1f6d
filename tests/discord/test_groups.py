"""Discord roles as groups: the role option, `<@&id>`, the paged member list, and the Server
Members intent (asked for at the gateway, and a clear sentence when Discord refuses it)."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter

import pytest
from sqlalchemy import select

from bot.adapters.discord.bot import PausebotBot
from bot.adapters.discord.groups import DiscordAudience
from bot.core.audiences import PlatformAudiences
from bot.core.words import Platform
from bot.db.models import Assignment, Identity, OutboxMessage
from tests.discord.conftest import ADMIN, ALICE
from tests.discord.driver import GUILD_ID, Role

LABELERS = Role(950_000_000_000_000_001, "labelers")
FIRST_MEMBER = 300_000_000_000_000_000


@pytest.fixture
def audience(discord_bot, discord_runner) -> DiscordAudience:
    """The Discord audience over the bot's REST client, given to the command layer."""
    found = DiscordAudience(discord_bot)
    discord_runner.audience = PlatformAudiences({Platform.DISCORD: found})
    return found


def server(api, members: int, with_role: int, bots: int = 0) -> list[str]:
    """A server of `members` people, the first `with_role` of them labelers, and bots that are
    labelers too; returns the labelers' ids."""
    api.add_role(GUILD_ID, LABELERS.id, LABELERS.name)
    labelers = []
    for n in range(members):
        user_id = FIRST_MEMBER + n
        roles = (LABELERS.id,) if n < with_role else ()
        api.add_guild_member(GUILD_ID, user_id, f"Member {n}", roles=roles)
        if roles:
            labelers.append(str(user_id))
    for n in range(bots):
        api.add_guild_member(GUILD_ID, 400_000_000_000_000_000 + n, f"Bot {n}", bot=True,
                             roles=(LABELERS.id,))  # fmt: skip
    return labelers


async def assigned(database) -> set[str]:
    """The Discord ids of everyone assigned now."""
    async with database.transaction() as db:
        rows = await db.execute(
            select(Identity.external_id)
            .join(Assignment, Assignment.contractor_id == Identity.contractor_id)
            .where(Assignment.until.is_(None), Identity.platform == "discord")
        )
        return set(rows.scalars())


async def test_a_1200_member_role_option_assigns_its_members(
    discord_driver, discord_api, audience, database
):
    """The role option stands for its 1,200 holders (bots left out), read in pages of 1,000."""
    labelers = server(discord_api, members=1500, with_role=1200, bots=3)
    await discord_driver.command(ADMIN, "project", "add", code="ACME", client="Acme", title="T")
    answer = await discord_driver.command(ADMIN, "project", "assign", code="ACME", role=LABELERS)
    assert answer.deferred and answer.ephemeral
    assert "1200 assigned, 0 already assigned, 3 skipped (3 bots, 0 deactivated)" in answer.text
    assert await assigned(database) == set(labelers)
    pages = discord_api.calls_to("GET", f"/guilds/{GUILD_ID}/members")
    assert [call.query.get("limit") for call in pages] == ["1000", "1000"]
    assert "after" not in pages[0].query and int(pages[1].query["after"]) > FIRST_MEMBER


async def test_a_role_mention_in_text_is_found_in_pausebots_servers(
    discord_driver, discord_api, audience, database
):
    """`<@&id>` typed among the people is looked for in the servers pausebot knows."""
    labelers = server(discord_api, members=20, with_role=5)
    await discord_driver.command(ADMIN, "project", "add", code="ACME", client="Acme", title="T")
    answer = await discord_driver.command(
        ADMIN, "project", "assign", code="ACME", who=ALICE, more=f"<@&{LABELERS.id}>"
    )
    assert "6 assigned" in answer.text  # the five labelers and Alice
    assert await assigned(database) == {*labelers, str(ALICE.id)}
    unknown = await discord_driver.command(
        ADMIN, "project", "assign", code="ACME", more="<@&123456789>"
    )
    assert "no Discord role" in unknown.text and unknown.ephemeral


async def test_without_the_server_members_intent_the_refusal_says_how_to_turn_it_on(
    discord_driver, discord_api, audience, database
):
    """Discord answers 403 without the intent: one sentence naming the Developer Portal."""
    server(discord_api, members=3, with_role=3)
    discord_api.members_intent = False
    await discord_driver.command(ADMIN, "project", "add", code="ACME", client="Acme", title="T")
    answer = await discord_driver.command(ADMIN, "project", "assign", code="ACME", role=LABELERS)
    assert "Server Members Intent" in answer.text and "Developer Portal" in answer.text
    assert await assigned(database) == set()


async def test_a_pause_after_a_role_sync_reaches_exactly_its_holders_once(
    discord_driver, discord_api, audience, database
):
    """A project synced with a role pauses to the role's holders now, once each."""
    labelers = server(discord_api, members=30, with_role=20)
    await discord_driver.command(ADMIN, "project", "add", code="ACME", client="Acme", title="T")
    synced = await discord_driver.command(ADMIN, "project", "sync", code="ACME", role=LABELERS)
    assert "20 assigned" in synced.text
    for member in discord_api.guild_members[str(GUILD_ID)][:5]:
        member["roles"] = []  # five lose the role
    await discord_driver.command(ADMIN, "project", "pause", code="ACME", reason="incident")
    async with database.transaction() as db:
        rows = await db.execute(
            select(OutboxMessage.target).where(
                OutboxMessage.target_type == "user", OutboxMessage.platform == "discord"
            )
        )
        sent = Counter(rows.scalars())
    assert set(sent) == set(labelers[5:]) and set(sent.values()) == {1}


async def test_the_bot_asks_for_the_members_intent_and_says_so_when_refused(
    discord_runner, discord_settings, discord_api, caplog
):
    """IDENTIFY asks for Server Members; when Discord closes with 4014, the log says how to
    turn it on and the bot connects again without it."""
    assert PausebotBot(runner=discord_runner, settings=discord_settings).intents.members
    discord_api.members_intent = False
    bot = PausebotBot(runner=discord_runner, settings=discord_settings)
    bot.backoff.first = 0.05
    caplog.set_level(logging.ERROR, logger="bot.adapters.discord.groups")
    bot.launch()
    try:
        await asyncio.wait_for(discord_api.identified.wait(), 10)
    finally:
        await bot.shutdown()
    assert discord_api.identify and not discord_api.identify[-1]["intents"] & (1 << 1)
    assert any("Server Members Intent" in record.getMessage() for record in caplog.records)
