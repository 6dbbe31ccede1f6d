"""Console chat: one command a line on standard input, one reply each."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import sys
import threading
from pathlib import Path
from typing import TextIO

from bot.adapters.console.render import reply_json, reply_text
from bot.commands.reply import ErrorKind, Reply
from bot.commands.runner import CommandRunner
from bot.core.message import Message
from bot.core.people import Caller
from bot.core.words import Platform
from bot.files import write_new

PROMPT = "pausebot> "
QUIT_WORDS = {"exit", "quit"}
GOODBYE = Reply(message=Message(text="Goodbye."))
NOT_A_COMMAND = Reply.error(
    "Commands start with /, like /project status or /help; type exit or press Ctrl-D to quit.",
    kind=ErrorKind.UNKNOWN_COMMAND,
)


def tolerant_stdio() -> None:
    """Standard input that passes invalid UTF-8 on as lone surrogates, output that never fails."""
    if isinstance(sys.stdin, io.TextIOWrapper):
        sys.stdin.reconfigure(errors="surrogateescape")
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(errors="backslashreplace")


def save_attachment(reply: Reply, folder: Path) -> Path | None:
    """Write a reply's file into a folder (owner-only, never over another file); its path."""
    saved = save_attachments(reply, folder)
    return saved[0] if saved else None


def save_attachments(reply: Reply, folder: Path) -> list[Path]:
    """Write each of a reply's files into a folder (owner-only, never over another file)."""
    return [write_new(folder, file.filename, file.content) for file in reply.files]


def render(reply: Reply, *, as_json: bool, saved: Path | list[Path] | None) -> str:
    """One reply as console text or as one JSON line."""
    if as_json:
        return json.dumps(reply_json(reply, saved), ensure_ascii=False)
    return reply_text(reply, saved)


async def readline(stream: TextIO) -> str:
    """One line read in a daemon thread, so a cancelled read never keeps the process alive."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[str] = loop.create_future()

    def deliver(line: str | Exception) -> None:
        """Complete the read unless it was cancelled meanwhile."""
        if future.done():
            return
        if isinstance(line, Exception):
            future.set_exception(line)
        else:
            future.set_result(line)

    def read() -> None:
        """Read a line, or the error reading gave, and hand it to the loop if it still runs."""
        try:
            line: str | Exception = stream.readline()
        except Exception as exc:
            line = exc
        with contextlib.suppress(RuntimeError):  # the loop has closed
            loop.call_soon_threadsafe(deliver, line)

    threading.Thread(target=read, name="pausebot-stdin", daemon=True).start()
    return await future


async def read_lines(stream: TextIO, prompt: bool, out: TextIO):
    """Lines from a stream without blocking the event loop; stops at end of input."""
    while True:
        if prompt:
            out.write(PROMPT)
            out.flush()
        line = await readline(stream)
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
    """Answer every input line as `console:NAME` until end of input, `exit` or `quit`."""
    caller = Caller(platform=Platform.CONSOLE, external_id=name, display_name=name)
    interactive = not as_json and stdin.isatty()
    async for line in read_lines(stdin, interactive, stdout):
        words = line.strip()
        if interactive and not words:
            continue
        if words.lower() in QUIT_WORDS:
            stdout.write(render(GOODBYE, as_json=as_json, saved=None) + "\n")
            stdout.flush()
            return
        if words and not words.startswith("/"):
            reply = NOT_A_COMMAND
        else:
            reply = await runner.run_line(caller, line)
        saved = save_attachments(reply, folder or Path.cwd())
        stdout.write(render(reply, as_json=as_json, saved=saved) + "\n")
        stdout.flush()
    if interactive:
        stdout.write("\n")
