"""How replies reach Discord: defer and follow-up, private refusals, errors, embed limits."""

from __future__ import annotations

import copy

from bot.adapters.discord.embeds import EMBED_TOTAL_LIMIT, ERROR_COLOUR, reply_embed
from bot.commands.reply import Reply
from bot.core import present
from bot.core.message import Field, Message, Table
from tests.discord.conftest import ADMIN, ALICE
from tests.fakes.discord_api import EPHEMERAL


async def test_public_command_refused_after_defer_is_shown_only_to_the_caller(discord_driver):
    """A pause refused after a public defer removes the public placeholder and answers privately."""
    refused = await discord_driver.command(
        ADMIN, "project", "pause", code="NOPE", reason="incident"
    )
    assert refused.deferred and "data" not in refused.callbacks[0]
    assert refused.original_deleted
    assert refused.ephemeral and "NOPE" in refused.text


async def test_defer_then_follow_up_edits_the_loading_message(discord_driver):
    """A slow command defers (type 5), then its first follow-up fills the loading message."""
    summary = await discord_driver.command(ADMIN, "ops", "summary")
    assert summary.callbacks == [{"type": 5, "data": {"flags": EPHEMERAL}}]
    assert len(summary.followups) == 1 and summary.visible == [summary.original]
    assert summary.embeds[0]["title"] == "Daily summary for 2026-03-03"


async def test_fast_command_answers_in_the_callback(discord_driver):
    """A quick command answers with a channel message callback (type 4) and no follow-up."""
    week = await discord_driver.command(ALICE, "hours", "week")
    assert week.callback_type == 4 and week.followups == []


async def test_stale_command_gets_a_clear_sentence(discord_driver):
    """An interaction for a subcommand the bot no longer has is answered, not ignored."""
    payload = discord_driver.payload(ALICE, "hours", "week", {})
    stale = copy.deepcopy(payload)
    stale["data"]["options"][0]["name"] = "frobnicate"
    answered = await discord_driver.deliver(stale)
    assert "There is no command /hours frobnicate any more" in answered.text
    assert answered.ephemeral


class BrokenRunner:
    """A command layer that fails unexpectedly."""

    async def run_values(self, *args, **kwargs):
        """Fail."""
        raise RuntimeError("database on fire")


async def test_unexpected_failure_answers_with_an_error_id(discord_driver, discord_bot, caplog):
    """A crash inside a command is answered privately with an id that is also in the log."""
    discord_bot.runner = BrokenRunner()
    answered = await discord_driver.command(ALICE, "hours", "week")
    assert "Something went wrong on our side (error id" in answered.text and answered.ephemeral
    error_id = answered.text.split("error id ")[1][:8]
    assert error_id in caplog.text


def test_long_tables_fit_discord_embed_limits():
    """A table too long for one embed is cut, says how many rows were left out, and fits."""
    rows = [
        (f"#{n}", "Mon 2026-03-02", "ACME-LABEL", "7h 30m", "worked", "x" * 40) for n in range(500)
    ]
    reply = Reply(
        message=Message(
            title="Week",
            text="Many entries.",
            fields=(Field(name="Worked", value="100h"),),
            table=Table(columns=("id", "date", "project", "time", "kind", "note"), rows=rows),
        )
    )
    embed = reply_embed(reply)
    assert len(embed) <= EMBED_TOTAL_LIMIT and len(embed.description) <= 4096
    assert "more rows not shown" in embed.description and "#0 " in embed.description


async def test_failure_after_a_defer_takes_the_one_internal_error_path(
    discord_driver, discord_bot, caplog
):
    """A crash in a slow command is answered in the follow-up with the core's one sentence."""
    discord_bot.runner = BrokenRunner()
    answered = await discord_driver.command(ADMIN, "project", "pause", code="ACME", reason="x")
    assert answered.deferred and answered.ephemeral
    error_id = answered.text.split("error id ")[1][:8]
    assert answered.text == present.internal_error(error_id)
    assert answered.embeds[0]["color"] == ERROR_COLOUR.value
    assert f"Discord command failed (error id {error_id})" in caplog.text
    assert "database on fire" in caplog.text
