"""The Slack app: slash commands, the log-hours modal and App Home, over the command layer."""

from __future__ import annotations

import asyncio
import logging
import re
import uuid
from collections.abc import Awaitable, Callable, Coroutine
from contextlib import AsyncExitStack
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.error import BoltUnhandledRequestError
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack import blocks, views
from bot.adapters.slack.gate import QuietRequestVerification, Refusal, Refused, RequestGate
from bot.adapters.slack.groups import ResponseProgress
from bot.adapters.slack.ids import Action, Callback, SlashCommand
from bot.adapters.slack.journal import Journal, journal_directory
from bot.adapters.slack.socket_mode import SocketMode
from bot.adapters.slack.users import UserDirectory
from bot.adapters.slack.webapi import SlackCallError, WebApi, api_base_url
from bot.commands.base import COMMANDS
from bot.commands.buttons import button_command, stale_button
from bot.commands.reply import ErrorKind, Reply, internal_failure
from bot.commands.runner import CommandRunner
from bot.config import Settings
from bot.core.audiences import PROGRESS
from bot.core.people import Caller
from bot.core.readmodels import MyProjects
from bot.core.words import Platform
from bot.health import AdapterState, Health

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
# Slack waits 3 s for an acknowledgement; a command that needs longer answers through
# response_url (or views.update for a modal) once it is done.
ACK_BUDGET = 2.0
LOG_BUTTON_COMMANDS = {("hours", "log"), ("hours", "week"), ("project", "status")}
# What an error's log line may name: only pausebot's own ids, never text from a request.
SLASH_COMMANDS = frozenset(SlashCommand)
VIEW_CALLBACKS = frozenset(Callback)
ACTIONS = frozenset(Action)
EVENTS = frozenset({"app_home_opened"})
# Commands a request acknowledged before a crash is run again for: those that change nothing,
# and those whose request key makes a second run find the first one's result.
READ_ONLY = frozenset(
    {
        ("project", "status"),
        ("project", "list"),
        ("project", "history"),
        ("hours", "week"),
        ("hours", "statement"),
        ("ops", "summary"),
        ("ops", "impact"),
        ("ops", "export"),
        ("ops", "statement"),
    }
)
KEYED = frozenset({("hours", "log"), ("hours", "available")})
# Commands that do nothing more when run twice (assigning someone assigned, syncing again).
IDEMPOTENT = frozenset({("project", "assign"), ("project", "unassign"), ("project", "sync")})
Authorize = Callable[..., Awaitable[AuthorizeResult]]


def authorize_from(settings: Settings) -> Authorize:
    """Bolt's `authorize` from settings: the bot token, and no Web API call (no auth.test)."""

    async def authorize(
        enterprise_id: str | None, team_id: str | None, user_id: str | None
    ) -> AuthorizeResult:
        """Who pausebot is for this request: the configured bot token."""
        return AuthorizeResult(
            enterprise_id=enterprise_id,
            team_id=team_id,
            user_id=user_id,
            bot_token=settings.SLACK_BOT_TOKEN,
        )

    return authorize


def create_slack_app(settings: Settings, *, process_before_response: bool = True) -> AsyncApp:
    """An AsyncApp that answers without the Web API: authorized from settings, not auth.test.

    Its Web API calls go to SLACK_API_URL when it is set. Bolt's signature check stays (behind
    the gate of HTTP mode) but never logs a request's body.
    """
    client = AsyncWebClient(base_url=api_base_url(settings.SLACK_API_URL))
    secret = settings.SLACK_SIGNING_SECRET or ""
    app = AsyncApp(
        client=client,
        signing_secret=secret,
        process_before_response=process_before_response,
        authorize=authorize_from(settings),
        request_verification_enabled=False,
        before_authorize=QuietRequestVerification(secret),
    )
    # Given after construction: with `authorize`, Bolt would drop (and warn about) the client's
    # token. app.client calls the Web API with it; listeners' clients get it from authorize.
    client.token = settings.SLACK_BOT_TOKEN
    return app


def add_events_route(web_app: web.Application, app: AsyncApp, gate: RequestGate) -> None:
    """Serve Slack's HTTP mode at POST /slack/events, every request through the gate first."""

    async def slack_events(request: web.Request) -> web.Response:
        """Hand one Slack request that passed the gate to Bolt."""
        try:
            bolt_request = await gate.admit(request)
        except Refused as refused:
            return await gate.refuse(request, refused)
        try:
            bolt_response = await app.async_dispatch(bolt_request)
        except Exception:
            # Bolt reads the body's fields as it dispatches; a signed body of a shape Slack
            # never sends can break it (and its error handler) there.
            log.exception("Bolt could not read a signed Slack request")
            return await gate.refuse(request, Refused(Refusal.UNREADABLE))
        return await to_aiohttp_response(bolt_response)

    web_app.router.add_post(EVENTS_PATH, slack_events)


def start_socket_mode(app: AsyncApp, app_token: str, health: Health) -> SocketMode:
    """Connect to Slack in Socket Mode in the background, for as long as pausebot runs.

    Returns at once: Slack being unreachable holds up nothing else. Close it to stop.
    """
    socket_mode = SocketMode(app, app_token, health=health)
    socket_mode.start()
    log.info("Slack Socket Mode: connecting")
    return socket_mode


def known(value: Any, ids: frozenset[str]) -> bool:
    """Whether a value from a request is one of pausebot's own ids."""
    return isinstance(value, str) and value in ids


def member(value: Any, key: str | int) -> Any:
    """`value[key]` when value is a dict (or a list, for an index), else None."""
    if isinstance(value, dict) and isinstance(key, str):
        return value.get(key)
    if isinstance(value, list) and isinstance(key, int) and -len(value) <= key < len(value):
        return value[key]
    return None


def failing_listener(body: dict[str, Any]) -> str:
    """Fixed words naming the listener a request went to, for the log: `Slack /hours`.

    A request's body may have any shape here: this names the failure of one that broke Bolt.
    """
    kind = body.get("type")
    if known(command := body.get("command"), SLASH_COMMANDS):
        return f"Slack {command}"
    if kind == "view_submission" and known(
        callback := member(body.get("view"), "callback_id"), VIEW_CALLBACKS
    ):
        return f"Slack view {callback}"
    if kind == "block_actions":
        action = member(member(body.get("actions"), 0), "action_id")
        return f"Slack action {action}" if known(action, ACTIONS) else "Slack action"
    if kind == "event_callback" and known(event := member(body.get("event"), "type"), EVENTS):
        return f"Slack event {event}"
    return "Slack request"


def first_word(text: str) -> str:
    """The command name in a slash command's text: `log` in `log ACME 2h`; `help` when empty."""
    return text.split(maxsplit=1)[0].lower() if text.strip() else "help"


def repeatable(group: str, name: str, request_key: str | None) -> bool:
    """Whether running a command a second time cannot do it twice."""
    path = (group, name)
    if path in IDEMPOTENT:
        return True
    return path not in COMMANDS or path in READ_ONLY or (path in KEYED and bool(request_key))


def unconfirmed(group: str, text: str) -> Reply:
    """The answer to a command pausebot stopped in the middle of and cannot safely run again."""
    typed = f"/{group} {text}".strip()[:200]
    return Reply.error(
        f"pausebot restarted before it could confirm {typed}, so it may not have been done: "
        "check, and send it again if it was not.",
        kind=ErrorKind.INTERNAL,
    )


def error_answer(body: dict[str, Any], reply: Reply) -> dict[str, Any] | None:
    """What answers a failed request in Slack's acknowledgement, where one can carry it."""
    if body.get("command"):
        return blocks.reply_body(reply)
    if body.get("type") == "view_submission":
        return {"response_action": "update", "view": views.result_modal(reply)}
    return None


class SlackListeners:
    """Bolt listeners that call the command layer and render its replies in Block Kit."""

    def __init__(
        self,
        runner: CommandRunner,
        api: WebApi,
        users: UserDirectory,
        *,
        ack_budget: float = ACK_BUDGET,
        journal: Journal | None = None,
    ) -> None:
        self.runner = runner
        self.api = api
        self.users = users
        self.ack_budget = ack_budget
        self.journal = journal
        self.tasks: set[asyncio.Task[Any]] = set()

    def background(self, work: Coroutine[Any, Any, Any], what: str) -> asyncio.Task[Any]:
        """Run work after the acknowledgement, keeping a reference and logging failures."""
        task = asyncio.create_task(work, name=what)
        self.tasks.add(task)
        task.add_done_callback(self._finished)
        return task

    def _finished(self, task: asyncio.Task[Any]) -> None:
        """Forget a finished background task; log it if it failed."""
        self.tasks.discard(task)
        if not task.cancelled() and (exc := task.exception()) is not None:
            log.error("Slack %s failed", task.get_name(), exc_info=exc)

    async def drain(self) -> None:
        """Wait for every background task (replies, uploads, views) to finish."""
        while self.tasks:
            await asyncio.gather(*list(self.tasks), return_exceptions=True)

    async def within_budget(self, task: asyncio.Task[Reply]) -> Reply | None:
        """The task's reply if it comes within the acknowledgement budget, else None."""
        done, _pending = await asyncio.wait({task}, timeout=self.ack_budget)
        return task.result() if done else None

    async def promise(self, key: str, request: dict[str, Any]) -> None:
        """Journal a request before acknowledging it with "working on it"."""
        if self.journal is None:
            return
        try:
            await self.journal.add(key, request)
        except OSError:
            log.exception("the request journal could not be written; going on without it")

    async def kept(self, key: str) -> None:
        """The promise is kept (the answer went out): forget the journaled request."""
        if self.journal is None:
            return
        try:
            await self.journal.done(key)
        except OSError:
            log.exception("the request journal could not be written")

    def resume(self) -> None:
        """Finish, in the background, the requests a process acknowledged before it died."""
        for key, request in (self.journal.adopted if self.journal else {}).items():
            self.background(self.finish_journaled(key, request), "journaled request")

    async def finish_journaled(self, key: str, request: dict[str, Any]) -> None:
        """Run a journaled request again where that cannot do it twice, and answer it."""
        if request.get("view_id"):
            values = views.submitted_values({"state": request.get("state") or {}})
            run = self.run_log(request["user_id"], request.get("user_name"), values, key)
            await self.finish_late_submission(run, request, key)
        else:
            await self.answer_late(self.rerun(request), request, key)

    async def rerun(self, request: dict[str, Any]) -> Reply:
        """A journaled command run again; where that could do it twice, a sentence instead."""
        group, text, request_key = request["group"], request["text"], request.get("request_key")
        if not repeatable(group, first_word(text), request_key):
            return unconfirmed(group, text)
        return await self.run_slash(
            request["user_id"], request.get("user_name"), group, text, request_key
        )

    async def on_command(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        """A slash command: answer in the acknowledgement, or through response_url when slow."""
        group = SlashCommand(body["command"]).group
        text = (body.get("text") or "").strip()
        user_id = body["user_id"]
        if group == "hours" and text.lower() == "log":
            await ack()
            self.background(
                self.open_log_modal(
                    body["trigger_id"],
                    user_id,
                    fallback_name=body.get("user_name"),
                    response_url=body.get("response_url"),
                ),
                "views.open for /hours log",
            )
            return
        trigger = body.get("trigger_id")
        # Bound to the person: someone else's trigger id never finds this request's result.
        request_key = f"slack:trigger:{user_id}:{trigger}" if trigger else None
        command = self.background(
            self.reporting(
                body.get("response_url"),
                self.run_slash(user_id, body.get("user_name"), group, text, request_key),
            ),
            f"/{group}",
        )
        reply = await self.within_budget(command)
        if reply is None:
            request = {
                "user_id": user_id,
                "user_name": body.get("user_name"),
                "group": group,
                "text": text,
                "response_url": body.get("response_url"),
                "request_key": request_key,
            }
            key = request_key or f"slack:untracked:{uuid.uuid4().hex}"
            await self.promise(key, request)
            await ack(response_type="ephemeral", text=views.WORKING)
            self.background(self.answer_late(command, request, key), "late reply")
            return
        await ack(**self.response_body(reply, group, first_word(text)))
        self.after_reply(reply, user_id, body.get("response_url"))

    async def reporting(self, response_url: str | None, run: Awaitable[Reply]) -> Reply:
        """Run a command telling its caller, through response_url, how slow lookups go."""
        if not response_url:
            return await run

        async def respond(message: dict[str, Any]) -> None:
            """One progress line to the caller."""
            await self.api.respond(response_url, message)

        token = PROGRESS.set(ResponseProgress(respond, after=self.ack_budget + 1.0))
        try:
            return await run
        finally:
            PROGRESS.reset(token)

    async def run_slash(
        self,
        user_id: str,
        user_name: str | None,
        group: str,
        text: str,
        request_key: str | None,
    ) -> Reply:
        """Look the caller up and run the command; never raises."""
        try:
            caller = await self.users.caller(user_id, fallback_name=user_name)
            return await self.runner.run_slash(caller, group, text, request_key=request_key)
        except Exception as exc:
            return internal_failure(f"Slack /{group}", exc)

    def response_body(self, reply: Reply, group: str, name: str) -> dict[str, Any]:
        """The message for a reply, with a Log hours button where it helps."""
        with_button = reply.ok and (group, name) in LOG_BUTTON_COMMANDS
        return blocks.reply_body(reply, with_log_button=with_button)

    def after_reply(self, reply: Reply, user_id: str, response_url: str | None) -> None:
        """Work that follows a reply: uploading its file."""
        if reply.ok and reply.files:
            self.background(self.upload(reply, user_id, response_url), "file upload")

    async def answer_late(
        self, command: Awaitable[Reply], request: dict[str, Any], key: str
    ) -> None:
        """Send a slow (or journaled) command's reply through response_url, then forget it."""
        reply = await command
        body = self.response_body(reply, request["group"], first_word(request["text"]))
        if await self.respond(request.get("response_url"), body):
            await self.kept(key)
        self.after_reply(reply, request["user_id"], request.get("response_url"))

    async def respond(self, response_url: str | None, message: dict[str, Any]) -> bool:
        """Post to a response_url; a failure is logged, never raised.

        False when it failed in a way that may mend (Slack down): the next start tries again.
        """
        if not response_url:
            return True
        try:
            await self.api.respond(response_url, message)
        except SlackCallError as exc:
            log.error("reply through response_url failed: %s", exc)
            return not exc.transient
        return True

    async def send_direct(self, user_id: str, reply: Reply) -> bool:
        """Send a reply as a direct message; False when that failed in a way that may mend."""
        body = blocks.reply_body(reply)
        del body["response_type"]
        try:
            opened = await self.api.call("conversations.open", users=user_id)
            await self.api.call("chat.postMessage", channel=opened["channel"]["id"], **body)
        except SlackCallError as exc:
            log.error("direct message with a result failed: %s", exc)
            return not exc.transient
        return True

    async def upload(self, reply: Reply, user_id: str, response_url: str | None) -> None:
        """Upload a reply's file (or files) to the caller's direct messages with pausebot."""
        if len(reply.files) > 1:
            await self.upload_several(reply, user_id, response_url)
            return
        attachment = reply.attachment
        if attachment is None:
            return
        try:
            opened = await self.api.call("conversations.open", users=user_id)
            await self.api.call(
                "files_upload_v2",
                channel=opened["channel"]["id"],
                filename=attachment.filename,
                title=attachment.filename,
                content=attachment.content,
                initial_comment=f"{reply.title}: {reply.text}",
                request_file_info=False,
            )
        except SlackCallError as exc:
            log.error("upload of %s failed: %s", attachment.filename, exc)
            failed = Reply.error(
                f"The file {attachment.filename} could not be uploaded ({exc.error}); "
                "try /ops export again in a moment.",
                kind=ErrorKind.UPLOAD_FAILED,
            )
            await self.respond(response_url, blocks.reply_body(failed))

    async def upload_several(self, reply: Reply, user_id: str, response_url: str | None) -> None:
        """Upload a reply's files (a statement's PDF and CSV) together to the caller's DM."""
        names = ", ".join(file.filename for file in reply.files)
        try:
            opened = await self.api.call("conversations.open", users=user_id)
            await self.api.call(
                "files_upload_v2",
                channel=opened["channel"]["id"],
                file_uploads=[
                    {"content": file.content, "filename": file.filename, "title": file.filename}
                    for file in reply.files
                ],
                initial_comment=f"{reply.title}: {reply.text}",
                request_file_info=False,
            )
        except SlackCallError as exc:
            log.error("upload of %d files failed: %s", len(reply.files), exc)
            failed = Reply.error(
                f"The files {names} could not be uploaded ({exc.error}); "
                "send the command again in a moment.",
                kind=ErrorKind.UPLOAD_FAILED,
            )
            await self.respond(response_url, blocks.reply_body(failed))

    async def my_projects(self, caller: Caller) -> Reply:
        """The caller's projects, as `/project status` answers them."""
        return await self.runner.run(caller, "project", "status", [])

    async def open_log_modal(
        self,
        trigger_id: str,
        user_id: str,
        *,
        fallback_name: str | None = None,
        response_url: str | None = None,
    ) -> None:
        """Open the log-hours modal with the caller's projects."""
        caller = await self.users.caller(user_id, fallback_name=fallback_name)
        status = await self.my_projects(caller)
        mine = status.data if isinstance(status.data, MyProjects) else MyProjects(projects=())
        zone = ZoneInfo(caller.tz or self.runner.settings.PAUSEBOT_TZ)
        today = self.runner.clock.now().astimezone(zone).date()
        view = views.log_hours_modal(mine, today=today)
        try:
            await self.api.call("views.open", trigger_id=trigger_id, view=view)
        except SlackCallError as exc:
            log.warning("views.open failed: %s", exc)
            failed = Reply.error(
                f"The form could not open ({exc.error}); type /hours log CODE DURATION "
                "[DATE] [NOTE…] instead.",
                kind=ErrorKind.MODAL_FAILED,
            )
            await self.respond(response_url, blocks.reply_body(failed))

    async def on_button(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        """A button under a message (a check-in's yes or no): its command runs for whoever
        pressed it, and the answer comes privately through response_url.

        The click is journaled before it is acknowledged, so a restart finishes it; the request
        key (the person and the click's `action_ts`) makes a retried delivery record once.
        """
        user = body["user"]
        action = (body.get("actions") or [{}])[0]
        found = button_command(action.get("value"))
        if found is None:
            await ack()
            self.background(
                self.respond(body.get("response_url"), blocks.reply_body(stale_button())),
                "stale button",
            )
            return
        group, text = found
        key = f"slack:action:{user['id']}:{action.get('action_ts')}"
        request = {
            "user_id": user["id"],
            "user_name": user.get("username") or user.get("name"),
            "group": group,
            "text": text,
            "response_url": body.get("response_url"),
            "request_key": key,
        }
        await self.promise(key, request)
        await ack()
        command = self.background(
            self.run_slash(user["id"], request["user_name"], group, text, key), "button"
        )
        self.background(self.answer_late(command, request, key), "button reply")

    async def on_open_log_modal(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        """The Log hours button (in replies and on App Home)."""
        await ack()
        user = body["user"]
        self.background(
            self.open_log_modal(
                body["trigger_id"],
                user["id"],
                fallback_name=user.get("username") or user.get("name"),
                response_url=body.get("response_url"),
            ),
            "views.open for the Log hours button",
        )

    async def on_log_submission(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        """A submitted log-hours modal: a refusal on the input it is about, or the entry."""
        view = body["view"]
        user = body["user"]
        # Bound to the person: a submission replaying someone else's view id is its own request.
        key = f"slack:view:{user['id']}:{view['id']}"
        command = self.background(
            self.run_log(user["id"], user.get("username"), views.submitted_values(view), key),
            "log-hours modal",
        )
        reply = await self.within_budget(command)
        if reply is None:
            request = {
                "user_id": user["id"],
                "user_name": user.get("username"),
                "view_id": view["id"],
                "state": view.get("state") or {},
            }
            await self.promise(key, request)
            await ack(response_action="update", view=views.working_modal())
            self.background(self.finish_late_submission(command, request, key), "late modal")
            return
        if not reply.ok:
            await ack(response_action="errors", errors={views.error_block(reply): reply.text})
            return
        await ack(response_action="update", view=views.result_modal(reply))
        self.background(self.publish_home(user["id"]), "views.publish after logging")

    async def run_log(
        self, user_id: str, user_name: str | None, values: dict[str, Any], request_key: str
    ) -> Reply:
        """Run `/hours log` with the modal's values by parameter name; never raises."""
        try:
            caller = await self.users.caller(user_id, fallback_name=user_name)
            return await self.runner.run_values(
                caller, "hours", "log", values, request_key=request_key
            )
        except Exception as exc:
            return internal_failure("Slack log-hours modal", exc)

    async def finish_late_submission(
        self, command: Awaitable[Reply], request: dict[str, Any], key: str
    ) -> None:
        """Show a slow submission's outcome in its modal, else (modal closed) in a DM."""
        reply = await command
        view = views.result_modal(reply)
        try:
            await self.api.call("views.update", view_id=request["view_id"], view=view)
            settled = True
        except SlackCallError as exc:
            log.warning("views.update after a slow submission failed (%s); sending a DM", exc)
            settled = await self.send_direct(request["user_id"], reply)
        if settled:
            await self.kept(key)

    async def on_done(self, ack: AsyncAck) -> None:
        """The result modal has nothing to submit; acknowledge and close."""
        await ack()

    async def on_home_opened(self, event: dict[str, Any]) -> None:
        """App Home opened: publish the caller's projects in the background."""
        if event.get("tab", "home") == "home":
            self.background(self.publish_home(event["user"]), "views.publish")

    async def publish_home(self, user_id: str) -> None:
        """Publish the App Home tab for one user."""
        caller = await self.users.caller(user_id)
        view = views.home_view(await self.my_projects(caller))
        try:
            await self.api.call("views.publish", user_id=user_id, view=view)
        except SlackCallError as exc:
            log.warning("views.publish for %s failed: %s", user_id, exc)

    async def on_error(
        self,
        error: Exception,
        body: dict[str, Any],
        request: AsyncBoltRequest,
        response: BoltResponse | None,
    ) -> BoltResponse | None:
        """Bolt's error handler: a listener failed, so answer with the internal-error reply.

        The reply (with the error id the log line carries) goes in the acknowledgement when
        Slack is still waiting for one, else through the request's response_url.
        """
        if isinstance(error, BoltUnhandledRequestError):
            return None
        reply = internal_failure(failing_listener(body), error)
        acked = request.context.ack.response
        answer = error_answer(body, reply) if acked is None else None
        if answer is None and body.get("response_url"):
            self.background(
                self.respond(body["response_url"], blocks.reply_body(reply)), "error reply"
            )
        if response is None:  # Bolt answered Slack before the listener ran
            return None
        return acked or BoltResponse(status=200, body=answer or "")


def register(
    app: AsyncApp,
    runner: CommandRunner,
    *,
    api: WebApi | None = None,
    users: UserDirectory | None = None,
    ack_budget: float = ACK_BUDGET,
    journal: Journal | None = None,
) -> SlackListeners:
    """Register pausebot's listeners on an AsyncApp; returns them (drain them on shutdown)."""
    api = api or WebApi(app.client)
    listeners = SlackListeners(
        runner, api, users or UserDirectory(api), ack_budget=ack_budget, journal=journal
    )
    for slash in SlashCommand:
        app.command(slash.value)(listeners.on_command)
    app.action(Action.OPEN_LOG_MODAL)(listeners.on_open_log_modal)
    app.action(re.compile(f"^{Action.RUN}:"))(listeners.on_button)
    app.view(Callback.LOG_HOURS)(listeners.on_log_submission)
    app.view(Callback.DONE)(listeners.on_done)
    app.event("app_home_opened")(listeners.on_home_opened)
    app.error(listeners.on_error)
    return listeners


async def start_slack(
    settings: Settings,
    runner: CommandRunner,
    web_app: web.Application,
    stack: AsyncExitStack,
    health: Health | None = None,
) -> SlackListeners:
    """Start Slack for `pausebot run`: Socket Mode with SLACK_APP_TOKEN, else HTTP mode routes.

    Nothing here waits on Slack. Its state goes to `health`: in Socket Mode `ok` only while
    connected; in HTTP mode `ok` once the web server serving its route has started.
    """
    health = health if health is not None else Health()
    health.expect(Platform.SLACK)
    app = create_slack_app(settings)
    journal = open_journal(settings)
    if journal is not None:
        stack.callback(journal.close)
    listeners = register(app, runner, journal=journal)
    stack.push_async_callback(listeners.drain)
    listeners.resume()
    if settings.SLACK_APP_TOKEN:
        socket_mode = start_socket_mode(app, settings.SLACK_APP_TOKEN, health)
        stack.push_async_callback(socket_mode.close)
    else:
        add_events_route(web_app, app, RequestGate(settings.SLACK_SIGNING_SECRET or ""))

        async def served(_web_app: web.Application) -> None:
            """The route is served from here on."""
            health.set(Platform.SLACK, AdapterState.OK)

        web_app.on_startup.append(served)
        log.info("Slack HTTP mode: POST %s", EVENTS_PATH)
    return listeners


def open_journal(settings: Settings) -> Journal | None:
    """The request journal beside the database; without one (logged), promises are not kept."""
    directory = journal_directory(settings.DATABASE_URL)
    try:
        return Journal.open(directory)
    except OSError as exc:
        log.error(
            "the request journal in %s cannot be opened (%s); going on without it", directory, exc
        )
        return None
