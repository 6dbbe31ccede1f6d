"""Hypothesis strategies for whole command lines, derived from the command declarations.

A generated line is a *template*: a tuple of words, each either text or a `Pick` that names
something of the live world (`code:mine`, `entry:own`, `client`, …). The fuzz test resolves the
picks against the database just before it runs the line, so a well-formed line names a project
the caller is on, an entry that exists or a client that was just created, while the strategies
themselves stay pure and reproducible.

Every parameter kind (`bot.commands.params.Kind`) has a strategy giving well-formed values
(every form SPEC names) and hostile ones (empty, 5,000 digits, unicode digits, control
characters, lone surrogates, values over every length limit, unclosed quotes, words that look
like dates but are not understood). Whole lines then get words dropped, duplicated, swapped or
added, and some lines are pure noise.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from bot.commands.base import COMMANDS, Command
from bot.commands.params import Kind, Param
from bot.core.words import Role

# The date the suite's clock starts at (tests/conftest.py START); generated ISO dates lie around it.
TODAY = date(2026, 3, 4)


@dataclass(frozen=True)
class Pick:
    """A word taken from the live world when the line runs.

    `pool` names what (see the fuzz test's World), `index` which one (modulo the pool's size),
    `form` how it is written (`"@{}"`, `'"{}"'`) and `case` a str method applied first.
    """

    pool: str
    index: int = 0
    form: str = "{}"
    case: str = ""


Part = str | Pick
Template = tuple[Part, ...]

# ---------------------------------------------------------------------------------------------
# Helpers


def weighted(*options: tuple[int, SearchStrategy]) -> SearchStrategy:
    """One of the strategies, each as likely as its weight.

    (Repeating a branch in `st.one_of` does not weight it: hypothesis drops repeated branches.)
    """
    table = tuple(index for index, (weight, _) in enumerate(options) for _ in range(weight))
    branches = [strategy for _, strategy in options]
    return st.sampled_from(table).flatmap(branches.__getitem__)


@cache
def words(*texts: str) -> SearchStrategy[tuple[Part, ...]]:
    """One of these fixed values, each split into its words (a value may be several words)."""
    return st.sampled_from([tuple(text.split(" ")) if text else ("",) for text in texts])


def one(strategy: SearchStrategy) -> SearchStrategy[tuple[Part, ...]]:
    """A single word from a strategy of strings or picks."""
    return strategy.map(lambda value: (value,))


@cache
def pick(pool: str, forms: Sequence[str] = ("{}",), cases: Sequence[str] = ("",)):
    """A Pick from a pool, in one of some written forms and letter cases."""
    return st.builds(
        Pick,
        pool=st.just(pool),
        index=st.integers(0, 50),
        form=st.sampled_from(forms),
        case=st.sampled_from(cases),
    )


@cache
def repeated(chars: Sequence[str], lengths: Sequence[int]) -> SearchStrategy[str]:
    """One character repeated to one of some lengths (cheap even for a megabyte)."""
    return st.builds(operator.mul, st.sampled_from(chars), st.sampled_from(lengths))


# Every code point, surrogates and control characters included.
ANY_CHAR = st.characters(exclude_categories=())
READABLE = st.characters(categories=("L", "N", "P", "S"), exclude_characters='"“„«')
CONTROL = (
    "\x00", "\x01", "\x07", "\x08", "\x1b", "\x1b[31m", "\x7f", "\x85", "\x9b",
    "\x0b", "\x0c", "\r", "\u2028", "\u2029",
)  # fmt: skip
SURROGATES = ("\udcff", "\udc80", "\ud800", "\udfff")
UNICODE_DIGITS = ("²", "١", "١٢", "٣", "۷", "५", "๓", "𝟚", "½", "Ⅻ", "①", "２")
HUGE_DIGITS = ("9" * 5000, "1" * 5000, "0" * 5000)
MEGABYTE = 1_000_000

# Words that are wrong nearly anywhere: each kind's strategy mixes these in.
HOSTILE_WORDS = (
    "",
    '""',
    '"',
    "“",
    "«",
    "'",
    "`",
    "\\",
    "-",
    "--",
    "-1",
    "+1",
    "0",
    "1e9",
    "nan",
    "inf",
    "None",
    "null",
    "true",
    "%s",
    "{}",
    "{0}",
    "${HOME}",
    "'; DROP TABLE projects; --",
    '=HYPERLINK("http://evil")',
    "@SUM(1)",
    "<script>",
    "<@>",
    "<#>",
    "<!here>",
    "@",
    "#",
    "/",
    "🚀",
    "\u202e",
    "\u200b",
    "\ufeff",
    "İ",
    "ß",
    *CONTROL,
    *SURROGATES,
    *UNICODE_DIGITS,
    *HUGE_DIGITS,
)


@cache
def hostile() -> SearchStrategy[tuple[Part, ...]]:
    """One hostile word: fixed nasties, random code points, or a long run of one character."""
    return weighted(
        (6, one(st.sampled_from(HOSTILE_WORDS))),
        (3, one(st.text(ANY_CHAR, min_size=1, max_size=12))),
        (2, one(repeated(("a", "9", "\x00", "é", "🚀", "\udcff"), (65, 101, 201, 301, 501)))),
        (1, one(st.builds(str.__add__, st.sampled_from(SURROGATES), st.text(READABLE)))),
    )


@cache
def huge() -> SearchStrategy[tuple[Part, ...]]:
    """A single enormous word: 5,000 characters, now and then a megabyte."""
    return weighted(
        (8, one(repeated(("x", "9", "é", "\x00"), (5000, 20_000)))),
        (1, one(repeated(("x", "9", "é", "\x00"), (MEGABYTE,)))),
    )


# Fixed words, by what they are for.
BAD_CODES = (
    "ACEM", "NOPE", "ZZ", "X", "bad_code", "A" * 32, "A" * 33, "acme ai", "ÀCME", "ＡＣＭＥ",
    "AC\x00ME", "AC\udcffME",
)  # fmt: skip
DURATION_WORDS = (
    "2h", "1.5h", "90m", "1h30m", "2h 15m", "1:30", "2 h", "2 hours", "2hrs", "90 min", "1h30",
    ".5h", "1,5h", "24h", "1m", "0m", "25h", "24h1m", "1441m", "0:00", "24:00", "24:01", "23h59m",
    "2x", "h", "m", "1e3m", "-1h", "1h-30m", "1..5h", "1h 2h", "2 hours 30 minutes", "²h", "١h",
    "1h١", "١:٣٠", "𝟚h", "½h", "9" * 5000 + "h", "9" * 5000, "9" * 5000 + "m", "1" * 40 + "h",
    "0" * 5000 + "1h",
)  # fmt: skip
ODD_DATES = (
    "9" * 5000 + "-01-01", "2026-03-" + "0" * 5000 + "1", "²⁰²⁶-03-01", "٢٠٢٦-٠٣-٠١", "2026-03-0١",
    "2026-03-04\x00", "today\udcff", "someday", "yesterday yesterday", "2026-03-04T10:00",
    "+2026-03-04", "2026-W10",
)  # fmt: skip
KNOWN_MENTIONS = (
    "<@U024BE7LH>", "<@U024BE7LH|bob>", "<@W0ABC|Zoë 🚀>", "<@80351110224678912>",
    "<@!80351110224678912>", "<!subteam^S0123>", "<!subteam^S0123|@labelers>", "@slack:S0123",
    "<#C0123>", "#slack:C0123", "<@&1234>", "@discord-role:1234", "@alcie",
)  # fmt: skip
BAD_PEOPLE = (
    "bob", "@", "@@", "@@con", "@" + "a" * 65, "@" + "a" * 64, "@slack:" + "U" * 65,
    "@console:" + "b" * 70, "<@U" + "A" * 70 + ">", "<@U0|" + "n" * 300 + ">", "<@U0NUL|a\x00b>",
    "<@U0SUR|\udcff>", "<@U0CC|\x1b[31m>", "<@" + "9" * 5000 + ">", "@con\x00", "@ｃｏｎ", "@Çon",
    "@console:", "@mars:x", "@slack:", "@con,", "@con.", "<@U0ABC", "@me@me",
)  # fmt: skip
GOOD_CHANNELS = (
    "#general", "#ops-room", "#slack:C0123", "<#C0123>", "<#C0123|general>",
    "<#123456789012345678>", "#discord:123456789012345678", "#console:ops-room",
)  # fmt: skip
BAD_CHANNELS = (
    "general", "#", "##", "#" + "c" * 65, "#slack:" + "C" * 65, "<#C" + "A" * 70 + ">",
    "<#C0123|" + "n" * 300 + ">", "#gen\x00", "#\udcff", "@con", "#mars:C1",
)  # fmt: skip
# Groups: the fuzz test's fake platform knows S0LAB, C0REVIEW, S0BIG, role 4242, and S0DOWN
# (which does not answer); others are unknown to it.
GOOD_GROUPS = (
    "@slack:S0LAB", "<!subteam^S0LAB>", "<!subteam^S0LAB|@labelers>", "<#C0REVIEW>",
    "<#C0REVIEW|review>", "#slack:C0REVIEW", "<@&4242>", "@discord-role:4242", "@slack:S0BIG",
    "@slack:S0DOWN", "@slack:S0NONE", "<!subteam^S0NONE>", "#slack:C0NONE", "<@&9999>",
)  # fmt: skip
BAD_GROUPS = (
    "<!subteam^>", "<!subteam^S0LAB", "@discord-role:", "<@&>", "<@&" + "9" * 5000 + ">",
    "#slack:" + "C" * 65, "<!here>", "<!channel>", "<!everyone>", "@here", "@everyone",
    "<!subteam^S0LAB|" + "n" * 300 + ">", "<!subteam^S0\x00>", "@slack-role:1", "@discord:S0LAB",
    "<!subteam^S0LAB|\udcff>", "<#C0REVIEW|\x1b[2J>", "@slack:s0lab", "#slack:", "<@&-1>",
)  # fmt: skip
ODD_QUOTED = (
    '""', '" "', '"Acme AI', "“Acme AI", '"a\x00b"', '"a\udcffb"', '"a\x1bb"', '"line\nbreak"',
    '"tab\there"', "«»", '"""', '"a"b"', '"' + "x" * 5000 + '"',
)  # fmt: skip
ODD_TEXTS = (
    "a\x00b", "note\udcffhere", "bell\x07", "esc\x1b[2J", "del\x7f", "nel\x85", "ls\u2028ps",
    "=HYPERLINK(\"http://evil\",\"x\")", "line\nbreak", "tab\there", "\r\n", "until 2026-12-20",
    "until soon", "next 2026-03-10 10:00",
)  # fmt: skip
BAD_ENTRY_IDS = (
    "0", "#0", "-1", "999999", "9" * 18, "9" * 19, "9" * 40, "9" * 5000, "#" + "1" * 5000, "²", "١",
    "#١٢", "１２", "1.5", "0x10", "1_000", "+1", "##1", "#", "1e3", "12 13",
)  # fmt: skip
NOISE_LINES = (
    "", " ", "\t", "\n", "/", "//", "/ /", "\x00", "\udcff", "/\udcff", "/hours\x00", "/HELP",
    "/Help me", "exit", "quit", "status", "9" * 5000, "/" + "x" * 5000, '/hours log "',
    "/hours log “", "“”", "/project add « unclosed",
)  # fmt: skip


# ---------------------------------------------------------------------------------------------
# One strategy per parameter kind


@cache
def codes() -> SearchStrategy[tuple[Part, ...]]:
    """Existing project codes (any case, mine or not), near typos, and bad codes."""
    cases = ("", "lower", "title", "swapcase")
    return weighted(
        (14, one(pick("code:mine", cases=cases))),
        (3, one(pick("code", cases=cases))),
        (1, one(pick("code:paused"))),
        (1, one(pick("code:closed"))),
        (1, one(pick("code:other"))),
        (1, one(pick("code", forms=("{}X", "X{}", "{}-", "-{}", "{}_1", "{} x", '"{}"')))),
        (
            1,
            words(*BAD_CODES),
        ),
        (1, hostile()),
    )


@cache
def new_codes() -> SearchStrategy[tuple[Part, ...]]:
    """Fresh valid codes (often lower case), taken codes, and codes that break the pattern."""
    valid = st.from_regex(r"[A-Z0-9][A-Z0-9-]{1,31}", fullmatch=True)
    return weighted(
        (6, one(valid)),
        (2, one(valid.map(str.lower))),
        (2, one(pick("code", cases=("", "lower")))),
        (
            1,
            words("X", "-AB", "AB_C", "A" * 33, "ÜBER", "ＡＢ", "A B", "1" * 5000, "AB\x00"),
        ),
        (1, hostile()),
    )


CLIENT_NAMES = (
    "Acme AI",
    "acme ai",
    "ACME AI",
    "Über AI 🚀",
    "über ai 🚀",
    "ÜBER AI 🚀",
    "Globex",
    "Straße GmbH",
    "STRASSE GMBH",
    "Initech",
    "Nobody Inc",
)


@cache
def subjects() -> SearchStrategy[tuple[Part, ...]]:
    """A client name (any case, also folded) or a code, as the rest of the line."""
    cases = ("", "lower", "upper", "casefold", "title")
    return weighted(
        (4, one(pick("client", cases=cases))),
        (3, one(pick("code", cases=("", "lower")))),
        (3, st.sampled_from(CLIENT_NAMES).map(lambda name: tuple(name.split(" ")))),
        (2, one(pick("client", forms=('"{}"', "“{}”", '"{}')))),
        (2, hostile()),
    )


@cache
def durations() -> SearchStrategy[tuple[Part, ...]]:
    """Every duration form SPEC lists, values out of range, and hostile numbers."""
    hour_units = st.sampled_from(("h", "H", "hr", "hrs", "hour", "hours", "Hours", "HRS"))
    minute_units = st.sampled_from(("m", "M", "min", "mins", "minute", "minutes", "MIN"))
    glue = st.sampled_from(("", " "))
    # Mostly what people log; now and then the edges (0, 24 h and past it).
    hours = weighted((5, st.integers(1, 8)), (1, st.integers(0, 26))).map(str)
    fraction = st.sampled_from(("1.5", "1,5", ".5", ",5", "0.25", "2.0", "1.333", "0.01", "23.99"))
    minutes = weighted((5, st.integers(1, 240)), (1, st.integers(0, 1500))).map(str)

    def joined(*parts: SearchStrategy[str]) -> SearchStrategy[tuple[Part, ...]]:
        """Parts concatenated, then split where they hold spaces (`2 h` is two words)."""
        return st.tuples(*parts).map(lambda got: tuple("".join(got).split(" ")))

    return weighted(
        (4, joined(hours, glue, hour_units)),
        (2, joined(fraction, glue, hour_units)),
        (3, joined(minutes, glue, minute_units)),
        (
            3,
            joined(
                hours,
                glue,
                hour_units,
                glue,
                weighted((5, st.integers(0, 59)), (1, st.integers(0, 70))).map(str),
                st.sampled_from(("", "m", "min", " m", " minutes")),
            ),
        ),
        (
            2,
            joined(hours, st.just(":"), st.integers(0, 61).map("{:02}".format)),
        ),
        (
            1,
            words(*DURATION_WORDS),
        ),
        (1, hostile()),
    )


WEEKDAY_WORDS = (
    "mon", "tue", "tues", "wed", "weds", "thu", "thurs", "fri", "sat", "sun", "Monday",
    "TUESDAY", "wednesday", "Thursday", "friday", "Saturday", "sunday", "Fri.",
)  # fmt: skip
MONTH_DAY = (
    "Mar 3", "3 March", "March 3rd", "Mar 1st", "Feb 28", "Feb 29", "Feb 30", "Dec 3",
    "3 December", "December 31", "Jan 1", "Sept 9", "3rd of March", "Mar 3 2026", "Mar 32",
    "Apr 31",
)  # fmt: skip
# Look like a date or a relative day, but are not one SPEC understands: refused, never a note.
DATE_LIKE = (
    "last friday", "30.11.", "next week", "20/12", "12/03", "03.12.2026", "01.12.2026",
    "9999-12-31", "0001-01-01", "1999-12-31", "3000-01-01", "2026-02-30", "2026-13-01",
    "2026-00-10", "2026/03/02", "2026.03.02", "3 days ago", "a week ago", "next monday",
    "this week", "last week", "last month", "next year", "day before yesterday", "tmrw",
    "tomorow", "yday", "this friday", "coming monday", "12-03", "4.3.", "3/4/26",
)  # fmt: skip


@cache
def dates(*, ahead: bool = False) -> SearchStrategy[tuple[Part, ...]]:
    """Dates in every SPEC form around the suite's today, date-like words, hostile dates."""

    def iso(offset: int, padded: bool) -> str:
        day = TODAY + timedelta(days=offset)
        return day.isoformat() if padded else f"{day.year}-{day.month}-{day.day}"

    span = st.integers(1, 400) if ahead else st.integers(-15, 1)
    return weighted(
        (5, words("today", "yesterday", "Today", "YESTERDAY", "tomorrow")),
        (7, one(st.builds(iso, span, st.booleans()))),
        (1, one(st.builds(iso, st.integers(-400, 400), st.booleans()))),
        (3, st.sampled_from(WEEKDAY_WORDS).map(lambda day: (day,))),
        (2, st.sampled_from(WEEKDAY_WORDS).map(lambda day: ("last", day))),
        (2, st.sampled_from(MONTH_DAY).map(lambda text: tuple(text.split(" ")))),
        (3, st.sampled_from(DATE_LIKE).map(lambda text: tuple(text.split(" ")))),
        (
            1,
            words(*ODD_DATES),
        ),
        (1, hostile()),
    )


CLOCK_TIMES = ("15:00", "9:30", "09:05", "0:00", "23:59")
BAD_CLOCK_TIMES = ("24:00", "23:60", "25:00", "12:5", "1:30pm", "15h", "noon", "15:00:00", "١٥:٠٠")


@cache
def whens(*, ahead: bool = False) -> SearchStrategy[tuple[Part, ...]]:
    """A date, sometimes followed by a time of day (`2026-12-20 15:00`), good or bad."""
    return weighted(
        (4, dates(ahead=ahead)),
        (
            3,
            st.tuples(dates(ahead=ahead), st.sampled_from(CLOCK_TIMES)).map(
                lambda got: (*got[0], got[1])
            ),
        ),
        (
            1,
            st.tuples(dates(ahead=ahead), st.sampled_from(BAD_CLOCK_TIMES)).map(
                lambda got: (*got[0], got[1])
            ),
        ),
        (1, words("15:00", "tomorrow 15:00 16:00", "15:00 tomorrow")),
    )


@cache
def person() -> SearchStrategy[Part]:
    """One person: @me, known people in every written form, new people, groups, bad names."""
    new_name = st.from_regex(r"[a-z][a-z0-9._-]{0,11}", fullmatch=True)
    return weighted(
        (2, st.sampled_from(("@me", "@ME", "@Me"))),
        (4, pick("console-name", forms=("@{}",), cases=("", "upper", "title"))),
        (3, pick("identity", forms=("@{}",))),
        (2, pick("slack-id", forms=("<@{}>", "<@{}|someone>", "@slack:{}"))),
        (2, pick("discord-id", forms=("<@{}>", "<@!{}>", "@discord:{}"))),
        (3, new_name.map("@{}".format)),
        (1, new_name.map("@slack:U{}".format)),
        (
            1,
            st.sampled_from(KNOWN_MENTIONS),
        ),
        (
            2,
            st.sampled_from(BAD_PEOPLE),
        ),
        (1, hostile().map(operator.itemgetter(0))),
    )


@cache
def group() -> SearchStrategy[Part]:
    """One group, in every written form, known to the fake platform or not; or a bad one."""
    return weighted((3, st.sampled_from(GOOD_GROUPS)), (1, st.sampled_from(BAD_GROUPS)))


@cache
def audience() -> SearchStrategy[Part]:
    """One person or one group."""
    return weighted((3, person()), (2, group()))


@cache
def usable_person() -> SearchStrategy[Part]:
    """A person written in a form every platform reads: @me, or a full identity."""
    new_name = st.from_regex(r"[a-z][a-z0-9]{0,8}", fullmatch=True)
    return weighted(
        (1, st.just("@me")),
        (4, pick("identity", forms=("@{}",))),
        (1, new_name.map("@console:{}".format)),
    )


USABLE_GROUPS = ("@slack:S0LAB", "#slack:C0REVIEW", "@discord-role:4242", "@slack:S0BIG")


@cache
def audiences() -> SearchStrategy[tuple[Part, ...]]:
    """People and groups, one to four: mostly all readable, else with anything mixed in."""
    usable = weighted((4, usable_person()), (1, st.sampled_from(USABLE_GROUPS)))
    return weighted(
        (3, st.lists(usable, min_size=1, max_size=3).map(tuple)),
        (2, st.lists(audience(), min_size=1, max_size=4).map(tuple)),
    )


@cache
def group_lists() -> SearchStrategy[tuple[Part, ...]]:
    """Groups to follow, or `off`; or people where only groups may stand."""
    return weighted(
        (3, st.lists(st.sampled_from(USABLE_GROUPS), min_size=1, max_size=2).map(tuple)),
        (2, st.lists(group(), min_size=1, max_size=3).map(tuple)),
        (2, words("off", "OFF", "Off")),
        (1, st.lists(audience(), min_size=1, max_size=3).map(tuple)),
        (1, words("off @slack:S0LAB", "@slack:S0LAB off", "of")),
        (1, hostile()),
    )


@cache
def discord_roles() -> SearchStrategy[tuple[Part, ...]]:
    """A Discord role, well written or not."""
    return weighted(
        (3, words("<@&4242>", "@discord-role:4242", "<@&9999>")),
        (1, one(group())),
        (1, hostile()),
    )


@cache
def people() -> SearchStrategy[tuple[Part, ...]]:
    """One to four people: mostly all readable, else with anything mixed in."""
    return weighted(
        (3, st.lists(usable_person(), min_size=1, max_size=3).map(tuple)),
        (2, st.lists(person(), min_size=1, max_size=4).map(tuple)),
    )


@cache
def channels() -> SearchStrategy[tuple[Part, ...]]:
    """Channels in every written form, and things that are not channels."""
    return weighted(
        (
            4,
            words(*GOOD_CHANNELS),
        ),
        (
            2,
            words(*BAD_CHANNELS),
        ),
        (1, hostile()),
    )


@cache
def quoted_texts() -> SearchStrategy[str]:
    """Printable text to put inside quotes (no quote marks of its own)."""
    return st.text(READABLE | st.just(" "), min_size=1, max_size=30)


@cache
def word_values() -> SearchStrategy[tuple[Part, ...]]:
    """One word or one "quoted string": names and titles, in every quote style, and too long."""
    quote_forms = ('"{}"', "“{}”", "„{}“", "«{}»")
    return weighted(
        (4, one(st.builds(str.format, st.sampled_from(quote_forms), quoted_texts()))),
        (3, one(st.sampled_from(CLIENT_NAMES).map('"{}"'.format))),
        (2, one(pick("client", forms=quote_forms, cases=("", "casefold", "upper")))),
        (2, one(st.text(READABLE, min_size=1, max_size=12))),
        (
            2,
            one(
                st.builds(
                    str.format,
                    st.sampled_from(('"{}"', "{}")),
                    repeated(("C", "é", "🚀", "x"), (99, 100, 101, 199, 200, 201, 300, 301, 5000)),
                )
            ),
        ),
        (
            1,
            words(*ODD_QUOTED),
        ),
        (1, hostile()),
    )


NOTE_WORDS = (
    "fixed", "the", "labels", "review", "batch", "7", "until", "next", "last", "friday", "week",
    "yesterday", "today", "2h", "1:30", "Dec", "3", "@con", "#general", "—", "naïve", "日本語",
    "🚀", "=SUM(A1)", "+cmd", "-x", "@SUM(1)",
)  # fmt: skip


@cache
def texts() -> SearchStrategy[tuple[Part, ...]]:
    """Free text: ordinary notes, date-like starts, notes at and over 500 characters, junk."""
    note_words = st.sampled_from(NOTE_WORDS) | st.text(READABLE, min_size=1, max_size=10)
    return weighted(
        (14, st.lists(note_words, min_size=1, max_size=6).map(tuple)),
        (
            3,
            st.tuples(
                st.sampled_from((*DATE_LIKE, "last friday", "Dec 3", "until next week")),
                st.lists(note_words, max_size=3),
            ).map(lambda got: (*got[0].split(" "), *got[1])),
        ),
        (
            2,
            one(repeated(("x", "é", "🚀", "日"), (499, 500, 501, 600, 1000))),
        ),
        (1, st.lists(st.sampled_from(("word", "ok", "é")), min_size=80, max_size=130).map(tuple)),
        (
            2,
            words(*ODD_TEXTS),
        ),
        (2, hostile()),
        (1, st.lists(st.text(ANY_CHAR, min_size=1, max_size=8), min_size=1, max_size=4).map(tuple)),
    )


@cache
def choices(param: Param) -> SearchStrategy[tuple[Part, ...]]:
    """The parameter's choices in any case, near misses and hostile words."""
    good = st.sampled_from(param.choices)
    return weighted(
        (5, one(good)),
        (2, one(good.map(str.upper))),
        (1, one(good.map(lambda word: word + "s"))),
        (1, one(good.map(lambda word: f'"{word}"'))),
        (1, words("boss", "admins", "all", "on", "off", "yes", "x" * 300)),
        (1, hostile()),
    )


@cache
def entry_ids() -> SearchStrategy[tuple[Part, ...]]:
    """Ids of my entries, deleted ones and others', written `12` or `#12`; and bad ids."""
    forms = ("{}", "#{}")
    return weighted(
        (6, one(pick("entry:own", forms=forms))),
        (1, one(pick("entry:gone", forms=forms))),
        (2, one(pick("entry:other", forms=forms))),
        (
            2,
            words(*BAD_ENTRY_IDS),
        ),
        (1, hostile()),
    )


ZONES = (
    "Europe/Paris", "America/New_York", "Asia/Kolkata", "Pacific/Kiritimati", "Etc/GMT+12",
    "Etc/GMT-14", "UTC", "Asia/Kathmandu", "Australia/Lord_Howe", "America/St_Johns",
)  # fmt: skip
BAD_ZONES = (
    "Mars/Olympus", "europe/paris", "Europe", "Europe/", "/etc/localtime", "../../etc/passwd",
    "Europe/../UTC", ".", "..", "zone.tab", "tzdata.zi", "posixrules", "Factory", "localtime",
    "right/UTC", "posix/Europe/Paris", "GMT+25", "+02:00", "CET\x00", "UTC\udcff",
    "Europe/Paris" * 20, "A" * 5000,
)  # fmt: skip


@cache
def zones() -> SearchStrategy[tuple[Part, ...]]:
    """IANA zones, odd-but-real files in the zone database, and things that are not zones."""
    return weighted(
        (4, one(st.sampled_from(ZONES))),
        (3, one(st.sampled_from(BAD_ZONES))),
        (1, hostile()),
    )


AMOUNTS = ("21", "21.50", "0", "16", "0.01", "99999999.99", "007.10")
BAD_AMOUNTS = (
    "1e3", "-5", "21.555", "1,50", "1,234.50", "100000000", "inf", "NaN", "$21", "٢١",
    "21.5.0", "0x10", "1_000", "+21", ".5", "21.", "9" * 40, "9" * 5000, "1." + "0" * 5000,
    "0." + "0" * 5000 + "1", "sNaN", "Infinity", "-0", "２１",
)  # fmt: skip
CURRENCIES = ("USD", "eur", "JPY", "GBP", "Chf")
BAD_CURRENCIES = ("XYZ", "US", "dollars", "XXX", "ÜSD", "usd\x00", "US D", "€")


@cache
def money_amounts() -> SearchStrategy[tuple[Part, ...]]:
    """Hourly rates as people type them, spellings of floats and other things that are not."""
    return weighted(
        (4, one(st.sampled_from(AMOUNTS))),
        (3, one(st.sampled_from(BAD_AMOUNTS))),
        (1, hostile()),
    )


@cache
def currency_codes() -> SearchStrategy[tuple[Part, ...]]:
    """ISO 4217 codes in any case, and codes that are not."""
    return weighted(
        (4, one(st.sampled_from(CURRENCIES))),
        (2, one(st.sampled_from(BAD_CURRENCIES))),
        (1, hostile()),
    )


@cache
def value(param: Param) -> SearchStrategy[tuple[Part, ...]]:
    """The words one parameter's value is written as, by its kind."""
    kind = param.kind
    if kind is Kind.DATE:
        return dates(ahead=param.ahead)
    if kind is Kind.WHEN:
        return whens(ahead=param.ahead)
    if kind is Kind.CHOICE:
        return choices(param)
    return KIND_STRATEGIES[kind.value]()


# By the kind's value, so a kind the core adds or renames fails the fuzz test's coverage check
# (test_every_parameter_kind_has_a_strategy) rather than this import. CHOICE and DATE and WHEN
# are read with their parameter (see `value`).
KIND_STRATEGIES = {
    "code": codes,
    "new_code": new_codes,
    "subject": subjects,
    "duration": durations,
    "date": dates,
    "person": lambda: weighted((2, one(usable_person())), (3, one(person()))),
    "people": people,
    "channel": channels,
    "word": word_values,
    "text": texts,
    "choice": lambda: words("any"),
    "entry_id": entry_ids,
    "zone": zones,
    "when": whens,
    "audience": lambda: weighted((2, one(usable_person())), (2, one(audience()))),
    "audiences": audiences,
    "groups": group_lists,
    "role": discord_roles,
    "amount": money_amounts,
    "currency": currency_codes,
}

# ---------------------------------------------------------------------------------------------
# Whole lines


@cache
def heads(cmd: Command) -> SearchStrategy[tuple[Part, ...]]:
    """How the command itself is typed: usually plainly, sometimes in odd case or spacing."""
    group, name = cmd.group, cmd.name
    return weighted(
        (12, st.just((f"/{group}", name))),
        (
            1,
            st.sampled_from(
                (
                    (f"/{group.upper()}", name.capitalize()),
                    (group, name),
                    (f"//{group}", name),
                    (f"/{group}\t{name}",),
                    (f"/{group}\u00a0{name}",),
                    (f"/{group}", name, "help"),
                    (f"/{group}{name}",),
                    (f"/{group}", name[:-1] or name),
                )
            ),
        ),
    )


MUTATIONS = st.sampled_from(
    ("keep",) * 20 + ("drop", "duplicate", "swap", "reverse", "extra", "extra", "cut")
)
POSITION = st.integers(0, 999)  # a position in a line, taken modulo its length
GIVEN = st.sampled_from((True, True, False))  # an optional parameter is given, or left out
KEYWORD_GIVEN = st.sampled_from((False, True))
HUGE = st.sampled_from((False,) * 60 + (True,))  # now and then, a huge word somewhere


@cache
def extras() -> SearchStrategy[tuple[Part, ...]]:
    """Words added where no parameter wants them."""
    return weighted(
        (2, hostile()), (2, texts()), (1, dates()), (1, durations()), (1, one(person()))
    )


@st.composite
def mutated(draw, groups: list[tuple[Part, ...]]) -> list[tuple[Part, ...]]:
    """The parameter values, mostly as they are; else in the wrong order, short or long."""
    how = draw(MUTATIONS)
    groups = list(groups)
    if how == "keep" or (not groups and how != "extra"):
        return groups
    at = draw(POSITION) % max(len(groups), 1)
    if how == "drop":
        del groups[at]
    elif how == "duplicate":
        groups.insert(at, groups[at])
    elif how == "swap" and len(groups) > 1:
        other = draw(POSITION) % len(groups)
        groups[at], groups[other] = groups[other], groups[at]
    elif how == "reverse":
        groups.reverse()
    elif how == "extra":
        groups.insert(draw(POSITION) % (len(groups) + 1), draw(extras()))
    elif how == "cut":
        groups = groups[:at]
    return groups


@st.composite
def command_line(draw, cmd: Command) -> Template:
    """A whole line for one command, its words derived from the declared parameters."""
    groups: list[tuple[Part, ...]] = []
    for param in cmd.params:
        if param.keyword or (param.optional and not draw(GIVEN)):
            continue
        groups.append(draw(value(param)))
    for param in cmd.params:
        if param.keyword and draw(KEYWORD_GIVEN):
            keyword = param.keyword.upper() if draw(POSITION) % 5 == 0 else param.keyword
            groups.append((keyword, *draw(value(param))))
    if draw(HUGE):
        groups.insert(draw(POSITION) % (len(groups) + 1), draw(huge()))
    groups = draw(mutated(groups))
    return (*draw(heads(cmd)), *(part for group in groups for part in group))


VOCABULARY = (
    "/hours", "/project", "/ops", "/help", "help", "log", "week", "edit", "delete", "tz",
    "status", "list", "add", "pause", "resume", "close", "assign", "unassign", "channel",
    "history", "summary", "impact", "export", "role", "link", "until", "from", "to", "ACME",
    "2h", "yesterday", "@me", "#general", "exit", "quit", "/exit", "/nothing", "/",
)  # fmt: skip


@cache
def noise() -> SearchStrategy[Template]:
    """Lines that are no command at all, or command words in random order."""
    return weighted(
        (3, st.text(ANY_CHAR, max_size=60).map(lambda text: (text,))),
        (3, st.lists(st.sampled_from(VOCABULARY) | hostile().map(lambda got: got[0]), max_size=7)),
        (
            1,
            words(*NOISE_LINES),
        ),
    ).map(tuple)


def command_weight(cmd: Command, role: Role) -> int:
    """How often a command is drawn for a role: what the role may do far more than the rest."""
    if not role.includes(cmd.role):
        return 1
    if (cmd.group, cmd.name) == ("hours", "log"):
        return 12
    if (cmd.group, cmd.name) == ("hours", "edit"):
        return 6
    return 4


@cache
def lines_for(role: Role) -> SearchStrategy[Template]:
    """Lines a person of this role might type: every command (weighted to theirs), and noise."""
    options = [(command_weight(cmd, role), command_line(cmd)) for cmd in COMMANDS.values()]
    total = sum(weight for weight, _ in options)
    return weighted(*options, (max(total // 9, 1), noise()))
