"""Property and example tests for the duration, entry id, text, code, identity and word parsers."""

import re
import string
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.commands.grammar import split_command, split_words
from bot.core.errors import InvalidInput
from bot.core.parsing import (
    CLIENT_LIMIT,
    NOTE_LIMIT,
    REASON_LIMIT,
    TITLE_LIMIT,
    check_text,
    format_minutes,
    mention_name,
    parse_channel,
    parse_code,
    parse_duration,
    parse_entry_id,
    parse_identity,
    parse_zone,
    take_duration,
)
from bot.core.words import IdentityKey, Platform

MINUTES_IN_RANGE = st.integers(min_value=1, max_value=24 * 60)
# Any text at all: control characters, lone surrogates, line separators, huge digit strings.
ANY_CHAR = st.characters(exclude_categories=()) | st.characters(categories=["Cc", "Cs", "Zl", "Zp"])
HUGE_DIGITS = st.builds(
    lambda size, suffix: "9" * size + suffix,
    st.integers(4000, 6000),
    st.sampled_from(["", "h", "m", ":30", "-01-01", "/12"]),
)
DURATION_PIECES = st.lists(
    st.sampled_from(
        ["0", "1", "2", "15", "24", "90", "1.5", ",5", "1,5", ".5", "h", "hrs", "hours", "m",
         "min", "minutes", "1h", "1h30", "30m", ":", "²", "١٢", "e3", "-", "nan", " "]
    ),
    max_size=5,
).map("".join)  # fmt: skip
ANY_TEXT = st.text(ANY_CHAR, max_size=60) | HUGE_DIGITS | DURATION_PIECES
ANY_WORDS = st.lists(ANY_TEXT | DURATION_PIECES, max_size=6)


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("2h", 120),
        ("1.5h", 90),
        ("90m", 90),
        ("1h30m", 90),
        ("2h 15m", 135),
        ("1:30", 90),
        ("2 h", 120),
        ("2 hours", 120),
        ("2hours", 120),
        ("2 hour", 120),
        ("1 hour", 60),
        ("2hrs", 120),
        ("2hr", 120),
        ("2 HRS", 120),
        ("90 min", 90),
        ("90 mins", 90),
        ("90 minutes", 90),
        ("1 minute", 1),
        ("1h30", 90),
        ("1h5", 65),
        ("1h 30m", 90),
        ("1 hr 30 min", 90),
        ("2 hours 15 minutes", 135),
        (".5h", 30),
        ("1,5h", 90),
        ("1,5 hours", 90),
        ("24h", 1440),
        ("24:00", 1440),
        ("1m", 1),
        ("0.25h", 15),
        ("2H", 120),
        ("90M", 90),
        (" 45m ", 45),
        ("0:05", 5),
        ("0h30m", 30),
    ],
)
def test_duration_examples(text, minutes):
    """Every documented duration form, and the forms people type, parse to the right minutes."""
    assert parse_duration(text) == minutes


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "0m",
        "0h",
        "0:00",
        "25h",
        "24h1m",
        "1441m",
        "25:00",
        "2",
        "h",
        "m",
        "hours",
        "1.51h",
        "1.5m",
        "-1h",
        "+1h",
        "1:60",
        "1:5",
        "100:00",
        "abc",
        "1..5h",
        "1.h",
        "1h 30",
        "1h75",
        "1h60m",
        "90m 15m",
        "24:01",
        "1e3m",
        "1E3m",
        "nan",
        "NaNh",
        "inf",
        "infh",
        "²h",
        "²",
        "١٢h",
        "２h",
        "2\x00h",
        "2 days",
        "9" * 5000,
        "9" * 5000 + "m",
        "1" * 40 + "h",
    ],
)
def test_duration_rejects(text):
    """Malformed, zero, fractional-minute, non-ASCII, huge and over-24h durations are refused."""
    with pytest.raises(InvalidInput) as error:
        parse_duration(text)
    assert "duration" in error.value.message
    assert len(error.value.message) < 200


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("25h", "is out of range: a duration is from 1m to 24h."),
        ("0m", "is out of range: a duration is from 1m to 24h."),
        ("1.51h", "is not a whole number of minutes"),
        ("2x", "is not a duration: write a duration like 2h, 1.5h, 90m, 1h30m or 1:30."),
    ],
)
def test_duration_refusals_say_why(text, says):
    """Each kind of refusal names the problem and the forms that work."""
    with pytest.raises(InvalidInput, match=re.escape(f"{text!r} {says}")):
        parse_duration(text)


@given(MINUTES_IN_RANGE)
def test_duration_round_trips_through_format(minutes):
    """Any minutes written by format_minutes parse back to the same minutes."""
    assert parse_duration(format_minutes(minutes)) == minutes


@given(st.integers(0, 24), st.integers(0, 59))
def test_every_spelling_of_hours_and_minutes_agrees(hours, mins):
    """`H:MM`, `HhMm`, `HhM`, `H hours M minutes` and `H hr M min` agree, or are all refused."""
    total = hours * 60 + mins
    spellings = [
        f"{hours}:{mins:02d}",
        f"{hours}h{mins}m",
        f"{hours}h{mins}",
        f"{hours} hours {mins} minutes",
        f"{hours} hr {mins} min",
    ]
    for spelling in spellings:
        if 1 <= total <= 1440:
            assert parse_duration(spelling) == total
        else:
            with pytest.raises(InvalidInput):
                parse_duration(spelling)


@given(st.integers(0, 23), st.integers(0, 9))
def test_decimal_comma_equals_decimal_point(hours, tenth):
    """`1,5h` means the same as `1.5h`: 6 minutes a tenth of an hour (`0,0h` is refused)."""
    minutes = hours * 60 + tenth * 6
    if minutes:
        assert parse_duration(f"{hours},{tenth}h") == parse_duration(f"{hours}.{tenth}h") == minutes
    else:
        with pytest.raises(InvalidInput):
            parse_duration(f"{hours},{tenth}h")


@given(ANY_TEXT)
def test_duration_never_crashes(text):
    """Any text either parses into 1..1440 minutes or raises InvalidInput about a duration."""
    try:
        minutes = parse_duration(text)
    except InvalidInput as error:
        assert "duration" in error.message
        return
    assert isinstance(minutes, int)
    assert 1 <= minutes <= 1440


@pytest.mark.parametrize(
    ("words", "minutes", "rest"),
    [
        (["2h"], 120, []),
        (["2h", "30", "reviewed"], 120, ["30", "reviewed"]),
        (["2h", "reviewed", "batch"], 120, ["reviewed", "batch"]),
        (["2", "h", "x"], 120, ["x"]),
        (["2", "hours"], 120, []),
        (["2", "hrs", "14"], 120, ["14"]),
        (["90", "min", "batch"], 90, ["batch"]),
        (["2h", "15m", "x"], 135, ["x"]),
        (["1h", "30m"], 90, []),
        (["2h", "15", "min", "x"], 135, ["x"]),
        (["2", "hours", "15", "minutes", "x"], 135, ["x"]),
        (["1h30", "reviewed"], 90, ["reviewed"]),
        (["90m", "15m"], 90, ["15m"]),
        (["1:30", "14"], 90, ["14"]),
        (["2h", "2026-03-02"], 120, ["2026-03-02"]),
        (["2h", "yesterday", "30m"], 120, ["yesterday", "30m"]),
    ],
)
def test_take_duration_examples(words, minutes, rest):
    """The duration at the head may span words; a bare number after it belongs to the note."""
    assert take_duration(words) == (minutes, rest)


@pytest.mark.parametrize(
    "words", [[], ["x"], ["2"], ["2", "x"], ["h", "2"], ["24h", "30m"], ["0h", "0m", "x"]]
)
def test_take_duration_rejects(words):
    """No duration at the head, or one out of range over two words, is refused."""
    with pytest.raises(InvalidInput) as error:
        take_duration(words)
    assert "duration" in error.value.message


@given(ANY_WORDS)
def test_take_duration_never_crashes(words):
    """Any words give minutes in range and the words after 1 to 4 of them, or InvalidInput."""
    try:
        minutes, rest = take_duration(words)
    except InvalidInput as error:
        assert "duration" in error.message
        return
    assert 1 <= minutes <= 1440
    assert len(words) - 4 <= len(rest) < len(words)
    assert rest == words[len(words) - len(rest) :]


@pytest.mark.parametrize(("text", "entry_id"), [("12", 12), ("#12", 12), (" #7 ", 7), ("1", 1)])
def test_entry_id_examples(text, entry_id):
    """Entry ids are written as `12` or `#12`."""
    assert parse_entry_id(text) == entry_id


@pytest.mark.parametrize(
    "text",
    ["", "#", "0", "#0", "-1", "12a", "##12", "1.0", "١٢", "²", "1" * 19, "9" * 5000, "1 2"],
)
def test_entry_id_rejects(text):
    """Anything but 1 to 18 ASCII digits with an optional `#` is refused with a pointer."""
    with pytest.raises(InvalidInput, match="is not an entry id; type /hours week"):
        parse_entry_id(text)


@given(st.integers(1, 10**18 - 1), st.sampled_from(["", "#"]))
def test_entry_ids_round_trip(entry_id, prefix):
    """Any id of up to 18 digits, with or without `#`, parses to itself (and is below 2**62)."""
    assert parse_entry_id(f"{prefix}{entry_id}") == entry_id < 2**62


@given(ANY_TEXT)
def test_entry_id_never_crashes(text):
    """Any text is an id from 1 to 2**62 or an InvalidInput."""
    try:
        entry_id = parse_entry_id(text)
    except InvalidInput:
        return
    assert 1 <= entry_id <= 2**62


def test_text_limits():
    """The limits are SPEC's: notes and reasons 500, client names 100, titles 200."""
    assert (NOTE_LIMIT, REASON_LIMIT, CLIENT_LIMIT, TITLE_LIMIT) == (500, 500, 100, 200)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("reviewed batch 14", "reviewed batch 14"),
        ("  padded  ", "padded"),
        ("\tpadded\n", "padded"),
        ("Über AI — naïve 日本 🎉", "Über AI — naïve 日本 🎉"),
        ("x" * 500, "x" * 500),
        ("", ""),
    ],
)
def test_check_text_accepts(text, expected):
    """Ordinary text, any script and emoji included, comes back stripped."""
    assert check_text(text, what="note", limit=NOTE_LIMIT) == expected


@pytest.mark.parametrize(
    "text",
    ["a\x00b", "a\nb", "a\tb", "a\rb", "a\x1bb", "a\x7fb", "a\x85b", "a\u2028b", "a\u2029b",
     "a\udcffb", "\ud800", "a\udfffb"],
)  # fmt: skip
def test_check_text_refuses_control_characters(text):
    """Control characters, line separators and lone surrogates are refused."""
    with pytest.raises(InvalidInput, match=r"^The note contains a control character; remove it\.$"):
        check_text(text, what="note", limit=NOTE_LIMIT)


def test_check_text_refuses_long_text():
    """Text over the limit is refused, saying its length and the limit."""
    with pytest.raises(
        InvalidInput, match=r"^The reason is 612 characters long; keep it to 500\.$"
    ):
        check_text("y" * 612, what="reason", limit=REASON_LIMIT)


def test_invalid_utf8_read_with_surrogateescape_is_refused():
    """A non-UTF-8 byte read with surrogateescape (a lone surrogate) is refused."""
    text = b"note \xff here".decode("utf-8", "surrogateescape")
    with pytest.raises(InvalidInput, match="control character"):
        check_text(text, what="note", limit=NOTE_LIMIT)


@given(ANY_TEXT, st.integers(0, 600))
def test_check_text_never_crashes(text, limit):
    """Any text is refused, or comes back stripped, within the limit, free of control characters."""
    try:
        cleaned = check_text(text, what="note", limit=limit)
    except InvalidInput:
        return
    assert cleaned == text.strip()
    assert len(cleaned) <= limit
    assert not any(unicodedata.category(char) in ("Cc", "Cs", "Zl", "Zp") for char in cleaned)


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
    assert parse_identity(text, platform) == key(expected)


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
    assert parse_channel(text, platform) == key(expected)


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


def test_mentions_carry_names():
    """`<@U…|name>` (Slack, or Discord from a member option) names a person not seen yet."""
    assert mention_name("<@U024BE7LH|bob>") == "bob"
    assert mention_name("<@U024BE7LH>") is None
    assert mention_name("<@80351110224678912|Ada>") == "Ada"
    assert mention_name("@bob") is None


EXTERNAL_IDS = st.from_regex(r"[A-Za-z0-9._-]{1,20}", fullmatch=True)
PLATFORM_NAMES = st.sampled_from(["slack", "discord", "console"])


def key(pair: tuple[str, str] | None) -> IdentityKey | None:
    """The identity a `(platform, id)` pair names."""
    return None if pair is None else IdentityKey(Platform(pair[0]), pair[1])


@given(PLATFORM_NAMES, PLATFORM_NAMES, EXTERNAL_IDS)
def test_full_identities_work_on_every_platform(written_on, platform, external_id):
    """`@platform:id` and `#platform:id` name the same identity whoever types them."""
    expected = key((platform, external_id))
    assert parse_identity(f"@{platform}:{external_id}", written_on) == expected
    assert parse_channel(f"#{platform}:{external_id}", written_on) == expected


@given(
    st.from_regex(r"[UW][A-Z0-9]{2,12}", fullmatch=True),
    st.text(alphabet=WORD_CHARS.replace(">", "")),
)
def test_slack_mentions_with_any_label(user_id, label):
    """`<@U…|label>` is that Slack user whatever the label says."""
    assert parse_identity(f"<@{user_id}|{label}>", "slack") == key(("slack", user_id))


@given(st.text(max_size=30), PLATFORM_NAMES)
def test_people_and_channel_parsers_never_crash(text, platform):
    """Any text is either an identity or None, never an exception."""
    for parsed in (parse_identity(text, platform), parse_channel(text, platform)):
        assert parsed is None or (parsed.platform in Platform and parsed.external_id)
