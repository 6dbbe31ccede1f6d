"""Block Kit rendering within Slack's limits, the views built from typed data, and the manifest."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.adapters.slack import blocks, views
from bot.adapters.slack.ids import LOG_HOURS_INPUTS, Action, Block, SlashCommand
from bot.commands.base import COMMANDS
from bot.commands.params import Kind
from bot.commands.reply import Attachment, Reply
from bot.core import present
from bot.core.message import Field, Message, Table
from bot.core.readmodels import (
    ChangeRow,
    DailySummary,
    FailedDelivery,
    HoursRow,
    MyProject,
    MyProjects,
    PausedProjectRow,
)
from bot.core.words import ProjectState

MANIFEST = Path(__file__).resolve().parents[2] / "slack" / "manifest.yml"
TODAY = date(2026, 3, 4)


def visible_text(rendered: list[dict]) -> str:
    """Every text a person sees in some blocks, one piece a line."""
    pieces: list[str] = []
    for block in rendered:
        if "text" in block:
            pieces.append(block["text"]["text"])
        pieces += [field["text"] for field in block.get("fields", [])]
        pieces += [element["text"] for element in block.get("elements", []) if "text" in element]
    return "\n".join(pieces)


def my_project(code: str, state: ProjectState, **extra) -> MyProject:
    """One of my projects, with this week's hours."""
    return MyProject(
        project=code,
        client="Acme AI",
        title="Image labelling",
        state=state,
        since=datetime(2026, 3, 2, 9, 30, tzinfo=UTC),
        worked_minutes=120,
        blocked_minutes=45,
        **extra,
    )


def test_long_tables_fit_in_fifty_blocks():
    """A 5000-row table is split into sections under 3000 characters and capped at 50 blocks."""
    rows = tuple((f"#{n}", "2026-03-04", "ACME", "1h", "worked", "x" * 40) for n in range(5000))
    table = Table(columns=("id", "date", "project", "time", "kind", "note"), rows=rows)
    reply = Reply(message=Message(title="Week", table=table))
    rendered = blocks.reply_blocks(reply, with_log_button=True)
    assert len(rendered) == blocks.MESSAGE_BLOCKS
    assert all(len(b["text"]["text"]) <= 3000 for b in rendered if b["type"] == "section")
    assert rendered[-1]["type"] == "actions"
    note = rendered[-2]["elements"][0]["text"]
    shown = sum(b["text"]["text"].count("\n") for b in rendered if b["type"] == "section")
    assert f"… and {5000 - shown} more rows" in note
    # Each section repeats the heading and is monospaced.
    assert all(
        b["text"]["text"].startswith("```id") and b["text"]["text"].endswith("```")
        for b in rendered
        if b["type"] == "section"
    )


def test_table_lines_come_from_the_message_table():
    """A short table is one monospaced section of exactly `Table.lines()`."""
    table = Table(columns=("project", "worked"), rows=(("ACME", "2h"), ("BETA-LONG", "45m")))
    (rendered,) = blocks.message_blocks(Message(table=table))
    assert rendered["text"]["text"] == "```" + "\n".join(table.lines()) + "```"


def test_fields_go_ten_to_a_section_and_are_escaped():
    """Fields are split ten to a section and user text is escaped for mrkdwn."""
    fields = tuple(Field(name=f"name {n}", value="<@U1> & <!channel>") for n in range(12))
    rendered = blocks.reply_blocks(Reply(message=Message(title="t", fields=fields)))
    sections = [b for b in rendered if "fields" in b]
    assert [len(s["fields"]) for s in sections] == [10, 2]
    assert "&lt;@U1&gt; &amp; &lt;!channel&gt;" in sections[0]["fields"][0]["text"]


def test_long_text_is_split_between_lines():
    """Text over a section's limit goes in several sections, split between lines, none lost."""
    lines = [f"line {n} " + "y" * 90 for n in range(100)]
    rendered = blocks.message_blocks(Message(text="\n".join(lines)))
    assert len(rendered) > 1
    assert all(len(b["text"]["text"]) <= blocks.SECTION_TEXT for b in rendered)
    assert "\n".join(b["text"]["text"] for b in rendered) == "\n".join(lines)


def test_refusal_is_one_warning_section():
    """A refusal renders as one section starting with a warning sign."""
    rendered = blocks.reply_body(Reply.error("There is no project ZZZ; did you mean ACME?"))
    assert rendered["response_type"] == "ephemeral"
    assert rendered["text"] == "There is no project ZZZ; did you mean ACME?"
    assert rendered["blocks"] == [
        blocks.section(":warning: There is no project ZZZ; did you mean ACME?")
    ]


def test_public_reply_goes_in_channel():
    """A reply that is not private is posted in the channel."""
    reply = Reply(message=Message(title="Paused ACME"), private=False)
    assert blocks.reply_body(reply)["response_type"] == "in_channel"


def test_attachment_is_named_once_with_where_it_goes():
    """A reply with a file says, in one line, its name, its size and that it goes to the DM."""
    reply = Reply(
        message=Message(title="Hours export", text="2 entries."),
        attachment=Attachment(filename="hours.csv", content=b"a,b\n"),
    )
    text = visible_text(blocks.reply_blocks(reply))
    assert text.count("hours.csv") == 1
    assert "4 bytes" in text and "direct messages" in text


def test_replies_and_outbox_messages_share_one_renderer():
    """An outbox message is drawn exactly as the same Message in a command reply."""
    message = present.announcement(
        my_project("ACME", ProjectState.PAUSED, reason="vendor <incident>"), None
    )
    posted = blocks.post_body(message)
    assert posted["blocks"] == blocks.reply_body(Reply(message=message))["blocks"]
    assert posted["text"] == "ACME is paused"
    assert "vendor &lt;incident&gt;" in visible_text(posted["blocks"])


def summary_message() -> Message:
    """A daily summary whose every figure is a distinct text."""
    return present.summary(
        DailySummary(
            day=date(2026, 3, 3),
            changes=(
                ChangeRow(
                    project="ACME",
                    from_state=ProjectState.ACTIVE,
                    to_state=ProjectState.PAUSED,
                    at=datetime(2026, 3, 3, 10, tzinfo=UTC),
                    reason="vendor incident",
                ),
            ),
            paused_projects=(
                PausedProjectRow(
                    project="ACME",
                    client="Acme AI",
                    paused_since=date(2026, 3, 3),
                    days_paused=1,
                    contractors_affected=17,
                ),
                PausedProjectRow(
                    project="BETA",
                    client="Beta Corp",
                    paused_since=date(2026, 2, 26),
                    days_paused=6,
                    contractors_affected=9,
                ),
            ),
            hours=(
                HoursRow(project="ACME", worked_minutes=7 * 60, blocked_minutes=45),
                HoursRow(project="BETA", worked_minutes=80, blocked_minutes=190),
            ),
            failed_deliveries=(
                FailedDelivery(target="slack:UGONE", kind="announcement", reason="user_not_found"),
            ),
        )
    )


def atoms(rendered: list[dict]) -> list[str]:
    """The smallest pieces people read: the header, text lines, field values, table cells."""
    found: list[str] = []
    for block in rendered:
        text = block.get("text", {}).get("text", "")
        if text.startswith("```"):
            for line in text.strip("`").splitlines()[1:]:
                found += re.split(r"\s{2,}", line.strip())
        elif text:
            found += text.splitlines()
        found += [field["text"].split("\n", 1)[1] for field in block.get("fields", [])]
    return found


def test_daily_summary_shows_each_figure_once():
    """Every figure of the daily summary appears once in its blocks: no fact said twice."""
    message = summary_message()
    rendered = blocks.post_body(message)["blocks"]
    pieces = atoms(rendered)
    phrases = [
        "Daily summary for 2026-03-03",
        "active → paused (vendor incident)",
        "paused since 2026-03-03, day 1, 17 contractors affected",
        "paused since 2026-02-26, day 6, 9 contractors affected",
        "slack:UGONE: user_not_found",
    ]
    for phrase in phrases:
        assert sum(phrase in piece for piece in pieces) == 1, phrase
    figures = [
        "7h",  # ACME worked
        "45m",  # ACME blocked
        "1h 20m",  # BETA worked
        "3h 10m",  # BETA blocked
        "8h 20m",  # worked, all projects
        "3h 55m",  # blocked, all projects
    ]
    for figure in figures:
        assert pieces.count(figure) == 1, figure
    assert "\n".join(pieces).count("45m") == 1  # not in the text either
    # Each part of the Message is drawn once: one header, the text, one fields section, a table.
    assert [b["type"] for b in rendered] == ["header", "section", "section", "section"]
    assert [f["text"].split("\n")[0] for f in rendered[2]["fields"]] == [
        f"*{field.name}*" for field in message.fields
    ]


def test_log_hours_modal_inputs_follow_the_declared_parameters():
    """Each `/hours log` parameter has its input, with the element its kind calls for."""
    mine = MyProjects(
        projects=(
            my_project("ACME", ProjectState.PAUSED, reason="vendor"),
            my_project("OLD", ProjectState.CLOSED),
        )
    )
    modal = views.log_hours_modal(mine, today=TODAY)
    params = COMMANDS[("hours", "log")].params
    inputs = [b for b in modal["blocks"] if b["type"] == "input"]
    assert [b["block_id"] for b in inputs] == [LOG_HOURS_INPUTS[p.name][0] for p in params]
    elements = {
        Kind.CODE: "static_select",
        Kind.DURATION: "plain_text_input",
        Kind.DATE: "datepicker",
        Kind.TEXT: "plain_text_input",
    }
    for param, block in zip(params, inputs, strict=True):
        assert block["element"]["type"] == elements[param.kind]
        assert block["element"]["action_id"] == LOG_HOURS_INPUTS[param.name][1]
        assert block.get("optional", False) is param.optional
    by_block = {b["block_id"]: b for b in inputs}
    assert [o["value"] for o in by_block[Block.PROJECT]["element"]["options"]] == ["ACME"]
    assert by_block[Block.WORK_DATE]["element"]["initial_date"] == "2026-03-04"
    assert by_block[Block.NOTE]["element"]["multiline"] is True
    assert "1h30m" in by_block[Block.DURATION]["hint"]["text"]


def state(**inputs: dict) -> dict:
    """A submitted view's state, from input values by block id."""
    actions = {block: action for block, action in LOG_HOURS_INPUTS.values()}
    return {"state": {"values": {block: {actions[block]: v} for block, v in inputs.items()}}}


def test_submission_is_read_back_by_parameter_name():
    """A submission gives the code, the duration as typed, a date object and the note."""
    view = state(
        **{
            Block.PROJECT: {"selected_option": {"value": "ACME"}},
            Block.DURATION: {"value": "1h 30m"},
            Block.WORK_DATE: {"selected_date": "2026-03-02"},
            Block.NOTE: {"value": "  golden set "},
        }
    )
    assert views.submitted_values(view) == {
        "code": "ACME",
        "duration": "1h 30m",
        "date": date(2026, 3, 2),
        "note": "golden set",
    }
    empty = state(**{Block.PROJECT: {"selected_option": None}, Block.NOTE: {"value": None}})
    assert views.submitted_values(empty) == {}


@pytest.mark.parametrize(
    ("field", "block"),
    [
        ("code", Block.PROJECT),
        ("duration", Block.DURATION),
        ("date", Block.WORK_DATE),
        ("note", Block.NOTE),
        ("first", Block.PROJECT),
        (None, Block.PROJECT),
    ],
)
def test_refusal_goes_to_the_input_of_its_field(field: str | None, block: Block):
    """A refusal lands on the input of `reply.field`, else on the project input."""
    assert views.error_block(Reply.error("No.", field=field)) == block


def test_home_view_from_my_projects():
    """App Home shows each project's state, since date, pause details and this week's hours."""
    mine = MyProjects(
        projects=(
            my_project(
                "ACME",
                ProjectState.PAUSED,
                reason="vendor <incident>",
                expected_resume=date(2026, 3, 20),
            ),
            my_project("BETA", ProjectState.ACTIVE),
        )
    )
    home = views.home_view(Reply.of(mine, present.my_projects(mine)))
    text = visible_text(home["blocks"])
    assert "*paused* since 2026-03-02" in text and "*active* since 2026-03-02" in text
    assert "Reason: vendor &lt;incident&gt;" in text and "Expected resume: 2026-03-20" in text
    assert text.count("Reason:") == 1
    assert text.count("*Worked this week*\n2h") == 2
    assert "1 of your 2 projects is paused." in text
    (button,) = [b["accessory"] for b in home["blocks"] if "accessory" in b]
    assert button["action_id"] == Action.OPEN_LOG_MODAL
    assert json.dumps(home)  # plain JSON, ready for views.publish


def test_manifest_declares_what_the_app_listens_to():
    """The manifest has the three slash commands, App Home and the event, all on /slack/events."""
    text = MANIFEST.read_text()
    assert re.findall(r"command: (/\w+)", text) == [slash.value for slash in SlashCommand]
    assert set(re.findall(r"(?:url|request_url): (\S+)", text)) == {
        "https://pausebot.example.com/slack/events"
    }
    assert "home_tab_enabled: true" in text and "- app_home_opened" in text
    for scope in ("commands", "chat:write", "users:read", "files:write", "im:write"):
        assert f"- {scope} " in text or f"- {scope}\n" in text
