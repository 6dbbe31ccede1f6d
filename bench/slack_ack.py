"""Slack acknowledgement path: signed `/hours log` over HTTP to the real `pausebot run`.

Per engine, on a fresh database, measured side by side in one run:

- The floors, each a server process of its own (this module with `--serve-noop`): a no-op
  Bolt AsyncApp whose `/hours` listener only acknowledges, behind a plain aiohttp route,
  authorized without any Web API call and with Bolt's own signature check; once with
  `process_before_response=True` and once with Bolt's default listener runner.
- pausebot: the real `pausebot run` (`python -m bot run [--workers N]`) in a subprocess, in
  Slack HTTP mode, its Web API calls going to a local fake Slack API started here (every bench
  user known to `users.info`). The project is created and assigned through signed
  `/project add` and `/project assign` requests from the admin, like any Slack user would.
- The client: one aiohttp client here, sending signed slash commands as Slack does (every
  documented field, a unique trigger_id each) after a warm-up, at concurrency 1, 16 and 64,
  the floors and pausebot in turn at each. Every pausebot acknowledgement must carry the
  logged entry (not "already recorded"), and afterwards the entries committed must be
  exactly the acknowledged ones, each once (read-only counts by the note each request
  carries).
- The command layer alone, no HTTP, in this process: `CommandRunner.run(caller, "hours",
  "log", ...)` with the request key the Slack adapter gives, one at a time and 16 at once,
  against a plain synchronous driver inserting and committing one hours entry per
  transaction, the columns pausebot inserts (sqlite3 with pausebot's pragmas and BEGIN
  IMMEDIATE; psycopg on PostgreSQL).

Then a summary against the targets: req/s at concurrency 16 >= 0.25x the no-op
process_before_response floor (goal 0.5x), p50 at concurrency 1 <= 2 ms, p99 at concurrency
64 <= 5x the floor's p99, and every acknowledged entry committed exactly once.

    PYTHONPATH=. .venv/bin/python -m bench.slack_ack [--engine sqlite|postgresql|both]
        [--requests N] [--workers 1,2] [--profile FILE]

`--workers` lists the worker counts of `pausebot run --workers N` to measure (PostgreSQL
only; SQLite is always one process). `--profile FILE` then runs pausebot once more, one
process, under pyinstrument (this module with `--serve-profiled`), sampling only while it
answers N requests at concurrency 16 after a warm-up (the bench signals the start and the
end), and writes the text report to FILE (FILE-ENGINE.EXT with both engines); pyinstrument
samples the main thread only, not the threads pausebot runs database work on. The client
shares the machine's cores with the servers, as in every figure here.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import os
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
import psycopg
from aiohttp import web
from pyinstrument import Profiler
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import URL, create_engine, distinct, func, make_url, select
from sqlalchemy.pool import NullPool

from bench.common import (
    drop_database,
    engines,
    free_port,
    fresh_database,
    parser,
    percentile,
    serving,
)
from bot.cli import main as pausebot
from bot.commands.runner import CommandRunner
from bot.config import Settings
from bot.core.clock import SystemClock
from bot.core.people import Caller
from bot.db.models import HoursEntry
from bot.db.session import Database
from tests.fakes.slack_api import FakeSlackApi

REPO = Path(__file__).resolve().parents[1]
SECRET = "pausebot-bench-secret"
BOT_TOKEN = "xoxb-bench"
ADMIN = "UADMIN"
USERS = [f"UBENCH{index:03d}" for index in range(64)]
CONCURRENCY = (1, 16, 64)
CORE_CONCURRENCY = (1, 16)
WARM_UP = 128
EVENTS = "/slack/events"
REPEATED = "already recorded"
PBR = "no-op, process_before_response"
DEFAULT = "no-op, Bolt default"
FIRST_DAY = date(2020, 1, 1)  # each run logs on a day of its own (HOURS_BACKDATE_DAYS=3650)
RUNS = itertools.count(1)  # run tags, in notes: which entries a run committed
TRIGGERS = itertools.count(1)  # trigger ids are request keys: unique across the whole bench
BENCH_ID = uuid.uuid4().hex[:8]
PROFILE_LINES = 60
# Targets of the issue, measured side by side in one run.
TARGET_THROUGHPUT, GOAL_THROUGHPUT = 0.25, 0.5  # x the no-op process_before_response req/s, c=16
TARGET_P50_MS = 2.0  # c=1
TARGET_P99_RATIO = 5.0  # x the no-op process_before_response p99, c=64


@dataclass
class Figures:
    """One run's throughput and latency."""

    label: str
    concurrency: int
    count: int
    per_second: float
    p50_ms: float
    p99_ms: float


def figures(label: str, concurrency: int, wall: float, latencies: list[float]) -> Figures:
    """Throughput, p50 and p99 of one run."""
    return Figures(
        label,
        concurrency,
        len(latencies),
        len(latencies) / wall,
        percentile(latencies, 0.50) * 1000,
        percentile(latencies, 0.99) * 1000,
    )


def print_figures(item: Figures) -> None:
    """One row of the results table."""
    print(
        f"  {item.label:34} {item.concurrency:>4} {item.per_second:>9.0f} "
        f"{item.p50_ms:>9.2f} {item.p99_ms:>9.2f}",
        flush=True,
    )


# The no-op floor: a server process of its own.


async def bench_authorize(
    enterprise_id: str | None, team_id: str | None, user_id: str | None
) -> AuthorizeResult:
    """The bot token, without calling auth.test (as pausebot authorizes)."""
    return AuthorizeResult(
        enterprise_id=enterprise_id, team_id=team_id, user_id=user_id, bot_token=BOT_TOKEN
    )


async def serve_noop(port: int, process_before_response: bool) -> None:
    """A no-op Bolt AsyncApp behind aiohttp on 127.0.0.1:port, until SIGTERM or SIGINT."""
    app = AsyncApp(
        signing_secret=SECRET,
        authorize=bench_authorize,
        process_before_response=process_before_response,
    )

    @app.command("/hours")
    async def hours(ack: AsyncAck) -> None:
        """Acknowledge and do nothing else."""
        await ack()

    async def events(request: web.Request) -> web.Response:
        """Hand the request to Bolt."""
        return await to_aiohttp_response(await app.async_dispatch(await to_bolt_request(request)))

    async def healthz(_request: web.Request) -> web.Response:
        """Ready."""
        return web.Response(text="ok")

    web_app = web.Application()
    web_app.router.add_post(EVENTS, events)
    web_app.router.add_get("/healthz", healthz)
    runner = web.AppRunner(web_app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    stopped = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, stopped.set)
    await stopped.wait()
    await runner.cleanup()


def serve_profiled(path: Path) -> None:
    """`pausebot run` in this process, profiled by pyinstrument from SIGUSR1 to SIGUSR2.

    The bench sends the signals around the requests it measures, so the profile leaves out
    start-up and shutdown. On SIGUSR2 the text report is written to `path`.
    """
    profiler = Profiler(async_mode="disabled")

    def start(_signal: int, _frame: object) -> None:
        """Begin sampling the main thread."""
        profiler.start()

    def stop(_signal: int, _frame: object) -> None:
        """Stop sampling and write the report (whole, then renamed)."""
        profiler.stop()
        partial = path.with_name(path.name + ".part")
        partial.write_text(profiler.output_text(unicode=True, color=False))
        partial.replace(path)

    signal.signal(signal.SIGUSR1, start)
    signal.signal(signal.SIGUSR2, stop)
    pausebot(["run"], prog_name="pausebot")


# Servers as subprocesses.


@dataclass
class Target:
    """A server to send slash commands to, and whether it is pausebot (checked and counted)."""

    label: str
    base: str
    pausebot: bool
    log: Path
    process: asyncio.subprocess.Process

    @property
    def events(self) -> str:
        """Where Slack posts."""
        return self.base + EVENTS


def child_env(**settings: str) -> dict[str, str]:
    """This environment without any pausebot setting, plus `settings`; bench/ and bot/ found."""
    env = {key: value for key, value in os.environ.items() if key not in Settings.model_fields}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return {**env, **settings}


@contextlib.asynccontextmanager
async def noop_server(label: str, folder: Path) -> AsyncIterator[Target]:
    """The no-op floor (`label` says in which mode) as a process of its own."""
    port = free_port()
    command = [sys.executable, "-m", "bench.slack_ack", "--serve-noop", str(port)]
    if label == PBR:
        command.append("--pbr")
    base = f"http://127.0.0.1:{port}"
    log = folder / f"noop-{port}.log"
    env = child_env()
    async with serving(
        command, ready_url=base + "/healthz", log=log, env=env, cwd=folder
    ) as process:
        yield Target(label, base, pausebot=False, log=log, process=process)


def pausebot_supports_workers() -> bool:
    """Whether `pausebot run --help` lists --workers."""
    found = subprocess.run(
        [sys.executable, "-m", "bot", "run", "--help"],
        capture_output=True,
        text=True,
        env=child_env(),
        check=False,
    )
    return "--workers" in found.stdout


@contextlib.asynccontextmanager
async def pausebot_server(
    url: str, fake: FakeSlackApi, folder: Path, *, workers: int = 1, profile: Path | None = None
) -> AsyncIterator[Target]:
    """`pausebot run` in Slack HTTP mode on a free port; with `profile`, under pyinstrument.

    Its working directory is the bench folder: no `.env` is read, and the request journal of
    a PostgreSQL database is written there.
    """
    port = free_port()
    env = child_env(
        DATABASE_URL=url,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=fake.api_url,
        HTTP_HOST="127.0.0.1",
        HTTP_PORT=str(port),
        PAUSEBOT_ADMINS=f"slack:{ADMIN}",
        HOURS_BACKDATE_DAYS="3650",
    )
    if profile is not None:
        command = [sys.executable, "-m", "bench.slack_ack", "--serve-profiled", str(profile)]
    else:
        command = [sys.executable, "-m", "bot", "run"]
    if workers > 1:
        command += ["--workers", str(workers)]
    label = "pausebot run" + (f" --workers {workers}" if workers > 1 else "")
    base = f"http://127.0.0.1:{port}"
    log = folder / f"pausebot-{port}.log"
    stopping: float | None = None  # when the bench began stopping it
    started = time.monotonic()
    try:
        ready = base + "/healthz"
        async with serving(command, ready_url=ready, log=log, env=env, cwd=folder) as process:
            await every_worker_answers(base, workers)
            print(f"  {label}: answering after {time.monotonic() - started:.1f} s", flush=True)
            try:
                yield Target(label, base, pausebot=True, log=log, process=process)
            finally:
                stopping = time.monotonic()
    finally:
        report_log(log, None if stopping is None else time.monotonic() - stopping)


async def every_worker_answers(base: str, workers: int, timeout: float = 60.0) -> None:
    """Wait until each worker has answered /metrics (its `pausebot_worker` gauge)."""
    if workers < 2:
        return
    seen: set[str] = set()
    deadline = time.monotonic() + timeout
    connector = aiohttp.TCPConnector(force_close=True)  # a new connection, maybe a new worker
    async with aiohttp.ClientSession(connector=connector) as session:
        while len(seen) < workers:
            if time.monotonic() > deadline:
                raise RuntimeError(f"only workers {sorted(seen)} of {workers} answered")
            async with session.get(base + "/metrics") as response:
                seen.update(re.findall(r"^pausebot_worker (\d+)", await response.text(), re.M))


def report_log(log: Path, stop_seconds: float | None) -> None:
    """Say what pausebot logged above INFO while it ran, its first traceback, a slow stop."""
    if stop_seconds is not None and stop_seconds > 2:
        print(f"  pausebot took {stop_seconds:.1f} s to stop after SIGTERM")
    lines = log.read_text(errors="replace").splitlines()
    notable = [line for line in lines if " WARNING " in line or " ERROR " in line]
    starts = [number for number, line in enumerate(lines) if line.startswith("Traceback")]
    if not notable and not starts:
        print("  pausebot's log: no warning, no error", flush=True)
        return
    print(f"  pausebot's log: {len(notable)} warnings or errors, {len(starts)} tracebacks")
    for line in list(dict.fromkeys(notable))[:6]:
        print(f"    {line[:240]}")
    if starts:
        first = lines[starts[0] : starts[0] + 40]
        ends = [n for n, line in enumerate(first) if line and not line.startswith((" ", "T"))]
        print("    first traceback:")
        for line in first[: ends[0] + 1 if ends else None]:
            print(f"      {line[:240]}")
    sys.stdout.flush()


# The client.


class SlackClient:
    """Signs slash commands like Slack, sends them with `concurrency` at once, and times them."""

    def __init__(self, response_url: str) -> None:
        self.verifier = SignatureVerifier(SECRET)
        self.response_url = response_url

    def body(self, user: str, command: str, text: str) -> str:
        """A slash-command body with the fields of Slack's documented payload."""
        return urlencode(
            {
                "token": "bench-verification-token",
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
                "response_url": self.response_url,
                "trigger_id": f"{next(TRIGGERS)}.{BENCH_ID}.bench",
            }
        )

    def headers(self, body: str) -> dict[str, str]:
        """Slack's headers: the timestamp and the signature of timestamp and body."""
        stamp = str(int(time.time()))
        return {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": self.verifier.generate_signature(timestamp=stamp, body=body),
        }

    async def send(self, url: str, body: str) -> str:
        """One request on a connection of its own; the acknowledgement's body."""
        async with (
            aiohttp.ClientSession() as session,
            session.post(url, data=body.encode(), headers=self.headers(body)) as response,
        ):
            answer = await response.text()
            if response.status != 200:
                raise RuntimeError(f"{url} answered {response.status}: {answer[:200]!r}")
            return answer

    async def drive(
        self,
        url: str,
        bodies: list[str],
        concurrency: int,
        check: Callable[[str], None],
    ) -> tuple[float, list[float]]:
        """POST every body, `concurrency` at once; the wall time and each request's latency.

        `check` sees every acknowledgement and raises when it is not the expected one.
        """
        queue = iter(bodies)
        latencies: list[float] = []

        async def sender(session: aiohttp.ClientSession) -> None:
            """Send bodies until none are left."""
            for body in queue:
                headers = self.headers(body)
                started = time.perf_counter()
                async with session.post(url, data=body.encode(), headers=headers) as response:
                    answer = await response.text()
                latencies.append(time.perf_counter() - started)
                if response.status != 200:
                    raise RuntimeError(f"{url} answered {response.status}: {answer[:200]!r}")
                check(answer)

        connector = aiohttp.TCPConnector(limit=concurrency)
        timeout = aiohttp.ClientTimeout(total=60)
        async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
            started = time.perf_counter()
            await asyncio.gather(*(sender(session) for _ in range(concurrency)))
            return time.perf_counter() - started, latencies


# Checking what was committed.


def plain_url(url: str) -> URL:
    """The URL with the synchronous driver (sqlite3, psycopg)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return parsed.set(drivername="sqlite+pysqlite")
    return parsed.set(drivername="postgresql+psycopg")


class Ledger:
    """Read-only counts of the hours entries a run committed, found by the run's tag in notes."""

    def __init__(self, url: str) -> None:
        self.engine = create_engine(plain_url(url), poolclass=NullPool)
        self.acknowledged = 0

    def committed(self, tag: str) -> tuple[int, int]:
        """How many entries carry the tag, and how many different notes among them."""
        query = select(func.count(), func.count(distinct(HoursEntry.note))).where(
            HoursEntry.note.like(f"{tag} %")
        )
        with self.engine.connect() as conn:
            rows, notes = conn.execute(query).one()
        return rows, notes

    def check(self, tag: str, acknowledged: int, label: str) -> None:
        """Every acknowledged entry committed, once: raise otherwise."""
        rows, notes = self.committed(tag)
        if rows != acknowledged or notes != acknowledged:
            raise RuntimeError(
                f"{label}: {acknowledged} acknowledged, {rows} entries committed "
                f"({notes} different); every acknowledged entry must be committed once"
            )
        self.acknowledged += acknowledged

    def contractor_and_project(self, identity: str) -> tuple[int, int]:
        """The ids pausebot gave an identity's entries: for the driver floor's inserts."""
        query = (
            select(HoursEntry.contractor_id, HoursEntry.project_id)
            .where(HoursEntry.source_identity == identity)
            .limit(1)
        )
        with self.engine.connect() as conn:
            contractor, project = conn.execute(query).one()
        return contractor, project


@dataclass
class HoursRun:
    """One run's requests: a tag in every note, a day of its own, the reply to expect."""

    tag: str
    day: date

    @classmethod
    def next(cls) -> HoursRun:
        """A run tagged and dated unlike any other."""
        number = next(RUNS)
        return cls(f"run{number}", FIRST_DAY + timedelta(days=number))

    def words(self, index: int) -> list[str]:
        """What follows `/hours log`: 1 minute on BENCH, this run's day, a note of its own."""
        return ["BENCH", "1m", self.day.isoformat(), self.tag, str(index)]

    @property
    def reply(self) -> str:
        """The title of pausebot's answer."""
        return f"Logged 1m on BENCH for {self.day.isoformat()}"

    def check(self, answer: str) -> None:
        """Raise unless the answer is the logged entry, logged now."""
        if self.reply not in answer or REPEATED in answer:
            raise RuntimeError(f"unexpected acknowledgement {answer[:300]!r}")


# Over HTTP.


async def prepare(client: SlackClient, target: Target) -> None:
    """Create BENCH and assign every bench user, through signed /project requests."""
    add = client.body(ADMIN, "/project", 'add BENCH "Bench Co" "Bench project"')
    answer = await client.send(target.events, add)
    if "BENCH" not in answer or "Bench Co" not in answer:
        raise RuntimeError(f"/project add: unexpected acknowledgement {answer[:300]!r}")
    mentions = " ".join(f"<@{user}>" for user in USERS)
    assign = client.body(ADMIN, "/project", f"assign BENCH {mentions}")
    answer = await client.send(target.events, assign)
    if "Assignments on BENCH" not in answer or "nobody new" in answer:
        raise RuntimeError(f"/project assign: unexpected acknowledgement {answer[:300]!r}")


async def hours_run(
    client: SlackClient, target: Target, concurrency: int, count: int, ledger: Ledger
) -> Figures:
    """`count` signed `/hours log` requests; pausebot's answers and entries are checked."""
    run = HoursRun.next()
    bodies = [
        client.body(USERS[index % len(USERS)], "/hours", "log " + " ".join(run.words(index)))
        for index in range(count)
    ]
    check = run.check if target.pausebot else (lambda _answer: None)
    wall, latencies = await client.drive(target.events, bodies, concurrency, check)
    if target.pausebot:
        ledger.check(run.tag, count, target.label)
    return figures(target.label, concurrency, wall, latencies)


def web_api_calls(fake: FakeSlackApi, since: int) -> str:
    """The Web API methods pausebot called since call number `since`, counted."""
    counted = Counter(call.method for call in fake.calls[since:])
    return ", ".join(f"{method} {number}" for method, number in counted.most_common()) or "none"


async def measure_http(
    client: SlackClient,
    targets: Sequence[Target],
    requests: int,
    ledger: Ledger,
    fake: FakeSlackApi,
) -> dict[tuple[str, int], Figures]:
    """A warm-up of each target, then each in turn at every concurrency."""
    calls = len(fake.calls)
    print(f"  {'configuration':34} {'conc':>4} {'req/s':>9} {'p50 ms':>9} {'p99 ms':>9}")
    for target in targets:
        await hours_run(client, target, 16, WARM_UP, ledger)
    results = {}
    for concurrency in CONCURRENCY:
        for target in targets:
            item = await hours_run(client, target, concurrency, requests, ledger)
            print_figures(item)
            results[(target.label, concurrency)] = item
    print(f"  Web API calls during the runs (warm-up included): {web_api_calls(fake, calls)}")
    return results


# The command layer alone, and the driver floor.


def core_runner(url: str) -> tuple[Database, CommandRunner]:
    """The command layer on the database, as `pausebot run` builds it."""
    database = Database(url)
    settings = Settings(
        _env_file=None,
        DATABASE_URL=url,
        PAUSEBOT_ADMINS=[f"slack:{ADMIN}"],
        HOURS_BACKDATE_DAYS=3650,
    )
    return database, CommandRunner(database=database, settings=settings, clock=SystemClock())


async def core_run(runner: CommandRunner, concurrency: int, count: int, ledger: Ledger) -> Figures:
    """`count` `/hours log` through CommandRunner.run, `concurrency` at once, each checked."""
    run = HoursRun.next()
    queue = iter(range(count))
    latencies: list[float] = []

    async def worker() -> None:
        """Run commands until none are left."""
        for index in queue:
            user = USERS[index % len(USERS)]
            caller = Caller(platform="slack", external_id=user, display_name=user, tz="UTC")
            key = f"slack:trigger:{user}:{next(TRIGGERS)}.{BENCH_ID}.core"
            started = time.perf_counter()
            reply = await runner.run(caller, "hours", "log", run.words(index), request_key=key)
            latencies.append(time.perf_counter() - started)
            if not reply.ok:
                raise RuntimeError(f"command layer: {reply.text[:300]!r}")
            run.check(f"{reply.title}\n{reply.text}")

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    wall = time.perf_counter() - started
    ledger.check(run.tag, count, "command layer")
    return figures("pausebot command layer", concurrency, wall, latencies)


def driver_floor(url: str, count: int, ledger: Ledger) -> Figures:
    """One hours entry inserted and committed per transaction with the synchronous driver.

    The columns pausebot inserts; on SQLite its pragmas and BEGIN IMMEDIATE.
    """
    run = HoursRun.next()
    identity = f"slack:{USERS[0]}"
    contractor, project = ledger.contractor_and_project(identity)
    rows = [
        (
            contractor,
            project,
            run.day,
            1,
            "worked",
            f"{run.tag} {index}",
            identity,
            f"slack:trigger:{USERS[0]}:{next(TRIGGERS)}.{BENCH_ID}.floor",
        )
        for index in range(count)
    ]
    columns = (
        "contractor_id, project_id, work_date, minutes, kind, note, source_identity, "
        "request_key, created_at"
    )
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        wall, latencies = sqlite_inserts(parsed.database, columns, rows)
    else:
        wall, latencies = postgres_inserts(url, columns, rows)
    ledger.check(run.tag, count, "driver floor")
    return figures("driver insert, one a transaction", 1, wall, latencies)


def timed(rows: list[tuple], insert: Callable[[tuple], None]) -> tuple[float, list[float]]:
    """Call `insert` on each row; the wall time and each call's latency."""
    latencies = []
    begun = time.perf_counter()
    for row in rows:
        started = time.perf_counter()
        insert(row)
        latencies.append(time.perf_counter() - started)
    return time.perf_counter() - begun, latencies


def sqlite_inserts(path: str, columns: str, rows: list[tuple]) -> tuple[float, list[float]]:
    """sqlite3, with pausebot's pragmas: BEGIN IMMEDIATE, INSERT, COMMIT per row."""
    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode=WAL", "busy_timeout=30000", "foreign_keys=ON"):
        conn.execute(f"PRAGMA {pragma}")
    conn.execute("PRAGMA synchronous=NORMAL")
    sql = f"INSERT INTO hours_entries ({columns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"

    def insert(row: tuple) -> None:
        """One transaction, created_at stored as SQLAlchemy stores it on SQLite."""
        now = datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(sql, (*row[:2], row[2].isoformat(), *row[3:], now))
        conn.execute("COMMIT")

    try:
        return timed(rows, insert)
    finally:
        conn.close()


def postgres_inserts(url: str, columns: str, rows: list[tuple]) -> tuple[float, list[float]]:
    """psycopg: INSERT and COMMIT per row."""
    parsed = make_url(url)
    conn = psycopg.connect(
        host=parsed.host,
        port=parsed.port or 5432,
        user=parsed.username,
        password=parsed.password,
        dbname=parsed.database,
    )
    sql = f"INSERT INTO hours_entries ({columns}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)"

    def insert(row: tuple) -> None:
        """One transaction."""
        conn.execute(sql, (*row, datetime.now(UTC)))
        conn.commit()

    try:
        return timed(rows, insert)
    finally:
        conn.close()


async def measure_core(url: str, requests: int, ledger: Ledger) -> list[Figures]:
    """The driver floor, then the command layer one at a time and 16 at once (warmed up)."""
    floor = driver_floor(url, requests, ledger)
    print_figures(floor)
    results = [floor]
    database, runner = core_runner(url)
    try:
        await core_run(runner, 16, WARM_UP, ledger)
        for concurrency in CORE_CONCURRENCY:
            item = await core_run(runner, concurrency, requests, ledger)
            print_figures(item)
            results.append(item)
    finally:
        await database.dispose()
    for item in results[1:]:
        print(
            f"  command layer at c={item.concurrency}: {item.per_second / floor.per_second:.2f}x "
            f"the driver floor's entries/s, p50 {item.p50_ms / floor.p50_ms:.1f}x its p50"
        )
    return results


# The profile.


async def profile(
    path: Path,
    url: str,
    fake: FakeSlackApi,
    folder: Path,
    client: SlackClient,
    requests: int,
    ledger: Ledger,
) -> None:
    """pausebot run (one process) profiled while it answers `requests` at concurrency 16."""
    path.unlink(missing_ok=True)
    async with pausebot_server(url, fake, folder, profile=path) as target:
        await hours_run(client, target, 16, WARM_UP, ledger)
        target.process.send_signal(signal.SIGUSR1)
        item = await hours_run(client, target, 16, requests, ledger)
        target.process.send_signal(signal.SIGUSR2)
        for _ in range(600):
            if path.exists():
                break
            await asyncio.sleep(0.1)
        else:
            raise RuntimeError(f"pausebot wrote no profile to {path}")
    item.label = "pausebot run, profiled"
    print_figures(item)
    print(
        f"  pyinstrument profile of pausebot while it answered those {requests} requests, "
        f"written to {path}. pyinstrument samples the main thread only: the commands' "
        "database work runs on pausebot's worker threads (Database.unit), which it does not "
        "follow; that time shows as the event loop waiting (select)."
    )
    print(f"  its first {PROFILE_LINES} lines:")
    for line in path.read_text(errors="replace").splitlines()[:PROFILE_LINES]:
        print(f"    {line}")


# One engine, and the summary.


@dataclass
class EngineResults:
    """Everything measured on one engine."""

    engine: str
    http: dict[int, dict[tuple[str, int], Figures]]
    labels: dict[int, str]
    core: list[Figures]
    acknowledged: int


def worker_counts(engine: str, asked: list[int], supported: bool) -> list[int]:
    """The worker counts to measure on this engine, saying why any is left out."""
    counts = asked
    if engine == "sqlite" and counts != [1]:
        print("  SQLite runs with 1 worker only (pausebot refuses --workers on SQLite)")
        counts = [1]
    if not supported and counts != [1]:
        print("  `pausebot run --help` does not list --workers yet: measuring 1 worker only")
        counts = [1]
    return counts


async def bench_engine(
    engine: str,
    url: str,
    options: argparse.Namespace,
    fake: FakeSlackApi,
    folder: Path,
    supported: bool,
) -> EngineResults:
    """Floors and pausebot over HTTP per worker count, then the command layer alone."""
    client = SlackClient(fake.response_url("bench"))
    ledger = Ledger(url)
    print(f"\n== {engine}: signed /hours log over HTTP, {options.requests} requests a run")
    http, labels = {}, {}
    try:
        async with contextlib.AsyncExitStack() as stack:
            floors = [
                await stack.enter_async_context(noop_server(label, folder))
                for label in (PBR, DEFAULT)
            ]
            for index, workers in enumerate(worker_counts(engine, options.workers, supported)):
                async with pausebot_server(url, fake, folder, workers=workers) as target:
                    if index == 0:
                        await prepare(client, target)
                    http[workers] = await measure_http(
                        client, [*floors, target], options.requests, ledger, fake
                    )
                    labels[workers] = target.label
        print(f"\n== {engine}: the command layer alone (no HTTP), {options.requests} entries")
        print(f"  {'configuration':34} {'conc':>4} {'entries/s':>9} {'p50 ms':>9} {'p99 ms':>9}")
        core = await measure_core(url, options.requests, ledger)
        if options.profile:
            print(f"\n== {engine}: profile")
            path = profile_path(options.profile, engine, several=options.engine == "both")
            await profile(path, url, fake, folder, client, options.requests, ledger)
    finally:
        ledger.engine.dispose()
    return EngineResults(engine, http, labels, core, ledger.acknowledged)


def profile_path(given: str, engine: str, *, several: bool) -> Path:
    """The profile's file: FILE, or FILE-ENGINE when both engines are measured."""
    path = Path(given).resolve()
    return path.with_name(f"{path.stem}-{engine}{path.suffix}") if several else path


def verdict(met: bool) -> str:
    """Met or not, in one word."""
    return "met" if met else "NOT MET"


def summary(results: list[EngineResults]) -> None:
    """pausebot's ratios to the no-op process_before_response floor, against the targets."""
    print(
        f"\n== summary against the targets (side by side, one run): at c=16 req/s >= "
        f"{TARGET_THROUGHPUT}x the no-op process_before_response floor (goal {GOAL_THROUGHPUT}x); "
        f"p50 at c=1 <= {TARGET_P50_MS:g} ms; p99 at c=64 <= {TARGET_P99_RATIO:g}x the floor's p99"
    )
    for result in results:
        driver, *core = result.core
        for workers, figures_by_key in result.http.items():
            label = result.labels[workers]
            ours, floor = (
                {c: figures_by_key[(name, c)] for c in CONCURRENCY} for name in (label, PBR)
            )
            throughput = ours[16].per_second / floor[16].per_second
            goal = " (goal met)" if throughput >= GOAL_THROUGHPUT else ""
            tail = ours[64].p99_ms / floor[64].p99_ms
            print(f"  {result.engine}, {label}:")
            print(
                f"    c=16 req/s   {throughput:6.2f}x  ({ours[16].per_second:.0f} vs "
                f"{floor[16].per_second:.0f})  {verdict(throughput >= TARGET_THROUGHPUT)}{goal}"
            )
            print(
                f"    c=1 p50      {ours[1].p50_ms:6.2f} ms (no-op {floor[1].p50_ms:.2f} ms, "
                f"driver insert alone {driver.p50_ms:.2f} ms)  "
                f"{verdict(ours[1].p50_ms <= TARGET_P50_MS)}"
            )
            print(
                f"    c=64 p99     {tail:6.2f}x  ({ours[64].p99_ms:.1f} vs {floor[64].p99_ms:.1f} "
                f"ms)  {verdict(tail <= TARGET_P99_RATIO)}"
            )
        ratios = ", ".join(
            f"c={item.concurrency} {item.per_second / driver.per_second:.2f}x" for item in core
        )
        print(f"  {result.engine}, command layer alone vs driver floor: entries/s {ratios}")
        print(
            f"  {result.engine}: {result.acknowledged} entries acknowledged (pausebot, the command "
            "layer and the floor), each committed exactly once: met"
        )


async def bench(options: argparse.Namespace) -> None:
    """Every engine asked for, then the summary; SIGTERM stops it as cleanly as a failure."""
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, asyncio.current_task().cancel)
    supported = pausebot_supports_workers()
    fake = await FakeSlackApi().start()
    for user in [ADMIN, *USERS]:
        fake.add_user(user, user.title())
    results = []
    try:
        with tempfile.TemporaryDirectory(prefix="pausebot-bench-") as folder:
            for engine in engines(options.engine):
                url = await fresh_database(engine, Path(folder), options.postgres_url)
                try:
                    results.append(
                        await bench_engine(engine, url, options, fake, Path(folder), supported)
                    )
                finally:
                    await drop_database(url, options.postgres_url)
    finally:
        await fake.stop()
    summary(results)


def positive(text: str) -> int:
    """A whole number of at least 1."""
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of at least 1")
    return int(text)


def counts(text: str) -> list[int]:
    """`1,2` as [1, 2]."""
    try:
        found = sorted({int(part) for part in text.split(",") if part.strip()})
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a list like 1,2") from None
    if not found or found[0] < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: worker counts start at 1")
    return found


def main() -> None:
    """Run the benchmark, or (with --serve-noop) be the no-op floor's server."""
    args = parser(__doc__.splitlines()[0])
    args.add_argument("--requests", type=positive, default=1000, help="requests per run")
    args.add_argument(
        "--workers", type=counts, default=[1], help="pausebot run --workers N for each N (1,2)"
    )
    args.add_argument("--profile", default=None, help="write pausebot's pyinstrument profile")
    args.add_argument("--serve-noop", type=int, default=None, help=argparse.SUPPRESS)
    args.add_argument("--pbr", action="store_true", help=argparse.SUPPRESS)
    args.add_argument("--serve-profiled", type=Path, default=None, help=argparse.SUPPRESS)
    options = args.parse_args()
    if options.serve_profiled is not None:
        serve_profiled(options.serve_profiled)
    elif options.serve_noop is not None:
        asyncio.run(serve_noop(options.serve_noop, options.pbr))
    else:
        try:
            asyncio.run(bench(options))
        except asyncio.CancelledError:
            sys.exit("bench.slack_ack: stopped by SIGTERM; every server stopped")


if __name__ == "__main__":
    main()
