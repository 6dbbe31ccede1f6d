"""Groups wherever people are named, syncs, and what a pause after a sync reaches.

The command layer gets a group's members from an Audience; here a small fake one stands for
the platforms (the Slack and Discord ones are tested against their fake Web APIs).
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import event, func, select

from bot.commands.runner import CommandRunner
from bot.config import ConfigError, load_settings
from bot.core.audiences import (
    GroupKey,
    GroupKind,
    GroupRef,
    Member,
    Members,
    PlatformAudiences,
    Progress,
    parse_group,
)
from bot.core.errors import NotFound
from bot.core.people import Caller
from bot.core.words import IdentityKey, Platform
from bot.db.models import Assignment, AudienceSync, Contractor, Identity, OutboxMessage
from bot.scheduling.jobs import AUDIENCE_JOB, Jobs
from bot.scheduling.leadership import leadership_for
from bot.scheduling.scheduler import Scheduler
from tests.conftest import keys, snapshot

LABELERS = GroupKey(Platform.SLACK, GroupKind.USERGROUP, "S0LABEL")
REVIEWERS = GroupKey(Platform.SLACK, GroupKind.CHANNEL, "C0REVIEW")
MODS = GroupKey(Platform.DISCORD, GroupKind.ROLE, "4242")


class FakeAudience:
    """Groups and their members, as a test sets them; records every lookup."""

    def __init__(self) -> None:
        self.groups: dict[GroupKey, list[str]] = {}
        self.bots: dict[GroupKey, set[str]] = {}
        self.broken: set[GroupKey] = set()
        self.lookups: list[GroupKey] = []

    def set(self, key: GroupKey, *people: str, bots: tuple[str, ...] = ()) -> None:
        """The group's members now (user ids on its platform)."""
        self.groups[key] = list(people)
        self.bots[key] = set(bots)

    async def members(self, group: GroupRef, progress: Progress | None = None) -> Members:
        """The members, or a refusal like a platform's for an unknown or unreadable group."""
        self.lookups.append(group.key)
        if group.key in self.broken:
            raise NotFound(f"Slack did not answer for {group.key}; try again in a moment.")
        if group.key not in self.groups:
            raise NotFound(f"There is no group {group.key}; check the mention.")
        platform = group.key.platform
        people = tuple(
            Member(IdentityKey(platform, user), name=f"Person {user}")
            for user in self.groups[group.key]
        )
        return Members(group, people, label="@labelers", bots=frozenset(self.bots[group.key]))


@pytest.fixture
def audience() -> FakeAudience:
    """The fake platform groups."""
    return FakeAudience()


@pytest.fixture
def runner(database, settings, clock, audience) -> CommandRunner:
    """The command layer, reading groups from the fake audience (through the platform router)."""
    routed = PlatformAudiences({Platform.SLACK: audience, Platform.DISCORD: audience})
    return CommandRunner(database=database, settings=settings, clock=clock, audience=routed)


@pytest.fixture
async def acme(say):
    """An active project."""
    await say.ok("admin", '/project add ACME "Acme AI" "Labeling"')


async def open_assignments(database, code: str = "ACME") -> dict[str, bool]:
    """Identity → made by a sync, for every open assignment of the project."""
    async with database.transaction() as db:
        rows = await db.execute(
            select(Identity.platform, Identity.external_id, Assignment.by_sync)
            .join(Assignment, Assignment.contractor_id == Identity.contractor_id)
            .where(Assignment.until.is_(None))
        )
        return {f"{platform}:{external}": by_sync for platform, external, by_sync in rows}


async def dm_targets(database, kind: str = "announcement") -> Counter:
    """How many direct messages of one kind each person was sent."""
    async with database.transaction() as db:
        rows = await db.execute(
            select(OutboxMessage.platform, OutboxMessage.target).where(
                OutboxMessage.target_type == "user", OutboxMessage.kind == kind
            )
        )
        return Counter(f"{platform}:{target}" for platform, target in rows)


def shown(reply) -> str:
    """Everything a reply's message says: title, text and fields."""
    message = reply.message
    fields = [f"{field.name}: {field.value}" for field in message.fields]
    return "\n".join([message.title, message.text, *fields])


def test_group_forms_are_read_on_their_platform_and_written_anywhere():
    """Slack user groups and channels, Discord roles: mentions there, full forms anywhere."""
    slack, discord, console = Platform.SLACK, Platform.DISCORD, Platform.CONSOLE
    group = parse_group("<!subteam^S0123|@labelers>", slack)
    assert group == GroupRef(GroupKey(slack, GroupKind.USERGROUP, "S0123"), label="@labelers")
    assert parse_group("<!subteam^S0123>", slack).key == GroupKey(
        slack, GroupKind.USERGROUP, "S0123"
    )
    assert parse_group("@slack:S0123", console).key.kind is GroupKind.USERGROUP
    assert parse_group("<#C0123|general>", slack).label == "#general"
    assert parse_group("#slack:C0123", discord).key == GroupKey(slack, GroupKind.CHANNEL, "C0123")
    assert parse_group("<@&1234>", discord).key == GroupKey(discord, GroupKind.ROLE, "1234")
    assert parse_group("@discord-role:1234", console).key.kind is GroupKind.ROLE
    assert parse_group("<@&1234>", slack) is None
    assert parse_group("<!subteam^S0123>", console) is None
    assert parse_group("@slack:U0123", console) is None
    assert str(GroupKey(discord, GroupKind.ROLE, "1234")) == "@discord-role:1234"


async def test_a_group_assigns_its_members_and_counts_them(acme, say, audience, database):
    """A user group stands for its members now; the reply counts them as numbers."""
    audience.set(LABELERS, "U1", "U2", "U3", bots=("B1",))
    await say.ok("admin", "/project assign ACME @slack:U1")
    reply = await say.ok("admin", "/project assign ACME @slack:S0LABEL @bob")
    counts = reply.data.to_json()["counts"]
    assert counts == {
        "assigned": 3,
        "already": 1,
        "skipped_bots": 1,
        "skipped_deactivated": 0,
        "new_people": 2,
    }
    assert reply.data.assigned == ("bob",)
    assert "3 assigned, 1 already assigned, 1 skipped (1 bot, 0 deactivated)" in reply.text
    assert reply.data.groups[0].members == 3
    assert set(await open_assignments(database)) == {
        "slack:U1",
        "slack:U2",
        "slack:U3",
        "console:bob",
    }
    async with database.transaction() as db:
        names = (await db.execute(select(Contractor.display_name))).scalars().all()
    assert "Person U2" in names


async def test_unassigning_a_group_ends_its_members_assignments(acme, say, audience, database):
    """Unassigning a group takes its assigned members off and creates nobody."""
    audience.set(LABELERS, "U1", "U2", "U9")
    await say.ok("admin", "/project assign ACME @slack:U1 @slack:U2 @carl")
    async with database.transaction() as db:
        people_before = (await db.execute(select(func.count()).select_from(Identity))).scalar()
    reply = await say.ok("admin", "/project unassign ACME @slack:S0LABEL")
    assert reply.data.counts.unassigned == 2
    assert reply.data.counts.not_assigned == 1
    assert set(await open_assignments(database)) == {"console:carl"}
    async with database.transaction() as db:
        people_after = (await db.execute(select(func.count()).select_from(Identity))).scalar()
    assert people_after == people_before


async def test_the_console_without_platforms_refuses_groups(acme, database, settings, clock):
    """With no Audience (the console), a group is refused with a sentence and changes nothing."""
    console = CommandRunner(database=database, settings=settings, clock=clock)
    admin = Caller("console", "admin", "admin")
    before = await snapshot(database)
    reply = await console.run_line(admin, "/project assign ACME @slack:S0LABEL")
    assert not reply.ok and reply.text.startswith("The console cannot read who is in")
    assert await snapshot(database) == before


async def test_a_platform_not_connected_is_named(acme, database, settings, clock):
    """A Discord role on a process with only Slack connected is refused, naming Discord."""
    only_slack = CommandRunner(
        database=database,
        settings=settings,
        clock=clock,
        audience=PlatformAudiences({Platform.SLACK: FakeAudience()}),
    )
    reply = await only_slack.run_line(
        Caller("console", "admin", "admin"), "/project assign ACME @discord-role:4242"
    )
    assert not reply.ok and "not connected to Discord" in reply.text


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ("/project assign ACME @slack:S0NOPE", "There is no group"),
        ("/project assign ACME", "Name who to assign"),
        ("/project assign ACME <!subteam^>", "not a group pausebot can read"),
        ("/ops role @slack:S0LABEL ops", "is a group; name one person"),
        ("/project sync ACME @bob", "is a person, not a group"),
        ("/project sync ACME", "Name the groups ACME should follow"),
        ("/project sync ACME off @slack:S0LABEL", "Write off alone"),
    ],
)
async def test_group_refusals_are_one_sentence_and_change_nothing(
    acme, say, audience, database, line, words
):
    """Unknown groups, nobody named, a person where a group belongs: one sentence each."""
    audience.set(LABELERS, "U1")
    before = await snapshot(database)
    reply = await say("admin", line)
    assert not reply.ok and words in reply.text, reply.text
    assert reply.text.endswith(".") and "\n" not in reply.text
    assert await snapshot(database) == before


async def test_a_closed_project_refuses_a_group_before_reading_it(say, audience):
    """Assigning a group to a closed project is refused without looking the group up."""
    await say.ok("admin", '/project add OLD "Acme AI" "Old work"')
    await say.ok("admin", "/project close OLD done")
    audience.set(LABELERS, "U1")
    reply = await say("admin", "/project assign OLD @slack:S0LABEL")
    assert not reply.ok and "closed" in reply.text
    assert audience.lookups == []


async def test_sync_follows_joiners_and_leavers_and_keeps_hand_made(acme, say, audience, database):
    """Members who join are assigned, those who leave unassigned; hand-made ones stay."""
    audience.set(LABELERS, "U1", "U2", "U3")
    audience.set(REVIEWERS, "U3", "U4")
    await say.ok("admin", "/project assign ACME @slack:U2 @dana")
    first = await say.ok("admin", "/project sync ACME @slack:S0LABEL #slack:C0REVIEW")
    assert first.data.counts.assigned == 3  # U1, U3, U4 (U2 was there by hand)
    assert first.data.counts.kept == 1 and first.data.counts.by_hand == 2
    assert await open_assignments(database) == {
        "slack:U1": True,
        "slack:U2": False,
        "slack:U3": True,
        "slack:U4": True,
        "console:dana": False,
    }
    audience.set(LABELERS, "U1", "U5")  # U2 (by hand) and U3 (also a reviewer) leave
    audience.set(REVIEWERS, "U4")  # U3 leaves both groups
    paused = await say.ok("admin", "/project pause ACME vendor incident")
    assert "Groups synced first: 1 assigned, 1 unassigned, 2 already assigned" in shown(paused)
    assert set(await open_assignments(database)) == {
        "slack:U1",
        "slack:U2",
        "slack:U4",
        "slack:U5",
        "console:dana",
    }
    assert await dm_targets(database) == Counter(
        {"slack:U1": 1, "slack:U2": 1, "slack:U4": 1, "slack:U5": 1, "console:dana": 1}
    )
    async with database.transaction() as db:
        ended = (
            await db.execute(
                select(func.count()).select_from(Assignment).where(Assignment.until.is_not(None))
            )
        ).scalar()
    assert ended == 1  # U3's assignment ended, kept in the history


async def test_every_announcement_syncs_first_and_reaches_each_member_once(
    acme, say, audience, database, clock
):
    """Update, resume and close each sync first; each member gets each message once."""
    audience.set(LABELERS, "U1", "U2")
    await say.ok("admin", "/project sync ACME @slack:S0LABEL")
    await say.ok("admin", "/project pause ACME incident")
    audience.set(LABELERS, "U2", "U3")
    await say.ok("admin", "/project update ACME still looking")
    assert await dm_targets(database, "update") == Counter({"slack:U2": 1, "slack:U3": 1})
    audience.set(LABELERS, "U3", "U4")
    await say.ok("admin", "/project resume ACME")
    audience.set(LABELERS, "U4")
    await say.ok("admin", "/project close ACME")
    announced = await dm_targets(database)
    # pause: U1 U2; resume: U3 U4; close: U4.
    assert announced == Counter({"slack:U1": 1, "slack:U2": 1, "slack:U3": 1, "slack:U4": 2})


async def test_an_unreadable_group_never_stops_a_pause(acme, say, audience, database):
    """When a followed group cannot be read, the pause goes out to those assigned now."""
    audience.set(LABELERS, "U1", "U2")
    await say.ok("admin", "/project sync ACME @slack:S0LABEL")
    audience.broken.add(LABELERS)
    paused = await say.ok("admin", "/project pause ACME incident")
    assert "Groups not synced: Slack did not answer" in shown(paused)
    assert set(await dm_targets(database)) == {"slack:U1", "slack:U2"}
    async with database.transaction() as db:
        error = (await db.execute(select(AudienceSync.last_error))).scalar_one()
    assert "Slack did not answer" in error


async def test_sync_off_stops_following_and_keeps_the_assignments(acme, say, audience, database):
    """`off` forgets the groups; the assignments stay; a later pause reads no group."""
    audience.set(LABELERS, "U1")
    await say.ok("admin", "/project sync ACME @slack:S0LABEL")
    stopped = await say.ok("admin", "/project sync ACME off")
    assert stopped.data.groups == ("@slack:S0LABEL",)
    audience.lookups.clear()
    await say.ok("admin", "/project pause ACME incident")
    assert audience.lookups == []
    assert set(await open_assignments(database)) == {"slack:U1"}
    again = await say.ok("admin", "/project sync ACME off")
    assert "follows no groups" in shown(again)


async def test_assigning_by_hand_makes_a_synced_assignment_hand_made(acme, say, audience, database):
    """An admin assigning a synced member by hand keeps them when they leave the group."""
    audience.set(LABELERS, "U1", "U2")
    await say.ok("admin", "/project sync ACME @slack:S0LABEL")
    await say.ok("admin", "/project assign ACME @slack:U1")
    audience.set(LABELERS)
    await say.ok("admin", "/project update ACME news")
    assert await open_assignments(database) == {"slack:U1": False}


async def test_discord_roles_and_mentions_from_discord_callers(acme, runner, audience, database):
    """A Discord admin names a role as `<@&id>`; its members are assigned."""
    runner.settings = runner.settings.model_copy(update={"PAUSEBOT_ADMINS": keys("discord:1")})
    audience.set(MODS, "111", "222")
    reply = await runner.run_line(Caller("discord", "1", "Ada"), "/project assign ACME <@&4242>")
    assert reply.ok, reply.text
    assert set(await open_assignments(database)) == {"discord:111", "discord:222"}


async def test_ten_thousand_members_in_one_transaction_of_bulk_statements(
    acme, say, audience, database
):
    """10,000 new members are assigned by a handful of bulk statements, not one per person."""
    audience.set(LABELERS, *(f"U{n:05d}" for n in range(10_000)))
    statements: list[str] = []

    def count(_conn, _cursor, statement, _params, _context, _executemany) -> None:
        """Record every statement sent to the database."""
        statements.append(statement.split(None, 1)[0].upper())

    event.listen(database.engine.sync_engine, "before_cursor_execute", count)
    started = time.perf_counter()
    try:
        reply = await say.ok("admin", "/project assign ACME @slack:S0LABEL")
    finally:
        event.remove(database.engine.sync_engine, "before_cursor_execute", count)
    seconds = time.perf_counter() - started
    assert reply.data.counts.assigned == 10_000
    assert len(await open_assignments(database)) == 10_000
    # insertmanyvalues batches: about 10 statements per 10,000 rows per table, plus the reads.
    assert len(statements) < 120, Counter(statements)
    assert seconds < 30


async def test_the_scheduled_sync_follows_groups_and_waits_when_one_cannot_be_read(
    acme, say, runner, audience, database, settings, clock
):
    """The scheduled job syncs every followed project; an unreadable group changes nothing;
    a closed project is left alone."""
    jobs = Jobs(database=database, settings=settings, clock=clock, audience=runner.audience)
    audience.set(LABELERS, "U1", "U2")
    await say.ok("admin", "/project sync ACME @slack:S0LABEL")
    audience.set(LABELERS, "U2", "U3")
    assert await jobs.audience_syncs() == 1
    assert set(await open_assignments(database)) == {"slack:U2", "slack:U3"}
    audience.broken.add(LABELERS)
    assert await jobs.audience_syncs() == 0
    assert set(await open_assignments(database)) == {"slack:U2", "slack:U3"}
    audience.broken.clear()
    await say.ok("admin", "/project close ACME done")
    audience.lookups.clear()
    assert await jobs.audience_syncs() == 0
    assert audience.lookups == []
    assert await Jobs(database=database, settings=settings, clock=clock).audience_syncs() == 0


async def test_the_scheduler_syncs_every_audience_sync_minutes(database, settings, clock):
    """The leader schedules the syncs every AUDIENCE_SYNC_MINUTES (15 unless set)."""
    assert settings.AUDIENCE_SYNC_MINUTES == 15
    every_seven = settings.model_copy(update={"AUDIENCE_SYNC_MINUTES": 7})
    jobs = Jobs(database=database, settings=every_seven, clock=clock)
    scheduler = Scheduler(jobs=jobs, leadership=leadership_for(database), check_seconds=0.01)
    task = asyncio.create_task(scheduler.run())
    try:
        await asyncio.wait_for(scheduler.leading.wait(), timeout=10)
        job = scheduler.aps.get_job(AUDIENCE_JOB)
        assert job.trigger.interval == timedelta(minutes=7)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


@pytest.mark.parametrize("value", ["0", "soon", "1441"])
def test_audience_sync_minutes_must_be_a_sensible_number(value):
    """A malformed AUDIENCE_SYNC_MINUTES stops start-up naming it."""
    with pytest.raises(ConfigError, match="AUDIENCE_SYNC_MINUTES"):
        load_settings(_env_file=None, AUDIENCE_SYNC_MINUTES=value)
