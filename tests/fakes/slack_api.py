"""A local fake of the Slack Web API (and of response_url and upload URLs) that records calls."""

from __future__ import annotations

import base64
import itertools
import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from aiohttp import web


@dataclass
class Call:
    """One request the fake received: the method and its arguments, whatever their encoding."""

    method: str
    args: dict[str, Any]
    body: bytes = b""
    at: float = field(default_factory=time.monotonic)
    token: str = ""


@dataclass
class Window:
    """A Retry-After the fake announced: no call of `method` should arrive in (`start`, `end`)."""

    method: str
    start: float
    end: float
    token: str = ""
    wall: float = 0.0


@dataclass
class Failure:
    """A planned failure for the next matching calls."""

    method: str | None
    remaining: int
    status: int
    error: str
    retry_after: float | None = None


@dataclass
class RateLimit:
    """A method's limit as a token bucket: `per_second` calls on average, `burst` at once."""

    per_second: float
    burst: float
    retry_after: float | None = None
    tokens: float = -1.0
    updated: float = 0.0

    def take(self, now: float) -> float:
        """Take one call's token; returns 0, or the seconds until a token is free (refused)."""
        if self.tokens < 0:
            self.tokens, self.updated = self.burst, now
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.per_second)
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.per_second


@dataclass
class FakeSlackApi:
    """The fake server's state: users, channel messages, views, files and every call."""

    bot_user_id: str = "UPAUSEBOT"
    team_id: str = "T0PAUSE"
    calls: list[Call] = field(default_factory=list)
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    usergroups: dict[str, list[str]] = field(default_factory=dict)
    channel_members: dict[str, list[str]] = field(default_factory=dict)
    messages: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    views: dict[str, dict[str, Any]] = field(default_factory=dict)
    home: dict[str, dict[str, Any]] = field(default_factory=dict)
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    responses: list[dict[str, Any]] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    limits: dict[str, RateLimit] = field(default_factory=dict)
    rate_limited: list[Call] = field(default_factory=list)
    announced: list[Window] = field(default_factory=list)
    monotonic: Callable[[], float] = time.monotonic
    wall: Callable[[], float] = time.time
    url: str = ""
    _runner: web.AppRunner | None = None
    _ids: Any = field(default_factory=lambda: itertools.count(1))
    _last_ts: int = 0

    async def start(self) -> FakeSlackApi:
        """Listen on a free local port."""
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_post("/response/{key}", self._response_url)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"
        return self

    async def stop(self) -> None:
        """Stop listening."""
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        """The base URL to give as SLACK_API_URL."""
        return f"{self.url}/api/"

    def response_url(self, key: str = "r1") -> str:
        """A response_url that lands in `responses`."""
        return f"{self.url}/response/{key}"

    def add_user(self, user_id: str, name: str, tz: str = "UTC", *, display: str = "") -> None:
        """A user `users.info` knows."""
        self.users[user_id] = {
            "id": user_id,
            "name": name.lower(),
            "real_name": name,
            "tz": tz,
            "profile": {"display_name": display or name, "real_name": name},
        }

    def add_member(
        self,
        user_id: str,
        name: str,
        *,
        email: str | None = None,
        bot: bool = False,
        deleted: bool = False,
        tz: str = "UTC",
    ) -> None:
        """An account `users.list` and `users.info` know: a person, a bot or a deactivated one."""
        self.add_user(user_id, name, tz)
        user = self.users[user_id]
        user.update(is_bot=bot, deleted=deleted)
        if email:
            user["profile"]["email"] = email

    def slack_tiers(self, *, scale: float = 1.0) -> None:
        """Enforce Slack's published rate tiers on the methods audiences use (429 beyond them).

        `scale` speeds every tier up alike (a test need not wait out real minutes).
        """
        for method, (per_minute, burst) in SLACK_TIERS.items():
            self.limit(method, per_second=per_minute / 60 * scale, burst=burst)

    def fail_next(
        self,
        count: int = 1,
        *,
        method: str | None = None,
        status: int = 429,
        error: str = "ratelimited",
        retry_after: float | None = 1,
    ) -> None:
        """Answer the next `count` calls (of one method, or any) with an error, 429 by default."""
        self.failures.append(Failure(method, count, status, error, retry_after))

    def limit(
        self, method: str, *, per_second: float, burst: float, retry_after: float | None = None
    ) -> None:
        """Enforce a rate limit on a method as Slack does: HTTP 429 with Retry-After in seconds.

        Retry-After is the whole seconds until a call would pass, or `retry_after` when given.
        """
        self.limits[method] = RateLimit(per_second, burst, retry_after)

    def called(self, method: str) -> list[Call]:
        """The recorded calls of one method, oldest first."""
        return [call for call in self.calls if call.method == method]

    def calls_during_holds(self, method: str, *, grace: float = 0.0) -> list[Call]:
        """Calls of a method that arrived strictly inside a Retry-After announced for it.

        Times are compared to the microsecond. `grace` leaves out the calls that arrive that
        many seconds after a 429 at most: requests already on their way when it was answered.
        """
        windows = [window for window in self.announced if window.method == method]
        return [
            call
            for call in self.called(method)
            if any(
                round(window.start + grace, 6) < round(call.at, 6) < round(window.end, 6)
                for window in windows
            )
        ]

    def post(self, channel: str, text: str, **extra: Any) -> dict[str, Any]:
        """Put a message in a channel as someone else would (no call is recorded)."""
        posted = {"type": "message", "ts": self._next_ts(), "text": text, **extra}
        self.messages.setdefault(channel, []).append(posted)
        return posted

    def _next_ts(self) -> str:
        """A message `ts` from the wall clock, unique and rising like Slack's."""
        micros = max(int(self.wall() * 1_000_000), self._last_ts + 1)
        self._last_ts = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def _announce(self, method: str, headers: dict[str, str], token: str) -> None:
        """Remember the window a 429's Retry-After asks callers to stay away for."""
        if "Retry-After" in headers:
            start = self.calls[-1].at if self.calls else self.monotonic()
            end = start + float(headers["Retry-After"])
            self.announced.append(Window(method, start, end, token, self.wall()))

    def _planned_failure(self, method: str, token: str = "") -> web.Response | None:
        """The planned failure for this call, if any."""
        for failure in self.failures:
            if failure.remaining > 0 and failure.method in (None, method):
                failure.remaining -= 1
                headers = {}
                if failure.retry_after is not None:
                    headers["Retry-After"] = str(failure.retry_after)
                if failure.status == 429:
                    self._announce(method, headers, token)
                return web.json_response(
                    {"ok": False, "error": failure.error}, status=failure.status, headers=headers
                )
        return None

    def _over_limit(self, method: str) -> web.Response | None:
        """A 429 when the call exceeds its method's limit; Retry-After is whole seconds."""
        bucket = self.limits.get(method)
        if bucket is None:
            return None
        wait = bucket.take(self.monotonic())
        if not wait:
            return None
        self.rate_limited.append(self.calls[-1])
        seconds = bucket.retry_after or max(1, math.ceil(wait))
        headers = {"Retry-After": str(seconds)}
        self._announce(method, headers, self.calls[-1].token)
        return web.json_response({"ok": False, "error": "ratelimited"}, status=429, headers=headers)

    async def _arguments(self, request: web.Request) -> tuple[dict[str, Any], bytes]:
        """Query, form and JSON arguments together, with JSON-encoded form values decoded."""
        raw = await request.read()
        args: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json" and raw:
            args.update(json.loads(raw))
        elif request.content_type == "application/x-www-form-urlencoded":
            args.update(await request.post())
        for key in ("blocks", "view", "metadata", "files"):
            if isinstance(args.get(key), str) and args[key][:1] in "[{":
                args[key] = json.loads(args[key])
        return args, raw

    async def _api(self, request: web.Request) -> web.Response:
        """Answer one Web API method."""
        method = request.match_info["method"]
        args, raw = await self._arguments(request)
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        self.calls.append(Call(method, args, raw, at=self.monotonic(), token=token))
        if (failure := self._planned_failure(method, token)) is not None:
            return failure
        if (refused := self._over_limit(method)) is not None:
            return refused
        handler = getattr(self, "_" + method.replace(".", "_"), None)
        if handler is None:
            return web.json_response({"ok": False, "error": "unknown_method"})
        result = handler(args)
        if "error" in result:
            return web.json_response({"ok": False, **result})
        return web.json_response({"ok": True, **result})

    def _auth_test(self, _args: dict[str, Any]) -> dict[str, Any]:
        """Who the bot is."""
        return {
            "url": "https://pausebot-test.slack.com/",
            "team": "pausebot test",
            "team_id": self.team_id,
            "user": "pausebot",
            "user_id": self.bot_user_id,
            "bot_id": "BPAUSEBOT",
        }

    def _users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        """A known user, or user_not_found."""
        user = self.users.get(args.get("user", ""))
        return {"user": user} if user else {"error": "user_not_found"}

    def _conversations_open(self, args: dict[str, Any]) -> dict[str, Any]:
        """The DM channel with a user (D + user id); user_not_found for unknown users."""
        user = str(args.get("users", ""))
        if user not in self.users:
            return {"error": "user_not_found"}
        if user == self.bot_user_id:
            return {"error": "cannot_dm_bot"}
        return {"channel": {"id": "D" + user}}

    def _chat_postMessage(self, args: dict[str, Any]) -> dict[str, Any]:
        """Store a message in its channel (channels starting with X do not exist)."""
        channel = str(args.get("channel", ""))
        if channel.startswith("X"):
            return {"error": "channel_not_found"}
        ts = self._next_ts()
        posted = {"type": "message", "ts": ts, "text": args.get("text", "")}
        for key in ("blocks", "metadata"):
            if key in args:
                posted[key] = args[key]
        self.messages.setdefault(channel, []).append(posted)
        return {"channel": channel, "ts": ts, "message": posted}

    def _chat_postEphemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        """Accept an ephemeral message."""
        return {"message_ts": self._next_ts()}

    def _conversations_history(self, args: dict[str, Any]) -> dict[str, Any]:
        """A channel's messages newest first, as Slack pages them.

        `oldest` and `latest` bound the times (exclusive unless `inclusive`), `limit` the page
        (100 by default), and `cursor` continues from `response_metadata.next_cursor`, which,
        like Slack's, names the `ts` the next page starts at. Metadata only when asked for.
        """
        channel = str(args.get("channel", ""))
        if channel.startswith("X"):
            return {"error": "channel_not_found"}
        wanted = str(args.get("include_all_metadata", "")).lower() in ("1", "true")
        inclusive = str(args.get("inclusive", "")).lower() in ("1", "true")
        oldest = Decimal(str(args.get("oldest") or 0))
        latest = Decimal(str(args["latest"])) if args.get("latest") else None
        if args.get("cursor"):
            start = Decimal(base64.b64decode(str(args["cursor"])).decode().split(":", 1)[1])
            latest, inclusive_latest = start, True
        else:
            inclusive_latest = inclusive
        limit = max(1, min(int(args.get("limit") or 100), 999))

        def within(posted: dict[str, Any]) -> bool:
            """Whether a message lies between oldest and latest."""
            ts = Decimal(posted["ts"])
            after = ts >= oldest if inclusive else ts > oldest
            before = latest is None or (ts <= latest if inclusive_latest else ts < latest)
            return after and before

        found = [m for m in reversed(self.messages.get(channel, [])) if within(m)]
        page, rest = found[:limit], found[limit:]
        if not wanted:
            page = [{k: v for k, v in m.items() if k != "metadata"} for m in page]
        answer: dict[str, Any] = {"messages": page, "has_more": bool(rest), "pin_count": 0}
        if rest:
            cursor = base64.b64encode(f"next_ts:{rest[0]['ts']}".encode()).decode()
            answer["response_metadata"] = {"next_cursor": cursor}
        return answer

    def _new_view(self, view: dict[str, Any], view_id: str | None = None) -> dict[str, Any]:
        """Store a view under an id with a fresh hash."""
        view_id = view_id or f"V{next(self._ids):08d}"
        stored = {**view, "id": view_id, "hash": f"h{next(self._ids)}"}
        self.views[view_id] = stored
        return stored

    def _views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        """Open a modal (any trigger id works once)."""
        if not args.get("trigger_id"):
            return {"error": "invalid_trigger_id"}
        return {"view": self._new_view(args["view"])}

    def _views_update(self, args: dict[str, Any]) -> dict[str, Any]:
        """Replace an open modal."""
        if args.get("view_id") not in self.views:
            return {"error": "not_found"}
        return {"view": self._new_view(args["view"], args["view_id"])}

    def _views_publish(self, args: dict[str, Any]) -> dict[str, Any]:
        """Publish a user's App Home."""
        view = self._new_view(args["view"])
        self.home[str(args.get("user_id"))] = view
        return {"view": view}

    def _files_getUploadURLExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        """An upload URL on this server."""
        file_id = f"F{next(self._ids):08d}"
        self.files[file_id] = {"id": file_id, "name": args.get("filename"), "content": None}
        return {"upload_url": f"{self.url}/upload/{file_id}", "file_id": file_id}

    def _files_completeUploadExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        """Share uploaded files in a channel."""
        shared = []
        for item in args.get("files") or []:
            stored = self.files.get(item["id"])
            if stored is None or stored["content"] is None:
                return {"error": "file_not_found"}
            stored.update(title=item.get("title"), channel=args.get("channel_id"))
            stored["initial_comment"] = args.get("initial_comment")
            shared.append({"id": item["id"], "title": item.get("title")})
        return {"files": shared}

    async def _upload(self, request: web.Request) -> web.Response:
        """Receive a file's bytes at its upload URL."""
        file_id = request.match_info["file_id"]
        raw = await request.read()
        self.calls.append(Call("upload", {"file_id": file_id}, raw, at=self.monotonic()))
        if (failure := self._planned_failure("upload")) is not None:
            return failure
        if file_id not in self.files:
            return web.Response(status=404, text="no such upload")
        self.files[file_id]["content"] = raw
        return web.Response(text=f"OK - {len(raw)}")

    async def _response_url(self, request: web.Request) -> web.Response:
        """Receive a message posted to a response_url."""
        body = await request.json()
        key = request.match_info["key"]
        self.calls.append(Call("response_url", {"key": key, **body}, at=self.monotonic()))
        if (failure := self._planned_failure("response_url")) is not None:
            return failure
        self.responses.append(body)
        return web.Response(text="ok")

    def _page(self, items: list[Any], args: dict[str, Any]) -> tuple[list[Any], dict[str, Any]]:
        """One page of a cursor-paged list: `limit` (at most 1,000; none means all, as Slack
        tries) from the cursor on, and the cursor of the next page when there is one."""
        limit = min(int(args.get("limit") or 0) or len(items) or 1, PAGE_MOST)
        start = 0
        if args.get("cursor"):
            try:
                start = int(base64.b64decode(str(args["cursor"])).decode().split(":", 1)[1])
            except (ValueError, IndexError):
                return [], {"error": "invalid_cursor"}
        page = items[start : start + limit]
        following = start + limit
        cursor = (
            base64.b64encode(f"offset:{following}".encode()).decode()
            if following < len(items)
            else ""
        )
        return page, {"response_metadata": {"next_cursor": cursor}}

    def _users_list(self, args: dict[str, Any]) -> dict[str, Any]:
        """Every account, bots and deactivated ones included, paged with cursors."""
        page, extra = self._page(list(self.users.values()), args)
        if "error" in extra:
            return extra
        return {"members": page, "cache_ts": int(self.wall()), **extra}

    def _usergroups_users_list(self, args: dict[str, Any]) -> dict[str, Any]:
        """A user group's user ids, all at once (Slack does not page this method)."""
        group = str(args.get("usergroup", ""))
        if group not in self.usergroups:
            return {"error": "no_such_subteam"}
        return {"users": list(self.usergroups[group])}

    def _conversations_members(self, args: dict[str, Any]) -> dict[str, Any]:
        """A channel's member ids, paged with cursors; channel_not_found for unknown ones."""
        channel = str(args.get("channel", ""))
        if channel not in self.channel_members:
            return {"error": "channel_not_found"}
        page, extra = self._page(self.channel_members[channel], args)
        if "error" in extra:
            return extra
        return {"members": page, **extra}

    def _users_lookupByEmail(self, args: dict[str, Any]) -> dict[str, Any]:
        """One account by e-mail (pausebot never uses it: it reads users.list in bulk)."""
        email = str(args.get("email", "")).lower()
        for user in self.users.values():
            if (user.get("profile") or {}).get("email", "").lower() == email:
                return {"user": user}
        return {"error": "users_not_found"}


PAGE_MOST = 1000
# Slack's rate tiers for the methods audiences use: calls a minute, and a burst allowance
# (Slack tolerates short bursts; here about ten seconds' worth).
SLACK_TIERS = {
    "users.list": (20, 3),  # Tier 2
    "usergroups.users.list": (20, 3),  # Tier 2
    "conversations.members": (100, 16),  # Tier 4
    "users.info": (100, 16),  # Tier 4
    "users.lookupByEmail": (50, 8),  # Tier 3
    "conversations.open": (50, 8),  # Tier 3
}
