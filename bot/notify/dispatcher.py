"""The dispatcher: delivers outbox rows through one Sender per platform, each exactly once."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections.abc import Mapping
from datetime import timedelta

from tenacity import RetryCallState, wait_exponential

from bot.core.clock import Clock
from bot.db.session import Database
from bot.metrics import Metrics
from bot.notify.outbox import Outbox
from bot.notify.pacing import RateLimits
from bot.notify.sender import Outgoing, PermanentFailure, RetryLater, Sender

log = logging.getLogger(__name__)

BACKOFF = wait_exponential(multiplier=5, max=3600)
MAX_ATTEMPTS = 12


def backoff_seconds(attempts: int) -> float:
    """Seconds to wait after the n-th failed attempt: 5, 10, 20 … up to an hour."""
    state = RetryCallState(retry_object=None, fn=None, args=(), kwargs={})
    state.attempt_number = max(1, attempts)
    return BACKOFF(state)


def worker_name() -> str:
    """A name for this delivering process, unique across hosts and restarts."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Dispatcher:
    """Claims due outbox rows and sends them, honouring rate limits and retrying with backoff."""

    def __init__(
        self,
        *,
        database: Database,
        senders: Mapping[str, Sender],
        clock: Clock,
        metrics: Metrics | None = None,
        limits: RateLimits | None = None,
        worker: str | None = None,
        batch_size: int = 200,
        concurrency: int = 16,
        lease: timedelta = timedelta(minutes=5),
        max_attempts: int = MAX_ATTEMPTS,
        poll_seconds: float = 1.0,
    ) -> None:
        self.senders = dict(senders)
        self.clock = clock
        self.metrics = metrics
        self.limits = limits or RateLimits()
        self.outbox = Outbox(
            database, worker=worker or worker_name(), lease=lease, limits=self.limits
        )
        self.batch_size = batch_size
        self.concurrency = concurrency
        self.max_attempts = max_attempts
        self.poll_seconds = poll_seconds
        self.stopping = asyncio.Event()

    @property
    def worker(self) -> str:
        """This dispatcher's name on the claims it holds."""
        return self.outbox.worker

    async def deliver_due(self) -> int:
        """Claim one batch of due messages and deliver it; returns how many were claimed."""
        now = self.clock.now()
        batch = await self.outbox.claim(
            platforms=list(self.senders), now=now, limit=self.batch_size
        )
        if not batch:
            return 0
        conversations: dict[tuple[str, str, str], list[Outgoing]] = {}
        for message in batch:
            key = (message.platform, message.target_type, message.target)
            conversations.setdefault(key, []).append(message)
        gates = {name: asyncio.Semaphore(self.concurrency) for name in {m.platform for m in batch}}

        async def deliver_conversation(messages: list[Outgoing]) -> None:
            """Send one conversation's messages in order."""
            async with gates[messages[0].platform]:
                for message in messages:
                    await self._deliver(message)

        await asyncio.gather(*(deliver_conversation(msgs) for msgs in conversations.values()))
        return len(batch)

    async def drain(self, *, max_passes: int = 1000) -> int:
        """Deliver until nothing is due now; returns how many claims were made."""
        total = 0
        for _ in range(max_passes):
            claimed = await self.deliver_due()
            if not claimed:
                break
            total += claimed
        return total

    async def _deliver(self, message: Outgoing) -> None:
        """One message: prepare, look it up if in doubt, take its turn, send, record the outcome.

        What needs the platform before the send (opening a DM, looking a message up) comes
        first, so that the send follows at once the transaction that checked the holds every
        process recorded and took the conversation's turn.
        """
        sender = self.senders[message.platform]
        in_doubt = message.in_doubt
        started = False
        try:
            prepare = getattr(sender, "prepare", None)
            if prepare is not None:
                await prepare(message)
            if in_doubt:
                if await sender.was_sent(message):
                    await self.outbox.mark_sent(message, now=self.clock.now())
                    self._count(message, "already_sent")
                    log.info("outbox %s was already on %s", message.id, message.platform)
                    return
                in_doubt = False
            turn = await self.outbox.start_send(message, now=self.clock.now())
            if turn.wait_until is not None:
                self._count(message, "deferred")
                return
            if not turn.started:
                log.warning("outbox %s: claim taken over by another process; skipped", message.id)
                return
            started = True
            now = self.clock.now()
            if not self.limits.platform_free(message.platform, now):  # a 429 came meanwhile
                held = self.limits.held_until[message.platform]
                await self.outbox.postpone(
                    message, until=held, error=None, sent_unknown=message.in_doubt
                )
                self._count(message, "deferred")
                return
            await sender.send(message)
        except RetryLater as exc:
            await self._retry(message, exc, in_doubt=in_doubt, started=started)
        except PermanentFailure as exc:
            await self.outbox.mark_failed(message, now=self.clock.now(), reason=exc.reason)
            self._count(message, "failed")
            log.warning("outbox %s to %s failed: %s", message.id, message.target, exc.reason)
        except Exception as exc:
            log.exception("outbox %s: %s sender raised", message.id, message.platform)
            failure = RetryLater(f"{type(exc).__name__}: {exc}")
            await self._retry(message, failure, in_doubt=True, started=started)
        else:
            await self.outbox.mark_sent(message, now=self.clock.now())
            self._count(message, "sent")

    async def _retry(
        self, message: Outgoing, failure: RetryLater, *, in_doubt: bool, started: bool
    ) -> None:
        """Postpone after a transient failure: the platform's wait, or backoff, or give up.

        A failure before the send began (opening a DM, a lookup) counts as an attempt too.
        """
        now = self.clock.now()
        attempts = message.attempts + 1
        reason, retry_after = failure.reason, failure.retry_after
        if retry_after is not None:
            until = now + timedelta(seconds=max(0.0, retry_after))
            self.limits.hold(message.platform, until)  # this process's other sends stop at once
            log.info(
                "%s asks to wait %.1fs for %s (outbox %s)",
                message.platform,
                retry_after,
                failure.scope or "everything",
                message.id,
            )
            await self.outbox.rate_limited(
                message,
                scope=failure.scope,
                until=until,
                now=now,
                error=reason,
                sent_unknown=in_doubt,
                count_attempt=not started,
            )
            self._count(message, "rate_limited")
            return
        if attempts >= self.max_attempts:
            reason = f"gave up after {attempts} attempts: {reason}"
            await self.outbox.mark_failed(message, now=now, reason=reason)
            self._count(message, "failed")
            log.warning("outbox %s to %s failed: %s", message.id, message.target, reason)
            return
        until = now + timedelta(seconds=backoff_seconds(attempts))
        await self.outbox.postpone(
            message, until=until, error=reason, sent_unknown=True, count_attempt=not started
        )
        self._count(message, "retry")
        log.info("outbox %s: %s; retrying at %s", message.id, reason, until.isoformat())

    def _count(self, message: Outgoing, outcome: str) -> None:
        """Count a delivery outcome."""
        if self.metrics is not None:
            self.metrics.deliveries.labels(platform=message.platform, outcome=outcome).inc()

    async def refresh_gauges(self) -> None:
        """Set the outbox gauges from the database."""
        if self.metrics is None:
            return
        counts = await self.outbox.counts()
        self.metrics.outbox_pending.set(counts.get("pending", 0) + counts.get("sending", 0))
        self.metrics.outbox_failed.set(counts.get("failed", 0))

    def _idle_seconds(self) -> float:
        """How long to wait when idle: the poll interval, or less when a hold ends sooner."""
        now = self.clock.now()
        ends = [(at - now).total_seconds() for at in self.limits.held_until.values() if at > now]
        return min([self.poll_seconds, *ends])

    def stop(self) -> None:
        """Ask `run` to return after the pass it is in, never in the middle of a write."""
        self.stopping.set()

    async def run(self) -> None:
        """Deliver until stopped (or cancelled), polling when idle."""
        log.info("delivering on %s as %s", ", ".join(sorted(self.senders)), self.worker)
        while not self.stopping.is_set():
            try:
                claimed = await self.deliver_due()
                await self.refresh_gauges()
            except Exception:
                log.exception("delivery pass failed; trying again shortly")
                claimed = 0
            if claimed:
                await asyncio.sleep(0)
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stopping.wait(), self._idle_seconds())
