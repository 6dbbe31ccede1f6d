"""`pausebot run --workers N`: a parent process that keeps N worker processes on one HTTP port.

The parent refuses what cannot be split (SQLite, the console), reserves HTTP_HOST:HTTP_PORT
with sockets bound with SO_REUSEPORT that never listen (no other program can take the port
while it runs, and port 0 becomes one port for every worker), migrates the database once, and
starts each worker as `python -m bot.workers INDEX`. A worker runs `run_app` listening with
SO_REUSEPORT, so the kernel spreads connections among the workers. A worker that exits on its
own is started again, after a growing delay when it keeps dying at once. SIGTERM or SIGINT to
the parent sends SIGTERM to every worker and waits for their graceful stop, killing a worker
still running after STOP_SECONDS. A worker's standard input is a pipe from the parent: when it
closes, the parent is gone (even killed with -9), and the worker stops itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import sys
import threading

import click
from sqlalchemy import make_url

from bot.app import run_app
from bot.backoff import Backoff
from bot.cli import settings_or_exit
from bot.config import Settings
from bot.db.session import Database
from bot.logs import setup_logging

# Named, not __name__: a worker runs this module as __main__.
log = logging.getLogger("bot.workers")

# How long a worker may take over its graceful stop before it is killed.
STOP_SECONDS = 20.0


async def terminate(process: asyncio.subprocess.Process, seconds: float) -> bool:
    """SIGTERM a process and wait for it; kill it after `seconds`. False when it was killed."""
    if process.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
    try:
        await asyncio.wait_for(process.wait(), seconds)
    except TimeoutError:
        process.kill()
        await process.wait()
        return False
    return True


class WorkersRefused(Exception):
    """The settings cannot run as several workers; the message says why in one line."""


def check_splittable(settings: Settings) -> None:
    """Refuse a configuration one process must serve: SQLite, or the console."""
    if make_url(settings.DATABASE_URL).get_backend_name() == "sqlite":
        raise WorkersRefused("--workers needs PostgreSQL; one process serves SQLite")
    if not (settings.slack_enabled or settings.discord_enabled):
        raise WorkersRefused(
            "--workers needs Slack or Discord configured; the console cannot be split"
        )


def reserve_port(host: str, port: int) -> tuple[list[socket.socket], int]:
    """Bind every address of host:port with SO_REUSEPORT, without listening; and the port.

    Refused when another program holds the port. The sockets take no connection (they never
    listen), but keep the port for the workers, replacements included, until they are closed.
    """
    try:
        found = socket.getaddrinfo(
            host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )
    except socket.gaierror as exc:
        raise WorkersRefused(f"HTTP_HOST {host!r} cannot be resolved ({exc.strerror})") from exc
    reserved: list[socket.socket] = []
    try:
        for family, kind, protocol, _name, address in dict.fromkeys(found):
            probe = socket.socket(family, kind, protocol)
            reserved.append(probe)
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            if family == socket.AF_INET6:
                probe.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            probe.bind((address[0], port, *address[2:]))
            port = probe.getsockname()[1]
    except OSError as exc:
        for probe in reserved:
            probe.close()
        raise WorkersRefused(
            f"cannot listen on {host}:{port} (HTTP_HOST, HTTP_PORT): {exc.strerror}; "
            "another program holds the port"
        ) from exc
    return reserved, port


def exit_status(returncode: int | None) -> str:
    """How a worker ended, in a few words: `exit code 1`, `signal SIGKILL`."""
    if returncode is not None and returncode < 0:
        return f"signal {signal.Signals(-returncode).name}"
    return f"exit code {returncode}"


class Supervisor:
    """Keeps `count` workers running until SIGTERM or SIGINT, then stops them all."""

    def __init__(self, *, count: int, port: int, verbose: bool) -> None:
        self.count = count
        self.port = port
        self.verbose = verbose
        self.stopping = asyncio.Event()

    async def run(self) -> None:
        """Start every worker and keep them until a stop signal has stopped them all."""
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, self.stopping.set)
        await asyncio.gather(*(self.keep(index) for index in range(self.count)))
        log.info("every worker has stopped")

    async def keep(self, index: int) -> None:
        """Run worker `index`, starting it again whenever it exits before a stop signal."""
        backoff = Backoff()
        while True:
            process = await self.start(index)
            backoff.connected()
            exited = asyncio.ensure_future(process.wait())
            signalled = asyncio.ensure_future(self.stopping.wait())
            await asyncio.wait((exited, signalled), return_when=asyncio.FIRST_COMPLETED)
            signalled.cancel()
            if self.stopping.is_set():
                await self.stop(index, process)
                return
            delay = backoff.next()
            log.error(
                "worker %d (pid %d) ended with %s; starting it again in %.1f s",
                index,
                process.pid,
                exit_status(process.returncode),
                delay,
            )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stopping.wait(), delay)
            if self.stopping.is_set():
                return

    async def start(self, index: int) -> asyncio.subprocess.Process:
        """Start worker `index` in a process group of its own, its standard input from here."""
        command = [sys.executable, "-m", "bot.workers", str(index)]
        if self.verbose:
            command.append("--verbose")
        process = await asyncio.create_subprocess_exec(
            *command,
            stdin=asyncio.subprocess.PIPE,
            env={**os.environ, "HTTP_PORT": str(self.port)},
            process_group=0,
        )
        log.info("worker %d started (pid %d)", index, process.pid)
        return process

    async def stop(self, index: int, process: asyncio.subprocess.Process) -> None:
        """SIGTERM a worker and wait for its graceful stop; kill it after STOP_SECONDS."""
        if not await terminate(process, STOP_SECONDS):
            log.error(
                "worker %d (pid %d) still ran %.0f s after SIGTERM; killed it",
                index,
                process.pid,
                STOP_SECONDS,
            )
        if process.returncode != 0:
            log.warning(
                "worker %d (pid %d) stopped with %s",
                index,
                process.pid,
                exit_status(process.returncode),
            )


async def supervise(settings: Settings, *, count: int, port: int, verbose: bool) -> None:
    """Migrate the database once, then keep the workers until a stop signal."""
    database = Database(settings.DATABASE_URL)
    try:
        await database.upgrade()
    finally:
        await database.dispose()
    log.info("%d workers on http://%s:%d", count, settings.HTTP_HOST, port)
    await Supervisor(count=count, port=port, verbose=verbose).run()


def run_workers(settings: Settings, *, count: int, verbose: bool) -> None:
    """`pausebot run --workers COUNT`: returns once every worker has stopped.

    Raises WorkersRefused, before starting anything, when the settings cannot be split or the
    port is held by another program.
    """
    check_splittable(settings)
    reserved, port = reserve_port(settings.HTTP_HOST, settings.HTTP_PORT)
    try:
        asyncio.run(supervise(settings, count=count, port=port, verbose=verbose))
    finally:
        for probe in reserved:
            probe.close()


def stop_when_parent_exits() -> None:
    """Read standard input, the parent's pipe, to its end, then SIGTERM this worker.

    The pipe ends when the parent exits in any way, killed with -9 included.
    """
    parent = sys.stdin.fileno()
    while os.read(parent, 4096):
        pass
    log.warning("the parent process is gone; stopping")
    os.kill(os.getpid(), signal.SIGTERM)


@click.command()
@click.argument("index", type=click.IntRange(min=0))
@click.option("-v", "--verbose", is_flag=True, help="Log debug detail to standard error.")
def worker(index: int, verbose: bool) -> None:
    """Worker INDEX of `pausebot run --workers`, started by its parent; stops with it."""
    setup_logging(verbose, worker=index)
    settings = settings_or_exit()
    threading.Thread(target=stop_when_parent_exits, name="parent-watch", daemon=True).start()
    with contextlib.suppress(KeyboardInterrupt):
        # `--workers` refuses the console, so no worker opens it and needs no console name.
        asyncio.run(run_app(settings, console_name="", worker=index))


if __name__ == "__main__":
    worker()
