"""Scheduled jobs: the daily summary once a day where ops read it, reminders on the right days."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.core.message import Field, Message
from bot.core.reminders import reminder_due
from bot.core.runs import latest_tick
from bot.db.models import OutboxMessage, ScheduledRun
from bot.db.session import Database
from bot.scheduling.jobs import Jobs
from tests.conftest import keys

PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def team_settings(settings):
    """Settings in Paris with a 09:00 summary to two ops channels and reminders every 3 days."""
    return settings.model_copy(
        update={
            "PAUSEBOT_TZ": "Europe/Paris",
            "SUMMARY_TIME": time(9, 0),
            "OPS_CHANNELS": keys("slack:COPS", "console:ops-room"),
            "PAUSE_REMINDER_DAYS": 3,
        }
    )


@pytest.fixture
def jobs(database, team_settings, clock) -> Jobs:
    """The jobs over the test database and clock."""
    return Jobs(database=database, settings=team_settings, clock=clock)


async def outbox(database: Database, kind: str) -> list[OutboxMessage]:
    """Outbox rows of one kind, oldest first."""
    async with database.transaction() as db:
        query = select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)
        return list((await db.execute(query)).scalars())


def paris(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    """An instant given in Paris time, in 2026."""
    return datetime(2026, month, day, hour, minute, tzinfo=PARIS).astimezone(UTC)


def test_latest_tick_is_read_in_the_team_zone():
    """09:00 in Paris is 08:00 UTC in winter: 08:30 UTC is after that day's tick."""
    assert latest_tick(paris(4, 9, 30), time(9), PARIS) == (date(2026, 3, 4), paris(4, 9))
    assert latest_tick(paris(4, 8, 59), time(9), PARIS) == (date(2026, 3, 3), paris(3, 9))
    assert latest_tick(paris(29, 9, 0), time(9), PARIS)[1] == datetime(
        2026, 3, 29, 7, 0, tzinfo=UTC
    ), "after the switch to summer time, 09:00 Paris is 07:00 UTC"


def test_reminders_fall_every_n_days_after_the_pause():
    """Paused on the 2nd with every=3: due on the 5th, 8th…; between, the latest due one."""
    paused = date(2026, 3, 2)
    assert [reminder_due(paused, date(2026, 3, d), 3) for d in (2, 3, 4)] == [None] * 3
    assert reminder_due(paused, date(2026, 3, 5), 3) == date(2026, 3, 5)
    assert reminder_due(paused, date(2026, 3, 7), 3) == date(2026, 3, 5)
    assert reminder_due(paused, date(2026, 3, 8), 3) == date(2026, 3, 8)


async def test_daily_summary_goes_to_each_ops_channel_once_a_day(say, database, clock, jobs):
    """At 09:00 Paris the summary of yesterday is queued once per ops channel; again is a no-op."""
    await say.ok("admin", '/project add ACME "Acme AI" "Labeling"')
    await say.ok("admin", "/project pause ACME vendor incident")
    clock.set(paris(5, 9, 0))
    assert await jobs.daily_summary()
    assert not await jobs.daily_summary()
    clock.set(paris(5, 23, 59))
    assert not await jobs.daily_summary()
    rows = await outbox(database, "summary")
    assert [(r.platform, r.target_type, r.target) for r in rows] == [
        ("slack", "channel", "COPS"),
        ("console", "channel", "ops-room"),
    ]
    message = Message.model_validate(rows[0].payload)
    assert message.title == "Daily summary for 2026-03-04"
    assert "ACME: active → paused (vendor incident)" in message.text
    assert "ACME (Acme AI) paused since 2026-03-04, day 1" in message.text
    assert Field(name="Paused projects", value="1") in message.fields
    clock.set(paris(6, 9, 0))
    assert await jobs.daily_summary()
    assert len(await outbox(database, "summary")) == 4


async def test_summary_missed_while_down_is_caught_up_once(database, clock, jobs, team_settings):
    """Down from the 4th at 20:00 to the 7th at 10:00: one catch-up summary, for the 6th."""
    clock.set(paris(4, 20, 0))
    await jobs.run_due()
    clock.set(paris(7, 10, 0))
    await jobs.run_due()
    await jobs.run_due()
    async with database.transaction() as db:
        runs = list(await db.scalars(select(ScheduledRun.period).order_by(ScheduledRun.id)))
    assert runs == ["2026-03-03", "2026-03-06"]
    assert [r.payload["title"][-10:] for r in await outbox(database, "summary")] == [
        "2026-03-03",
        "2026-03-03",
        "2026-03-06",
        "2026-03-06",
    ]


async def test_racing_summaries_on_two_engines_queue_one(database_url, clock, team_settings):
    """Two processes' jobs run the same summary at once: one is recorded, one is queued."""
    first, second = Database(database_url), Database(database_url)
    try:
        clock.set(paris(5, 9, 0))
        results = await asyncio.gather(
            Jobs(database=first, settings=team_settings, clock=clock).daily_summary(),
            Jobs(database=second, settings=team_settings, clock=clock).daily_summary(),
        )
        assert sorted(results) == [False, True]
        assert len(await outbox(first, "summary")) == 2
    finally:
        await first.dispose()
        await second.dispose()


async def test_reminders_on_the_right_days_in_the_team_zone(say, database, clock, jobs):
    """Paused at 00:30 Paris on the 5th (still the 4th in UTC): reminders on the 8th and 11th."""
    await say.ok("admin", '/project add ACME "Acme AI" "Labeling"')
    await say.ok("admin", "/project assign ACME @bob @slack:U1")
    await say.ok("admin", "/project channel ACME #slack:CPROJ")
    clock.set(paris(5, 0, 30))
    await say.ok("admin", "/project pause ACME vendor incident until 2026-03-20")
    sent_on = []
    for day in range(5, 15):
        for hour in (8, 9, 18):
            clock.set(paris(day, hour, 30))
            if await jobs.pause_reminders():
                sent_on.append((day, hour))
    assert sent_on == [(8, 9), (11, 9), (14, 9)]
    rows = await outbox(database, "reminder")
    assert {(r.platform, r.target) for r in rows} == {("console", "bob"), ("slack", "U1")}
    assert rows[0].payload["title"] == "ACME is still paused (day 4)"
    assert "Expected to resume on 2026-03-20." in rows[0].payload["text"]
    assert "blocked hours" in rows[0].payload["text"]


async def test_a_missed_reminder_comes_once_when_back(say, database, clock, jobs):
    """Down across the reminder day: the reminder comes once on return, with today's day number."""
    await say.ok("admin", '/project add ACME "Acme AI" "Labeling"')
    await say.ok("admin", "/project assign ACME @bob")
    clock.set(paris(5, 12))
    await say.ok("admin", "/project pause ACME vendor incident")
    clock.set(paris(9, 11))
    assert await jobs.pause_reminders() == 1
    assert await jobs.pause_reminders() == 0
    clock.set(paris(10, 9))
    assert await jobs.pause_reminders() == 0
    [row] = await outbox(database, "reminder")
    assert row.payload["title"] == "ACME is still paused (day 5)"


async def test_no_reminders_after_resume(say, database, clock, jobs):
    """A resumed project's contractors get no reminder."""
    await say.ok("admin", '/project add ACME "Acme AI" "Labeling"')
    await say.ok("admin", "/project assign ACME @bob")
    await say.ok("admin", "/project pause ACME vendor incident")
    clock.advance(days=2)
    await say.ok("admin", "/project resume ACME")
    clock.advance(days=2)
    assert await jobs.pause_reminders() == 0
