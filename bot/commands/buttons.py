"""Buttons under messages: a pressed button runs the command its value names, for whoever
pressed it, exactly as if they had typed it (the same roles, rules and refusals)."""

from __future__ import annotations

from bot.commands.reply import ErrorKind, Reply

# The commands a button may run; a value naming any other command is refused.
BUTTON_COMMANDS = frozenset({("hours", "available")})
VALUE_LIMIT = 200


def button_command(value: object) -> tuple[str, str] | None:
    """A button's command as (group, text after the group), when it is one buttons may run."""
    if not isinstance(value, str) or len(value) > VALUE_LIMIT:
        return None
    words = value.split()
    if len(words) < 2 or (words[0], words[1]) not in BUTTON_COMMANDS:
        return None
    return words[0], " ".join(words[1:])


def stale_button() -> Reply:
    """The answer to a button pausebot does not know (an old message, or a forged one)."""
    return Reply.error(
        "That button does nothing any more; type /hours help to see your commands.",
        kind=ErrorKind.UNKNOWN_COMMAND,
    )
