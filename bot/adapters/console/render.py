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
    parts.extend(f"{action.label}: type {action.line}" for action in message.actions)
    return "\n".join(parts)


def plain(reply: Reply) -> str:
    """A reply's message as text, with a line naming each of its files."""
    text = message_text(reply.message)
    for file in reply.files:
        text += f"\n[file {file.filename}, {len(file.content)} bytes]"
    return text


def saved_paths(saved: Path | list[Path] | None) -> list[Path]:
    """Where a reply's files were written, as a list."""
    if saved is None:
        return []
    return [saved] if isinstance(saved, Path) else list(saved)


def reply_text(reply: Reply, saved: Path | list[Path] | None = None) -> str:
    """A reply as terminal text: refusals marked, files named."""
    text = plain(reply)
    for path in saved_paths(saved):
        text += f"\nSaved {path}"
    return text if reply.ok else f"✗ {text}"


def reply_json(reply: Reply, saved: Path | list[Path] | None = None) -> dict[str, Any]:
    """A reply as the JSON object `chat --json` prints: ok, text, and its data and file."""
    body: dict[str, Any] = {"ok": reply.ok, "text": plain(reply)}
    if reply.title:
        body["title"] = reply.title
    if reply.error_kind:
        body["error"] = str(reply.error_kind)
    if reply.data is not None:
        body["data"] = reply.data.to_json()
    paths = saved_paths(saved)
    files = []
    for index, file in enumerate(reply.files):
        item: dict[str, Any] = {"filename": file.filename, "bytes": len(file.content)}
        if index < len(paths):
            item["path"] = str(paths[index])
        files.append(item)
    if files:
        body["file"] = files[0]
    if len(files) > 1:
        body["files"] = files
    return body
