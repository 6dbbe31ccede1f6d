"""The Web API wrapper: 429 Retry-After, transient errors, and nothing dropped end to end."""

from __future__ import annotations

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack.webapi import SlackCallError, WebApi
from tests.fakes.slack_api import FakeSlackApi
from tests.slack.conftest import ADMIN, RecordedSleep, SlackHarness
from tests.slack.test_commands import setup_project

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def wrapper(fake: FakeSlackApi, sleeps: RecordedSleep, **kwargs) -> WebApi:
    """A WebApi on the fake whose waits are recorded instead of slept."""
    client = AsyncWebClient(token="xoxb-test", base_url=fake.api_url)
    return WebApi(client, sleep=sleeps, **kwargs)


async def test_429_waits_retry_after_then_succeeds(slack_api: FakeSlackApi, sleeps: RecordedSleep):
    """After two 429s the call waits each Retry-After and goes through once."""
    slack_api.fail_next(2, method="chat.postMessage", retry_after=7)
    api = wrapper(slack_api, sleeps)
    sent = await api.call("chat.postMessage", channel="C0OPS", text="hello")
    assert sent["ts"]
    assert len(slack_api.called("chat.postMessage")) == 3
    assert len(slack_api.messages["C0OPS"]) == 1
    assert sleeps.waits == [pytest.approx(7, abs=0.5)] * 2


async def test_429_holds_back_only_that_method(slack_api: FakeSlackApi, sleeps: RecordedSleep):
    """After a 429 the same method waits out Retry-After before its next call; others do not."""
    slack_api.fail_next(1, method="chat.postMessage", retry_after=30)
    api = wrapper(slack_api, sleeps)
    with pytest.raises(SlackCallError) as caught:
        await api.call("chat.postMessage", retry=False, channel="C0OPS", text="one")
    assert caught.value.status == 429 and caught.value.retry_after == 30
    await api.call("users.info", user=ADMIN)
    assert sleeps.waits == []
    with pytest.raises(SlackCallError) as held:
        await api.call("chat.postMessage", retry=False, channel="C0OPS", text="two")
    assert held.value.retry_after is not None and 0 < held.value.retry_after <= 30
    assert len(slack_api.called("chat.postMessage")) == 1
    await api.call("chat.postMessage", channel="C0OPS", text="three")
    assert len(sleeps.waits) == 1 and 0 < sleeps.waits[0] <= 30


async def test_server_errors_are_retried(slack_api: FakeSlackApi, sleeps: RecordedSleep):
    """HTTP 503 and `internal_error` are retried with backoff until the call succeeds."""
    slack_api.fail_next(1, method="views.publish", status=503, error="service_unavailable")
    slack_api.fail_next(1, method="views.publish", status=200, error="internal_error")
    api = wrapper(slack_api, sleeps)
    await api.call("views.publish", user_id=ADMIN, view={"type": "home", "blocks": []})
    assert len(slack_api.called("views.publish")) == 3
    assert len(sleeps.waits) == 2 and ADMIN in slack_api.home


async def test_permanent_errors_are_not_retried(slack_api: FakeSlackApi, sleeps: RecordedSleep):
    """A `user_not_found` is raised at once, after one call."""
    api = wrapper(slack_api, sleeps)
    with pytest.raises(SlackCallError) as caught:
        await api.call("users.info", user="UNOBODY")
    assert caught.value.error == "user_not_found" and not caught.value.transient
    assert len(slack_api.called("users.info")) == 1 and sleeps.waits == []


async def test_attempts_run_out(slack_api: FakeSlackApi, sleeps: RecordedSleep):
    """Transient failures stop after the configured number of attempts and are raised."""
    slack_api.fail_next(10, method="views.publish", status=500, error="fatal_error")
    api = wrapper(slack_api, sleeps, attempts=3)
    with pytest.raises(SlackCallError):
        await api.call("views.publish", user_id=ADMIN, view={"type": "home", "blocks": []})
    assert len(slack_api.called("views.publish")) == 3


async def test_response_url_429_is_retried(slack_api: FakeSlackApi, sleeps: RecordedSleep):
    """A response_url answering 429 is posted again after Retry-After."""
    slack_api.fail_next(1, method="response_url", retry_after=3)
    api = wrapper(slack_api, sleeps)
    await api.respond(slack_api.response_url(), {"text": "late reply"})
    assert [r["text"] for r in slack_api.responses] == ["late reply"]
    assert sleeps.waits == [pytest.approx(3, abs=0.5)]


async def test_export_upload_survives_429s(slack: SlackHarness, sleeps: RecordedSleep):
    """/ops export still uploads its file when every Slack method answers 429 first."""
    await setup_project(slack)
    await slack.ok("/hours", "log ACME 2h", user="UALICE")
    for method in ("conversations.open", "files.getUploadURLExternal", "upload"):
        slack.fake.fail_next(1, method=method, retry_after=2)
    slack.fake.fail_next(1, method="files.completeUploadExternal", retry_after=2)
    await slack.ok("/ops", "export")
    (uploaded,) = [f for f in slack.fake.files.values() if f.get("channel")]
    assert b"slack:UALICE" in uploaded["content"]
    assert sleeps.waits.count(pytest.approx(2, abs=0.5)) >= 3


async def test_modal_opens_despite_429(slack: SlackHarness, sleeps: RecordedSleep):
    """views.open answering 429 is retried after Retry-After; the modal opens once."""
    await setup_project(slack)
    slack.fake.fail_next(1, method="views.open", retry_after=1)
    await slack.command("/hours", "log", user="UALICE")
    assert len(slack.fake.called("views.open")) == 2
    assert len(slack.fake.views) == 1
    assert sleeps.waits == [pytest.approx(1, abs=0.5)]


async def test_users_info_failure_does_not_fail_the_command(slack: SlackHarness):
    """When users.info fails, the command still runs, under the slash payload's user name."""
    slack.fake.fail_next(1, method="users.info", status=200, error="user_not_found")
    answer = await slack.ok("/hours", "week", user="UNEW")
    assert "Week of" in answer.text


async def test_a_failed_users_info_is_not_asked_again_at_once(slack: SlackHarness):
    """After users.info fails for someone, their next commands go on without asking again."""
    slack.fake.fail_next(1, method="users.info", status=200, error="user_not_found")
    for _ in range(3):
        assert "Week of" in (await slack.ok("/hours", "week", user="UNEW")).text
    asked = [call.args["user"] for call in slack.fake.called("users.info")]
    assert asked.count("UNEW") == 1
