"""A small world of clients, projects, a pause and hours, and the dashboard served over it."""

from __future__ import annotations

import re
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.commands.runner import CommandRunner
from bot.config import Settings
from bot.core.clock import FixedClock
from bot.dashboard import add_dashboard
from bot.db.session import Database
from tests.conftest import Console
from tests.dashboard.browser import Chromium

# The world is built from 2026-02-16 and looked at on Wednesday 2026-03-04 at 10:00 UTC.
BUILT = datetime(2026, 2, 16, 9, 0, tzinfo=UTC)
PAUSED_AT = datetime(2026, 2, 24, 15, 30, tzinfo=UTC)
NOW = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)
NAMES = ("con", "dee", "eve")  # contractors; opsy is ops, admin is the bootstrap admin


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def port() -> int:
    """The port the dashboard is served on."""
    return free_port()


@pytest.fixture
def web_settings(settings: Settings, port: int) -> Settings:
    """Settings whose PUBLIC_URL is the test server."""
    return settings.model_copy(update={"PUBLIC_URL": f"http://127.0.0.1:{port}"})


@pytest.fixture
def clock() -> FixedClock:
    """A clock at the start of the world."""
    return FixedClock(BUILT)


@pytest.fixture
def say(database: Database, web_settings: Settings, clock: FixedClock) -> Console:
    """Console commands with links that point at the test server."""
    return Console(CommandRunner(database=database, settings=web_settings, clock=clock))


@dataclass
class World:
    """What the world holds, for the tests to refer to."""

    clock: FixedClock
    say: Console


@pytest.fixture
async def world(say: Console, clock: FixedClock) -> World:
    """Acme AI (ACME active, HALT paused since 2026-02-24 with an update) and Beta Corp (BETA),
    three contractors with hours before and during the pause, and an ops person."""
    await say.ok("admin", '/project add ACME "Acme AI" "Labeling"')
    await say.ok("admin", '/project add HALT "Acme AI" "Audio transcription"')
    await say.ok("admin", '/project add BETA "Beta Corp" "Search ratings"')
    await say.ok("admin", "/ops role @opsy ops")
    await say.ok("admin", "/project assign ACME @con @dee")
    await say.ok("admin", "/project assign HALT @con @dee @eve")
    await say.ok("admin", "/project assign BETA @eve")
    clock.set(datetime(2026, 2, 24, 9, 0, tzinfo=UTC))
    for day in range(16, 24):  # worked hours before the pause
        date = f"2026-02-{day}"
        await say.ok("con", f"/hours log HALT 4h {date} transcripts")
        await say.ok("dee", f"/hours log HALT 2h {date}")
        await say.ok("eve", f"/hours log BETA 3h {date}")
    clock.set(PAUSED_AT)
    await say.ok("admin", "/project pause HALT vendor data breach until 2026-03-20")
    clock.set(datetime(2026, 2, 27, 11, 0, tzinfo=UTC))
    await say.ok("admin", "/project update HALT audit under way; keep logging hours")
    clock.set(NOW)
    for day in ("2026-02-25", "2026-02-26", "2026-03-02", "2026-03-03"):
        await say.ok("con", f"/hours log HALT 4h {day} standby")
        await say.ok("con", f"/hours log ACME 1h30m {day}")
        await say.ok("eve", f"/hours log BETA 2h {day}")
    await say.ok("dee", "/hours log HALT 45m 2026-02-24")
    return World(clock=clock, say=say)


@pytest.fixture
def app(database: Database, web_settings: Settings, clock: FixedClock) -> web.Application:
    """An aiohttp application with the dashboard added, as `pausebot run` builds it."""
    application = web.Application()
    add_dashboard(application, database=database, settings=web_settings, clock=clock)
    return application


@pytest.fixture
async def client(app: web.Application, port: int) -> AsyncIterator[TestClient]:
    """An HTTP client for the dashboard served on its port."""
    test_client = TestClient(TestServer(app, host="127.0.0.1", port=port))
    await test_client.start_server()
    yield test_client
    await test_client.close()


async def link_for(say: Console, who: str) -> str:
    """A fresh sign-in link for a person, as /ops dashboard gives it."""
    reply = await say.ok(who, "/ops dashboard")
    return reply.data.to_json()["url"]


async def signed_in(client: TestClient, say: Console, who: str = "opsy") -> None:
    """Sign the client in with a new link."""
    url = await link_for(say, who)
    path = "/" + url.split("/", 3)[3]
    response = await client.post(path, allow_redirects=False)
    assert response.status == 303, await response.text()


ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item, so fixtures can tell a failure."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


@pytest.fixture
async def chromium(request) -> AsyncIterator[Chromium]:
    """A headless Chromium; on failure, every open page's screenshot and HTML are kept in
    test-artifacts/browser/."""
    browser = await Chromium().start()
    yield browser
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed and browser.browser is not None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
        for number, context in enumerate(browser.browser.contexts):
            for page_number, page in enumerate(context.pages):
                stem = ARTIFACTS / f"{name}-{number}-{page_number}"
                await page.screenshot(path=f"{stem}.png", full_page=True)
                stem.with_suffix(".html").write_text(await page.content(), encoding="utf-8")
    await browser.close()
