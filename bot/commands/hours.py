"""`/hours` commands: log, week, edit, delete, tz."""

from __future__ import annotations

from datetime import date

from bot.commands.base import Context, command
from bot.commands.evidence import statement_reply
from bot.commands.params import Kind, Param
from bot.commands.reply import Reply
from bot.core import availability, hours, present
from bot.core.people import set_zone
from bot.core.readmodels import ZoneSet
from bot.core.words import Answer, Role

CODE = Param("code", Kind.CODE, "Project code")
DURATION = Param("duration", Kind.DURATION, "How long: 2h, 1.5h, 90m, 1h30m, 2h 15m or 1:30")
DATE_HELP = "today (default), yesterday, a weekday like mon, or YYYY-MM-DD"
ENTRY = Param("entry", Kind.ENTRY_ID, "Entry id, as shown by /hours week", label="ID")


@command(
    "hours",
    "log",
    role=Role.CONTRACTOR,
    summary="log hours on a project",
    params=(
        CODE,
        DURATION,
        Param("date", Kind.DATE, "Work date: " + DATE_HELP, optional=True),
        Param("note", Kind.TEXT, "What you worked on", optional=True),
    ),
)
async def log(
    ctx: Context, *, code: str, duration: int, date: date | None, note: str | None
) -> Reply:
    """Log hours; blocked when the project was paused all day."""
    entry = await hours.log_hours(
        ctx.db,
        person=ctx.person,
        code=code,
        minutes=duration,
        work_date=date or ctx.today,
        note=note or "",
        now=ctx.now,
        backdate_days=ctx.settings.HOURS_BACKDATE_DAYS,
        request_key=ctx.request_key,
    )
    return Reply.of(entry, present.logged(entry))


@command(
    "hours",
    "week",
    role=Role.CONTRACTOR,
    summary="my entries for a week, with ids and totals",
    params=(Param("date", Kind.DATE, "A day of the week to show: " + DATE_HELP, optional=True),),
)
async def week(ctx: Context, *, date: date | None) -> Reply:
    """The caller's entries for the week containing a date."""
    result = await hours.week(ctx.db, contractor_id=ctx.person.contractor.id, day=date or ctx.today)
    return Reply.of(result, present.week(result))


@command(
    "hours",
    "edit",
    role=Role.CONTRACTOR,
    summary="change the duration or note of my entry",
    params=(
        ENTRY,
        DURATION,
        Param("note", Kind.TEXT, "New note (leave empty to keep the old one)", optional=True),
    ),
)
async def edit(ctx: Context, *, entry: int, duration: int, note: str | None) -> Reply:
    """Change one of the caller's entries."""
    changed = await hours.edit_entry(
        ctx.db,
        person=ctx.person,
        entry_id=entry,
        minutes=duration,
        note=note,
        now=ctx.now,
        backdate_days=ctx.settings.HOURS_BACKDATE_DAYS,
    )
    return Reply.of(changed, present.edited(changed))


@command("hours", "delete", role=Role.CONTRACTOR, summary="remove my entry", params=(ENTRY,))
async def delete(ctx: Context, *, entry: int) -> Reply:
    """Soft-delete one of the caller's entries."""
    deleted = await hours.delete_entry(
        ctx.db,
        person=ctx.person,
        entry_id=entry,
        now=ctx.now,
        backdate_days=ctx.settings.HOURS_BACKDATE_DAYS,
    )
    return Reply.of(deleted, present.deleted(deleted))


@command(
    "hours",
    "tz",
    role=Role.CONTRACTOR,
    summary="set my time zone (like Europe/Paris)",
    params=(Param("zone", Kind.ZONE, "IANA time zone, like Europe/Paris"),),
)
async def zone(ctx: Context, *, zone: str) -> Reply:
    """Set the caller's time zone."""
    await set_zone(ctx.db, contractor=await ctx.contractor(), zone=zone)
    result = ZoneSet(tz=zone)
    return Reply.of(result, present.zone_set(result))


@command(
    "hours",
    "available",
    role=Role.CONTRACTOR,
    summary="record whether I was available to work on a paused project that date",
    params=(
        CODE,
        Param(
            "answer",
            Kind.CHOICE,
            "yes: I was available to work; no: I was not",
            choices=tuple(Answer),
        ),
        Param("date", Kind.DATE, "The date: " + DATE_HELP, optional=True),
        Param("note", Kind.TEXT, "A note, like the hours you could have worked", optional=True),
    ),
)
async def available(
    ctx: Context, *, code: str, answer: str, date: date | None, note: str | None
) -> Reply:
    """Record an availability answer; the last one for a date counts."""
    result = await availability.record_answer(
        ctx.db,
        person=ctx.person,
        code=code,
        answer=Answer(answer),
        day=date or ctx.today,
        note=note or "",
        now=ctx.now,
        backdate_days=ctx.settings.HOURS_BACKDATE_DAYS,
        request_key=ctx.request_key,
    )
    return Reply.of(result, present.availability_recorded(result))


@command(
    "hours",
    "statement",
    role=Role.CONTRACTOR,
    summary="my statement for a claim, as a PDF and a CSV file (default the last 90 days)",
    params=(
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
async def statement(ctx: Context, *, first: date | None, last: date | None) -> Reply:
    """The caller's own statement, sent privately as files."""
    return await statement_reply(ctx, await ctx.contractor(), first, last)
