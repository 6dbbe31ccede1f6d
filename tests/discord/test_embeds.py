"""One embed renderer for replies and outbox messages: each fact once, within Discord's limits."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import discord
import pytest

from bot.adapters.discord.embeds import (
    EMBED_TOTAL_LIMIT,
    ERROR_COLOUR,
    OK_COLOUR,
    message_embed,
    reply_embed,
)
from bot.adapters.discord.sender import DiscordSender
from bot.commands.reply import Reply
from bot.core import present
from bot.core.message import Field, Message, Table
from bot.core.readmodels import (
    ChangeRow,
    DailySummary,
    FailedDelivery,
    HoursRow,
    PausedProjectRow,
    ProjectView,
)
from bot.core.words import Platform, ProjectState, TargetType
from bot.notify.sender import Outgoing

OPS_CHANNEL = "700000000000000001"
SUMMARY = DailySummary(
    day=date(2026, 3, 3),
    changes=(
        ChangeRow(
            project="ACME",
            from_state=ProjectState.ACTIVE,
            to_state=ProjectState.PAUSED,
            at=datetime(2026, 3, 3, 14, 5, tzinfo=UTC),
            reason="vendor incident",
        ),
    ),
    paused_projects=(
        PausedProjectRow(
            project="ACME",
            client="Acme AI",
            paused_since=date(2026, 3, 3),
            days_paused=1,
            contractors_affected=3,
        ),
    ),
    hours=(
        HoursRow(project="ACME", worked_minutes=120, blocked_minutes=240),
        HoursRow(project="BETA", worked_minutes=90, blocked_minutes=75),
    ),
    failed_deliveries=(
        FailedDelivery(target="discord:42", kind="announcement", reason="DMs closed"),
    ),
)


def outgoing(message: Message) -> Outgoing:
    """An outbox message to the ops channel."""
    return Outgoing(
        id=1,
        kind="summary",
        platform=Platform.DISCORD,
        target_type=TargetType.CHANNEL,
        target=OPS_CHANNEL,
        message=message,
        dedupe_key="summary:2026-03-03",
    )


@pytest.fixture
async def sender(discord_api):
    """A sender talking to the fake."""
    sender = DiscordSender(token="test-bot-token", api_url=discord_api.api_url)
    yield sender
    await sender.close()


async def delivered(sender: DiscordSender, discord_api, message: Message) -> dict:
    """The embed the sender posted for a message."""
    await sender.send(outgoing(message))
    (posted,) = discord_api.calls_to("POST", "/messages")
    (embed,) = posted.body["embeds"]
    return embed


def occurrences(embed: dict, figure: str) -> int:
    """How often a figure stands on its own anywhere in an embed (title, text, fields)."""
    parts = [embed.get("title", ""), embed.get("description", "")]
    parts += [part for field in embed.get("fields", []) for part in (field["name"], field["value"])]
    pattern = re.compile(rf"(?<![\w.]){re.escape(figure)}(?!\w)")
    return sum(len(pattern.findall(part)) for part in parts)


async def test_daily_summary_on_discord_holds_each_figure_once(sender, discord_api):
    """Totals, per-project hours, changes and paused projects each appear once in the embed."""
    message = present.summary(SUMMARY)
    embed = await delivered(sender, discord_api, message)
    for figure in ("3h 30m", "5h 15m", "2h", "4h", "1h 30m", "1h 15m"):
        assert occurrences(embed, figure) == 1, figure
    for line in message.text.splitlines():
        assert occurrences(embed, line) == 1, line
    for row in message.table.lines()[1:]:
        assert embed["description"].count(row) == 1, row
    shown = [(field["name"], field["value"]) for field in embed["fields"]]
    assert shown == [(field.name, field.value) for field in message.fields]
    assert all(field["inline"] for field in embed["fields"])
    for field in message.fields:
        assert field.name not in embed["description"]


async def test_outbox_message_and_reply_render_through_the_same_embed(sender, discord_api):
    """An announcement delivered by the sender is the embed a reply with that message gets."""
    project = ProjectView(
        project="ACME",
        title="Boxes",
        client="Acme AI",
        state=ProjectState.PAUSED,
        since=datetime(2026, 3, 3, 14, 5, tzinfo=UTC),
        reason="vendor incident",
        expected_resume=date(2026, 3, 20),
    )
    message = present.announcement(project, None)
    embed = await delivered(sender, discord_api, message)
    assert embed == reply_embed(Reply(message=message)).to_dict()
    assert embed == message_embed(message).to_dict()
    assert embed["title"] == "ACME is paused" and embed["color"] == OK_COLOUR.value
    refusal = reply_embed(Reply.error("No such project; type /project status."))
    assert (
        refusal.to_dict()
        == message_embed(Message(text=refusal.description), colour=ERROR_COLOUR).to_dict()
    )


def test_oversized_messages_stay_within_every_discord_limit():
    """Too many, too long fields, title and text are cut to Discord's limits, 6000 in all."""
    message = Message(
        title="T" * 300,
        text="x" * 5000,
        fields=tuple(Field(name=f"n{i}" + "N" * 300, value="v" * 2000) for i in range(40)),
        table=Table(columns=("a",), rows=(("1",),)),
    )
    embed = message_embed(message)
    assert len(embed) <= EMBED_TOTAL_LIMIT
    assert len(embed.title) <= 256 and len(embed.description or "") <= 4096
    assert 0 < len(embed.fields) <= 25
    assert all(len(f.name) <= 256 and len(f.value) <= 1024 for f in embed.fields)
    assert embed.title.endswith("…")


def test_a_table_cell_cannot_close_the_code_block():
    """A note holding ``` stays inside the table's code block."""
    table = Table(columns=("id", "note"), rows=(("#1", "see ```rm -rf``` here"),))
    description = message_embed(Message(title="Week", table=table)).description
    assert description.startswith("```\n") and description.endswith("\n```")
    assert description.count("```") == 2 and "rm -rf" in description


def test_an_empty_table_adds_nothing():
    """A table without rows leaves the text as it is."""
    embed = message_embed(Message(text="No hours.", table=Table(columns=("id",))))
    assert embed.description == "No hours." and isinstance(embed, discord.Embed)
