"""`pausebot run --workers N` as real processes: one HTTP port, one scheduler, each message
once, a clean stop, replaced workers, and workers that never outlive their parent.

The workers share PostgreSQL, so these tests run on the PostgreSQL run of the suite; the
refusals (SQLite, the console, a port another program holds) need no database and run on both.
Which worker answered is read from its /metrics (`pausebot_worker`), scraped over fresh
connections until every worker has been heard.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select

from bot.db.models import HoursEntry, OutboxMessage, ScheduledRun
from bot.db.session import Database
from tests.conftest import POSTGRES_URL
from tests.fakes.slack_api import FakeSlackApi
from tests.notify.test_crash_and_scale import until
from tests.slack.conftest import ADMIN, SIGNING_SECRET, TEAM, Answer, SlackHarness
from tests.slack.test_run import free_port
from tests.test_cli import pausebot

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
postgres_only = pytest.mark.skipif(not POSTGRES_URL, reason="--workers needs PostgreSQL")

CONTRACTORS = [f"UWORKER{number:02d}" for number in range(30)]
# An upper bound for a loaded machine: the parent waits up to 20 s for each worker.
STOP_SECONDS = 25.0
STARTED = re.compile(r"worker (\d+) started \(pid (\d+)\)")
LISTEN = "0A"  # the state of a listening socket in /proc/net/tcp
SCHEDULES = re.compile(r"worker=(\d+) bot\.scheduling\.scheduler: this process runs the scheduler")
# A worker's /metrics: each sample's value by its name and sorted labels.
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def alive(pid: int) -> bool:
    """Whether a process exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def listening(port: int) -> int:
    """How many sockets listen on a local TCP port over IPv4."""
    rows = Path("/proc/net/tcp").read_text().splitlines()[1:]
    return sum(
        1
        for row in rows
        if (fields := row.split())[3] == LISTEN and int(fields[1].split(":")[1], 16) == port
    )


class Workers:
    """`pausebot run --workers N` started by a test, its log in a file of the test's folder."""

    def __init__(self, process: asyncio.subprocess.Process, log: Path, port: int, count: int):
        self.process = process
        self.log_path = log
        self.port = port
        self.base = f"http://127.0.0.1:{port}"
        self.count = count

    def log(self) -> str:
        """Everything the parent and the workers logged so far."""
        return self.log_path.read_text(errors="replace")

    def pids(self) -> dict[int, list[int]]:
        """Each worker index's processes, in the order the parent started them."""
        started: dict[int, list[int]] = {}
        for index, pid in STARTED.findall(self.log()):
            started.setdefault(int(index), []).append(int(pid))
        return started

    async def scrape(self) -> dict[int, Samples]:
        """Every worker's metrics, read over fresh connections until each worker answered."""
        heard: dict[int, Samples] = {}
        connector = aiohttp.TCPConnector(force_close=True)
        async with aiohttp.ClientSession(connector=connector) as session:

            async def everyone() -> bool:
                """Scrape once more; whether every worker has answered by now."""
                assert self.process.returncode is None, "pausebot run exited early"
                try:
                    async with session.get(f"{self.base}/metrics") as response:
                        text = await response.text()
                except aiohttp.ClientConnectionError:
                    return False
                samples = {
                    (sample.name, tuple(sorted(sample.labels.items()))): sample.value
                    for family in text_string_to_metric_families(text)
                    for sample in family.samples
                }
                heard[int(samples[("pausebot_worker", ())])] = samples
                return len(heard) == self.count

            await until(everyone, "every worker to answer /metrics")
        return heard

    async def stop(self) -> int:
        """SIGTERM the parent; its exit code once it and every worker have exited."""
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(self.process.wait(), STOP_SECONDS)
        workers = [pid for pids in self.pids().values() for pid in pids]
        assert not [pid for pid in workers if alive(pid)], self.log()
        return code


def logged_hours(samples: Samples) -> float:
    """How many `/hours log` a worker's metrics say it answered successfully."""
    labels = (("command", "hours log"), ("outcome", "ok"))
    return samples.get(("pausebot_commands_total", labels), 0.0)


@pytest.fixture
async def slack_api() -> AsyncIterator[FakeSlackApi]:
    """The fake Slack Web API, knowing the admin and the contractors."""
    fake = await FakeSlackApi().start()
    fake.add_user(ADMIN, "Ada Admin")
    for user in CONTRACTORS:
        fake.add_user(user, user.title())
    yield fake
    await fake.stop()


@pytest.fixture
async def acme(say, clock) -> None:
    """Project ACME, with every contractor assigned, as of now."""
    clock.set(datetime.now(UTC))
    await say.ok("admin", '/project add ACME "Acme AI" "Labeling"')
    await say.ok("admin", "/project assign ACME " + " ".join(f"@slack:{u}" for u in CONTRACTORS))


@pytest.fixture
async def workers(
    database_url: str, slack_api: FakeSlackApi, tmp_path: Path
) -> AsyncIterator[Workers]:
    """`pausebot run --workers 2` in Slack HTTP mode on the fake; stopped after the test."""
    port = free_port()
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("PAUSEBOT_", "SLACK_", "DISCORD_"))
    }
    env |= {
        "DATABASE_URL": database_url,
        "PAUSEBOT_ADMINS": f"slack:{ADMIN}",
        "PAUSEBOT_TZ": "UTC",
        "OPS_CHANNELS": "slack:COPS",
        "SLACK_BOT_TOKEN": "xoxb-pausebot-test",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack_api.api_url,
        "HTTP_HOST": "127.0.0.1",
        "HTTP_PORT": str(port),
        "OUTBOX_LEASE_SECONDS": "5",
    }
    log = tmp_path / "run.log"
    with log.open("ab") as output:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            *("-m", "bot", "run", "--workers", "2"),
            cwd=tmp_path,
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=output,
            stderr=output,
        )
    running = Workers(process, log, port, count=2)
    try:
        await running.scrape()
        yield running
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        for pid in [pid for pids in running.pids().values() for pid in pids]:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)


class Connection:
    """One keep-alive connection to the workers that sends signed slash commands."""

    def __init__(self, workers: Workers, api: FakeSlackApi, name: str) -> None:
        self.name = name
        self.session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=1))
        self.slack = SlackHarness(f"{workers.base}/slack/events", api, None, self.session)

    async def command(self, command: str, text: str, *, user: str, number: int) -> Answer:
        """Send one slash command with a trigger id no other request has."""
        trigger = f"{number}.{TEAM}.{self.name}"
        return await self.slack.post(
            self.slack.command_form(command, text, user=user, trigger_id=trigger)
        )

    async def close(self) -> None:
        """Close the connection."""
        await self.session.close()


async def log_hours(
    workers: Workers, api: FakeSlackApi, *, batch: str, connections: int, each: int
) -> None:
    """`/hours log` over fresh keep-alive connections at once; every one is logged."""

    async def send(number: int) -> list[Answer]:
        """One connection's requests, one after another."""
        connection = Connection(workers, api, f"{batch}{number}")
        try:
            return [
                await connection.command(
                    "/hours",
                    f"log ACME 1m today {batch} {number}-{request}",
                    user=CONTRACTORS[(number + request) % len(CONTRACTORS)],
                    number=request,
                )
                for request in range(each)
            ]
        finally:
            await connection.close()

    answers = [a for sent in await asyncio.gather(*map(send, range(connections))) for a in sent]
    assert len(answers) == connections * each
    for answer in answers:
        assert answer.status == 200, answer
        assert "Logged 1m on ACME" in answer.text, answer.text
        assert "already recorded" not in answer.text


@postgres_only
async def test_two_workers_share_the_port_and_log_each_entry_once(
    acme, workers: Workers, slack_api: FakeSlackApi, database: Database
):
    """200 signed `/hours log` over 20 connections: each answered, committed once, by both."""
    await log_hours(workers, slack_api, batch="request", connections=20, each=10)

    async with database.transaction() as db:
        notes = Counter(await db.scalars(select(HoursEntry.note)))
    expected = {f"request {c}-{r}" for c in range(20) for r in range(10)}
    assert set(notes) == expected and set(notes.values()) == {1}
    served = {index: logged_hours(values) for index, values in (await workers.scrape()).items()}
    assert sum(served.values()) == 200
    assert all(served.values()), f"one worker answered every request: {served}"
    assert await workers.stop() == 0


@postgres_only
async def test_a_pause_is_delivered_once_by_the_one_scheduler_and_the_workers(
    acme, workers: Workers, slack_api: FakeSlackApi, database: Database
):
    """`/project pause` through the workers: each DM once on the fake; one scheduler ran."""
    connection = Connection(workers, slack_api, "admin")
    try:
        paused = await connection.command(
            "/project", "pause ACME vendor incident", user=ADMIN, number=1
        )
    finally:
        await connection.close()
    assert paused.status == 200 and "ACME" in paused.text, paused

    async def delivered() -> bool:
        """Whether the scheduler queued the daily summary and every outbox row has gone out."""
        async with database.transaction() as db:
            summaries = await db.scalar(
                select(func.count()).where(ScheduledRun.job == "daily_summary")
            )
            waiting = await db.scalar(
                select(func.count()).where(OutboxMessage.state.in_(("pending", "sending")))
            )
        return summaries == 1 and waiting == 0

    await until(delivered, "every message to be delivered")
    async with database.transaction() as db:
        query = select(OutboxMessage.dedupe_key).where(OutboxMessage.platform == "slack")
        expected = set(await db.scalars(query))
    announced = {key for key in expected if key.startswith("change:")}
    assert len(announced) == len(CONTRACTORS) + 1, "a DM to each contractor and the ops channel"
    assert sum(key.startswith("summary:") for key in expected) == 1
    posted = Counter(
        message.get("metadata", {}).get("event_payload", {}).get("dedupe_key")
        for messages in slack_api.messages.values()
        for message in messages
    )
    assert set(posted) == expected and set(posted.values()) == {1}, posted
    assert len(SCHEDULES.findall(workers.log())) == 1, workers.log()
    assert await workers.stop() == 0


@postgres_only
async def test_sigterm_stops_the_parent_and_every_worker(workers: Workers):
    """SIGTERM to the parent: every worker stops gracefully and the parent exits 0."""
    pids = workers.pids()
    assert sorted(pids) == [0, 1]
    started = time.monotonic()
    assert await workers.stop() == 0
    assert time.monotonic() - started < STOP_SECONDS
    assert "stopped with" not in workers.log(), "a worker did not stop gracefully"
    assert "every worker has stopped" in workers.log()


@postgres_only
async def test_a_killed_worker_is_replaced_and_serves_again(
    acme, workers: Workers, slack_api: FakeSlackApi
):
    """kill -9 of worker 1: the others keep the port served; its replacement answers too."""
    [killed] = workers.pids()[1]
    os.kill(killed, signal.SIGKILL)

    async def closed() -> bool:
        """Whether the killed worker's listening socket is gone (the kernel may close it after
        the process exited; until then, connections it is handed are reset)."""
        return listening(workers.port) == 1

    await until(closed, "the killed worker's listening socket to close")
    await log_hours(workers, slack_api, batch="meanwhile", connections=4, each=2)

    async def replaced() -> bool:
        """Whether the parent started worker 1 again."""
        return len(workers.pids()[1]) == 2

    await until(replaced, "worker 1 to be started again")
    assert "ended with signal SIGKILL" in workers.log()
    await workers.scrape()
    served = 0.0
    for attempt in range(5):
        await log_hours(workers, slack_api, batch=f"again{attempt}-", connections=8, each=1)
        served = logged_hours((await workers.scrape())[1])
        if served:
            break
    assert served, "the replacement of worker 1 answered none of 40 connections"
    assert alive(workers.pids()[1][1])
    assert await workers.stop() == 0


@postgres_only
async def test_workers_stop_when_their_parent_is_killed(workers: Workers):
    """kill -9 of the parent: each worker sees its pipe close and stops by itself."""
    pids = [pid for started in workers.pids().values() for pid in started]
    workers.process.kill()
    await workers.process.wait()

    async def all_gone() -> bool:
        """Whether no worker runs any more."""
        return not any(alive(pid) for pid in pids)

    await until(all_gone, "the workers to stop")
    assert workers.log().count("the parent process is gone; stopping") == 2


SLACK = {"SLACK_BOT_TOKEN": "xoxb-pausebot-test", "SLACK_SIGNING_SECRET": SIGNING_SECRET}
NOWHERE = "postgresql://postgres@127.0.0.1:9/never-reached"


@pytest.mark.parametrize(
    ("url", "platform", "refusal"),
    [
        ("sqlite:///pausebot.db", SLACK, "--workers needs PostgreSQL; one process serves SQLite"),
        (NOWHERE, {}, "--workers needs Slack or Discord configured; the console cannot be split"),
    ],
)
def test_workers_refuse_sqlite_and_the_console(tmp_path, url, platform, refusal):
    """`--workers 2` on SQLite, or with no platform, exits 2 with one line saying why."""
    done = pausebot("run", "--workers", "2", url=url, cwd=tmp_path, HTTP_PORT="0", **platform)
    assert done.returncode == 2
    assert done.stderr.strip() == f"pausebot: {refusal}"
    assert list(tmp_path.iterdir()) == []


def test_workers_refuse_a_port_another_program_holds(tmp_path):
    """`--workers 2` on a port another program listens on exits 2 saying so."""
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        done = pausebot(
            "run", "--workers", "2", url=NOWHERE, cwd=tmp_path, HTTP_PORT=str(port), **SLACK
        )
    assert done.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in done.stderr
    assert "another program holds the port" in done.stderr


@pytest.mark.parametrize("count", ["0", "65"])
def test_workers_count_is_checked(tmp_path, count):
    """`--workers` takes 1 to 64."""
    done = pausebot("run", "--workers", count, url=NOWHERE, cwd=tmp_path, **SLACK)
    assert done.returncode == 2
    assert "--workers" in done.stderr
