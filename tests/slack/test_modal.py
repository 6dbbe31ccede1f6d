"""The log-hours modal: opening it, inline errors, submitting, double submissions; App Home."""

from __future__ import annotations

import asyncio
import json
import logging
import re
from typing import Any
from urllib.parse import urlencode

import pytest

from bot.adapters.slack.ids import Action, Block, Callback
from bot.core.people import Caller
from tests.slack.conftest import TEAM, SlackHarness
from tests.slack.test_commands import setup_project

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def user(user_id: str) -> dict[str, Any]:
    """The `user` object of an interaction payload."""
    return {"id": user_id, "username": user_id.lower(), "name": user_id.lower(), "team_id": TEAM}


def submission(
    view: dict[str, Any],
    *,
    user_id: str = "UALICE",
    project: str | None = "ACME",
    duration: str | None = "2h",
    work_date: str | None = "2026-03-04",
    note: str | None = None,
) -> dict[str, Any]:
    """A view_submission payload for an opened log-hours modal, with the given values."""
    option = {"text": {"type": "plain_text", "text": project}, "value": project}
    selected = option if project else None
    values = {
        Block.PROJECT: {Action.PROJECT: {"type": "static_select", "selected_option": selected}},
        Block.DURATION: {Action.DURATION: {"type": "plain_text_input", "value": duration}},
        Block.WORK_DATE: {Action.WORK_DATE: {"type": "datepicker", "selected_date": work_date}},
        Block.NOTE: {Action.NOTE: {"type": "plain_text_input", "value": note}},
    }
    return {
        "type": "view_submission",
        "team": {"id": TEAM, "domain": "pausebot-test"},
        "user": user(user_id),
        "api_app_id": "A0PAUSEBOT",
        "token": "deprecated-verification-token",
        "trigger_id": "9.T0PAUSE.submit",
        "view": {
            **view,
            "team_id": TEAM,
            "state": {"values": values},
            "root_view_id": view["id"],
            "app_id": "A0PAUSEBOT",
            "bot_id": "BPAUSEBOT",
        },
        "response_urls": [],
        "is_enterprise_install": False,
    }


def button_click(user_id: str, *, container: dict[str, Any]) -> dict[str, Any]:
    """A block_actions payload for the Log hours button."""
    return {
        "type": "block_actions",
        "user": user(user_id),
        "api_app_id": "A0PAUSEBOT",
        "token": "deprecated-verification-token",
        "container": container,
        "trigger_id": "7.T0PAUSE.button",
        "team": {"id": TEAM, "domain": "pausebot-test"},
        "actions": [
            {
                "action_id": Action.OPEN_LOG_MODAL,
                "block_id": "home",
                "text": {"type": "plain_text", "text": "Log hours"},
                "value": "log",
                "type": "button",
                "action_ts": "1700000000.000001",
            }
        ],
    }


async def open_modal(slack: SlackHarness, user_id: str = "UALICE") -> dict[str, Any]:
    """Type `/hours log` and return the modal pausebot opened."""
    answer = await slack.command("/hours", "log", user=user_id, trigger_id="42.T0PAUSE.log")
    assert answer.status == 200 and answer.body is None
    (call,) = slack.fake.called("views.open")
    assert call.args["trigger_id"] == "42.T0PAUSE.log"
    return slack.fake.views[next(reversed(slack.fake.views))]


async def week_entries(slack: SlackHarness, user_id: str = "UALICE") -> list[dict[str, Any]]:
    """The caller's entries this week, from the command layer."""
    caller = Caller(platform="slack", external_id=user_id)
    week = await slack.listeners.runner.run(caller, "hours", "week", [])
    return week.data.to_json()["entries"]


async def test_hours_log_alone_opens_the_modal_with_my_projects(slack: SlackHarness):
    """`/hours log` opens a modal with my assigned projects only, a duration, a date and a note."""
    await setup_project(slack)
    await slack.ok("/project", 'add OTHER "Other Co" "Not mine"')
    await slack.ok("/project", "pause ACME vendor incident")
    modal = await open_modal(slack)
    assert modal["callback_id"] == Callback.LOG_HOURS
    by_block = {block.get("block_id"): block for block in modal["blocks"]}
    options = by_block[Block.PROJECT]["element"]["options"]
    assert [option["value"] for option in options] == ["ACME"]
    assert "(paused)" in options[0]["text"]["text"]
    assert by_block[Block.DURATION]["element"]["type"] == "plain_text_input"
    # Alice is in New York, where it is still 2026-03-04 at 05:00.
    assert by_block[Block.WORK_DATE]["element"]["initial_date"] == "2026-03-04"
    assert by_block[Block.NOTE]["optional"] is True


async def test_modal_without_projects_explains(slack: SlackHarness):
    """Someone with no assignment gets a modal that says so and has nothing to submit."""
    modal = await open_modal(slack, "UBOB")
    assert "submit" not in modal
    assert "not assigned to any project" in str(modal["blocks"])


async def test_bad_duration_is_an_inline_error(slack: SlackHarness):
    """A malformed duration comes back as an inline error on the duration input; nothing saved."""
    await setup_project(slack)
    modal = await open_modal(slack)
    answer = await slack.interact(submission(modal, duration="lots"))
    assert answer.body["response_action"] == "errors"
    assert list(answer.body["errors"]) == [Block.DURATION]
    assert "1h30m" in answer.body["errors"][Block.DURATION]
    assert await week_entries(slack) == []


async def test_core_refusals_land_on_the_right_input(slack: SlackHarness):
    """A future date errs on the date input, a project I am not on errs on the project input."""
    await setup_project(slack)
    await slack.ok("/project", 'add OTHER "Other Co" "Not mine"')
    modal = await open_modal(slack)
    future = await slack.interact(submission(modal, work_date="2026-03-09"))
    assert list(future.body["errors"]) == [Block.WORK_DATE]
    assert "future" in future.body["errors"][Block.WORK_DATE]
    other = await slack.interact(submission(modal, project="OTHER"))
    assert list(other.body["errors"]) == [Block.PROJECT]
    assert "no project OTHER" in other.body["errors"][Block.PROJECT]  # not one of mine
    full = await slack.interact(submission(modal, duration="25h"))
    assert list(full.body["errors"]) == [Block.DURATION]
    assert await week_entries(slack) == []


async def test_submit_logs_and_shows_the_result(slack: SlackHarness):
    """A valid submission logs the entry, turns the modal into the result, refreshes App Home."""
    await setup_project(slack)
    modal = await open_modal(slack)
    answer = await slack.interact(submission(modal, duration="1h 15m", note="golden set"))
    assert answer.body["response_action"] == "update"
    assert "Logged 1h 15m on ACME for 2026-03-04" in str(answer.body["view"]["blocks"])
    week = await slack.ok("/hours", "week", user="UALICE")
    assert "golden set" in week.text and "1h 15m" in week.text
    assert "UALICE" in slack.fake.home


async def test_double_submission_creates_one_entry(slack: SlackHarness):
    """The same modal submitted twice (a double click) creates one entry, not two."""
    await setup_project(slack)
    modal = await open_modal(slack)
    first = await slack.interact(submission(modal))
    second = await slack.interact(submission(modal))
    assert first.body["response_action"] == second.body["response_action"] == "update"
    assert "already recorded" in str(second.body["view"]["blocks"])
    assert len(await week_entries(slack)) == 1


async def test_refused_then_corrected_submission_logs(slack: SlackHarness):
    """After an inline error, correcting the same modal logs the entry."""
    await setup_project(slack)
    modal = await open_modal(slack)
    refused = await slack.interact(submission(modal, work_date="2026-03-09"))
    assert refused.body["response_action"] == "errors"
    accepted = await slack.interact(submission(modal, work_date="2026-03-03"))
    assert accepted.body["response_action"] == "update"
    assert len(await week_entries(slack)) == 1


async def test_home_tab_shows_my_projects_and_week(slack: SlackHarness):
    """Opening App Home publishes my projects with state and this week's worked/blocked hours."""
    await setup_project(slack)
    await slack.ok("/hours", "log ACME 2h yesterday", user="UALICE")
    await slack.ok("/project", "pause ACME vendor incident until 2026-03-20")
    await slack.event(
        {"type": "app_home_opened", "user": "UALICE", "channel": "DUALICE", "tab": "home"}
    )
    home = slack.fake.home["UALICE"]
    assert home["type"] == "home"
    text = str(home["blocks"])
    assert "ACME" in text and "paused" in text and "vendor incident" in text
    assert "2026-03-20" in text and "*Worked this week*\\n2h" in text
    buttons = [b["accessory"] for b in home["blocks"] if b.get("accessory")]
    assert [b["action_id"] for b in buttons] == [Action.OPEN_LOG_MODAL]


async def test_home_button_opens_the_same_modal(slack: SlackHarness):
    """The Log hours button on App Home opens the log-hours modal."""
    await setup_project(slack)
    answer = await slack.interact(button_click("UALICE", container={"type": "view"}))
    assert answer.status == 200
    (call,) = slack.fake.called("views.open")
    assert call.args["trigger_id"] == "7.T0PAUSE.button"
    assert call.args["view"]["callback_id"] == Callback.LOG_HOURS


async def test_messages_tab_is_not_republished(slack: SlackHarness):
    """Opening the Messages tab of the app does not publish App Home."""
    await slack.event(
        {"type": "app_home_opened", "user": "UALICE", "channel": "DUALICE", "tab": "messages"}
    )
    assert slack.fake.called("views.publish") == []


async def test_expired_trigger_is_reported(slack: SlackHarness):
    """When views.open fails, the caller is told through response_url what to type instead."""
    await setup_project(slack)
    slack.fake.fail_next(method="views.open", status=200, error="expired_trigger_id")
    await slack.command("/hours", "log", user="UALICE")
    (reply,) = slack.fake.responses
    assert "expired_trigger_id" in reply["text"] and "/hours log CODE DURATION" in reply["text"]


async def test_concurrent_double_submission_creates_one_entry(slack: SlackHarness):
    """Two submissions of the same modal arriving together create one entry."""
    await setup_project(slack)
    modal = await open_modal(slack)
    form = urlencode({"payload": json.dumps(submission(modal, duration="3h"))})
    answers = await asyncio.gather(slack.post(form), slack.post(form))
    await slack.settle()
    assert [a.body["response_action"] for a in answers] == ["update", "update"]
    assert [entry["minutes"] for entry in await week_entries(slack)] == [180]


async def test_invalid_date_is_an_error_on_the_date_input(slack: SlackHarness):
    """A date that is not a real date is refused by the command layer, on the date input."""
    await setup_project(slack)
    modal = await open_modal(slack)
    answer = await slack.interact(submission(modal, work_date="2026-02-30"))
    assert answer.body["response_action"] == "errors"
    assert list(answer.body["errors"]) == [Block.WORK_DATE]
    assert "not a real date" in answer.body["errors"][Block.WORK_DATE]
    assert await week_entries(slack) == []


async def test_day_over_24h_is_an_error_on_the_duration_input(slack: SlackHarness):
    """The core's refusal of a day over 24 h is about the duration, so it lands there."""
    await setup_project(slack)
    await slack.ok("/hours", "log ACME 20h 2026-03-03", user="UALICE")
    modal = await open_modal(slack)
    answer = await slack.interact(submission(modal, duration="5h", work_date="2026-03-03"))
    assert list(answer.body["errors"]) == [Block.DURATION]
    assert "a day holds 24h" in answer.body["errors"][Block.DURATION]
    assert [entry["minutes"] for entry in await week_entries(slack)] == [1200]


async def test_typed_duration_and_cleared_date_reach_the_command_as_given(slack: SlackHarness):
    """The duration goes as typed (`1,5h`), and a cleared (optional) date means today."""
    await setup_project(slack)
    modal = await open_modal(slack)
    answer = await slack.interact(submission(modal, duration="1,5h", work_date=None))
    assert answer.body["response_action"] == "update"
    (entry,) = await week_entries(slack)
    assert (entry["minutes"], entry["work_date"]) == (90, "2026-03-04")


async def test_modal_failure_names_an_error_id_found_in_the_log(
    slack: SlackHarness, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
):
    """When running the modal's command fails, the inline error names the logged error id."""
    await setup_project(slack)
    modal = await open_modal(slack)

    async def broken(*_args: Any, **_kwargs: Any) -> Caller:
        """A user lookup that fails."""
        raise RuntimeError("directory down")

    monkeypatch.setattr(slack.listeners.users, "caller", broken)
    with caplog.at_level(logging.ERROR):
        answer = await slack.interact(submission(modal, note="private words"))
    message = answer.body["errors"][Block.PROJECT]
    error_id = re.search(r"error id ([0-9a-f]{8})", message).group(1)
    (record,) = [r for r in caplog.records if error_id in r.getMessage()]
    assert record.getMessage() == f"Slack log-hours modal failed (error id {error_id})"
    assert "private words" not in caplog.text


async def test_home_tab_shows_the_latest_update(slack: SlackHarness):
    """App Home shows a paused project's latest update and the next one promised."""
    await setup_project(slack)
    await slack.ok("/project", "pause ACME vendor incident")
    await slack.ok("/project", "update ACME audit under way next 2026-03-09 15:00")
    await slack.event(
        {"type": "app_home_opened", "user": "UALICE", "channel": "DUALICE", "tab": "home"}
    )
    text = str(slack.fake.home["UALICE"]["blocks"])
    assert "Latest update: audit under way" in text
    assert "Next update by: 2026-03-09 15:00 UTC" in text
