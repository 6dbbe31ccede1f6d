"""The console sender: announcements, reminders and summaries printed to the terminal."""

from __future__ import annotations

import sys
from typing import TextIO

from bot.adapters.console.render import message_text
from bot.core.words import Platform, TargetType
from bot.notify.sender import Outgoing


def render(outgoing: Outgoing) -> str:
    """A message as terminal text, headed by where it goes."""
    where = (
        f"#{outgoing.target}"
        if outgoing.target_type == TargetType.CHANNEL
        else f"@{outgoing.target}"
    )
    return f"[{where}] {message_text(outgoing.message)}"


class ConsoleSender:
    """Prints outbox messages; a terminal has no history to look a message up in."""

    platform = Platform.CONSOLE

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream

    async def send(self, message: Outgoing) -> None:
        """Print the message."""
        stream = self.stream or sys.stdout
        stream.write(render(message) + "\n")
        stream.flush()

    async def was_sent(self, message: Outgoing) -> bool:
        """Never known: a message in doubt is printed again."""
        return False
