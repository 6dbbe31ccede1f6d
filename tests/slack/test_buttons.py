"""Check-in buttons on Slack: drawn as Block Kit buttons in the DM, and a signed block_actions
click through the real app records the answer once."""

from __future__ import annotations

from datetime import time
from typing import Any

import pytest
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import select

from bot.adapters.slack.sender import SlackSender
from bot.adapters.slack.webapi import WebApi
from bot.core.words import Platform
from bot.db.models import AvailabilityAnswer
from bot.notify.dispatcher import Dispatcher
from bot.scheduling.jobs import Jobs
from tests.slack.conftest import TEAM


@pytest.fixture
async def check_in(slack, database, settings, clock) -> dict[str, Any]:
    """ACME paused with check-ins on, Alice on it; the day's check-in delivered to her DM.

    Returns the message Slack received.
    """
    await slack.ok("/project", 'add ACME "Acme AI" "Labeling"')
    await slack.ok("/project", "assign ACME <@UALICE|alice>")
    await slack.ok("/project", "pause ACME vendor incident")
    await slack.ok("/project", "checkin ACME on")
    jobs = Jobs(
        database=database,
        settings=settings.model_copy(update={"SUMMARY_TIME": time(9, 0)}),
        clock=clock,
    )
    await jobs.run_due()
    client = AsyncWebClient(token="xoxb-pausebot-test", base_url=slack.fake.api_url)
    sender = SlackSender(WebApi(client))
    try:
        dispatcher = Dispatcher(database=database, senders={Platform.SLACK: sender}, clock=clock)
        for _ in range(4):  # a DM takes a message about every second: let the clock move on
            await dispatcher.drain()
            clock.advance(seconds=2)
    finally:
        await sender.close()
    (posted,) = [m for m in slack.fake.messages["DUALICE"] if "available" in str(m)]
    return posted


def buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    """The buttons of a posted message's actions block."""
    (block,) = [block for block in message["blocks"] if block["type"] == "actions"]
    return block["elements"]


def click(slack, button: dict[str, Any], *, user: str = "UALICE", action_ts: str) -> dict[str, Any]:
    """A block_actions payload as Slack sends it when `user` presses a button in a DM."""
    return {
        "type": "block_actions",
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": TEAM},
        "api_app_id": "A0PAUSEBOT",
        "token": "deprecated-verification-token",
        "container": {
            "type": "message",
            "message_ts": "1700000000.000100",
            "channel_id": "DUALICE",
            "is_ephemeral": False,
        },
        "trigger_id": f"9.{TEAM}.click",
        "team": {"id": TEAM, "domain": "pausebot-test"},
        "channel": {"id": "DUALICE", "name": "directmessage"},
        "response_url": slack.fake.response_url(f"click-{action_ts}"),
        "actions": [
            {
                "action_id": button["action_id"],
                "block_id": "pausebot_buttons",
                "text": button["text"],
                "value": button["value"],
                "style": button.get("style", "default"),
                "type": "button",
                "action_ts": action_ts,
            }
        ],
    }


async def answers(database) -> list[AvailabilityAnswer]:
    """Every availability answer, oldest first."""
    async with database.transaction() as db:
        return list(await db.scalars(select(AvailabilityAnswer).order_by(AvailabilityAnswer.id)))


async def test_the_check_in_dm_has_yes_and_no_buttons(check_in):
    """The DM asks about today, with two buttons whose values are the commands they run."""
    assert "Are you available to work on ACME today (2026-03-04)?" in check_in["text"]
    assert [(b["text"]["text"], b["value"], b.get("style")) for b in buttons(check_in)] == [
        ("Yes, I am available", "hours available ACME yes 2026-03-04", "primary"),
        ("No, I am not", "hours available ACME no 2026-03-04", None),
    ]


async def test_a_click_records_the_answer_once(check_in, slack, database):
    """A signed click records the answer and says so privately; the same click delivered
    twice (Slack retries, a double click) records once."""
    yes, no = buttons(check_in)
    first = await slack.interact(click(slack, yes, action_ts="1700000001.000001"))
    assert first.status == 200
    again = await slack.interact(click(slack, yes, action_ts="1700000001.000001"))
    assert again.status == 200
    rows = await answers(database)
    assert [(row.available, row.source_identity) for row in rows] == [(True, "slack:UALICE")]
    replies = [r for r in slack.fake.responses if "Recorded" in str(r)]
    assert len(replies) == 2
    assert replies[0]["response_type"] == "ephemeral"
    assert "Recorded: available to work on ACME on 2026-03-04" in replies[0]["text"]
    assert "already recorded" in str(replies[1])
    await slack.interact(click(slack, no, action_ts="1700000002.000001"))
    assert [row.available for row in await answers(database)] == [True, False]


async def test_a_forged_button_runs_nothing(check_in, slack, database):
    """A value naming another command is refused in one sentence; nothing changes."""
    forged = {"action_id": "pausebot_run:yes", "text": {"type": "plain_text", "text": "x"}}
    forged["value"] = "project pause ACME whatever"
    answer = await slack.interact(click(slack, forged, action_ts="1700000003.000001"))
    assert answer.status == 200
    assert await answers(database) == []
    assert "That button does nothing any more" in str(slack.fake.responses[-1])


async def test_someone_else_clicking_answers_only_for_themselves(check_in, slack, database):
    """Bob pressing Alice's button (a forwarded message) is refused: ACME is not his."""
    yes, _ = buttons(check_in)
    await slack.interact(click(slack, yes, user="UBOB", action_ts="1700000004.000001"))
    assert await answers(database) == []
    assert "There is no project ACME" in str(slack.fake.responses[-1])
