"""Parsers for durations, dates, project codes, time zones, identities and channels."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.core.errors import InvalidInput

MAX_MINUTES = 24 * 60
PLATFORMS = ("slack", "discord", "console")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
CODE_RE = re.compile(r"[A-Z0-9][A-Z0-9-]{1,31}")
_HOURS_MINUTES = re.compile(r"(?:(\d+(?:\.\d+)?)\s*h)?\s*(?:(\d+)\s*m)?", re.IGNORECASE)
_CLOCK = re.compile(r"(\d+):([0-5]\d)")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATE_SHAPED = re.compile(r"\d{4}-\d{1,2}-\d{1,2}|\d{1,2}/\d{1,2}(/\d{2,4})?")
_EXTERNAL_ID = r"[A-Za-z0-9._-]+"
_IDENTITY = re.compile(rf"@?({'|'.join(PLATFORMS)}):({_EXTERNAL_ID})")
_SLACK_USER = re.compile(r"<@([UW][A-Z0-9]+)(?:\|([^>]*))?>")
_DISCORD_USER = re.compile(r"<@!?(\d+)(?:\|([^>]*))?>")
_CONSOLE_USER = re.compile(rf"@({_EXTERNAL_ID})")
_CHANNEL = re.compile(rf"#({'|'.join(PLATFORMS)}):({_EXTERNAL_ID})")
_SLACK_CHANNEL = re.compile(r"<#([CGD][A-Z0-9]+)(?:\|[^>]*)?>")
_DISCORD_CHANNEL = re.compile(r"<#(\d+)>")
_CONSOLE_CHANNEL = re.compile(rf"#({_EXTERNAL_ID})")

DURATION_HINT = "write a duration like 2h, 1.5h, 90m, 1h30m or 1:30"
DATE_HINT = "write today, yesterday, a weekday like mon, or a date like 2026-03-02"


def parse_duration(text: str) -> int:
    """Minutes in a duration such as `2h`, `1.5h`, `90m`, `1h30m`, `2h 15m` or `1:30`."""
    raw = text.strip()
    minutes: Decimal | None = None
    if clock := _CLOCK.fullmatch(raw):
        minutes = Decimal(int(clock.group(1)) * 60 + int(clock.group(2)))
    elif raw and (match := _HOURS_MINUTES.fullmatch(raw)) and any(match.groups()):
        hours, mins = match.groups()
        try:
            minutes = Decimal(hours or 0) * 60 + Decimal(mins or 0)
        except InvalidOperation:
            minutes = None
    if minutes is None:
        raise InvalidInput(f"{text.strip()!r} is not a duration: {DURATION_HINT}.")
    if minutes != minutes.to_integral_value():
        raise InvalidInput(f"{raw} is not a whole number of minutes: {DURATION_HINT}.")
    if not 1 <= minutes <= MAX_MINUTES:
        raise InvalidInput(f"{raw} is out of range: a duration is from 1m to 24h.")
    return int(minutes)


def looks_like_duration(text: str) -> bool:
    """Whether text parses as a duration."""
    try:
        parse_duration(text)
    except InvalidInput:
        return False
    return True


def format_minutes(minutes: int) -> str:
    """Minutes written as `7h 30m`, `45m` or `2h`."""
    hours, rest = divmod(abs(minutes), 60)
    sign = "-" if minutes < 0 else ""
    if hours and rest:
        return f"{sign}{hours}h {rest}m"
    if hours:
        return f"{sign}{hours}h"
    return f"{sign}{rest}m"


def parse_date(text: str, today: date) -> date:
    """A date from `today`, `yesterday`, `YYYY-MM-DD` or a weekday (the latest, today included)."""
    raw = text.strip().lower()
    if raw == "today":
        return today
    if raw == "yesterday":
        return today - timedelta(days=1)
    if raw == "tomorrow":
        return today + timedelta(days=1)
    if ISO_DATE.fullmatch(raw):
        try:
            return date.fromisoformat(raw)
        except ValueError:
            raise InvalidInput(f"{text.strip()} is not a real date: {DATE_HINT}.") from None
    if len(raw) >= 3:
        for number, name in enumerate(WEEKDAYS):
            if name.startswith(raw):
                return today - timedelta(days=(today.weekday() - number) % 7)
    raise InvalidInput(f"{text.strip()!r} is not a date: {DATE_HINT}.")


def looks_like_date(text: str) -> bool:
    """Whether text is meant as a date (a malformed `2026-02-30` too, to refuse it clearly)."""
    if _DATE_SHAPED.fullmatch(text.strip()):
        return True
    try:
        parse_date(text, date(2000, 1, 1))
    except InvalidInput:
        return False
    return True


def parse_code(text: str) -> str:
    """A project code in upper case, checked against `[A-Z0-9][A-Z0-9-]{1,31}`."""
    code = text.strip().upper()
    if not CODE_RE.fullmatch(code):
        raise InvalidInput(
            f"{text.strip()!r} is not a project code: use 2 to 32 letters, digits or dashes, "
            "like ACME-LABEL."
        )
    return code


def parse_zone(text: str) -> str:
    """An IANA time zone name such as `Europe/Paris`."""
    name = text.strip()
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(
            f"{name!r} is not a time zone: use an IANA name like Europe/Paris or America/New_York."
        ) from None
    return name


def parse_identity(text: str, platform: str) -> tuple[str, str] | None:
    """`(platform, id)` of a person written as a mention, `@NAME` or `@platform:id`; else None."""
    raw = text.strip()
    if match := _IDENTITY.fullmatch(raw):
        return match.group(1), match.group(2)
    if platform == "slack" and (match := _SLACK_USER.fullmatch(raw)):
        return "slack", match.group(1)
    if platform == "discord" and (match := _DISCORD_USER.fullmatch(raw)):
        return "discord", match.group(1)
    if platform == "console" and (match := _CONSOLE_USER.fullmatch(raw)):
        return "console", match.group(1)
    return None


def mention_name(text: str) -> str | None:
    """The display name a mention carries (`<@U024BE7LH|bob>` gives bob), if any."""
    match = _SLACK_USER.fullmatch(text.strip()) or _DISCORD_USER.fullmatch(text.strip())
    return (match.group(2) or None) if match else None


def parse_channel(text: str, platform: str) -> tuple[str, str] | None:
    """`(platform, id)` of a channel written as a mention, `#name` or `#platform:id`; else None."""
    raw = text.strip()
    if match := _CHANNEL.fullmatch(raw):
        return match.group(1), match.group(2)
    if platform == "slack" and (match := _SLACK_CHANNEL.fullmatch(raw)):
        return "slack", match.group(1)
    if platform == "discord" and (match := _DISCORD_CHANNEL.fullmatch(raw)):
        return "discord", match.group(1)
    if platform == "console" and (match := _CONSOLE_CHANNEL.fullmatch(raw)):
        return "console", match.group(1)
    return None


def split_identity(key: str) -> tuple[str, str]:
    """`(platform, id)` from a configured identity such as `slack:C0123`."""
    platform, _, external_id = key.partition(":")
    return platform, external_id
