"""`/ops` commands: summary, impact, export, role, link."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from bot.commands.base import Context, command
from bot.commands.evidence import statement_reply
from bot.commands.params import Kind, Param, PersonRef
from bot.commands.project import rate_reply
from bot.commands.reply import Attachment, Reply
from bot.core import export, people, present, reports, weblogin
from bot.core.errors import InvalidInput
from bot.core.parsing import CLIENT_LIMIT
from bot.core.readmodels import ExportMade, Linked, RoleSet
from bot.core.words import Role

DATE_HELP = "today, yesterday, a weekday or YYYY-MM-DD"


@command(
    "ops",
    "summary",
    role=Role.OPS,
    summary="the daily summary (default yesterday)",
    params=(Param("date", Kind.DATE, "Day to summarise: " + DATE_HELP, optional=True, team=True),),
    slow=True,
)
async def summary(ctx: Context, *, date: date | None) -> Reply:
    """The daily summary for a date in the team's time zone."""
    day = date or ctx.team_today - timedelta(days=1)
    result = await reports.daily_summary(
        ctx.db,
        day=day,
        zone=ctx.settings.tz,
        now=ctx.now,
        summary_time=ctx.settings.SUMMARY_TIME,
        nudge_days=ctx.settings.UPDATE_NUDGE_DAYS,
    )
    return Reply.of(result, present.summary(result))


@command(
    "ops",
    "impact",
    role=Role.OPS,
    summary="the impact report, for everything or one client or project",
    params=(
        Param(
            "subject",
            Kind.SUBJECT,
            "Only this client (its name) or project (its code)",
            optional=True,
            limit=CLIENT_LIMIT,
            what="client name",
        ),
    ),
    slow=True,
)
async def impact(ctx: Context, *, subject: str | None) -> Reply:
    """The impact report."""
    report = await reports.impact_report(ctx.db, zone=ctx.settings.tz, now=ctx.now, subject=subject)
    return Reply.of(report, present.impact(report))


@command(
    "ops",
    "export",
    role=Role.OPS,
    summary="hours as a CSV file (no dates: everything)",
    params=(
        Param("first", Kind.DATE, "First work date", optional=True, alias="from"),
        Param("last", Kind.DATE, "Last work date", optional=True, alias="to"),
    ),
    slow=True,
)
async def export_(ctx: Context, *, first: date | None, last: date | None) -> Reply:
    """Hours as a CSV attachment."""
    if first and last and first > last:
        raise InvalidInput(f"{first} is after {last}; give the earlier date first.", field="first")
    counted = 0

    async def counting() -> export.Batches:
        """The export's batches, counting the rows as they pass."""
        nonlocal counted
        async for batch in export.hours_batches(ctx.db, first=first, last=last):
            counted += len(batch)
            yield batch

    content = "".join([chunk async for chunk in export.csv_chunks(counting())]).encode()
    name = f"pausebot-hours-{first or 'all'}-{last or ctx.today}.csv"
    result = ExportMade(filename=name, entries=counted)
    return Reply.of(result, present.export_made(result), attachment=Attachment(name, content))


@command(
    "ops",
    "role",
    role=Role.ADMIN,
    summary="set someone's role",
    params=(
        Param("who", Kind.PERSON, "Whose role"),
        Param("role", Kind.CHOICE, "The new role", choices=tuple(Role)),
    ),
)
async def role(ctx: Context, *, who: PersonRef, role: str) -> Reply:
    """Set a role."""
    (contractor,) = await ctx.people([who])
    await people.set_role(
        ctx.db,
        contractor=contractor,
        role=Role(role),
        actor=await ctx.contractor(),
        admins=ctx.settings.PAUSEBOT_ADMINS,
    )
    result = RoleSet(contractor=contractor.display_name, role=Role(role))
    return Reply.of(result, present.role_set(result))


@command(
    "ops",
    "link",
    role=Role.ADMIN,
    summary="join identities into one contractor",
    params=(
        Param("who", Kind.PERSON, "The contractor to keep"),
        Param(
            "other", Kind.PERSON, "Another Discord account of theirs", optional=True, label="@who…"
        ),
        Param(
            "identities",
            Kind.PEOPLE,
            "Their other identities, like @slack:U024BE7LH, space-separated",
            optional=True,
            label="",
        ),
    ),
)
async def link(
    ctx: Context, *, who: PersonRef, other: PersonRef | None, identities: list[PersonRef]
) -> Reply:
    """Join identities into one contractor."""
    named = [who, *([other] if other else []), *identities]
    kept = await people.link(ctx.db, contractors=await ctx.people(named), now=ctx.now)
    keys = await people.identity_keys(ctx.db, kept.id)
    result = Linked(contractor=kept.display_name, identities=tuple(str(key) for key in keys))
    return Reply.of(result, present.linked(result))


@command(
    "ops",
    "dashboard",
    role=Role.OPS,
    summary="a private one-time link to the web dashboard",
)
async def dashboard(ctx: Context) -> Reply:
    """A sign-in link to the web dashboard, good once and for 15 minutes, for the caller."""
    _token, link = await weblogin.issue_link(
        ctx.db, person=ctx.person, now=ctx.now, base_url=ctx.settings.public_url
    )
    return Reply.of(link, present.dashboard_link(link))


@command(
    "ops",
    "rate",
    role=Role.ADMIN,
    summary="one contractor's hourly rate on a project, before the project's rate",
    params=(
        Param("who", Kind.PERSON, "Whose rate"),
        Param("code", Kind.CODE, "Project code"),
        Param("amount", Kind.AMOUNT, "Hourly rate, like 21 or 21.50 (two decimal places at most)"),
        Param("currency", Kind.CURRENCY, "ISO 4217 currency code, like USD or EUR"),
        Param(
            "first",
            Kind.DATE,
            "The first date it applies to (default today); a past date is allowed",
            optional=True,
            keyword="from",
            alias="from",
            label="[from DATE]",
            team=True,
        ),
    ),
)
async def rate(
    ctx: Context,
    *,
    who: PersonRef,
    code: str,
    amount: Decimal,
    currency: str,
    first: date | None,
) -> Reply:
    """Set one contractor's own hourly rate on a project from a date on."""
    (contractor,) = await ctx.people([who])
    return await rate_reply(
        ctx, code=code, contractor=contractor, amount=amount, currency=currency, first=first
    )


@command(
    "ops",
    "statement",
    role=Role.OPS,
    summary="a contractor's statement, as a PDF and a CSV file (default the last 90 days)",
    params=(
        Param("who", Kind.PERSON, "Whose statement"),
        Param(
            "first",
            Kind.DATE,
            "First date (default: 90 days before the last)",
            optional=True,
            alias="from",
        ),
        Param("last", Kind.DATE, "Last date (default: today)", optional=True, alias="to"),
    ),
    slow=True,
)
async def statement(
    ctx: Context, *, who: PersonRef, first: date | None, last: date | None
) -> Reply:
    """A contractor's statement, sent privately to the ops member who asked."""
    (contractor,) = await ctx.people([who], create=False)
    return await statement_reply(ctx, contractor, first, last)
