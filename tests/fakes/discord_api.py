"""A local fake of Discord's REST API and gateway: records every call and answers as Discord does.

REST lives under `/api/v10` (point `DISCORD_API_URL` or `discord.http.Route.BASE` at `api_url`);
the gateway is a websocket at `gateway_url` that sends HELLO, answers heartbeats, replies to
IDENTIFY with READY, and dispatches whatever events a test pushes. Every JSON answer carries
exactly `Content-Type: application/json`, which discord.py requires to parse it.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import WSMsgType, web

API_PREFIX = "/api/v10"
GATEWAY_PATH = "/gateway-ws"
EPHEMERAL = 1 << 6
LOADING = 1 << 7
# Interaction callback types (Discord's InteractionCallbackType).
CHANNEL_MESSAGE = 4
DEFERRED_CHANNEL_MESSAGE = 5
AUTOCOMPLETE_RESULT = 8
DISCORD_EPOCH_MS = 1_420_070_400_000


@dataclass
class Call:
    """One REST request as the fake received it."""

    method: str
    path: str
    query: dict[str, str]
    body: Any
    files: list[tuple[str, bytes]]
    headers: dict[str, str]
    status: int = 0


@dataclass
class InteractionLog:
    """Everything the bot did to answer one interaction (keyed by its token)."""

    id: str
    token: str
    callbacks: list[dict[str, Any]] = field(default_factory=list)
    followups: list[dict[str, Any]] = field(default_factory=list)
    edits: list[dict[str, Any]] = field(default_factory=list)
    original: dict[str, Any] | None = None
    original_deleted: bool = False
    messages: list[dict[str, Any]] = field(default_factory=list)

    @property
    def callback_type(self) -> int | None:
        """The type of the first callback, or None when the bot never answered."""
        return self.callbacks[0]["type"] if self.callbacks else None

    @property
    def deferred(self) -> bool:
        """Whether the bot deferred before answering."""
        return self.callback_type == DEFERRED_CHANNEL_MESSAGE

    @property
    def choices(self) -> list[dict[str, Any]]:
        """The autocomplete choices the bot sent."""
        assert self.callback_type == AUTOCOMPLETE_RESULT, self.callbacks
        return self.callbacks[0]["data"]["choices"]

    @property
    def visible(self) -> list[dict[str, Any]]:
        """The messages the user can see, in order (a deleted original is not visible)."""
        return [
            message
            for message in self.messages
            if not (self.original_deleted and self.original and message is self.original)
        ]

    @property
    def embeds(self) -> list[dict[str, Any]]:
        """Every embed in the visible messages."""
        return [embed for message in self.visible for embed in message.get("embeds", [])]

    @property
    def text(self) -> str:
        """Titles, descriptions and fields of the visible embeds, as one string."""
        parts: list[str] = []
        for embed in self.embeds:
            parts += [embed.get("title", ""), embed.get("description", "")]
            parts += [f"{f['name']}: {f['value']}" for f in embed.get("fields", [])]
        return "\n".join(part for part in parts if part)

    @property
    def ephemeral(self) -> bool:
        """Whether every visible message is ephemeral."""
        return bool(self.visible) and all(m["flags"] & EPHEMERAL for m in self.visible)

    @property
    def files(self) -> list[tuple[str, bytes]]:
        """The files attached to the visible messages."""
        return [file for message in self.visible for file in message.get("_files", [])]


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None):
    """A response whose Content-Type is exactly application/json."""
    return web.Response(
        body=json.dumps(data).encode(),
        status=status,
        headers={"Content-Type": "application/json", **(headers or {})},
    )


def error_response(status: int, message: str, code: int) -> web.Response:
    """Discord's error body: a message and a numeric code."""
    return json_response({"message": message, "code": code}, status=status)


class FakeDiscord:
    """The fake REST API and gateway, on 127.0.0.1 and a free port."""

    def __init__(
        self,
        *,
        application_id: int = 1_100_000_000_000_000_001,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.application_id = application_id
        self.wall = wall
        self.bot_user = {
            "id": str(application_id),
            "username": "pausebot",
            "global_name": "pausebot",
            "discriminator": "0",
            "avatar": None,
            "bot": True,
            "public_flags": 0,
            "flags": 0,
        }
        self.calls: list[Call] = []
        self.interactions: dict[str, InteractionLog] = {}
        self.channel_messages: dict[str, list[dict[str, Any]]] = {}
        self.dm_channels: dict[str, str] = {}
        self.unknown_users: set[str] = set()
        self.unknown_channels: set[str] = set()
        self.closed_dms: set[str] = set()
        self.synced: dict[str | None, list[dict[str, Any]]] = {}
        # Servers' members and roles; without the Server Members intent, members answer 403.
        self.guild_members: dict[str, list[dict[str, Any]]] = {}
        self.guild_roles: dict[str, list[dict[str, Any]]] = {}
        self.members_intent = True
        self.identify: list[dict[str, Any]] = []
        self.gateway_frames: list[dict[str, Any]] = []
        self.identified = asyncio.Event()
        self._failures: list[list[Any]] = []
        self._nonces: dict[tuple[str, str], dict[str, Any]] = {}
        self._last_id = 0
        self._sequence = itertools.count(1)
        self._sockets: list[web.WebSocketResponse] = []
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0
        # Dropping and refusing connections.
        self.accepted_token: str | None = None
        self.refuse_gateway = False
        self.gateway_refusals: list[float] = []
        self.resumes: list[dict[str, Any]] = []
        self.resumable = True
        self._transports: dict[int, Any] = {}

    @property
    def api_url(self) -> str:
        """The REST base URL, version included, like Discord's https://discord.com/api/v10."""
        return f"http://127.0.0.1:{self.port}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        """The gateway's websocket URL."""
        return f"ws://127.0.0.1:{self.port}{GATEWAY_PATH}"

    async def start(self, port: int = 0) -> FakeDiscord:
        """Serve on a free port (or on `port`, where a client may already be trying)."""
        app = web.Application(client_max_size=32 * 1024 * 1024)
        app.router.add_get(GATEWAY_PATH, self._gateway)
        app.router.add_route("*", API_PREFIX + "/{path:.*}", self._rest)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def close(self) -> None:
        """Close gateway sockets and stop serving."""
        for socket in list(self._sockets):
            await socket.close()
        if self._runner is not None:
            await self._runner.cleanup()

    # What tests ask of the fake.

    def answer_error_next(
        self,
        count: int,
        *,
        status: int = 429,
        retry_after: float = 1.5,
        path: str = "",
        body: dict[str, Any] | None = None,
    ) -> None:
        """Answer the next `count` calls whose path contains `path` with an error (429 default)."""
        self._failures.append([count, status, retry_after, path, body])

    def calls_to(self, method: str, path_part: str) -> list[Call]:
        """Recorded calls with this method whose path contains `path_part`."""
        return [c for c in self.calls if c.method == method and path_part in c.path]

    def interaction(self, token: str) -> InteractionLog:
        """What the bot did for the interaction with this token."""
        return self.interactions.setdefault(token, InteractionLog(id="", token=token))

    async def wait_for(self, predicate, timeout: float = 10.0) -> None:
        """Wait until predicate() holds, as calls and gateway frames arrive."""
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(predicate), timeout)

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send a DISPATCH event to every identified gateway connection."""
        frame = {"op": 0, "t": event, "s": next(self._sequence), "d": data}
        for socket in self._sockets:
            await socket.send_str(json.dumps(frame))

    async def drop_gateway(self, *, abrupt: bool = False, code: int = 1000) -> None:
        """End every gateway connection: a close frame with `code`, or the TCP connection cut."""
        for socket in list(self._sockets):
            transport = self._transports.get(id(socket))
            if abrupt and transport is not None:
                transport.abort()
            else:
                await socket.close(code=code)
        await self.wait_for(lambda: not self._sockets)

    @property
    def gateway_open(self) -> int:
        """How many gateway connections are identified (or resumed) and open."""
        return len(self._sockets)

    # REST.

    def forget_nonces(self) -> None:
        """Forget every nonce, as Discord does a few minutes after a message was created."""
        self._nonces.clear()

    def post(self, channel_id: str, body: dict[str, Any]) -> dict[str, Any]:
        """Put a message in a channel as someone else would (no call is recorded)."""
        message = self.message(channel_id, body, [])
        self.channel_messages.setdefault(channel_id, []).append(message)
        return message

    def _snowflake(self) -> str:
        """A new id made from the wall clock, rising like Discord's."""
        moment = (int(self.wall() * 1000) - DISCORD_EPOCH_MS) << 22
        self._last_id = max(moment, self._last_id + 1)
        return str(self._last_id)

    def message(
        self, channel_id: str, body: dict[str, Any], files: list[tuple[str, bytes]], flags: int = 0
    ) -> dict[str, Any]:
        """A message object as Discord returns it."""
        message_id = self._snowflake()
        return {
            "id": message_id,
            "type": 0,
            "channel_id": channel_id,
            "author": self.bot_user,
            "content": body.get("content") or "",
            "timestamp": datetime.now(UTC).isoformat(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [
                {
                    "id": self._snowflake(),
                    "filename": name,
                    "size": len(content),
                    "url": f"https://cdn.example/attachments/{message_id}/{name}",
                    "proxy_url": f"https://media.example/attachments/{message_id}/{name}",
                }
                for name, content in files
            ],
            "embeds": body.get("embeds") or [],
            "pinned": False,
            "flags": flags | int(body.get("flags") or 0),
            "components": [],
            "nonce": body.get("nonce"),
            "_files": files,
        }

    @staticmethod
    def public(message: dict[str, Any]) -> dict[str, Any]:
        """A stored message without the fake's private keys."""
        return {key: value for key, value in message.items() if not key.startswith("_")}

    async def _read(self, request: web.Request) -> tuple[Any, list[tuple[str, bytes]]]:
        """The JSON body, or payload_json and files of a multipart body."""
        if request.content_type.startswith("multipart/"):
            body: Any = None
            files: list[tuple[str, bytes]] = []
            reader = await request.multipart()
            async for part in reader:
                if part.name == "payload_json":
                    body = json.loads(await part.text())
                else:
                    files.append((part.filename or part.name or "", bytes(await part.read())))
            return body, files
        raw = await request.read()
        return (json.loads(raw) if raw else None), []

    def _failure(self, path: str) -> web.Response | None:
        """An injected error for this call, if one is queued."""
        for failure in self._failures:
            count, status, retry_after, part, body = failure
            if count > 0 and part in path:
                failure[0] -= 1
                if status != 429:
                    return json_response(body or {"message": "Server error", "code": 0}, status)
                reset = time.time() + retry_after
                headers = {
                    "Retry-After": str(math.ceil(retry_after)),
                    "X-RateLimit-Limit": "5",
                    "X-RateLimit-Remaining": "0",
                    "X-RateLimit-Reset": f"{reset:.3f}",
                    "X-RateLimit-Reset-After": f"{retry_after:.3f}",
                    "X-RateLimit-Bucket": "fake-bucket",
                    "X-RateLimit-Scope": "user",
                }
                data = body or {
                    "message": "You are being rate limited.",
                    "retry_after": retry_after,
                    "global": False,
                }
                return json_response(data, 429, headers)
        return None

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        """Record the call, then answer it."""
        body, files = await self._read(request)
        path = "/" + request.match_info["path"]
        call = Call(request.method, path, dict(request.query), body, files, dict(request.headers))
        response = self._failure(path) or self._route(call)
        call.status = response.status
        self.calls.append(call)
        async with self._changed:
            self._changed.notify_all()
        return response

    def _route(self, call: Call) -> web.Response:
        """Answer one call like Discord."""
        parts = call.path.strip("/").split("/")
        method = call.method
        # Interaction callbacks and webhooks are authorised by the token in their path.
        by_token = parts[0] in ("interactions", "webhooks")
        if not by_token and not call.headers.get("Authorization", "").startswith("Bot "):
            return error_response(401, "401: Unauthorized", 0)
        if (
            not by_token
            and self.accepted_token is not None
            and call.headers.get("Authorization") != f"Bot {self.accepted_token}"
        ):
            return error_response(401, "401: Unauthorized", 0)
        if method == "GET" and call.path == "/users/@me":
            return json_response(self.bot_user)
        if method == "GET" and call.path == "/oauth2/applications/@me":
            return json_response(self._application())
        if method == "GET" and call.path in ("/gateway", "/gateway/bot"):
            return json_response(self._gateway_info())
        if method == "PUT" and parts[0] == "applications" and parts[-1] == "commands":
            guild_id = parts[3] if len(parts) == 5 else None
            return json_response(self._sync(guild_id, call.body or []))
        if parts[0] == "interactions" and parts[-1] == "callback" and method == "POST":
            return self._callback(parts[1], parts[2], call)
        if parts[0] == "webhooks" and len(parts) >= 3:
            return self._webhook(parts[2], parts[3:], call)
        if method == "POST" and call.path == "/users/@me/channels":
            return self._open_dm(str((call.body or {}).get("recipient_id")))
        if method == "GET" and parts[0] == "guilds" and len(parts) == 3:
            if parts[2] == "members":
                return self._guild_members(parts[1], call.query)
            if parts[2] == "roles":
                return json_response(self.guild_roles.get(parts[1], []))
        if parts[0] == "channels" and parts[-1] == "messages":
            return self._channel_messages(parts[1], call)
        return error_response(404, "404: Not Found", 0)

    def _application(self) -> dict[str, Any]:
        """The application object for GET /oauth2/applications/@me."""
        return {
            "id": str(self.application_id),
            "name": "pausebot",
            "icon": None,
            "description": "",
            "bot_public": False,
            "bot_require_code_grant": False,
            "owner": {**self.bot_user, "id": "1000", "username": "owner", "bot": False},
            "verify_key": "0" * 64,
            "flags": 0,
            "team": None,
        }

    def _gateway_info(self) -> dict[str, Any]:
        """GET /gateway/bot."""
        return {
            "url": self.gateway_url,
            "shards": 1,
            "session_start_limit": {
                "total": 1000,
                "remaining": 999,
                "reset_after": 0,
                "max_concurrency": 1,
            },
        }

    def _sync(self, guild_id: str | None, commands: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Bulk overwrite of commands: they come back with ids and versions."""
        stored = []
        for command in commands:
            item = {
                **command,
                "id": self._snowflake(),
                "application_id": str(self.application_id),
                "version": self._snowflake(),
                "default_member_permissions": command.get("default_member_permissions"),
                "type": command.get("type", 1),
            }
            if guild_id is not None:
                item["guild_id"] = guild_id
            stored.append(item)
        self.synced[guild_id] = stored
        return stored

    def _callback(self, interaction_id: str, token: str, call: Call) -> web.Response:
        """POST /interactions/{id}/{token}/callback."""
        log = self.interaction(token)
        log.id = interaction_id
        if log.callbacks:
            return error_response(400, "Interaction has already been acknowledged.", 40060)
        body = call.body or {}
        log.callbacks.append(body)
        kind = body.get("type")
        data = body.get("data") or {}
        resource: dict[str, Any] = {"type": kind}
        answer: dict[str, Any] = {"id": interaction_id, "type": 2}
        if kind == CHANNEL_MESSAGE:
            log.original = self.message("0", data, call.files)
            log.messages.append(log.original)
        elif kind == DEFERRED_CHANNEL_MESSAGE:
            log.original = self.message("0", {}, [], flags=LOADING | int(data.get("flags") or 0))
        elif kind == AUTOCOMPLETE_RESULT:
            answer["type"] = 4
        if log.original is not None:
            resource["message"] = self.public(log.original)
            answer |= {
                "response_message_id": log.original["id"],
                "response_message_loading": bool(log.original["flags"] & LOADING),
                "response_message_ephemeral": bool(log.original["flags"] & EPHEMERAL),
            }
        if call.query.get("with_response") not in ("1", "true", "True"):
            return web.Response(status=204)
        return json_response({"interaction": answer, "resource": resource})

    def _webhook(self, token: str, rest: list[str], call: Call) -> web.Response:
        """Follow-ups and the original response: POST, PATCH, GET, DELETE."""
        log = self.interactions.get(token)
        if log is None or not log.callbacks:
            return error_response(404, "Unknown Webhook", 10015)
        if not rest and call.method == "POST":
            body = call.body or {}
            log.followups.append(body)
            original = log.original
            if original is not None and original["flags"] & LOADING and not log.original_deleted:
                # The first follow-up after a defer edits the loading message; its flags stay.
                original["flags"] &= ~LOADING
                original["embeds"] = body.get("embeds") or []
                original["content"] = body.get("content") or ""
                original["_files"] = call.files
                log.messages.append(original)
                message = original
            else:
                message = self.message("0", body, call.files)
                log.messages.append(message)
            if call.query.get("wait") in ("1", "true", "True"):
                return json_response(self.public(message))
            return web.Response(status=204)
        if rest[:1] == ["messages"] and len(rest) == 2:
            if log.original is None or log.original_deleted:
                return error_response(404, "Unknown Message", 10008)
            if call.method == "DELETE":
                log.original_deleted = True
                return web.Response(status=204)
            if call.method == "PATCH":
                log.edits.append(call.body or {})
                log.original["flags"] &= ~LOADING
                log.original.update({k: v for k, v in (call.body or {}).items() if k != "flags"})
                if log.original not in log.messages:
                    log.messages.append(log.original)
            return json_response(self.public(log.original))
        return error_response(404, "404: Not Found", 0)

    def _open_dm(self, user_id: str) -> web.Response:
        """POST /users/@me/channels: the DM channel with a user."""
        if user_id in self.unknown_users:
            return error_response(404, "Unknown User", 10013)
        channel_id = self.dm_channels.setdefault(user_id, self._snowflake())
        return json_response(
            {
                "id": channel_id,
                "type": 1,
                "last_message_id": None,
                "flags": 0,
                "recipients": [{"id": user_id, "username": f"user{user_id}", "discriminator": "0"}],
            }
        )

    def _channel_messages(self, channel_id: str, call: Call) -> web.Response:
        """POST (create, honouring enforce_nonce) or GET (a page, newest first) channel messages."""
        if channel_id in self.unknown_channels:
            return error_response(404, "Unknown Channel", 10003)
        recipient = next((u for u, c in self.dm_channels.items() if c == channel_id), None)
        messages = self.channel_messages.setdefault(channel_id, [])
        if call.method == "GET":
            return json_response(self._page(messages, call.query))
        if recipient in self.closed_dms:
            return error_response(403, "Cannot send messages to this user", 50007)
        body = call.body or {}
        nonce = body.get("nonce")
        if body.get("enforce_nonce") and nonce and (channel_id, str(nonce)) in self._nonces:
            return json_response(self.public(self._nonces[(channel_id, str(nonce))]))
        message = self.message(channel_id, body, call.files)
        messages.append(message)
        if nonce:
            self._nonces[(channel_id, str(nonce))] = message
        return json_response(self.public(message))

    def _page(self, messages: list[dict[str, Any]], query: dict[str, str]) -> list[dict[str, Any]]:
        """GET /channels/{id}/messages: `limit` (1-100, 50 by default) messages, newest first.

        With `after`, the oldest messages after that id; with `before` (or neither), the newest
        ones before it. As Discord does, a message read back carries no nonce.
        """
        limit = max(1, min(int(query.get("limit", 50)), 100))
        ordered = sorted(messages, key=lambda m: int(m["id"]))
        if "after" in query:
            chosen = [m for m in ordered if int(m["id"]) > int(query["after"])][:limit]
        else:
            before = int(query["before"]) if "before" in query else None
            older = [m for m in ordered if before is None or int(m["id"]) < before]
            chosen = older[-limit:]
        return [{k: v for k, v in self.public(m).items() if k != "nonce"} for m in reversed(chosen)]

    # Gateway.

    async def _gateway(self, request: web.Request) -> web.StreamResponse:
        """HELLO, heartbeat ACKs, READY after IDENTIFY (RESUMED after RESUME); dispatches what
        tests push. Refused (503) while `refuse_gateway`; a token other than `accepted_token`
        is closed with 4004, as Discord closes it."""
        if self.refuse_gateway:
            self.gateway_refusals.append(time.monotonic())
            async with self._changed:
                self._changed.notify_all()
            return web.Response(status=503, text="gateway unavailable")
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        self._transports[id(socket)] = request.transport
        await socket.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": 41250}}))
        async for frame in socket:
            if frame.type != WSMsgType.TEXT:
                break
            payload = json.loads(frame.data)
            self.gateway_frames.append(payload)
            if payload["op"] == 1:
                await socket.send_str(json.dumps({"op": 11}))
            elif payload["op"] == 2 and not self._intents_allowed(payload["d"]):
                await socket.close(code=4014, message=b"Disallowed intent(s).")
                break
            elif payload["op"] == 2:
                if self.accepted_token not in (None, payload["d"].get("token")):
                    await socket.close(code=4004, message=b"Authentication failed.")
                    break
                self.identify.append(payload["d"])
                self._sockets.append(socket)
                await self.dispatch("READY", self._ready())
                self.identified.set()
            elif payload["op"] == 6:
                self.resumes.append(payload["d"])
                if self.resumable and payload["d"].get("session_id") == "fake-session":
                    self._sockets.append(socket)
                    await self.dispatch("RESUMED", {})
                else:
                    await socket.send_str(json.dumps({"op": 9, "d": False}))
            async with self._changed:
                self._changed.notify_all()
        if socket in self._sockets:
            self._sockets.remove(socket)
        self._transports.pop(id(socket), None)
        async with self._changed:
            self._changed.notify_all()
        return socket

    def _ready(self) -> dict[str, Any]:
        """The READY event: the bot user, no guilds yet, a session to resume."""
        return {
            "v": 10,
            "user": self.bot_user,
            "guilds": [],
            "session_id": "fake-session",
            "resume_gateway_url": self.gateway_url,
            "shard": [0, 1],
            "application": {"id": str(self.application_id), "flags": 0},
            "user_settings": {},
            "relationships": [],
            "private_channels": [],
        }

    # Servers' members and roles.

    def add_role(self, guild_id: int | str, role_id: int | str, name: str) -> None:
        """A role of a server."""
        roles = self.guild_roles.setdefault(str(guild_id), [])
        roles.append(
            {
                "id": str(role_id),
                "name": name,
                "color": 0,
                "hoist": False,
                "position": len(roles) + 1,
                "permissions": "0",
                "managed": False,
                "mentionable": True,
                "flags": 0,
            }
        )

    def add_guild_member(
        self,
        guild_id: int | str,
        user_id: int | str,
        name: str,
        *,
        roles: tuple[int | str, ...] = (),
        bot: bool = False,
        nick: str | None = None,
    ) -> None:
        """A member of a server, with their roles."""
        self.guild_members.setdefault(str(guild_id), []).append(
            {
                "user": {
                    "id": str(user_id),
                    "username": name.lower(),
                    "global_name": name,
                    "discriminator": "0",
                    "avatar": None,
                    "bot": bot,
                },
                "nick": nick,
                "roles": [str(role) for role in roles],
                "joined_at": "2025-01-06T09:00:00.000000+00:00",
                "deaf": False,
                "mute": False,
                "flags": 0,
                "pending": False,
            }
        )

    def _guild_members(self, guild_id: str, query: dict[str, str]) -> web.Response:
        """GET /guilds/{id}/members: `limit` (1-1000, 1 by default) members with user ids
        after `after`, in id order; 403 without the Server Members intent."""
        if not self.members_intent:
            return error_response(403, "Missing Access", 50001)
        if guild_id not in self.guild_members and guild_id not in self.guild_roles:
            return error_response(404, "Unknown Guild", 10004)
        limit = max(1, min(int(query.get("limit", 1)), 1000))
        after = int(query.get("after", 0))
        ordered = sorted(self.guild_members.get(guild_id, []), key=lambda m: int(m["user"]["id"]))
        return json_response([m for m in ordered if int(m["user"]["id"]) > after][:limit])

    def _intents_allowed(self, identify: dict[str, Any]) -> bool:
        """Whether an IDENTIFY asks only for intents the bot was granted (Server Members)."""
        return self.members_intent or not int(identify.get("intents", 0)) & (1 << 1)
