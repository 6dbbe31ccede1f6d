"""The HTTP endpoints every process serves: /healthz and /metrics."""

from aiohttp.test_utils import TestClient, TestServer

from bot.commands.runner import CommandRunner
from bot.core.people import Caller
from bot.db.session import Database
from bot.metrics import Metrics
from bot.web import create_web_app


async def serve(database: Database, metrics: Metrics) -> TestClient:
    """A client for the web app on a real local port."""
    client = TestClient(TestServer(create_web_app(database=database, metrics=metrics)))
    await client.start_server()
    return client


async def test_healthz_is_ok_with_a_reachable_database(database):
    """/healthz answers 200 when the database answers."""
    client = await serve(database, Metrics())
    try:
        response = await client.get("/healthz")
        assert response.status == 200
        assert (await response.json()) == {"status": "ok"}
    finally:
        await client.close()


async def test_healthz_is_503_without_a_database(tmp_path):
    """/healthz answers 503 when the database cannot be reached."""
    unreachable = Database(f"sqlite:///{tmp_path / 'missing' / 'nowhere.db'}")
    client = await serve(unreachable, Metrics())
    try:
        assert (await client.get("/healthz")).status == 503
    finally:
        await client.close()
        await unreachable.dispose()


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
