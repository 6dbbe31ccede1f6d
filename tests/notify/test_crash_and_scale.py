"""`pausebot run` as real processes on a fake Slack Web API: kill -9 mid fan-out, 429 storm.

On SQLite one process is killed and started again; on PostgreSQL two processes share the
database, one is killed mid fan-out and started again while the other carries on. Two
processes in a 429 storm honour each other's Retry-After through the database.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiohttp import web
from sqlalchemy import func, select

from bot.db.models import OutboxMessage, RateLimitHold, ScheduledRun
from bot.db.session import Database
from tests.conftest import POSTGRES_URL
from tests.fakes.slack_api import FakeSlackApi
from tests.notify.fakes import crowd

CONTRACTORS = 1000
KILL_AFTER_POSTS = 300
STORM = 15
WAIT_SECONDS = 180


class HangingSlackApi(FakeSlackApi):
    """The fake Slack Web API; while `hanging`, it stores posted messages but never answers."""

    def __init__(self) -> None:
        super().__init__()
        self.hanging = False
        self.released = asyncio.Event()

    async def _api(self, request: web.Request) -> web.Response:
        """Answer as Slack does, or hold the answer back after storing the message."""
        response = await super()._api(request)
        if self.hanging and request.match_info["method"] == "chat.postMessage":
            await self.released.wait()
        return response

    def posts(self) -> int:
        """How many chat.postMessage calls arrived."""
        return len(self.called("chat.postMessage"))


async def until(condition, what: str) -> None:
    """Wait, yielding to the fake API and the processes, until a condition holds."""
    deadline = time.monotonic() + WAIT_SECONDS
    while not await condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)


async def start_run(
    database_url: str, api: FakeSlackApi, folder: Path, name: str, *, token: str = "xoxb-test"
):
    """Start `pausebot run` with Slack pointed at the fake Web API."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": token,
        "SLACK_SIGNING_SECRET": "test-secret",
        "SLACK_API_URL": api.api_url,
        "OPS_CHANNELS": "slack:COPS",
        "PAUSEBOT_TZ": "UTC",
        "HTTP_PORT": "0",
        "OUTBOX_LEASE_SECONDS": "5",
    }
    log = (folder / f"{name}.log").open("ab")
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=folder, env=env, stdout=log, stderr=log
    )


async def unsent(database: Database) -> int:
    """Outbox rows not yet sent or failed."""
    async with database.transaction() as db:
        return await db.scalar(
            select(func.count()).where(OutboxMessage.state.in_(("pending", "sending")))
        )


async def test_fan_out_survives_kill_and_429_storm(say, database, database_url, clock, tmp_path):
    """1,000 DMs: kill -9 mid fan-out, a 429 storm, restart; each recipient gets exactly one."""
    clock.set(datetime.now(UTC))
    api = await HangingSlackApi().start()
    processes = []
    try:
        await say.ok("admin", '/project add ACME "Acme AI" "Labeling"')
        await say.ok("admin", "/project channel ACME #slack:CPROJ")
        names = await crowd(database, code="ACME", count=CONTRACTORS, now=clock.now())
        for name in names:
            api.add_user(f"S{name}", name)
        await say.ok("admin", "/project pause ACME vendor incident")
        async with database.transaction() as db:
            query = select(OutboxMessage.dedupe_key).where(OutboxMessage.platform == "slack")
            keys = set(await db.scalars(query))
        assert len(keys) == CONTRACTORS + 1

        started = time.monotonic()
        count = 2 if POSTGRES_URL else 1
        processes = [await start_run(database_url, api, tmp_path, f"run{i}") for i in range(count)]

        async def enough_posts() -> bool:
            """Whether the fan-out is well under way."""
            return api.posts() >= KILL_AFTER_POSTS

        await until(enough_posts, "the fan-out to start")
        api.hanging = True
        await asyncio.sleep(0.2)
        processes[0].send_signal(signal.SIGKILL)
        await processes[0].wait()
        posts_at_kill = api.posts()
        api.fail_next(STORM, method="chat.postMessage", retry_after=1)
        api.hanging = False
        api.released.set()
        processes[0] = await start_run(database_url, api, tmp_path, "run0-again")

        async def all_sent() -> bool:
            """Whether the outbox is empty."""
            return await unsent(database) == 0

        await until(all_sent, "every message to be delivered")
        elapsed = time.monotonic() - started
    finally:
        for process in processes:
            if process.returncode is None:
                process.terminate()
                await process.wait()
        await api.stop()

    delivered = Counter()
    for channel, messages in api.messages.items():
        for posted in messages:
            key = posted.get("metadata", {}).get("event_payload", {}).get("dedupe_key")
            delivered[key] += 1
            assert channel in ("CPROJ", "COPS") or key.endswith(channel[1:])
    announcement = {key for key in delivered if key.startswith("change:")}
    assert announcement == keys
    assert set(delivered.values()) == {1}, "a message went out twice"
    refused = len(api.called("chat.postMessage")) - len(delivered)
    assert refused == STORM
    async with database.transaction() as db:
        summaries = await db.scalar(select(func.count()).where(ScheduledRun.job == "daily_summary"))
    assert summaries == 1
    assert sum(key.startswith("summary:") for key in delivered) == 1
    print(
        f"\n{count} process(es), {'PostgreSQL' if POSTGRES_URL else 'SQLite'}: "
        f"{len(delivered)} messages each delivered once in {elapsed:.1f}s; "
        f"{posts_at_kill} posts before kill -9, {refused} posts answered 429 "
        f"(a storm of {STORM} in a row, Retry-After 1 s each), "
        f"{len(api.called('conversations.history'))} in-doubt look-ups"
    )


HOLD_CONTRACTORS = 300
WARM_POSTS = 60
# A process that read the holds just before another one recorded a hold may still have a post
# on its way: its send follows its check within milliseconds, but the machine running the
# tests may be busy. Posts that arrive later than this after a hold was recorded are counted.
CHECK_TO_POST_SECONDS = 0.5


class HoldWatch:
    """Watches the rate-limit holds appear in the database, on the fake API's clock."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.seen: dict[tuple[str, str, datetime], tuple[float, float]] = {}

    async def run(self) -> None:
        """Read the holds every few milliseconds until cancelled."""
        while True:
            async with self.database.transaction() as db:
                rows = (
                    await db.execute(
                        select(RateLimitHold.platform, RateLimitHold.scope, RateLimitHold.until)
                    )
                ).all()
            now, wall = time.monotonic(), time.time()
            for platform, scope, until in rows:
                if (platform, scope, until) not in self.seen:
                    self.seen[(platform, scope, until)] = (now, now + until.timestamp() - wall)
            await asyncio.sleep(0.005)

    def after_recorded(self, calls: list) -> list[float]:
        """For each call that reached the fake while a recorded hold ran: how long after."""
        return [
            max(call.at - seen for seen, end in self.seen.values() if seen < call.at < end)
            for call in calls
            if any(seen < call.at < end for seen, end in self.seen.values())
        ]


@pytest.mark.skipif(not POSTGRES_URL, reason="several `pausebot run` share PostgreSQL only")
async def test_two_processes_in_a_429_storm_honour_each_others_holds(
    say, database, database_url, clock, tmp_path
):
    """Two `pausebot run` on PostgreSQL in a 429 storm: no post once either recorded a hold.

    Both deliver a while without limits; then Slack answers 429 to a storm of posts
    (Retry-After 3 s) and, after it, to every post beyond fifty a second (Retry-After 2 s).
    A process records each hold in the database as it gets the 429; from the moment a hold
    is there, no post of either may reach Slack until it ends. Posts already on their way
    when Slack answered 429 (or before the hold was written) are counted apart.
    """
    clock.set(datetime.now(UTC))
    api = await FakeSlackApi().start()
    watch = HoldWatch(database)
    watching = asyncio.create_task(watch.run())
    processes = []
    try:
        await say.ok("admin", '/project add ACME "Acme AI" "Labeling"')
        await say.ok("admin", "/project channel ACME #slack:CPROJ")
        names = await crowd(database, code="ACME", count=HOLD_CONTRACTORS, now=clock.now())
        for name in names:
            api.add_user(f"S{name}", name)
        await say.ok("admin", "/project pause ACME vendor incident")
        started = time.monotonic()
        processes = [
            await start_run(database_url, api, tmp_path, name, token=f"xoxb-{name}")
            for name in ("run0", "run1")
        ]

        async def warm() -> bool:
            """Whether both processes have posted."""
            tokens = Counter(call.token for call in api.called("chat.postMessage"))
            return tokens["xoxb-run0"] >= 5 and tokens["xoxb-run1"] >= 5

        await until(warm, "both processes to deliver")
        api.fail_next(STORM, method="chat.postMessage", retry_after=3)
        api.limit("chat.postMessage", per_second=50, burst=20, retry_after=2)

        async def all_sent() -> bool:
            """Whether the outbox is empty."""
            return await unsent(database) == 0

        await until(all_sent, "every message to be delivered")
        elapsed = time.monotonic() - started
    finally:
        watching.cancel()
        await asyncio.gather(watching, return_exceptions=True)
        for process in processes:
            if process.returncode is None:
                process.terminate()
                await process.wait()
        await api.stop()

    posts = api.called("chat.postMessage")
    delivered = Counter(
        posted["metadata"]["event_payload"]["dedupe_key"]
        for messages in api.messages.values()
        for posted in messages
    )
    assert sum(key.startswith("change:") for key in delivered) == HOLD_CONTRACTORS + 1
    assert set(delivered.values()) == {1}, "a message went out twice"
    windows = Counter(window.token for window in api.announced)
    assert windows["xoxb-run0"] and windows["xoxb-run1"], windows
    assert watch.seen
    after = watch.after_recorded(posts)
    during = [lateness for lateness in after if lateness > CHECK_TO_POST_SECONDS]
    in_window = api.calls_during_holds("chat.postMessage")
    print(
        f"\n2 processes, PostgreSQL: {len(delivered)} messages each delivered once in "
        f"{elapsed:.1f}s; {len(posts)} posts, {len(api.announced)} answered 429 "
        f"(Retry-After windows {dict(windows)}), {len(watch.seen)} holds recorded; "
        f"posts begun while a recorded hold ran: {len(during)}; "
        f"{len(after)} posts already on their way when a hold was recorded arrived at most "
        f"{max(after, default=0) * 1000:.0f} ms after it; {len(in_window)} posts arrived "
        f"inside a Retry-After before the hold was recorded"
    )
    assert during == []
