"""Runs commands: resolves the caller, checks the role, calls the handler in one transaction."""

from __future__ import annotations

import difflib
import logging
import time
import uuid

from bot.commands import hours, ops, project  # noqa: F401 - they fill the command table
from bot.commands.base import COMMANDS, Command, Context
from bot.commands.grammar import split_command, split_words
from bot.commands.reply import Reply, Table
from bot.config import Settings
from bot.core.clock import Clock
from bot.core.errors import NotAllowed, NotFound, PausebotError
from bot.core.people import Caller, Person, resolve
from bot.core.projects import assigned_projects, list_projects
from bot.db.session import Database
from bot.metrics import Metrics

log = logging.getLogger(__name__)

GROUPS = ("hours", "project", "ops")
ERROR_KINDS = {NotAllowed: "not_allowed", NotFound: "not_found"}


def allowed(person: Person) -> list[Command]:
    """Commands the person's role may use, in table order."""
    return [cmd for cmd in COMMANDS.values() if person.has(cmd.role)]


def help_reply(person: Person, group: str | None) -> Reply:
    """What the caller can do, for their role (one group, or all)."""
    commands = [cmd for cmd in allowed(person) if group in (None, cmd.group)]
    return Reply(
        title=f"pausebot: what you can do ({person.role})",
        text="Hours logged on a paused project are kept as blocked hours for compensation.",
        table=Table(("command", "what"), [(cmd.usage, cmd.summary) for cmd in commands]),
        data={"role": person.role, "commands": [cmd.usage for cmd in commands]},
    )


def unknown_reply(group: str, name: str) -> Reply:
    """A refusal naming the nearest commands."""
    paths = [f"/{g} {n}" for g, n in COMMANDS]
    typed = f"/{group} {name}".strip()
    near = difflib.get_close_matches(typed, paths, n=2, cutoff=0.6)
    hint = f"did you mean {' or '.join(near)}?" if near else "type /help to see your commands."
    return Reply.error(f"There is no command {typed}; {hint}", kind="unknown_command")


class CommandRunner:
    """The command layer every adapter calls."""

    def __init__(
        self,
        *,
        database: Database,
        settings: Settings,
        clock: Clock,
        metrics: Metrics | None = None,
    ) -> None:
        self.database = database
        self.settings = settings
        self.clock = clock
        self.metrics = metrics

    async def run_line(self, caller: Caller, line: str, *, request_key: str | None = None) -> Reply:
        """Run a typed line such as `/hours log ACME 2h`."""
        try:
            group, name, args = split_command(line)
        except PausebotError as exc:
            return Reply.error(exc.message)
        if not group:
            return Reply.error("Type a command, like /help or /project status.", kind="empty")
        return await self.run(caller, group, name, args, request_key=request_key)

    async def run_slash(
        self, caller: Caller, group: str, text: str, *, request_key: str | None = None
    ) -> Reply:
        """Run a platform slash command: `/hours` with text `log ACME 2h`."""
        try:
            words = split_words(text)
        except PausebotError as exc:
            return Reply.error(exc.message)
        name = words[0].lower() if words else "help"
        return await self.run(
            caller, group.lstrip("/").lower(), name, words[1:], request_key=request_key
        )

    async def project_codes(
        self, caller: Caller, *, prefix: str = "", limit: int = 25
    ) -> list[str]:
        """Project codes for autocomplete: the caller's assignments first, then all for ops."""
        async with self.database.transaction() as db:
            person = await resolve(
                db,
                caller,
                now=self.clock.now(),
                admins=self.settings.PAUSEBOT_ADMINS,
                default_tz=self.settings.PAUSEBOT_TZ,
            )
            codes = [
                p.code for p in await assigned_projects(db, contractor_id=person.contractor.id)
            ]
            if person.has("ops"):
                codes += [p.code for p in await list_projects(db)]
        wanted = prefix.strip().upper()
        return [code for code in dict.fromkeys(codes) if code.startswith(wanted)][:limit]

    async def run(
        self,
        caller: Caller,
        group: str,
        name: str,
        args: list[str],
        *,
        request_key: str | None = None,
    ) -> Reply:
        """Run one command for a caller; refusals roll back everything."""
        started = time.perf_counter()
        reply = await self._run(caller, group, name, args, request_key)
        if self.metrics is not None:
            self.metrics.command_done(f"{group} {name}", reply, time.perf_counter() - started)
        return reply

    async def _run(
        self, caller: Caller, group: str, name: str, args: list[str], request_key: str | None
    ) -> Reply:
        """Run a command inside one transaction and turn errors into replies."""
        cmd = COMMANDS.get((group, name))
        is_help = group == "help" or (name == "help" and group in GROUPS)
        if cmd is None and not is_help:
            return unknown_reply(group, name)
        now = self.clock.now()
        try:
            async with self.database.transaction() as db:
                person = await resolve(
                    db,
                    caller,
                    now=now,
                    admins=self.settings.PAUSEBOT_ADMINS,
                    default_tz=self.settings.PAUSEBOT_TZ,
                )
                if cmd is None:
                    return help_reply(person, None if group == "help" else group)
                person.require(cmd.role)
                ctx = Context(
                    db=db,
                    caller=caller,
                    person=person,
                    settings=self.settings,
                    now=now,
                    request_key=request_key,
                )
                return await cmd.handler(ctx, args)
        except PausebotError as exc:
            return Reply.error(exc.message, kind=ERROR_KINDS.get(type(exc), "invalid"))
        except Exception:
            error_id = uuid.uuid4().hex[:8]
            log.exception("command %s %s failed (error id %s)", group, name, error_id)
            return Reply.error(
                f"Something went wrong on our side (error id {error_id}); try again in a moment.",
                kind="internal",
            )
