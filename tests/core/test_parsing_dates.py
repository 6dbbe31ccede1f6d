"""Property and example tests for the date parsers: parse_date, looks_like_date and take_date."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.errors import InvalidInput
from bot.core.parsing import DATE_HINT, MONTHS, WEEKDAYS, looks_like_date, parse_date, take_date

WED = date(2026, 3, 4)
TODAYS = st.dates(min_value=date(2000, 1, 1), max_value=date(2999, 12, 31))
DATE_WORDS = st.sampled_from(
    ["today", "yesterday", "tomorrow", "tmrw", "last", "next", "this", "of", "ago", "days",
     "week", "mon", "weds", "thurs", "Sunday", "dec", "Sept", "feb", "may", "3", "3rd", "29",
     "30", "45", "0", "2026", "2026-02-29", "2026-12-1", "2000-01-01", "9999-12-31", "0000-01-01",
     "12/03", "30.11.", "03.12.2026", "1.5", "12-03", "2026/12/03", "reviewed", "14", "١٢", ""]
)  # fmt: skip
DATEISH = st.lists(DATE_WORDS, min_size=1, max_size=4)
ANY_CHAR = st.characters(exclude_categories=()) | st.characters(categories=["Cc", "Cs", "Zl", "Zp"])
ANY_TEXT = (
    st.text(ANY_CHAR, max_size=60)
    | DATEISH.map(" ".join)
    | st.integers(4000, 6000).map(lambda size: "9" * size + "-01-01")
)


def weekday_spellings(number: int) -> list[str]:
    """Every accepted spelling of a weekday: each prefix of 3 letters or more, in three cases."""
    name = WEEKDAYS[number]
    prefixes = [name[:size] for size in range(3, len(name) + 1)]
    return [form for prefix in prefixes for form in (prefix, prefix.upper(), prefix.title())]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("today", WED),
        ("Today", WED),
        ("yesterday", date(2026, 3, 3)),
        ("2026-02-28", date(2026, 2, 28)),
        ("2026-12-1", date(2026, 12, 1)),
        ("2026-3-4", WED),
        ("2000-01-01", date(2000, 1, 1)),
        ("2999-12-31", date(2999, 12, 31)),
        ("wed", WED),
        ("Wednesday", WED),
        ("weds", WED),
        ("mon", date(2026, 3, 2)),
        ("thu", date(2026, 2, 26)),
        ("thur", date(2026, 2, 26)),
        ("thurs", date(2026, 2, 26)),
        ("tues", date(2026, 3, 3)),
        ("sunday", date(2026, 3, 1)),
        ("TUE", date(2026, 3, 3)),
        ("last friday", date(2026, 2, 27)),
        ("last tue", date(2026, 3, 3)),
        ("last wed", date(2026, 2, 25)),
        ("Last  Thursday", date(2026, 2, 26)),
        ("Dec 3", date(2025, 12, 3)),
        ("3 December", date(2025, 12, 3)),
        ("3 Dec", date(2025, 12, 3)),
        ("December 3rd", date(2025, 12, 3)),
        ("Dec. 3", date(2025, 12, 3)),
        ("Sept 30", date(2025, 9, 30)),
        ("mar 4", WED),
        ("Mar 5", date(2025, 3, 5)),
        ("1st Feb", date(2026, 2, 1)),
        ("Feb 28", date(2026, 2, 28)),
        (" may 1 ", date(2025, 5, 1)),
    ],
)
def test_date_examples(text, expected):
    """today, yesterday, ISO dates, weekdays, `last WEEKDAY` and month-days, seen on a Wednesday."""
    assert parse_date(text, WED) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tomorrow", date(2026, 3, 5)),
        ("thu", date(2026, 3, 5)),
        ("wed", date(2026, 3, 11)),
        ("Tuesday", date(2026, 3, 10)),
        ("Dec 3", date(2026, 12, 3)),
        ("3 March", date(2027, 3, 3)),
        ("mar 4", date(2027, 3, 4)),
        ("Mar 5", date(2026, 3, 5)),
        ("2026-04-01", date(2026, 4, 1)),
        ("today", WED),
    ],
)
def test_ahead_date_examples(text, expected):
    """After `until`, a weekday or month-day is the next one after today; tomorrow is allowed."""
    assert parse_date(text, WED, ahead=True) == expected


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "is not a date"),
        ("later", "is not a date"),
        ("mo", "is not a date"),
        ("next week", "is not a date"),
        ("next friday", "is not a date"),
        ("this friday", "is not a date"),
        ("2 days ago", "is not a date"),
        ("may", "is not a date"),
        ("26-03-04", "is not a date"),
        ("12/03/26", "is not a date"),
        ("45/45", "is not a date"),
        ("dec 3 2026", "is not a date"),
        ("3rd of December", "is not a date"),
        ("Décembre 3", "is not a date"),
        ("١٢/٠٣", "is not a date"),
        ("tomorrow", "is in the future"),
        ("2026-02-30", "is not a real date"),
        ("2026-13-01", "is not a real date"),
        ("2026-13-45", "is not a real date"),
        ("0000-01-01", "is not a real date"),
        ("Feb 30", "is not a real date"),
        ("Dec 45", "is not a real date"),
        ("Dec 0", "is not a real date"),
        ("Feb 29", "does not fall in the past year"),
        ("9999-12-31", "is outside 2000-01-01 to 2999-12-31"),
        ("1999-12-31", "is outside 2000-01-01 to 2999-12-31"),
        ("3000-01-01", "is outside 2000-01-01 to 2999-12-31"),
        ("9" * 5000 + "-01-01", "is not a date"),
    ],
)
def test_date_rejects(text, says):
    """Unknown words, relative days, impossible and out-of-range dates are refused with the hint."""
    with pytest.raises(InvalidInput) as error:
        parse_date(text, WED)
    assert says in error.value.message
    assert error.value.message.endswith(f": {DATE_HINT}.")
    assert len(error.value.message) < 200


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("12/03", "'12/03' is ambiguous: write 2026-12-03 or 2026-03-12."),
        ("03.12.2026", "'03.12.2026' is ambiguous: write 2026-03-12 or 2026-12-03."),
        ("12-03", "'12-03' is ambiguous: write 2026-12-03 or 2026-03-12."),
        ("2026/12/03", "'2026/12/03' is ambiguous: write 2026-12-03 or 2026-03-12."),
        ("30.11.", "'30.11.' is ambiguous: write 2026-11-30."),
        ("20/12", "'20/12' is ambiguous: write 2026-12-20."),
        ("5/5", "'5/5' is ambiguous: write 2026-05-05."),
        ("1.5", "'1.5' is ambiguous: write 2026-01-05 or 2026-05-01."),
    ],
)
def test_numeric_dates_are_refused_naming_their_readings(text, message):
    """Dates with `/`, `.` or a short `-` are refused, naming each valid reading as YYYY-MM-DD."""
    with pytest.raises(InvalidInput) as error:
        parse_date(text, WED)
    assert error.value.message == message


@pytest.mark.parametrize("text", ["last friday", "LAST Mon", "last wed"])
def test_last_weekday_is_refused_ahead(text):
    """After `until`, `last WEEKDAY` is refused rather than read as a past date."""
    with pytest.raises(InvalidInput, match="is in the past, but this date lies ahead"):
        parse_date(text, WED, ahead=True)


def test_yesterday_ahead_is_still_yesterday():
    """After `until`, `yesterday` keeps its meaning, so the caller refuses it as passed."""
    assert parse_date("yesterday", WED, ahead=True) == date(2026, 3, 3)


@given(TODAYS, st.integers(0, 6), st.data())
def test_weekday_is_latest_such_day(today, number, data):
    """A weekday, in any accepted spelling, is the latest such day within the last week."""
    day = parse_date(data.draw(st.sampled_from(weekday_spellings(number))), today)
    assert today - timedelta(days=6) <= day <= today
    assert day.weekday() == number


@given(TODAYS, st.integers(0, 6), st.data())
def test_last_weekday_is_strictly_before_today(today, number, data):
    """`last WEEKDAY` is the most recent such day before today, one to seven days back."""
    day = parse_date(f"last {data.draw(st.sampled_from(weekday_spellings(number)))}", today)
    assert today - timedelta(days=7) <= day < today
    assert day.weekday() == number


@given(TODAYS, st.integers(0, 6), st.data())
def test_weekday_ahead_is_next_such_day(today, number, data):
    """With ahead, a weekday is the next such day after today, one to seven days on."""
    day = parse_date(data.draw(st.sampled_from(weekday_spellings(number))), today, ahead=True)
    assert today < day <= today + timedelta(days=7)
    assert day.weekday() == number


def month_day_spellings(month: int, day: int) -> list[str]:
    """`Dec 3`, `3 December`, `dec 3rd` and `3 Sept`-style spellings of one month and day."""
    name = MONTHS[month - 1]
    suffix = {1: "st", 2: "nd", 3: "rd"}.get(day % 10 if day // 10 != 1 else 0, "th")
    return [
        f"{name[:3].title()} {day}",
        f"{day} {name.title()}",
        f"{name[:4]} {day}{suffix}",
        f"{day}{suffix} {name.upper()}",
    ]


@given(TODAYS, st.integers(1, 12), st.integers(1, 31), st.booleans(), st.data())
def test_month_day_is_within_a_year(today, month, day, ahead, data):
    """A month-day is the latest such date in the past year, or with ahead the next in a year."""
    text = data.draw(st.sampled_from(month_day_spellings(month, day)))
    try:
        result = parse_date(text, today, ahead=ahead)
    except InvalidInput as error:
        impossible = day > (29 if month == 2 else 30 if month in (4, 6, 9, 11) else 31)
        assert impossible or (month, day) == (2, 29)
        assert ("not a real date" in error.message) == impossible
        return
    assert (result.month, result.day) == (month, day)
    if ahead:
        assert today < result <= today + timedelta(days=366)
    else:
        assert today - timedelta(days=366) <= result <= today


@given(st.dates())
def test_iso_dates_round_trip(day):
    """Any date from 2000 to 2999 written as YYYY-MM-DD parses to itself; others are refused."""
    if date(2000, 1, 1) <= day <= date(2999, 12, 31):
        assert parse_date(day.isoformat(), WED) == day
    else:
        with pytest.raises(InvalidInput, match="is outside 2000-01-01 to 2999-12-31"):
            parse_date(day.isoformat(), WED)


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2999, 12, 31)), st.booleans())
def test_iso_dates_without_leading_zeros(day, ahead):
    """`2026-12-1` is the same date as `2026-12-01`, with or without ahead."""
    assert parse_date(f"{day.year}-{day.month}-{day.day}", WED, ahead=ahead) == day


@given(st.integers(1, 31), st.integers(1, 31), st.sampled_from("/.-"), st.booleans())
def test_numeric_dates_always_refused(first, second, separator, with_year):
    """`D/M`, `D.M.YYYY` and the like are always refused, naming each valid reading."""
    text = f"{first}{separator}{second}" + (f"{separator}2026" if with_year else "")
    with pytest.raises(InvalidInput) as error:
        parse_date(text, WED)
    assert looks_like_date(text)
    for month, day in ((first, second), (second, first)):
        try:
            reading = date(2026, month, day).isoformat()
        except ValueError:
            continue
        assert reading in error.value.message


@given(ANY_TEXT, TODAYS, st.booleans())
def test_parse_date_never_crashes(text, today, ahead):
    """Any text is a date that looks like one, or a one-line InvalidInput."""
    try:
        day = parse_date(text, today, ahead=ahead)
    except InvalidInput as error:
        assert "\n" not in error.message
        assert error.message.endswith(".")
        return
    assert isinstance(day, date)
    assert looks_like_date(text)


@given(ANY_TEXT, TODAYS)
def test_take_date_leaves_words_that_do_not_look_like_dates(text, today):
    """A word that does not look like a date is neither taken nor refused by take_date."""
    if not looks_like_date(text):
        assert take_date([text], today) == (None, [text])


@pytest.mark.parametrize(
    "text",
    [
        "today",
        "yesterday",
        "tomorrow",
        "Tomorrow",
        "tmrw",
        "yday",
        "mon",
        "weds",
        "Thursday",
        "last friday",
        "next week",
        "next monday",
        "this friday",
        "last month",
        "next weekend",
        "last december",
        "30.11.",
        "01.12.2026",
        "20/12",
        "12-03",
        "12/03/26",
        "2026-12-1",
        "2026-13-45",
        "9999-12-31",
        "Dec 3",
        "3 December",
        "Dec 45",
        "45 Dec",
        "dec 3rd",
        "dec 3,",
        "dec 3 2026",
        "3rd of december",
        "2 days ago",
        "a week ago",
        "2d ago",
        "day before yesterday",
    ],
)
def test_looks_like_date(text):
    """Dates and relative days, understood or not, are recognised so they never enter a note."""
    assert looks_like_date(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "reviewed",
        "batch",
        "14",
        "14th",
        "monitoring",
        "may",
        "March",
        "last",
        "next",
        "2h",
        "1.5h",
        "100.5",
        "reviewed batch",
        "may need",
        "14 items",
        "dec 3 items",
        "mon 3",
        "this morning",
        "last pass",
        "Décembre 3",
        "x" * 100,
    ],
)
def test_ordinary_note_words_do_not_look_like_dates(text):
    """Note words, bare numbers and a bare month name are not taken for dates."""
    assert not looks_like_date(text)


@pytest.mark.parametrize(
    ("words", "expected", "rest"),
    [
        (["yesterday", "reviewed", "batch"], date(2026, 3, 3), ["reviewed", "batch"]),
        (["last", "friday", "reviewed"], date(2026, 2, 27), ["reviewed"]),
        (["Dec", "3", "call"], date(2025, 12, 3), ["call"]),
        (["3", "December"], date(2025, 12, 3), []),
        (["December", "3rd", "14", "items"], date(2025, 12, 3), ["14", "items"]),
        (["2026-03-02", "monitoring"], date(2026, 3, 2), ["monitoring"]),
        (["last friday", "x"], date(2026, 2, 27), ["x"]),
        (["reviewed", "batch"], None, ["reviewed", "batch"]),
        (["14", "items"], None, ["14", "items"]),
        (["may", "need", "rework"], None, ["may", "need", "rework"]),
        (["last", "pass"], None, ["last", "pass"]),
        ([], None, []),
    ],
)
def test_take_date_examples(words, expected, rest):
    """A date at the head (1 to 3 words) is taken; other words are left for the note."""
    assert take_date(words, WED) == (expected, rest)


@pytest.mark.parametrize(
    "words",
    [
        ["next", "week", "reviewed"],
        ["2", "days", "ago"],
        ["30.11.", "review"],
        ["20/12"],
        ["12/03", "x"],
        ["dec", "3", "2026", "x"],
        ["3rd", "of", "december"],
        ["tomorrow"],
        ["tmrw", "x"],
        ["Dec", "45"],
        ["2026-13-45"],
        ["9999-12-31"],
    ],
)
def test_take_date_refuses_what_looks_like_a_date(words):
    """Words that look like a date but are not understood are refused with forms that work."""
    with pytest.raises(InvalidInput) as error:
        take_date(words, WED)
    assert "2026" in error.value.message


@pytest.mark.parametrize(
    ("words", "expected", "rest"),
    [
        (["fri", "x"], date(2026, 3, 6), ["x"]),
        (["tomorrow"], date(2026, 3, 5), []),
        (["Dec", "3"], date(2026, 12, 3), []),
        (["resume", "soon"], None, ["resume", "soon"]),
    ],
)
def test_take_date_ahead(words, expected, rest):
    """After `until`, the head date is the next such date; tomorrow is accepted."""
    assert take_date(words, WED, ahead=True) == (expected, rest)


def test_take_date_ahead_refuses_last_weekday():
    """After `until`, `last friday` is refused rather than read as a past date."""
    with pytest.raises(InvalidInput, match="lies ahead"):
        take_date(["last", "friday"], WED, ahead=True)


@given(st.lists(ANY_TEXT | DATE_WORDS, max_size=5), TODAYS, st.booleans())
def test_take_date_never_crashes(words, today, ahead):
    """Any words give (None, the same words), (a date, the words after 1 to 3), or InvalidInput."""
    try:
        day, rest = take_date(words, today, ahead=ahead)
    except InvalidInput:
        return
    if day is None:
        assert rest == words
    else:
        assert len(words) - 3 <= len(rest) < len(words)
        assert rest == words[len(words) - len(rest) :]
