"""The words of SPEC.md as types: project states, hours kinds, roles, platforms, identities."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from bot.core.errors import InvalidInput


class ProjectState(StrEnum):
    """Where a project stands."""

    ACTIVE = "active"
    PAUSED = "paused"
    CLOSED = "closed"


@dataclass(frozen=True)
class StateWording:
    """How pausebot speaks of moving a project into a state."""

    verb: str
    done: str
    headline: str


STATE_WORDING = {
    ProjectState.PAUSED: StateWording(verb="pause", done="Paused", headline="{code} is paused"),
    ProjectState.ACTIVE: StateWording(
        verb="resume", done="Resumed", headline="{code} is active again"
    ),
    ProjectState.CLOSED: StateWording(verb="close", done="Closed", headline="{code} is closed"),
}


class HoursKind(StrEnum):
    """Whether logged hours were worked, or blocked by a pause that lasted the whole date."""

    WORKED = "worked"
    BLOCKED = "blocked"


class Role(StrEnum):
    """What a person may do; each role includes the ones before it."""

    CONTRACTOR = "contractor"
    OPS = "ops"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        """0 for contractor, 1 for ops, 2 for admin."""
        return list(Role).index(self)

    def includes(self, other: Role) -> bool:
        """Whether this role may do what `other` may."""
        return self.rank >= other.rank


class Platform(StrEnum):
    """Where people talk to pausebot."""

    SLACK = "slack"
    DISCORD = "discord"
    CONSOLE = "console"


class MessageKind(StrEnum):
    """Why pausebot sends an outgoing message."""

    ANNOUNCEMENT = "announcement"
    UPDATE = "update"
    REMINDER = "reminder"
    NUDGE = "nudge"
    SUMMARY = "summary"
    CHECKIN = "checkin"


class Answer(StrEnum):
    """A contractor's availability answer for a paused project and a date."""

    YES = "yes"
    NO = "no"


class TargetType(StrEnum):
    """Whom an outgoing message goes to: one person (a DM) or a channel."""

    USER = "user"
    CHANNEL = "channel"


EXTERNAL_ID = r"[A-Za-z0-9._-]{1,64}"
_KEY = re.compile(rf"({'|'.join(Platform)}):({EXTERNAL_ID})")


@dataclass(frozen=True, order=True)
class IdentityKey:
    """A chat account or channel on one platform, written `platform:id`.

    Console names are case-insensitive: `console:Alice` is `console:alice`.
    """

    platform: Platform
    external_id: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "platform", Platform(self.platform))
        if self.platform is Platform.CONSOLE:
            object.__setattr__(self, "external_id", self.external_id.lower())

    @classmethod
    def parse(cls, text: str) -> IdentityKey:
        """`slack:U024BE7LH` as an IdentityKey; InvalidInput when it is not one."""
        match = _KEY.fullmatch(text.strip())
        if match is None:
            shown = repr(text.strip()[:40])
            raise InvalidInput(f"{shown} is not an identity like slack:U024BE7LH.")
        return cls(Platform(match.group(1)), match.group(2))

    def __str__(self) -> str:
        return f"{self.platform}:{self.external_id}"


def fold_name(name: str) -> str:
    """The key a client name is matched by: `Über AI` and `über ai` are one client."""
    return unicodedata.normalize("NFKC", name.strip()).casefold()
