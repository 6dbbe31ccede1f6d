"""Slack acknowledgement latency: pausebot's listeners against a no-op AsyncApp listener.

Each configuration is the real AsyncApp behind pausebot's aiohttp server, driven by signed
slash-command requests at concurrency 1, 16 and 64; Web API calls go to a local fake.

    .venv/bin/python -m bench.slack_ack [--requests N] [--postgres-url URL]

Prints requests per second, p50 and p99 acknowledgement latency for: a no-op listener and
pausebot's listeners (a read, `/project status`, and a write, `/hours log`), each under Bolt's
default listener runner and under process_before_response=True; then the overheads.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import logging
import statistics
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
import asyncpg
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import make_url

from bot.adapters.slack.app import add_events_route, create_slack_app, register
from bot.commands.runner import CommandRunner
from bot.config import Settings
from bot.core.clock import SystemClock
from bot.core.people import Caller
from bot.db.session import Database
from bot.metrics import Metrics
from bot.web import create_web_app, start_web
from tests.fakes.slack_api import FakeSlackApi

SECRET = "pausebot-bench-secret"
ADMIN = "UADMIN"
USERS = [f"UBENCH{index:03d}" for index in range(64)]
CONCURRENCY = (1, 16, 64)


@dataclass
class Figures:
    """One run's throughput and latency."""

    label: str
    concurrency: int
    per_second: float
    p50_ms: float
    p99_ms: float


def form(command: str, text: str, user: str, trigger: str, response_url: str) -> str:
    """A slash-command body with the fields of Slack's documented payload."""
    return urlencode(
        {
            "token": "x",
            "team_id": "T0BENCH",
            "team_domain": "bench",
            "channel_id": "C0BENCH",
            "channel_name": "bench",
            "user_id": user,
            "user_name": user.lower(),
            "command": command,
            "text": text,
            "api_app_id": "A0BENCH",
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": trigger,
        }
    )


async def drive(url: str, bodies: list[str], concurrency: int) -> tuple[float, list[float]]:
    """POST signed bodies with `concurrency` workers; returns wall time and latencies."""
    verifier = SignatureVerifier(SECRET)
    queue = iter(bodies)
    latencies: list[float] = []

    async def worker(session: aiohttp.ClientSession) -> None:
        """Send bodies until none are left."""
        for body in queue:
            stamp = str(int(time.time()))
            headers = {
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Slack-Request-Timestamp": stamp,
                "X-Slack-Signature": verifier.generate_signature(timestamp=stamp, body=body),
            }
            started = time.perf_counter()
            async with session.post(url, data=body.encode(), headers=headers) as response:
                await response.read()
                if response.status != 200:
                    raise RuntimeError(f"status {response.status}")
            latencies.append(time.perf_counter() - started)

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        started = time.perf_counter()
        await asyncio.gather(*(worker(session) for _ in range(concurrency)))
        return time.perf_counter() - started, latencies


def figures(label: str, concurrency: int, wall: float, latencies: list[float]) -> Figures:
    """Throughput, p50 and p99 of one run."""
    cuts = statistics.quantiles(latencies, n=100)
    return Figures(label, concurrency, len(latencies) / wall, cuts[49] * 1000, cuts[98] * 1000)


async def serve(app: AsyncApp, database: Database) -> tuple[str, aiohttp.web.AppRunner]:
    """pausebot's HTTP server with the app on /slack/events, on a free port."""
    web_app = create_web_app(database=database, metrics=Metrics())
    add_events_route(web_app, app)
    runner = await start_web(web_app, host="127.0.0.1", port=0)
    host, port = runner.addresses[0][:2]
    return f"http://{host}:{port}/slack/events", runner


async def prepare(runner: CommandRunner) -> None:
    """A project with every bench user assigned."""
    admin = Caller(platform="slack", external_id=ADMIN, display_name="Admin")
    await runner.run(admin, "project", "add", ["BENCH", "Bench Co", "Bench project"])
    mentions = [f"<@{user}>" for user in USERS]
    await runner.run(admin, "project", "assign", ["BENCH", *mentions])


async def measure(
    label: str,
    app: AsyncApp,
    database: Database,
    command: str,
    text: str,
    requests: int,
    response_url: str,
    listeners=None,
) -> list[Figures]:
    """Run one configuration at every concurrency."""
    url, web_runner = await serve(app, database)
    triggers = itertools.count()
    results = []
    try:
        warm = [form(command, text, u, f"w{next(triggers)}", response_url) for u in USERS]
        await drive(url, warm, 16)
        for concurrency in CONCURRENCY:
            bodies = [
                form(command, text, USERS[i % len(USERS)], f"t{next(triggers)}", response_url)
                for i in range(requests)
            ]
            wall, latencies = await drive(url, bodies, concurrency)
            results.append(figures(label, concurrency, wall, latencies))
            if listeners is not None:
                await listeners.drain()
    finally:
        await web_runner.cleanup()
    return results


async def command_layer_alone(runner: CommandRunner, requests: int) -> Figures:
    """`/project status` called straight on the command layer, one at a time: the floor."""
    latencies = []
    started = time.perf_counter()
    for index in range(requests):
        caller = Caller(platform="slack", external_id=USERS[index % len(USERS)])
        begun = time.perf_counter()
        await runner.run_slash(caller, "project", "status")
        latencies.append(time.perf_counter() - begun)
    return figures("command layer alone (read)", 1, time.perf_counter() - started, latencies)


def noop_app(settings: Settings, *, process_before_response: bool) -> AsyncApp:
    """An AsyncApp whose /hours listener only acknowledges."""
    app = create_slack_app(settings, process_before_response=process_before_response)

    async def noop(ack: AsyncAck) -> None:
        """Acknowledge and do nothing else."""
        await ack()

    app.command("/hours")(noop)
    return app


async def run_engine(url: str, requests: int, fake: FakeSlackApi) -> list[Figures]:
    """Every configuration on one database."""
    database = Database(url)
    await database.upgrade()
    settings = Settings(
        _env_file=None,
        DATABASE_URL=url,
        PAUSEBOT_ADMINS=[f"slack:{ADMIN}"],
        SLACK_BOT_TOKEN="xoxb-bench",
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=fake.api_url,
        HOURS_BACKDATE_DAYS=3650,
    )
    runner = CommandRunner(database=database, settings=settings, clock=SystemClock())
    await prepare(runner)
    response_url = fake.response_url("bench")
    results = [await command_layer_alone(runner, requests)]
    try:
        for before in (False, True):
            mode = "process_before_response" if before else "Bolt default"
            app = noop_app(settings, process_before_response=before)
            results += await measure(
                f"no-op, {mode}", app, database, "/hours", "week", requests, response_url
            )
            for command, text, what in (
                ("/project", "status", "read"),
                ("/hours", "log BENCH 1m 2020-01-01", "write"),
            ):
                app = create_slack_app(settings, process_before_response=before)
                listeners = register(app, runner)
                results += await measure(
                    f"pausebot {what}, {mode}",
                    app,
                    database,
                    command,
                    text,
                    requests,
                    response_url,
                    listeners,
                )
    finally:
        await database.dispose()
    return results


def report(engine: str, results: list[Figures]) -> None:
    """Print the figures and the overhead of pausebot's listeners over the no-op one."""
    print(f"\n== {engine}")
    print(f"{'configuration':44} {'conc':>4} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}")
    for item in results:
        print(
            f"{item.label:44} {item.concurrency:>4} {item.per_second:>8.0f} "
            f"{item.p50_ms:>8.2f} {item.p99_ms:>8.2f}"
        )
    by_key = {(item.label, item.concurrency): item for item in results}
    print("\noverhead of pausebot's listeners over the no-op listener (same Bolt mode)")
    for mode in ("process_before_response", "Bolt default"):
        for what in ("read", "write"):
            for concurrency in CONCURRENCY:
                ours = by_key[(f"pausebot {what}, {mode}", concurrency)]
                base = by_key[(f"no-op, {mode}", concurrency)]
                extra = ours.p50_ms - base.p50_ms
                print(
                    f"  {what:5} {mode:24} c={concurrency:<3} p50 +{extra:6.2f} "
                    f"ms ({ours.p50_ms / base.p50_ms:4.1f}x)  req/s {ours.per_second:6.0f} vs "
                    f"{base.per_second:6.0f} ({ours.per_second / base.per_second:4.2f}x)"
                )
    alone = by_key[("command layer alone (read)", 1)]
    ours = by_key[("pausebot read, process_before_response", 1)]
    base = by_key[("no-op, process_before_response", 1)]
    print(
        f"\nc=1 read, process_before_response: {ours.p50_ms:.2f} ms = no-op {base.p50_ms:.2f} "
        f"+ command layer {alone.p50_ms:.2f} + adapter "
        f"{ours.p50_ms - base.p50_ms - alone.p50_ms:.2f} ms (p50)"
    )
    print("\nno-op listener: Bolt default against process_before_response")
    for concurrency in CONCURRENCY:
        slow = by_key[("no-op, Bolt default", concurrency)]
        fast = by_key[("no-op, process_before_response", concurrency)]
        print(
            f"  c={concurrency:<3} p50 {slow.p50_ms:6.2f} vs {fast.p50_ms:6.2f} ms, "
            f"req/s {slow.per_second:6.0f} vs {fast.per_second:6.0f}"
        )


async def on_postgres_server(server_url: str, sql: str) -> None:
    """Run one statement on a PostgreSQL server's maintenance database."""
    url = make_url(server_url)
    conn = await asyncpg.connect(
        host=url.host,
        port=url.port or 5432,
        user=url.username,
        password=url.password,
        database=url.database or "postgres",
    )
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def main() -> None:
    """Run the benchmark on SQLite, and on PostgreSQL when a URL is given."""
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--requests", type=int, default=1000, help="requests per run")
    args.add_argument(
        "--postgres-url", default=None, help="also run on a scratch database on this server"
    )
    options = args.parse_args()
    logging.basicConfig(level=logging.WARNING)
    fake = await FakeSlackApi().start()
    for user in [ADMIN, *USERS]:
        fake.add_user(user, user.title())
    try:
        with tempfile.TemporaryDirectory() as folder:
            sqlite = f"sqlite:///{Path(folder) / 'bench.db'}"
            report("sqlite", await run_engine(sqlite, options.requests, fake))
        if options.postgres_url:
            name = f"pausebot_bench_{uuid.uuid4().hex[:10]}"
            await on_postgres_server(options.postgres_url, f'CREATE DATABASE "{name}"')
            url = make_url(options.postgres_url).set(database=name)
            try:
                results = await run_engine(url.render_as_string(False), options.requests, fake)
                report("postgresql", results)
            finally:
                sql = f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
                await on_postgres_server(options.postgres_url, sql)
    finally:
        await fake.stop()


if __name__ == "__main__":
    asyncio.run(main())
