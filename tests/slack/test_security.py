"""Signatures, retried deliveries, repeated trigger ids, and acks while the database waits."""

from __future__ import annotations

import json
import time
from urllib.parse import urlencode

import pytest
from sqlalchemy import text

from bot.core.people import Caller
from bot.db.session import Database
from tests.slack.conftest import SlackHarness
from tests.slack.test_commands import setup_project
from tests.slack.test_modal import open_modal, submission

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


async def projects(slack: SlackHarness) -> list[str]:
    """Codes of every project, from the command layer."""
    caller = Caller(platform="slack", external_id="UADMIN")
    listed = await slack.listeners.runner.run(caller, "project", "list", [])
    return [item["project"] for item in listed.data.to_json()["projects"]]


async def entries(slack: SlackHarness, user_id: str = "UALICE") -> list[dict]:
    """A contractor's entries this week, from the command layer."""
    caller = Caller(platform="slack", external_id=user_id)
    week = await slack.listeners.runner.run(caller, "hours", "week", [])
    return week.data.to_json()["entries"]


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Slack-Signature": "v0=" + "0" * 64},
        {"X-Slack-Signature": ""},
        {"X-Slack-Request-Timestamp": str(int(time.time()) - 10 * 60)},
    ],
    ids=["forged", "missing", "stale"],
)
async def test_bad_signatures_get_401_and_change_nothing(slack: SlackHarness, headers):
    """Forged, missing and stale signatures get 401; nothing is created, Slack is not called."""
    body = slack.command_form("/project", 'add ACME "Acme AI" "Labels"')
    sent = slack.signed_headers(body) | headers
    if headers.get("X-Slack-Request-Timestamp"):
        # Signed correctly, but five minutes too late: a replayed request.
        sent = slack.signed_headers(body, timestamp=int(headers["X-Slack-Request-Timestamp"]))
    answer = await slack.post(body, headers=sent, sign=False)
    await slack.settle()
    assert answer.status == 401
    assert slack.fake.calls == []
    assert await projects(slack) == []


async def test_body_changed_after_signing_is_refused(slack: SlackHarness):
    """A body altered after it was signed gets 401."""
    signed = slack.command_form("/project", 'add ACME "Acme AI" "Labels"')
    tampered = signed.replace("ACME", "EVIL")
    answer = await slack.post(tampered, headers=slack.signed_headers(signed), sign=False)
    assert answer.status == 401
    assert await projects(slack) == []


async def test_replayed_old_request_changes_nothing(slack: SlackHarness):
    """A valid request replayed after Slack's five-minute window gets 401 and logs nothing."""
    await setup_project(slack)
    body = slack.command_form("/hours", "log ACME 2h", user="UALICE")
    stale = slack.signed_headers(body, timestamp=int(time.time()) - 6 * 60)
    answer = await slack.post(body, headers=stale, sign=False)
    assert answer.status == 401
    assert await entries(slack) == []


async def test_retried_delivery_creates_one_entry(slack: SlackHarness):
    """Slack's retry of a delivery (X-Slack-Retry-Num, same trigger_id) creates one entry."""
    await setup_project(slack)
    trigger = "1234.T0PAUSE.retried"
    first = await slack.command("/hours", "log ACME 2h", user="UALICE", trigger_id=trigger)
    retry = await slack.command(
        "/hours",
        "log ACME 2h",
        user="UALICE",
        trigger_id=trigger,
        headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"},
    )
    assert first.status == retry.status == 200
    assert "already recorded" in retry.text
    assert len(await entries(slack)) == 1


async def test_repeated_trigger_id_creates_one_entry(slack: SlackHarness):
    """The same trigger_id delivered again creates one entry; a new trigger_id creates another."""
    await setup_project(slack)
    for _ in range(3):
        await slack.ok("/hours", "log ACME 1h", user="UALICE", trigger_id="77.T0PAUSE.same")
    await slack.ok("/hours", "log ACME 1h", user="UALICE")
    assert [entry["minutes"] for entry in await entries(slack)] == [60, 60]


async def hold_write_lock(database: Database):
    """A connection that holds the write lock the next command needs (released by the caller)."""
    conn = await database.engine.connect()
    if database.dialect == "sqlite":
        await conn.begin()  # pausebot's SQLite engine begins IMMEDIATE: the write lock
    else:
        await conn.begin()
        await conn.execute(text("LOCK TABLE contractors IN ACCESS EXCLUSIVE MODE"))
    return conn


async def test_slow_database_still_acknowledges_and_answers_later(
    slack: SlackHarness, database: Database
):
    """With the database locked, Slack gets an acknowledgement and the reply via response_url."""
    await setup_project(slack)
    slack.listeners.ack_budget = 0.05
    lock = await hold_write_lock(database)
    try:
        body = slack.command_form("/hours", "log ACME 2h", user="UALICE", trigger_id="5.T.slow")
        answer = await slack.post(body)
        assert answer.status == 200
        assert "Working on it" in answer.body["text"]
        assert slack.fake.responses == []
    finally:
        await lock.rollback()
        await lock.close()
    await slack.settle()
    (late,) = slack.fake.responses
    assert late["response_type"] == "ephemeral"
    assert "Logged 2h on ACME" in late["text"]
    assert len(await entries(slack)) == 1


async def test_url_verification_is_answered(slack: SlackHarness):
    """Slack's url_verification challenge (setting up the Events URL) is answered when signed."""
    body = '{"token": "t", "challenge": "pausebot-challenge", "type": "url_verification"}'
    answer = await slack.post(body, content_type="application/json")
    assert answer.status == 200
    assert answer.body == {"challenge": "pausebot-challenge"}


async def test_slow_database_modal_is_updated_later(slack: SlackHarness, database: Database):
    """With the database locked, a submitted modal shows "working on it", then the result."""
    await setup_project(slack)
    modal = await open_modal(slack)
    slack.listeners.ack_budget = 0.05
    lock = await hold_write_lock(database)
    try:
        answer = await slack.post(urlencode({"payload": json.dumps(submission(modal))}))
        assert answer.body["response_action"] == "update"
        assert "Working on it" in str(answer.body["view"]["blocks"])
        assert slack.fake.called("views.update") == []
    finally:
        await lock.rollback()
        await lock.close()
    await slack.settle()
    (update,) = slack.fake.called("views.update")
    assert update.args["view_id"] == modal["id"]
    assert "Logged 2h on ACME" in str(update.args["view"]["blocks"])
    assert len(await entries(slack)) == 1
