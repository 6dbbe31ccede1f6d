"""The Slack app: slash commands, the log-hours modal and App Home, over the command layer."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from contextlib import AsyncExitStack
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_bolt.error import BoltUnhandledRequestError
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

from bot.adapters.slack import blocks, views
from bot.adapters.slack.ids import Action, Callback, SlashCommand
from bot.adapters.slack.users import UserDirectory
from bot.adapters.slack.webapi import SlackCallError, WebApi, web_client
from bot.commands.reply import ErrorKind, Reply, internal_failure
from bot.commands.runner import CommandRunner
from bot.config import Settings
from bot.core.people import Caller
from bot.core.readmodels import MyProjects

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


def create_slack_app(settings: Settings, *, process_before_response: bool = True) -> AsyncApp:
    """An AsyncApp whose Web API calls go to SLACK_API_URL when it is set."""
    return AsyncApp(
        client=web_client(settings),
        signing_secret=settings.SLACK_SIGNING_SECRET or "",
        process_before_response=process_before_response,
    )


def add_events_route(web_app: web.Application, app: AsyncApp) -> None:
    """Serve Slack's HTTP mode at POST /slack/events on pausebot's own aiohttp server."""

    async def slack_events(request: web.Request) -> web.Response:
        """Hand one Slack request to Bolt, which checks its signature first."""
        bolt_response = await app.async_dispatch(await to_bolt_request(request))
        return await to_aiohttp_response(bolt_response)

    web_app.router.add_post(EVENTS_PATH, slack_events)


async def start_socket_mode(app: AsyncApp, app_token: str) -> AsyncSocketModeHandler:
    """Connect to Slack in Socket Mode; close the returned handler to stop."""
    handler = AsyncSocketModeHandler(app, app_token)
    await handler.connect_async()
    log.info("Slack Socket Mode connected")
    return handler


def known(value: Any, ids: frozenset[str]) -> bool:
    """Whether a value from a request is one of pausebot's own ids."""
    return isinstance(value, str) and value in ids


def failing_listener(body: dict[str, Any]) -> str:
    """Fixed words naming the listener a request went to, for the log: `Slack /hours`."""
    kind = body.get("type")
    if known(command := body.get("command"), SLASH_COMMANDS):
        return f"Slack {command}"
    if kind == "view_submission" and known(
        callback := (body.get("view") or {}).get("callback_id"), VIEW_CALLBACKS
    ):
        return f"Slack view {callback}"
    if kind == "block_actions":
        action = ((body.get("actions") or [{}])[0] or {}).get("action_id")
        return f"Slack action {action}" if known(action, ACTIONS) else "Slack action"
    if kind == "event_callback" and known(event := (body.get("event") or {}).get("type"), EVENTS):
        return f"Slack event {event}"
    return "Slack request"


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
    ) -> None:
        self.runner = runner
        self.api = api
        self.users = users
        self.ack_budget = ack_budget
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
        name = text.split(maxsplit=1)[0].lower() if text else "help"
        request_key = f"slack:trigger:{body['trigger_id']}" if body.get("trigger_id") else None
        command = self.background(
            self.run_slash(user_id, body.get("user_name"), group, text, request_key),
            f"/{group}",
        )
        reply = await self.within_budget(command)
        if reply is None:
            await ack(response_type="ephemeral", text=views.WORKING)
            self.background(self.answer_late(command, body, group, name), "late reply")
            return
        await ack(**self.response_body(reply, group, name))
        self.after_reply(reply, body)

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

    def after_reply(self, reply: Reply, body: dict[str, Any]) -> None:
        """Work that follows a reply: uploading its file."""
        if reply.ok and reply.attachment is not None:
            self.background(
                self.upload(reply, body["user_id"], body.get("response_url")), "file upload"
            )

    async def answer_late(
        self, command: asyncio.Task[Reply], body: dict[str, Any], group: str, name: str
    ) -> None:
        """Send a slow command's reply through response_url."""
        reply = await command
        await self.respond(body.get("response_url"), self.response_body(reply, group, name))
        self.after_reply(reply, body)

    async def respond(self, response_url: str | None, message: dict[str, Any]) -> None:
        """Post to a response_url; a failure is logged, never raised."""
        if not response_url:
            return
        try:
            await self.api.respond(response_url, message)
        except SlackCallError as exc:
            log.error("reply through response_url failed: %s", exc)

    async def upload(self, reply: Reply, user_id: str, response_url: str | None) -> None:
        """Upload a reply's file to the caller's direct messages with pausebot."""
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
        command = self.background(
            self.run_log(
                user["id"],
                user.get("username"),
                views.submitted_values(view),
                f"slack:view:{view['id']}",
            ),
            "log-hours modal",
        )
        reply = await self.within_budget(command)
        if reply is None:
            await ack(response_action="update", view=views.working_modal())
            self.background(self.finish_late_submission(command, view["id"]), "late modal")
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

    async def finish_late_submission(self, command: asyncio.Task[Reply], view_id: str) -> None:
        """Show a slow submission's outcome in the modal once it is known."""
        reply = await command
        try:
            await self.api.call("views.update", view_id=view_id, view=views.result_modal(reply))
        except SlackCallError as exc:
            log.error("views.update after a slow submission failed: %s", exc)

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
) -> SlackListeners:
    """Register pausebot's listeners on an AsyncApp; returns them (drain them on shutdown)."""
    api = api or WebApi(app.client)
    listeners = SlackListeners(runner, api, users or UserDirectory(api), ack_budget=ack_budget)
    for slash in SlashCommand:
        app.command(slash.value)(listeners.on_command)
    app.action(Action.OPEN_LOG_MODAL)(listeners.on_open_log_modal)
    app.view(Callback.LOG_HOURS)(listeners.on_log_submission)
    app.view(Callback.DONE)(listeners.on_done)
    app.event("app_home_opened")(listeners.on_home_opened)
    app.error(listeners.on_error)
    return listeners


async def start_slack(
    settings: Settings, runner: CommandRunner, web_app: web.Application, stack: AsyncExitStack
) -> SlackListeners:
    """Start Slack for `pausebot run`: Socket Mode with SLACK_APP_TOKEN, else HTTP mode routes."""
    app = create_slack_app(settings)
    listeners = register(app, runner)
    stack.push_async_callback(listeners.drain)
    if settings.SLACK_APP_TOKEN:
        handler = await start_socket_mode(app, settings.SLACK_APP_TOKEN)
        stack.push_async_callback(handler.close_async)
    else:
        add_events_route(web_app, app)
        log.info("Slack HTTP mode: POST %s", EVENTS_PATH)
    return listeners
