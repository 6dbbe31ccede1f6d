"""The command table, the context handlers receive, and the declaration every command makes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property

from sqlalchemy.ext.asyncio import AsyncSession

from bot.commands.params import Param, PersonRef
from bot.commands.reply import Reply
from bot.config import Settings
from bot.core.audiences import GroupRef, Lookup, Lookups
from bot.core.errors import NotFound
from bot.core.people import Caller, Person, ensure_identity, find_identity
from bot.core.projects import get_project
from bot.core.timeline import local_date
from bot.core.words import Role
from bot.db.models import Contractor, Project


@dataclass
class Context:
    """Everything a handler needs: the session, the caller, settings and the time."""

    db: AsyncSession
    caller: Caller
    person: Person
    settings: Settings
    now: datetime
    request_key: str | None = None
    created: list[str] = field(default_factory=list)
    lookups: Lookups = field(default_factory=Lookups)

    def members(self, groups: list[GroupRef], *, required: bool = True) -> list[Lookup]:
        """The members of groups the command names, looked up before this transaction began.

        The first time, this raises MembersNeeded: the runner looks the groups up outside the
        transaction and runs the command again. `required` refuses the command when a group
        cannot be read; otherwise an Unread stands for it.
        """
        return self.lookups.get(groups, required=required)

    @property
    def today(self) -> date:
        """The caller's local date."""
        return self.person.today(self.now)

    @property
    def team_today(self) -> date:
        """The team's local date (PAUSEBOT_TZ)."""
        return local_date(self.now, self.settings.tz)

    async def contractor(self) -> Contractor:
        """The caller's contractor as an ORM object, for commands that change or record it."""
        return await self.db.get_one(Contractor, self.person.contractor.id)

    async def project(self, code: str, *, lock: bool = False) -> Project:
        """The project with this (already checked) code, if the caller may see it."""
        return await get_project(self.db, code, lock=lock, visible_to=self.person)

    async def people(self, refs: list[PersonRef], *, create: bool = True) -> list[Contractor]:
        """The contractors people named; `@me` is the caller.

        Someone pausebot has never seen is created (and listed in `created`, so the reply can
        say they are new and a typo shows at once), or refused when `create` is False.
        """
        found = []
        for ref in refs:
            if ref.key is None:
                found.append(await self.contractor())
                continue
            identity = await find_identity(self.db, ref.key)
            if identity is None and not create:
                raise NotFound(
                    f"pausebot does not know {ref.key}; check the spelling.", field="who"
                )
            if identity is None:
                identity = await ensure_identity(
                    self.db,
                    platform=ref.key.platform,
                    external_id=ref.key.external_id,
                    now=self.now,
                    name=ref.name,
                )
                self.created.append(str(ref.key))
            found.append(identity.contractor)
        return found


Handler = Callable[..., Awaitable[Reply]]


@dataclass(frozen=True)
class Command:
    """One command: who may run it, its parameters, and how platforms should answer it.

    A `public` command's answer is seen by the channel (it announces a change); others answer
    privately. `slow` ones may take a while, so platforms acknowledge first (Discord defers).
    """

    group: str
    name: str
    role: Role
    summary: str
    params: tuple[Param, ...]
    handler: Handler
    public: bool = False
    slow: bool = False

    @property
    def path(self) -> str:
        """The command as typed, like `/hours log`."""
        return f"/{self.group} {self.name}"

    @cached_property
    def usage(self) -> str:
        """The usage line derived from the parameters, like `/hours log CODE DURATION [DATE]`."""
        words = [param.usage() for param in self.params]
        return " ".join([self.path, *(word for word in words if word)])

    def param(self, name: str) -> Param:
        """The parameter with this name."""
        return next(param for param in self.params if param.name == name)


COMMANDS: dict[tuple[str, str], Command] = {}


def command(
    group: str,
    name: str,
    *,
    role: Role,
    summary: str,
    params: tuple[Param, ...] = (),
    public: bool = False,
    slow: bool = False,
) -> Callable[[Handler], Handler]:
    """Declare a command and register its handler, which takes the parameters by name."""

    def register(handler: Handler) -> Handler:
        COMMANDS[(group, name)] = Command(
            group=group,
            name=name,
            role=role,
            summary=summary,
            params=params,
            handler=handler,
            public=public,
            slow=slow,
        )
        return handler

    return register
