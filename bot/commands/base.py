"""Command table, the context handlers receive, and the helpers they share."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.commands.reply import Reply
from bot.config import Settings
from bot.core.errors import InvalidInput
from bot.core.parsing import mention_name, parse_code, parse_date, parse_identity
from bot.core.people import Caller, Person, ensure_identity
from bot.core.projects import get_project
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

    @property
    def today(self) -> date:
        """The caller's local date."""
        return self.person.today(self.now)

    def date(self, text: str) -> date:
        """Parse a date relative to the caller's today."""
        return parse_date(text, self.today)

    async def project(self, code: str, *, lock: bool = False) -> Project:
        """The project with this code, or a clear error."""
        return await get_project(self.db, parse_code(code), lock=lock)

    async def people(self, words: list[str]) -> list[Contractor]:
        """Contractors named by mentions, identities or `@me`, created when unseen."""
        found = []
        for word in words:
            if word.lower() == "@me":
                found.append(self.person.contractor)
                continue
            named = parse_identity(word, self.caller.platform)
            if named is None:
                raise InvalidInput(
                    f"{word!r} is not a person; name people like @name, <@U024BE7LH> "
                    "or @slack:U024BE7LH."
                )
            identity = await ensure_identity(
                self.db,
                platform=named[0],
                external_id=named[1],
                now=self.now,
                name=mention_name(word),
            )
            found.append(await self.db.get_one(Contractor, identity.contractor_id))
        return found


Handler = Callable[[Context, list[str]], Awaitable[Reply]]


@dataclass(frozen=True)
class Command:
    """One row of the command table."""

    group: str
    name: str
    role: str
    usage: str
    summary: str
    handler: Handler

    @property
    def path(self) -> str:
        """The command as typed, like `/hours log`."""
        return f"/{self.group} {self.name}"


COMMANDS: dict[tuple[str, str], Command] = {}


def command(group: str, name: str, *, role: str, usage: str, summary: str):
    """Register a handler in the command table."""

    def register(handler: Handler) -> Handler:
        COMMANDS[(group, name)] = Command(group, name, role, usage, summary, handler)
        return handler

    return register


def need(args: list[str], count: int, usage: str) -> None:
    """Refuse when fewer than `count` arguments were given."""
    if len(args) < count:
        raise InvalidInput(f"Something is missing; type {usage}.")


def no_more(args: list[str], count: int, usage: str) -> None:
    """Refuse when more than `count` arguments were given."""
    if len(args) > count:
        raise InvalidInput(f"Too many words after the command; type {usage}.")
