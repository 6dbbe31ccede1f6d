"""Slack acknowledgement path: signed `/hours log` requests end to end against a no-op listener.

Each configuration is the real AsyncApp behind pausebot's aiohttp server, driven over HTTP by
signed slash-command requests at concurrency 1, 16 and 64; Web API calls go to a local fake.
A pausebot request counts once it is verified, acknowledged with the logged entry, and the
entry is committed (every run checks the replies and the number of entries in the database).

    .venv/bin/python -m bench.slack_ack [--requests N] [--engine sqlite|postgresql|both]

Prints requests per second, p50 and p99 for the no-op listener and for pausebot's `/hours log`,
each under Bolt's default listener runner and under process_before_response=True, then the
ratios to the targets: p99 <= 50 ms at concurrency 64, throughput >= 0.5x the no-op
process_before_response floor and >= 1x Bolt's default no-op listener.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import func, select

from bench.common import drop_database, engines, fresh_database, parser
from bot.adapters.slack.app import add_events_route, create_slack_app, register
from bot.commands.runner import CommandRunner
from bot.config import Settings
from bot.core.clock import SystemClock
from bot.core.people import Caller
from bot.db.models import HoursEntry
from bot.db.session import Database
from bot.metrics import Metrics
from bot.web import create_web_app, start_web
from tests.fakes.slack_api import FakeSlackApi

SECRET = "pausebot-bench-secret"
ADMIN = "UADMIN"
USERS = [f"UBENCH{index:03d}" for index in range(64)]
CONCURRENCY = (1, 16, 64)
TEXT = "log BENCH 1m 2020-01-01"
REPLY = "Logged 1m on BENCH for 2020-01-01"
REPEATED = "already recorded"
TRIGGERS = itertools.count()  # trigger ids are request keys: unique across the whole run
PBR = "process_before_response"
DEFAULT = "Bolt default"
TARGET_P99_MS = 50


@dataclass
class Figures:
    """One run's throughput and latency."""

    label: str
    concurrency: int
    per_second: float
    p50_ms: float
    p99_ms: float


def form(user: str, trigger: str, response_url: str) -> str:
    """A `/hours log` slash-command body with the fields of Slack's documented payload."""
    return urlencode(
        {
            "token": "x",
            "team_id": "T0BENCH",
            "team_domain": "bench",
            "channel_id": "C0BENCH",
            "channel_name": "bench",
            "user_id": user,
            "user_name": user.lower(),
            "command": "/hours",
            "text": TEXT,
            "api_app_id": "A0BENCH",
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": trigger,
        }
    )


async def drive(
    url: str, bodies: list[str], concurrency: int, expect: str | None
) -> tuple[float, list[float]]:
    """POST signed bodies with `concurrency` workers; returns wall time and latencies.

    With `expect`, every acknowledgement must contain that text (the command's reply).
    """
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
                answer = await response.text()
                if response.status != 200:
                    raise RuntimeError(f"status {response.status}")
            latencies.append(time.perf_counter() - started)
            if expect is not None and (expect not in answer or REPEATED in answer):
                raise RuntimeError(f"unexpected acknowledgement {answer[:200]!r}")

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


async def entries(database: Database) -> int:
    """How many hour entries are committed."""
    async with database.transaction() as db:
        return await db.scalar(select(func.count()).select_from(HoursEntry))


async def measure(
    label: str, app: AsyncApp, database: Database, requests: int, response_url: str, listeners
) -> list[Figures]:
    """Run one configuration at every concurrency, checking every pausebot entry is committed."""
    url, web_runner = await serve(app, database)
    expect = None if listeners is None else REPLY
    results = []
    try:
        warm = [form(u, f"w{next(TRIGGERS)}", response_url) for u in USERS]
        await drive(url, warm, 16, expect)
        for concurrency in CONCURRENCY:
            bodies = [
                form(USERS[i % len(USERS)], f"t{next(TRIGGERS)}", response_url)
                for i in range(requests)
            ]
            before = await entries(database)
            wall, latencies = await drive(url, bodies, concurrency, expect)
            results.append(figures(label, concurrency, wall, latencies))
            if listeners is not None:
                await listeners.drain()
                added = await entries(database) - before
                if added != requests:
                    raise RuntimeError(f"{label}: {added} entries committed for {requests}")
    finally:
        await web_runner.cleanup()
    return results


def noop_app(settings: Settings, *, process_before_response: bool) -> AsyncApp:
    """An AsyncApp whose /hours listener only acknowledges."""
    app = create_slack_app(settings, process_before_response=process_before_response)

    async def noop(ack: AsyncAck) -> None:
        """Acknowledge and do nothing else."""
        await ack()

    app.command("/hours")(noop)
    return app


def mode_name(before: bool) -> str:
    """How Bolt runs listeners."""
    return PBR if before else DEFAULT


async def run_engine(url: str, requests: int, fake: FakeSlackApi) -> list[Figures]:
    """Every configuration on one database."""
    database = Database(url)
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
    results = []
    try:
        for before in (False, True):
            app = noop_app(settings, process_before_response=before)
            label = f"no-op, {mode_name(before)}"
            results += await measure(label, app, database, requests, response_url, None)
            app = create_slack_app(settings, process_before_response=before)
            listeners = register(app, runner)
            label = f"pausebot, {mode_name(before)}"
            results += await measure(label, app, database, requests, response_url, listeners)
    finally:
        await database.dispose()
    return results


def report(engine: str, results: list[Figures]) -> None:
    """Print the figures and pausebot's ratios to the floors and targets."""
    print(f"\n== {engine}: /hours log over HTTP")
    print(f"{'configuration':36} {'conc':>4} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}")
    for item in results:
        print(
            f"{item.label:36} {item.concurrency:>4} {item.per_second:>8.0f} "
            f"{item.p50_ms:>8.2f} {item.p99_ms:>8.2f}"
        )
    by_key = {(item.label, item.concurrency): item for item in results}
    print(
        "\nratios (targets at c=64: p99 <= 50 ms; req/s >= 0.5x no-op "
        "process_before_response, >= 1x no-op Bolt default)"
    )
    for mode in (PBR, DEFAULT):
        for concurrency in CONCURRENCY:
            ours = by_key[(f"pausebot, {mode}", concurrency)]
            floor = by_key[(f"no-op, {PBR}", concurrency)].per_second
            default = by_key[(f"no-op, {DEFAULT}", concurrency)].per_second
            print(
                f"  pausebot, {mode:24} c={concurrency:<3} "
                f"req/s {ours.per_second / floor:5.2f}x no-op {PBR}, "
                f"{ours.per_second / default:5.2f}x no-op {DEFAULT}; "
                f"p99 {ours.p99_ms:7.1f} ms"
            )
    ours = by_key[(f"pausebot, {PBR}", 64)]
    print(
        f"  Little's law: p99 <= {TARGET_P99_MS} ms at c=64 needs a mean under it, so at least "
        f"{64 / (TARGET_P99_MS / 1000):.0f} committed req/s; measured {ours.per_second:.0f} "
        f"(mean latency {64 / ours.per_second * 1000:.0f} ms)"
    )


async def main() -> None:
    """Run the benchmark on the chosen engines."""
    args = parser(__doc__.splitlines()[0])
    args.add_argument("--requests", type=int, default=1000, help="requests per run")
    options = args.parse_args()
    logging.basicConfig(level=logging.WARNING)
    fake = await FakeSlackApi().start()
    for user in [ADMIN, *USERS]:
        fake.add_user(user, user.title())
    try:
        with tempfile.TemporaryDirectory() as folder:
            for engine in engines(options.engine):
                url = await fresh_database(engine, Path(folder), options.postgres_url)
                try:
                    report(engine, await run_engine(url, options.requests, fake))
                finally:
                    await drop_database(url, options.postgres_url)
    finally:
        await fake.stop()


if __name__ == "__main__":
    asyncio.run(main())
