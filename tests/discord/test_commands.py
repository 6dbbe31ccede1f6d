"""Every command of the table through the real command tree, answered as embeds."""

from __future__ import annotations

import asyncio
import csv
import io
import json

from click.testing import CliRunner
from sqlalchemy import func, select

from bot.adapters.discord.embeds import ERROR_COLOUR
from bot.cli import main
from bot.db.models import HoursEntry, OutboxMessage, ProjectChannel
from bot.db.session import Database
from tests.discord.conftest import ADMIN, ALICE, BOB, OPS
from tests.discord.driver import Channel, Driver
from tests.fakes.discord_api import EPHEMERAL

ANNOUNCE = Channel(700_000_000_000_000_009, "acme-news")


async def setup_project(driver: Driver, code: str = "ACME-LABEL") -> None:
    """ACME-LABEL (Acme AI) with Alice assigned."""
    added = await driver.command(
        ADMIN, "project", "add", code=code, client="Acme AI", title="Boxes"
    )
    assert f"Created {code}" in added.text
    assigned = await driver.command(ADMIN, "project", "assign", code=code, who=ALICE)
    assert "Assigned" in assigned.text


async def count(database: Database, model, *where) -> int:
    """Rows of a model matching conditions."""
    async with database.transaction() as db:
        return (await db.execute(select(func.count()).select_from(model).where(*where))).scalar()


async def test_hours_log_records_worked_hours_privately(discord_driver, database):
    """/hours log records the entry with the date and note given, and answers ephemerally."""
    await setup_project(discord_driver)
    log = await discord_driver.command(
        ALICE, "hours", "log", code="acme-label", duration="1h30m", date="yesterday", note="boxes"
    )
    assert log.callback_type == 4 and log.ephemeral
    assert log.embeds[0]["title"] == "Logged 1h 30m on ACME-LABEL for 2026-03-03"
    assert "Note: boxes" in log.text
    async with database.transaction() as db:
        entry = (await db.execute(select(HoursEntry))).scalar_one()
    assert (entry.minutes, entry.note, str(entry.work_date)) == (90, "boxes", "2026-03-03")
    assert entry.source_identity == f"discord:{ALICE.id}"


async def test_hours_log_without_date_means_today_and_keeps_the_note(discord_driver, database):
    """A note that looks like a weekday is still the note when no date option is given."""
    await setup_project(discord_driver)
    log = await discord_driver.command(
        ALICE, "hours", "log", code="ACME-LABEL", duration="2h", note="monday"
    )
    assert "for 2026-03-04" in log.text and "Note: monday" in log.text


async def test_hours_log_on_paused_project_is_blocked(discord_driver, clock):
    """Hours on a date the project was paused all day are blocked, and the reply says so."""
    await setup_project(discord_driver)
    await discord_driver.command(ADMIN, "project", "pause", code="ACME-LABEL", reason="incident")
    clock.advance(days=1)
    log = await discord_driver.command(
        ALICE, "hours", "log", code="ACME-LABEL", duration="2h", date="today"
    )
    assert "Kind: blocked" in log.text and "ACME-LABEL is paused" in log.text
    week = await discord_driver.command(ALICE, "hours", "week")
    assert "Blocked: 2h" in week.text and "Worked: 0m" in week.text


async def test_hours_log_refusals_change_nothing(discord_driver, database):
    """A bad date option, duration or code is refused with the core's sentence; no entry."""
    await setup_project(discord_driver)
    bad_date = await discord_driver.command(
        ALICE, "hours", "log", code="ACME-LABEL", duration="2h", date="someday", note="x"
    )
    bad_duration = await discord_driver.command(
        ALICE, "hours", "log", code="ACME-LABEL", duration="25h"
    )
    bad_code = await discord_driver.command(ALICE, "hours", "log", code="ACME-LABLE", duration="1h")
    assert "'someday' is not a date" in bad_date.text
    assert "out of range" in bad_duration.text
    assert "ACME-LABEL" in bad_code.text
    for refused in (bad_date, bad_duration, bad_code):
        assert refused.ephemeral and refused.embeds[0]["color"] == ERROR_COLOUR.value
    assert await count(database, HoursEntry) == 0


async def test_same_interaction_delivered_twice_makes_one_entry(discord_driver, database):
    """A repeated interaction id (the request key) creates one entry, not two."""
    await setup_project(discord_driver)
    values = {"code": "ACME-LABEL", "duration": "2h", "date": "today"}
    first = discord_driver.payload(ALICE, "hours", "log", values, interaction_id=555)
    again = discord_driver.payload(ALICE, "hours", "log", values, interaction_id=555)
    await discord_driver.deliver(first)
    repeated = await discord_driver.deliver(again)
    assert "already recorded" in repeated.text
    assert await count(database, HoursEntry) == 1


async def test_hours_week_edit_delete_and_tz(discord_driver, database):
    """/hours week shows ids and totals; edit and delete change the caller's own entry."""
    await setup_project(discord_driver)
    await discord_driver.command(ALICE, "hours", "log", code="ACME-LABEL", duration="2h")
    week = await discord_driver.command(ALICE, "hours", "week", date="today")
    assert week.embeds[0]["title"] == "Week of 2026-03-02 to 2026-03-08"
    assert "#1" in week.embeds[0]["description"] and "Worked: 2h" in week.text
    edited = await discord_driver.command(ALICE, "hours", "edit", entry=1, duration="45m", note="x")
    assert edited.embeds[0]["title"] == "Entry #1 is now 45m"
    stolen = await discord_driver.command(BOB, "hours", "delete", entry=1)
    assert stolen.embeds[0]["color"] == ERROR_COLOUR.value
    deleted = await discord_driver.command(ALICE, "hours", "delete", entry=1)
    assert deleted.embeds[0]["title"] == "Deleted entry #1"
    assert await count(database, HoursEntry, HoursEntry.deleted_at.is_(None)) == 0
    zone = await discord_driver.command(ALICE, "hours", "tz", zone="Europe/Paris")
    assert zone.embeds[0]["title"] == "Your time zone is now Europe/Paris"
    bad_zone = await discord_driver.command(ALICE, "hours", "tz", zone="Mars/Base")
    assert "'Mars/Base' is not a time zone" in bad_zone.text


async def test_help_in_each_group_lists_commands_for_the_role(discord_driver):
    """/hours help, /project help and /ops help answer with the caller's commands."""
    contractor = await discord_driver.command(ALICE, "hours", "help")
    admin = await discord_driver.command(ADMIN, "ops", "help")
    project = await discord_driver.command(ALICE, "project", "help")
    assert "(contractor)" in contractor.text and "/hours log" in contractor.text
    assert "/ops link" in admin.text and "(admin)" in admin.text
    assert "/project status" in project.text and "/project pause" not in project.text


async def test_project_lifecycle_is_public_and_queues_announcements(discord_driver, database):
    """add, pause, resume and close answer publicly; state changes queue outbox messages."""
    await setup_project(discord_driver)
    channel = await discord_driver.command(
        ADMIN, "project", "channel", code="ACME-LABEL", channel=ANNOUNCE
    )
    assert f"discord go to #{ANNOUNCE.id}" in channel.text
    assert await count(database, ProjectChannel, ProjectChannel.channel_id == str(ANNOUNCE.id))
    paused = await discord_driver.command(
        ADMIN, "project", "pause", code="ACME-LABEL", reason="vendor incident", until="2026-03-20"
    )
    assert paused.deferred and not paused.ephemeral
    assert paused.embeds[0]["title"] == "Paused ACME-LABEL"
    assert "Expected resume: 2026-03-20" in paused.text
    # Alice's DM, the project channel and the ops channel.
    assert await count(database, OutboxMessage) == 3
    status = await discord_driver.command(ALICE, "project", "status")
    assert "vendor incident" in status.text and status.ephemeral
    one = await discord_driver.command(ALICE, "project", "status", code="ACME-LABEL")
    assert "State: paused" in one.text
    resumed = await discord_driver.command(ADMIN, "project", "resume", code="ACME-LABEL", note="ok")
    assert resumed.embeds[0]["title"] == "Resumed ACME-LABEL" and not resumed.ephemeral
    closed = await discord_driver.command(ADMIN, "project", "close", code="ACME-LABEL")
    assert closed.embeds[0]["title"] == "Closed ACME-LABEL"
    history = await discord_driver.command(ADMIN, "project", "history", code="ACME-LABEL")
    assert history.deferred and history.ephemeral
    table = history.embeds[0]["description"]
    assert table.index("closed") < table.index("paused")
    listed = await discord_driver.command(ADMIN, "project", "list", state="closed")
    assert listed.embeds[0]["title"] == "1 closed project"


async def test_assign_and_unassign_take_members_and_identities(discord_driver):
    """Member options and extra identities in the `more` option are all assigned."""
    await discord_driver.command(ADMIN, "project", "add", code="ACME", client="Acme", title="T")
    assigned = await discord_driver.command(
        ADMIN, "project", "assign", code="ACME", who=ALICE, more=f"<@{BOB.id}> @slack:U024BE7LH"
    )
    data = assigned.text
    assert f"Assigned: Alice, {BOB.id}, U024BE7LH" in data
    removed = await discord_driver.command(ADMIN, "project", "unassign", code="ACME", who=BOB)
    assert f"Unassigned: {BOB.id}" in removed.text
    codes = await discord_driver.autocomplete(BOB, "hours", "log", "code", code="")
    assert codes == []


async def test_ops_role_link_summary_impact(discord_driver):
    """Roles and links take member options; summary and impact are deferred and private."""
    made = await discord_driver.command(ADMIN, "ops", "role", who=OPS, role="ops")
    assert made.embeds[0]["title"].endswith("is now ops")
    await setup_project(discord_driver)
    linked = await discord_driver.command(
        ADMIN, "ops", "link", who=ALICE, identities="@slack:U024BE7LH"
    )
    assert f"discord:{ALICE.id}, slack:U024BE7LH" in linked.text
    summary = await discord_driver.command(OPS, "ops", "summary", date="today")
    assert summary.deferred and summary.ephemeral
    assert summary.embeds[0]["title"] == "Daily summary for 2026-03-04"
    impact = await discord_driver.command(OPS, "ops", "impact", subject="Acme AI")
    assert impact.embeds[0]["title"] == "Impact report" and "ACME-LABEL" in impact.text


async def test_ops_export_sends_the_csv_as_an_attachment(discord_driver):
    """/ops export defers, then sends the CSV file in the follow-up."""
    await setup_project(discord_driver)
    await discord_driver.command(ALICE, "hours", "log", code="ACME-LABEL", duration="2h")
    export = await discord_driver.command(ADMIN, "ops", "export", first="2026-03-01", last="today")
    assert export.deferred and export.ephemeral
    ((name, content),) = export.files
    assert name == "pausebot-hours-2026-03-01-2026-03-04.csv"
    rows = list(csv.DictReader(io.StringIO(content.decode())))
    assert [(r["project"], r["minutes"], r["identity"]) for r in rows] == [
        ("ACME-LABEL", "120", f"discord:{ALICE.id}")
    ]
    webhook = [c for c in discord_driver.api.calls if c.path.startswith("/webhooks/")]
    assert webhook[-1].files and webhook[-1].body["attachments"][0]["filename"] == name


async def test_dm_interaction_uses_the_user_object(discord_driver):
    """In a DM (user, not member) the caller is still discord:USER_ID."""
    week = await discord_driver.command(ALICE, "hours", "week", in_dm=True)
    assert week.embeds[0]["title"].startswith("Week of") and week.ephemeral
    assert week.visible[0]["flags"] & EPHEMERAL


async def test_whole_table_then_export_json(discord_driver, discord_settings, database_url):
    """Hours logged through interactions appear in `pausebot export hours --format json`."""
    await setup_project(discord_driver)
    await discord_driver.command(ADMIN, "project", "assign", code="ACME-LABEL", who=BOB)
    await discord_driver.command(
        ALICE, "hours", "log", code="ACME-LABEL", duration="2h", date="yesterday", note="a"
    )
    await discord_driver.command(ADMIN, "project", "pause", code="ACME-LABEL", reason="incident")
    await discord_driver.command(
        BOB, "hours", "log", code="ACME-LABEL", duration="1:30", date="today", note="b"
    )
    await discord_driver.command(BOB, "hours", "edit", entry=2, duration="1h")
    await discord_driver.command(ALICE, "hours", "log", code="ACME-LABEL", duration="1h")
    await discord_driver.command(ALICE, "hours", "delete", entry=3)
    result = await asyncio.to_thread(
        CliRunner().invoke,
        main,
        ["export", "hours", "--format", "json"],
        env={"DATABASE_URL": database_url, "PAUSEBOT_TZ": "UTC"},
    )
    assert result.exit_code == 0, result.output
    entries = json.loads(result.stdout)
    got = [
        (e["contractor"], e["identity"], e["minutes"], e["work_date"], e["note"]) for e in entries
    ]
    assert got == [
        ("Alice", f"discord:{ALICE.id}", 120, "2026-03-03", "a"),
        ("Bob", f"discord:{BOB.id}", 60, "2026-03-04", "b"),
    ]
