"""Each configured platform adapter's state, written by the adapters and read by /healthz.

An adapter is `connecting` while it tries to reach its platform, `ok` while it can take
commands (Slack's HTTP route is served, Socket Mode or the Discord gateway is connected), and
`down` when it has stopped trying (a refused token: retrying it cannot help).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from dataclasses import dataclass
from enum import StrEnum

from bot.core.words import Platform

log = logging.getLogger(__name__)


class AdapterState(StrEnum):
    """What /healthz says of one adapter."""

    CONNECTING = "connecting"
    OK = "ok"
    DOWN = "down"


@dataclass(frozen=True)
class Transition:
    """One change of an adapter's state, at a monotonic time."""

    adapter: Platform
    state: AdapterState
    at: float


class Health:
    """The adapter-state registry: one entry per configured adapter, in the order added."""

    def __init__(self) -> None:
        self._states: dict[Platform, AdapterState] = {}
        self._changed = asyncio.Event()
        self.transitions: deque[Transition] = deque(maxlen=200)

    def expect(self, adapter: Platform) -> None:
        """Register a configured adapter; it is `connecting` until it says otherwise."""
        if adapter not in self._states:
            self._record(adapter, AdapterState.CONNECTING)

    def set(self, adapter: Platform, state: AdapterState) -> None:
        """An adapter's new state (an adapter nobody registered is registered by this)."""
        if self._states.get(adapter) is state:
            return
        log.info("%s is %s", adapter.value.capitalize(), state.value)
        self._record(adapter, state)

    def _record(self, adapter: Platform, state: AdapterState) -> None:
        """Store a state, remember the transition and wake whoever waits for one."""
        self._states[adapter] = state
        self.transitions.append(Transition(adapter, state, time.monotonic()))
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    def state(self, adapter: Platform) -> AdapterState | None:
        """One adapter's state, or None when it is not configured."""
        return self._states.get(adapter)

    def states(self) -> dict[Platform, AdapterState]:
        """Every configured adapter's state."""
        return dict(self._states)

    @property
    def all_ok(self) -> bool:
        """Whether every configured adapter is `ok` (true when none is configured)."""
        return all(state is AdapterState.OK for state in self._states.values())

    def seen(self, adapter: Platform) -> list[AdapterState]:
        """The states an adapter went through, oldest first (for tests and the log)."""
        return [t.state for t in self.transitions if t.adapter is adapter]

    async def wait_for(
        self, adapter: Platform, state: AdapterState, *, timeout: float = 10.0
    ) -> None:
        """Wait until an adapter is in a state; TimeoutError after `timeout` seconds."""
        async with asyncio.timeout(timeout):
            while self._states.get(adapter) is not state:
                await self._changed.wait()
