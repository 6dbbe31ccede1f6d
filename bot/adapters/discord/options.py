"""Discord options derived from declared parameters: their types, choices and autocomplete,
and the typed values they hand to the command layer."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, Optional
from zoneinfo import available_timezones

import discord
from discord import app_commands

from bot.commands.params import Kind, Param, PersonRef
from bot.core.audiences import GroupKey, GroupKind, GroupRef
from bot.core.errors import InvalidInput
from bot.core.message import clip
from bot.core.money import currencies
from bot.core.parsing import WEEKDAYS, looks_like_duration, parse_date
from bot.core.people import Caller
from bot.core.words import IdentityKey, Platform

if TYPE_CHECKING:
    from bot.adapters.discord.bot import PausebotBot

MAX_CHOICES = 25
DESCRIPTION_LIMIT = 100
DURATION_SUGGESTIONS = ("30m", "1h", "1h30m", "2h", "3h", "4h", "6h", "8h")
ZONES = sorted(available_timezones())
Choices = list[app_commands.Choice[str]]
Autocomplete = Callable[[discord.Interaction, str], Awaitable[Choices]]


class TextChannelOption(app_commands.Transformer):
    """A text or announcement channel option, taken as Discord resolved it (no cache needed)."""

    @property
    def type(self) -> discord.AppCommandOptionType:
        """Discord's channel option type."""
        return discord.AppCommandOptionType.channel

    @property
    def channel_types(self) -> list[discord.ChannelType]:
        """Only channels a bot can post announcements in."""
        return [discord.ChannelType.text, discord.ChannelType.news]

    async def transform(self, interaction: discord.Interaction, value: Any, /) -> Any:
        """The resolved channel, unchanged."""
        return value


TextChannel = app_commands.Transform[app_commands.AppCommandChannel, TextChannelOption]
# The option type of each kind of parameter; every kind not named here is a string.
OPTION_TYPES: dict[Kind, Any] = {
    Kind.PERSON: discord.User,
    Kind.AUDIENCE: discord.User,
    Kind.ROLE: discord.Role,
    Kind.CHANNEL: TextChannel,
    Kind.ENTRY_ID: int,
}


def annotation(param: Param) -> Any:
    """The type discord.py reads for a parameter's option (Optional when it may be left out)."""
    kind = OPTION_TYPES.get(param.kind, str)
    return Optional[kind] if param.optional else kind  # noqa: UP045 - a runtime type, not a hint


def description(text: str) -> str:
    """A command's or option's description within Discord's 100 characters."""
    return clip(text, DESCRIPTION_LIMIT)


def choices(param: Param) -> list[app_commands.Choice[str]]:
    """A choice parameter's words as Discord choices."""
    return [app_commands.Choice(name=str(word), value=str(word)) for word in param.choices]


def caller_of(interaction: discord.Interaction) -> Caller:
    """The pausebot caller behind an interaction: `discord:USER_ID` with the member's name."""
    user = interaction.user
    return Caller(
        platform=Platform.DISCORD, external_id=str(user.id), display_name=user.display_name
    )


def bot_of(interaction: discord.Interaction) -> PausebotBot:
    """The pausebot Bot handling the interaction."""
    return interaction.client  # type: ignore[return-value]


def person_ref(user: discord.abc.User) -> PersonRef:
    """A member option as the person it names, with the name Discord shows for them."""
    return PersonRef(key=IdentityKey(Platform.DISCORD, str(user.id)), name=user.display_name)


def role_ref(role: discord.abc.Snowflake) -> GroupRef:
    """A role option as the group it names, with its name and its server."""
    guild = getattr(role, "guild", None)
    name = getattr(role, "name", None)
    return GroupRef(
        GroupKey(Platform.DISCORD, GroupKind.ROLE, str(role.id)),
        label=f"@{name}" if name else None,
        scope=str(guild.id) if guild is not None else None,
    )


def channel_key(channel: discord.abc.Snowflake) -> IdentityKey:
    """A channel option as the channel's identity."""
    return IdentityKey(Platform.DISCORD, str(channel.id))


def typed_value(param: Param, value: Any) -> Any:
    """An option's value as the command layer takes it: members and channels as identities."""
    if value is None:
        return None
    if param.kind in (Kind.PERSON, Kind.AUDIENCE):
        return person_ref(value)
    if param.kind is Kind.CHANNEL:
        return channel_key(value)
    if param.kind is Kind.ROLE:
        return role_ref(value)
    return value


def matching(options: list[tuple[str, str]], current: str) -> Choices:
    """Choices whose label contains, or whose value starts with, what was typed; at most 25."""
    typed = current.strip().lower()
    found = [
        app_commands.Choice(name=label, value=value)
        for label, value in options
        if typed in label.lower() or value.lower().startswith(typed)
    ]
    return found[:MAX_CHOICES]


def with_typed(found: Choices, typed: str) -> Choices:
    """The typed text first (it was checked to be valid), unless it is offered already."""
    if typed and typed.lower() not in {choice.value.lower() for choice in found}:
        found.insert(0, app_commands.Choice(name=typed, value=typed))
    return found[:MAX_CHOICES]


async def code_choices(interaction: discord.Interaction, current: str) -> Choices:
    """Project codes: the caller's assignments first, then every code for ops and admins."""
    codes = await bot_of(interaction).runner.project_codes(
        caller_of(interaction), prefix=current, limit=MAX_CHOICES
    )
    return [app_commands.Choice(name=code, value=code) for code in codes]


def suggestable(text: str, today: date, *, ahead: bool) -> bool:
    """Whether typed text reads as a date on the right side of today, to offer it back.

    Only a suggestion: the core reads and checks the option when the command runs.
    """
    try:
        day = parse_date(text, today, ahead=ahead)
    except InvalidInput:
        return False
    return day > today if ahead else day <= today


def team_today(interaction: discord.Interaction) -> date:
    """Today in the team's time zone."""
    runner = bot_of(interaction).runner
    return runner.clock.now().astimezone(runner.settings.tz).date()


async def date_choices(interaction: discord.Interaction, current: str) -> Choices:
    """Past dates: today, yesterday and the recent weekdays, plus the typed text when a date."""
    today = team_today(interaction)
    recent = [(today.weekday() - back) % 7 for back in range(2, 7)]
    options = [("today", "today"), ("yesterday", "yesterday")]
    options += [(f"last {WEEKDAYS[day].capitalize()}", WEEKDAYS[day]) for day in recent]
    typed = current.strip()
    valid = typed and suggestable(typed, today, ahead=False)
    return with_typed(matching(options, current), typed if valid else "")


async def ahead_date_choices(interaction: discord.Interaction, current: str) -> Choices:
    """Dates ahead (an expected resume): tomorrow and the coming weekdays, or the typed date."""
    today = team_today(interaction)
    coming = [(today + timedelta(days=ahead)).weekday() for ahead in range(2, 8)]
    options = [("tomorrow", "tomorrow")]
    options += [(f"next {WEEKDAYS[day].capitalize()}", WEEKDAYS[day]) for day in coming]
    typed = current.strip()
    valid = typed and suggestable(typed, today, ahead=True)
    return with_typed(matching(options, current), typed if valid else "")


async def duration_choices(_interaction: discord.Interaction, current: str) -> Choices:
    """Common durations, plus the typed text when it is a duration."""
    typed = current.strip()
    found = matching([(text, text) for text in DURATION_SUGGESTIONS], current)
    return with_typed(found, typed if typed and looks_like_duration(typed) else "")


async def zone_choices(_interaction: discord.Interaction, current: str) -> Choices:
    """IANA time zones containing what was typed."""
    return matching([(zone, zone) for zone in ZONES], current)


async def currency_choices(_interaction: discord.Interaction, current: str) -> Choices:
    """ISO 4217 currencies whose code or name contains what was typed."""
    return matching([(f"{code} · {name}", code) for code, name in currencies().items()], current)


def autocomplete(param: Param) -> Autocomplete | None:
    """The suggestions a parameter's option offers, if any."""
    if param.kind is Kind.DATE:
        return ahead_date_choices if param.ahead else date_choices
    return AUTOCOMPLETE.get(param.kind)


AUTOCOMPLETE: dict[Kind, Autocomplete] = {
    Kind.CODE: code_choices,
    Kind.SUBJECT: code_choices,
    Kind.DURATION: duration_choices,
    Kind.ZONE: zone_choices,
    Kind.CURRENCY: currency_choices,
}
