"""Updates between a pause and a resume, changed pause details, overdue updates and nudges."""

from __future__ import annotations

import asyncio
import time as wall
from collections import Counter
from datetime import UTC, datetime, time, timedelta

import pytest
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import func, select

from bot.adapters.slack.sender import SlackSender
from bot.adapters.slack.webapi import WebApi
from bot.core.clock import SystemClock
from bot.core.message import Message
from bot.core.words import Platform
from bot.db.models import OutboxMessage, StatusChange
from bot.notify.dispatcher import Dispatcher
from bot.scheduling.jobs import Jobs
from tests.conftest import keys, snapshot
from tests.fakes.slack_api import FakeSlackApi


@pytest.fixture
async def paused(say, clock, runner):
    """ACME paused on Monday 2026-03-02 09:00 UTC; bob (console and Slack) and carol on it."""
    runner.settings = runner.settings.model_copy(
        update={"OPS_CHANNELS": keys("console:ops-room", "slack:COPS")}
    )
    clock.set(datetime(2026, 3, 1, 9, 0, tzinfo=UTC))
    await say.ok("admin", '/project add ACME "Acme AI" "Labeling"')
    await say.ok("admin", "/project assign ACME @bob @carol @slack:UBOB")
    await say.ok("admin", "/ops link @bob @slack:UBOB")
    await say.ok("admin", "/project channel ACME #acme-room")
    clock.set(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    await say.ok("admin", "/project pause ACME vendor incident")


async def rows(database, kind: str) -> list[OutboxMessage]:
    """Outbox rows of one kind, oldest first."""
    async with database.transaction() as db:
        query = select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)
        return list(await db.scalars(query))


def targets(found: list[OutboxMessage]) -> Counter:
    """How many messages each (platform, target type, target) got."""
    return Counter((row.platform, row.target_type, row.target) for row in found)


async def test_an_update_reaches_everyone_once_and_shows_in_status_and_history(
    paused, say, database, clock
):
    """Each identity of each contractor, the project channel and each ops channel: once each."""
    clock.set(datetime(2026, 3, 3, 10, 0, tzinfo=UTC))
    posted = await say.ok(
        "admin", "/project update ACME vendor audit ongoing next 2026-03-05 15:00"
    )
    assert not posted.private
    assert posted.data.to_json()["update"]["next_update_at"] == "2026-03-05T15:00:00+00:00"
    sent = await rows(database, "update")
    assert targets(sent) == Counter(
        {
            ("console", "user", "bob"): 1,
            ("slack", "user", "UBOB"): 1,
            ("console", "user", "carol"): 1,
            ("console", "channel", "acme-room"): 1,
            ("console", "channel", "ops-room"): 1,
            ("slack", "channel", "COPS"): 1,
        }
    )
    message = Message.model_validate(sent[0].payload)
    assert message.title == "Update on ACME"
    assert "vendor audit ongoing" in message.text and "2026-03-05 15:00" in message.text
    status = await say.ok("bob", "/project status ACME")
    shown = {field.name: field.value for field in status.message.fields}
    assert shown["Latest update"].startswith("vendor audit ongoing")
    assert shown["Next update by"] == "2026-03-05 15:00 UTC"
    history = (await say.ok("admin", "/project history ACME")).data.to_json()
    assert history["updates"][0]["text"] == "vendor audit ongoing"
    assert history["history"][0]["to"] == "paused"


async def test_an_update_without_next_and_a_word_next_in_the_text(paused, say):
    """`next` followed by words that are no date stays in the text; a date-like one is refused."""
    kept = await say.ok("admin", "/project update ACME next steps are with the client")
    assert kept.data.to_json()["update"]["text"] == "next steps are with the client"
    refused = await say("admin", "/project update ACME audit next week")
    assert not refused.ok and refused.field == "next"


async def test_a_contractor_cannot_post_an_update(paused, say, database):
    """Only admins post updates; a contractor's try changes nothing."""
    before = await snapshot(database)
    reply = await say("bob", "/project update ACME all good")
    assert not reply.ok and reply.error_kind == "not_allowed"
    assert await snapshot(database) == before


async def test_pausing_a_paused_project_changes_the_pause_as_an_update(paused, say, database):
    """A new expected resume shows in status and is announced once as an update, not a change."""
    changed = await say.ok("admin", "/project pause ACME vendor incident until 2026-03-20")
    assert changed.data.to_json()["expected_resume"] == "2026-03-20"
    async with database.transaction() as db:
        assert await db.scalar(select(func.count()).select_from(StatusChange)) == 2
    sent = await rows(database, "update")
    assert len(sent) == 6 and len(await rows(database, "announcement")) == 6
    assert "Expected to resume on 2026-03-20." in Message.model_validate(sent[0].payload).text
    status = (await say.ok("carol", "/project status ACME")).data.to_json()
    assert status["expected_resume"] == "2026-03-20"
    again = await say("admin", "/project pause ACME vendor incident")
    assert not again.ok and "already paused" in again.text


@pytest.fixture
def jobs(database, settings, clock) -> Jobs:
    """The scheduled jobs at 09:00 UTC with nudges after 2 days and ops in the console."""
    team = settings.model_copy(update={"SUMMARY_TIME": time(9, 0), "UPDATE_NUDGE_DAYS": 2})
    return Jobs(database=database, settings=team, clock=clock)


async def test_three_days_without_an_update_nudges_the_admins_once(
    paused, say, database, clock, jobs
):
    """Paused Monday 09:00 and silent: on Thursday 09:00 one nudge, named in the summary JSON."""
    await say.ok("admin", "/ops role @root admin")
    clock.set(datetime(2026, 3, 5, 9, 0, tzinfo=UTC))
    await jobs.run_due()
    await jobs.run_due()
    nudges = await rows(database, "nudge")
    assert targets(nudges) == Counter(
        {("console", "user", "admin"): 1, ("console", "user", "root"): 1}
    )
    assert Message.model_validate(nudges[0].payload).title == "ACME needs an update"
    summary = (await say.ok("admin", "/ops summary 2026-03-04")).data.to_json()
    assert summary["overdue_updates"] == [
        {"project": "ACME", "last_update_at": "2026-03-02T09:00:00+00:00", "why": "no_update"}
    ]
    clock.set(datetime(2026, 3, 5, 10, 0, tzinfo=UTC))
    await say.ok("admin", "/project update ACME audit continues")
    clock.set(datetime(2026, 3, 6, 9, 0, tzinfo=UTC))
    await jobs.run_due()
    assert len(await rows(database, "nudge")) == 2


async def test_two_days_is_not_yet_overdue(paused, say, clock, jobs, database):
    """Exactly two days after the pause, no nudge: "older than N days" means more than N × 24 h."""
    clock.set(datetime(2026, 3, 4, 9, 0, tzinfo=UTC))
    await jobs.run_due()
    assert await rows(database, "nudge") == []


@pytest.mark.parametrize(
    ("line", "why"),
    [
        ("/project pause ACME vendor incident until 2026-03-03", "expected_resume_passed"),
        ("/project update ACME audit next 2026-03-03 12:00", "next_update_passed"),
    ],
)
async def test_why_an_update_is_overdue(paused, say, clock, line, why):
    """A passed expected resume or a broken promise makes the update overdue, with its why."""
    clock.set(datetime(2026, 3, 2, 10, 0, tzinfo=UTC))
    await say.ok("admin", line)
    clock.set(datetime(2026, 3, 4, 9, 30, tzinfo=UTC))
    summary = (await say.ok("admin", "/ops summary 2026-03-03")).data.to_json()
    assert [item["why"] for item in summary["overdue_updates"]] == [why]


async def test_a_contractor_unassigned_hears_why(paused, say, clock):
    """`/project status ACME` for someone taken off it says when they were unassigned."""
    clock.set(datetime(2026, 3, 3, 12, 0, tzinfo=UTC))
    await say.ok("admin", "/project unassign ACME @carol")
    reply = await say.ok("carol", "/project status ACME")
    assert "You were unassigned from ACME on 2026-03-03." in reply.text


async def test_an_update_through_a_429_storm_reaches_each_person_once(say, database, clock):
    """An update's DMs through Slack's 429s and a restarted dispatcher: each arrives once."""
    clock.set(datetime.now(UTC))
    await say.ok("admin", '/project add ACME "Acme AI" "Labeling"')
    people = [f"U{index:03d}" for index in range(30)]
    await say.ok("admin", "/project assign ACME " + " ".join(f"@slack:{p}" for p in people))
    await say.ok("admin", "/project pause ACME vendor incident")
    await say.ok("admin", "/project update ACME audit started")
    fake = await FakeSlackApi().start()
    for person in people:
        fake.add_user(person, person)
    fake.limit("chat.postMessage", per_second=15, burst=5)

    async def deliver(seconds: float) -> None:
        """Run one dispatcher for a while, then stop it as a process would stop."""
        sender = SlackSender(WebApi(AsyncWebClient(token="xoxb-test", base_url=fake.api_url)))
        # A short lease, as a restart test needs: rows the stopped dispatcher had claimed
        # but not sent go to the next one within seconds, not the default five minutes.
        dispatcher = Dispatcher(
            database=database,
            senders={Platform.SLACK: sender},
            clock=SystemClock(),
            lease=timedelta(seconds=2),
        )
        task = asyncio.create_task(dispatcher.run())
        deadline = wall.monotonic() + seconds
        try:
            while wall.monotonic() < deadline and await unsent(database):
                await asyncio.sleep(0.05)
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await sender.close()

    try:
        await deliver(0.5)
        await deliver(60)
    finally:
        await fake.stop()
    assert await unsent(database) == 0
    assert fake.rate_limited
    updates = Counter(
        channel
        for channel, posted in fake.messages.items()
        for message in posted
        if "audit started" in str(message)
    )
    assert updates == Counter({f"D{person}": 1 for person in people})


async def unsent(database) -> int:
    """Slack outbox rows not yet sent."""
    async with database.transaction() as db:
        return await db.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.platform == "slack", OutboxMessage.state != "sent")
        )
