"""The whole command table through signed slash-command requests to POST /slack/events."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from tests.slack.conftest import ADMIN, SlackHarness
from tests.test_cli import pausebot

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


async def setup_project(slack: SlackHarness, code: str = "ACME") -> None:
    """An Acme AI project with Alice and Bob assigned."""
    await slack.ok("/project", f'add {code} "Acme AI" "Image labelling"')
    await slack.ok("/project", f"assign {code} <@UALICE|alice> <@UBOB>")


async def test_project_add_is_announced_in_channel(slack: SlackHarness):
    """/project add creates the project and answers in the channel with Block Kit."""
    answer = await slack.ok("/project", 'add ACME "Acme AI" "Image labelling"')
    assert answer.body["response_type"] == "in_channel"
    assert answer.body["blocks"][0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "Created ACME", "emoji": True},
    }
    listed = await slack.ok("/project", "list")
    assert "ACME" in listed.text and "Image labelling" in listed.text


async def test_contractor_replies_are_ephemeral(slack: SlackHarness):
    """A contractor's /project status is private to the caller."""
    await setup_project(slack)
    answer = await slack.ok("/project", "status", user="UALICE")
    assert answer.body["response_type"] == "ephemeral"
    assert "ACME" in answer.text


async def test_caller_name_and_zone_come_from_users_info(slack: SlackHarness):
    """The caller's display name and time zone come from users.info, looked up once."""
    await slack.ok("/hours", "week", user="UBOB")
    await slack.ok("/hours", "week", user="UBOB")
    assert [c.args["user"] for c in slack.fake.called("users.info")].count("UBOB") == 1
    await slack.ok("/project", 'add ACME "Acme AI" "Labels"')
    await slack.ok("/project", "assign ACME <@UBOB>")
    assigned = await slack.ok("/project", "assign ACME <@UBOB|bob>")
    assert "Bob" in assigned.text
    # 2026-03-04 10:00 UTC is 19:00 in Tokyo: Bob's today is the 4th, his week starts the 2nd.
    week = await slack.ok("/hours", "week", user="UBOB")
    assert "2026-03-02" in week.text


async def test_mentions_name_identities(slack: SlackHarness):
    """User mentions in command text become slack: identities that /ops link joins."""
    await setup_project(slack)
    linked = await slack.ok("/ops", "link <@UALICE|alice> @discord:80351110224678912")
    assert "slack:UALICE" in linked.text and "discord:80351110224678912" in linked.text


async def test_pause_resume_close_and_history(slack: SlackHarness):
    """Pause with an expected resume date, resume, close, then read the history newest first."""
    await setup_project(slack)
    await slack.ok("/project", "channel ACME <#C0ACME|acme-labels>")
    paused = await slack.ok("/project", "pause ACME vendor incident until 2026-03-20")
    assert paused.body["response_type"] == "in_channel"
    assert "Paused ACME" in paused.text and "2026-03-20" in paused.text
    # Two contractors, the project channel and the ops channel.
    assert "4 announcements queued" in paused.text
    status = await slack.ok("/project", "status ACME", user="UALICE")
    assert "vendor incident" in status.text
    await slack.ok("/project", "resume ACME vendor fixed")
    await slack.ok("/project", "close ACME contract ended")
    history = await slack.ok("/project", "history ACME")
    table = history.text
    assert table.index("closed") < table.index("paused")


async def test_unassign(slack: SlackHarness):
    """/project unassign ends an assignment: the contractor can no longer log hours."""
    await setup_project(slack)
    await slack.ok("/project", "unassign ACME <@UBOB>")
    refused = await slack.command("/hours", "log ACME 1h", user="UBOB")
    assert ":warning:" in refused.text and "not assigned" in refused.text


async def test_hours_log_week_edit_delete(slack: SlackHarness):
    """Log, list, edit and delete an entry; the week shows ids and totals by kind."""
    await setup_project(slack)
    logged = await slack.ok("/hours", "log ACME 1h30m yesterday first batch", user="UALICE")
    assert "Logged 1h 30m on ACME" in logged.text
    assert any(block["type"] == "actions" for block in logged.body["blocks"])
    week = await slack.ok("/hours", "week", user="UALICE")
    assert "#1" in week.text and "first batch" in week.text
    edited = await slack.ok("/hours", "edit 1 2h second look", user="UALICE")
    assert "now 2h" in edited.text
    stolen = await slack.command("/hours", "delete 1", user="UBOB")
    assert ":warning:" in stolen.text and "not yours" in stolen.text
    await slack.ok("/hours", "delete 1", user="UALICE")
    week = await slack.ok("/hours", "week", user="UALICE")
    assert "No hours logged this week" in week.text


async def test_blocked_hours_say_so(slack: SlackHarness):
    """Hours on a project paused all day are recorded as blocked and the reply says so."""
    await setup_project(slack)
    await slack.ok("/project", "pause ACME vendor incident")
    # Paused today at 10:00 UTC: today is not paused all day, so log on a later day.
    slack.listeners.runner.clock.advance(days=1)
    answer = await slack.ok("/hours", "log ACME 3h", user="UALICE")
    assert "recorded as blocked" in answer.text


async def test_time_zone(slack: SlackHarness):
    """/hours tz sets the zone; a bad zone is refused with a hint."""
    answer = await slack.ok("/hours", "tz Europe/Berlin", user="UALICE")
    assert "Europe/Berlin" in answer.text
    refused = await slack.command("/hours", "tz Mars/Olympus", user="UALICE")
    assert ":warning:" in refused.text and "IANA" in refused.text


async def test_ops_summary_and_impact(slack: SlackHarness):
    """/ops summary and /ops impact answer ops with the figures."""
    await setup_project(slack)
    await slack.ok("/hours", "log ACME 2h", user="UALICE")
    await slack.ok("/project", "pause ACME vendor incident")
    summary = await slack.ok("/ops", "summary today")
    assert "Daily summary for 2026-03-04" in summary.text and "ACME" in summary.text
    impact = await slack.ok("/ops", "impact Acme")
    assert "Acme AI" in impact.text and "ACME" in impact.text


async def test_ops_export_uploads_the_csv_to_the_callers_dm(slack: SlackHarness):
    """/ops export answers at once and uploads the CSV as a file in the caller's DM."""
    await setup_project(slack)
    await slack.ok("/hours", "log ACME 2h", user="UALICE")
    answer = await slack.ok("/ops", "export")
    assert "Hours export" in answer.text and "direct messages" in answer.text
    (uploaded,) = slack.fake.files.values()
    assert uploaded["channel"] == f"D{ADMIN}"
    rows = list(csv.DictReader(io.StringIO(uploaded["content"].decode())))
    assert [(r["identity"], r["project"], r["minutes"]) for r in rows] == [
        ("slack:UALICE", "ACME", "120")
    ]


async def test_roles_are_enforced_and_granted(slack: SlackHarness):
    """A contractor is refused ops commands until an admin grants the ops role."""
    await setup_project(slack)
    refused = await slack.command("/ops", "summary", user="UALICE")
    assert ":warning:" in refused.text and "Only ops staff" in refused.text
    await slack.ok("/ops", "role <@UALICE> ops")
    await slack.ok("/ops", "summary", user="UALICE")
    denied = await slack.command("/project", "pause ACME no", user="UALICE")
    assert "Only admins" in denied.text


@pytest.mark.parametrize("group", ["/hours", "/project", "/ops"])
async def test_help_lists_the_callers_commands(slack: SlackHarness, group: str):
    """Each group's help lists what the caller's role allows, and an empty command is help."""
    helped = await slack.ok(group, "help", user="UALICE")
    empty = await slack.ok(group, "", user="UALICE")
    assert helped.body["blocks"] == empty.body["blocks"]
    if group == "/ops":
        assert "/ops summary" not in helped.text
    else:
        assert f"{group} " in helped.text


async def test_unknown_command_names_the_nearest(slack: SlackHarness):
    """A mistyped command is refused with the nearest command named."""
    answer = await slack.command("/hours", "wek")
    assert answer.status == 200
    assert ":warning:" in answer.text and "/hours week" in answer.text


async def test_hours_show_in_the_export(slack: SlackHarness, database_url: str, tmp_path: Path):
    """Hours logged through signed Slack requests appear in `pausebot export hours` JSON."""
    await setup_project(slack)
    await slack.ok("/hours", "log ACME 2h yesterday labelling", user="UALICE")
    await slack.ok("/hours", "log ACME 45m", user="UBOB")
    await slack.ok("/hours", "log ACME 15m", user="UBOB")
    await slack.ok("/hours", "delete 3", user="UBOB")
    done = pausebot("export", "hours", "--format", "json", url=database_url, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    entries = json.loads(done.stdout)
    seen = [(e["identity"], e["work_date"], e["minutes"], e["kind"], e["note"]) for e in entries]
    assert seen == [
        ("slack:UALICE", "2026-03-03", 120, "worked", "labelling"),
        ("slack:UBOB", "2026-03-04", 45, "worked", ""),
    ]
    assert {e["contractor"] for e in entries} == {"Alice", "Bob"}
