"""Slack Socket Mode against a local fake that speaks its protocol: hello, envelopes, acks,
`disconnect`, dropped and refused connections, unanswered pings; in-process and with a real
`pausebot run` process."""

from __future__ import annotations

import asyncio
import itertools
import os
import signal
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest

from bot.adapters.slack.app import create_slack_app, register, start_socket_mode
from bot.adapters.slack.journal import Journal
from bot.adapters.slack.socket_mode import SocketMode
from bot.backoff import Backoff
from bot.commands.runner import CommandRunner
from bot.config import Settings
from bot.core.clock import FixedClock
from bot.core.words import Platform
from bot.db.session import Database
from bot.health import AdapterState, Health
from bot.metrics import Metrics
from bot.web import create_web_app, start_web
from tests.fakes.slack_socket import APP_TOKEN, SocketModeSlackApi
from tests.slack.conftest import ADMIN
from tests.slack.test_run import free_port
from tests.test_health import fast

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

SLACK = Platform.SLACK
CONNECTING, OK, DOWN = AdapterState.CONNECTING, AdapterState.OK, AdapterState.DOWN


@pytest.fixture
async def slack_api() -> AsyncIterator[SocketModeSlackApi]:
    """The fake Web API with apps.connections.open, its Socket Mode server, and three users."""
    fake = await SocketModeSlackApi().start()
    fake.add_user(ADMIN, "Ada Admin", "Europe/Paris")
    fake.add_user("UALICE", "Alice", "America/New_York")
    fake.add_user("UBOB", "Bob", "Asia/Tokyo")
    yield fake
    await fake.stop()


@pytest.fixture
def socket_settings(database_url: str, slack_api: SocketModeSlackApi) -> Settings:
    """Settings for Socket Mode: bot and app tokens, no signing secret, the fake's URL."""
    return Settings(
        _env_file=None,
        DATABASE_URL=database_url,
        PAUSEBOT_ADMINS=[f"slack:{ADMIN}"],
        SLACK_BOT_TOKEN="xoxb-pausebot-test",
        SLACK_APP_TOKEN=APP_TOKEN,
        SLACK_API_URL=slack_api.api_url,
    )


@dataclass
class SocketPausebot:
    """pausebot's Slack app on Socket Mode, its health, and /healthz on a real port."""

    socket_mode: SocketMode
    health: Health
    fake: SocketModeSlackApi
    healthz_url: str
    session: aiohttp.ClientSession

    async def healthz(self) -> dict:
        """GET /healthz."""
        async with self.session.get(self.healthz_url) as response:
            assert response.status == 200
            return await response.json()

    async def command(self, text: str, *, user: str = ADMIN, key: str = "r1") -> str:
        """Send `/project TEXT` as an envelope; its envelope id."""
        return await self.fake.socket_mode.slash_command(
            "/project", text, user=user, response_url=self.fake.response_url(key)
        )


@pytest.fixture
async def make_pausebot(
    socket_settings: Settings,
    database: Database,
    clock: FixedClock,
    journal: Journal,
    slack_api: SocketModeSlackApi,
):
    """Builds pausebot's Socket Mode link and serves /healthz; closes them after the test.

    With no argument it is started as `start_slack` starts it (`start_socket_mode`).
    """
    started: list = []

    async def make(
        *, backoff: Backoff | None = None, ping_interval: float = 10.0, token: str = APP_TOKEN
    ) -> SocketPausebot:
        runner = CommandRunner(
            database=database, settings=socket_settings, clock=clock, metrics=Metrics()
        )
        app = create_slack_app(socket_settings)
        listeners = register(app, runner, journal=journal)
        health = Health()
        if backoff is None and ping_interval == 10.0 and token == APP_TOKEN:
            socket_mode = start_socket_mode(app, token, health)
        else:
            socket_mode = SocketMode(
                app, token, health=health, backoff=backoff, ping_interval=ping_interval
            )
            socket_mode.start()
        web_app = create_web_app(database=database, metrics=Metrics(), health=health)
        web_runner = await start_web(web_app, host="127.0.0.1", port=0)
        host, port = web_runner.addresses[0][:2]
        session = aiohttp.ClientSession()
        started.append((socket_mode, listeners, web_runner, session))
        url = f"http://{host}:{port}/healthz"
        return SocketPausebot(socket_mode, health, slack_api, url, session)

    yield make
    for socket_mode, listeners, web_runner, session in started:
        await socket_mode.close()
        await listeners.drain()
        await web_runner.cleanup()
        await session.close()


async def test_a_slash_command_envelope_is_acked_with_the_reply(make_pausebot):
    """After hello, `/project status` arrives as an envelope and is acknowledged on the socket
    with its envelope_id and pausebot's reply as the payload; /healthz says ok."""
    bot = await make_pausebot()
    fake = bot.fake.socket_mode
    await fake.wait_connected()
    await bot.health.wait_for(SLACK, OK)
    envelope_id = await bot.command("status")
    ack = await fake.wait_ack(envelope_id)
    assert ack.payload is not None
    assert ack.payload["response_type"] == "ephemeral"
    assert "project" in ack.payload["text"].lower()
    assert ack.payload["blocks"]
    assert await bot.healthz() == {
        "status": "ok",
        "database": "ok",
        "adapters": {"slack": "ok"},
    }
    assert [c.token for c in bot.fake.called("apps.connections.open")] == [APP_TOKEN]


async def test_a_dropped_connection_is_reopened_and_the_next_envelope_acked(make_pausebot):
    """The fake closes the socket: pausebot asks for a new URL, reconnects, and acks the next
    envelope on the new connection; /healthz went connecting, then ok."""
    bot = await make_pausebot()
    fake = bot.fake.socket_mode
    await fake.wait_connected()
    first = await fake.wait_ack(await bot.command("status", key="r1"))
    await fake.drop()
    dropped = time.monotonic()
    await bot.health.wait_for(SLACK, CONNECTING)
    assert (await bot.healthz())["status"] == "degraded"
    await fake.wait_connected(hellos=2)
    await bot.health.wait_for(SLACK, OK)
    reconnected = time.monotonic() - dropped
    second = await fake.wait_ack(await bot.command("status", key="r2"))
    assert (first.connection, second.connection) == (1, 2)
    assert second.payload and second.payload["response_type"] == "ephemeral"
    assert len(bot.fake.called("apps.connections.open")) == 2
    assert bot.health.seen(SLACK) == [CONNECTING, OK, CONNECTING, OK]
    assert (await bot.healthz())["status"] == "ok"
    print(f"\nSocket Mode: reconnected {reconnected:.2f}s after the drop")
    assert reconnected < 5.0


async def test_a_cut_tcp_connection_is_reopened(make_pausebot):
    """The TCP connection is cut without a close frame: pausebot reconnects all the same."""
    bot = await make_pausebot(backoff=fast())
    fake = bot.fake.socket_mode
    await fake.wait_connected()
    await fake.drop(abrupt=True)
    await fake.wait_connected(hellos=2)
    await bot.health.wait_for(SLACK, OK)
    ack = await fake.wait_ack(await bot.command("status"))
    assert ack.connection == 2


async def test_disconnect_opens_a_new_connection_before_the_old_one_closes(make_pausebot):
    """On `disconnect` (refresh_requested), pausebot opens the new connection first, then
    closes the old one; an envelope still sent on the old one is acknowledged there, and
    Slack's state never leaves ok."""
    bot = await make_pausebot()
    fake = bot.fake.socket_mode
    old = await fake.wait_connected()
    await fake.disconnect()
    new = await fake.wait_connected(hellos=2)
    assert new.number == 2
    late = await bot.command("status")  # on the newest connection, which is the new one
    on_old = await fake.slash_command(
        "/project", "status", user=ADMIN, response_url=bot.fake.response_url("old"),
        connection=old,
    )  # fmt: skip
    assert (await fake.wait_ack(on_old)).connection == 1
    assert (await fake.wait_ack(late)).connection == 2
    await fake.wait_for(lambda: not old.open)
    assert [c.number for c in fake.open_connections] == [2]
    assert bot.health.seen(SLACK) == [CONNECTING, OK]


async def test_unreachable_at_start_is_retried_with_growing_capped_delays(make_pausebot):
    """While the Socket Mode server refuses connections, pausebot is `connecting` and tries
    again with a growing delay (capped); each try asks for a new URL; once the server takes
    connections it says hello and pausebot is ok."""
    bot = await make_pausebot(backoff=fast())
    fake = bot.fake.socket_mode
    fake.refusing = True
    await fake.wait_for(lambda: len(fake.refused) >= 7, timeout=10)
    assert bot.health.state(SLACK) is CONNECTING
    assert await bot.healthz() == {
        "status": "degraded",
        "database": "ok",
        "adapters": {"slack": "connecting"},
    }
    gaps = [b - a for a, b in itertools.pairwise(fake.refused)]
    fake.refusing = False
    await bot.health.wait_for(SLACK, OK, timeout=10)
    assert (await bot.healthz())["status"] == "ok"
    delays = bot.socket_mode.backoff.delays
    assert delays[:4] == sorted(delays[:4])  # growing (jitter keeps each in its own band)
    assert max(delays) <= 0.4
    assert min(gaps) >= min(delays)
    assert len(bot.fake.called("apps.connections.open")) >= 8  # a new URL for every try
    print(
        f"\nSocket Mode refused {len(fake.refused)} times; delays "
        f"{[round(d, 3) for d in delays]}; gaps between tries {[round(g, 3) for g in gaps]}"
    )


async def test_too_many_websockets_is_not_replaced_at_once(make_pausebot):
    """Connections Slack sends away at once (`too_many_websockets`) open no replacement
    while they last, and the tries after them keep growing apart (no fast loop)."""
    bot = await make_pausebot(backoff=fast())
    fake = bot.fake.socket_mode
    await fake.wait_connected()
    await bot.health.wait_for(SLACK, OK)
    fake.too_many = 4
    await fake.drop()
    await fake.wait_for(lambda: fake.hellos == 6 and bool(fake.open_connections), timeout=10)
    await bot.health.wait_for(SLACK, OK)
    opened = [c.opened_at for c in fake.connections[1:]]
    gaps = [b - a for a, b in itertools.pairwise(opened)]
    delays = bot.socket_mode.backoff.delays
    # Growing after each surplus connection (each in its own band until the 0.4 s cap).
    assert delays[:4] == sorted(delays[:4]) and delays[3] >= 0.2, delays
    assert min(gaps) >= 0.05  # each waited at least its close and a delay
    ack = await fake.wait_ack(await bot.command("status"))
    assert ack.connection == 6


async def test_a_refused_app_token_is_down_and_not_retried(make_pausebot):
    """apps.connections.open answers invalid_auth: Slack is `down`, tried once only."""
    bot = await make_pausebot(backoff=fast(), token="xapp-1-A0PAUSEBOT-1-wrong")
    await bot.health.wait_for(SLACK, DOWN)
    await asyncio.sleep(0.5)
    assert len(bot.fake.called("apps.connections.open")) == 1
    assert await bot.healthz() == {
        "status": "degraded",
        "database": "ok",
        "adapters": {"slack": "down"},
    }


async def test_unanswered_pings_drop_a_half_open_connection(make_pausebot):
    """A connection whose pings go unanswered is given up and a new one opened."""
    bot = await make_pausebot(backoff=fast(), ping_interval=0.2)
    fake = bot.fake.socket_mode
    await fake.wait_connected()
    await bot.health.wait_for(SLACK, OK)
    fake.muted = True
    await bot.health.wait_for(SLACK, CONNECTING, timeout=5)
    fake.muted = False
    await fake.wait_connected(hellos=2)
    await bot.health.wait_for(SLACK, OK)
    ack = await fake.wait_ack(await bot.command("status"))
    assert ack.connection >= 2


async def test_an_envelope_nobody_listens_to_is_acked_without_payload(make_pausebot):
    """An Events API envelope pausebot has no listener for is acknowledged (so Slack does not
    send it again), with no payload."""
    bot = await make_pausebot()
    fake = bot.fake.socket_mode
    await fake.wait_connected()
    event = {
        "token": "deprecated-verification-token",
        "team_id": "T0PAUSE",
        "api_app_id": "A0PAUSEBOT",
        "event": {"type": "reaction_added", "user": "UALICE"},
        "type": "event_callback",
        "event_id": "Ev0001",
        "event_time": int(time.time()),
    }
    envelope_id = await fake.send("events_api", event, accepts_response_payload=False)
    ack = await fake.wait_ack(envelope_id)
    assert ack.payload is None


async def test_close_while_retrying_returns_at_once(make_pausebot):
    """Shutting down while pausebot waits to try again does not wait out the backoff."""
    bot = await make_pausebot(backoff=Backoff(first=20.0))
    fake = bot.fake.socket_mode
    fake.refusing = True
    await fake.wait_for(lambda: len(fake.refused) >= 1)
    started = time.monotonic()
    await bot.socket_mode.close()
    assert time.monotonic() - started < 1.0


# `pausebot run` in Socket Mode, as a child process.


async def poll_healthz(session: aiohttp.ClientSession, url: str, process, seen: list) -> None:
    """Record /healthz's Slack state every 20 ms (a state only when it changes)."""
    while process.returncode is None:
        try:
            async with session.get(url) as response:
                body = await response.json()
                state = (body["status"], body["adapters"].get("slack"))
                if not seen or seen[-1][1:] != state:
                    seen.append((time.monotonic(), *state))
        except (aiohttp.ClientError, ValueError):
            pass
        await asyncio.sleep(0.02)


async def test_run_in_socket_mode_reconnects_and_acks(
    slack_api: SocketModeSlackApi, database_url: str, tmp_path: Path
):
    """`pausebot run` with SLACK_BOT_TOKEN, SLACK_APP_TOKEN and SLACK_API_URL at the fakes:
    /healthz serves while Slack's server refuses (connecting), then pausebot connects (ok) and
    acks `/project add` and `/project status` with its replies; the fake drops the socket and
    refuses for a moment (connecting), and pausebot reconnects (ok) and acks the next envelope;
    a `disconnect` is followed by a new connection with no gap; a cut TCP connection is
    reopened; SIGTERM stops it with exit code 0."""
    fake = slack_api.socket_mode
    fake.refusing = True
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PAUSEBOT_", "SLACK_"))}
    env |= {
        "DATABASE_URL": database_url,
        "PAUSEBOT_ADMINS": f"slack:{ADMIN}",
        "SLACK_BOT_TOKEN": "xoxb-pausebot-test",
        "SLACK_APP_TOKEN": APP_TOKEN,
        "SLACK_API_URL": slack_api.api_url,
        "HTTP_HOST": "127.0.0.1",
        "HTTP_PORT": str(port),
    }
    log = tmp_path / "pausebot.log"
    with log.open("ab") as out:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", cwd=tmp_path, env=env,
            stdin=asyncio.subprocess.DEVNULL, stdout=out, stderr=out,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}/healthz"
    seen: list[tuple[float, str, str]] = []
    session = aiohttp.ClientSession()
    poller = asyncio.create_task(poll_healthz(session, url, process, seen))
    try:
        # Serving while Slack is unreachable: nothing waits on the connection.
        deadline = time.monotonic() + 90
        while not seen and time.monotonic() < deadline:
            assert process.returncode is None, log.read_text()
            await asyncio.sleep(0.05)
        assert seen and seen[0][1:] == ("degraded", "connecting"), (seen, log.read_text())
        await fake.wait_for(lambda: len(fake.refused) >= 2, timeout=10)
        fake.refusing = False
        await fake.wait_connected(timeout=60)
        added = await fake.wait_ack(
            await fake.slash_command(
                "/project", 'add ACME "Acme AI" "Labels"', user=ADMIN,
                response_url=slack_api.response_url("add"),
            )
        )  # fmt: skip
        status = await fake.wait_ack(
            await fake.slash_command(
                "/project", "status ACME", user=ADMIN, response_url=slack_api.response_url("s1")
            )
        )
        # Dropped, and refused for a moment: /healthz says connecting until it is back.
        fake.refusing = True
        refused = len(fake.refused)
        await fake.drop()
        await fake.wait_for(lambda: len(fake.refused) > refused, timeout=60)
        async with session.get(url) as response:
            while_refused = (response.status, await response.json())
        fake.refusing = False
        await fake.wait_connected(hellos=2, timeout=60)
        after = await fake.wait_ack(
            await fake.slash_command(
                "/project", "list", user=ADMIN, response_url=slack_api.response_url("l1")
            )
        )
        # Slack refreshes the connection: the new one is open before the old one closes.
        await fake.disconnect()
        await fake.wait_connected(hellos=3, timeout=60)
        await fake.wait_for(lambda: len(fake.open_connections) == 1)
        refreshed = await fake.wait_ack(
            await fake.slash_command(
                "/project", "list", user=ADMIN, response_url=slack_api.response_url("l2")
            )
        )
        # Dropped again, Slack reachable: back after the backoff's delay.
        await fake.drop(abrupt=True)
        dropped = time.monotonic()
        await fake.wait_connected(hellos=4, timeout=60)
        reconnected = time.monotonic() - dropped
        last = await fake.wait_ack(
            await fake.slash_command(
                "/project", "list", user=ADMIN, response_url=slack_api.response_url("l3")
            )
        )
        await asyncio.sleep(0.2)
    finally:
        running_log = log.read_text()  # what it logged while running (before the stop)
        process.send_signal(signal.SIGTERM)
        code = await process.wait()
        await poller
        await session.close()
    states = [state for _, _, state in seen]
    print(
        f"\npausebot run, Socket Mode: /healthz states {[s[1:] for s in seen]}; "
        f"reconnected {reconnected:.2f}s after the drop; "
        f"{fake.hellos} connections, {len(fake.refused)} refused; "
        f"timeline from the cut: {[(round(t - dropped, 2), s) for t, _, s in seen]}"
    )
    assert code == 0, log.read_text()
    assert added.connection == status.connection == 1
    assert added.payload and added.payload["response_type"] == "in_channel"
    assert status.payload and "ACME" in status.payload["text"] + str(status.payload["blocks"])
    assert after.connection == 2 and "ACME" in str(after.payload)
    assert refreshed.connection == 3 and "ACME" in str(refreshed.payload)
    assert last.connection == 4 and "ACME" in str(last.payload)
    assert while_refused == (
        200,
        {"status": "degraded", "database": "ok", "adapters": {"slack": "connecting"}},
    )
    assert states[:2] == ["connecting", "ok"]
    assert "connecting" in states[2:], seen  # the drop was seen
    assert states[-1] == "ok"
    assert reconnected < 10.0
    assert "Traceback" not in running_log, running_log
