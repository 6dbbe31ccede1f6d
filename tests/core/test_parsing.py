"""Property and example tests for the duration, date, code, identity and word parsers."""

import string
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.commands.grammar import split_command, split_words
from bot.core.errors import InvalidInput
from bot.core.parsing import (
    format_minutes,
    mention_name,
    parse_channel,
    parse_code,
    parse_date,
    parse_duration,
    parse_identity,
    parse_zone,
)

minutes_in_range = st.integers(min_value=1, max_value=24 * 60)


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("2h", 120),
        ("1.5h", 90),
        ("90m", 90),
        ("1h30m", 90),
        ("2h 15m", 135),
        ("1:30", 90),
        ("24h", 1440),
        ("1m", 1),
        ("0.25h", 15),
        ("2H", 120),
        (" 45m ", 45),
        ("0:05", 5),
    ],
)
def test_duration_examples(text, minutes):
    """Every documented duration form parses to the right minutes."""
    assert parse_duration(text) == minutes


@pytest.mark.parametrize(
    "text",
    [
        "",
        "0m",
        "0h",
        "25h",
        "24h1m",
        "1441m",
        "2",
        "h",
        "m",
        "1.51h",
        "-1h",
        "1:60",
        "abc",
        "2hours",
        "1h30",
        "1..5h",
        "24:01",
        "1e3m",
    ],
)
def test_duration_rejects(text):
    """Malformed, zero, fractional-minute and over-24h durations are refused clearly."""
    with pytest.raises(InvalidInput) as error:
        parse_duration(text)
    assert "duration" in error.value.message


@given(minutes_in_range)
def test_duration_round_trips_through_format(minutes):
    """Any minutes written by format_minutes parse back to the same minutes."""
    assert parse_duration(format_minutes(minutes)) == minutes


@given(st.integers(0, 24), st.integers(0, 59))
def test_clock_form_matches_hours_and_minutes(hours, mins):
    """`H:MM` equals `Hh Mm` whenever it is in range, and is refused otherwise."""
    total = hours * 60 + mins
    if 1 <= total <= 1440:
        assert parse_duration(f"{hours}:{mins:02d}") == total == parse_duration(f"{hours}h{mins}m")
    else:
        with pytest.raises(InvalidInput):
            parse_duration(f"{hours}:{mins:02d}")


@given(st.text(max_size=12))
def test_duration_never_crashes(text):
    """Any text either parses into 1..1440 minutes or raises InvalidInput."""
    try:
        minutes = parse_duration(text)
    except InvalidInput:
        return
    assert 1 <= minutes <= 1440


WED = date(2026, 3, 4)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("today", WED),
        ("yesterday", date(2026, 3, 3)),
        ("2026-02-28", date(2026, 2, 28)),
        ("wed", WED),
        ("Wednesday", WED),
        ("mon", date(2026, 3, 2)),
        ("thu", date(2026, 2, 26)),
        ("sunday", date(2026, 3, 1)),
        ("TUE", date(2026, 3, 3)),
    ],
)
def test_date_examples(text, expected):
    """today, yesterday, ISO dates and weekday names resolve from a Wednesday."""
    assert parse_date(text, WED) == expected


@pytest.mark.parametrize(
    "text", ["", "later", "2026-02-30", "2026-13-01", "03/04/2026", "mo", "weds", "26-03-04"]
)
def test_date_rejects(text):
    """Unknown words and impossible dates are refused with a hint."""
    with pytest.raises(InvalidInput):
        parse_date(text, WED)


@given(
    st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)),
    st.sampled_from(["mon", "tue", "wed", "thu", "fri", "sat", "sun"]),
)
def test_weekday_is_latest_such_day(today, name):
    """A weekday name means the latest such day, today included, within the last week."""
    day = parse_date(name, today)
    assert today - timedelta(days=6) <= day <= today
    assert day.strftime("%a").lower() == name


@given(st.dates())
def test_iso_dates_round_trip(day):
    """Any date written as YYYY-MM-DD parses to itself."""
    if day.year >= 1000:
        assert parse_date(day.isoformat(), WED) == day


@given(st.from_regex(r"[A-Za-z0-9][A-Za-z0-9-]{1,31}", fullmatch=True))
def test_codes_are_upper_cased(code):
    """Valid codes in any case are stored upper case."""
    assert parse_code(code) == code.upper()


@pytest.mark.parametrize("code", ["A", "-ACME", "ACME_1", "ACME LABEL", "X" * 33, "ÄCME"])
def test_bad_codes_are_refused(code):
    """Codes outside [A-Z0-9][A-Z0-9-]{1,31} are refused."""
    with pytest.raises(InvalidInput):
        parse_code(code)


def test_zones():
    """IANA names are accepted; others are refused."""
    assert parse_zone("Europe/Paris") == "Europe/Paris"
    with pytest.raises(InvalidInput):
        parse_zone("Mars/Olympus")


@pytest.mark.parametrize(
    ("text", "platform", "expected"),
    [
        ("<@U024BE7LH>", "slack", ("slack", "U024BE7LH")),
        ("<@U024BE7LH|bob>", "slack", ("slack", "U024BE7LH")),
        ("<@80351110224678912>", "discord", ("discord", "80351110224678912")),
        ("<@!80351110224678912>", "discord", ("discord", "80351110224678912")),
        ("@alice", "console", ("console", "alice")),
        ("@slack:U024BE7LH", "console", ("slack", "U024BE7LH")),
        ("@discord:123", "slack", ("discord", "123")),
        ("@alice", "slack", None),
        ("alice", "console", None),
        ("<@U024BE7LH>", "discord", None),
    ],
)
def test_identities(text, platform, expected):
    """Mentions mean identities on the caller's platform; full identities work anywhere."""
    assert parse_identity(text, platform) == expected


@pytest.mark.parametrize(
    ("text", "platform", "expected"),
    [
        ("<#C0123>", "slack", ("slack", "C0123")),
        ("<#C0123|general>", "slack", ("slack", "C0123")),
        ("<#1234567890>", "discord", ("discord", "1234567890")),
        ("#slack:C0123", "console", ("slack", "C0123")),
        ("#ops", "console", ("console", "ops")),
        ("C0123", "slack", None),
    ],
)
def test_channels(text, platform, expected):
    """Channel mentions and `#platform:id` parse to channel identities."""
    assert parse_channel(text, platform) == expected


WORD_CHARS = string.ascii_letters + string.digits + "-_@#<>|:.!?'éß"


@given(st.lists(st.text(alphabet=WORD_CHARS, min_size=1), max_size=6))
def test_plain_words_split_on_spaces(words):
    """Words without quotes or spaces come back exactly."""
    assert split_words(" ".join(words)) == words


@given(st.text(alphabet=st.characters(blacklist_characters='"“”„«»'), max_size=20))
def test_quoted_text_is_one_word(inner):
    """Anything inside double quotes is one word, spaces included."""
    assert split_words(f'x "{inner}" y') == ["x", inner, "y"]


def test_curly_quotes_and_apostrophes():
    """Curly quotes group words; apostrophes are ordinary characters."""
    assert split_words("add “Acme AI” couldn't") == ["add", "Acme AI", "couldn't"]


def test_unclosed_quote_is_refused():
    """An unclosed quote is a clear error."""
    with pytest.raises(InvalidInput, match="quote"):
        split_words('add "Acme AI')


def test_split_command():
    """A line splits into group, name and arguments; a bare group means help."""
    assert split_command('/project add X "A B" C') == ("project", "add", ["X", "A B", "C"])
    assert split_command("/hours") == ("hours", "help", [])


def test_tomorrow_parses_so_the_window_can_refuse_it():
    """`tomorrow` is understood (and refused later as a future date, not taken as a note)."""
    assert parse_date("tomorrow", WED) == date(2026, 3, 5)


def test_mentions_carry_names():
    """`<@U…|name>` (Slack, or Discord from a member option) names a person not seen yet."""
    assert mention_name("<@U024BE7LH|bob>") == "bob"
    assert mention_name("<@U024BE7LH>") is None
    assert mention_name("<@80351110224678912|Ada>") == "Ada"
    assert mention_name("@bob") is None


EXTERNAL_IDS = st.from_regex(r"[A-Za-z0-9._-]{1,20}", fullmatch=True)
PLATFORM_NAMES = st.sampled_from(["slack", "discord", "console"])


@given(PLATFORM_NAMES, PLATFORM_NAMES, EXTERNAL_IDS)
def test_full_identities_work_on_every_platform(written_on, platform, external_id):
    """`@platform:id` and `#platform:id` name the same identity whoever types them."""
    assert parse_identity(f"@{platform}:{external_id}", written_on) == (platform, external_id)
    assert parse_channel(f"#{platform}:{external_id}", written_on) == (platform, external_id)


@given(
    st.from_regex(r"[UW][A-Z0-9]{2,12}", fullmatch=True),
    st.text(alphabet=WORD_CHARS.replace(">", "")),
)
def test_slack_mentions_with_any_label(user_id, label):
    """`<@U…|label>` is that Slack user whatever the label says."""
    assert parse_identity(f"<@{user_id}|{label}>", "slack") == ("slack", user_id)


@given(st.text(max_size=30), PLATFORM_NAMES)
def test_people_and_channel_parsers_never_crash(text, platform):
    """Any text is either a (platform, id) pair or None, never an exception."""
    for parsed in (parse_identity(text, platform), parse_channel(text, platform)):
        assert parsed is None or (parsed[0] in ("slack", "discord", "console") and parsed[1])
