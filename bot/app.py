"""`pausebot run`: the long-running process with every configured adapter."""

from __future__ import annotations

import logging

from bot.adapters.console import chat as console_chat
from bot.commands.runner import CommandRunner
from bot.config import Settings
from bot.core.clock import SystemClock
from bot.db.session import Database

log = logging.getLogger(__name__)


async def run_app(settings: Settings, *, console_name: str) -> None:
    """Run until stopped: platform adapters when configured, else the console."""
    database = Database(settings.DATABASE_URL)
    await database.upgrade()
    try:
        if not (settings.slack_enabled or settings.discord_enabled):
            if not settings.PAUSEBOT_ADMINS:
                settings = settings.model_copy(
                    update={"PAUSEBOT_ADMINS": [f"console:{console_name}"]}
                )
                log.info("no PAUSEBOT_ADMINS set: console:%s is admin here", console_name)
            runner = CommandRunner(database=database, settings=settings, clock=SystemClock())
            print(f"pausebot console as console:{console_name}. Type /help; Ctrl-D quits.")
            await console_chat(runner, name=console_name)
            return
        raise SystemExit("pausebot: Slack and Discord adapters are not available yet")
    finally:
        await database.dispose()
