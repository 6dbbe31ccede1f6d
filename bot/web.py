"""The aiohttp application: /healthz, /metrics, and the routes adapters add (/slack/events)."""

from __future__ import annotations

import logging

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from bot.db.session import Database
from bot.metrics import Metrics

log = logging.getLogger(__name__)


def create_web_app(*, database: Database, metrics: Metrics) -> web.Application:
    """The HTTP application with health and metrics endpoints."""

    async def healthz(_request: web.Request) -> web.Response:
        """200 when the database answers, 503 otherwise."""
        if await database.ping():
            return web.json_response({"status": "ok"})
        return web.json_response({"status": "database unreachable"}, status=503)

    async def metrics_endpoint(_request: web.Request) -> web.Response:
        """Prometheus metrics."""
        return web.Response(body=metrics.render(), headers={"Content-Type": CONTENT_TYPE_LATEST})

    app = web.Application()
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics_endpoint)
    return app


async def start_web(app: web.Application, *, host: str, port: int) -> web.AppRunner:
    """Serve the application; returns the runner to clean up."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    log.info("HTTP server on http://%s:%s", host, port)
    return runner
