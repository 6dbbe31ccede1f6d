"""The console sender: announcements, reminders and summaries printed to the terminal."""

from __future__ import annotations

import sys
from typing import TextIO

from bot.notify.sender import Outgoing


def render(message: Outgoing) -> str:
    """A message as terminal text, headed by where it goes."""
    where = f"#{message.target}" if message.target_type == "channel" else f"@{message.target}"
    title = message.payload.get("title", "")
    text = message.payload.get("text", "")
    return "\n".join(part for part in (f"[{where}] {title}".rstrip(), text) if part)


class ConsoleSender:
    """Prints outbox messages; a terminal has no history to look a message up in."""

    platform = "console"

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
