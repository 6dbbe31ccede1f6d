"""The gate in front of Bolt on POST /slack/events: only whole, fresh, signed, readable requests.

Anything else is answered before Bolt sees it: 413 for a body over the limit (refused from its
Content-Length without reading it), 408 for a body that does not arrive in time, 401 for a
missing, malformed or stale timestamp, a bad signature, a body cut short, or a body that is
not UTF-8 or not the JSON or form Slack sends. A refusal changes nothing and leaves one short
line in the log, at most one a second (the others are counted into the next line), never any
text of the request.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import math
import time
from collections import Counter
from collections.abc import Callable
from enum import StrEnum
from typing import Any

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from slack_bolt.middleware.request_verification.async_request_verification import (
    AsyncRequestVerification,
)
from slack_bolt.request.async_request import AsyncBoltRequest

log = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024
READ_TIMEOUT = 10.0
MAX_AGE = 5 * 60  # Slack's replay window, in seconds
TIMESTAMP_DIGITS = 12


class Refusal(StrEnum):
    """Why the gate refused a request, in fixed words."""

    TOO_LARGE = "body too large"
    SLOW_BODY = "body not sent in time"
    CUT_SHORT = "body cut short"
    NO_TIMESTAMP = "missing or malformed timestamp"
    STALE = "stale timestamp"
    BAD_SIGNATURE = "bad signature"
    UNREADABLE = "body neither UTF-8 JSON nor a form"

    @property
    def status(self) -> int:
        """The HTTP status the refusal is answered with."""
        return {Refusal.TOO_LARGE: 413, Refusal.SLOW_BODY: 408}.get(self, 401)


class Refused(Exception):
    """A request the gate does not let through."""

    def __init__(self, reason: Refusal) -> None:
        super().__init__(reason.value)
        self.reason = reason


class RefusalLog:
    """One log line per refusal, at most one every `interval` seconds; the rest are counted."""

    def __init__(
        self, *, interval: float = 1.0, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self.interval = interval
        self.monotonic = monotonic
        self.last = -math.inf
        self.unlogged = 0
        self.counts: Counter[Refusal] = Counter()

    def note(self, reason: Refusal) -> None:
        """Count a refusal and log it unless a line was written less than `interval` ago."""
        self.counts[reason] += 1
        now = self.monotonic()
        if now - self.last < self.interval:
            self.unlogged += 1
            return
        log.warning(
            "refused a Slack request: %s (HTTP %d); %d more refused since the last such line",
            reason.value,
            reason.status,
            self.unlogged,
        )
        self.last, self.unlogged = now, 0


class RequestGate:
    """Checks a request to /slack/events and builds Bolt's request from it, or refuses it."""

    def __init__(
        self,
        signing_secret: str,
        *,
        max_body: int = MAX_BODY,
        read_timeout: float = READ_TIMEOUT,
        max_age: int = MAX_AGE,
        clock: Callable[[], float] = time.time,
        refusals: RefusalLog | None = None,
    ) -> None:
        self.secret = signing_secret.encode()
        self.max_body = max_body
        self.read_timeout = read_timeout
        self.max_age = max_age
        self.clock = clock
        self.refusals = refusals or RefusalLog()

    async def admit(self, request: web.Request) -> AsyncBoltRequest:
        """Bolt's request for an acceptable Slack request; raises Refused otherwise."""
        if (request.content_length or 0) > self.max_body:
            raise Refused(Refusal.TOO_LARGE)
        stamp = self.timestamp(request.headers.get("X-Slack-Request-Timestamp", ""))
        body = await self.read(request)
        self.check_signature(stamp, body, request.headers.get("X-Slack-Signature", ""))
        return self.parse(request, body)

    def timestamp(self, stamp: str) -> str:
        """The request's timestamp, when it is a number of seconds within Slack's window."""
        if not (stamp.isascii() and stamp.isdigit() and len(stamp) <= TIMESTAMP_DIGITS):
            raise Refused(Refusal.NO_TIMESTAMP)
        if abs(self.clock() - int(stamp)) > self.max_age:
            raise Refused(Refusal.STALE)
        return stamp

    async def read(self, request: web.Request) -> bytes:
        """The body, read within `read_timeout` seconds and never past `max_body` bytes."""
        body = bytearray()
        try:
            async with asyncio.timeout(self.read_timeout):
                while chunk := await request.content.readany():
                    body += chunk
                    if len(body) > self.max_body:
                        raise Refused(Refusal.TOO_LARGE)
        except TimeoutError:
            raise Refused(Refusal.SLOW_BODY) from None
        except (ConnectionError, HttpProcessingError):  # the client went away mid-body
            raise Refused(Refusal.CUT_SHORT) from None
        return bytes(body)

    def check_signature(self, stamp: str, body: bytes, signature: str) -> None:
        """Slack's v0 signature: HMAC-SHA256 of `v0:TIMESTAMP:BODY` with the signing secret."""
        digest = hmac.new(self.secret, b"v0:" + stamp.encode() + b":" + body, hashlib.sha256)
        expected = b"v0=" + digest.hexdigest().encode()
        if not hmac.compare_digest(expected, signature.encode("utf-8", "surrogateescape")):
            raise Refused(Refusal.BAD_SIGNATURE)

    def parse(self, request: web.Request, body: bytes) -> AsyncBoltRequest:
        """Bolt's request, when the body is UTF-8 and reads as Slack's JSON or form."""
        try:
            bolt = AsyncBoltRequest(
                body=body.decode("utf-8"),
                query=request.query_string,
                headers=request.headers,  # type: ignore[arg-type]
            )
        except Exception:  # Bolt reads the body's fields as it builds the request
            raise Refused(Refusal.UNREADABLE) from None
        if not isinstance(bolt.body, dict):
            raise Refused(Refusal.UNREADABLE)
        return bolt

    async def refuse(self, request: web.Request, refused: Refused) -> web.Response:
        """Answer a refused request, noted in the log; a stalled client is hung up on at once."""
        self.refusals.note(refused.reason)
        response = web.json_response({"error": "invalid request"}, status=refused.reason.status)
        response.force_close()  # no keep-alive for a client that sends such requests
        if refused.reason is Refusal.SLOW_BODY:
            # aiohttp would otherwise wait up to 10 s more for the rest of the body.
            await response.prepare(request)
            await response.write_eof()
            request.protocol.force_close()
        return response


class QuietRequestVerification(AsyncRequestVerification):
    """Bolt's own signature check, kept behind the gate, without Bolt's log line.

    Bolt logs a rejected request with its whole body at INFO; the gate has already said why.
    """

    def _debug_log_error(self, signature: Any, timestamp: Any, body: Any) -> None:
        """Log a fixed line, never the request."""
        log.warning("Bolt refused a Slack request the gate let through")
