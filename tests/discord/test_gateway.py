"""The whole bot against the fake gateway and REST API, through DISCORD_*_URL settings."""

from __future__ import annotations

import asyncio
import itertools
import os
import signal
import sys
import time
from pathlib import Path

import aiohttp
import discord
import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from bot.adapters.discord.bot import PausebotBot
from bot.adapters.discord.groups import pausebot_intents
from bot.backoff import Backoff
from bot.core.words import Platform
from bot.db.models import HoursEntry
from bot.health import AdapterState, Health
from bot.metrics import Metrics
from bot.web import create_web_app
from tests.discord.conftest import ADMIN, ALICE, TOKEN
from tests.discord.driver import GUILD_ID, Driver
from tests.fakes.discord_api import FakeDiscord
from tests.slack.test_run import free_port
from tests.test_health import fast

DISCORD = Platform.DISCORD
CONNECTING, OK, DOWN = AdapterState.CONNECTING, AdapterState.OK, AdapterState.DOWN


async def test_bot_connects_syncs_guilds_and_answers_an_interaction(
    discord_api, discord_runner, discord_settings, database, monkeypatch
):
    """HELLO, IDENTIFY, READY, then an INTERACTION_CREATE is answered and its hours stored."""
    # Start from Discord's real endpoints: the settings alone must point the bot at the fake.
    monkeypatch.setattr(discord.http.Route, "BASE", "https://discord.com/api/v10")
    bot = PausebotBot(runner=discord_runner, settings=discord_settings)
    bot.launch()
    try:
        await asyncio.wait_for(discord_api.identified.wait(), 10)
        (identify,) = discord_api.identify
        assert identify["token"] == TOKEN
        # The defaults and the Server Members intent (roles as groups need it).
        assert identify["intents"] == pausebot_intents().value
        synced = discord_api.synced[str(GUILD_ID)]
        assert sorted(command["name"] for command in synced) == ["hours", "ops", "project"]
        await asyncio.wait_for(bot.wait_until_ready(), 10)
        driver = Driver(bot, discord_api)
        for user, group, name, values in [
            (ADMIN, "project", "add", {"code": "ACME", "client": "Acme AI", "title": "Boxes"}),
            (ADMIN, "project", "assign", {"code": "ACME", "who": ALICE}),
            (ALICE, "hours", "log", {"code": "ACME", "duration": "2h", "date": "today"}),
        ]:
            payload = driver.payload(user, group, name, values)
            await discord_api.dispatch("INTERACTION_CREATE", payload)
            answered = discord_api.interaction(payload["token"])
            # Answered: at once, or deferred and then followed up (a slow command).
            await discord_api.wait_for(lambda answered=answered: answered.embeds)
        assert answered.embeds[0]["title"] == "Logged 2h on ACME for 2026-03-04"
        async with database.transaction() as db:
            entry = (await db.execute(select(HoursEntry))).scalar_one()
        assert entry.source_identity == f"discord:{ALICE.id}" and entry.minutes == 120
    finally:
        await bot.shutdown()
    assert bot.is_closed()


async def test_no_guild_ids_means_no_sync_on_start(discord_api, discord_runner, discord_settings):
    """Without DISCORD_GUILD_IDS the bot starts without publishing any command."""
    settings = discord_settings.model_copy(update={"DISCORD_GUILD_IDS": []})
    bot = PausebotBot(runner=discord_runner, settings=settings)
    bot.launch()
    try:
        await asyncio.wait_for(discord_api.identified.wait(), 10)
    finally:
        await bot.shutdown()
    assert discord_api.calls_to("PUT", "/commands") == []


# Reconnecting: the gateway (and the REST login) unreachable, dropped, or refusing the token.


async def serve_healthz(database, health: Health) -> TestClient:
    """/healthz over this health registry, on a real local port."""
    client = TestClient(
        TestServer(create_web_app(database=database, metrics=Metrics(), health=health))
    )
    await client.start_server()
    return client


async def healthz(client: TestClient) -> dict:
    """GET /healthz (always 200 here: the database is there)."""
    response = await client.get("/healthz")
    assert response.status == 200
    return await response.json()


async def test_unreachable_at_start_then_available_connects(
    discord_runner, discord_settings, database, monkeypatch
):
    """REST and gateway on a closed port: the bot keeps trying (`connecting`, /healthz
    degraded); once Discord listens there, it logs in, IDENTIFYs and is `ok`."""
    port = free_port()
    closed = FakeDiscord()
    settings = discord_settings.model_copy(
        update={
            "DISCORD_API_URL": f"http://127.0.0.1:{port}/api/v10",
            "DISCORD_GATEWAY_URL": f"ws://127.0.0.1:{port}/gateway-ws",
        }
    )
    monkeypatch.setattr(discord.http.Route, "BASE", discord.http.Route.BASE)
    health = Health()
    bot = PausebotBot(runner=discord_runner, settings=settings, health=health, backoff=fast())
    client = await serve_healthz(database, health)
    try:
        bot.launch()
        await asyncio.sleep(0.6)
        assert health.state(DISCORD) is CONNECTING
        assert await healthz(client) == {
            "status": "degraded",
            "database": "ok",
            "adapters": {"discord": "connecting"},
        }
        await closed.start(port)
        started = time.monotonic()
        await health.wait_for(DISCORD, OK, timeout=10)
        print(f"\nDiscord: ok {time.monotonic() - started:.2f}s after it became reachable")
        assert (await healthz(client))["status"] == "ok"
        assert len(closed.identify) == 1
        assert sorted(c["name"] for c in closed.synced[str(GUILD_ID)]) == [
            "hours",
            "ops",
            "project",
        ]
    finally:
        await bot.shutdown()
        await client.close()
        await closed.close()


async def test_gateway_refused_while_rest_works_is_retried(
    discord_api, discord_runner, discord_settings
):
    """The gateway answers 503 while REST works: tries spaced by the backoff, then READY."""
    discord_api.refuse_gateway = True
    health = Health()
    bot = PausebotBot(
        runner=discord_runner, settings=discord_settings, health=health, backoff=fast()
    )
    bot.launch()
    try:
        await discord_api.wait_for(lambda: len(discord_api.gateway_refusals) >= 5)
        assert health.state(DISCORD) is CONNECTING
        discord_api.refuse_gateway = False
        await health.wait_for(DISCORD, OK, timeout=10)
        refusals = discord_api.gateway_refusals
        gaps = [b - a for a, b in itertools.pairwise(refusals)]
        delays = bot.backoff.delays
        assert delays[:4] == sorted(delays[:4]) and max(delays) <= 0.4
        assert min(gaps) >= min(delays)
        print(f"\nDiscord gateway refused {len(refusals)} times; delays {delays}")
        assert len(discord_api.calls_to("GET", "/users/@me")) == 1  # logged in once
    finally:
        await bot.shutdown()


@pytest.mark.parametrize("abrupt", [False, True], ids=["closed", "cut"])
async def test_a_dropped_gateway_is_resumed_and_answers_again(
    abrupt, discord_api, discord_runner, discord_settings, database
):
    """The fake drops the gateway (a close frame, or the TCP connection cut): the bot goes
    `connecting`, RESUMEs the session, is `ok` again and answers the next interaction."""
    health = Health()
    bot = PausebotBot(
        runner=discord_runner, settings=discord_settings, health=health, backoff=fast()
    )
    bot.launch()
    client = await serve_healthz(database, health)
    try:
        await health.wait_for(DISCORD, OK, timeout=10)
        await discord_api.drop_gateway(abrupt=abrupt)
        dropped = time.monotonic()
        await health.wait_for(DISCORD, CONNECTING, timeout=5)
        await health.wait_for(DISCORD, OK, timeout=10)
        print(f"\nDiscord gateway ({abrupt=}) back {time.monotonic() - dropped:.2f}s after")
        assert (await healthz(client))["status"] == "ok"
        assert len(discord_api.identify) == 1
        assert [r["session_id"] for r in discord_api.resumes] == ["fake-session"]
        assert health.seen(DISCORD) == [CONNECTING, OK, CONNECTING, OK]
        driver = Driver(bot, discord_api)
        payload = driver.payload(
            ADMIN, "project", "add", {"code": "ACME", "client": "Acme AI", "title": "Boxes"}
        )
        await discord_api.dispatch("INTERACTION_CREATE", payload)
        answered = discord_api.interaction(payload["token"])
        await discord_api.wait_for(lambda: answered.callbacks)
        assert "ACME" in answered.text
    finally:
        await bot.shutdown()
        await client.close()


async def test_an_invalidated_session_identifies_again(
    discord_api, discord_runner, discord_settings
):
    """When Discord cannot resume the session (INVALID_SESSION), the bot IDENTIFYs afresh."""
    discord_api.resumable = False
    health = Health()
    bot = PausebotBot(
        runner=discord_runner, settings=discord_settings, health=health, backoff=fast()
    )
    bot.before_identify_hook = no_identify_wait  # discord.py waits 5 s before a re-IDENTIFY
    bot.launch()
    try:
        await health.wait_for(DISCORD, OK, timeout=10)
        await discord_api.drop_gateway()
        await discord_api.wait_for(lambda: len(discord_api.identify) == 2, timeout=10)
        await health.wait_for(DISCORD, OK, timeout=10)
        assert len(discord_api.resumes) == 1
    finally:
        await bot.shutdown()


async def no_identify_wait(shard_id, *, initial=False) -> None:
    """discord.py's before_identify_hook, without its 5 s wait."""


async def test_a_refused_token_is_down_and_not_retried(
    discord_api, discord_runner, discord_settings, database, caplog
):
    """REST answers 401 to the token: the bot is `down`, says why, and does not try again."""
    discord_api.accepted_token = "another-token"
    health = Health()
    bot = PausebotBot(
        runner=discord_runner, settings=discord_settings, health=health, backoff=fast()
    )
    client = await serve_healthz(database, health)
    bot.launch()
    try:
        await health.wait_for(DISCORD, DOWN, timeout=10)
        await asyncio.sleep(0.5)
        assert len(discord_api.calls_to("GET", "/users/@me")) == 1
        assert discord_api.identify == []
        assert await healthz(client) == {
            "status": "degraded",
            "database": "ok",
            "adapters": {"discord": "down"},
        }
        assert "Discord refused DISCORD_BOT_TOKEN" in caplog.text
        assert "without retrying" in caplog.text
    finally:
        await bot.shutdown()
        await client.close()


async def test_a_token_the_gateway_refuses_is_down(
    discord_api, discord_runner, discord_settings, monkeypatch
):
    """The gateway closes with 4004 (authentication failed): `down`, no further IDENTIFY."""
    health = Health()
    bot = PausebotBot(
        runner=discord_runner, settings=discord_settings, health=health, backoff=fast()
    )
    discord_api.accepted_token = TOKEN
    original = discord.gateway.DiscordWebSocket.identify

    async def identify_with_a_bad_token(ws) -> None:
        ws.token = "revoked-token"
        await original(ws)

    monkeypatch.setattr(discord.gateway.DiscordWebSocket, "identify", identify_with_a_bad_token)
    bot.launch()
    try:
        await health.wait_for(DISCORD, DOWN, timeout=10)
        await asyncio.sleep(0.5)
        identifies = [f for f in discord_api.gateway_frames if f["op"] == 2]
        assert len(identifies) == 1
    finally:
        await bot.shutdown()


async def test_shutdown_while_waiting_to_retry_is_immediate(discord_runner, discord_settings):
    """Stopping while the bot waits out a long backoff does not wait for it."""
    port = free_port()
    settings = discord_settings.model_copy(
        update={"DISCORD_API_URL": f"http://127.0.0.1:{port}/api/v10"}
    )
    bot = PausebotBot(runner=discord_runner, settings=settings, backoff=Backoff(first=20.0))
    bot.launch()
    await asyncio.sleep(0.3)
    started = time.monotonic()
    await bot.shutdown()
    assert time.monotonic() - started < 1.0


async def test_run_serves_at_once_and_connects_when_discord_comes(
    database_url: str, tmp_path: Path
):
    """`pausebot run` with Discord on a closed port: /healthz answers at once (degraded,
    `connecting`); when the fake Discord starts on that port, the bot connects (`ok`); the
    fake drops the gateway and the bot resumes (`connecting`, then `ok`); SIGTERM exits 0."""
    discord_port, http_port = free_port(), free_port()
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("PAUSEBOT_", "SLACK_", "DISCORD_"))
    }
    env |= {
        "DATABASE_URL": database_url,
        "DISCORD_BOT_TOKEN": TOKEN,
        "DISCORD_API_URL": f"http://127.0.0.1:{discord_port}/api/v10",
        "DISCORD_GATEWAY_URL": f"ws://127.0.0.1:{discord_port}/gateway-ws",
        "DISCORD_GUILD_IDS": str(GUILD_ID),
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
    fake = FakeDiscord()
    seen: list[tuple[float, str, str]] = []
    url = f"http://127.0.0.1:{http_port}/healthz"
    async with aiohttp.ClientSession() as session:
        poller = asyncio.create_task(poll_healthz(session, url, process, seen))
        try:
            await wait_until(lambda: seen, process, log)
            serving = seen[0][0] - launched
            await asyncio.sleep(1.5)  # a few tries fail
            await fake.start(discord_port)
            reachable = time.monotonic()
            await wait_until(lambda: seen[-1][2] == "ok", process, log, timeout=60)
            connected = seen[-1][0] - reachable
            await fake.drop_gateway()
            dropped = time.monotonic()
            await wait_until(lambda: len(fake.resumes) == 1 and seen[-1][2] == "ok", process, log)
            resumed = seen[-1][0] - dropped
        finally:
            running_log = log.read_text()  # what it logged while running (before the stop)
            process.send_signal(signal.SIGTERM)
            code = await process.wait()
            await poller
            await fake.close()
    states = [(status, state) for _, status, state in seen]
    print(
        f"\npausebot run, Discord: /healthz served {serving:.2f}s after launch; "
        f"states {states}; ok {connected:.2f}s after Discord became reachable; "
        f"resumed {resumed:.2f}s after the drop"
    )
    assert code == 0, log.read_text()
    assert states[0] == ("degraded", "connecting")
    assert ("ok", "ok") in states
    assert states[-1] == ("ok", "ok")
    assert len(fake.identify) == 1
    assert "Traceback" not in running_log, running_log


async def poll_healthz(session, url: str, process, seen: list) -> None:
    """Record /healthz's Discord state every 20 ms, when it changes."""
    while process.returncode is None:
        try:
            async with session.get(url) as response:
                body = await response.json()
                state = (body["status"], body["adapters"].get("discord"))
                if not seen or tuple(seen[-1][1:]) != state:
                    seen.append((time.monotonic(), *state))
        except (aiohttp.ClientError, ValueError):
            pass
        await asyncio.sleep(0.02)


async def wait_until(predicate, process, log: Path, timeout: float = 60.0) -> None:
    """Wait until predicate() holds while the process runs."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert process.returncode is None, log.read_text()
        assert time.monotonic() < deadline, log.read_text()[-3000:]
        await asyncio.sleep(0.05)
