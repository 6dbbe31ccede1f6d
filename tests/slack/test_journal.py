"""The request journal: a request acknowledged with "working on it" survives the process, and
is completed (or the person told it failed) when pausebot starts again."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.slack.journal import Journal, journal_directory, open_requests
from bot.core.people import Caller
from bot.db.session import Database
from tests.slack.conftest import SlackHarness
from tests.slack.test_commands import setup_project
from tests.slack.test_modal import open_modal, submission
from tests.slack.test_security import entries, hold_write_lock

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

DIE_AFTER_WRITING = """
import json, os, sys
from pathlib import Path
from bot.adapters.slack.journal import Journal
journal = Journal.open(Path(sys.argv[1]))
for key, request in json.loads(sys.argv[2]).items():
    journal._apply(key, request)
for key in json.loads(sys.argv[3]):
    journal._apply(key, None)
os._exit(0)  # no cleanup: as kill -9 leaves it
"""


def dead_process_journal(directory: Path, requests: dict[str, Any], done: list[str] = ()) -> None:
    """Leave a journal as a process that wrote these requests (and answered `done`) and died."""
    subprocess.run(
        [sys.executable, "-c", DIE_AFTER_WRITING, str(directory), json.dumps(requests),
         json.dumps(list(done))],
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )  # fmt: skip


def command_request(slack: SlackHarness, user: str, group: str, text: str, key: str) -> dict:
    """A journaled slash command, as on_command writes it."""
    return {
        "user_id": user,
        "user_name": user.lower(),
        "group": group,
        "text": text,
        "response_url": slack.fake.response_url(key),
        "request_key": f"slack:trigger:{user}:{key}",
    }


async def restart_with(slack: SlackHarness, directory: Path) -> Journal:
    """What a new start does: open the journal, adopt what dead processes left, finish it."""
    journal = Journal.open(directory)
    slack.listeners.journal = journal
    slack.listeners.resume()
    await slack.settle()
    return journal


def answers(slack: SlackHarness) -> dict[str, list[str]]:
    """The messages (text and blocks) posted to each response_url, by its key."""
    found: dict[str, list[str]] = {}
    for call in slack.fake.called("response_url"):
        text = call.args["text"] + json.dumps(call.args.get("blocks"))
        found.setdefault(call.args["key"], []).append(text)
    return found


def test_requests_survive_a_dead_process_and_a_live_one_is_left_alone(tmp_path: Path):
    """Open requests of a dead process are adopted once; a live process's file is not touched."""
    directory = tmp_path / "journal"
    requests = {f"k{i}": {"n": i} for i in range(3)}
    dead_process_journal(directory, requests, done=["k1"])
    live = Journal.open(directory)
    assert live.adopted == {"k0": {"n": 0}, "k2": {"n": 2}}
    second = Journal.open(directory)
    assert second.adopted == {}  # the live journal holds them now
    second.close()
    live.close()  # still open: left for the next start
    third = Journal.open(directory)
    assert third.adopted == {"k0": {"n": 0}, "k2": {"n": 2}}
    third.close()


async def test_journal_is_private_emptied_and_removed(tmp_path: Path):
    """Owner-only files; emptied when nothing is open; removed on a clean stop."""
    journal = Journal.open(tmp_path / "journal")
    await journal.add("a", {"response_url": "https://hooks.slack.com/secret"})
    await journal.add("b", {})
    assert stat.S_IMODE(journal.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(journal.directory.stat().st_mode) == 0o700
    assert set(open_requests(journal.path.read_bytes())) == {"a", "b"}
    await journal.done("a")
    assert set(open_requests(journal.path.read_bytes())) == {"b"}
    await journal.done("b")
    assert journal.path.stat().st_size == 0
    journal.close()
    assert list(journal.directory.iterdir()) == []


def test_a_line_cut_short_by_the_crash_is_ignored():
    """A torn last line (its acknowledgement was never sent) does not stop the others."""
    data = b'{"op":"ack","key":"a","request":{}}\n{"op":"ack","key":"b","req'
    assert open_requests(data) == {"a": {}}


def test_journal_lives_beside_the_database():
    """Beside a SQLite file; for PostgreSQL a directory named after the database."""
    assert journal_directory("sqlite:////srv/pb/pausebot.db") == Path(
        "/srv/pb/pausebot.db.slack-journal"
    )
    assert journal_directory("postgresql://u@db.example:5432/pausebot") == Path(
        "pausebot-db.example_5432_pausebot.slack-journal"
    )


async def test_slow_command_is_journaled_until_answered(
    slack: SlackHarness, database: Database, journal: Journal
):
    """A command acknowledged with "working on it" is in the journal until its reply is sent."""
    await setup_project(slack)
    slack.listeners.ack_budget = 0.05
    lock = await hold_write_lock(database)
    try:
        answer = await slack.post(slack.command_form("/hours", "log ACME 2h", user="UALICE"))
        assert "Working on it" in answer.body["text"]
        (request,) = open_requests(journal.path.read_bytes()).values()
        assert request["text"] == "log ACME 2h" and request["user_id"] == "UALICE"
    finally:
        await lock.rollback()
        await lock.close()
    await slack.settle()
    assert "Logged 2h on ACME" in slack.fake.responses[0]["text"]
    assert journal.pending == 0 and journal.path.stat().st_size == 0


async def test_reply_that_cannot_be_sent_stays_for_the_next_start(
    slack: SlackHarness, database: Database, journal: Journal
):
    """When response_url keeps failing (Slack down), the request stays journaled."""
    await setup_project(slack)
    slack.listeners.ack_budget = 0.05
    slack.fake.fail_next(100, method="response_url", status=503, error="down", retry_after=None)
    lock = await hold_write_lock(database)
    try:
        await slack.post(slack.command_form("/hours", "log ACME 2h", user="UALICE"))
    finally:
        await lock.rollback()
        await lock.close()
    await slack.settle()
    assert slack.fake.responses == []
    assert journal.pending == 1
    assert len(await entries(slack)) == 1


async def test_restart_completes_journaled_requests_without_doing_them_twice(
    slack: SlackHarness, tmp_path: Path
):
    """After a crash: a committed /hours log is answered, not logged again; an uncommitted one
    is logged; a /project pause is not run again, and its author is told to check."""
    await setup_project(slack)
    alice = Caller(platform="slack", external_id="UALICE")
    committed = command_request(slack, "UALICE", "hours", "log ACME 2h", "committed")
    await slack.listeners.runner.run_slash(
        alice, "hours", "log ACME 2h", request_key=committed["request_key"]
    )
    lost = command_request(slack, "UALICE", "hours", "log ACME 1h", "lost")
    pause = command_request(slack, "UADMIN", "project", "pause ACME vendor incident", "pause")
    week = command_request(slack, "UBOB", "hours", "week", "week")
    requests = {r["request_key"]: r for r in (committed, lost, pause, week)}
    directory = tmp_path / "crashed"
    dead_process_journal(directory, requests)

    journal = await restart_with(slack, directory)

    got = answers(slack)
    assert sorted(got) == ["committed", "lost", "pause", "week"]
    assert all(len(texts) == 1 for texts in got.values())
    assert "already recorded" in got["committed"][0]
    assert "Logged 1h on ACME" in got["lost"][0]
    assert "may not have been done" in got["pause"][0]
    assert "/project pause ACME vendor incident" in got["pause"][0]
    assert ":warning:" not in got["week"][0]  # read-only: simply run again
    assert sorted(e["minutes"] for e in await entries(slack)) == [60, 120]
    status = await slack.listeners.runner.run(alice, "project", "status", ["ACME"])
    assert "paused" not in status.text.lower()
    assert journal.pending == 0
    journal.close()
    assert list(directory.iterdir()) == []


async def test_restart_finishes_a_journaled_modal_in_a_direct_message(
    slack: SlackHarness, tmp_path: Path
):
    """A submitted modal journaled before a crash is logged once; its modal is gone, so the
    result goes to the person's direct messages."""
    await setup_project(slack)
    modal = await open_modal(slack)
    payload = submission(modal)
    key = f"slack:view:UALICE:{modal['id']}"
    request = {
        "user_id": "UALICE",
        "user_name": "ualice",
        "view_id": "V-closed",
        "state": payload["view"]["state"],
    }
    dead_process_journal(tmp_path / "crashed", {key: request})
    journal = await restart_with(slack, tmp_path / "crashed")
    (posted,) = slack.fake.called("chat.postMessage")
    assert posted.args["channel"] == "DUALICE"
    assert "Logged 2h on ACME" in posted.args["text"] + json.dumps(posted.args["blocks"])
    again = await slack.interact(payload)  # Slack delivers the original submission late
    assert "already recorded" in json.dumps(again.body)
    assert [e["minutes"] for e in await entries(slack)] == [120]
    assert journal.pending == 0
    journal.close()


async def test_view_ids_are_bound_to_the_person(slack: SlackHarness):
    """A signed submission replaying Alice's view id as Bob gets Bob's own entry, not hers."""
    await setup_project(slack)
    modal = await open_modal(slack)
    mine = await slack.interact(submission(modal, duration="2h", note="alice's secret note"))
    assert "Logged 2h on ACME" in json.dumps(mine.body)
    replayed = await slack.interact(submission(modal, user_id="UBOB", duration="1h"))
    text = json.dumps(replayed.body)
    assert "already recorded" not in text and "secret" not in text and "2h" not in text
    assert "Logged 1h on ACME" in text
    assert [e["minutes"] for e in await entries(slack, "UALICE")] == [120]
    assert [e["minutes"] for e in await entries(slack, "UBOB")] == [60]


async def test_trigger_ids_are_bound_to_the_person(slack: SlackHarness):
    """The same trigger id from another person is another request."""
    await setup_project(slack)
    await slack.ok("/hours", "log ACME 2h note-of-alice", user="UALICE", trigger_id="1.T.same")
    bob = await slack.ok("/hours", "log ACME 1h", user="UBOB", trigger_id="1.T.same")
    assert "already recorded" not in bob.text and "note-of-alice" not in bob.text
    assert [e["minutes"] for e in await entries(slack, "UBOB")] == [60]


async def test_restart_tells_the_person_when_the_command_fails_again(
    slack: SlackHarness, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """A journaled command that fails when run again is answered: it failed, try again."""
    await setup_project(slack)

    async def database_gone(*_args: Any, **_kwargs: Any) -> Any:
        """The command layer failing (its database unreachable)."""
        raise ConnectionError("database unreachable")

    monkeypatch.setattr(slack.listeners.runner, "run_slash", database_gone)
    request = command_request(slack, "UALICE", "hours", "log ACME 2h", "failing")
    dead_process_journal(tmp_path / "crashed", {request["request_key"]: request})
    journal = await restart_with(slack, tmp_path / "crashed")
    (text,) = answers(slack)["failing"]
    assert "Something went wrong on our side" in text and "try again" in text
    assert await entries(slack) == []
    assert journal.pending == 0
    journal.close()
