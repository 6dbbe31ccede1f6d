"""Money: amounts read strictly, ISO 4217 currencies, and exact sums rounded only when written.

Money is never a float. A rate is a `Decimal` with at most two places; what hours earn is summed
as exact fractions (minutes × rate ÷ 60 need not end in two places), and rounded half-up to
two places only when it is written (`"1234.50"`).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from functools import cache

import pycountry

from bot.core.errors import InvalidInput
from bot.core.parsing import shown

CENT = Decimal("0.01")
# The largest hourly rate pausebot takes (a Numeric(12, 2) column holds it with room to spare).
MAX_RATE = Decimal("99999999.99")
MINUTES_PER_HOUR = 60
AMOUNT_HINT = "write an hourly rate like 21 or 21.50"
CURRENCY_HINT = "write a currency code like USD, EUR or GBP"
# ISO 4217 codes that name no money one is paid in: no currency, and the code for tests.
NOT_MONEY = frozenset({"XXX", "XTS"})

_AMOUNT = re.compile(r"[0-9]{1,16}(?:\.[0-9]{1,16})?", re.ASCII)
_CODE = re.compile(r"[A-Za-z]{3}", re.ASCII)


def parse_amount(text: str) -> Decimal:
    """An hourly rate: digits with at most two decimal places, from 0 to 99999999.99.

    Floats' spellings (`1e3`, `inf`, `nan`), signs, thousands separators, decimal commas
    and currency symbols are refused, never guessed at.
    """
    raw = text.strip()
    if not _AMOUNT.fullmatch(raw):
        if raw.startswith("-"):
            raise InvalidInput(f"{shown(text)} is negative; a rate is 0 or more: {AMOUNT_HINT}.")
        if "," in raw:
            raise InvalidInput(
                f"{shown(text)} has a comma; {AMOUNT_HINT}, with a dot and no thousands separator."
            )
        raise InvalidInput(f"{shown(text)} is not an amount: {AMOUNT_HINT}.")
    _, _, places = raw.partition(".")
    if len(places) > 2:
        raise InvalidInput(f"{shown(text)} has more than two decimal places: {AMOUNT_HINT}.")
    value = Decimal(raw)
    if value > MAX_RATE:
        raise InvalidInput(
            f"{shown(text)} is too large for an hourly rate; the most is {MAX_RATE}."
        )
    return value.quantize(CENT)


@cache
def currencies() -> dict[str, str]:
    """Every ISO 4217 currency code pausebot takes, with its name, from pycountry."""
    return {
        currency.alpha_3: currency.name
        for currency in pycountry.currencies
        if currency.alpha_3 not in NOT_MONEY
    }


def parse_currency(text: str) -> str:
    """An ISO 4217 currency code, in upper case (`usd` is USD)."""
    raw = text.strip()
    code = raw.upper()
    if not _CODE.fullmatch(raw) or code not in currencies():
        raise InvalidInput(f"{shown(text)} is not an ISO 4217 currency code; {CURRENCY_HINT}.")
    return code


def two_places(value: Decimal | Fraction) -> str:
    """An amount as written: rounded half-up to two places, like `1234.50`."""
    return f"{rounded(value):f}"


def rounded(value: Decimal | Fraction) -> Decimal:
    """An exact amount rounded half-up to cents."""
    if isinstance(value, Decimal):
        return value.quantize(CENT, rounding=ROUND_HALF_UP)
    cents = abs(value) * 100
    whole = int(cents)
    if cents - whole >= Fraction(1, 2):
        whole += 1
    return Decimal(-whole if value < 0 else whole).scaleb(-2)


def price(minutes: int | Fraction, rate: Decimal) -> Fraction:
    """What minutes earn at an hourly rate, exactly."""
    return Fraction(minutes) * Fraction(rate) / MINUTES_PER_HOUR


class Tally:
    """Exact amounts by currency and by what they are for (worked, blocked, estimated lost)."""

    def __init__(self) -> None:
        self.sums: dict[str, dict[str, Fraction]] = defaultdict(lambda: defaultdict(Fraction))

    def add(self, currency: str, what: str, amount: Fraction) -> None:
        """Add an exact amount."""
        self.sums[currency][what] += amount

    def merge(self, other: Tally) -> None:
        """Add another tally's amounts to this one."""
        for currency, items in other.sums.items():
            for what, amount in items.items():
                self.add(currency, what, amount)

    @classmethod
    def total(cls, tallies: Iterable[Tally]) -> Tally:
        """The exact sum of several tallies."""
        summed = cls()
        for tally in tallies:
            summed.merge(tally)
        return summed

    def written(self, what: str) -> dict[str, Decimal]:
        """One kind of amount by currency, rounded to cents."""
        return {currency: rounded(items[what]) for currency, items in sorted(self.sums.items())}

    def __bool__(self) -> bool:
        return bool(self.sums)
