"""`pausebot run`: the composition root that builds every part and runs them until stopped."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from contextlib import AsyncExitStack
from datetime import timedelta

from prometheus_client import Gauge

from bot.adapters.console.chat import chat as console_chat
from bot.adapters.console.chat import tolerant_stdio
from bot.adapters.console.sender import ConsoleSender
from bot.commands.runner import CommandRunner
from bot.config import Settings
from bot.core.audiences import Audience, PlatformAudiences
from bot.core.clock import Clock, SystemClock
from bot.core.words import IdentityKey, Platform
from bot.dashboard import add_dashboard
from bot.db.session import Database
from bot.health import Health
from bot.metrics import Metrics
from bot.notify.dispatcher import Dispatcher
from bot.notify.sender import Sender
from bot.scheduling.jobs import Jobs
from bot.scheduling.leadership import leadership_for
from bot.scheduling.scheduler import Scheduler
from bot.web import create_web_app, start_web

log = logging.getLogger(__name__)

# How long a thread may hold the GIL while another waits for it. The event loop and the threads
# that run units of work share it: a unit back from the database waits at most this long to go
# on, instead of Python's default 5 ms (measured: p50 at concurrency 1 and p99 at 64 both drop
# by about a third; docs/BENCHMARKS.md).
GIL_SWITCH_SECONDS = 0.001


def stop_event() -> asyncio.Event:
    """An event set on SIGINT or SIGTERM."""
    event = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, event.set)
    return event


def build_senders(settings: Settings) -> dict[Platform, Sender]:
    """One sender per configured platform; the console always."""
    senders: dict[Platform, Sender] = {Platform.CONSOLE: ConsoleSender()}
    if settings.slack_enabled:
        from bot.adapters.slack.sender import slack_sender

        senders[Platform.SLACK] = slack_sender(settings)
    if settings.discord_enabled:
        from bot.adapters.discord.sender import DiscordSender

        senders[Platform.DISCORD] = DiscordSender(
            token=settings.DISCORD_BOT_TOKEN or "", api_url=settings.DISCORD_API_URL
        )
    return senders


class Background:
    """Delivery and scheduling as background tasks of one process."""

    def __init__(
        self,
        *,
        database: Database,
        settings: Settings,
        clock: Clock,
        metrics: Metrics,
        senders: dict[Platform, Sender],
        audience: Audience | None = None,
    ) -> None:
        self.senders = senders
        self.dispatcher = Dispatcher(
            database=database,
            senders=senders,
            clock=clock,
            metrics=metrics,
            lease=timedelta(seconds=settings.OUTBOX_LEASE_SECONDS),
        )
        jobs = Jobs(
            database=database, settings=settings, clock=clock, metrics=metrics, audience=audience
        )
        self.scheduler = Scheduler(jobs=jobs, leadership=leadership_for(database))
        self.tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        """Start delivering and scheduling in the background."""
        self.tasks = [
            asyncio.create_task(self.dispatcher.run(), name="pausebot-dispatcher"),
            asyncio.create_task(self.scheduler.run(), name="pausebot-scheduler"),
        ]

    async def stop(self, *, flush_seconds: float = 5.0) -> None:
        """Stop both tasks, deliver what is due for a few seconds more, close the senders.

        The dispatcher is asked to stop between passes rather than cancelled, so no database
        call is cut in the middle; the scheduler, which mostly waits, is cancelled.
        """
        self.dispatcher.stop()
        delivering, scheduling = self.tasks
        scheduling.cancel()
        _done, late = await asyncio.wait([delivering], timeout=flush_seconds)
        for task in late:
            task.cancel()
        for result in await asyncio.gather(*self.tasks, return_exceptions=True):
            if isinstance(result, Exception):
                log.error("background task ended with %r", result)
        try:
            await asyncio.wait_for(self.dispatcher.drain(), timeout=flush_seconds)
        except TimeoutError:
            log.info("stopped with messages still to deliver; the next run sends them")
        for sender in self.senders.values():
            close = getattr(sender, "close", None)
            if close is not None:
                await close()


async def console_until(stopped: asyncio.Event, runner: CommandRunner, *, name: str) -> None:
    """Chat in the terminal until end of input, `exit`, or a stop signal."""
    tolerant_stdio()
    me = IdentityKey(Platform.CONSOLE, name)
    print(f"pausebot console as {me}. Type /help; Ctrl-D or exit quits.", flush=True)
    talking = asyncio.create_task(console_chat(runner, name=name))
    signalled = asyncio.create_task(stopped.wait())
    await asyncio.wait((talking, signalled), return_when=asyncio.FIRST_COMPLETED)
    signalled.cancel()
    talking.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await talking


async def run_app(settings: Settings, *, console_name: str, worker: int | None = None) -> None:
    """Run until stopped: platform adapters when configured, else the console.

    As worker `worker` of `pausebot run --workers` it shares the HTTP port with the other
    workers (SO_REUSEPORT), and only worker 0 holds the connections a bot has one of (the
    Discord gateway, Slack Socket Mode); every worker delivers and competes for the scheduler.
    """
    sys.setswitchinterval(GIL_SWITCH_SECONDS)
    console = not (settings.slack_enabled or settings.discord_enabled)
    if console and not settings.PAUSEBOT_ADMINS:
        admin = IdentityKey(Platform.CONSOLE, console_name)
        settings = settings.model_copy(update={"PAUSEBOT_ADMINS": [admin]})
        log.info("no PAUSEBOT_ADMINS set: %s is admin here", admin)
    connects = worker in (None, 0)
    serves_slack = settings.slack_enabled and (connects or not settings.SLACK_APP_TOKEN)
    joins_discord = settings.discord_enabled and connects
    database = Database(settings.DATABASE_URL)
    await database.upgrade()
    metrics = Metrics()
    if worker is not None:
        Gauge(
            "pausebot_worker",
            "The index of the worker of `pausebot run --workers` that answered.",
            registry=metrics.registry,
        ).set(worker)
    clock = SystemClock()
    # Lists the members of groups named in commands, per connected platform (added below).
    audiences = PlatformAudiences()
    runner = CommandRunner(
        database=database, settings=settings, clock=clock, metrics=metrics, audience=audiences
    )
    # Each adapter this process runs, with its state, for /healthz; nothing below waits on a
    # platform.
    health = Health()
    for platform, runs_here in ((Platform.SLACK, serves_slack), (Platform.DISCORD, joins_discord)):
        if runs_here:
            health.expect(platform)
    web_app = create_web_app(database=database, metrics=metrics, health=health)
    add_dashboard(web_app, database=database, settings=settings, clock=clock)
    async with AsyncExitStack() as stack:
        stack.push_async_callback(database.dispose)
        if settings.slack_enabled:
            from bot.adapters.slack.groups import SlackAudience

            if serves_slack:
                from bot.adapters.slack.app import start_slack

                listeners = await start_slack(settings, runner, web_app, stack, health)
                slack_api = listeners.api
            else:
                from bot.adapters.slack.webapi import WebApi, web_client

                slack_api = WebApi(web_client(settings))
            audiences.add(Platform.SLACK, SlackAudience(slack_api))
        try:
            web_runner = await start_web(
                web_app,
                host=settings.HTTP_HOST,
                port=settings.HTTP_PORT,
                reuse_port=worker is not None,
            )
            stack.push_async_callback(web_runner.cleanup)
        except OSError as exc:
            if not console:
                raise
            log.warning("HTTP server not started: %s", exc)
        if joins_discord:
            from bot.adapters.discord.bot import PausebotBot

            discord_bot = PausebotBot(runner=runner, settings=settings, health=health)
            discord_bot.launch()
            stack.push_async_callback(discord_bot.shutdown)
            from bot.adapters.discord.groups import DiscordAudience

            audiences.add(Platform.DISCORD, DiscordAudience(discord_bot))
        background = Background(
            database=database,
            settings=settings,
            clock=clock,
            metrics=metrics,
            senders=build_senders(settings),
            audience=audiences,
        )
        background.start()
        stack.push_async_callback(background.stop)
        stopped = stop_event()
        if console:
            await console_until(stopped, runner, name=console_name)
        else:
            await stopped.wait()
