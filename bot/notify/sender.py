"""The Sender protocol each platform implements, and the outcomes it reports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.core.message import Message
from bot.core.words import Platform, TargetType


@dataclass(frozen=True)
class Outgoing:
    """One outbox message to deliver: to a user (DM) or a channel on one platform.

    `in_doubt` is set when an earlier send began and its outcome is unknown (the process died,
    or the platform timed out); the dispatcher asks `was_sent` before sending it again.
    `send_started_at` is when the first of those sends began: the message, if it went out,
    is on the platform after that moment, so `was_sent` looks no further back.
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
    send_started_at: datetime | None = None


class DeliveryError(Exception):
    """A delivery did not happen."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class RetryLater(DeliveryError):
    """A transient failure; try again after `retry_after` seconds if given.

    Give `retry_after` only when the platform surely did not take the message (HTTP 429 and
    its Retry-After): the dispatcher then holds back the whole platform until it has passed,
    in every process, and `scope` names what the platform limited (a Slack method such as
    `chat.postMessage`, a Discord bucket). Without it (5xx, timeouts, network), the message
    may have gone out, so the dispatcher backs off and asks `was_sent` before the next try.
    """

    def __init__(
        self, reason: str, retry_after: float | None = None, *, scope: str | None = None
    ) -> None:
        super().__init__(reason)
        self.retry_after = retry_after
        self.scope = scope


class PermanentFailure(DeliveryError):
    """The message can never be delivered (no such user, DMs closed)."""


class Sender(Protocol):
    """Delivers outbox messages on one platform.

    A sender may also have `async def prepare(self, message: Outgoing) -> None`: the calls a
    send needs before it (such as opening a DM), which the dispatcher makes before it takes
    the send's turn, so the send itself follows the rate-limit check at once.
    """

    platform: Platform

    async def send(self, message: Outgoing) -> None:
        """Deliver the message; raise RetryLater or PermanentFailure when it did not go out."""
        ...

    async def was_sent(self, message: Outgoing) -> bool:
        """Whether a message that was in flight when a process died is already on the platform."""
        ...
