"""Claim-grade records: nothing guessed, limits, rules re-checked, roles, what contractors see."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from bot.db.models import Client, Contractor, HoursEntry
from tests.conftest import snapshot


@pytest.fixture
async def acme(say, clock):
    """ACME (Acme AI) created a month before the suite's start, bob on it; BETA without bob."""
    now = clock.now()
    clock.set(datetime(2026, 2, 1, 9, 0, tzinfo=UTC))
    await say.ok("admin", '/project add ACME "Acme AI" "Labeling"')
    await say.ok("admin", '/project add BETA "Beta Corp" "Audio"')
    await say.ok("admin", "/project assign ACME @bob")
    await say.ok("admin", "/project pause BETA secret reason")
    clock.set(now)


async def entry(say, who: str, line: str) -> dict:
    """The entry data of a successful /hours log."""
    return (await say.ok(who, line)).data.to_json()


async def test_last_weekday_and_month_day_are_read_not_noted(acme, say):
    """`last monday` and `Mar 2` are dates (Wednesday 2026-03-04 today), never part of a note."""
    last_monday = await entry(say, "bob", "/hours log ACME 2h last monday reviewed")
    assert (last_monday["work_date"], last_monday["note"]) == ("2026-03-02", "reviewed")
    month_day = await entry(say, "bob", "/hours log ACME 1h Mar 3 batch 14")
    assert (month_day["work_date"], month_day["note"]) == ("2026-03-03", "batch 14")


@pytest.mark.parametrize(
    "line",
    [
        "/hours log ACME 2h 2 days ago x",
        "/hours log ACME 2h 01.12.2026 x",
        "/hours log ACME 2h 30.11.",
        "/hours log ACME 2h next week",
        "/hours log ACME 2h 20/12 batch",
    ],
)
async def test_date_like_words_are_refused_not_stored(acme, say, database, line):
    """A word that looks like a date but is not understood is refused and changes nothing."""
    before = await snapshot(database)
    reply = await say("bob", line)
    assert not reply.ok and reply.field == "date", reply.text
    assert await snapshot(database) == before


async def test_a_reason_with_an_unreadable_until_is_refused(acme, say, database):
    """`until next week` is refused; it is never stored as part of the reason."""
    before = await snapshot(database)
    reply = await say("admin", "/project pause ACME breach until next week")
    assert not reply.ok and "next week" in reply.text
    assert await snapshot(database) == before
    paused = await say.ok("admin", "/project pause ACME breach until Mar 20")
    assert paused.data.to_json()["expected_resume"] == "2026-03-20"
    assert paused.data.to_json()["reason"] == "breach"


@pytest.mark.parametrize(
    ("text", "minutes"),
    [("2 hours", 120), ("2hrs", 120), ("2 h", 120), (".5h", 30), ("1,5h", 90), ("1h30", 90)],
)
async def test_durations_people_type(acme, say, text, minutes):
    """The duration forms people type are read as SPEC lists them."""
    assert (await entry(say, "bob", f"/hours log ACME {text}"))["minutes"] == minutes


async def test_console_names_are_case_insensitive(acme, say, database):
    """`@Bob` is `@bob`: assigning him again finds him, and no second person is made."""
    reply = await say.ok("admin", "/project assign ACME @Bob")
    assert reply.data.to_json()["already"] == ["bob"]
    async with database.transaction() as db:
        assert await db.scalar(select(func.count()).select_from(Contractor)) == 2


async def test_a_new_person_is_named_as_new(acme, say):
    """Assigning someone pausebot never saw says so, so a typo shows at once."""
    reply = await say.ok("admin", "/project assign ACME @bbo")
    assert any(
        f.name == "New to pausebot" and "@console:bbo" in f.value for f in reply.message.fields
    )
    known = await say.ok("admin", "/project assign BETA @bob")
    assert not any(f.name == "New to pausebot" for f in known.message.fields)


async def test_unassigning_an_unknown_person_creates_nobody(acme, say, database):
    """Unassigning a name pausebot does not know is refused and creates nobody."""
    before = await snapshot(database)
    reply = await say("admin", "/project unassign ACME @bbo")
    assert not reply.ok and "console:bbo" in reply.text
    assert await snapshot(database) == before


async def test_client_names_fold_case_with_unicode(say, database):
    """`Über AI 🚀` and `über ai 🚀` are one client; the impact report finds it either way."""
    await say.ok("admin", '/project add UBER "Über AI 🚀" "One"')
    await say.ok("admin", '/project add UBER2 "über ai 🚀" "Two"')
    async with database.transaction() as db:
        assert list(await db.scalars(select(Client.name))) == ["Über AI 🚀"]
    report = (await say.ok("admin", '/ops impact "ÜBER AI 🚀"')).data.to_json()
    (client,) = report["clients"]
    assert [p["project"] for p in client["projects"]] == ["UBER", "UBER2"]


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ("/hours log ACME 1h " + "n" * 501, "500"),
        ('/project add LONG "' + "c" * 101 + '" "Title"', "100"),
        ('/project add LONG "Client" "' + "t" * 201 + '"', "200"),
        ("/hours log ACME 1h caf\x00e", "control character"),
        ("/hours log ACME 1h caf\udcffe", "control character"),
        ("/project pause ACME " + "r" * 501, "500"),
    ],
)
async def test_limits_and_control_characters_are_refused(acme, say, database, line, words):
    """Over-long text and control characters get one sentence and change nothing."""
    before = await snapshot(database)
    who = "bob" if line.startswith("/hours") else "admin"
    reply = await say(who, line)
    assert not reply.ok and words in reply.text and reply.error_kind != "internal"
    assert await snapshot(database) == before


async def test_edit_checks_the_assignment_and_the_close(acme, say, database):
    """After an unassign, or for a date after the close, an edit is refused like a new entry."""
    logged = await entry(say, "bob", "/hours log ACME 1h")
    await say.ok("admin", "/project unassign ACME @bob")
    before = await snapshot(database)
    refused = await say("bob", f"/hours edit {logged['id']} 23h59m")
    assert not refused.ok and "not assigned" in refused.text
    assert await snapshot(database) == before


async def test_link_refuses_a_merge_over_24_hours_naming_the_dates(acme, say, database):
    """Two identities with 20 h each on one date cannot be linked into a 40 h day."""
    await say.ok("admin", "/project assign ACME @ann")
    await say.ok("bob", "/hours log ACME 20h yesterday")
    await say.ok("ann", "/hours log ACME 20h yesterday")
    before = await snapshot(database)
    reply = await say("admin", "/ops link @bob @ann")
    assert not reply.ok and "2026-03-03" in reply.text
    assert await snapshot(database) == before


async def test_a_bootstrap_admins_role_is_not_changed_in_chat(acme, say, database):
    """`/ops role @admin contractor` on a PAUSEBOT_ADMINS admin is refused, not ignored."""
    before = await snapshot(database)
    reply = await say("admin", "/ops role @admin contractor")
    assert not reply.ok and "PAUSEBOT_ADMINS" in reply.text
    assert await snapshot(database) == before


async def test_the_last_admin_keeps_their_role(runner, say, database):
    """With no bootstrap admins, the only admin cannot drop their own role."""
    await say.ok("admin", "/ops role @root admin")
    runner.settings = runner.settings.model_copy(update={"PAUSEBOT_ADMINS": []})
    before = await snapshot(database)
    reply = await say("root", "/ops role @root contractor")
    assert not reply.ok and "last admin" in reply.text
    assert await snapshot(database) == before
    await say.ok("root", "/ops role @carol admin")
    assert (await say("root", "/ops role @root ops")).ok


async def test_a_contractor_sees_only_their_projects(acme, say):
    """bob asking for BETA (not his) learns nothing about it; suggestions name only his codes."""
    reply = await say("bob", "/project status BETA")
    assert not reply.ok
    assert "Beta Corp" not in reply.text and "secret" not in reply.text
    near = await say("bob", "/project status ACMX")
    assert "ACME" in near.text
    other = await say("bob", "/project status BETX")
    assert "BETA" not in other.text
    ops = await say.ok("admin", "/project status BETA")
    assert ops.data.to_json()["reason"] == "secret reason"


async def test_worked_on_the_day_a_pause_began_says_why(acme, say, clock):
    """Hours on the date a pause began are worked, and the reply says why."""
    clock.set(datetime(2026, 3, 4, 9, 0, tzinfo=UTC))
    await say.ok("admin", "/project pause ACME incident")
    clock.set(datetime(2026, 3, 4, 12, 0, tzinfo=UTC))
    reply = await say.ok("bob", "/hours log ACME 1h")
    assert reply.data.to_json()["kind"] == "worked"
    assert "pause began during 2026-03-04" in reply.text


async def test_a_past_pause_is_spoken_of_in_the_past(acme, say, clock):
    """After a resume, hours for a date paused all day are blocked, said in the past tense."""
    clock.set(datetime(2026, 3, 1, 9, 0, tzinfo=UTC))
    await say.ok("admin", "/project pause ACME incident")
    clock.set(datetime(2026, 3, 4, 9, 0, tzinfo=UTC))
    await say.ok("admin", "/project resume ACME")
    reply = await say.ok("bob", "/hours log ACME 1h 2026-03-02")
    assert reply.data.to_json()["kind"] == "blocked"
    assert "ACME was paused all day on 2026-03-02" in reply.text
    assert "is paused" not in reply.text


async def test_invariant_no_day_over_24_hours(acme, say, database):
    """However entries are logged and edited, no contractor's date holds over 24 h."""
    first = await entry(say, "bob", "/hours log ACME 20h yesterday")
    await say.ok("bob", "/hours log ACME 4h yesterday")
    assert not (await say("bob", f"/hours edit {first['id']} 20h1m")).ok
    async with database.transaction() as db:
        total = await db.scalar(
            select(func.sum(HoursEntry.minutes)).where(HoursEntry.deleted_at.is_(None))
        )
    assert total == 24 * 60
