"""A local fake of Slack's Socket Mode: `apps.connections.open` and the websocket behind it.

`SocketModeSlackApi` is the fake Web API (tests/fakes/slack_api.py) that also answers
`apps.connections.open` (app-level `xapp-` token only) with a one-time `ws://` URL of its
`FakeSocketMode` server. That server speaks the protocol as Slack does: `hello` first, then the
envelopes a test sends (`slash_commands`, `events_api`, `interactive`), each to be acknowledged
on the socket with `{"envelope_id": …, "payload": …}`; it answers pings, and a test can make it
send `disconnect`, drop its connections (with a close frame or by cutting the TCP connection),
refuse new ones, send new ones away (`too_many_websockets`), or stop answering pings.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from tests.fakes.slack_api import FakeSlackApi

APP_TOKEN = "xapp-1-A0PAUSEBOT-1-fake"
APP_ID = "A0PAUSEBOT"
TEAM = "T0PAUSE"
LINK_PATH = "/link/"


@dataclass
class SocketConnection:
    """One websocket the fake accepted."""

    number: int
    socket: web.WebSocketResponse
    transport: Any
    opened_at: float
    hello_at: float | None = None
    closed_at: float | None = None
    received: list[dict[str, Any]] = field(default_factory=list)

    @property
    def open(self) -> bool:
        """Whether the connection is still open."""
        return self.closed_at is None


@dataclass
class Ack:
    """An acknowledgement the fake received."""

    envelope_id: str
    payload: dict[str, Any] | None
    connection: int
    at: float


class FakeSocketMode:
    """Slack's Socket Mode websocket endpoint, on 127.0.0.1 and a free port."""

    def __init__(self, *, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.monotonic = monotonic
        self.connections: list[SocketConnection] = []
        self.envelopes: dict[str, dict[str, Any]] = {}
        self.acks: dict[str, Ack] = {}
        self.refused: list[float] = []
        self.refusing = False
        self.muted = False
        # The next connections to send away after hello, as Slack does past 10 connections.
        self.too_many = 0
        self.tickets: set[str] = set()
        self.port = 0
        self._numbers = itertools.count(1)
        self._envelope_ids = itertools.count(1)
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None

    async def start(self) -> FakeSocketMode:
        """Listen on a free port."""
        app = web.Application()
        app.router.add_get(LINK_PATH, self._link)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self

    async def stop(self) -> None:
        """Cut every connection and stop listening."""
        for connection in self.open_connections:
            connection.transport.abort()
        if self._runner is not None:
            await self._runner.cleanup()

    # What apps.connections.open hands out.

    def issue_url(self) -> str:
        """A new one-time websocket URL, as apps.connections.open returns."""
        ticket = secrets.token_hex(8)
        self.tickets.add(ticket)
        return f"ws://127.0.0.1:{self.port}{LINK_PATH}?ticket={ticket}&app_id={APP_ID}"

    # What tests look at.

    @property
    def open_connections(self) -> list[SocketConnection]:
        """The connections still open, oldest first."""
        return [c for c in self.connections if c.open]

    @property
    def hellos(self) -> int:
        """How many connections got `hello`."""
        return sum(1 for c in self.connections if c.hello_at is not None)

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 10.0) -> None:
        """Wait until predicate() holds, as connections and acks come and go."""
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(predicate), timeout)

    async def wait_connected(self, hellos: int = 1, timeout: float = 10.0) -> SocketConnection:
        """Wait for the `hellos`-th connection, and return the newest open one."""
        await self.wait_for(lambda: self.hellos >= hellos and bool(self.open_connections), timeout)
        return self.open_connections[-1]

    async def wait_ack(self, envelope_id: str, timeout: float = 10.0) -> Ack:
        """The acknowledgement of an envelope, once it came."""
        await self.wait_for(lambda: envelope_id in self.acks, timeout)
        return self.acks[envelope_id]

    async def _notify(self) -> None:
        """Wake whoever waits."""
        async with self._changed:
            self._changed.notify_all()

    # What tests make the fake do.

    async def send(
        self,
        kind: str,
        payload: dict[str, Any],
        *,
        connection: SocketConnection | None = None,
        accepts_response_payload: bool = True,
    ) -> str:
        """Send an envelope on a connection (the newest open one by default); its id."""
        target = connection or self.open_connections[-1]
        envelope_id = f"env-{next(self._envelope_ids):04d}-{secrets.token_hex(4)}"
        envelope = {
            "envelope_id": envelope_id,
            "type": kind,
            "payload": payload,
            "accepts_response_payload": accepts_response_payload,
        }
        if kind == "events_api":
            envelope |= {"retry_attempt": 0, "retry_reason": ""}
        self.envelopes[envelope_id] = envelope
        await target.socket.send_str(json.dumps(envelope))
        return envelope_id

    async def slash_command(
        self,
        command: str,
        text: str = "",
        *,
        user: str,
        response_url: str,
        connection: SocketConnection | None = None,
    ) -> str:
        """Send a slash command as Slack does in Socket Mode; the envelope's id."""
        number = next(self._envelope_ids)
        payload = {
            "token": "deprecated-verification-token",
            "team_id": TEAM,
            "team_domain": "pausebot-test",
            "channel_id": "C0GENERAL",
            "channel_name": "general",
            "user_id": user,
            "user_name": user.lower(),
            "command": command,
            "text": text,
            "api_app_id": APP_ID,
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": f"{number}.{TEAM}.socket{number:04d}",
        }
        return await self.send("slash_commands", payload, connection=connection)

    async def disconnect(self, reason: str = "refresh_requested") -> None:
        """Ask every open connection to go, as Slack does before it refreshes them."""
        message = {
            "type": "disconnect",
            "reason": reason,
            "debug_info": {"host": "applink-fake-1"},
        }
        for connection in self.open_connections:
            await connection.socket.send_str(json.dumps(message))

    async def drop(self, *, abrupt: bool = False) -> None:
        """End every open connection: a close frame, or (abrupt) the TCP connection cut."""
        for connection in self.open_connections:
            if abrupt:
                connection.transport.abort()
            else:
                await connection.socket.close()
        await self.wait_for(lambda: not self.open_connections)

    # The websocket.

    async def _link(self, request: web.Request) -> web.StreamResponse:
        """A Socket Mode connection: `hello`, then acks (and pings) until it closes."""
        ticket = request.query.get("ticket", "")
        if self.refusing or ticket not in self.tickets:
            self.refused.append(self.monotonic())
            await self._notify()
            return web.Response(status=503 if self.refusing else 401, text="refused")
        self.tickets.discard(ticket)
        socket = web.WebSocketResponse(autoping=False)
        await socket.prepare(request)
        connection = SocketConnection(
            next(self._numbers), socket, request.transport, self.monotonic()
        )
        self.connections.append(connection)
        await socket.send_str(json.dumps(self._hello()))
        connection.hello_at = self.monotonic()
        await self._notify()
        if self.too_many > 0:
            self.too_many -= 1
            message = {"type": "disconnect", "reason": "too_many_websockets"}
            await socket.send_str(json.dumps(message))
            await asyncio.sleep(0.05)
            await socket.close()
        try:
            async for message in socket:
                if message.type is WSMsgType.PING:
                    if not self.muted:
                        await socket.pong(message.data)
                elif message.type is WSMsgType.TEXT:
                    data = json.loads(message.data)
                    connection.received.append(data)
                    if "envelope_id" in data:
                        self.acks[data["envelope_id"]] = Ack(
                            data["envelope_id"],
                            data.get("payload"),
                            connection.number,
                            self.monotonic(),
                        )
                    await self._notify()
                elif message.type is WSMsgType.CLOSE:
                    break
        finally:
            connection.closed_at = self.monotonic()
            await self._notify()
        return socket

    def _hello(self) -> dict[str, Any]:
        """Slack's first message on a new connection."""
        return {
            "type": "hello",
            "num_connections": len(self.open_connections),
            "debug_info": {
                "host": "applink-fake-1",
                "build_number": 1,
                "approximate_connection_time": 18060,
            },
            "connection_info": {"app_id": APP_ID},
        }


@dataclass
class SocketModeSlackApi(FakeSlackApi):
    """The fake Web API with `apps.connections.open`, and the Socket Mode server it points to."""

    app_token: str = APP_TOKEN
    socket_mode: FakeSocketMode = field(default_factory=FakeSocketMode)

    async def start(self) -> SocketModeSlackApi:
        """Start the Web API and the websocket server."""
        await self.socket_mode.start()
        await super().start()
        return self

    async def stop(self) -> None:
        """Stop both."""
        await self.socket_mode.stop()
        await super().stop()

    def _apps_connections_open(self, _args: dict[str, Any]) -> dict[str, Any]:
        """A one-time websocket URL, for the app-level token only."""
        token = self.calls[-1].token
        if not token.startswith("xapp-"):
            return {"error": "not_allowed_token_type"}
        if token != self.app_token:
            return {"error": "invalid_auth"}
        return {"url": self.socket_mode.issue_url()}
