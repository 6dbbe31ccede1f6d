"""Parsers for durations, dates, entry ids, free text, project codes, zones, people and channels."""

from __future__ import annotations

import re
import unicodedata
from calendar import monthrange
from datetime import date, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.core.errors import InvalidInput
from bot.core.words import EXTERNAL_ID, IdentityKey, Platform

MAX_MINUTES = 24 * 60
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MONTHS = (
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
)  # fmt: skip
CODE_RE = re.compile(r"[A-Z0-9][A-Z0-9-]{1,31}")
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
FIRST_DATE = date(2000, 1, 1)
LAST_DATE = date(2999, 12, 31)
NOTE_LIMIT = 500
REASON_LIMIT = 500
CLIENT_LIMIT = 100
TITLE_LIMIT = 200
NAME_LIMIT = 200

_NUMBER = r"[0-9]+(?:[.,][0-9]+)?|[.,][0-9]+"
_HOUR_UNIT = r"h|hrs?|hours?"
_MINUTE_UNIT = r"m|mins?|minutes?"
_DURATION = re.compile(
    rf"(?P<hours>{_NUMBER}) *(?:{_HOUR_UNIT})"
    rf"(?:(?P<glued>[0-5]?[0-9])| *(?P<after>[0-5]?[0-9]) *(?:{_MINUTE_UNIT}))?"
    rf"|(?P<minutes>{_NUMBER}) *(?:{_MINUTE_UNIT})"
    r"|(?P<clock_hours>[0-9]{1,2}):(?P<clock_minutes>[0-5][0-9])"
)
_ISO = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})")
_DAY_FIRST = re.compile(r"([0-9]{1,2})[-/.]([0-9]{1,2})(?:[-/.]([0-9]{4})?)?")
_YEAR_FIRST = re.compile(r"([0-9]{4})[/.]([0-9]{1,2})[/.]([0-9]{1,2})")
_NUMERIC_DATE = re.compile(r"(?:[0-9]{1,2}|[0-9]{4})[-/.][0-9]{1,2}(?:[-/.][0-9]{0,4})?")
_DAY_NUMBER = re.compile(r"([0-9]{1,2})(?:st|nd|rd|th)?")
_DAY_LIKE = re.compile(r"[0-9]{1,4}(?:st|nd|rd|th)?[.,]?")
_YEAR = re.compile(r"[0-9]{4}")
_NAME = re.compile(r"[a-z]{3,9}\.?")
_DAYS_AGO = re.compile(
    r"(?:[0-9]{1,4} ?(?:d|days?|w|weeks?)|(?:a|an|one|two|three) (?:days?|weeks?)) ago"
    r"|day before yesterday"
)
_DAY_WORDS = frozenset(
    ("today", "yesterday", "tomorrow", "tmrw", "tmr", "tmw", "tomorow", "tommorow",
     "tommorrow", "yday", "yest")
)  # fmt: skip
_RELATIVE = frozenset(("last", "next", "this", "coming"))
_PERIODS = frozenset(("week", "weekend", "month", "year"))
_ENTRY_ID = re.compile(r"#?([0-9]{1,18})")  # 18 digits keep every id below 2**62
_REFUSED_CATEGORIES = frozenset(("Cc", "Cs", "Zl", "Zp"))
_SHOWN_LENGTH = 40
_DATE_LENGTH = 40
_DURATION_LENGTH = 32

_PLATFORM = "|".join(Platform)
_IDENTITY = re.compile(rf"@?({_PLATFORM}):({EXTERNAL_ID})")
_SLACK_USER = re.compile(r"<@([UW][A-Z0-9]{1,63})(?:\|([^>]*))?>")
_DISCORD_USER = re.compile(r"<@!?([0-9]{1,20})(?:\|([^>]*))?>")
_CHANNEL = re.compile(rf"#({_PLATFORM}):({EXTERNAL_ID})")
_PEOPLE = {
    Platform.SLACK: _SLACK_USER,
    Platform.DISCORD: _DISCORD_USER,
    Platform.CONSOLE: re.compile(rf"@({EXTERNAL_ID})"),
}
_CHANNELS = {
    Platform.SLACK: re.compile(r"<#([CGD][A-Z0-9]{1,63})(?:\|[^>]*)?>"),
    Platform.DISCORD: re.compile(r"<#([0-9]{1,20})>"),
    Platform.CONSOLE: re.compile(rf"#({EXTERNAL_ID})"),
}

DURATION_HINT = "write a duration like 2h, 1.5h, 90m, 1h30m or 1:30"
DATE_HINT = (
    "write today, yesterday, a weekday like mon, last friday, Dec 3 or a date like 2026-03-02"
)
AHEAD_HINT = "write tomorrow, a weekday like fri, Dec 3 or a date like 2026-03-02"


def shown(text: str) -> str:
    """Input quoted in a refusal: stripped, escaped (no control characters) and cut short."""
    raw = text.strip()
    if len(raw) > _SHOWN_LENGTH:
        return repr(raw[:_SHOWN_LENGTH] + "…")
    return repr(raw)


def _duration_value(text: str) -> Decimal | None:
    """The minutes a duration's text spells (maybe fractional or out of range), or None."""
    raw = text.strip()
    if len(raw) > _DURATION_LENGTH or not raw.isascii():
        return None
    match = _DURATION.fullmatch(raw.lower())
    if match is None:
        return None
    if match["clock_hours"]:
        return Decimal(int(match["clock_hours"]) * 60 + int(match["clock_minutes"]))
    if match["minutes"]:
        return Decimal(match["minutes"].replace(",", "."))
    after = match["glued"] or match["after"] or 0
    return Decimal(match["hours"].replace(",", ".")) * 60 + int(after)


def parse_duration(text: str) -> int:
    """Minutes in a duration such as `2h`, `1.5h`, `90 min`, `1h30m`, `2h 15m` or `1:30`."""
    minutes = _duration_value(text)
    if minutes is None:
        raise InvalidInput(f"{shown(text)} is not a duration: {DURATION_HINT}.")
    if minutes != minutes.to_integral_value():
        raise InvalidInput(f"{shown(text)} is not a whole number of minutes: {DURATION_HINT}.")
    if not 1 <= minutes <= MAX_MINUTES:
        raise InvalidInput(f"{shown(text)} is out of range: a duration is from 1m to 24h.")
    return int(minutes)


def looks_like_duration(text: str) -> bool:
    """Whether text parses as a duration."""
    try:
        parse_duration(text)
    except InvalidInput:
        return False
    return True


def take_duration(words: list[str]) -> tuple[int, list[str]]:
    """The duration spelled by the longest run of up to 4 leading words, and the rest."""
    if not words:
        raise InvalidInput(f"Give a duration: {DURATION_HINT}.")
    for count in range(min(len(words), 4), 1, -1):
        head = " ".join(words[:count])
        if _duration_value(head) is not None:
            return parse_duration(head), words[count:]
    return parse_duration(words[0]), words[1:]


def format_minutes(minutes: int) -> str:
    """Minutes written as `7h 30m`, `45m` or `2h`."""
    hours, rest = divmod(abs(minutes), 60)
    sign = "-" if minutes < 0 else ""
    if hours and rest:
        return f"{sign}{hours}h {rest}m"
    if hours:
        return f"{sign}{hours}h"
    return f"{sign}{rest}m"


def _words(text: str) -> list[str]:
    """The lower-case, space-separated words of a short ASCII text; [] for anything else."""
    raw = text.strip()
    if len(raw) > _DATE_LENGTH or not raw.isascii():
        return []
    return [word for word in raw.lower().split(" ") if word]


def _prefix_of(word: str, names: tuple[str, ...]) -> int | None:
    """The index of the name that word abbreviates (3 letters or more, a dot allowed), or None."""
    if not _NAME.fullmatch(word):
        return None
    stem = word.removesuffix(".")
    return next((index for index, name in enumerate(names) if name.startswith(stem)), None)


def _weekday(word: str) -> int | None:
    """Monday=0 … Sunday=6 for a weekday name such as `tue`, `weds`, `thurs` or `friday`."""
    return 2 if word in ("weds", "weds.") else _prefix_of(word, WEEKDAYS)


def _month(word: str) -> int | None:
    """1 … 12 for a month name such as `Dec`, `Sept` or `December`, else None."""
    index = _prefix_of(word, MONTHS)
    return None if index is None else index + 1


def _month_and_day(first: str, second: str) -> tuple[int, int] | None:
    """(month, day) written as `Dec 3`, `3 Dec` or `December 3rd`, else None."""
    for month_word, day_word in ((first, second), (second, first)):
        month, day = _month(month_word), _DAY_NUMBER.fullmatch(day_word)
        if month is not None and day is not None:
            return month, int(day[1])
    return None


def _shift(today: date, days: int, text: str, hint: str) -> date:
    """today moved by days, refused if that leaves the calendar."""
    try:
        return today + timedelta(days=days)
    except OverflowError:
        raise InvalidInput(f"{shown(text)} is not a date: {hint}.") from None


def _written_date(text: str, year: int, month: int, day: int, hint: str) -> date:
    """A date written out in full, refused when not real or outside 2000…2999."""
    try:
        written = date(year, month, day)
    except ValueError:
        raise InvalidInput(f"{shown(text)} is not a real date: {hint}.") from None
    if not FIRST_DATE <= written <= LAST_DATE:
        raise InvalidInput(f"{shown(text)} is outside 2000-01-01 to 2999-12-31: {hint}.")
    return written


def _month_day_date(text: str, month: int, day: int, today: date, ahead: bool, hint: str) -> date:
    """The latest such date up to today, or with ahead the next one after today (within a year)."""
    if not 1 <= day <= monthrange(2000, month)[1]:
        raise InvalidInput(f"{shown(text)} is not a real date: {hint}.")
    for year in (today.year, today.year + 1) if ahead else (today.year, today.year - 1):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if (candidate > today) if ahead else (candidate <= today):
            return candidate
    where = "coming" if ahead else "past"
    raise InvalidInput(f"{shown(text)} does not fall in the {where} year: {hint}.")


def _numeric_refusal(text: str, phrase: str, today: date) -> InvalidInput | None:
    """The refusal of `12/03`, `03.12.2026` or `12-03`, naming each reading as YYYY-MM-DD."""
    if match := _DAY_FIRST.fullmatch(phrase):
        first, second, year = match[1], match[2], int(match[3] or today.year)
    elif match := _YEAR_FIRST.fullmatch(phrase):
        year, first, second = int(match[1]), match[2], match[3]
    else:
        return None
    readings: list[str] = []
    for month, day in ((first, second), (second, first)):
        try:
            reading = date(year, int(month), int(day))
        except ValueError:
            continue
        if FIRST_DATE <= reading <= LAST_DATE and reading.isoformat() not in readings:
            readings.append(reading.isoformat())
    if not readings:
        return None
    return InvalidInput(f"{shown(text)} is ambiguous: write {' or '.join(readings)}.")


def parse_date(text: str, today: date, *, ahead: bool = False) -> date:
    """A date from `today`, `yesterday`, `YYYY-MM-DD`, a weekday, `last WEEKDAY` or `Dec 3`."""
    # A weekday or month-day is the latest such date, today included. With ahead (an expected
    # resume) it is the next one after today, `tomorrow` is allowed and `last WEEKDAY` refused.
    hint = AHEAD_HINT if ahead else DATE_HINT
    words = _words(text)
    phrase = " ".join(words)
    if phrase == "today":
        return today
    if phrase == "yesterday":
        return _shift(today, -1, text, hint)
    if phrase == "tomorrow":
        if not ahead:
            raise InvalidInput(f"{shown(text)} is in the future: {hint}.")
        return _shift(today, 1, text, hint)
    if match := _ISO.fullmatch(phrase):
        return _written_date(text, int(match[1]), int(match[2]), int(match[3]), hint)
    if len(words) == 1 and (weekday := _weekday(phrase)) is not None:
        if ahead:
            return _shift(today, (weekday - today.weekday() - 1) % 7 + 1, text, hint)
        return _shift(today, -((today.weekday() - weekday) % 7), text, hint)
    if len(words) == 2 and words[0] == "last" and (weekday := _weekday(words[1])) is not None:
        if ahead:
            raise InvalidInput(f"{shown(text)} is in the past, but this date lies ahead: {hint}.")
        return _shift(today, -((today.weekday() - weekday - 1) % 7 + 1), text, hint)
    if len(words) == 2 and (month_day := _month_and_day(*words)):
        return _month_day_date(text, *month_day, today, ahead, hint)
    raise _numeric_refusal(text, phrase, today) or InvalidInput(
        f"{shown(text)} is not a date: {hint}."
    )


def _month_day_like(first: str, second: str) -> bool:
    """Whether two words are a month name and a day-like number, in either order."""
    return any(
        _month(month) is not None and _DAY_LIKE.fullmatch(day) is not None
        for month, day in ((first, second), (second, first))
    )


def looks_like_date(text: str) -> bool:
    """Whether text is, or is meant as, a date or a relative day (a bare month name is not)."""
    words = _words(text)
    phrase = " ".join(words)
    if len(words) == 1:
        return (
            phrase in _DAY_WORDS
            or _weekday(phrase) is not None
            or _NUMERIC_DATE.fullmatch(phrase) is not None
        )
    if len(words) == 2 and words[0] in _RELATIVE:
        second = words[1]
        return second in _PERIODS or _weekday(second) is not None or _month(second) is not None
    if len(words) == 2 and _month_day_like(*words):
        return True
    if len(words) == 3 and _month_day_like(words[0], words[1]) and _YEAR.fullmatch(words[2]):
        return True
    if len(words) == 3 and words[1] == "of" and _month_day_like(words[0], words[2]):
        return True
    return _DAYS_AGO.fullmatch(phrase) is not None


def take_date(
    words: list[str], today: date, *, ahead: bool = False
) -> tuple[date | None, list[str]]:
    """The date in the first 1 to 3 words and the rest; (None, words) if they are no date."""
    # Words that look like a date but are not understood are refused, never left for a note.
    for count in (3, 2, 1):
        head = " ".join(words[:count])
        if len(words) >= count and looks_like_date(head):
            return parse_date(head, today, ahead=ahead), words[count:]
    return None, words


def parse_entry_id(text: str) -> int:
    """An hours entry id as shown by /hours week: `12` or `#12`."""
    match = _ENTRY_ID.fullmatch(text.strip())
    if match is None or int(match[1]) == 0:
        raise InvalidInput(
            f"{shown(text)} is not an entry id; type /hours week to see your entry ids."
        )
    return int(match[1])


def check_text(text: str, *, what: str, limit: int, multiline: bool = False) -> str:
    """Free text, stripped, refused when too long or holding a control character.

    `multiline` lets line breaks through (a note typed in a form), nothing else.
    """
    cleaned = text.strip()
    if multiline:
        cleaned = cleaned.replace("\r\n", "\n")
    if len(cleaned) > limit:
        raise InvalidInput(f"The {what} is {len(cleaned)} characters long; keep it to {limit}.")
    allowed = "\n" if multiline else ""
    if any(
        unicodedata.category(char) in _REFUSED_CATEGORIES and char not in allowed
        for char in cleaned
    ):
        raise InvalidInput(f"The {what} contains a control character; remove it.")
    return cleaned


def clean_name(name: str | None) -> str | None:
    """A display name a platform gave, without control characters and at most 200 long."""
    if name is None:
        return None
    kept = "".join(c for c in name if unicodedata.category(c) not in _REFUSED_CATEGORIES)
    return kept.strip()[:NAME_LIMIT] or None


def parse_code(text: str) -> str:
    """A project code in upper case, checked against `[A-Z0-9][A-Z0-9-]{1,31}`."""
    code = text.strip().upper()
    if not CODE_RE.fullmatch(code):
        raise InvalidInput(
            f"{shown(text)} is not a project code: use 2 to 32 letters, digits or dashes, "
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
            f"{shown(name)} is not a time zone: use an IANA name like Europe/Paris or "
            "America/New_York."
        ) from None
    return name


def _named(
    text: str, platform: Platform, written: re.Pattern, mentions: dict[Platform, re.Pattern]
) -> IdentityKey | None:
    """An identity written out in full anywhere, or in the platform's own mention form."""
    raw = text.strip()
    if match := written.fullmatch(raw):
        return IdentityKey(Platform(match.group(1)), match.group(2))
    if match := mentions[platform].fullmatch(raw):
        return IdentityKey(platform, match.group(1))
    return None


def parse_identity(text: str, platform: Platform) -> IdentityKey | None:
    """A person written as a mention, `@NAME` on the console or `@platform:id`; else None."""
    return _named(text, Platform(platform), _IDENTITY, _PEOPLE)


def mention_name(text: str) -> str | None:
    """The display name a mention carries (`<@U024BE7LH|bob>` gives bob), if any."""
    match = _SLACK_USER.fullmatch(text.strip()) or _DISCORD_USER.fullmatch(text.strip())
    return (match.group(2) or None) if match else None


def parse_channel(text: str, platform: Platform) -> IdentityKey | None:
    """A channel written as a mention, `#name` on the console or `#platform:id`; else None."""
    return _named(text, Platform(platform), _CHANNEL, _CHANNELS)
