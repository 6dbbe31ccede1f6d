"""`/hours` commands: log, week, edit, delete, tz."""

from __future__ import annotations

from datetime import date

from bot.commands.base import Context, command
from bot.commands.params import Kind, Param
from bot.commands.reply import Reply
from bot.core import hours, present
from bot.core.people import set_zone
from bot.core.readmodels import ZoneSet
from bot.core.words import Role

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
    await set_zone(ctx.db, contractor=ctx.person.contractor, zone=zone)
    result = ZoneSet(tz=zone)
    return Reply.of(result, present.zone_set(result))
