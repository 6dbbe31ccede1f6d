"""Rates and money: exact amounts in the impact report and the daily summary, worked out by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.core import reports
from bot.core.errors import InvalidInput
from bot.core.money import Tally, parse_amount, parse_currency, rounded, two_places
from bot.db.models import Rate
from tests.conftest import snapshot


def t(month: int, day: int, hour: int = 20) -> datetime:
    """A moment in 2026, UTC."""
    return datetime(2026, month, day, hour, 0, tzinfo=UTC)


@pytest.fixture
async def priced(say, clock):
    """ACME and BETA of Acme AI with rates, a rate change and an override, hours and a pause.

    ACME: 20 USD from Feb 1, 24 USD from Feb 16; carol's own 30 EUR from Feb 10.
    BETA: 20 USD from Feb 1. ACME paused Feb 23 15:00, resumed Mar 2 10:00 (UTC).
    """
    clock.set(t(1, 15, 9))
    await say.ok("admin", '/project add ACME "Acme AI" "Labeling"')
    await say.ok("admin", '/project add BETA "Acme AI" "Audio"')
    await say.ok("admin", "/project assign ACME @bob @carol @dave")
    await say.ok("admin", "/project assign BETA @carol")
    steps = [
        (t(1, 20), "dave", "/hours log ACME 2h 2026-01-20 before any rate"),
        (t(2, 5), "bob", "/hours log ACME 8h 2026-02-05"),
        (t(2, 9), "carol", "/hours log ACME 4h 2026-02-09 at the project rate"),
        (t(2, 10), "bob", "/hours log ACME 90m 2026-02-10"),
        (t(2, 11), "bob", "/hours log ACME 1m 2026-02-11"),
        (t(2, 11), "carol", "/hours log BETA 1m 2026-02-11"),
        (t(2, 12), "carol", "/hours log ACME 5h 2026-02-12"),
        (t(2, 17), "bob", "/hours log ACME 8h 2026-02-17"),
        (t(2, 20), "carol", "/hours log ACME 1h30m 2026-02-20"),
        (t(2, 23, 15), "admin", "/project pause ACME client review"),
        (t(2, 25), "carol", "/hours log ACME 2h 2026-02-25"),
        (t(2, 26), "bob", "/hours log ACME 5h 2026-02-26"),
        (t(3, 2, 10), "admin", "/project resume ACME review done"),
    ]
    for when, who, line in steps:
        clock.set(when)
        await say.ok(who, line)
    clock.set(t(3, 4, 10))
    await say.ok("admin", "/project rate ACME 20 USD from 2026-02-01")
    await say.ok("admin", "/project rate ACME 24 USD from 2026-02-16")
    await say.ok("admin", "/project rate BETA 20 usd from 2026-02-01")
    await say.ok("admin", "/ops rate @carol ACME 30 EUR from 2026-02-10")


def projects_of(report: dict) -> dict[str, dict]:
    """Project rows of an impact report by code."""
    return {p["project"]: p for c in report["clients"] for p in c["projects"]}


async def test_impact_amounts_entry_by_entry_at_the_rate_in_force(priced, say):
    """Every figure below is worked out by hand from the rates, the override and the dates."""
    report = (await say.ok("admin", "/ops impact")).data.to_json()
    acme = projects_of(report)["ACME"]
    # USD worked: bob Feb 5 8h at 20 = 160, Feb 10 90m at 20 = 30, Feb 11 1m at 20 = 1/3,
    # Feb 17 8h at 24 = 192; carol Feb 9 4h at the project's 20 (her own rate starts Feb 10)
    # = 80: 462 1/3. Dave's Jan 20 hours come before any rate and earn nothing.
    # Blocked: bob Feb 26 5h at 24 = 120 USD; carol Feb 25 2h at 30 EUR = 60 EUR.
    # Estimated lost: baseline Feb 9..22, bob 90 + 1 + 480 = 571, carol 240 + 300 + 90 = 630,
    # over 6 whole dates (Feb 24..Mar 1): bob 571 × 6 / 14 min at 24 USD = 97.8857… → 97.89;
    # carol 630 × 6 / 14 = 270 min at her 30 EUR on Feb 23 = 135.
    assert acme["amounts"] == {
        "EUR": {"worked": "195.00", "blocked": "60.00", "estimated_lost": "135.00"},
        "USD": {"worked": "462.33", "blocked": "120.00", "estimated_lost": "97.89"},
    }
    assert acme["worked_minutes"] == 120 + 480 + 240 + 90 + 1 + 300 + 480 + 90
    assert acme["estimated_lost_minutes"] == round((571 + 630) * 6 / 14)
    beta = projects_of(report)["BETA"]
    assert beta["amounts"] == {
        "USD": {"worked": "0.33", "blocked": "0.00", "estimated_lost": "0.00"}
    }
    (client,) = report["clients"]
    # The client's figures are summed exactly, then rounded: 462 1/3 + 1/3 = 462.67, where the
    # rounded project figures would add up to 462.66.
    assert client["amounts"] == {
        "EUR": {"worked": "195.00", "blocked": "60.00", "estimated_lost": "135.00"},
        "USD": {"worked": "462.67", "blocked": "120.00", "estimated_lost": "97.89"},
    }


async def test_impact_over_a_range_prices_only_the_entries_in_it(priced, database, clock):
    """From Feb 10 to Feb 16: bob's 90m and 1m at 20 USD, carol's 5h at 30 EUR; no whole
    paused date, so nothing estimated lost."""
    async with database.transaction() as db:
        report = await reports.impact_report(
            db,
            zone=UTC,
            now=clock.now(),
            subject="ACME",
            first=date(2026, 2, 10),
            last=date(2026, 2, 16),
        )
    (row,) = report.clients[0].projects
    assert row.to_json()["amounts"] == {
        "EUR": {"worked": "150.00", "blocked": "0.00", "estimated_lost": "0.00"},
        "USD": {"worked": "30.33", "blocked": "0.00", "estimated_lost": "0.00"},
    }


async def test_daily_summary_amounts_for_a_paused_day(priced, say):
    """Feb 26, paused all day: bob's 5h blocked at 24 USD, and one date of estimated loss:
    bob 571 / 14 min at 24 USD = 16.314… → 16.31, carol 630 / 14 = 45 min at 30 EUR = 22.50."""
    summary = (await say.ok("admin", "/ops summary 2026-02-26")).data.to_json()
    expected = {
        "EUR": {"worked": "0.00", "blocked": "0.00", "estimated_lost": "22.50"},
        "USD": {"worked": "0.00", "blocked": "120.00", "estimated_lost": "16.31"},
    }
    assert summary["amounts"] == expected
    assert summary["hours"] == [
        {"project": "ACME", "worked_minutes": 0, "blocked_minutes": 300, "amounts": expected}
    ]
    text = (await say.ok("admin", "/ops summary 2026-02-26")).text
    assert "120.00 USD blocked" in text and "22.50 EUR estimated lost" in text


async def test_a_summary_without_rates_has_no_amounts(say):
    """Where no rate is set, the JSON carries no amounts at all."""
    await say.ok("admin", '/project add ACME "Acme AI" "Labeling"')
    await say.ok("admin", "/project assign ACME @bob")
    await say.ok("bob", "/hours log ACME 1h yesterday")
    summary = (await say.ok("admin", "/ops summary")).data.to_json()
    assert "amounts" not in summary and "amounts" not in summary["hours"][0]
    impact = (await say.ok("admin", "/ops impact")).data.to_json()
    assert "amounts" not in impact["clients"][0]
    assert "amounts" not in impact["clients"][0]["projects"][0]


async def test_a_new_rate_never_rewrites_the_past(say, clock):
    """A rate without `from` applies from today: yesterday's hours keep yesterday's rate."""
    clock.set(t(3, 1, 9))
    await say.ok("admin", '/project add ACME "Acme AI" "Labeling"')
    await say.ok("admin", "/project assign ACME @bob")
    await say.ok("admin", "/project rate ACME 21 USD from 2026-03-01")
    await say.ok("bob", "/hours log ACME 1h")
    clock.set(t(3, 2, 9))
    set_now = await say.ok("admin", "/project rate ACME 16 USD")
    assert set_now.data.to_json()["rate"]["from"] == "2026-03-02"
    assert set_now.data.to_json()["replaced"]["amount"] == "21.00"
    await say.ok("bob", "/hours log ACME 2h")
    report = (await say.ok("admin", "/ops impact ACME")).data.to_json()
    # Mar 1: 1h at 21; Mar 2: 2h at 16.
    assert projects_of(report)["ACME"]["amounts"]["USD"]["worked"] == "53.00"
    # Set again for the same date: the later one counts for that date.
    await say.ok("admin", "/project rate ACME 17.50 USD from 2026-03-02")
    report = (await say.ok("admin", "/ops impact ACME")).data.to_json()
    assert projects_of(report)["ACME"]["amounts"]["USD"]["worked"] == "56.00"


async def test_a_past_rate_before_a_later_one_applies_until_it(say, clock):
    """A rate set from an earlier date than one already set covers only the dates between."""
    clock.set(t(3, 4, 9))
    await say.ok("admin", '/project add ACME "Acme AI" "Labeling"')
    await say.ok("admin", "/project rate ACME 21 USD from 2026-03-01")
    earlier = await say.ok("admin", "/project rate ACME 16 USD from 2026-02-01")
    assert earlier.data.to_json()["until"] == "2026-03-01"
    assert "until the rate set from 2026-03-01 takes over" in earlier.text


@pytest.mark.parametrize(
    ("line", "field", "words"),
    [
        ("/project rate ACME 1e3 USD", "amount", "not an amount"),
        ("/project rate ACME -5 USD", "amount", "negative"),
        ("/project rate ACME 21.555 USD", "amount", "more than two decimal places"),
        ("/project rate ACME 1,50 EUR", "amount", "comma"),
        ("/project rate ACME 100000000 EUR", "amount", "too large"),
        ("/project rate ACME inf USD", "amount", "not an amount"),
        ("/project rate ACME NaN USD", "amount", "not an amount"),
        ("/project rate ACME $21 USD", "amount", "not an amount"),
        ("/project rate ACME 21 XYZ", "currency", "not an ISO 4217 currency code"),
        ("/project rate ACME 21 US", "currency", "not an ISO 4217 currency code"),
        ("/project rate ACME 21 XXX", "currency", "not an ISO 4217 currency code"),
        ("/project rate ACME 21 USD from 30.11.", "first", "30.11."),
        ("/ops rate @bob ACME 21 dollars", "currency", "not an ISO 4217 currency code"),
    ],
)
async def test_a_bad_amount_or_currency_is_refused_in_one_sentence(
    say, database, line, field, words
):
    """Floats, negatives, three places, huge values and unknown codes: one sentence, no change."""
    await say.ok("admin", '/project add ACME "Acme AI" "Labeling"')
    before = await snapshot(database)
    reply = await say("admin", line)
    assert not reply.ok and reply.field == field, reply.text
    assert words in reply.text and reply.text.endswith(".") and "\n" not in reply.text
    assert await snapshot(database) == before


async def test_amounts_are_stored_exactly(say, database):
    """The Numeric column gives back the Decimal that went in, on either engine."""
    await say.ok("admin", '/project add ACME "Acme AI" "Labeling"')
    await say.ok("admin", "/project rate ACME 99999999.99 JPY")
    await say.ok("admin", "/project rate ACME 0.10 USD")
    async with database.transaction() as db:
        amounts = (await db.scalars(select(Rate.amount).order_by(Rate.id))).all()
        assert await db.scalar(select(func.count()).select_from(Rate)) == 2
    assert amounts == [Decimal("99999999.99"), Decimal("0.10")]
    assert all(isinstance(amount, Decimal) for amount in amounts)


async def test_a_contractor_cannot_set_rates(say, database):
    """Rates are for admins; a contractor's try changes nothing."""
    await say.ok("admin", '/project add ACME "Acme AI" "Labeling"')
    await say.ok("admin", "/project assign ACME @bob")
    before = await snapshot(database)
    for line in ("/project rate ACME 99 USD", "/ops rate @bob ACME 99 USD"):
        reply = await say("bob", line)
        assert not reply.ok and reply.error_kind == "not_allowed"
    assert await snapshot(database) == before


def test_rounding_is_half_up_and_only_when_written():
    """Half a cent rounds up; an exact sum of thirds rounds once."""
    assert rounded(Fraction(1, 200)) == Decimal("0.01")
    assert rounded(Fraction(1, 300)) == Decimal("0.00")
    assert rounded(Decimal("2.675")) == Decimal("2.68")
    assert two_places(Decimal("1234.5")) == "1234.50"
    tally = Tally()
    for _ in range(3):
        tally.add("USD", "worked", Fraction(1, 3))
    assert tally.sums["USD"]["worked"] == 1


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("21", "21.00"),
        ("21.5", "21.50"),
        ("0", "0.00"),
        (" 007.10 ", "7.10"),
        ("99999999.99", None),
    ],
)
def test_amounts_people_type(text, value):
    """Plain digits with at most two places are read exactly."""
    assert parse_amount(text) == Decimal(value or text)


@given(st.decimals(min_value=0, max_value=Decimal("99999999.99"), places=2))
def test_every_two_place_amount_reads_back(value):
    """Any amount written with two places reads as itself."""
    assert parse_amount(f"{value:f}") == value


@given(st.text(max_size=30))
def test_any_text_is_an_amount_or_one_sentence(text):
    """Nothing typed as an amount raises anything but a one-sentence refusal."""
    try:
        value = parse_amount(text)
    except InvalidInput as exc:
        assert exc.message.endswith(".") and "\n" not in exc.message
    else:
        assert Decimal(0) <= value <= Decimal("99999999.99") and value == value.quantize(
            Decimal("0.01")
        )


def test_currency_codes_come_from_iso_4217():
    """Codes are checked against pycountry's ISO 4217 list, in any case."""
    assert parse_currency("usd") == "USD"
    assert parse_currency("JPY") == "JPY"
    for bad in ("ABC", "US", "USDX", "ÜSD", "", "XTS"):
        with pytest.raises(InvalidInput):
            parse_currency(bad)
