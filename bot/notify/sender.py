"""The Sender protocol each platform implements, and the outcomes it reports."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.core.message import Message
from bot.core.words import Platform, TargetType


@dataclass(frozen=True)
class Outgoing:
    """One outbox message to deliver: to a user (DM) or a channel on one platform.

    `in_doubt` is set when an earlier send began and its outcome is unknown (the process died,
    or the platform timed out); the dispatcher asks `was_sent` before sending it again.
    """

    id: int
    kind: str
    platform: Platform
    target_type: TargetType
    target: str
    message: Message
    dedupe_key: str
    attempts: int = 0
    in_doubt: bool = False


class DeliveryError(Exception):
    """A delivery did not happen."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class RetryLater(DeliveryError):
    """A transient failure; try again after `retry_after` seconds if given.

    Give `retry_after` only when the platform surely did not take the message (HTTP 429 and
    its Retry-After): the dispatcher then holds back the whole platform until it has passed.
    Without it (5xx, timeouts, network), the message may have gone out, so the dispatcher
    backs off and asks `was_sent` before the next try.
    """

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class PermanentFailure(DeliveryError):
    """The message can never be delivered (no such user, DMs closed)."""


class Sender(Protocol):
    """Delivers outbox messages on one platform."""

    platform: Platform

    async def send(self, message: Outgoing) -> None:
        """Deliver the message; raise RetryLater or PermanentFailure when it did not go out."""
        ...

    async def was_sent(self, message: Outgoing) -> bool:
        """Whether a message that was in flight when a process died is already on the platform."""
        ...
