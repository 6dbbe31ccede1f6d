"""Reading commands: words from a line, parameters from words, and typed values from either.

A typed line goes `split_words` → `read_words` → `convert`; a Discord option or a Slack form
value skips the first two and goes straight to `convert`, which takes already-typed values
(a date from a date picker, a member as a PersonRef, an entry id as an int) as they are.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal
from typing import Any

from bot.commands.params import ME, Kind, Param, PersonRef, When
from bot.core.audiences import (
    GROUP_FORMS,
    OFF,
    GroupKind,
    GroupRef,
    looks_like_group,
    parse_group,
)
from bot.core.errors import InvalidInput, PausebotError
from bot.core.money import parse_amount, parse_currency
from bot.core.parsing import (
    check_text,
    clean_name,
    mention_name,
    parse_channel,
    parse_code,
    parse_date,
    parse_duration,
    parse_entry_id,
    parse_identity,
    parse_zone,
    shown,
    take_date,
    take_duration,
)
from bot.core.words import IdentityKey, Platform

CLOCK = re.compile(r"([01]?[0-9]|2[0-3]):[0-5][0-9]")
OPENING_QUOTES = {'"': '"', "“": "”", "„": "“", "«": "»"}


def split_words(text: str) -> list[str]:
    """Words of a command line; "double quoted" (also curly) text is one word."""
    words: list[str] = []
    current: list[str] = []
    quoted_word = False
    index = 0
    while index < len(text):
        char = text[index]
        if char in OPENING_QUOTES:
            closing = OPENING_QUOTES[char]
            end = text.find(closing, index + 1)
            if char == "“" and end == -1:
                end = text.find('"', index + 1)
            if end == -1:
                raise InvalidInput(f"A quote is not closed; add the closing {closing}.")
            current.append(text[index + 1 : end])
            quoted_word = True
            index = end + 1
            continue
        if char.isspace():
            if current or quoted_word:
                words.append("".join(current))
            current, quoted_word = [], False
        else:
            current.append(char)
        index += 1
    if current or quoted_word:
        words.append("".join(current))
    return words


def split_command(line: str) -> tuple[str, str, list[str]]:
    """`(group, name, args)` from a line such as `/hours log ACME 2h`."""
    words = split_words(line.strip())
    if not words:
        return "", "", []
    group = words[0].lstrip("/").lower()
    name = words[1].lower() if len(words) > 1 else "help"
    return group, name, words[2:]


@dataclass(frozen=True)
class Reading:
    """What reading a value needs: the caller's platform, their today and the team's."""

    platform: Platform
    today: date
    team_today: date

    def today_for(self, param: Param) -> date:
        """The date a relative date in this parameter counts from."""
        return self.team_today if param.team else self.today


@contextmanager
def about(param: Param) -> Iterator[None]:
    """Mark a refusal raised while reading a parameter as being about it."""
    try:
        yield
    except PausebotError as exc:
        exc.field = exc.field or param.name
        raise


def read_words(
    params: Sequence[Param], words: list[str], reading: Reading, usage: str
) -> dict[str, Any]:
    """Each parameter's raw value from the words after a command, in declaration order."""
    words = list(words)
    values: dict[str, Any] = {}
    for param in params:
        if param.keyword:
            words, values[param.name] = take_keyword(param, words, reading)
    positional = [param for param in params if not param.keyword]
    for index, param in enumerate(positional):
        if not words:
            if not param.optional:
                message = param.missing or f"Something is missing; type {usage}."
                raise InvalidInput(message, field=param.name)
            values[param.name] = None
            continue
        with about(param):
            values[param.name], words = take(param, words, reading, positional[index + 1 :])
    if words:
        quotes = (
            " (put names with spaces in quotes)"
            if any(param.kind is Kind.WORD for param in params)
            else ""
        )
        raise InvalidInput(f"Too many words after the command; type {usage}{quotes}.")
    return values


def take(
    param: Param, words: list[str], reading: Reading, following: Sequence[Param]
) -> tuple[Any, list[str]]:
    """One parameter's raw value from the head of the words, and the words left."""
    if param.rest:
        return words, []
    if param.kind is Kind.DURATION:
        return take_duration(words)
    if param.kind is Kind.DATE:
        found, rest = take_date(words, reading.today_for(param), ahead=param.ahead)
        if found is None and not any(other.rest for other in following):
            parse_date(words[0], reading.today_for(param), ahead=param.ahead)
        return found, rest
    return words[0], words[1:]


def take_keyword(param: Param, words: list[str], reading: Reading) -> tuple[list[str], Any]:
    """A trailing `KEYWORD VALUE` (like `until 2026-12-20`) taken off the end of the words."""
    keyword = param.keyword or ""
    for index in range(len(words) - 1, 0, -1):
        if words[index].lower() != keyword:
            continue
        after, today = words[index + 1 :], reading.today_for(param)
        if param.kind is Kind.WHEN and len(after) > 1 and CLOCK.fullmatch(after[-1]):
            after, at = after[:-1], clock_time(after[-1])
        else:
            at = None
        with about(param):
            if len(after) == 1:
                found, rest = parse_date(after[0], today, ahead=param.ahead), []
            else:
                found, rest = take_date(after, today, ahead=param.ahead)
        if found is not None and not rest:
            return words[:index], When(found, at) if param.kind is Kind.WHEN else found
        break
    return words, None


def convert(param: Param, raw: Any, reading: Reading, usage: str) -> Any:
    """A parameter's typed value from its raw value (text, or a value already typed)."""
    if raw is None or raw == [] or raw == "":
        if not param.optional:
            raise InvalidInput(
                param.missing or f"Something is missing; type {usage}.", field=param.name
            )
        return [] if param.kind in (Kind.PEOPLE, Kind.AUDIENCES) else None
    with about(param):
        return CONVERTERS[param.kind](param, raw, reading, usage)


def joined(raw: str | list[str]) -> str:
    """Words of free text as one string."""
    return raw if isinstance(raw, str) else " ".join(raw)


def as_code(_param: Param, raw: str, _reading: Reading, _usage: str) -> str:
    """A project code in upper case."""
    return parse_code(raw)


def as_text(param: Param, raw: str | list[str], _reading: Reading, _usage: str) -> str:
    """Free text, its words joined, within the parameter's limit and without control characters."""
    what = param.what or param.public_name
    return check_text(joined(raw), what=what, limit=param.limit, multiline=param.kind is Kind.TEXT)


def as_duration(_param: Param, raw: int | str, _reading: Reading, _usage: str) -> int:
    """Minutes, from text or as given."""
    return raw if isinstance(raw, int) else parse_duration(raw)


def as_date(param: Param, raw: date | str, reading: Reading, _usage: str) -> date:
    """A date, from text or as a date picker gave it."""
    if isinstance(raw, date):
        return raw
    return parse_date(raw, reading.today_for(param), ahead=param.ahead)


def as_when(param: Param, raw: When | str, reading: Reading, _usage: str) -> When:
    """A date with an optional `HH:MM`, from text like `2026-12-20 15:00`, or as given."""
    if isinstance(raw, When):
        return raw
    words = split_words(raw)
    at = clock_time(words.pop()) if len(words) > 1 and CLOCK.fullmatch(words[-1]) else None
    day = parse_date(" ".join(words), reading.today_for(param), ahead=param.ahead)
    return When(day, at)


def clock_time(text: str) -> time:
    """`HH:MM` on a 24-hour clock."""
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def as_person(_param: Param, raw: PersonRef | str, reading: Reading, _usage: str) -> PersonRef:
    """A person, from a mention, `@name`, `@platform:id` or `@me`, or as given."""
    if isinstance(raw, PersonRef):
        return raw
    if raw.strip().lower() == "@me":
        return ME
    if looks_like_group(raw):
        raise InvalidInput(
            f"{shown(raw)} is a group; name one person here, like @name or <@U024BE7LH>."
        )
    key = parse_identity(raw, reading.platform)
    if key is None:
        raise InvalidInput(
            f"{shown(raw)} is not a person; name people like @name, <@U024BE7LH> or "
            "@slack:U024BE7LH."
        )
    return PersonRef(key=key, name=clean_name(mention_name(raw)))


def as_people(
    param: Param, raw: str | list[str | PersonRef], reading: Reading, usage: str
) -> list[PersonRef]:
    """People, from words or a line of mentions, or as given."""
    items = split_words(raw) if isinstance(raw, str) else raw
    return [as_person(param, item, reading, usage) for item in items]


def as_audience(
    param: Param, raw: PersonRef | GroupRef | str, reading: Reading, usage: str
) -> PersonRef | GroupRef:
    """A person or a group (which stands for its members), or as given."""
    if isinstance(raw, PersonRef | GroupRef):
        return raw
    group = parse_group(raw, reading.platform)
    if group is not None:
        return group
    if looks_like_group(raw):
        raise InvalidInput(f"{shown(raw)} is not a group pausebot can read; name {GROUP_FORMS}.")
    return as_person(param, raw, reading, usage)


def as_audiences(
    param: Param, raw: str | list[str | PersonRef | GroupRef], reading: Reading, usage: str
) -> list[PersonRef | GroupRef]:
    """People and groups, from words or a line of mentions, or as given."""
    items = split_words(raw) if isinstance(raw, str) else raw
    return [as_audience(param, item, reading, usage) for item in items]


def as_groups(
    _param: Param, raw: str | list[str | GroupRef], reading: Reading, usage: str
) -> list[GroupRef] | str:
    """Groups from words or a line of mentions (or as given), or the word `off`."""
    items = split_words(raw) if isinstance(raw, str) else list(raw)
    if len(items) == 1 and isinstance(items[0], str) and items[0].strip().lower() == OFF:
        return OFF
    groups = []
    for item in items:
        if isinstance(item, GroupRef):
            groups.append(item)
            continue
        if item.strip().lower() == OFF:
            raise InvalidInput(f"Write off alone to stop following groups; type {usage}.")
        found = parse_group(item, reading.platform)
        if found is None:
            person = item.strip().lower() == "@me" or parse_identity(item, reading.platform)
            what = "is a person, not a group" if person else "is not a group"
            raise InvalidInput(f"{shown(item)} {what}; name {GROUP_FORMS}.")
        groups.append(found)
    return groups


def as_role(_param: Param, raw: GroupRef | str, reading: Reading, _usage: str) -> GroupRef:
    """A Discord role, as the role option gave it or written `<@&1234>`/`@discord-role:1234`."""
    found = raw if isinstance(raw, GroupRef) else parse_group(raw, reading.platform)
    if found is None or found.key.kind is not GroupKind.ROLE:
        raise InvalidInput(f"{shown(str(raw))} is not a Discord role; pick one from the list.")
    return found


def as_amount(_param: Param, raw: Decimal | str, _reading: Reading, _usage: str) -> Decimal:
    """An exact amount of money, from text like `21.50`, or as given."""
    return parse_amount(f"{raw:f}" if isinstance(raw, Decimal) else str(raw))


def as_currency(_param: Param, raw: str, _reading: Reading, _usage: str) -> str:
    """An ISO 4217 currency code, in upper case."""
    return parse_currency(raw)


def as_channel(_param: Param, raw: IdentityKey | str, reading: Reading, _usage: str) -> IdentityKey:
    """A channel, from a mention, `#name` or `#platform:id`, or as given."""
    if isinstance(raw, IdentityKey):
        return raw
    key = parse_channel(raw, reading.platform)
    if key is None:
        raise InvalidInput(f"{shown(raw)} is not a channel; write #channel or #slack:C0123.")
    return key


def as_choice(param: Param, raw: str, _reading: Reading, usage: str) -> str:
    """One of the parameter's choices, in lower case."""
    word = raw.strip().lower()
    if word not in param.choices:
        article = "an" if param.public_name[:1] in ("a", "e", "i", "o", "u") else "a"
        raise InvalidInput(f"{shown(raw)} is not {article} {param.public_name}; type {usage}.")
    return word


def as_entry_id(_param: Param, raw: int | str, _reading: Reading, _usage: str) -> int:
    """An entry id, from text like `#12` or as given."""
    return parse_entry_id(str(raw))


def as_zone(_param: Param, raw: str, _reading: Reading, _usage: str) -> str:
    """An IANA time zone name."""
    return parse_zone(raw)


CONVERTERS = {
    Kind.CODE: as_code,
    Kind.NEW_CODE: as_code,
    Kind.SUBJECT: as_text,
    Kind.DURATION: as_duration,
    Kind.DATE: as_date,
    Kind.PERSON: as_person,
    Kind.PEOPLE: as_people,
    Kind.CHANNEL: as_channel,
    Kind.WORD: as_text,
    Kind.TEXT: as_text,
    Kind.CHOICE: as_choice,
    Kind.ENTRY_ID: as_entry_id,
    Kind.ZONE: as_zone,
    Kind.WHEN: as_when,
    Kind.AMOUNT: as_amount,
    Kind.CURRENCY: as_currency,
    Kind.AUDIENCE: as_audience,
    Kind.AUDIENCES: as_audiences,
    Kind.GROUPS: as_groups,
    Kind.ROLE: as_role,
}
