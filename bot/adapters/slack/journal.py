"""Requests acknowledged with "working on it", kept in a local file until they are answered.

The journal lives outside the database (which may be the thing that is locked). Each process
appends to a file of its own and holds it locked (`flock`) while it runs. A request's line is
written and fsynced before Slack gets the acknowledgement; once the reply has gone out the
request is marked done, and a file with nothing open is emptied. When pausebot starts, files
that no live process holds (their process died) are adopted: their open requests are copied
into the new process's file, fsynced, the old file is removed, and the requests are finished.
"""

from __future__ import annotations

import asyncio
import fcntl
import json
import logging
import os
import re
import threading
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import make_url

log = logging.getLogger(__name__)

SUFFIX = ".jsonl"


def journal_directory(database_url: str) -> Path:
    """Where the journal lives: beside a SQLite database file, else in the working directory."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        database = Path(url.database)
        return database.with_name(database.name + ".slack-journal")
    where = f"{url.host or 'local'}_{url.port or ''}_{url.database or ''}"
    return Path(f"pausebot-{re.sub(r'[^A-Za-z0-9.-]+', '_', where)}.slack-journal")


def open_requests(data: bytes) -> dict[str, dict[str, Any]]:
    """The requests a journal file holds that were never marked done."""
    found: dict[str, dict[str, Any]] = {}
    for line in data.splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue  # a line cut short by the crash: its acknowledgement was never sent
        if not isinstance(record, dict) or not isinstance(record.get("key"), str):
            continue
        if record.get("op") == "ack" and isinstance(record.get("request"), dict):
            found[record["key"]] = record["request"]
        elif record.get("op") == "done":
            found.pop(record["key"], None)
    return found


def _fsync_directory(directory: Path) -> None:
    """Make a file's creation, renaming or removal in a directory durable."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Journal:
    """This process's journal file; `adopted` holds the requests left by processes that died."""

    def __init__(self, directory: Path, fd: int, path: Path) -> None:
        self.directory = directory
        self.path = path
        self._fd = fd
        self._lock = threading.Lock()
        self._open: dict[str, dict[str, Any]] = {}
        self.adopted: dict[str, dict[str, Any]] = {}

    @classmethod
    def open(cls, directory: Path) -> Journal:
        """Create this process's file (locked before anyone can see it) and adopt orphans."""
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        name = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        hidden = directory / f".{name}.new"
        fd = os.open(hidden, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)
        path = directory / f"{name}{SUFFIX}"
        os.rename(hidden, path)
        journal = cls(directory, fd, path)
        for orphan in sorted(directory.glob(f"*{SUFFIX}")):
            if orphan != path:
                journal._adopt(orphan)
        _fsync_directory(directory)
        if journal.adopted:
            log.info("adopted %d acknowledged request(s) from the journal", len(journal.adopted))
        return journal

    def _adopt(self, path: Path) -> None:
        """Move the open requests of a dead process's file into this one, then remove it."""
        try:
            fd = os.open(path, os.O_RDWR)
        except FileNotFoundError:
            return  # another process adopted it first
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return  # its process is alive
            if os.fstat(fd).st_nlink == 0:
                return  # adopted and removed by another process while we opened it
            with os.fdopen(os.dup(fd), "rb") as file:
                requests = open_requests(file.read())
            for key, request in requests.items():
                self._apply(key, request)
            self.adopted.update(requests)
            path.unlink()  # still locked, so no other process reads it after us
        finally:
            os.close(fd)

    @property
    def pending(self) -> int:
        """How many requests are acknowledged and not yet answered."""
        return len(self._open)

    async def add(self, key: str, request: dict[str, Any]) -> None:
        """Record an acknowledged request; it is on disk when this returns."""
        await asyncio.to_thread(self._apply, key, request)

    async def done(self, key: str) -> None:
        """Mark a request answered."""
        await asyncio.to_thread(self._apply, key, None)

    def _apply(self, key: str, request: dict[str, Any] | None) -> None:
        """Write one record (or empty the file when nothing is left open) and fsync it."""
        with self._lock:
            if request is not None:
                self._open[key] = request
                record = {"op": "ack", "key": key, "request": request}
            elif self._open.pop(key, None) is None:
                return
            else:
                record = {"op": "done", "key": key}
            if self._open:
                data = (json.dumps(record, separators=(",", ":")) + "\n").encode()
                while data:
                    data = data[os.write(self._fd, data) :]
            else:
                os.ftruncate(self._fd, 0)
            os.fsync(self._fd)

    def close(self) -> None:
        """Stop: remove the file when nothing is open, else leave it for the next start."""
        with self._lock:
            if self._fd < 0:
                return
            if not self._open:
                self.path.unlink(missing_ok=True)
            else:
                log.warning("%d acknowledged request(s) left for the next start", len(self._open))
            os.close(self._fd)
            self._fd = -1
