"""Console chat: one command a line on standard input, one reply each."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import TextIO

from bot.adapters.console.render import reply_json, reply_text
from bot.commands.reply import Reply
from bot.commands.runner import CommandRunner
from bot.core.people import Caller
from bot.core.words import Platform

PROMPT = "pausebot> "


def save_attachment(reply: Reply, folder: Path) -> Path | None:
    """Write a reply's file into a folder; returns its path."""
    if reply.attachment is None:
        return None
    path = folder / reply.attachment.filename
    path.write_bytes(reply.attachment.content)
    return path


def render(reply: Reply, *, as_json: bool, saved: Path | None) -> str:
    """One reply as console text or as one JSON line."""
    if as_json:
        return json.dumps(reply_json(reply, saved), ensure_ascii=False)
    return reply_text(reply, saved)


async def read_lines(stream: TextIO, prompt: bool, out: TextIO):
    """Lines from a stream without blocking the event loop; stops at end of input."""
    loop = asyncio.get_running_loop()
    while True:
        if prompt:
            out.write(PROMPT)
            out.flush()
        line = await loop.run_in_executor(None, stream.readline)
        if not line:
            return
        yield line.rstrip("\r\n")


async def chat(
    runner: CommandRunner,
    *,
    name: str,
    as_json: bool = False,
    stdin: TextIO = sys.stdin,
    stdout: TextIO = sys.stdout,
    folder: Path | None = None,
) -> None:
    """Answer every input line as `console:NAME` until end of input."""
    caller = Caller(platform=Platform.CONSOLE, external_id=name, display_name=name)
    interactive = not as_json and stdin.isatty()
    async for line in read_lines(stdin, interactive, stdout):
        if interactive and not line.strip():
            continue
        reply = await runner.run_line(caller, line)
        saved = save_attachment(reply, folder or Path.cwd())
        stdout.write(render(reply, as_json=as_json, saved=saved) + "\n")
        stdout.flush()
    if interactive:
        stdout.write("\n")
