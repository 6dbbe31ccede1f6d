"""Runs commands: resolves the caller, checks the role, reads the parameters and calls the
handler, all in one transaction."""

from __future__ import annotations

import difflib
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.commands import hours, ops, project  # noqa: F401 - they fill the command table
from bot.commands.base import COMMANDS, Command, Context
from bot.commands.grammar import Reading, convert, read_words, split_command, split_words
from bot.commands.reply import ErrorKind, Reply, internal_failure
from bot.config import Settings
from bot.core import present
from bot.core.audiences import PROGRESS, Audience, Lookups, MembersNeeded, look_up
from bot.core.clock import Clock
from bot.core.errors import NotAllowed, NotFound, PausebotError
from bot.core.parsing import shown
from bot.core.people import Caller, Person, resolve
from bot.core.projects import assigned_projects, list_projects
from bot.core.readmodels import CommandHelp, HelpPage
from bot.core.timeline import local_date
from bot.core.words import Platform, Role
from bot.db.session import Database
from bot.metrics import Metrics

GROUPS = ("hours", "project", "ops")
ERROR_KINDS = {NotAllowed: ErrorKind.NOT_ALLOWED, NotFound: ErrorKind.NOT_FOUND}
# Reads a command's parameters, once the caller is known, into the handler's typed values.
ReadValues = Callable[[Command, Reading], dict[str, Any]]


def allowed(person: Person) -> list[Command]:
    """Commands the person's role may use, in table order."""
    return [cmd for cmd in COMMANDS.values() if person.has(cmd.role)]


def help_reply(person: Person, group: str | None) -> Reply:
    """What the caller can do, for their role (one group, or all)."""
    page = HelpPage(
        role=person.role,
        commands=tuple(
            CommandHelp(usage=cmd.usage, summary=cmd.summary)
            for cmd in allowed(person)
            if group in (None, cmd.group)
        ),
    )
    return Reply.of(page, present.help_page(page))


def unknown_reply(group: str, name: str) -> Reply:
    """A refusal naming the nearest commands."""
    typed = f"/{group} {name}".strip()
    near = difflib.get_close_matches(typed, [cmd.path for cmd in COMMANDS.values()], 2, 0.6)
    hint = f"did you mean {' or '.join(near)}?" if near else "type /help to see your commands."
    return Reply.error(
        f"There is no command {shown(typed)}; {hint}", kind=ErrorKind.UNKNOWN_COMMAND
    )


def from_words(words: list[str]) -> ReadValues:
    """Read a command's parameters from the words typed after it."""

    def read(cmd: Command, reading: Reading) -> dict[str, Any]:
        """Words to raw values, raw values to typed ones."""
        raw = read_words(cmd.params, words, reading, cmd.usage)
        return {p.name: convert(p, raw[p.name], reading, cmd.usage) for p in cmd.params}

    return read


def from_values(values: dict[str, Any]) -> ReadValues:
    """Read a command's parameters from values a platform gave by name (typed or text)."""

    def read(cmd: Command, reading: Reading) -> dict[str, Any]:
        """Each declared parameter's typed value."""
        return {p.name: convert(p, values.get(p.name), reading, cmd.usage) for p in cmd.params}

    return read


class CommandRunner:
    """The command layer every adapter calls."""

    def __init__(
        self,
        *,
        database: Database,
        settings: Settings,
        clock: Clock,
        metrics: Metrics | None = None,
        audience: Audience | None = None,
    ) -> None:
        self.database = database
        self.settings = settings
        self.clock = clock
        self.metrics = metrics
        # Lists the members of groups named in commands; None (the console) refuses groups.
        self.audience = audience

    async def run_line(self, caller: Caller, line: str, *, request_key: str | None = None) -> Reply:
        """Run a typed line such as `/hours log ACME 2h`."""
        try:
            group, name, words = split_command(line)
        except PausebotError as exc:
            return Reply.error(exc.message)
        if not group:
            return Reply.error(
                "Type a command, like /help or /project status.", kind=ErrorKind.EMPTY
            )
        return await self.run(caller, group, name, words, request_key=request_key)

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

    async def run(
        self,
        caller: Caller,
        group: str,
        name: str,
        words: list[str],
        *,
        request_key: str | None = None,
    ) -> Reply:
        """Run a command from the words typed after it."""
        return await self.execute(caller, group, name, from_words(words), request_key)

    async def run_values(
        self,
        caller: Caller,
        group: str,
        name: str,
        values: dict[str, Any],
        *,
        request_key: str | None = None,
    ) -> Reply:
        """Run a command from parameter values given by name (Discord options, Slack forms)."""
        return await self.execute(caller, group, name, from_values(values), request_key)

    async def execute(
        self,
        caller: Caller,
        group: str,
        name: str,
        read: ReadValues,
        request_key: str | None,
    ) -> Reply:
        """Run one command for a caller; refusals roll back everything."""
        started = time.perf_counter()
        reply = await self._execute(caller, group, name, read, request_key)
        if self.metrics is not None:
            label = f"{group} {name}" if (group, name) in COMMANDS else "unknown"
            self.metrics.command_done(label, reply.error_kind, time.perf_counter() - started)
        return reply

    async def person(self, db: AsyncSession, caller: Caller, now: datetime) -> Person:
        """The Person behind a caller, created on first sight."""
        return await resolve(
            db,
            caller,
            now=now,
            admins=self.settings.PAUSEBOT_ADMINS,
            default_tz=self.settings.PAUSEBOT_TZ,
        )

    async def project_codes(
        self, caller: Caller, *, prefix: str = "", limit: int = 25
    ) -> list[str]:
        """Project codes for autocomplete: the caller's assignments first, then all for ops."""

        async def visible_codes(db: AsyncSession) -> list[str]:
            """The caller's assigned projects' codes, then every code for ops."""
            person = await self.person(db, caller, self.clock.now())
            codes = [
                p.code for p in await assigned_projects(db, contractor_id=person.contractor.id)
            ]
            if person.has(Role.OPS):
                codes += [p.code for p in await list_projects(db)]
            return codes

        codes = await self.database.unit(visible_codes)
        wanted = prefix.strip().upper()
        return [code for code in dict.fromkeys(codes) if code.startswith(wanted)][:limit]

    async def _execute(
        self, caller: Caller, group: str, name: str, read: ReadValues, request_key: str | None
    ) -> Reply:
        """Run a command; when it needs groups' members, look them up outside any transaction
        (it may take minutes), then run it again with them."""
        lookups = Lookups(available=self.audience is not None)
        for _attempt in range(3):
            try:
                return await self._run_once(caller, group, name, read, request_key, lookups)
            except MembersNeeded as needed:
                assert self.audience is not None
                lookups.found |= await look_up(self.audience, needed.groups, PROGRESS.get())
        return internal_failure(f"command /{group} {name} (group lookups)")

    async def _run_once(
        self,
        caller: Caller,
        group: str,
        name: str,
        read: ReadValues,
        request_key: str | None,
        lookups: Lookups,
    ) -> Reply:
        """Run a command as one unit of work (one transaction) and turn errors into replies."""
        cmd = COMMANDS.get((group, name))
        is_help = group == "help" or (name == "help" and group in GROUPS)
        if cmd is None and not is_help:
            return unknown_reply(group, name)
        now = self.clock.now()

        async def in_transaction(db: AsyncSession) -> Reply:
            """Resolve the caller, check the role, read the parameters and run the handler."""
            person = await self.person(db, caller, now)
            if cmd is None:
                return help_reply(person, None if group == "help" else group)
            person.require(cmd.role)
            reading = Reading(
                platform=Platform(caller.platform),
                today=person.today(now),
                team_today=local_date(now, self.settings.tz),
            )
            values = read(cmd, reading)
            ctx = Context(
                db=db,
                caller=caller,
                person=person,
                settings=self.settings,
                now=now,
                request_key=request_key,
                lookups=lookups,
            )
            reply = await cmd.handler(ctx, **values)
            message = present.with_new_people(reply.message, ctx.created)
            return replace(reply, message=message, private=not cmd.public)

        try:
            return await self.database.unit(in_transaction)
        except MembersNeeded:
            raise
        except PausebotError as exc:
            kind = ERROR_KINDS.get(type(exc), ErrorKind.INVALID)
            return Reply.error(exc.message, kind=kind, field=exc.field)
        except Exception:
            return internal_failure(f"command {cmd.path if cmd else 'help'}")
