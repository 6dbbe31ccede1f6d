"""Logging for every pausebot process: standard error, and no line that a request can fill."""

from __future__ import annotations

import logging
import sys
import time


class MalformedRequests(logging.Filter):
    """aiohttp's own lines about malformed HTTP, cut to one short line a second, no traceback.

    aiohttp logs each unreadable request with its traceback before any handler runs; anyone
    could fill the log that way.
    """

    def __init__(self, interval: float = 1.0) -> None:
        super().__init__()
        self.interval = interval
        self.last = 0.0
        self.dropped = 0

    def filter(self, record: logging.LogRecord) -> bool:
        """Let one short line through per interval; count the rest."""
        now = time.monotonic()
        if now - self.last < self.interval:
            self.dropped += 1
            return False
        record.msg = "refused a malformed HTTP request; %d more since the last such line"
        record.args = (self.dropped,)
        record.exc_info = record.exc_text = None
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        self.last, self.dropped = now, 0
        return True


def setup_logging(verbose: bool = False, *, worker: int | None = None) -> None:
    """Log to standard error, so standard output stays for replies.

    A worker of `pausebot run --workers` marks each line with its index (`worker=1`).
    """
    marker = "" if worker is None else f"worker={worker} "
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        stream=sys.stderr,
        format=f"%(asctime)s %(levelname)s {marker}%(name)s: %(message)s",
    )
    for noisy in ("alembic", "aiosqlite", "sqlalchemy.engine", "asyncio"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    logging.getLogger("aiohttp.server").addFilter(MalformedRequests())
