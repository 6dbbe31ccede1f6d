"""The aiohttp application: /healthz, /metrics, and the routes adapters add (/slack/events)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from bot.db.session import Database
from bot.health import Health
from bot.metrics import Metrics

log = logging.getLogger(__name__)

# /healthz answers within this even when the database hangs (it is then reported down).
PING_TIMEOUT = 5.0


async def health_report(database: Database, health: Health) -> tuple[dict[str, Any], int]:
    """/healthz's body and status, as SPEC words them.

    `down` (503) only when the database does not answer; `degraded` (200) when it does but a
    configured adapter is not `ok`; else `ok`. `adapters` lists the configured adapters only.
    """
    try:
        reachable = await asyncio.wait_for(database.ping(), PING_TIMEOUT)
    except TimeoutError:
        log.warning("database ping took over %.0f s", PING_TIMEOUT)
        reachable = False
    adapters = {adapter.value: state.value for adapter, state in health.states().items()}
    if not reachable:
        status, code = "down", 503
    elif health.all_ok:
        status, code = "ok", 200
    else:
        status, code = "degraded", 200
    body = {"status": status, "database": "ok" if reachable else "down", "adapters": adapters}
    return body, code


def create_web_app(
    *, database: Database, metrics: Metrics, health: Health | None = None
) -> web.Application:
    """The HTTP application with health and metrics endpoints."""
    health = health if health is not None else Health()

    async def healthz(_request: web.Request) -> web.Response:
        """The database's and each configured adapter's state; 503 only without a database."""
        body, code = await health_report(database, health)
        return web.json_response(body, status=code)

    async def metrics_endpoint(_request: web.Request) -> web.Response:
        """Prometheus metrics."""
        return web.Response(body=metrics.render(), headers={"Content-Type": CONTENT_TYPE_LATEST})

    app = web.Application()
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics_endpoint)
    return app


async def start_web(
    app: web.Application, *, host: str, port: int, reuse_port: bool = False
) -> web.AppRunner:
    """Serve the application; returns the runner to clean up.

    `reuse_port` binds with SO_REUSEPORT, so the workers of `pausebot run --workers` listen on
    one port and the kernel spreads connections among them.
    """
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port, reuse_port=reuse_port)
    await site.start()
    log.info("HTTP server on http://%s:%s", host, port)
    return runner
