"""Delivery and scheduling inside `pausebot run`: the senders, the dispatcher, the scheduler."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from bot.config import Settings
from bot.core.clock import Clock
from bot.db.session import Database
from bot.metrics import Metrics
from bot.notify.console import ConsoleSender
from bot.notify.dispatcher import Dispatcher
from bot.notify.sender import Sender
from bot.scheduling.jobs import Jobs
from bot.scheduling.leadership import leadership_for
from bot.scheduling.scheduler import Scheduler

log = logging.getLogger(__name__)


def build_senders(settings: Settings) -> dict[str, Sender]:
    """One sender per configured platform; the console always."""
    senders: dict[str, Sender] = {"console": ConsoleSender()}
    if settings.slack_enabled:
        from slack_sdk.web.async_client import AsyncWebClient

        from bot.adapters.slack.app import api_base_url
        from bot.adapters.slack.sender import SlackSender
        from bot.adapters.slack.webapi import WebApi

        client = AsyncWebClient(
            token=settings.SLACK_BOT_TOKEN, base_url=api_base_url(settings.SLACK_API_URL)
        )
        senders["slack"] = SlackSender(WebApi(client))
    if settings.discord_enabled:
        from bot.adapters.discord.sender import DiscordSender

        senders["discord"] = DiscordSender(
            token=settings.DISCORD_BOT_TOKEN or "", api_url=settings.DISCORD_API_URL
        )
    return senders


class Notifications:
    """The dispatcher and the scheduler as background tasks of one process."""

    def __init__(
        self,
        *,
        database: Database,
        settings: Settings,
        clock: Clock,
        metrics: Metrics,
        senders: dict[str, Sender] | None = None,
    ) -> None:
        self.senders = build_senders(settings) if senders is None else senders
        self.dispatcher = Dispatcher(
            database=database,
            senders=self.senders,
            clock=clock,
            metrics=metrics,
            lease=timedelta(seconds=settings.OUTBOX_LEASE_SECONDS),
        )
        jobs = Jobs(database=database, settings=settings, clock=clock, metrics=metrics)
        self.scheduler = Scheduler(jobs=jobs, leadership=leadership_for(database))
        self.tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        """Start delivering and scheduling in the background."""
        self.tasks = [
            asyncio.create_task(self.dispatcher.run(), name="pausebot-dispatcher"),
            asyncio.create_task(self.scheduler.run(), name="pausebot-scheduler"),
        ]

    async def stop(self, *, flush_seconds: float = 5.0) -> None:
        """Stop both tasks, deliver what is due for a few seconds more, close the senders."""
        for task in self.tasks:
            task.cancel()
        for result in await asyncio.gather(*self.tasks, return_exceptions=True):
            if isinstance(result, Exception):
                log.error("notifications task ended with %r", result)
        try:
            await asyncio.wait_for(self.dispatcher.drain(), timeout=flush_seconds)
        except TimeoutError:
            log.info("stopped with messages still to deliver; the next run sends them")
        for sender in self.senders.values():
            close = getattr(sender, "close", None)
            if close is not None:
                await close()
