"""Slack Socket Mode for as long as pausebot runs: connect, answer envelopes, reconnect.

Slack's protocol: `apps.connections.open` (with the app-level token) gives a one-time
`wss://` URL; Slack's first message on it is `hello`; then every request comes as an envelope
(`envelope_id`, `type`, `payload`) that must be acknowledged on the socket with
`{"envelope_id": …, "payload": …}` within 3 s, the payload carrying the command's reply.
Slack refreshes connections: it sends `disconnect` (reason `warning`, `refresh_requested`, …)
and closes the socket a little later.

slack_sdk's SocketModeClient retries every `ping_interval` with no growth, keeps retrying the
old URL when a new one fails, and its `connect()` does not return until it has connected (so
a Slack outage held up the start of everything after it). This client keeps the protocol and
Bolt's dispatch (`run_async_bolt_app`) and does its own connection management:

- every try asks for a new URL, and tries are spaced by `Backoff` (at most 30 s apart);
- `ok` in `health` from the `hello` of a connection until the last open one closes;
- on `disconnect`, a new connection is opened while the old one stays open for what is still
  on it, and the old one is closed once the new one has said `hello`;
- a connection whose pings go unanswered (half-open TCP) is dropped by aiohttp's heartbeat;
- an app token Slack refuses (`invalid_auth` and the like) stops it, `down`: retrying a
  refused token cannot help.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

import aiohttp
from slack_bolt.adapter.socket_mode.async_internals import run_async_bolt_app
from slack_bolt.async_app import AsyncApp
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.web.async_client import AsyncWebClient

from bot.backoff import MAX_DELAY, Backoff
from bot.core.words import Platform
from bot.health import AdapterState, Health

log = logging.getLogger(__name__)

# apps.connections.open errors that another try with the same token cannot mend.
REFUSED_TOKEN = frozenset(
    {
        "invalid_auth",
        "not_authed",
        "account_inactive",
        "token_revoked",
        "token_expired",
        "not_allowed_token_type",
    }
)
HELLO_TIMEOUT = 10.0
PING_INTERVAL = 10.0
# How long a connection Slack asked us to leave may finish acknowledging what it holds.
RETIRE_GRACE = 5.0


class TokenRefused(Exception):
    """Slack refused SLACK_APP_TOKEN."""


class RateLimited(Exception):
    """apps.connections.open answered 429: wait Retry-After (up to 30 s) before the next try."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"rate limited for {retry_after:g} s")
        self.retry_after = min(max(retry_after, 0.0), MAX_DELAY)


class Connection:
    """One Socket Mode websocket: reads its messages and answers its envelopes on it."""

    def __init__(self, owner: SocketMode, socket: aiohttp.ClientWebSocketResponse, number: int):
        self.owner = owner
        self.socket = socket
        self.number = number
        self.hello = asyncio.Event()
        self.ended = asyncio.Event()
        # Slack sent this connection away at once (`too_many_websockets`): no replacement is
        # opened for it, and it does not count as a success for the backoff.
        self.surplus = False
        # Set when Slack asks for a new connection (`disconnect`) or when this one ends.
        self.leaving = asyncio.Event()
        self.handlers: set[asyncio.Task[None]] = set()
        self.reader = asyncio.create_task(self.read(), name=f"slack-socket-{number}")

    async def read(self) -> None:
        """Read messages until the socket closes (Slack's close, a drop, a missed pong)."""
        try:
            async for message in self.socket:
                if message.type is aiohttp.WSMsgType.TEXT:
                    self.received(message.data)
        except Exception as exc:  # the socket broke under us
            log.warning("Slack Socket Mode connection %d broke: %s", self.number, describe(exc))
        finally:
            self.ended.set()
            self.leaving.set()
            self.owner.lost(self)

    def received(self, text: str) -> None:
        """One message from Slack."""
        try:
            message = json.loads(text)
        except ValueError:
            log.warning("Slack Socket Mode sent a message that is not JSON; ignored")
            return
        if not isinstance(message, dict):
            return
        kind = message.get("type")
        if kind == "hello":
            self.hello.set()
            self.owner.connected(self)
        elif kind == "disconnect":
            reason = message.get("reason")
            reason = reason if isinstance(reason, str) and reason.isidentifier() else "no reason"
            if reason == "too_many_websockets":
                log.warning("Slack refused connection %d: too many connections", self.number)
                self.surplus = True
                return
            log.info(
                "Slack asked connection %d to disconnect (%s); opening a new one",
                self.number,
                reason,
            )
            self.leaving.set()
        elif (request := SocketModeRequest.from_dict(message)) is not None:
            task = asyncio.create_task(self.answer(request), name="slack-envelope")
            self.handlers.add(task)
            task.add_done_callback(self.handlers.discard)

    async def answer(self, request: SocketModeRequest) -> None:
        """Run an envelope through Bolt and acknowledge it, with the reply, on this socket."""
        try:
            response = await run_async_bolt_app(self.owner.app, request)
        except Exception:
            log.exception("Bolt could not handle a Socket Mode envelope")
            response = BoltResponse(status=500, body="")
        ack = acknowledgement(request.envelope_id, response)
        try:
            await self.socket.send_str(json.dumps(ack))
        except Exception as exc:
            # Slack sends an unacknowledged envelope again (events) or tells the person the
            # command failed; nothing more can be done on a closed socket.
            log.warning(
                "acknowledgement lost: connection %d closed (%s)", self.number, describe(exc)
            )

    async def close(self, *, grace: float = 0.0) -> None:
        """Close the socket, after its envelopes are acknowledged (at most `grace` seconds)."""
        if grace and self.handlers:
            await asyncio.wait(set(self.handlers), timeout=grace)
        with contextlib.suppress(Exception):
            await self.socket.close()
        await self.reader


def acknowledgement(envelope_id: str, response: BoltResponse) -> dict[str, Any]:
    """The ack for an envelope: its id, and Bolt's answer as the payload when there is one.

    As slack_bolt's own handler does for a 200; anything else (no listener, a refused
    request) is acknowledged without a payload, so Slack does not send it again.
    """
    ack: dict[str, Any] = {"envelope_id": envelope_id}
    if response.status != 200:
        log.info("Slack envelope answered %d by Bolt; acknowledged empty", response.status)
        return ack
    body = response.body or ""
    if not body:
        return ack
    content_type = (response.headers.get("content-type") or [""])[0]
    if content_type.startswith("application/json"):
        ack["payload"] = json.loads(body)
    else:
        ack["payload"] = {"text": body}
    return ack


def describe(exc: BaseException) -> str:
    """An error in a few words for a log line."""
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text[:160]}" if text else type(exc).__name__


class SocketMode:
    """pausebot's Socket Mode link to Slack, kept up by `start()` until `close()`."""

    def __init__(
        self,
        app: AsyncApp,
        app_token: str,
        *,
        health: Health,
        client: AsyncWebClient | None = None,
        backoff: Backoff | None = None,
        ping_interval: float = PING_INTERVAL,
        hello_timeout: float = HELLO_TIMEOUT,
    ) -> None:
        self.app = app
        self.app_token = app_token
        self.health = health
        self.client = client or app.client
        self.backoff = backoff if backoff is not None else Backoff()
        self.ping_interval = ping_interval
        self.hello_timeout = hello_timeout
        self.connections: list[Connection] = []
        self.opened = 0
        self.closing = False
        self._session: aiohttp.ClientSession | None = None
        self._task: asyncio.Task[None] | None = None
        self._retiring: set[asyncio.Task[None]] = set()

    def start(self) -> asyncio.Task[None]:
        """Connect in the background; returns at once."""
        self.health.expect(Platform.SLACK)
        self._session = aiohttp.ClientSession()
        self._task = asyncio.create_task(self.run(), name="pausebot-slack-socket-mode")
        return self._task

    @property
    def live(self) -> list[Connection]:
        """The open connections that said hello."""
        return [c for c in self.connections if c.hello.is_set() and not c.ended.is_set()]

    def connected(self, connection: Connection) -> None:
        """A connection said hello."""
        self.backoff.connected()
        self.health.set(Platform.SLACK, AdapterState.OK)
        log.info("Slack Socket Mode connected (connection %d)", connection.number)

    def lost(self, connection: Connection) -> None:
        """A connection ended; without another open one, Slack is `connecting` again."""
        if connection in self.connections:
            self.connections.remove(connection)
        if not self.live and not self.closing:
            self.health.set(Platform.SLACK, AdapterState.CONNECTING)
            if connection.hello.is_set():
                log.warning("Slack Socket Mode connection %d closed", connection.number)

    async def run(self) -> None:
        """Connect, and connect again whenever Slack asks or the connection ends."""
        previous: Connection | None = None
        try:
            while not self.closing:
                try:
                    connection = await self.open()
                except TokenRefused as refused:
                    self.health.set(Platform.SLACK, AdapterState.DOWN)
                    log.error(
                        "Slack refused SLACK_APP_TOKEN (%s); Socket Mode stays down, without "
                        "retrying a token Slack refused: set a valid SLACK_APP_TOKEN (xapp-…) "
                        "and restart pausebot",
                        refused,
                    )
                    return
                except Exception as exc:
                    if not self.live:
                        self.health.set(Platform.SLACK, AdapterState.CONNECTING)
                    delay = max(self.backoff.next(), getattr(exc, "retry_after", 0.0))
                    log.warning(
                        "Slack Socket Mode connection failed (%s); trying again in %.1f s",
                        describe(exc),
                        delay,
                    )
                    await asyncio.sleep(delay)
                    continue
                if previous is not None and not previous.ended.is_set():
                    self.retire(previous)
                previous = connection
                await connection.leaving.wait()
                if connection.surplus:
                    self.backoff.not_connected()
                if connection.ended.is_set() and (delay := self.backoff.next()):
                    log.info("Slack Socket Mode reconnecting in %.1f s", delay)
                    await asyncio.sleep(delay)
        finally:
            if previous is not None and not previous.ended.is_set():
                self.retire(previous)

    async def open(self) -> Connection:
        """A new connection that has said hello: a fresh URL, the socket, Slack's hello."""
        self.health.set(Platform.SLACK, AdapterState.OK if self.live else AdapterState.CONNECTING)
        url = await self.new_url()
        assert self._session is not None
        async with asyncio.timeout(self.hello_timeout):
            socket = await self._session.ws_connect(
                url, heartbeat=self.ping_interval, timeout=aiohttp.ClientWSTimeout(ws_close=5.0)
            )
        self.opened += 1
        connection = Connection(self, socket, self.opened)
        self.connections.append(connection)
        hello = asyncio.create_task(connection.hello.wait())
        ended = asyncio.create_task(connection.ended.wait())
        await asyncio.wait(
            {hello, ended}, timeout=self.hello_timeout, return_when=asyncio.FIRST_COMPLETED
        )
        hello.cancel()
        ended.cancel()
        if not connection.hello.is_set():
            await connection.close()
            raise ConnectionError("no hello from Slack on the new connection")
        return connection

    async def new_url(self) -> str:
        """A one-time websocket URL from apps.connections.open."""
        try:
            response = await self.client.apps_connections_open(app_token=self.app_token)
        except SlackApiError as exc:
            error = str(exc.response.get("error") or "")
            if error in REFUSED_TOKEN:
                raise TokenRefused(error) from exc
            if error == "ratelimited":
                headers = {k.lower(): v for k, v in (exc.response.headers or {}).items()}
                try:
                    retry_after = float(headers.get("retry-after") or 1)
                except (TypeError, ValueError):
                    retry_after = 1.0
                raise RateLimited(retry_after) from exc
            raise
        return str(response["url"])

    def retire(self, connection: Connection) -> None:
        """Close a connection Slack asked us to leave, once its envelopes are acknowledged."""
        task = asyncio.create_task(connection.close(grace=RETIRE_GRACE), name="slack-retire")
        self._retiring.add(task)
        task.add_done_callback(self._retiring.discard)

    async def close(self) -> None:
        """Stop reconnecting and close every connection (acknowledging what is in hand)."""
        self.closing = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        for connection in list(self.connections):
            await connection.close(grace=RETIRE_GRACE)
        if self._retiring:
            await asyncio.gather(*self._retiring, return_exceptions=True)
        if self._session is not None:
            await self._session.close()
