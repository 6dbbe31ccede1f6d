"""Rendering neutral replies and outbox payloads as Discord embeds and files."""

from __future__ import annotations

import io
from typing import Any

import discord

from bot.commands.reply import Reply, Table

OK_COLOUR = discord.Colour.blurple()
ERROR_COLOUR = discord.Colour.red()
TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FIELD_COUNT_LIMIT = 25
# Discord rejects a message whose embeds hold more than 6000 characters in all.
EMBED_TOTAL_LIMIT = 6000


def clip(text: str, limit: int) -> str:
    """Text cut to `limit` characters, ending with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def table_block(table: Table, limit: int) -> str:
    """A table as a monospace code block of at most `limit` characters."""
    widths = [
        max(len(str(cell)) for cell in column)
        for column in zip(table.columns, *table.rows, strict=True)
    ]

    def line(row: tuple[str, ...]) -> str:
        """One row, cells padded to their column's width."""
        cells = (str(cell).ljust(width) for cell, width in zip(row, widths, strict=True))
        return "  ".join(cells).rstrip()

    lines = [line(table.columns)]
    for shown, row in enumerate(table.rows):
        more = f"… {len(table.rows) - shown} more rows not shown"
        candidate = "\n".join([*lines, line(row)])
        # Room for the fences and for the line that says how many rows were left out.
        if len(candidate) + len(more) + 9 > limit:
            lines.append(more)
            break
        lines.append(line(row))
    return "```\n" + "\n".join(lines) + "\n```"


def reply_embed(reply: Reply) -> discord.Embed:
    """A reply as one embed: title, text, fields inline, and the table as a code block."""
    if not reply.ok:
        return discord.Embed(description=clip(reply.text, DESCRIPTION_LIMIT), colour=ERROR_COLOUR)
    embed = discord.Embed(title=clip(reply.title, TITLE_LIMIT) or None, colour=OK_COLOUR)
    fields = reply.fields[:FIELD_COUNT_LIMIT]
    used = len(reply.title) + sum(
        len(clip(name, FIELD_NAME_LIMIT)) + len(clip(value, FIELD_VALUE_LIMIT))
        for name, value in fields
    )
    room = min(DESCRIPTION_LIMIT, EMBED_TOTAL_LIMIT - used)
    description = clip(reply.text, room)
    if reply.table is not None and reply.table.rows:
        space = room - len(description) - 2
        if space > 40:
            description = "\n\n".join(
                part for part in (description, table_block(reply.table, space)) if part
            )
    embed.description = description or None
    for name, value in fields:
        embed.add_field(
            name=clip(name, FIELD_NAME_LIMIT), value=clip(value or "-", FIELD_VALUE_LIMIT)
        )
    return embed


def reply_file(reply: Reply) -> discord.File | None:
    """The reply's attachment as a Discord file, if it carries one."""
    if reply.attachment is None:
        return None
    return discord.File(io.BytesIO(reply.attachment.content), filename=reply.attachment.filename)


def announcement_embed(payload: dict[str, Any]) -> dict[str, Any]:
    """An outbox payload (title, text, optional fields) as an embed in Discord's JSON form."""
    embed = discord.Embed(
        title=clip(str(payload.get("title", "")), TITLE_LIMIT) or None,
        description=clip(str(payload.get("text", "")), DESCRIPTION_LIMIT) or None,
        colour=OK_COLOUR,
    )
    for name, value in payload.get("fields", [])[:FIELD_COUNT_LIMIT]:
        embed.add_field(
            name=clip(str(name), FIELD_NAME_LIMIT), value=clip(str(value) or "-", FIELD_VALUE_LIMIT)
        )
    return embed.to_dict()
