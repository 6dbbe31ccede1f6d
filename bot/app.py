"""`pausebot run`: the long-running process with every configured adapter."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from contextlib import AsyncExitStack

from bot.adapters.console import chat as console_chat
from bot.commands.runner import CommandRunner
from bot.config import Settings
from bot.core.clock import SystemClock
from bot.db.session import Database
from bot.metrics import Metrics
from bot.notify.runtime import Notifications
from bot.web import create_web_app, start_web

log = logging.getLogger(__name__)


def stop_event() -> asyncio.Event:
    """An event set on SIGINT or SIGTERM."""
    event = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, event.set)
    return event


async def run_app(settings: Settings, *, console_name: str) -> None:
    """Run until stopped: platform adapters when configured, else the console."""
    console = not (settings.slack_enabled or settings.discord_enabled)
    if console and not settings.PAUSEBOT_ADMINS:
        settings = settings.model_copy(update={"PAUSEBOT_ADMINS": [f"console:{console_name}"]})
        log.info("no PAUSEBOT_ADMINS set: console:%s is admin here", console_name)
    database = Database(settings.DATABASE_URL)
    await database.upgrade()
    metrics = Metrics()
    clock = SystemClock()
    runner = CommandRunner(database=database, settings=settings, clock=clock, metrics=metrics)
    web_app = create_web_app(database=database, metrics=metrics)
    async with AsyncExitStack() as stack:
        stack.push_async_callback(database.dispose)
        if settings.slack_enabled:
            from bot.adapters.slack.app import start_slack

            await start_slack(settings, runner, web_app, stack)
        try:
            web_runner = await start_web(web_app, host=settings.HTTP_HOST, port=settings.HTTP_PORT)
            stack.push_async_callback(web_runner.cleanup)
        except OSError as exc:
            if not console:
                raise
            log.warning("HTTP server not started: %s", exc)
        if settings.discord_enabled:
            from bot.adapters.discord.bot import PausebotBot

            discord_bot = PausebotBot(runner=runner, settings=settings)
            discord_bot.launch()
            stack.push_async_callback(discord_bot.shutdown)
        notifications = Notifications(
            database=database, settings=settings, clock=clock, metrics=metrics
        )
        notifications.start()
        stack.push_async_callback(notifications.stop)
        if console:
            print(f"pausebot console as console:{console_name}. Type /help; Ctrl-D quits.")
            await console_chat(runner, name=console_name)
        else:
            await stop_event().wait()
