"""A statement made for the command line: the person by identity, the period as typed, and the
file in the format asked for."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.core.clock import SystemClock
from bot.core.errors import NotFound
from bot.core.parsing import parse_date
from bot.core.pdf import statement_pdf
from bot.core.people import find_identity
from bot.core.readmodels import Statement
from bot.core.statements import period, statement, statement_csv
from bot.core.words import IdentityKey
from bot.db.session import Database

FORMATS = ("json", "pdf", "csv")


def statement_bytes(made: Statement, fmt: str) -> bytes:
    """A statement as JSON (for scripts), PDF or CSV."""
    if fmt == "pdf":
        return statement_pdf(made)
    if fmt == "csv":
        return statement_csv(made).encode()
    return (json.dumps(made.to_json(), indent=2, ensure_ascii=False) + "\n").encode()


async def make_statement(
    database: Database,
    *,
    default_tz: str,
    identity: str,
    first: str | None,
    last: str | None,
    fmt: str,
    now: datetime | None = None,
) -> tuple[Statement, bytes]:
    """The statement of the contractor an identity belongs to, and its file's bytes."""
    key = IdentityKey.parse(identity)
    now = now or SystemClock().now()
    async with database.transaction() as db:
        found = await find_identity(db, key)
        if found is None:
            raise NotFound(f"pausebot does not know {key}; check the spelling.")
        contractor = found.contractor
        zone = ZoneInfo(contractor.tz or default_tz)
        today = now.astimezone(zone).date()
        start, end = period(
            parse_date(first, today) if first else None,
            parse_date(last, today) if last else None,
            today=today,
        )
        made = await statement(db, contractor=contractor, first=start, last=end, zone=zone)
    return made, statement_bytes(made, fmt)
