"""Statements as files: what `/hours statement` and `/ops statement` send (a PDF and a CSV)."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from bot.commands.base import Context
from bot.commands.reply import Attachment, Reply
from bot.core import present, statements
from bot.core.pdf import statement_pdf
from bot.core.readmodels import Statement, StatementMade
from bot.db.models import Contractor

PDF = "application/pdf"
CSV = "text/csv"


def zone_of(contractor: Contractor, default: str) -> ZoneInfo:
    """The contractor's time zone, in which their dates are read."""
    return ZoneInfo(contractor.tz or default)


def statement_files(made: Statement) -> tuple[Attachment, Attachment]:
    """A statement as its PDF and its CSV file, named after the person and the period."""
    stem = statements.file_stem(made)
    return (
        Attachment(f"{stem}.pdf", statement_pdf(made), PDF),
        Attachment(f"{stem}.csv", statements.statement_csv(made).encode(), CSV),
    )


async def statement_reply(
    ctx: Context, contractor: Contractor, first: date | None, last: date | None
) -> Reply:
    """A contractor's statement over a period (default the last 90 days), as two files."""
    zone = zone_of(contractor, ctx.settings.PAUSEBOT_TZ)
    first, last = statements.period(first, last, today=ctx.now.astimezone(zone).date())
    made = await statements.statement(
        ctx.db, contractor=contractor, first=first, last=last, zone=zone
    )
    pdf, csv = statement_files(made)
    worked, blocked, _amounts = statements.totals(made)
    result = StatementMade(
        contractor=made.contractor,
        first=first,
        last=last,
        projects=len(made.projects),
        worked_minutes=worked,
        blocked_minutes=blocked,
        files=(pdf.filename, csv.filename),
        digest=made.digest,
    )
    return Reply.of(result, present.statement_made(result), attachment=pdf, more_attachments=(csv,))
