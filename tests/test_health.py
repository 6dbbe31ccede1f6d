"""The adapter-state registry, the reconnection backoff, and a `pausebot run` in which one
platform is unreachable while the other works, delivers and is served."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from contextlib import AsyncExitStack
from pathlib import Path

import aiohttp
import pytest

from bot.adapters.slack.app import start_slack
from bot.backoff import MAX_DELAY, Backoff
from bot.commands.runner import CommandRunner
from bot.config import Settings
from bot.core.clock import SystemClock
from bot.core.words import Platform
from bot.db.session import Database
from bot.health import AdapterState, Health
from bot.metrics import Metrics
from bot.web import create_web_app, start_web
from tests.fakes.slack_socket import APP_TOKEN, SocketModeSlackApi
from tests.slack.test_run import free_port

CONNECTING, OK, DOWN = AdapterState.CONNECTING, AdapterState.OK, AdapterState.DOWN


class RecordedBackoff(Backoff):
    """A backoff that remembers every delay it gave."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.delays: list[float] = []

    def next(self) -> float:
        """The next delay, recorded."""
        delay = super().next()
        self.delays.append(delay)
        return delay


def fast() -> RecordedBackoff:
    """A backoff in tens of milliseconds (0.05 s doubling to 0.4 s), for tests of retries."""
    return RecordedBackoff(first=0.05, cap=0.4)


class Clock:
    """A monotonic clock a test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_delays_double_from_the_first_up_to_30_seconds():
    """Without jitter at its top (uniform() = 1), the delays are 1, 2, 4, 8, 16, 30, 30 …"""
    backoff = Backoff(uniform=lambda: 1.0)
    assert [backoff.next() for _ in range(8)] == [1, 2, 4, 8, 16, 30, 30, 30]


def test_jitter_keeps_each_delay_between_half_and_all_of_its_step():
    """Each delay is drawn in [step/2, step]; never above 30 s, however long it goes on."""
    low = Backoff(uniform=lambda: 0.0)
    assert [low.next() for _ in range(7)] == [0.5, 1, 2, 4, 8, 15, 15]
    real = Backoff()
    delays = [real.next() for _ in range(1000)]
    assert max(delays) <= MAX_DELAY
    assert min(delays[10:]) >= MAX_DELAY / 2


def test_a_cap_above_30_seconds_is_held_to_30():
    """SPEC's at most 30 s between tries holds whatever cap is asked for."""
    backoff = Backoff(first=10, cap=120, uniform=lambda: 1.0)
    assert [backoff.next() for _ in range(4)] == [10, 20, 30, 30]


def test_a_connection_that_held_reconnects_at_once_and_starts_over():
    """A connection up 10 s or more, dropped: the next try is at once, then 1 s, 2 s …"""
    clock = Clock()
    backoff = Backoff(monotonic=clock, uniform=lambda: 1.0)
    assert [backoff.next() for _ in range(4)] == [1, 2, 4, 8]
    backoff.connected()
    clock.now += 60
    assert [backoff.next() for _ in range(3)] == [0, 1, 2]


def test_a_connection_dropped_soon_waits_the_first_step():
    """A connection that came up starts the growth over, but one that drops within 10 s is
    tried again after the first step, not at once: a server that accepts and drops at once
    is tried about once a second, and failures after it grow again."""
    clock = Clock()
    backoff = Backoff(monotonic=clock, uniform=lambda: 1.0)
    assert [backoff.next() for _ in range(5)] == [1, 2, 4, 8, 16]
    delays = []
    for _ in range(3):
        backoff.connected()
        clock.now += 0.5
        delays.append(backoff.next())
    assert delays == [1, 1, 1]
    assert [backoff.next() for _ in range(3)] == [2, 4, 8]


def test_the_registry_keeps_one_state_per_adapter_and_its_transitions():
    """expect() registers an adapter as connecting; set() changes it (repeats are one)."""
    health = Health()
    assert health.states() == {} and health.all_ok
    health.expect(Platform.SLACK)
    health.expect(Platform.DISCORD)
    health.set(Platform.SLACK, OK)
    health.set(Platform.SLACK, OK)
    health.expect(Platform.SLACK)  # already there: unchanged
    assert health.states() == {Platform.SLACK: OK, Platform.DISCORD: CONNECTING}
    assert not health.all_ok
    health.set(Platform.DISCORD, DOWN)
    assert health.seen(Platform.SLACK) == [CONNECTING, OK]
    assert health.seen(Platform.DISCORD) == [CONNECTING, DOWN]
    assert health.state(Platform.CONSOLE) is None


async def test_wait_for_returns_when_the_state_is_reached():
    """wait_for() wakes on the change, and times out when it does not come."""
    health = Health()
    health.expect(Platform.SLACK)
    waiter = asyncio.create_task(health.wait_for(Platform.SLACK, OK, timeout=2))
    await asyncio.sleep(0.01)
    assert not waiter.done()
    health.set(Platform.SLACK, OK)
    await waiter
    with pytest.raises(TimeoutError):
        await health.wait_for(Platform.SLACK, DOWN, timeout=0.05)


async def test_slack_http_mode_is_ok_once_its_route_is_served(
    database_url: str, tmp_path: Path, monkeypatch
):
    """In HTTP mode Slack is `connecting` until the web server serving /slack/events starts,
    then `ok`; /healthz says so."""
    monkeypatch.chdir(tmp_path)  # the request journal goes beside SQLite, else here
    settings = Settings(
        _env_file=None,
        DATABASE_URL=database_url,
        SLACK_BOT_TOKEN="xoxb-pausebot-test",
        SLACK_SIGNING_SECRET="secret",
        SLACK_API_URL="http://127.0.0.1:9/api/",
    )
    database = Database(database_url)
    health = Health()
    web_app = create_web_app(database=database, metrics=Metrics(), health=health)
    runner = CommandRunner(
        database=database, settings=settings, clock=SystemClock(), metrics=Metrics()
    )
    async with AsyncExitStack() as stack:
        stack.push_async_callback(database.dispose)
        await start_slack(settings, runner, web_app, stack, health)
        assert health.states() == {Platform.SLACK: CONNECTING}
        web_runner = await start_web(web_app, host="127.0.0.1", port=0)
        stack.push_async_callback(web_runner.cleanup)
        host, port = web_runner.addresses[0][:2]
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"http://{host}:{port}/healthz") as response,
        ):
            body = await response.json()
    assert body == {"status": "ok", "database": "ok", "adapters": {"slack": "ok"}}


async def test_one_platform_unreachable_holds_up_nothing_else(database_url: str, tmp_path: Path):
    """`pausebot run` with Slack (Socket Mode, against the fakes) and Discord (on a closed
    port): /healthz answers, Slack connects and answers commands, and a pause is delivered to
    Slack by the dispatcher, all while Discord keeps trying (`connecting`, degraded)."""
    slack = await SocketModeSlackApi().start()
    slack.add_user("UADMIN", "Ada Admin")
    slack.add_user("UALICE", "Alice")
    closed, http_port = free_port(), free_port()
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("PAUSEBOT_", "SLACK_", "DISCORD_"))
    }
    env |= {
        "DATABASE_URL": database_url,
        "PAUSEBOT_ADMINS": "slack:UADMIN",
        "SLACK_BOT_TOKEN": "xoxb-pausebot-test",
        "SLACK_APP_TOKEN": APP_TOKEN,
        "SLACK_API_URL": slack.api_url,
        "DISCORD_BOT_TOKEN": "test-bot-token",
        "DISCORD_API_URL": f"http://127.0.0.1:{closed}/api/v10",
        "DISCORD_GATEWAY_URL": f"ws://127.0.0.1:{closed}/gateway-ws",
        "HTTP_HOST": "127.0.0.1",
        "HTTP_PORT": str(http_port),
    }
    log = tmp_path / "pausebot.log"
    launched = time.monotonic()
    with log.open("ab") as out:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", cwd=tmp_path, env=env,
            stdin=asyncio.subprocess.DEVNULL, stdout=out, stderr=out,
        )  # fmt: skip
    fake = slack.socket_mode
    try:
        await fake.wait_connected(timeout=90)
        connected = time.monotonic() - launched
        for i, text in enumerate(
            ['add ACME "Acme AI" "Labels"', "assign ACME <@UALICE>", "pause ACME vendor breach"]
        ):
            ack = await fake.wait_ack(
                await fake.slash_command(
                    "/project", text, user="UADMIN", response_url=slack.response_url(f"c{i}")
                )
            )
            assert ack.payload and ":warning:" not in str(ack.payload), ack
        deadline = time.monotonic() + 20
        while not slack.called("chat.postMessage") and time.monotonic() < deadline:
            assert process.returncode is None, log.read_text()
            await asyncio.sleep(0.1)
        delivered = slack.called("chat.postMessage")
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"http://127.0.0.1:{http_port}/healthz") as response,
        ):
            status, body = response.status, await response.json()
    finally:
        process.send_signal(signal.SIGTERM)
        code = await process.wait()
        await slack.stop()
    print(
        f"\nDiscord down, Slack up: Slack connected {connected:.2f}s after launch, "
        f"{len(delivered)} pause message(s) delivered to Slack; /healthz {status} {body}"
    )
    assert code == 0, log.read_text()
    assert delivered and delivered[0].args["channel"] == "DUALICE"
    assert (status, body) == (
        200,
        {
            "status": "degraded",
            "database": "ok",
            "adapters": {"slack": "ok", "discord": "connecting"},
        },
    )
    assert "Discord login failed" in log.read_text()
