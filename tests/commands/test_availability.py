"""Availability answers and the daily check-ins that ask for them."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, time

import pytest
from sqlalchemy import select

from bot.adapters.console.render import message_text
from bot.core.message import Message
from bot.db.models import AvailabilityAnswer, OutboxMessage
from bot.scheduling.jobs import Jobs
from tests.conftest import snapshot


@pytest.fixture
async def paused(say, clock):
    """ACME paused Monday 2026-03-02 09:00 UTC; bob (console and Slack) and carol on it; BETA
    active with bob on it."""
    clock.set(datetime(2026, 3, 1, 9, 0, tzinfo=UTC))
    await say.ok("admin", '/project add ACME "Acme AI" "Labeling"')
    await say.ok("admin", '/project add BETA "Acme AI" "Audio"')
    await say.ok("admin", "/project assign ACME @bob @carol @slack:UBOB")
    await say.ok("admin", "/project assign BETA @bob")
    await say.ok("admin", "/ops link @bob @slack:UBOB")
    clock.set(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    await say.ok("admin", "/project pause ACME vendor incident")
    clock.set(datetime(2026, 3, 4, 10, 0, tzinfo=UTC))


async def answers(database) -> list[AvailabilityAnswer]:
    """Every availability answer, oldest first."""
    async with database.transaction() as db:
        return list(await db.scalars(select(AvailabilityAnswer).order_by(AvailabilityAnswer.id)))


async def test_an_answer_is_recorded_for_a_paused_date(paused, say, database):
    """`/hours available ACME yes` records today's answer, with the note, for the caller."""
    reply = await say.ok("bob", "/hours available ACME yes could work 6h")
    assert reply.private
    assert reply.data.to_json() == {
        "project": "ACME",
        "date": "2026-03-04",
        "available": True,
        "note": "could work 6h",
        "answered_at": "2026-03-04T10:00:00+00:00",
        "repeated": False,
    }
    assert reply.title == "Recorded: available to work on ACME on 2026-03-04"
    (row,) = await answers(database)
    assert (row.available, row.source_identity, row.work_date.isoformat()) == (
        True,
        "console:bob",
        "2026-03-04",
    )


async def test_every_answer_is_kept_and_the_last_counts(paused, say, database, clock):
    """Yes, then no, then yes again for one date: three rows, the last one counts."""
    await say.ok("carol", "/hours available ACME yes yesterday")
    clock.set(datetime(2026, 3, 4, 11, 0, tzinfo=UTC))
    await say.ok("carol", "/hours available ACME no 2026-03-03")
    clock.set(datetime(2026, 3, 4, 12, 0, tzinfo=UTC))
    await say.ok("carol", "/hours available ACME yes 2026-03-03")
    assert [row.available for row in await answers(database)] == [True, False, True]


async def test_a_repeated_request_or_answer_records_once(paused, say, database):
    """The same request key twice, or the same answer again as it stands, adds nothing."""
    first = await say.ok("bob", "/hours available ACME no", request_key="slack:action:UBOB:1.1")
    again = await say.ok("bob", "/hours available ACME no", request_key="slack:action:UBOB:1.1")
    assert not first.data.repeated and again.data.repeated
    assert "already recorded" in again.text
    clicked_twice = await say.ok(
        "bob", "/hours available ACME no", request_key="slack:action:UBOB:1.2"
    )
    assert clicked_twice.data.repeated
    assert len(await answers(database)) == 1
    stolen = await say("carol", "/hours available ACME yes", request_key="slack:action:UBOB:1.1")
    assert not stolen.ok and stolen.error_kind == "not_allowed"
    assert len(await answers(database)) == 1


@pytest.mark.parametrize(
    ("who", "line", "field", "words"),
    [
        ("bob", "/hours available BETA yes", "date", "was not paused on 2026-03-04"),
        ("bob", "/hours available ACME yes 2026-03-01", "date", "was not paused on 2026-03-01"),
        ("bob", "/hours available ACME yes 2026-03-05", "date", "in the future"),
        ("bob", "/hours available ACME yes 2026-02-01", "date", "more than 14 days ago"),
        ("bob", "/hours available ACME maybe", "answer", "is not an answer"),
        ("dave", "/hours available ACME yes", "code", "There is no project ACME"),
        ("admin", "/hours available ACME yes", "code", "You were not assigned to ACME"),
        ("bob", "/hours available ACME yes last week", "date", "last week"),
    ],
)
async def test_answers_only_for_my_paused_projects(paused, say, database, who, line, field, words):
    """Not paused that date, future, too old, not mine: one sentence and nothing recorded."""
    before = await snapshot(database)
    reply = await say(who, line)
    assert not reply.ok and reply.field == field, reply.text
    assert words in reply.text and "\n" not in reply.text
    if who != "dave":  # dave is new to pausebot: his first command creates him
        assert await snapshot(database) == before


@pytest.fixture
def jobs(database, settings, clock) -> Jobs:
    """The scheduled jobs at 09:00 UTC."""
    return Jobs(
        database=database,
        settings=settings.model_copy(update={"SUMMARY_TIME": time(9, 0)}),
        clock=clock,
    )


async def checkins(database) -> list[OutboxMessage]:
    """Check-in messages in the outbox, oldest first."""
    async with database.transaction() as db:
        query = select(OutboxMessage).where(OutboxMessage.kind == "checkin")
        return list(await db.scalars(query.order_by(OutboxMessage.id)))


def targets(rows: list[OutboxMessage]) -> Counter:
    """How many messages each (platform, target type, target) got."""
    return Counter((row.platform, row.target_type, row.target) for row in rows)


async def test_check_ins_go_once_a_day_to_each_assigned_contractor(
    paused, say, database, clock, jobs
):
    """One DM a day per person and project (bob on Slack, his chat platform; carol on the
    console), however often the jobs run; none before check-ins are on or after a resume."""
    await jobs.run_due()
    assert await checkins(database) == []
    on = await say.ok("admin", "/project checkin ACME on")
    assert on.title == "Check-ins are on for ACME" and "09:00" in on.text
    await jobs.run_due()
    await jobs.run_due()
    first = await checkins(database)
    assert targets(first) == Counter(
        {("slack", "user", "UBOB"): 1, ("console", "user", "carol"): 1}
    )
    message = Message.model_validate(first[0].payload)
    assert message.title == "Are you available to work on ACME today (2026-03-04)?"
    assert [(a.label, a.value) for a in message.actions] == [
        ("Yes, I am available", "hours available ACME yes 2026-03-04"),
        ("No, I am not", "hours available ACME no 2026-03-04"),
    ]
    assert "type /hours available ACME no 2026-03-04" in message_text(message)
    # The next day: once more each; carol answered before 09:00, so only bob is asked.
    clock.set(datetime(2026, 3, 5, 8, 0, tzinfo=UTC))
    await say.ok("carol", "/hours available ACME yes")
    clock.set(datetime(2026, 3, 5, 9, 0, tzinfo=UTC))
    await jobs.run_due()
    assert targets(await checkins(database)) == Counter(
        {("slack", "user", "UBOB"): 2, ("console", "user", "carol"): 1}
    )
    clock.set(datetime(2026, 3, 5, 12, 0, tzinfo=UTC))
    await say.ok("admin", "/project resume ACME")
    clock.set(datetime(2026, 3, 6, 9, 0, tzinfo=UTC))
    await jobs.run_due()
    assert len(await checkins(database)) == 3


async def test_check_ins_off_stop_the_messages(paused, say, database, clock, jobs):
    """Off means no more check-ins for the project."""
    await say.ok("admin", "/project checkin ACME on")
    off = await say.ok("admin", "/project checkin acme off")
    assert off.title == "Check-ins are off for ACME"
    await jobs.run_due()
    assert await checkins(database) == []


async def test_a_check_in_button_runs_as_typed(paused, say, database, jobs):
    """The value of a check-in's button is the command: typed, it records the answer."""
    await say.ok("admin", "/project checkin ACME on")
    await jobs.run_due()
    carol = next(row for row in await checkins(database) if row.target == "carol")
    no = Message.model_validate(carol.payload).actions[1]
    reply = await say.ok("carol", no.line)
    assert reply.title == "Recorded: not available to work on ACME on 2026-03-04"
    (row,) = await answers(database)
    assert not row.available


async def test_only_admins_turn_check_ins_on(paused, say, database):
    """A contractor's try changes nothing."""
    before = await snapshot(database)
    reply = await say("bob", "/project checkin ACME on")
    assert not reply.ok and reply.error_kind == "not_allowed"
    assert await snapshot(database) == before


async def test_linking_moves_answers_and_rates(paused, say, database):
    """After /ops link, answers and own rates belong to the contractor kept."""
    await say.ok("admin", "/project assign ACME @zoe")
    await say.ok("zoe", "/hours available ACME yes")
    await say.ok("admin", "/ops rate @zoe ACME 20 USD")
    await say.ok("admin", "/ops link @bob @zoe")
    (row,) = await answers(database)
    reply = await say.ok("bob", "/hours available ACME yes")
    assert reply.data.repeated and row.source_identity == "console:zoe"
