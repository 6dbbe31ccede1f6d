"""What every cog shares: the caller, running a command, answering, and autocomplete."""

from __future__ import annotations

import logging
from datetime import date
from typing import TYPE_CHECKING, Any
from zoneinfo import available_timezones

import discord
from discord import app_commands

from bot.adapters.discord.embeds import reply_embed, reply_file
from bot.commands.reply import Reply
from bot.core.errors import InvalidInput
from bot.core.parsing import WEEKDAYS, looks_like_duration, parse_date
from bot.core.people import Caller

if TYPE_CHECKING:
    from bot.adapters.discord.bot import PausebotBot

log = logging.getLogger(__name__)

MAX_CHOICES = 25
DURATION_SUGGESTIONS = ("30m", "1h", "1h30m", "2h", "3h", "4h", "6h", "8h")
ZONES = sorted(available_timezones())


def caller_of(interaction: discord.Interaction) -> Caller:
    """The pausebot caller behind an interaction: `discord:USER_ID` with the member's name."""
    user = interaction.user
    return Caller(platform="discord", external_id=str(user.id), display_name=user.display_name)


def mention(user: discord.abc.Snowflake) -> str:
    """A member option as the word the core reads: `<@ID|display name>`."""
    name = getattr(user, "display_name", "").replace(">", "").replace("|", "")
    return f"<@{user.id}|{name}>" if name else f"<@{user.id}>"


def channel_mention(channel: discord.abc.Snowflake) -> str:
    """A channel option as the word the core reads: `<#ID>`."""
    return f"<#{channel.id}>"


def date_refusal(text: str) -> Reply | None:
    """The core's refusal for a date option that is not a date, else None."""
    try:
        parse_date(text, date(2000, 1, 1))
    except InvalidInput as exc:
        return Reply.error(exc.message)
    return None


def bot_of(interaction: discord.Interaction) -> PausebotBot:
    """The pausebot Bot handling the interaction."""
    return interaction.client  # type: ignore[return-value]


async def send_reply(interaction: discord.Interaction, reply: Reply) -> None:
    """Answer an interaction that was not deferred: private replies are ephemeral."""
    file = reply_file(reply)
    extra: dict[str, Any] = {"file": file} if file is not None else {}
    await interaction.response.send_message(
        embed=reply_embed(reply), ephemeral=reply.private, **extra
    )


async def send_follow_up(interaction: discord.Interaction, reply: Reply, *, public: bool) -> None:
    """Answer a deferred interaction; a refusal after a public defer is shown only to the caller."""
    file = reply_file(reply)
    extra: dict[str, Any] = {"file": file} if file is not None else {}
    if public and not reply.ok:
        await interaction.delete_original_response()
        await interaction.followup.send(embed=reply_embed(reply), ephemeral=True)
        return
    await interaction.followup.send(embed=reply_embed(reply), ephemeral=reply.private, **extra)


async def answer(
    interaction: discord.Interaction,
    group: str,
    name: str,
    args: list[str],
    *,
    slow: bool = False,
    public: bool = False,
) -> Reply:
    """Run a command for the interaction's user and answer it (deferring first when slow)."""
    if slow:
        await interaction.response.defer(ephemeral=not public, thinking=True)
    reply = await bot_of(interaction).runner.run(
        caller_of(interaction), group, name, args, request_key=f"discord:{interaction.id}"
    )
    log.info(
        "discord %s %s by %s: %s",
        group,
        name,
        interaction.user.id,
        "ok" if reply.ok else reply.error_kind,
    )
    if slow:
        await send_follow_up(interaction, reply, public=public)
    else:
        await send_reply(interaction, reply)
    return reply


def matching(choices: list[tuple[str, str]], current: str) -> list[app_commands.Choice[str]]:
    """Choices whose label or value starts with (or contains) what was typed, at most 25."""
    typed = current.strip().lower()
    found = [
        app_commands.Choice(name=label, value=value)
        for label, value in choices
        if typed in label.lower() or value.lower().startswith(typed)
    ]
    return found[:MAX_CHOICES]


async def code_choices(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    """Project codes: the caller's assignments first, then every code for ops and admins."""
    codes = await bot_of(interaction).runner.project_codes(
        caller_of(interaction), prefix=current, limit=MAX_CHOICES
    )
    return [app_commands.Choice(name=code, value=code) for code in codes]


async def date_choices(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    """Dates: today, yesterday and the recent weekdays, plus the typed text when it is a date."""
    runner = bot_of(interaction).runner
    today = runner.clock.now().astimezone(runner.settings.tz).date()
    recent = [(today.weekday() - back) % 7 for back in range(2, 7)]
    options = [("today", "today"), ("yesterday", "yesterday")]
    options += [(f"last {WEEKDAYS[day].capitalize()}", WEEKDAYS[day]) for day in recent]
    found = matching(options, current)
    typed = current.strip()
    if typed and date_refusal(typed) is None and typed.lower() not in {c.value for c in found}:
        found.insert(0, app_commands.Choice(name=typed, value=typed))
    return found[:MAX_CHOICES]


async def duration_choices(
    _interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    """Common durations, plus the typed text when it is a duration."""
    found = matching([(text, text) for text in DURATION_SUGGESTIONS], current)
    typed = current.strip()
    if typed and looks_like_duration(typed) and typed not in {c.value for c in found}:
        found.insert(0, app_commands.Choice(name=typed, value=typed))
    return found[:MAX_CHOICES]


async def zone_choices(
    _interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    """IANA time zones containing what was typed."""
    return matching([(zone, zone) for zone in ZONES], current)
