"""Slack user groups and channels named in signed slash commands, against the fake Web API.

The runner reads groups through the real SlackAudience over the same Web API wrapper the app
uses; the fake pages users.list and conversations.members with cursors, and enforces Slack's
rate tiers (sped up) with 429s and Retry-After.
"""

from __future__ import annotations

import asyncio
import json
import math
from collections import Counter

import pytest
from sqlalchemy import select

from bot.adapters.slack.groups import SlackAudience
from bot.core.audiences import PlatformAudiences
from bot.core.words import Platform
from bot.db.models import Assignment, Identity, OutboxMessage
from tests.slack.conftest import SlackHarness

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def people(fake, prefix: str, count: int) -> list[str]:
    """`count` workspace members with e-mails; returns their ids."""
    ids = [f"{prefix}{n:05d}" for n in range(count)]
    for user_id in ids:
        fake.add_member(user_id, f"Person {user_id}", email=f"{user_id.lower()}@example.com")
    return ids


def odd_accounts(fake) -> list[str]:
    """Three bots (pausebot itself among them) and two deactivated people."""
    fake.add_member(fake.bot_user_id, "pausebot", bot=True)
    fake.add_member("UBOTJIRA", "Jira", bot=True)
    fake.add_member("USLACKBOT", "Slackbot")
    fake.add_member("UGONE1", "Gone One", deleted=True)
    fake.add_member("UGONE2", "Gone Two", deleted=True)
    return [fake.bot_user_id, "UBOTJIRA", "USLACKBOT", "UGONE1", "UGONE2"]


async def answered(slack: SlackHarness, command: str, text: str) -> str:
    """A command's answer: in the acknowledgement, or (a slow one) through response_url."""
    answer = await slack.ok(command, text)
    if "Working on it" not in answer.text:
        return answer.text
    return json.dumps(slack.fake.responses[-1])


@pytest.fixture
def audience(slack: SlackHarness) -> SlackAudience:
    """The Slack audience on the app's Web API wrapper, given to the command layer."""
    found = SlackAudience(slack.listeners.api)
    slack.listeners.runner.audience = PlatformAudiences({Platform.SLACK: found})
    return found


async def assigned_ids(database) -> set[str]:
    """The Slack ids of everyone assigned now."""
    async with database.transaction() as db:
        rows = await db.execute(
            select(Identity.external_id)
            .join(Assignment, Assignment.contractor_id == Identity.contractor_id)
            .where(Assignment.until.is_(None), Identity.platform == "slack")
        )
        return set(rows.scalars())


async def test_a_5000_member_user_group_is_assigned_with_counts(slack, audience, database):
    """A user group mention assigns its 5,000 people; bots, deactivated and pausebot are
    counted as skipped; the directory is read in pages, never one call per person."""
    members = people(slack.fake, "UL", 5000) + odd_accounts(slack.fake)
    slack.fake.usergroups["S0LAB"] = members
    await slack.ok("/project", 'add ACME "Acme AI" "Labels"')
    answer = await answered(slack, "/project", "assign ACME <!subteam^S0LAB|@labelers>")
    assert "5000 assigned, 0 already assigned, 5 skipped (3 bots, 2 deactivated)" in answer
    assert "@labelers (@slack:S0LAB)" in answer
    assert len(await assigned_ids(database)) == 5000
    pages = slack.fake.called("users.list")
    assert len(pages) == math.ceil(len(slack.fake.users) / 1000)
    assert all(int(call.args["limit"]) == 1000 for call in pages)
    assert len(slack.fake.called("users.info")) <= 1  # the caller, at most
    assert slack.fake.called("users.lookupByEmail") == []
    again = await answered(slack, "/project", "assign ACME @slack:S0LAB")
    assert "0 assigned, 5000 already assigned" in again
    assert len(slack.fake.called("users.list")) == len(pages)  # the directory was kept


async def test_a_6000_member_channel_is_read_to_the_end(slack, audience, database):
    """A channel in a people position stands for its members, paged to the last cursor."""
    members = people(slack.fake, "UC", 6000)
    slack.fake.channel_members["C0BIG"] = [*members, slack.fake.bot_user_id]
    slack.fake.add_member(slack.fake.bot_user_id, "pausebot", bot=True)
    await slack.ok("/project", 'add ACME "Acme AI" "Labels"')
    answer = await answered(slack, "/project", "assign ACME <#C0BIG|big-room> <@UALICE>")
    assert "6001 assigned" in answer and "1 skipped (1 bot, 0 deactivated)" in answer
    assert "#big-room (#slack:C0BIG)" in answer
    assert len(await assigned_ids(database)) == 6001
    cursors = [call.args.get("cursor", "") for call in slack.fake.called("conversations.members")]
    assert len(cursors) == 7 and cursors[0] == "" and all(cursors[1:])


async def test_rate_limits_are_waited_out_and_slow_answers_come_by_response_url(
    slack, audience, database
):
    """Under Slack's tiers (sped up) the lookup meets 429s, waits them out, says how it goes
    through response_url after acknowledging, and answers there with the counts."""
    slack.listeners.api.sleep = asyncio.sleep
    slack.listeners.ack_budget = 0.05
    slack.fake.slack_tiers(scale=6)
    audience.page_size = 200
    members = people(slack.fake, "UR", 6000)
    slack.fake.channel_members["C0TIER"] = members
    await slack.ok("/project", 'add ACME "Acme AI" "Labels"')
    trigger = slack.next_trigger()
    answer = await slack.ok("/project", "assign ACME #slack:C0TIER", trigger_id=trigger)
    assert "Working on it" in answer.text
    assert slack.fake.rate_limited, "the tiers were never reached"
    assert slack.fake.calls_during_holds("conversations.members", grace=0.05) == []
    texts = [response.get("text", "") for response in slack.fake.responses]
    assert any("Reading who is in #slack:C0TIER" in text for text in texts[:-1])
    assert "6000 assigned" in json.dumps(slack.fake.responses[-1])
    assert len(await assigned_ids(database)) == 6000


async def test_unknown_groups_and_unseen_channels_are_refused(slack, audience, database):
    """An unknown user group or a channel pausebot is not in: one sentence, nothing changed."""
    await slack.ok("/project", 'add ACME "Acme AI" "Labels"')
    unknown = await slack.command("/project", "assign ACME <!subteam^S0NONE|@ghosts>")
    assert ":warning:" in unknown.text and "no Slack user group @ghosts" in unknown.text
    hidden = await slack.command("/project", "assign ACME <#C0SECRET|secret>")
    assert ":warning:" in hidden.text and "invite it to the channel" in hidden.text
    assert await assigned_ids(database) == set()


async def test_a_pause_after_a_sync_reaches_exactly_the_current_members_once(
    slack, audience, database
):
    """A synced project whose group changes pauses to the new membership, once each; people
    assigned by hand stay."""
    members = people(slack.fake, "US", 40)
    slack.fake.usergroups["S0LAB"] = members[:30]
    await slack.ok("/project", 'add ACME "Acme AI" "Labels"')
    await slack.ok("/project", "assign ACME <@UALICE> <@US00035>")
    synced = await answered(slack, "/project", "sync ACME <!subteam^S0LAB|@labelers>")
    assert "30 assigned" in synced
    slack.fake.usergroups["S0LAB"] = members[10:40]  # 10 leave, 10 join
    audience.directory.read_at = None  # the directory too is read again
    await slack.ok("/project", "pause ACME vendor incident")
    expected = {*members[10:40], "UALICE"}
    assert await assigned_ids(database) == expected
    async with database.transaction() as db:
        rows = await db.execute(
            select(OutboxMessage.target).where(
                OutboxMessage.target_type == "user", OutboxMessage.platform == "slack"
            )
        )
        sent = Counter(rows.scalars())
    assert set(sent) == expected and set(sent.values()) == {1}


async def test_the_directory_is_read_again_for_newcomers_but_not_for_strangers(
    slack, audience, database
):
    """Someone who joined since the directory was read makes it read again (at most once a
    minute); an id users.list never lists (a Slack Connect guest) does not, twice."""
    members = people(slack.fake, "UD", 10)
    slack.fake.channel_members["C0ROOM"] = members
    await slack.ok("/project", 'add ACME "Acme AI" "Labels"')
    await slack.ok("/project", "assign ACME #slack:C0ROOM")
    assert len(slack.fake.called("users.list")) == 1
    slack.fake.add_member("UNEW", "Newcomer", email="new@example.com")
    slack.fake.channel_members["C0ROOM"] += ["UNEW", "UGUEST"]  # UGUEST: another org's
    audience.directory.read_at -= 120  # read two minutes ago
    answer = await slack.ok("/project", "assign ACME #slack:C0ROOM")
    assert "2 assigned, 10 already assigned" in answer.text
    assert len(slack.fake.called("users.list")) == 2
    audience.directory.read_at -= 120
    await slack.ok("/project", "assign ACME #slack:C0ROOM")
    assert len(slack.fake.called("users.list")) == 2
    assert {"UNEW", "UGUEST"} <= await assigned_ids(database)
