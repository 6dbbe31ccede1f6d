"""The console renderer: a Message as terminal text, and a reply as one JSON object."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.commands.reply import Reply
from bot.core.message import Message


def message_text(message: Message) -> str:
    """Title, text, `name: value` fields and the table, a line each."""
    parts = [message.title] if message.title else []
    if message.text:
        parts.append(message.text)
    parts.extend(f"{field.name}: {field.value}" for field in message.fields)
    if message.table is not None and message.table.rows:
        parts.extend(message.table.lines())
    return "\n".join(parts)


def plain(reply: Reply) -> str:
    """A reply's message as text, with a line naming its file."""
    text = message_text(reply.message)
    if reply.attachment is not None:
        size = len(reply.attachment.content)
        text += f"\n[file {reply.attachment.filename}, {size} bytes]"
    return text


def reply_text(reply: Reply, saved: Path | None = None) -> str:
    """A reply as terminal text: refusals marked, files named."""
    text = plain(reply)
    if saved is not None:
        text += f"\nSaved {saved}"
    return text if reply.ok else f"✗ {text}"


def reply_json(reply: Reply, saved: Path | None = None) -> dict[str, Any]:
    """A reply as the JSON object `chat --json` prints: ok, text, and its data and file."""
    body: dict[str, Any] = {"ok": reply.ok, "text": plain(reply)}
    if reply.title:
        body["title"] = reply.title
    if reply.error_kind:
        body["error"] = str(reply.error_kind)
    if reply.data is not None:
        body["data"] = reply.data.to_json()
    if reply.attachment is not None:
        body["file"] = {
            "filename": reply.attachment.filename,
            "bytes": len(reply.attachment.content),
        }
        if saved is not None:
            body["file"]["path"] = str(saved)
    return body
