"""Block Kit rendering within Slack's limits, and the manifest matching the listeners."""

from __future__ import annotations

import re
from pathlib import Path

from bot.adapters.slack import blocks
from bot.adapters.slack.ids import SlashCommand
from bot.commands.reply import Reply, Table

MANIFEST = Path(__file__).resolve().parents[2] / "slack" / "manifest.yml"


def test_long_tables_fit_in_fifty_blocks():
    """A 5000-row table is split into sections under 3000 characters and capped at 50 blocks."""
    rows = [(f"#{n}", "2026-03-04", "ACME", "1h", "worked", "x" * 40) for n in range(5000)]
    reply = Reply(
        title="Week", table=Table(("id", "date", "project", "time", "kind", "note"), rows)
    )
    rendered = blocks.reply_blocks(reply, with_log_button=True)
    assert len(rendered) == blocks.MESSAGE_BLOCKS
    assert all(len(b["text"]["text"]) <= 3000 for b in rendered if b["type"] == "section")
    assert rendered[-1]["type"] == "actions"
    assert "more rows" in rendered[-2]["elements"][0]["text"]


def test_fields_go_ten_to_a_section_and_are_escaped():
    """Fields are split ten to a section and user text is escaped for mrkdwn."""
    fields = [(f"name {n}", "<@U1> & <!channel>") for n in range(12)]
    rendered = blocks.reply_blocks(Reply(title="t", fields=fields))
    sections = [b for b in rendered if "fields" in b]
    assert [len(s["fields"]) for s in sections] == [10, 2]
    assert "&lt;@U1&gt; &amp; &lt;!channel&gt;" in sections[0]["fields"][0]["text"]


def test_refusal_is_one_warning_section():
    """A refusal renders as one section starting with a warning sign."""
    rendered = blocks.message(Reply.error("There is no project ZZZ; did you mean ACME?"))
    assert rendered["response_type"] == "ephemeral"
    assert rendered["blocks"] == [
        blocks.section(":warning: There is no project ZZZ; did you mean ACME?")
    ]


def test_public_reply_goes_in_channel():
    """A reply that is not private is posted in the channel."""
    assert (
        blocks.message(Reply(title="Paused ACME", private=False))["response_type"] == "in_channel"
    )


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
