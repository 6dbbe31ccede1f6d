"""Linking identities, roles, and the announcements a state change queues."""

from sqlalchemy import select

from bot.core.people import Caller
from bot.db.models import OutboxMessage
from tests.conftest import keys


async def outbox(database) -> list[tuple[str, str, str]]:
    """(platform, target type, target) of every queued message."""
    async with database.transaction() as db:
        rows = await db.execute(
            select(OutboxMessage.platform, OutboxMessage.target_type, OutboxMessage.target)
        )
        return sorted(tuple(row) for row in rows)


async def test_link_merges_hours_and_assignments(say, runner):
    """After /ops link, bob's Slack identity logs on his project and sees his console hours."""
    await say.ok("admin", '/project add ACME "Acme AI" "Labeling"')
    await say.ok("admin", "/project assign ACME @bob")
    await say.ok("bob", "/hours log ACME 2h yesterday")
    slack_bob = Caller("slack", "U0BOB", "Bob on Slack")
    refused = await runner.run_line(slack_bob, "/hours log ACME 1h")
    assert not refused.ok
    linked = await say.ok("admin", "/ops link @bob @slack:U0BOB")
    assert linked.data.to_json()["identities"] == ["console:bob", "slack:U0BOB"]
    assert (await runner.run_line(slack_bob, "/hours log ACME 1h")).ok
    week = await runner.run_line(slack_bob, "/hours week")
    assert sorted(e["minutes"] for e in week.data.to_json()["entries"]) == [60, 120]


async def test_roles_take_effect_and_can_be_taken_back(say):
    """An admin makes carol ops, then contractor again; her access follows."""
    assert not (await say("carol", "/project list")).ok
    await say.ok("admin", "/ops role @carol ops")
    assert (await say("carol", "/project list")).ok
    assert not (await say("carol", '/project add NEW "C" "T"')).ok
    await say.ok("admin", "/ops role @carol contractor")
    assert not (await say("carol", "/project list")).ok


async def test_pause_queues_each_recipient_once(say, database, settings):
    """A pause queues one DM per identity of each assignee, the project's channels, ops channels."""
    await say.ok("admin", '/project add ACME "Acme AI" "Labeling"')
    await say.ok("admin", "/project assign ACME @bob @carol @bob")
    await say.ok("admin", "/ops link @bob @slack:U0BOB")
    await say.ok("admin", "/project channel ACME #slack:C0ACME")
    await say.ok("admin", "/project channel ACME #discord:42")
    await say.ok("admin", "/project channel ACME #slack:C0ACME2")
    reply = await say.ok("admin", "/project pause ACME client incident")
    expected = [
        ("console", "channel", "ops-room"),
        ("console", "user", "bob"),
        ("console", "user", "carol"),
        ("discord", "channel", "42"),
        ("slack", "channel", "C0ACME2"),
        ("slack", "user", "U0BOB"),
    ]
    assert await outbox(database) == expected
    assert reply.data.to_json()["announcements"] == len(expected)
    await say.ok("admin", "/project resume ACME")
    assert len(await outbox(database)) == 2 * len(expected)
    assert not (await say("admin", "/project resume ACME")).ok
    assert len(await outbox(database)) == 2 * len(expected)


async def test_slack_mention_names_a_new_person(runner):
    """Assigning `<@U0ALICE|alice>` creates her with the name the mention carries."""
    admin = Caller("slack", "U0ADMIN", "Admin")
    runner.settings = runner.settings.model_copy(update={"PAUSEBOT_ADMINS": keys("slack:U0ADMIN")})
    assert (await runner.run_line(admin, '/project add ACME "Acme AI" "Labeling"')).ok
    reply = await runner.run_line(admin, "/project assign ACME <@U0ALICE|alice>")
    assert reply.data.to_json()["assigned"] == ["alice"]
