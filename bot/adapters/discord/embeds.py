"""The Discord renderer: one Message as one embed, for command replies and outbox messages alike."""

from __future__ import annotations

import io

import discord

from bot.commands.reply import Reply
from bot.core.message import Message, Table, clip

OK_COLOUR = discord.Colour.blurple()
ERROR_COLOUR = discord.Colour.red()
TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FIELD_COUNT_LIMIT = 25
# Discord rejects a message whose embeds hold more than 6000 characters in all.
EMBED_TOTAL_LIMIT = 6000
# A table gets a code block only when at least this much room is left for it.
MIN_TABLE_ROOM = 40
FENCE = "```"


def table_block(table: Table, limit: int) -> str:
    """A table as a monospace code block of at most `limit` characters ("" when none fits).

    Rows that do not fit are left out, and a last line says how many.
    """
    header, *rows = (line.replace(FENCE, "`\u200b``") for line in table.lines())
    lines = [header]
    for shown, row in enumerate(rows):
        more = f"… {len(rows) - shown} more rows not shown"
        # Room for the two fences, their line breaks and the line naming the rows left out.
        if len("\n".join([*lines, row])) + len(more) + 2 * len(FENCE) + 3 > limit:
            lines.append(more)
            break
        lines.append(row)
    block = f"{FENCE}\n" + "\n".join(lines) + f"\n{FENCE}"
    return block if len(block) <= limit else ""


def message_embed(message: Message, *, colour: discord.Colour = OK_COLOUR) -> discord.Embed:
    """A Message as one embed: title, text (and its table when it fits), fields inline.

    Each fact of the message appears once, and the embed stays inside Discord's limits
    (title 256, description 4096, 25 fields, 6000 characters in all).
    """
    title = clip(message.title, TITLE_LIMIT)
    used = len(title)
    fields: list[tuple[str, str]] = []
    for field in message.fields[:FIELD_COUNT_LIMIT]:
        name = clip(field.name, FIELD_NAME_LIMIT) or "-"
        value = clip(field.value, FIELD_VALUE_LIMIT) or "-"
        if used + len(name) + len(value) > EMBED_TOTAL_LIMIT:
            break
        fields.append((name, value))
        used += len(name) + len(value)
    room = min(DESCRIPTION_LIMIT, EMBED_TOTAL_LIMIT - used)
    description = clip(message.text, room) if room > 0 else ""
    table = message.table
    if table is not None and table.rows:
        space = room - len(description) - 2
        block = table_block(table, space) if space > MIN_TABLE_ROOM else ""
        description = "\n\n".join(part for part in (description, block) if part)
    embed = discord.Embed(title=title or None, description=description or None, colour=colour)
    for name, value in fields:
        embed.add_field(name=name, value=value, inline=True)
    return embed


def reply_embed(reply: Reply) -> discord.Embed:
    """A command's reply as an embed: its message, red when refused."""
    return message_embed(reply.message, colour=OK_COLOUR if reply.ok else ERROR_COLOUR)


def reply_file(reply: Reply) -> discord.File | None:
    """The reply's attachment as a Discord file, if it carries one."""
    if reply.attachment is None:
        return None
    return discord.File(io.BytesIO(reply.attachment.content), filename=reply.attachment.filename)


def reply_files(reply: Reply) -> list[discord.File]:
    """Every file the reply carries, as Discord files."""
    return [discord.File(io.BytesIO(file.content), filename=file.filename) for file in reply.files]


# Discord's component types and button styles, and its limits on a button.
ACTION_ROW, BUTTON = 1, 2
BUTTON_STYLES = {"primary": 1, "": 2, "danger": 4}
BUTTON_LABEL_LIMIT = 80
BUTTONS_PER_ROW = 5
CUSTOM_ID_LIMIT = 100
# A button's custom_id is this prefix and the command it runs, so a click is understood by any
# process at any time, with nothing kept in memory (no view to lose on a restart).
BUTTON_PREFIX = "pausebot:"


def message_components(message: Message) -> list[dict]:
    """A message's buttons as one action row of message components (none without buttons)."""
    if not message.actions:
        return []
    buttons = [
        {
            "type": BUTTON,
            "style": BUTTON_STYLES[action.style],
            "label": clip(action.label, BUTTON_LABEL_LIMIT),
            "custom_id": (BUTTON_PREFIX + action.value)[:CUSTOM_ID_LIMIT],
        }
        for action in message.actions[:BUTTONS_PER_ROW]
    ]
    return [{"type": ACTION_ROW, "components": buttons}]
