"""Command parameters, declared once: the text grammar, Discord options, Slack's form and /help
are all derived from these declarations."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from enum import StrEnum

from bot.core.parsing import NOTE_LIMIT
from bot.core.words import IdentityKey


class Kind(StrEnum):
    """What a parameter holds, which decides how it is read and offered."""

    CODE = "code"  # an existing project's code (suggested from the caller's projects)
    NEW_CODE = "new_code"  # the code of a project to create
    SUBJECT = "subject"  # a client's name or a project's code, the rest of the line
    DURATION = "duration"  # `1h30m`, one or two words
    DATE = "date"  # `yesterday`, `2026-03-02`
    PERSON = "person"  # one person
    PEOPLE = "people"  # one or more people, the rest of the line
    CHANNEL = "channel"  # a channel
    WORD = "word"  # one word or one "quoted string"
    TEXT = "text"  # free text, the rest of the line
    CHOICE = "choice"  # one of a fixed set of words
    ENTRY_ID = "entry_id"  # an hours entry's id
    ZONE = "zone"  # an IANA time zone
    WHEN = "when"  # a date and an optional HH:MM, like `2026-12-20 15:00`
    AMOUNT = "amount"  # an exact amount of money, like `21.50`
    CURRENCY = "currency"  # an ISO 4217 currency code, like `USD`
    AUDIENCE = "audience"  # one person or group (a group stands for its members)
    AUDIENCES = "audiences"  # people and groups, the rest of the line
    GROUPS = "groups"  # groups only, or `off`, the rest of the line
    ROLE = "role"  # a Discord role, given as an option


REST_KINDS = frozenset({Kind.SUBJECT, Kind.PEOPLE, Kind.TEXT, Kind.AUDIENCES, Kind.GROUPS})


@dataclass(frozen=True)
class Param:
    """One parameter of a command.

    `name` is the handler's keyword argument; `alias` is the name people see when it differs
    (`from` for `first`). `keyword` marks a parameter written at the end of a line after a word
    (`until DATE`). `label`, when given, is shown in the usage as it is ("" hides it there).
    `ahead` reads a date forwards (an expected resume); `team` reads it in the team's time zone.
    Free text (WORD, TEXT, SUBJECT) is at most `limit` characters, with no control characters;
    `what` names it in a refusal.
    """

    name: str
    kind: Kind
    description: str
    optional: bool = False
    choices: tuple[str, ...] = ()
    keyword: str | None = None
    label: str | None = None
    alias: str | None = None
    ahead: bool = False
    team: bool = False
    missing: str | None = None
    limit: int = NOTE_LIMIT
    what: str | None = None

    @property
    def public_name(self) -> str:
        """The name people see: the alias, else the name."""
        return self.alias or self.name

    @property
    def rest(self) -> bool:
        """Whether it takes every word left on the line."""
        return self.kind in REST_KINDS

    def usage(self) -> str:
        """How the parameter is written in a usage line, like `[DATE]` or `@who…`."""
        if self.label is not None:
            return self.label
        if self.kind is Kind.CHOICE:
            word = "|".join(self.choices)
        elif self.kind is Kind.WORD:
            word = f'"{self.public_name.capitalize()}"'
        else:
            word = LABELS.get(self.kind) or self.public_name.upper()
            if self.kind is Kind.TEXT:
                word += "…"
        if self.keyword:
            word = f"{self.keyword} {word}"
        return f"[{word}]" if self.optional else word


LABELS = {
    Kind.CODE: "CODE",
    Kind.NEW_CODE: "CODE",
    Kind.SUBJECT: "CLIENT|CODE",
    Kind.PERSON: "@who",
    Kind.PEOPLE: "@who…",
    Kind.CHANNEL: "#channel",
    Kind.ENTRY_ID: "ID",
    Kind.ZONE: "ZONE",
    Kind.DURATION: "DURATION",
    Kind.AMOUNT: "AMOUNT",
    Kind.CURRENCY: "CURRENCY",
    Kind.AUDIENCE: "@who",
    Kind.AUDIENCES: "@who…",
    Kind.GROUPS: "GROUP…",
    Kind.ROLE: "@role",
}


@dataclass(frozen=True)
class PersonRef:
    """A person named in a command: an identity, the name a mention gave, or the caller (`@me`)."""

    key: IdentityKey | None
    name: str | None = None

    @property
    def is_caller(self) -> bool:
        """Whether this is `@me`."""
        return self.key is None


ME = PersonRef(key=None)


@dataclass(frozen=True)
class When:
    """A date, and a time of day when one was given (`next 2026-12-20 15:00`)."""

    day: date
    at: time | None = None
