"""How long a platform connection waits before its next try: exponential, jittered, capped."""

from __future__ import annotations

import random
import time
from collections.abc import Callable

# SPEC, Faults: at most 30 s between tries, for as long as pausebot runs.
MAX_DELAY = 30.0


class Backoff:
    """Delays between connection attempts.

    After a failed try the delays grow from `first` by doubling to `cap`, each drawn between
    half and all of its step (equal jitter), so many processes do not retry in step. A
    connection that came up starts the growth over: when it drops after `stable_after`
    seconds or more, the next try is at once; when it drops sooner, the next try waits the
    first step, so a server that accepts and drops at once is tried about once a second.
    """

    def __init__(
        self,
        *,
        first: float = 1.0,
        cap: float = MAX_DELAY,
        stable_after: float = 10.0,
        monotonic: Callable[[], float] = time.monotonic,
        uniform: Callable[[], float] = random.random,
    ) -> None:
        self.first = first
        self.cap = min(cap, MAX_DELAY)
        self.stable_after = stable_after
        self.monotonic = monotonic
        self.uniform = uniform
        self.attempt = 0
        self.up_since: float | None = None

    def connected(self) -> None:
        """A connection is up (it becomes a success once it has stayed up long enough)."""
        self.up_since = self.monotonic()

    def not_connected(self) -> None:
        """The connection that came up does not count (the server sent it away at once)."""
        self.up_since = None

    def next(self) -> float:
        """Seconds to wait before the next try."""
        up_since, self.up_since = self.up_since, None
        if up_since is not None:
            self.attempt = 0
            if self.monotonic() - up_since >= self.stable_after:
                return 0.0
        step = min(self.cap, self.first * 2**self.attempt)
        self.attempt = min(self.attempt + 1, 32)
        return step / 2 + self.uniform() * step / 2
