"""The HTTP endpoints every process serves: /healthz and /metrics."""

import asyncio
import time

from aiohttp.test_utils import TestClient, TestServer

from bot import web
from bot.commands.runner import CommandRunner
from bot.core.people import Caller
from bot.core.words import Platform
from bot.db.session import Database
from bot.health import AdapterState, Health
from bot.metrics import Metrics
from bot.web import create_web_app


async def serve(database: Database, metrics: Metrics, health: Health | None = None) -> TestClient:
    """A client for the web app on a real local port."""
    app = create_web_app(database=database, metrics=metrics, health=health)
    client = TestClient(TestServer(app))
    await client.start_server()
    return client


async def get_health(client: TestClient) -> tuple[int, dict]:
    """GET /healthz: the status and the JSON body."""
    response = await client.get("/healthz")
    return response.status, await response.json()


def adapters(**states: str) -> Health:
    """A registry with these adapters in these states."""
    health = Health()
    for name, state in states.items():
        health.set(Platform(name), AdapterState(state))
    return health


async def test_healthz_is_ok_with_a_reachable_database(database):
    """/healthz answers 200 when the database answers (no adapter configured: none listed)."""
    client = await serve(database, Metrics())
    try:
        assert await get_health(client) == (
            200,
            {"status": "ok", "database": "ok", "adapters": {}},
        )
    finally:
        await client.close()


async def test_healthz_is_503_without_a_database(tmp_path):
    """/healthz answers 503, `down`, when the database cannot be reached."""
    unreachable = Database(f"sqlite:///{tmp_path / 'missing' / 'nowhere.db'}")
    client = await serve(unreachable, Metrics())
    try:
        assert await get_health(client) == (
            503,
            {"status": "down", "database": "down", "adapters": {}},
        )
    finally:
        await client.close()
        await unreachable.dispose()


async def test_healthz_lists_each_configured_adapter_and_is_ok_when_all_are(database):
    """Every configured adapter `ok`: status ok, 200, each one listed by its platform."""
    client = await serve(database, Metrics(), adapters(slack="ok", discord="ok"))
    try:
        assert await get_health(client) == (
            200,
            {"status": "ok", "database": "ok", "adapters": {"slack": "ok", "discord": "ok"}},
        )
    finally:
        await client.close()


async def test_healthz_is_degraded_with_200_when_an_adapter_is_not_ok(database):
    """An adapter `connecting` or `down` makes the status `degraded`, still HTTP 200."""
    for other in (AdapterState.CONNECTING, AdapterState.DOWN):
        client = await serve(database, Metrics(), adapters(slack="ok", discord=other))
        try:
            assert await get_health(client) == (
                200,
                {
                    "status": "degraded",
                    "database": "ok",
                    "adapters": {"slack": "ok", "discord": other.value},
                },
            )
        finally:
            await client.close()


async def test_healthz_follows_an_adapter_as_its_state_changes(database):
    """The same /healthz reads the registry afresh: degraded while connecting, then ok."""
    health = Health()
    health.expect(Platform.DISCORD)
    client = await serve(database, Metrics(), health)
    try:
        assert (await get_health(client))[1]["status"] == "degraded"
        health.set(Platform.DISCORD, AdapterState.OK)
        assert (await get_health(client))[1]["status"] == "ok"
        health.set(Platform.DISCORD, AdapterState.CONNECTING)
        assert (await get_health(client))[1]["adapters"] == {"discord": "connecting"}
    finally:
        await client.close()


async def test_healthz_is_down_without_a_database_whatever_the_adapters(tmp_path):
    """Without the database, `down` (503), the adapters still listed."""
    unreachable = Database(f"sqlite:///{tmp_path / 'missing' / 'nowhere.db'}")
    client = await serve(unreachable, Metrics(), adapters(slack="ok"))
    try:
        assert await get_health(client) == (
            503,
            {"status": "down", "database": "down", "adapters": {"slack": "ok"}},
        )
    finally:
        await client.close()
        await unreachable.dispose()


async def test_healthz_answers_in_time_when_the_database_hangs(database, monkeypatch):
    """A database that does not answer is `down` after PING_TIMEOUT, not a hung request."""

    async def hang() -> bool:
        await asyncio.sleep(60)
        return True

    monkeypatch.setattr(web, "PING_TIMEOUT", 0.2)
    monkeypatch.setattr(database, "ping", hang)
    client = await serve(database, Metrics())
    try:
        started = time.monotonic()
        status, body = await get_health(client)
        assert (status, body["status"], body["database"]) == (503, "down", "down")
        assert time.monotonic() - started < 2
    finally:
        await client.close()


async def test_metrics_count_commands_by_name_and_outcome(database, settings, clock):
    """Commands handled show up in /metrics by name and outcome, with their latency."""
    metrics = Metrics()
    runner = CommandRunner(database=database, settings=settings, clock=clock, metrics=metrics)
    admin = Caller("console", "admin", "admin")
    await runner.run_line(admin, '/project add ACME "Acme AI" "Labeling"')
    await runner.run_line(admin, "/hours log NOPE 1h")
    client = await serve(database, metrics)
    try:
        text = await (await client.get("/metrics")).text()
    finally:
        await client.close()
    assert 'pausebot_commands_total{command="project add",outcome="ok"} 1.0' in text
    assert 'pausebot_commands_total{command="hours log",outcome="not_found"} 1.0' in text
    assert 'pausebot_command_seconds_count{command="project add"} 1.0' in text
    assert "pausebot_outbox_pending" in text
