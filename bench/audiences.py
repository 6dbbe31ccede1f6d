"""Audiences at scale: assign a 10,000-member Slack user group, then import a 10,000-row e-mail CSV.

    .venv/bin/python -m bench.audiences [--members N] [--engine sqlite|postgresql|both]
        [--scale S]

Both run against the fake Slack Web API in a process of its own, which enforces Slack's rate
tiers for the methods involved (users.list and usergroups.users.list in Tier 2: 20 calls a
minute, bursts of 3; conversations.members in Tier 4), answering beyond them with HTTP 429 and
a Retry-After in whole seconds. `--scale` speeds every tier up alike (1 = Slack's own rates).

1. `/project assign BENCH @slack:S0BENCH` through the command layer with the real SlackAudience:
   `usergroups.users.list` once, the workspace directory from `users.list` in pages of 1,000,
   then one transaction of bulk statements creating and assigning everyone.
2. `pausebot import assignments` of a CSV with one row per member by e-mail, in process, with
   its own (cold) directory: `users.list` again, then one transaction.

Each is timed end to end, and against the least time the limits allow for its calls (each
method's token bucket; the slowest method decides). Printed for SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import io
import logging
import math
import multiprocessing
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

from sqlalchemy import func, select

from bench.common import drop_database, engines, fresh_database, parser
from bot import imports
from bot.adapters.slack.groups import PAGE, SlackAudience
from bot.adapters.slack.webapi import WebApi, web_client
from bot.commands.runner import CommandRunner
from bot.core.audiences import GroupRef, Members, PlatformAudiences, Progress
from bot.core.clock import SystemClock
from bot.core.people import Caller
from bot.core.words import Platform
from bot.db.models import Assignment
from bot.db.session import Database
from bot.imports import ImportSettings, import_assignments
from tests.fakes.slack_api import SLACK_TIERS, FakeSlackApi

log = logging.getLogger(__name__)

ADMIN = "UADMIN"
GROUP = "S0BENCH"
BOTS = 10


@dataclass
class Seen:
    """What the fake Slack Web API saw: calls and 429s by method."""

    calls: dict[str, int]
    refused: dict[str, int]


@dataclass
class Figures:
    """One engine's run."""

    engine: str
    members: int
    assign_s: float
    assign_lookup_s: float
    assign_least_s: float
    assigned: int
    import_s: float
    import_lookup_s: float
    import_least_s: float
    imported: int
    calls: dict[str, int]
    refused: dict[str, int]


def user_id(index: int) -> str:
    """The Slack id of bench member `index`."""
    return f"UM{index:06d}"


def email(index: int) -> str:
    """The e-mail of bench member `index`."""
    return f"member{index}@example.com"


def serve_fake(members: int, scale: float, pipe: Connection) -> None:
    """The fake Slack Web API with Slack's tiers, in a process of its own (entry point)."""
    asyncio.run(_serve_fake(members, scale, pipe))


async def _serve_fake(members: int, scale: float, pipe: Connection) -> None:
    """Serve until asked for the counts of calls, answer, and stop when told."""
    fake = FakeSlackApi()
    fake.slack_tiers(scale=scale)
    fake.add_member(ADMIN, "Ada Admin")
    ids = []
    for index in range(members):
        fake.add_member(user_id(index), f"Member {index}", email=email(index))
        ids.append(user_id(index))
    for index in range(BOTS):
        fake.add_member(f"UBOT{index:03d}", f"Bot {index}", bot=True)
        ids.append(f"UBOT{index:03d}")
    fake.usergroups[GROUP] = ids
    await fake.start()
    pipe.send(fake.url)
    loop = asyncio.get_running_loop()
    while (await loop.run_in_executor(None, pipe.recv)) == "report":
        pipe.send(
            Seen(
                calls=dict(Counter(call.method for call in fake.calls)),
                refused=dict(Counter(call.method for call in fake.rate_limited)),
            )
        )
        fake.calls.clear()
        fake.rate_limited.clear()
    await fake.stop()


def least_seconds(needed: dict[str, int], scale: float) -> float:
    """The least time Slack's tiers allow for these calls: each method's bucket, the slowest."""
    waits = [0.0]
    for method, count in needed.items():
        per_minute, burst = SLACK_TIERS.get(method, (math.inf, math.inf))
        waits.append(max(0.0, (count - burst) / (per_minute * scale / 60)))
    return max(waits)


class Timed:
    """An Audience that times the lookups it passes on."""

    def __init__(self, audience: SlackAudience) -> None:
        self.audience = audience
        self.seconds = 0.0

    async def members(self, group: GroupRef, progress: Progress | None = None) -> Members:
        """The members, timed."""
        started = time.perf_counter()
        try:
            return await self.audience.members(group, progress)
        finally:
            self.seconds += time.perf_counter() - started


class TimedEmails:
    """Times the import's reading of e-mails from Slack (put in place while it runs)."""

    def __init__(self) -> None:
        self.original = imports.slack_emails
        self.seconds = 0.0
        imports.slack_emails = self

    async def __call__(self, *args, **kwargs):
        """The e-mails, timed."""
        started = time.perf_counter()
        try:
            return await self.original(*args, **kwargs)
        finally:
            self.seconds += time.perf_counter() - started


async def assigned(database: Database) -> int:
    """How many open assignments there are."""
    async with database.transaction() as db:
        return await db.scalar(
            select(func.count()).select_from(Assignment).where(Assignment.until.is_(None))
        )


async def run_engine(engine: str, url: str, folder: Path, options) -> Figures:
    """Assign the group, then import the CSV on a second project, on one database."""
    context = multiprocessing.get_context("spawn")
    pipe, child_pipe = context.Pipe()
    child = context.Process(
        target=serve_fake, args=(options.members, options.scale, child_pipe), daemon=True
    )
    child.start()
    loop = asyncio.get_running_loop()
    fake_url = await loop.run_in_executor(None, pipe.recv)
    settings = ImportSettings(
        _env_file=None,
        DATABASE_URL=url,
        PAUSEBOT_ADMINS=[f"slack:{ADMIN}"],
        SLACK_BOT_TOKEN="xoxb-bench",
        SLACK_API_URL=f"{fake_url}/api/",
    )
    database = Database(url)
    client = web_client(settings)
    calls: Counter[str] = Counter()
    refused: Counter[str] = Counter()
    try:
        audience = Timed(SlackAudience(WebApi(client)))
        runner = CommandRunner(
            database=database,
            settings=settings,
            clock=SystemClock(),
            audience=PlatformAudiences({Platform.SLACK: audience}),
        )
        admin = Caller(platform="slack", external_id=ADMIN, display_name="Admin")
        for code in ("BENCH", "IMPORT"):
            reply = await runner.run_line(admin, f'/project add {code} "Bench Co" "Audiences"')
            if not reply.ok:
                raise RuntimeError(reply.text)
        pipe.send("report")  # forget the calls so far
        await loop.run_in_executor(None, pipe.recv)

        started = time.perf_counter()
        reply = await runner.run_line(admin, f"/project assign BENCH @slack:{GROUP}")
        assign_s = time.perf_counter() - started
        if not reply.ok:
            raise RuntimeError(f"assign refused: {reply.text}")
        pipe.send("report")
        seen: Seen = await loop.run_in_executor(None, pipe.recv)
        calls.update(seen.calls)
        refused.update(seen.refused)
        assign_least = least_seconds(
            {m: n - seen.refused.get(m, 0) for m, n in seen.calls.items()}, options.scale
        )
        count_assigned = await assigned(database)

        # Let the buckets fill again, so the import starts as the assign did.
        per_minute, burst = SLACK_TIERS["users.list"]
        await asyncio.sleep(burst / (per_minute * options.scale / 60))
        csv_path = folder / f"import-{engine}.csv"
        lines = ["project,email", *(f"IMPORT,{email(i)}" for i in range(options.members))]
        csv_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        out, err = io.StringIO(), io.StringIO()
        lookup = TimedEmails()
        started = time.perf_counter()
        code = await import_assignments(
            csv_path, dry_run=False, settings=settings, out=out, err=err
        )
        import_s = time.perf_counter() - started
        imports.slack_emails = lookup.original
        if code != 0:
            raise RuntimeError(f"import refused: {err.getvalue()[-2000:]}")
        pipe.send("report")
        seen = await loop.run_in_executor(None, pipe.recv)
        calls.update(seen.calls)
        refused.update(seen.refused)
        import_least = least_seconds(
            {m: n - seen.refused.get(m, 0) for m, n in seen.calls.items()}, options.scale
        )
        imported = await assigned(database) - count_assigned
    finally:
        pipe.send("stop")
        if client.session is not None:
            await client.session.close()
        await database.dispose()
        child.join(timeout=10)
        if child.is_alive():
            child.terminate()
    return Figures(
        engine=engine,
        members=options.members,
        assign_s=assign_s,
        assign_lookup_s=audience.seconds,
        assign_least_s=assign_least,
        assigned=count_assigned,
        import_s=import_s,
        import_lookup_s=lookup.seconds,
        import_least_s=import_least,
        imported=imported,
        calls=dict(calls),
        refused=dict(refused),
    )


def report(results: list[Figures], options) -> None:
    """Print every engine's figures and their ratios to the least time."""
    pages = math.ceil((options.members + BOTS + 1) / PAGE)
    print(
        f"\naudiences: {options.members} members (+{BOTS} bots), users.list in {pages} pages; "
        f"Slack tiers x{options.scale:g}"
    )
    print(
        f"{'engine':10} {'what':8} {'people':>7} {'total s':>8} {'lookup s':>8} "
        f"{'rest s':>6} {'least s':>7} {'ratio':>6}"
    )
    for item in results:
        for what, people, total, lookup, least in (
            ("assign", item.assigned, item.assign_s, item.assign_lookup_s, item.assign_least_s),
            ("import", item.imported, item.import_s, item.import_lookup_s, item.import_least_s),
        ):
            ratio = total / least if least else float("nan")
            db_s = total - lookup
            print(
                f"{item.engine:10} {what:8} {people:>7} {total:>8.1f} {lookup:>8.1f} "
                f"{db_s:>6.1f} {least:>7.1f} {ratio:>6.2f}"
            )
    for item in results:
        print(f"  {item.engine}: calls {item.calls}; answered 429 {item.refused}")
    print("targets: import of 10,000 e-mails within 120 s; no call per person")


async def main() -> None:
    """Run both on the chosen engines."""
    args = parser(__doc__.splitlines()[0])
    args.add_argument("--members", type=int, default=10_000)
    args.add_argument("--scale", type=float, default=1.0, help="speed Slack's tiers up")
    options = args.parse_args()
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("bot.adapters.slack.webapi").setLevel(logging.ERROR)  # one line a 429
    results = []
    with tempfile.TemporaryDirectory() as folder:
        for engine in engines(options.engine):
            url = await fresh_database(engine, Path(folder), options.postgres_url)
            try:
                results.append(await run_engine(engine, url, Path(folder), options))
            finally:
                await drop_database(url, options.postgres_url)
    report(results, options)


if __name__ == "__main__":
    asyncio.run(main())
