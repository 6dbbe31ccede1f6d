"""Block Kit: the one renderer of a Message, for command replies and outbox messages alike."""

from __future__ import annotations

from typing import Any

from bot.adapters.slack.ids import Action, Block
from bot.commands.reply import Reply
from bot.core import message as neutral
from bot.core.message import Field, Message, Table, clip

MESSAGE_BLOCKS = 50
SECTION_TEXT = 3000
FIELD_TEXT = 2000
FIELDS_PER_SECTION = 10
HEADER_TEXT = 150
BUTTON_TEXT = 75
BUTTON_VALUE = 2000
BUTTONS_PER_BLOCK = 25
FALLBACK_TEXT = 3000
FENCE = "```"

Json = dict[str, Any]


def escape(text: str) -> str:
    """Escape the three characters Slack's mrkdwn treats as control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def plain(text: str, limit: int = HEADER_TEXT) -> dict[str, Any]:
    """A plain_text object, clipped to `limit`."""
    return {"type": "plain_text", "text": clip(text, limit), "emoji": True}


def mrkdwn(text: str, limit: int = SECTION_TEXT) -> dict[str, Any]:
    """A mrkdwn text object, clipped to `limit`."""
    return {"type": "mrkdwn", "text": clip(text, limit)}


def section(text: str) -> Json:
    """A section block of mrkdwn text (already escaped)."""
    return {"type": "section", "text": mrkdwn(text)}


def context(text: str) -> Json:
    """A context block with one line of small mrkdwn text (already escaped)."""
    return {"type": "context", "elements": [mrkdwn(text)]}


def log_hours_button(*, primary: bool = True) -> dict[str, Any]:
    """The button that opens the log-hours modal."""
    button: dict[str, Any] = {
        "type": "button",
        "action_id": Action.OPEN_LOG_MODAL,
        "text": plain("Log hours"),
        "value": "log",
    }
    if primary:
        button["style"] = "primary"
    return button


def chunks(lines: list[str], limit: int) -> list[list[str]]:
    """Lines grouped so that each group, joined by newlines, stays within `limit` characters."""
    groups: list[list[str]] = []
    size = 0
    for line in lines:
        if not groups or size + 1 + len(line) > limit:
            groups.append([])
            size = -1
        groups[-1].append(line)
        size += 1 + len(line)
    return groups


def text_sections(text: str) -> list[Json]:
    """Text as sections that each fit Slack's limit, split between lines."""
    lines = escape(text).splitlines()
    return [section("\n".join(group)) for group in chunks(lines, SECTION_TEXT)]


def field_sections(fields: tuple[Field, ...]) -> list[Json]:
    """Fields as section fields, ten to a section."""
    items = [mrkdwn(f"*{escape(f.name)}*\n{escape(f.value)}", FIELD_TEXT) for f in fields]
    return [
        {"type": "section", "fields": items[start : start + FIELDS_PER_SECTION]}
        for start in range(0, len(items), FIELDS_PER_SECTION)
    ]


def table_sections(table: Table, room: int) -> list[Json]:
    """A table as monospaced sections under its heading, at most `room` blocks.

    When the rows need more blocks, the last one says how many rows were left out.
    """
    if not table.rows or room < 1:
        return []
    heading, *lines = (escape(line) for line in table.lines())
    limit = SECTION_TEXT - 2 * len(FENCE) - len(heading) - 1
    rows = [clip(line, limit) for line in lines]
    groups = chunks(rows, limit)
    if len(groups) > room:
        shown = groups[: room - 1]
        hidden = len(rows) - sum(len(group) for group in shown)
        tail = [context(f"… and {hidden} more rows; narrow the command to see them.")]
    else:
        shown, tail = groups, []
    return [section(FENCE + "\n".join([heading, *group]) + FENCE) for group in shown] + tail


def button(action: neutral.Action) -> Json:
    """A message's action as a Block Kit button: its value is the command it runs."""
    drawn: Json = {
        "type": "button",
        "action_id": f"{Action.RUN}:{action.id}",
        "text": plain(action.label, BUTTON_TEXT),
        "value": action.value[:BUTTON_VALUE],
    }
    if action.style:
        drawn["style"] = action.style
    return drawn


def action_blocks(message: Message) -> list[Json]:
    """A message's buttons as one actions block (none when it has no buttons)."""
    if not message.actions:
        return []
    elements = [button(action) for action in message.actions[:BUTTONS_PER_BLOCK]]
    return [{"type": "actions", "block_id": Block.BUTTONS, "elements": elements}]


def message_blocks(message: Message, *, room: int = MESSAGE_BLOCKS) -> list[Json]:
    """A Message as blocks: a header from the title, the text, the fields, the table, the
    buttons.

    Each part is drawn once; the table gets what is left of `room` blocks after the buttons.
    """
    buttons = action_blocks(message)
    room -= len(buttons)
    blocks: list[Json] = []
    if message.title:
        blocks.append({"type": "header", "text": plain(message.title)})
    if message.text:
        blocks.extend(text_sections(message.text))
    blocks.extend(field_sections(message.fields))
    blocks = blocks[:room]
    if message.table is not None:
        blocks.extend(table_sections(message.table, room - len(blocks)))
    return blocks + buttons


def fallback_text(message: Message) -> str:
    """The plain text Slack shows in notifications: the title, else the text."""
    return clip(message.fallback(), FALLBACK_TEXT)


def reply_blocks(
    reply: Reply, *, with_log_button: bool = False, room: int = MESSAGE_BLOCKS
) -> list[Json]:
    """A reply as blocks: its message (a refusal as one warning), a file note and buttons."""
    if not reply.ok:
        return [section(f":warning: {escape(reply.text)}")]
    tail: list[Json] = []
    if len(reply.files) == 1:
        size = len(reply.files[0].content)
        name = escape(reply.files[0].filename)
        tail.append(
            context(
                f":page_facing_up: {name}, {size} bytes, is on its way to your direct messages "
                "with pausebot."
            )
        )
    elif reply.files:
        names = ", ".join(
            f"{escape(file.filename)} ({len(file.content)} bytes)" for file in reply.files
        )
        tail.append(
            context(
                f":page_facing_up: {names} are on their way to your direct messages with pausebot."
            )
        )
    if with_log_button:
        tail.append({"type": "actions", "elements": [log_hours_button(primary=False)]})
    return message_blocks(reply.message, room=room - len(tail)) + tail


def reply_body(reply: Reply, *, with_log_button: bool = False) -> dict[str, Any]:
    """A slash-command response: ephemeral for private replies, in the channel otherwise."""
    return {
        "response_type": "ephemeral" if reply.private else "in_channel",
        "text": fallback_text(reply.message),
        "blocks": reply_blocks(reply, with_log_button=with_log_button),
    }


def post_body(message: Message) -> dict[str, Any]:
    """The text and blocks of a `chat.postMessage` for an outbox message."""
    return {"text": fallback_text(message), "blocks": message_blocks(message)}
