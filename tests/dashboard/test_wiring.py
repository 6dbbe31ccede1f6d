"""The dashboard added to the application `pausebot run` serves, beside /healthz."""

from __future__ import annotations

from aiohttp.test_utils import TestClient, TestServer

from bot.dashboard import add_dashboard
from bot.metrics import Metrics
from bot.web import create_web_app
from tests.dashboard.conftest import free_port, signed_in


async def test_the_dashboard_lives_beside_healthz(world, database, web_settings, clock):
    """`add_dashboard` on the app of bot.web: /healthz still answers, the dashboard too."""
    app = create_web_app(database=database, metrics=Metrics())
    add_dashboard(app, database=database, settings=web_settings, clock=clock)
    async with TestClient(TestServer(app, port=free_port())) as client:
        assert (await client.get("/healthz")).status == 200
        assert (await client.get("/dashboard")).status == 401
        await signed_in(client, world.say)
        assert (await client.get("/dashboard")).status == 200
        assert (await client.get("/dashboard/static/dashboard.css")).status == 200
