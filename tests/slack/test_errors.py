"""Bolt's error handler: a failed listener answers with the one internal-error reply and its id."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

import pytest

from bot.adapters.slack.app import failing_listener
from tests.slack.conftest import SlackHarness
from tests.slack.test_commands import setup_project
from tests.slack.test_modal import open_modal, submission, week_entries

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def error_id_in(text: str) -> str:
    """The error id a reply names."""
    found = re.search(r"error id ([0-9a-f]{8})", text)
    assert found is not None, text
    return found.group(1)


def logged_once(caplog: pytest.LogCaptureFixture, error_id: str) -> str:
    """The one log line that carries an error id, with its traceback attached."""
    (record,) = [r for r in caplog.records if error_id in r.getMessage()]
    assert record.levelno == logging.ERROR and record.exc_info is not None
    return record.getMessage()


async def boom(*_args: Any, **_kwargs: Any) -> Any:
    """A step of a listener that fails."""
    raise RuntimeError("listener bug")


async def test_failing_command_listener_answers_with_the_logged_error_id(
    slack: SlackHarness, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
):
    """A slash-command listener that raises is answered, privately, with the logged error id."""
    monkeypatch.setattr(slack.listeners, "within_budget", boom)
    with caplog.at_level(logging.ERROR):
        answer = await slack.command("/hours", "week private-words", user="UALICE")
    assert answer.status == 200
    assert answer.body["response_type"] == "ephemeral"
    assert ":warning: Something went wrong on our side" in answer.text
    error_id = error_id_in(answer.body["text"])
    assert logged_once(caplog, error_id) == f"Slack /hours failed (error id {error_id})"
    assert "private-words" not in caplog.text


async def test_failure_after_the_ack_keeps_the_ack_and_answers_through_response_url(
    slack: SlackHarness, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
):
    """A listener that fails after acknowledging keeps its reply; the error id follows."""
    await setup_project(slack)

    def after_reply(*_args: Any) -> None:
        """Work after the reply that fails."""
        raise RuntimeError("listener bug")

    monkeypatch.setattr(slack.listeners, "after_reply", after_reply)
    with caplog.at_level(logging.ERROR):
        answer = await slack.command("/project", "status", user="UALICE")
    assert answer.status == 200 and "My projects" in answer.text
    (late,) = slack.fake.responses
    error_id = error_id_in(late["text"])
    assert logged_once(caplog, error_id) == f"Slack /project failed (error id {error_id})"


async def test_failing_view_submission_shows_the_error_id_in_the_modal(
    slack: SlackHarness, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
):
    """A modal submission whose listener raises turns the modal into the error, with its id."""
    await setup_project(slack)
    modal = await open_modal(slack)
    monkeypatch.setattr(slack.listeners, "within_budget", boom)
    with caplog.at_level(logging.ERROR):
        answer = await slack.interact(submission(modal))
    assert answer.status == 200
    assert answer.body["response_action"] == "update"
    view = answer.body["view"]
    assert view["title"]["text"] == "Log hours"
    error_id = error_id_in(json.dumps(view["blocks"]))
    assert logged_once(caplog, error_id) == (
        f"Slack view pausebot_log_hours failed (error id {error_id})"
    )
    # The command itself ran in the background and committed once; a resubmission repeats it.
    assert len(await week_entries(slack)) == 1


async def test_failing_event_listener_is_logged_and_acknowledged(
    slack: SlackHarness, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
):
    """An event listener that raises is acknowledged (no retry storm) and logged with an id."""

    def background(work: Any, _what: str) -> None:
        """Starting background work that fails."""
        work.close()
        raise RuntimeError("listener bug")

    monkeypatch.setattr(slack.listeners, "background", background)
    with caplog.at_level(logging.ERROR):
        answer = await slack.event(
            {"type": "app_home_opened", "user": "UALICE", "channel": "DUALICE", "tab": "home"}
        )
    assert answer.status == 200
    (record,) = [r for r in caplog.records if "error id" in r.getMessage()]
    assert record.getMessage().startswith("Slack event app_home_opened failed (error id ")


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"command": "/hours", "text": "log secret"}, "Slack /hours"),
        ({"command": "/elsewhere"}, "Slack request"),
        (
            {"type": "view_submission", "view": {"callback_id": "pausebot_log_hours"}},
            "Slack view pausebot_log_hours",
        ),
        ({"type": "view_submission", "view": {"callback_id": "made-up"}}, "Slack request"),
        (
            {"type": "block_actions", "actions": [{"action_id": "pausebot_open_log_modal"}]},
            "Slack action pausebot_open_log_modal",
        ),
        ({"type": "block_actions", "actions": [{"action_id": "x y z"}]}, "Slack action"),
        ({"type": "event_callback", "event": {"type": "message"}}, "Slack request"),
    ],
)
def test_log_lines_name_listeners_in_fixed_words(body: dict[str, Any], words: str):
    """The failing listener is named by pausebot's own ids only, never by request text."""
    assert failing_listener(body) == words
