"""The dispatcher: fan-out exactly once, 429 storms, failures, retries and lost claims."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select

from bot.db.models import OutboxMessage
from bot.db.session import Database
from bot.notify.dispatcher import Dispatcher
from tests.notify.conftest import deliver_everything, outbox_states
from tests.notify.fakes import crowd

PROJECT = '/project add ACME "Acme AI" "Labeling"'


async def paused_project(say, database, clock, *, contractors: int, platforms=("slack",)):
    """ACME with a Slack channel and `contractors` assigned, then paused by the admin."""
    await say.ok("admin", PROJECT)
    await say.ok("admin", "/project channel ACME #slack:CPROJ")
    names = await crowd(
        database, code="ACME", count=contractors, now=clock.now(), platforms=platforms
    )
    reply = await say.ok("admin", "/project pause ACME vendor incident")
    return names, reply


async def test_pause_reaches_every_contractor_channel_and_ops_once(
    say, database, clock, dispatcher, platforms
):
    """A pause to 1,000 contractors on Slack and Discord: each DM, channel and ops post once."""
    names, _ = await paused_project(
        say, database, clock, contractors=1000, platforms=("slack", "discord")
    )
    await deliver_everything([dispatcher], clock, database)
    slack, discord = platforms["slack"].per_target(), platforms["discord"].per_target()
    assert len(slack) == 1001 and set(slack.values()) == {1}
    assert len(discord) == 1000 and set(discord.values()) == {1}
    assert slack[("channel", "CPROJ")] == 1
    assert platforms["console"].per_target() == {("channel", "ops-room"): 1}
    assert await outbox_states(database) == {"sent": 2002}
    assert {("user", f"S{name}") for name in names} <= set(slack)


async def test_429_storm_delays_and_never_drops(
    say, database, clock, dispatcher, platforms, metrics
):
    """Slack answers 429 for five minutes: all arrives once, nothing before Retry-After ends."""
    await paused_project(say, database, clock, contractors=1000, platforms=("slack", "discord"))
    slack = platforms["slack"]
    slack.storm_until = clock.now() + timedelta(minutes=5)
    slack.retry_after = 30
    await deliver_everything([dispatcher], clock, database)
    assert len(slack.per_target()) == 1001 and set(slack.per_target().values()) == {1}
    assert slack.early_calls() == []
    limited = [call for call in slack.calls if call.answer == "429"]
    assert len(limited) >= 10
    assert min(c.at for c in slack.calls if c.answer == "ok") >= slack.storm_until
    assert len(platforms["discord"].per_target()) == 1000
    assert metrics.deliveries.labels(platform="slack", outcome="rate_limited")._value.get() >= 10


async def test_a_storm_holds_back_only_its_platform(say, database, clock, dispatcher, platforms):
    """While Slack is rate limited, Discord deliveries go on."""
    await paused_project(say, database, clock, contractors=50, platforms=("slack", "discord"))
    platforms["slack"].storm_until = clock.now() + timedelta(minutes=1)
    await dispatcher.drain()
    assert len(platforms["discord"].delivered) == 50
    assert platforms["slack"].delivered == []


async def test_messages_to_one_slack_channel_are_a_second_apart(
    say, database, clock, dispatcher, platforms
):
    """Pause then resume: the project channel's two posts leave at least a second apart."""
    await paused_project(say, database, clock, contractors=2)
    await say.ok("admin", "/project resume ACME")
    await deliver_everything([dispatcher], clock, database)
    times = [
        call.at
        for call in platforms["slack"].calls
        if call.dedupe_key.endswith(":slack:channel:CPROJ") and call.answer == "ok"
    ]
    assert len(times) == 2
    assert times[1] - times[0] >= timedelta(seconds=1)


async def test_permanent_failure_is_recorded_and_shows_in_the_summary(
    say, database, clock, dispatcher, platforms
):
    """DMs closed: the row is failed with the reason, and /ops summary lists it."""
    names, _ = await paused_project(say, database, clock, contractors=3)
    platforms["slack"].closed_dms.add(f"S{names[1]}")
    await deliver_everything([dispatcher], clock, database)
    assert await outbox_states(database) == {"sent": 4, "failed": 1}
    async with database.transaction() as db:
        failed = await db.execute(select(OutboxMessage).where(OutboxMessage.state == "failed"))
        row = failed.scalar_one()
    assert row.last_error == "cannot_dm_user" and row.failed_at == clock.now()
    reply = await say.ok("admin", f"/ops summary {clock.now().date().isoformat()}")
    assert reply.data.to_json()["failed_deliveries"] == [
        {"target": f"slack:S{names[1]}", "kind": "announcement", "reason": "cannot_dm_user"}
    ]


async def test_transient_failures_back_off_and_look_before_resending(
    say, database, clock, dispatcher, platforms
):
    """Two timeouts, then success: retries wait 5 s then 10 s and ask was_sent first."""
    names, _ = await paused_project(say, database, clock, contractors=1)
    key = next(k for k in await dedupe_keys(database) if k.endswith(f"S{names[0]}"))
    platforms["slack"].flaky[key] = 2
    start = clock.now()
    await deliver_everything([dispatcher], clock, database)
    calls = [
        (c.method, c.answer, c.at - start) for c in platforms["slack"].calls if c.dedupe_key == key
    ]
    assert calls == [
        ("send", "timeout", timedelta(0)),
        ("was_sent", "ok", timedelta(seconds=5)),
        ("send", "timeout", timedelta(seconds=5)),
        ("was_sent", "ok", timedelta(seconds=15)),
        ("send", "ok", timedelta(seconds=15)),
    ]


async def test_endless_transient_failures_end_as_failed(say, database, clock, platforms):
    """A message that keeps timing out is marked failed after the attempt limit."""
    names, _ = await paused_project(say, database, clock, contractors=1)
    key = next(k for k in await dedupe_keys(database) if k.endswith(f"S{names[0]}"))
    platforms["slack"].flaky[key] = 100
    dispatcher = Dispatcher(database=database, senders=platforms, clock=clock, max_attempts=4)
    await deliver_everything([dispatcher], clock, database)
    async with database.transaction() as db:
        row = (
            await db.execute(select(OutboxMessage).where(OutboxMessage.dedupe_key == key))
        ).scalar_one()
    assert (row.state, row.attempts) == ("failed", 4)
    assert row.last_error == "gave up after 4 attempts: timeout"


async def test_in_flight_messages_of_a_dead_process_are_looked_up_not_resent(
    say, database, clock, platforms
):
    """A process dies mid-batch: after its lease, another sends only what did not go out."""
    await paused_project(say, database, clock, contractors=100)
    dead = Dispatcher(database=database, senders=platforms, clock=clock, worker="dead")
    batch = await dead.outbox.claim(platforms=["slack"], now=clock.now(), limit=60)
    for message in batch[:40]:
        assert (await dead.outbox.start_send(message, now=clock.now())).started
        await platforms["slack"].send(message)
    for message in batch[40:50]:
        assert (await dead.outbox.start_send(message, now=clock.now())).started
    survivor = Dispatcher(database=database, senders=platforms, clock=clock, worker="survivor")
    await survivor.drain()
    assert len(platforms["slack"].delivered) == 40 + 41, "the 41 rows nobody had claimed"
    clock.advance(minutes=6)
    await deliver_everything([survivor], clock, database)
    per_target = platforms["slack"].per_target()
    assert len(per_target) == 101 and set(per_target.values()) == {1}
    looked_up = {c.dedupe_key for c in platforms["slack"].calls if c.method == "was_sent"}
    assert looked_up == {message.dedupe_key for message in batch[:50]}


async def test_a_lost_claim_sends_nothing(say, database, clock, platforms):
    """A process whose lease ran out and was taken over neither sends nor records."""
    await paused_project(say, database, clock, contractors=5)
    slow = Dispatcher(database=database, senders=platforms, clock=clock, worker="slow")
    batch = await slow.outbox.claim(platforms=["slack"], now=clock.now(), limit=10)
    clock.advance(minutes=6)
    fast = Dispatcher(database=database, senders=platforms, clock=clock, worker="fast")
    await deliver_everything([fast], clock, database)
    for message in batch:
        assert (await slow.outbox.start_send(message, now=clock.now())).lost
        assert not await slow.outbox.mark_sent(message, now=clock.now())
    assert set(platforms["slack"].per_target().values()) == {1}


async def test_rows_for_a_platform_without_sender_wait(say, database, clock, platforms):
    """With only the console configured, Slack rows stay pending for a later run."""
    await paused_project(say, database, clock, contractors=3)
    console_only = Dispatcher(
        database=database, senders={"console": platforms["console"]}, clock=clock
    )
    await console_only.drain()
    assert await outbox_states(database) == {"sent": 1, "pending": 4}


async def test_two_dispatchers_share_the_work_and_send_each_once(
    say, database_url, database, clock, platforms
):
    """Two dispatchers with their own engines on one database: every message once."""
    await paused_project(say, database, clock, contractors=500, platforms=("slack", "discord"))
    other = Database(database_url)
    try:
        first = Dispatcher(database=database, senders=platforms, clock=clock, batch_size=50)
        second = Dispatcher(database=other, senders=platforms, clock=clock, batch_size=50)
        await asyncio.gather(first.drain(), second.drain())
        await deliver_everything([first, second], clock, database)
    finally:
        await other.dispose()
    for name, expected in (("slack", 501), ("discord", 500)):
        per_target = platforms[name].per_target()
        assert len(per_target) == expected and set(per_target.values()) == {1}


async def test_metrics_count_outcomes_and_gauges(
    say, database, clock, dispatcher, platforms, metrics
):
    """Deliveries are counted by platform and outcome; gauges show pending and failed."""
    names, _ = await paused_project(say, database, clock, contractors=3)
    await dispatcher.refresh_gauges()
    assert metrics.outbox_pending._value.get() == 5
    platforms["slack"].closed_dms.add(f"S{names[0]}")
    await deliver_everything([dispatcher], clock, database)
    await dispatcher.refresh_gauges()
    assert metrics.outbox_pending._value.get() == 0
    assert metrics.outbox_failed._value.get() == 1
    text = metrics.render().decode()
    assert 'pausebot_deliveries_total{outcome="sent",platform="slack"} 3.0' in text
    assert 'pausebot_deliveries_total{outcome="failed",platform="slack"} 1.0' in text


async def dedupe_keys(database) -> list[str]:
    """Every outbox dedupe key."""
    async with database.transaction() as db:
        return list(await db.scalars(select(OutboxMessage.dedupe_key)))


async def test_stop_ends_the_loop_between_passes(database, clock, platforms):
    """`stop()` makes a running dispatcher return on its own, without being cancelled."""
    dispatcher = Dispatcher(
        database=database, senders=platforms, clock=clock, worker="w1", poll_seconds=30
    )
    task = asyncio.create_task(dispatcher.run())
    await asyncio.sleep(0.1)
    dispatcher.stop()
    await asyncio.wait_for(task, timeout=5)
    assert task.done() and not task.cancelled()
