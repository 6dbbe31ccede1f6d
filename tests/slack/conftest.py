"""The real AsyncApp behind pausebot's real HTTP server, a fake Slack Web API, signed requests."""

from __future__ import annotations

import hmac
import json
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest
from slack_sdk.signature import SignatureVerifier

from bot.adapters.slack.app import add_events_route, create_slack_app, register
from bot.adapters.slack.gate import RequestGate
from bot.adapters.slack.journal import Journal
from bot.adapters.slack.users import UserDirectory
from bot.adapters.slack.webapi import WebApi
from bot.commands.runner import CommandRunner
from bot.config import Settings
from bot.core.clock import FixedClock
from bot.db.session import Database
from bot.metrics import Metrics
from bot.web import create_web_app, start_web
from tests.fakes.slack_api import FakeSlackApi

SIGNING_SECRET = "pausebot-test-signing-secret"
ADMIN = "UADMIN"
TEAM = "T0PAUSE"


@dataclass
class Answer:
    """An HTTP response from pausebot: status and the JSON body (or the raw text)."""

    status: int
    body: Any

    @property
    def text(self) -> str:
        """All the text of a message body: the fallback text and every block's text."""
        if not isinstance(self.body, dict):
            return str(self.body)
        return self.body.get("text", "") + "\n" + json.dumps(self.body.get("blocks", []))


class SlackHarness:
    """Sends Slack's documented payloads, signed, to POST /slack/events."""

    def __init__(
        self,
        url: str,
        fake: FakeSlackApi,
        listeners,
        session: aiohttp.ClientSession,
        gate: RequestGate | None = None,
    ):
        self.url = url
        self.fake = fake
        self.listeners = listeners
        self.session = session
        self.gate = gate
        self.verifier = SignatureVerifier(SIGNING_SECRET)
        self.triggers = 0

    def signed_headers(self, body: str, *, timestamp: int | None = None) -> dict[str, str]:
        """Slack's signature headers for a body."""
        stamp = str(timestamp if timestamp is not None else int(time.time()))
        return {
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": self.verifier.generate_signature(timestamp=stamp, body=body),
        }

    def gate_signature(self, stamp: str, raw: bytes) -> str:
        """Slack's v0 signature of raw bytes (which need not be UTF-8)."""
        mac = hmac.new(SIGNING_SECRET.encode(), b"v0:" + stamp.encode() + b":" + raw, "sha256")
        return "v0=" + mac.hexdigest()

    async def post(
        self,
        body: str,
        *,
        content_type: str = "application/x-www-form-urlencoded",
        headers: dict[str, str] | None = None,
        sign: bool = True,
    ) -> Answer:
        """POST a body to /slack/events, signed unless told otherwise."""
        sent = {"Content-Type": content_type}
        if sign:
            sent.update(self.signed_headers(body))
        sent.update(headers or {})
        async with self.session.post(self.url, data=body.encode(), headers=sent) as response:
            raw = await response.text()
            try:
                parsed: Any = json.loads(raw) if raw else None
            except json.JSONDecodeError:
                parsed = raw
            return Answer(response.status, parsed)

    def next_trigger(self) -> str:
        """A fresh trigger_id."""
        self.triggers += 1
        return f"{self.triggers}.{TEAM}.trigger{self.triggers:04d}"

    def command_form(
        self,
        command: str,
        text: str = "",
        *,
        user: str = ADMIN,
        trigger_id: str | None = None,
        channel: str = "C0GENERAL",
    ) -> str:
        """A slash-command form body with the fields of Slack's documented payload."""
        return urlencode(
            {
                "token": "deprecated-verification-token",
                "team_id": TEAM,
                "team_domain": "pausebot-test",
                "enterprise_id": "",
                "enterprise_name": "",
                "channel_id": channel,
                "channel_name": "general",
                "user_id": user,
                "user_name": user.lower(),
                "command": command,
                "text": text,
                "api_app_id": "A0PAUSEBOT",
                "is_enterprise_install": "false",
                "response_url": self.fake.response_url(trigger_id or "none"),
                "trigger_id": trigger_id or self.next_trigger(),
            }
        )

    async def command(self, command: str, text: str = "", **kwargs: Any) -> Answer:
        """Send a slash command and wait for the work it started."""
        headers = kwargs.pop("headers", None)
        answer = await self.post(self.command_form(command, text, **kwargs), headers=headers)
        await self.settle()
        return answer

    async def ok(self, command: str, text: str = "", **kwargs: Any) -> Answer:
        """Send a slash command and fail the test unless it was answered without a warning."""
        answer = await self.command(command, text, **kwargs)
        assert answer.status == 200, answer
        assert ":warning:" not in answer.text, answer.text
        return answer

    async def interact(self, payload: dict[str, Any]) -> Answer:
        """Send an interactivity payload (block actions, view submissions)."""
        answer = await self.post(urlencode({"payload": json.dumps(payload)}))
        await self.settle()
        return answer

    async def event(self, event: dict[str, Any]) -> Answer:
        """Send an Events API callback."""
        body = json.dumps(
            {
                "token": "deprecated-verification-token",
                "team_id": TEAM,
                "api_app_id": "A0PAUSEBOT",
                "event": event,
                "type": "event_callback",
                "event_id": f"Ev{self.next_trigger()}",
                "event_time": int(time.time()),
            }
        )
        answer = await self.post(body, content_type="application/json")
        await self.settle()
        return answer

    async def settle(self) -> None:
        """Wait for the work pausebot does after acknowledging."""
        await self.listeners.drain()


class RecordedSleep:
    """A sleep that records how long it was asked to wait and returns at once."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        """Record a wait (a zero wait is none)."""
        if seconds > 0:
            self.waits.append(seconds)


@pytest.fixture
async def slack_api() -> AsyncIterator[FakeSlackApi]:
    """The fake Slack Web API on a free port, with an admin and two contractors."""
    fake = await FakeSlackApi().start()
    fake.add_user(ADMIN, "Ada Admin", "Europe/Paris")
    fake.add_user("UALICE", "Alice", "America/New_York")
    fake.add_user("UBOB", "Bob", "Asia/Tokyo")
    yield fake
    await fake.stop()


@pytest.fixture
def settings(database_url: str, slack_api: FakeSlackApi) -> Settings:
    """Settings with Slack configured against the fake, and slack:UADMIN as admin."""
    return Settings(
        _env_file=None,
        DATABASE_URL=database_url,
        PAUSEBOT_ADMINS=[f"slack:{ADMIN}"],
        OPS_CHANNELS=["slack:C0OPS"],
        SLACK_BOT_TOKEN="xoxb-pausebot-test",
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=slack_api.api_url,
    )


@pytest.fixture
def sleeps() -> RecordedSleep:
    """The waits the Web API wrapper asked for."""
    return RecordedSleep()


@pytest.fixture
def journal(tmp_path: Path) -> Iterator[Journal]:
    """A request journal in the test's directory."""
    opened = Journal.open(tmp_path / "journal")
    yield opened
    opened.close()


@pytest.fixture
async def slack(
    settings: Settings,
    database: Database,
    clock: FixedClock,
    slack_api: FakeSlackApi,
    sleeps: RecordedSleep,
    journal: Journal,
) -> AsyncIterator[SlackHarness]:
    """pausebot's HTTP server with the Slack app mounted, and a client that signs requests."""
    runner = CommandRunner(database=database, settings=settings, clock=clock, metrics=Metrics())
    app = create_slack_app(settings)
    api = WebApi(app.client, sleep=sleeps)
    users = UserDirectory(api, wait=5.0)
    listeners = register(app, runner, api=api, users=users, journal=journal)
    gate = RequestGate(SIGNING_SECRET)
    web_app = create_web_app(database=database, metrics=Metrics())
    add_events_route(web_app, app, gate)
    web_runner = await start_web(web_app, host="127.0.0.1", port=0)
    host, port = web_runner.addresses[0][:2]
    url = f"http://{host}:{port}/slack/events"
    async with aiohttp.ClientSession() as session:
        yield SlackHarness(url, slack_api, listeners, session, gate)
    await listeners.drain()
    await web_runner.cleanup()
