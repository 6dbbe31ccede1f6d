"""The Slack app: slash commands, the log-hours modal and App Home, over the command layer."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Coroutine
from contextlib import AsyncExitStack
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack import blocks
from bot.adapters.slack.ids import Action, Block, Callback, SlashCommand
from bot.adapters.slack.users import UserDirectory
from bot.adapters.slack.webapi import SlackCallError, WebApi
from bot.commands.reply import Reply
from bot.commands.runner import CommandRunner
from bot.config import Settings
from bot.core.errors import InvalidInput
from bot.core.parsing import parse_duration
from bot.core.people import Caller

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
# Slack waits 3 s for an acknowledgement; a command that needs longer answers through
# response_url (or views.update for a modal) once it is done.
ACK_BUDGET = 2.0
WORKING = ":hourglass_flowing_sand: Working on it; the answer follows in a moment."
LOG_BUTTON_COMMANDS = {("hours", "log"), ("hours", "week"), ("project", "status")}


def api_base_url(url: str | None) -> str:
    """The Web API base URL the SDK expects (with a trailing slash)."""
    return (url or AsyncWebClient.BASE_URL).rstrip("/") + "/"


def create_slack_app(settings: Settings, *, process_before_response: bool = True) -> AsyncApp:
    """An AsyncApp whose Web API calls go to SLACK_API_URL when it is set."""
    client = AsyncWebClient(
        token=settings.SLACK_BOT_TOKEN, base_url=api_base_url(settings.SLACK_API_URL)
    )
    return AsyncApp(
        client=client,
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


def error_block(reply: Reply, work_date: str) -> Block:
    """The modal input a refusal from the command layer is about."""
    if reply.error_kind in ("not_allowed", "not_found"):
        return Block.PROJECT
    if work_date in reply.text:
        return Block.WORK_DATE
    return Block.DURATION


def submitted_values(view: dict[str, Any]) -> dict[str, str]:
    """Project, duration, date and note from a submitted log-hours modal."""
    values = view["state"]["values"]
    option = values[Block.PROJECT][Action.PROJECT].get("selected_option") or {}
    return {
        "project": option.get("value") or "",
        "duration": values[Block.DURATION][Action.DURATION].get("value") or "",
        "work_date": values[Block.WORK_DATE][Action.WORK_DATE].get("selected_date") or "",
        "note": (values.get(Block.NOTE, {}).get(Action.NOTE, {}).get("value") or "").strip(),
    }


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
            f"/{group} {name}",
        )
        reply = await self.within_budget(command)
        if reply is None:
            await ack(response_type="ephemeral", text=WORKING)
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
        except Exception:
            error_id = uuid.uuid4().hex[:8]
            log.exception("Slack /%s failed (error id %s)", group, error_id)
            return Reply.error(
                f"Something went wrong on our side (error id {error_id}); try again in a moment.",
                kind="internal",
            )

    def response_body(self, reply: Reply, group: str, name: str) -> dict[str, Any]:
        """The message for a reply, with a Log hours button where it helps."""
        with_button = reply.ok and (group, name) in LOG_BUTTON_COMMANDS
        body = blocks.message(reply, with_log_button=with_button)
        if reply.ok and reply.attachment is not None:
            body["blocks"].append(
                blocks.context("The file is on its way to your direct messages with pausebot.")
            )
        return body

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
                kind="upload_failed",
            )
            await self.respond(response_url, blocks.message(failed))

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
        zone = ZoneInfo(caller.tz or self.runner.settings.PAUSEBOT_TZ)
        today = self.runner.clock.now().astimezone(zone).date()
        view = blocks.log_hours_modal(
            (status.data or {}).get("projects", []) if status.ok else [], today=today
        )
        try:
            await self.api.call("views.open", trigger_id=trigger_id, view=view)
        except SlackCallError as exc:
            log.warning("views.open failed: %s", exc)
            failed = Reply.error(
                f"The form could not open ({exc.error}); type /hours log CODE DURATION "
                "[DATE] [NOTE…] instead.",
                kind="modal_failed",
            )
            await self.respond(response_url, blocks.message(failed))

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
        """A submitted log-hours modal: inline errors, or the logged entry."""
        view = body["view"]
        values = submitted_values(view)
        errors: dict[str, str] = {}
        try:
            minutes = parse_duration(values["duration"])
        except InvalidInput as exc:
            errors[Block.DURATION] = exc.message
        if not values["project"]:
            errors[Block.PROJECT] = "Choose a project."
        if not values["work_date"]:
            errors[Block.WORK_DATE] = "Pick a date."
        if errors:
            await ack(response_action="errors", errors=errors)
            return
        user = body["user"]
        args = [values["project"], f"{minutes}m", values["work_date"]]
        if values["note"]:
            args.append(values["note"])
        command = self.background(
            self.run_log(user["id"], user.get("username"), args, f"slack:view:{view['id']}"),
            "modal /hours log",
        )
        reply = await self.within_budget(command)
        if reply is None:
            await ack(response_action="update", view=blocks.result_modal(Reply(title=WORKING)))
            self.background(self.finish_late_submission(command, view["id"]), "late modal")
            return
        if not reply.ok:
            block = error_block(reply, values["work_date"])
            await ack(response_action="errors", errors={block: reply.text})
            return
        await ack(response_action="update", view=blocks.result_modal(reply))
        self.background(self.publish_home(user["id"]), "views.publish after logging")

    async def run_log(
        self, user_id: str, user_name: str | None, args: list[str], request_key: str
    ) -> Reply:
        """Run `/hours log` with the modal's values; never raises."""
        try:
            caller = await self.users.caller(user_id, fallback_name=user_name)
            return await self.runner.run(caller, "hours", "log", args, request_key=request_key)
        except Exception:
            error_id = uuid.uuid4().hex[:8]
            log.exception("Slack modal /hours log failed (error id %s)", error_id)
            return Reply.error(
                f"Something went wrong on our side (error id {error_id}); try again in a moment.",
                kind="internal",
            )

    async def finish_late_submission(self, command: asyncio.Task[Reply], view_id: str) -> None:
        """Show a slow submission's outcome in the modal once it is known."""
        reply = await command
        try:
            await self.api.call("views.update", view_id=view_id, view=blocks.result_modal(reply))
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
        view = blocks.home_view(await self.my_projects(caller))
        try:
            await self.api.call("views.publish", user_id=user_id, view=view)
        except SlackCallError as exc:
            log.warning("views.publish for %s failed: %s", user_id, exc)


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
