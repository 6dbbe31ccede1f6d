"""`/hours` commands: log, week, edit, delete, tz."""

from __future__ import annotations

from bot.commands.base import Context, command, need, no_more
from bot.commands.reply import Reply, Table
from bot.core import hours
from bot.core.errors import InvalidInput
from bot.core.parsing import (
    format_minutes,
    looks_like_date,
    looks_like_duration,
    parse_code,
    parse_duration,
    parse_zone,
)
from bot.core.people import set_zone
from bot.db.models import HoursEntry

LOG_USAGE = "/hours log CODE DURATION [DATE] [NOTE…]"
EDIT_USAGE = "/hours edit ID DURATION [NOTE…]"


def entry_data(entry: HoursEntry, code: str) -> dict:
    """An entry as JSON-ready data."""
    return {
        "id": entry.id,
        "project": code,
        "work_date": entry.work_date.isoformat(),
        "minutes": entry.minutes,
        "kind": entry.kind,
        "note": entry.note,
    }


def take_duration(args: list[str], usage: str) -> tuple[int, list[str]]:
    """Parse the duration at the head of args (`2h 15m` may span two words)."""
    need(args, 1, usage)
    if len(args) > 1 and looks_like_duration(f"{args[0]} {args[1]}") and args[1][-1:] in "mM":
        return parse_duration(f"{args[0]} {args[1]}"), args[2:]
    return parse_duration(args[0]), args[1:]


def parse_entry_id(text: str) -> int:
    """An entry id as shown by /hours week."""
    cleaned = text.lstrip("#")
    if not cleaned.isdigit() or not 0 < int(cleaned) < 2**62:
        raise InvalidInput(f"{text!r} is not an entry id; type /hours week to see your entry ids.")
    return int(cleaned)


@command("hours", "log", role="contractor", usage=LOG_USAGE, summary="log hours on a project")
async def log(ctx: Context, args: list[str]) -> Reply:
    """Log hours; blocked when the project was paused all day."""
    need(args, 2, LOG_USAGE)
    code = parse_code(args[0])
    minutes, rest = take_duration(args[1:], LOG_USAGE)
    work_date = ctx.today
    if rest and looks_like_date(rest[0]):
        work_date = ctx.date(rest[0])
        rest = rest[1:]
    logged = await hours.log_hours(
        ctx.db,
        person=ctx.person,
        code=code,
        minutes=minutes,
        work_date=work_date,
        note=" ".join(rest),
        now=ctx.now,
        backdate_days=ctx.settings.HOURS_BACKDATE_DAYS,
        request_key=ctx.request_key,
    )
    entry, project = logged.entry, logged.project
    when = entry.work_date.isoformat()
    title = f"Logged {format_minutes(entry.minutes)} on {project.code} for {when}"
    if entry.kind == "blocked":
        text = (
            f"{project.code} is paused, so these hours were recorded as blocked hours: "
            "they are kept apart from worked hours as your record for compensation."
        )
    else:
        text = "Recorded as worked hours."
    if logged.repeated:
        text = "This request was already recorded; nothing new was added. " + text
    fields = [
        ("Entry", f"#{entry.id}"),
        ("Kind", entry.kind),
        (f"Total on {when}", format_minutes(logged.day_total)),
    ]
    if entry.note:
        fields.append(("Note", entry.note))
    data = entry_data(entry, project.code) | {"repeated": logged.repeated}
    return Reply(title=title, text=text, fields=fields, data=data)


@command(
    "hours",
    "week",
    role="contractor",
    usage="/hours week [DATE]",
    summary="my entries for a week, with ids and totals",
)
async def week(ctx: Context, args: list[str]) -> Reply:
    """The caller's entries for the week containing a date."""
    no_more(args, 1, "/hours week [DATE]")
    day = ctx.date(args[0]) if args else ctx.today
    monday, sunday = hours.week_of(day)
    entries = await hours.week_entries(ctx.db, contractor_id=ctx.person.contractor.id, day=day)
    totals = {"worked": 0, "blocked": 0}
    for entry, _code in entries:
        totals[entry.kind] += entry.minutes
    rows = [
        (
            f"#{entry.id}",
            entry.work_date.strftime("%a %Y-%m-%d"),
            code,
            format_minutes(entry.minutes),
            entry.kind,
            entry.note,
        )
        for entry, code in entries
    ]
    return Reply(
        title=f"Week of {monday.isoformat()} to {sunday.isoformat()}",
        text="" if entries else "No hours logged this week; log some with " + LOG_USAGE + ".",
        fields=[
            ("Worked", format_minutes(totals["worked"])),
            ("Blocked", format_minutes(totals["blocked"])),
        ],
        table=Table(("id", "date", "project", "time", "kind", "note"), rows),
        data={
            "from": monday.isoformat(),
            "to": sunday.isoformat(),
            "entries": [entry_data(entry, code) for entry, code in entries],
            "worked_minutes": totals["worked"],
            "blocked_minutes": totals["blocked"],
        },
    )


@command(
    "hours",
    "edit",
    role="contractor",
    usage=EDIT_USAGE,
    summary="change the duration or note of my entry",
)
async def edit(ctx: Context, args: list[str]) -> Reply:
    """Change one of the caller's entries."""
    need(args, 2, EDIT_USAGE)
    entry_id = parse_entry_id(args[0])
    minutes, rest = take_duration(args[1:], EDIT_USAGE)
    entry = await hours.edit_entry(
        ctx.db,
        person=ctx.person,
        entry_id=entry_id,
        minutes=minutes,
        note=" ".join(rest) if rest else None,
        now=ctx.now,
        backdate_days=ctx.settings.HOURS_BACKDATE_DAYS,
    )
    return Reply(
        title=f"Entry #{entry.id} is now {format_minutes(entry.minutes)}",
        text=f"For {entry.work_date.isoformat()}, {entry.kind}.",
        data={"id": entry.id, "minutes": entry.minutes, "note": entry.note},
    )


@command("hours", "delete", role="contractor", usage="/hours delete ID", summary="remove my entry")
async def delete(ctx: Context, args: list[str]) -> Reply:
    """Soft-delete one of the caller's entries."""
    need(args, 1, "/hours delete ID")
    no_more(args, 1, "/hours delete ID")
    entry = await hours.delete_entry(
        ctx.db,
        person=ctx.person,
        entry_id=parse_entry_id(args[0]),
        now=ctx.now,
        backdate_days=ctx.settings.HOURS_BACKDATE_DAYS,
    )
    return Reply(
        title=f"Deleted entry #{entry.id}",
        text=f"{format_minutes(entry.minutes)} on {entry.work_date.isoformat()} no longer count.",
        data={"id": entry.id, "deleted": True},
    )


@command(
    "hours",
    "tz",
    role="contractor",
    usage="/hours tz ZONE",
    summary="set my time zone (like Europe/Paris)",
)
async def zone(ctx: Context, args: list[str]) -> Reply:
    """Set the caller's time zone."""
    need(args, 1, "/hours tz ZONE")
    no_more(args, 1, "/hours tz ZONE")
    name = parse_zone(args[0])
    await set_zone(ctx.db, contractor=ctx.person.contractor, zone=name)
    return Reply(
        title=f"Your time zone is now {name}",
        text="Your dates follow it from now on.",
        data={"tz": name},
    )
