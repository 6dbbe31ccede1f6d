"""Fan-out: pausing a project with 10,000 assigned contractors, then delivering every DM.

    .venv/bin/python -m bench.fanout [--contractors N] [--engine sqlite|postgresql|both]
        [--per-second R] [--burst B]

Bulk-loads N contractors with Slack identities assigned to one project, times `/project pause`
through the command layer (it writes the outbox rows in its own transaction), then runs the
real dispatcher with the real Slack sender against the fake Slack Web API in its own process,
which enforces Slack-like limits: per method and workspace, a token bucket of R calls a second
with bursts of B, answered beyond that with HTTP 429 and a Retry-After in whole seconds.
Slack's own tiers (chat.postMessage about one a second per channel with a workspace-wide cap,
conversations.open in Tier 3) would make this fan-out last hours; the bench keeps their shape
at a rate that lets a run finish in about a minute. Prints the command's latency, the delivery
time, its ratio to the least time the limits allow, duplicates and losses.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path

from sqlalchemy import func, make_url, select

from bench.common import drop_database, engines, fresh_database, parser
from bench.generate import COLUMNS, load_postgres, load_sqlite
from bot.adapters.slack.sender import slack_sender
from bot.commands.runner import CommandRunner
from bot.config import Settings
from bot.core.clock import SystemClock
from bot.core.people import Caller
from bot.core.readmodels import StateChanged
from bot.core.words import Platform
from bot.db.models import OutboxMessage
from bot.db.session import Database
from bot.notify.dispatcher import Dispatcher
from tests.fakes.slack_api import FakeSlackApi

log = logging.getLogger(__name__)

ADMIN = "UADMIN"
OPS_CHANNEL = "COPS"
LIMITED = ("conversations.open", "chat.postMessage")
TIMEOUT_SECONDS = 900


@dataclass
class Delivered:
    """What the fake Slack Web API saw."""

    calls: dict[str, int]
    refused: dict[str, int]
    keys: list[str]
    first_call: float
    last_post: float


@dataclass
class Figures:
    """One engine's run."""

    engine: str
    contractors: int
    queued: int
    command_ms: float
    delivery_s: float
    fake_s: float
    least_s: float
    duplicates: int
    lost: int
    unsent: int
    calls: dict[str, int]
    refused: dict[str, int]


def user_id(index: int) -> str:
    """The Slack user id of bench contractor `index`."""
    return f"UFAN{index:06d}"


def rows(contractors: int, start: datetime) -> dict[str, list[tuple]]:
    """One client, one active project, and every contractor with a Slack identity on it."""
    people = range(1, contractors + 1)
    tables: dict[str, list[tuple]] = {table: [] for table in COLUMNS}
    tables["clients"] = [(1, "Fan-out Co", "fan-out co")]
    tables["projects"] = [(1, "FAN", "Fan-out", 1, "active", None, None, start, start)]
    tables["contractors"] = [(c, f"Contractor {c}", None, "contractor", start) for c in people]
    tables["identities"] = [(c, "slack", user_id(c), f"Contractor {c}", c, start) for c in people]
    tables["assignments"] = [(c, 1, c, start, None) for c in people]
    tables["status_changes"] = [(1, 1, None, "active", 1, start, "created", None)]
    return tables


async def load(url: str, contractors: int) -> float:
    """Bulk-load the contractors; returns the seconds it took."""
    started = time.perf_counter()
    tables = rows(contractors, datetime.now(UTC) - timedelta(days=30))
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        load_sqlite(parsed.database, tables)
    else:
        await load_postgres(url, tables)
    return time.perf_counter() - started


def serve_fake(contractors: int, per_second: float, burst: float, pipe: Connection) -> None:
    """The fake Slack Web API with its limits, in a process of its own (entry point)."""
    asyncio.run(_serve_fake(contractors, per_second, burst, pipe))


async def _serve_fake(contractors: int, per_second: float, burst: float, pipe: Connection) -> None:
    """Serve until the parent asks for what was delivered, then answer and stop."""
    fake = FakeSlackApi()
    if per_second:
        for method in LIMITED:
            fake.limit(method, per_second=per_second, burst=burst)
    for index in range(1, contractors + 1):
        fake.add_user(user_id(index), f"Contractor {index}")
    await fake.start()
    pipe.send(fake.url)
    await asyncio.get_running_loop().run_in_executor(None, pipe.recv)
    posts = fake.called("chat.postMessage")
    refused_calls = {id(call) for call in fake.rate_limited}
    accepted = [call for call in posts if id(call) not in refused_calls]
    pipe.send(
        Delivered(
            calls=dict(Counter(call.method for call in fake.calls)),
            refused=dict(Counter(call.method for call in fake.rate_limited)),
            keys=[call.args["metadata"]["event_payload"]["dedupe_key"] for call in accepted],
            first_call=min(call.at for call in fake.calls),
            last_post=max(call.at for call in accepted),
        )
    )
    await fake.stop()


def least_seconds(needed: dict[str, int], per_second: float, burst: float) -> float:
    """The least time the limits allow for these calls: each method's bucket, the slowest."""
    if not per_second:
        return 0.0
    return max(max(0.0, (count - burst) / per_second) for count in needed.values())


async def unsent(database: Database) -> int:
    """Outbox rows not yet sent or failed."""
    async with database.transaction() as db:
        return await db.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.state.in_(("pending", "sending")))
        )


async def outbox_keys(database: Database) -> tuple[list[str], int]:
    """Every outbox row's dedupe key, and how many rows are not sent."""
    async with database.transaction() as db:
        keys = list(await db.scalars(select(OutboxMessage.dedupe_key)))
        not_sent = await db.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.state != "sent")
        )
        return keys, not_sent


async def run_engine(engine: str, url: str, options) -> Figures:
    """Load, pause, deliver, and count on one database."""
    seconds = await load(url, options.contractors)
    print(f"{engine}: loaded {options.contractors} contractors in {seconds:.1f} s", flush=True)
    context = multiprocessing.get_context("spawn")
    pipe, child_pipe = context.Pipe()
    child = context.Process(
        target=serve_fake,
        args=(options.contractors, options.per_second, options.burst, child_pipe),
        daemon=True,
    )
    child.start()
    fake_url = await asyncio.get_running_loop().run_in_executor(None, pipe.recv)
    database = Database(url)
    settings = Settings(
        _env_file=None,
        DATABASE_URL=url,
        PAUSEBOT_ADMINS=[f"slack:{ADMIN}"],
        OPS_CHANNELS=[f"slack:{OPS_CHANNEL}"],
        SLACK_BOT_TOKEN="xoxb-bench",
        SLACK_SIGNING_SECRET="pausebot-bench-secret",
        SLACK_API_URL=f"{fake_url}/api/",
    )
    try:
        runner = CommandRunner(database=database, settings=settings, clock=SystemClock())
        admin = Caller(platform="slack", external_id=ADMIN, display_name="Admin")
        await runner.run_line(admin, "/project status FAN")
        started = time.perf_counter()
        reply = await runner.run_line(admin, "/project pause FAN client incident at a vendor")
        command_ms = (time.perf_counter() - started) * 1000
        if not reply.ok:
            raise RuntimeError(f"pause refused: {reply.text}")
        if not isinstance(reply.data, StateChanged):
            raise RuntimeError(f"pause answered without its result: {reply.text}")
        queued = reply.data.announcements
        sender = slack_sender(settings)
        dispatcher = Dispatcher(
            database=database, senders={Platform.SLACK: sender}, clock=SystemClock()
        )
        started = time.perf_counter()
        task = asyncio.create_task(dispatcher.run())
        deadline = started + TIMEOUT_SECONDS
        while await unsent(database) and time.perf_counter() < deadline:
            await asyncio.sleep(0.1)
        delivery_s = time.perf_counter() - started
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await sender.close()
        pipe.send("report")
        seen: Delivered = await asyncio.get_running_loop().run_in_executor(None, pipe.recv)
        keys, not_sent = await outbox_keys(database)
    finally:
        await database.dispose()
        child.join(timeout=10)
        if child.is_alive():
            child.terminate()
    posted = Counter(seen.keys)
    dms = sum(1 for key in keys if ":user:" in key)
    return Figures(
        engine=engine,
        contractors=options.contractors,
        queued=queued,
        command_ms=command_ms,
        delivery_s=delivery_s,
        fake_s=seen.last_post - seen.first_call,
        least_s=least_seconds(
            {"conversations.open": dms, "chat.postMessage": len(keys)},
            options.per_second,
            options.burst,
        ),
        duplicates=sum(count - 1 for count in posted.values() if count > 1),
        lost=len(set(keys) - set(posted)),
        unsent=not_sent,
        calls=seen.calls,
        refused=seen.refused,
    )


def report(results: list[Figures], options) -> None:
    """Print every engine's figures and the ratios to the targets."""
    limit = (
        f"{options.per_second:g}/s, bursts of {options.burst:g}, per method"
        if options.per_second
        else "none"
    )
    print(f"\nfan-out of /project pause; limits on {', '.join(LIMITED)}: {limit}")
    print(
        f"{'engine':10} {'people':>6} {'queued':>6} {'cmd ms':>7} {'deliver s':>9} "
        f"{'fake s':>7} {'least s':>7} {'ratio':>6} {'dup':>4} {'lost':>4} {'unsent':>6}"
    )
    for item in results:
        ratio = item.delivery_s / item.least_s if item.least_s else float("nan")
        print(
            f"{item.engine:10} {item.contractors:>6} {item.queued:>6} {item.command_ms:>7.0f} "
            f"{item.delivery_s:>9.1f} {item.fake_s:>7.1f} {item.least_s:>7.1f} {ratio:>6.2f} "
            f"{item.duplicates:>4} {item.lost:>4} {item.unsent:>6}"
        )
    for item in results:
        print(f"  {item.engine}: calls {item.calls}; answered 429 {item.refused}")
    print("targets: command <= 1000 ms; delivery <= 1.2x least time; no duplicates, none lost")


async def main() -> None:
    """Run the fan-out on the chosen engines."""
    args = parser(__doc__.splitlines()[0])
    args.add_argument("--contractors", type=int, default=10_000)
    args.add_argument("--per-second", type=float, default=200.0, help="0: no limits")
    args.add_argument("--burst", type=float, default=200.0)
    options = args.parse_args()
    logging.basicConfig(level=logging.WARNING)
    results = []
    with tempfile.TemporaryDirectory() as folder:
        for engine in engines(options.engine):
            url = await fresh_database(engine, Path(folder), options.postgres_url)
            try:
                results.append(await run_engine(engine, url, options))
            finally:
                await drop_database(url, options.postgres_url)
    report(results, options)


if __name__ == "__main__":
    asyncio.run(main())
