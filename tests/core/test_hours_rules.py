"""The rules for hours: blocked days around pauses, time zones, the cap, the window, ownership."""

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.db.models import HoursEntry
from tests.conftest import snapshot


@pytest.fixture
async def acme(say, clock):
    """Project ACME created a month ago with bob and carol assigned."""
    now = clock.now()
    clock.set(datetime(2026, 2, 1, 9, 0, tzinfo=UTC))
    await say.ok("admin", '/project add ACME "Acme AI" "Labeling"')
    await say.ok("admin", "/project assign ACME @bob @carol")
    clock.set(now)


async def at(clock, say, when: datetime, who: str, line: str):
    """Run a command at a given moment, then put the clock back."""
    now = clock.now()
    clock.set(when)
    try:
        return await say.ok(who, line)
    finally:
        clock.set(now)


async def paused_at(clock, say, when: datetime):
    """Pause ACME at a given moment, as the admin."""
    return await at(clock, say, when, "admin", "/project pause ACME client incident")


async def kind_of(say, who: str, line: str) -> str:
    """The kind of the entry a log command creates."""
    return (await say.ok(who, line)).data.to_json()["kind"]


async def test_blocked_only_for_dates_paused_all_day(acme, say, clock):
    """Paused Monday 15:00: Monday is worked; Tuesday and today (still paused) are blocked."""
    await paused_at(clock, say, datetime(2026, 3, 2, 15, 0, tzinfo=UTC))
    assert await kind_of(say, "bob", "/hours log ACME 1h 2026-03-01") == "worked"
    assert await kind_of(say, "bob", "/hours log ACME 1h mon") == "worked"
    assert await kind_of(say, "bob", "/hours log ACME 1h tue") == "blocked"
    reply = await say.ok("bob", "/hours log ACME 1h today")
    assert reply.data.to_json()["kind"] == "blocked"
    assert "paused" in reply.text and "blocked" in reply.text


async def test_resume_ends_blocked_days(acme, say, clock):
    """Resumed this morning: today is worked again, yesterday stays blocked."""
    await paused_at(clock, say, datetime(2026, 3, 2, 15, 0, tzinfo=UTC))
    await at(clock, say, datetime(2026, 3, 4, 8, 0, tzinfo=UTC), "admin", "/project resume ACME")
    assert await kind_of(say, "bob", "/hours log ACME 1h yesterday") == "blocked"
    assert await kind_of(say, "bob", "/hours log ACME 1h today") == "worked"


async def test_pause_at_midnight_blocks_that_date(acme, say, clock):
    """A pause that starts exactly at local midnight blocks that whole date."""
    await paused_at(clock, say, datetime(2026, 3, 3, 0, 0, tzinfo=UTC))
    assert await kind_of(say, "bob", "/hours log ACME 1h 2026-03-03") == "blocked"
    assert await kind_of(say, "bob", "/hours log ACME 1h 2026-03-02") == "worked"


async def test_blocked_rule_uses_the_contractors_time_zone(acme, say, clock):
    """A pause at 05:00 UTC Tuesday covers all of Los Angeles' Tuesday but not UTC's."""
    await say.ok("carol", "/hours tz America/Los_Angeles")
    await paused_at(clock, say, datetime(2026, 3, 3, 5, 0, tzinfo=UTC))
    assert await kind_of(say, "carol", "/hours log ACME 1h 2026-03-03") == "blocked"
    assert await kind_of(say, "bob", "/hours log ACME 1h 2026-03-03") == "worked"


async def test_today_follows_the_contractors_time_zone(acme, say, clock):
    """At 02:00 UTC Wednesday it is still Tuesday in Los Angeles: today means Tuesday there."""
    clock.set(datetime(2026, 3, 4, 2, 0, tzinfo=UTC))
    await say.ok("carol", "/hours tz America/Los_Angeles")
    assert (await say.ok("carol", "/hours log ACME 1h")).data.to_json()["work_date"] == "2026-03-03"
    assert (await say.ok("bob", "/hours log ACME 1h")).data.to_json()["work_date"] == "2026-03-04"
    refused = await say("carol", "/hours log ACME 1h 2026-03-04")
    assert not refused.ok and "future" in refused.text


async def test_day_cap_is_24_hours_across_projects(say, clock, database):
    """A day holds 24h across every project; the refusal says how much still fits."""
    await say.ok("admin", '/project add ACME "Acme AI" "Labeling"')
    await say.ok("admin", '/project add BETA "Beta" "Audio"')
    await say.ok("admin", "/project assign ACME @bob")
    await say.ok("admin", "/project assign BETA @bob")
    await say.ok("bob", "/hours log ACME 20h yesterday")
    await say.ok("bob", "/hours log BETA 3h30m yesterday")
    before = await snapshot(database)
    refused = await say("bob", "/hours log ACME 31m yesterday")
    assert not refused.ok
    assert "23h 30m" in refused.text and "30m more" in refused.text
    assert await snapshot(database) == before
    await say.ok("bob", "/hours log ACME 30m yesterday")
    assert not (await say("bob", "/hours log BETA 1m yesterday")).ok


async def test_deleted_entries_free_the_cap_and_edits_respect_it(acme, say):
    """Deleted entries stop counting; an edit may not push the day past 24h."""
    first = await say.ok("bob", "/hours log ACME 20h yesterday")
    second = await say.ok("bob", "/hours log ACME 4h yesterday")
    assert not (await say("bob", f"/hours edit {first.data.to_json()['id']} 20h1m")).ok
    await say.ok("bob", f"/hours delete {second.data.to_json()['id']}")
    edited = await say.ok(
        "bob", f"/hours edit {first.data.to_json()['id']} 24h reviewed everything"
    )
    changed = edited.data.to_json()
    assert (changed["id"], changed["minutes"], changed["note"]) == (
        first.data.to_json()["id"],
        1440,
        "reviewed everything",
    )


async def test_backdate_window_and_future(acme, say, settings):
    """Hours go back exactly HOURS_BACKDATE_DAYS days and never into the future."""
    assert settings.HOURS_BACKDATE_DAYS == 14
    await say.ok("bob", "/hours log ACME 1h 2026-02-18")
    old = await say("bob", "/hours log ACME 1h 2026-02-17")
    assert not old.ok and "2026-02-18" in old.text
    future = await say("bob", "/hours log ACME 1h 2026-03-05")
    assert not future.ok and "future" in future.text


async def test_backdate_setting_is_honoured(say, database, settings, clock):
    """HOURS_BACKDATE_DAYS=2 refuses three days ago."""
    from bot.commands.runner import CommandRunner
    from tests.conftest import Console

    short = Console(
        CommandRunner(
            database=database,
            clock=clock,
            settings=settings.model_copy(update={"HOURS_BACKDATE_DAYS": 2}),
        )
    )
    await short.ok("admin", '/project add ACME "Acme AI" "Labeling"')
    await short.ok("admin", "/project assign ACME @bob")
    await short.ok("bob", "/hours log ACME 1h 2026-03-02")
    assert not (await short("bob", "/hours log ACME 1h 2026-03-01")).ok


async def test_delete_is_soft_and_only_for_the_owner(acme, say, database):
    """Only the owner deletes; the row stays with deleted_at; a second delete is refused."""
    entry_id = (await say.ok("bob", "/hours log ACME 2h yesterday")).data.to_json()["id"]
    before = await snapshot(database)
    refused = await say("carol", f"/hours delete {entry_id}")
    assert not refused.ok and "not yours" in refused.text
    assert not (await say("carol", f"/hours edit {entry_id} 1h")).ok
    assert not (await say("admin", f"/hours delete {entry_id}")).ok
    assert await snapshot(database) == before
    await say.ok("bob", f"/hours delete {entry_id}")
    async with database.transaction() as db:
        entry = await db.get(HoursEntry, entry_id)
        assert entry.deleted_at is not None and entry.minutes == 120
    assert not (await say("bob", f"/hours delete {entry_id}")).ok
    week = await say.ok("bob", "/hours week")
    assert week.data.to_json()["entries"] == []


async def test_entries_outside_the_window_cannot_change(acme, say, clock):
    """An entry whose date has left the backdate window can no longer be edited or deleted."""
    entry_id = (await say.ok("bob", "/hours log ACME 2h 2026-02-18")).data.to_json()["id"]
    clock.advance(days=1)
    assert not (await say("bob", f"/hours delete {entry_id}")).ok
    assert not (await say("bob", f"/hours edit {entry_id} 1h")).ok


async def test_same_request_twice_creates_one_entry(acme, say, database):
    """A platform request delivered twice (same request key) creates one entry."""
    first = await say.ok("bob", "/hours log ACME 2h", request_key="slack:trigger:123")
    again = await say.ok("bob", "/hours log ACME 2h", request_key="slack:trigger:123")
    assert again.data.to_json()["id"] == first.data.to_json()["id"]
    assert again.data.to_json()["repeated"] is True and first.data.to_json()["repeated"] is False
    async with database.transaction() as db:
        count = len((await db.execute(select(HoursEntry))).scalars().all())
    assert count == 1


async def test_closed_project_takes_no_hours_after_closing(acme, say, clock):
    """Closed on Tuesday: Tuesday and earlier are fine, Wednesday is refused."""
    await at(
        clock,
        say,
        datetime(2026, 3, 3, 12, 0, tzinfo=UTC),
        "admin",
        "/project close ACME contract ended",
    )
    await say.ok("bob", "/hours log ACME 1h 2026-03-03")
    refused = await say("bob", "/hours log ACME 1h today")
    assert not refused.ok and "closed" in refused.text


async def test_only_assigned_contractors_log(acme, say, database):
    """Someone never on the project is told it is not theirs; someone unassigned, not assigned."""
    refused = await say("dave", "/hours log ACME 1h")
    assert not refused.ok and "There is no project ACME" in refused.text
    await say.ok("admin", "/project unassign ACME @bob")
    before = await snapshot(database)
    refused = await say("bob", "/hours log ACME 1h")
    assert not refused.ok and "not assigned to ACME" in refused.text
    assert await snapshot(database) == before


async def test_week_lists_entries_with_totals_by_kind(acme, say, clock):
    """The week runs Monday to Sunday and totals worked and blocked minutes apart."""
    await paused_at(clock, say, datetime(2026, 3, 2, 15, 0, tzinfo=UTC))
    await say.ok("bob", "/hours log ACME 1h 2026-03-01 last week")
    await say.ok("bob", "/hours log ACME 2h mon")
    await say.ok("bob", "/hours log ACME 3h tue")
    week = await say.ok("bob", "/hours week")
    assert week.data.to_json()["from"] == "2026-03-02" and week.data.to_json()["to"] == "2026-03-08"
    assert [e["minutes"] for e in week.data.to_json()["entries"]] == [120, 180]
    assert (week.data.to_json()["worked_minutes"], week.data.to_json()["blocked_minutes"]) == (
        120,
        180,
    )
    last = await say.ok("bob", "/hours week 2026-03-01")
    assert [e["note"] for e in last.data.to_json()["entries"]] == ["last week"]


async def test_two_word_duration_and_note(acme, say):
    """`2h 15m` spans two words; the rest after an optional date is the note."""
    reply = await say.ok("bob", '/hours log ACME 2h 15m yesterday fixed "edge cases" today')
    assert reply.data.to_json()["minutes"] == 135
    assert reply.data.to_json()["work_date"] == "2026-03-03"
    assert reply.data.to_json()["note"] == "fixed edge cases today"


async def test_cap_holds_when_logs_race(acme, say, database):
    """Ten 5h entries for one date sent at once: four fit in 24h, six are refused."""
    await say.ok("bob", "/hours week")
    replies = await asyncio.gather(
        *(say("bob", f"/hours log ACME 5h yesterday race {n}") for n in range(10))
    )
    assert sorted(reply.ok for reply in replies) == [False] * 6 + [True] * 4
    week = await say.ok("bob", "/hours week yesterday")
    assert sum(entry["minutes"] for entry in week.data.to_json()["entries"]) == 4 * 5 * 60


async def test_a_request_key_answers_only_its_own_person(acme, say):
    """Carol replaying bob's request key is refused and never gets his entry back."""
    first = await say.ok("bob", "/hours log ACME 1h", request_key="slack:view:V1")
    replay = await say("carol", "/hours log ACME 1h", request_key="slack:view:V1")
    assert not replay.ok and "someone else" in replay.text
    assert str(first.data.to_json()["id"]) not in replay.text
    again = await say.ok("bob", "/hours log ACME 1h", request_key="slack:view:V1")
    assert (
        again.data.to_json()["repeated"]
        and again.data.to_json()["id"] == first.data.to_json()["id"]
    )
