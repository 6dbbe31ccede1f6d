"""`/ops` commands: summary, impact, export, role, link."""

from __future__ import annotations

from datetime import timedelta

from bot.commands.base import Context, command, need, no_more
from bot.commands.reply import Attachment, Reply, Table
from bot.core import export, people, reports
from bot.core.errors import InvalidInput
from bot.core.parsing import format_minutes, parse_date
from bot.core.timeline import local_date

ROLE_USAGE = "/ops role @who contractor|ops|admin"


def summary_reply(summary: dict) -> Reply:
    """The daily summary as a reply."""
    fields = [
        ("Changes", str(len(summary["changes"]))),
        ("Paused projects", str(len(summary["paused_projects"]))),
        ("Worked", format_minutes(sum(h["worked_minutes"] for h in summary["hours"]))),
        ("Blocked", format_minutes(sum(h["blocked_minutes"] for h in summary["hours"]))),
        ("Failed deliveries", str(len(summary["failed_deliveries"]))),
    ]
    lines = [
        f"{c['project']}: {c['from']} → {c['to']} ({c['reason'] or 'no reason'})"
        for c in summary["changes"]
    ]
    lines += [
        f"{p['project']} ({p['client']}) paused since {p['paused_since']}, day "
        f"{p['days_paused']}, {p['contractors_affected']} contractors affected"
        for p in summary["paused_projects"]
    ]
    lines += [f"Failed: {f['target']}: {f['reason']}" for f in summary["failed_deliveries"]]
    rows = [
        (h["project"], format_minutes(h["worked_minutes"]), format_minutes(h["blocked_minutes"]))
        for h in summary["hours"]
    ]
    return Reply(
        title=f"Daily summary for {summary['date']}",
        text="\n".join(lines) or "No changes and no paused projects.",
        fields=fields,
        table=Table(("project", "worked", "blocked"), rows),
        data=summary,
    )


def impact_reply(report: dict) -> Reply:
    """The impact report as a reply."""
    rows = []
    for client in report["clients"]:
        for p in client["projects"]:
            rows.append(
                (
                    client["client"],
                    p["project"],
                    p["state"],
                    str(p["days_paused"]),
                    str(p["contractors_affected"]),
                    format_minutes(p["worked_minutes"]),
                    format_minutes(p["blocked_minutes"]),
                    format_minutes(p["estimated_lost_minutes"]),
                )
            )
        rows.append(
            (
                client["client"],
                "(total)",
                "",
                "",
                str(client["contractors_affected"]),
                format_minutes(client["worked_minutes"]),
                format_minutes(client["blocked_minutes"]),
                format_minutes(client["estimated_lost_minutes"]),
            )
        )
    return Reply(
        title="Impact report",
        text="" if rows else "No projects yet.",
        table=Table(
            (
                "client",
                "project",
                "state",
                "days paused",
                "affected",
                "worked",
                "blocked",
                "est. lost",
            ),
            rows,
        ),
        data=report,
    )


@command(
    "ops",
    "summary",
    role="ops",
    usage="/ops summary [DATE]",
    summary="the daily summary (default yesterday)",
)
async def summary(ctx: Context, args: list[str]) -> Reply:
    """The daily summary for a date in the team's time zone."""
    no_more(args, 1, "/ops summary [DATE]")
    zone = ctx.settings.tz
    today = local_date(ctx.now, zone)
    day = parse_date(args[0], today) if args else today - timedelta(days=1)
    return summary_reply(await reports.daily_summary(ctx.db, day=day, zone=zone))


@command(
    "ops",
    "impact",
    role="ops",
    usage="/ops impact [CLIENT|CODE]",
    summary="the impact report, for everything or one client or project",
)
async def impact(ctx: Context, args: list[str]) -> Reply:
    """The impact report."""
    subject = " ".join(args) or None
    report = await reports.impact_report(ctx.db, zone=ctx.settings.tz, now=ctx.now, subject=subject)
    return impact_reply(report)


@command(
    "ops",
    "export",
    role="ops",
    usage="/ops export [FROM] [TO]",
    summary="hours as a CSV file (no dates: everything)",
)
async def export_(ctx: Context, args: list[str]) -> Reply:
    """Hours as a CSV attachment."""
    no_more(args, 2, "/ops export [FROM] [TO]")
    first = ctx.date(args[0]) if args else None
    last = ctx.date(args[1]) if len(args) > 1 else None
    if first and last and first > last:
        raise InvalidInput(f"{first} is after {last}; give the earlier date first.")
    counted = 0

    async def counting() -> export.Batches:
        """The export's batches, counting the rows as they pass."""
        nonlocal counted
        async for batch in export.hours_batches(ctx.db, first=first, last=last):
            counted += len(batch)
            yield batch

    content = "".join([chunk async for chunk in export.csv_chunks(counting())]).encode()
    name = f"pausebot-hours-{first or 'all'}-{last or ctx.today}.csv"
    return Reply(
        title="Hours export",
        text=f"{counted} entries.",
        attachment=Attachment(name, content),
        data={"filename": name, "entries": counted},
    )


@command("ops", "role", role="admin", usage=ROLE_USAGE, summary="set someone's role")
async def role(ctx: Context, args: list[str]) -> Reply:
    """Set a role."""
    need(args, 2, ROLE_USAGE)
    no_more(args, 2, ROLE_USAGE)
    new_role = args[1].lower()
    if new_role not in people.ROLES:
        raise InvalidInput(f"{args[1]!r} is not a role; type {ROLE_USAGE}.")
    (who,) = await ctx.people(args[:1])
    await people.set_role(ctx.db, contractor=who, role=new_role)
    return Reply(
        title=f"{who.display_name} is now {new_role}",
        data={"contractor": who.display_name, "role": new_role},
    )


@command(
    "ops",
    "link",
    role="admin",
    usage="/ops link @who @who…",
    summary="join identities into one contractor",
)
async def link(ctx: Context, args: list[str]) -> Reply:
    """Join identities into one contractor."""
    need(args, 2, "/ops link @who @who…")
    kept = await people.link(ctx.db, contractors=await ctx.people(args), now=ctx.now)
    keys = await people.identity_keys(ctx.db, kept.id)
    return Reply(
        title=f"Linked into {kept.display_name}",
        text="Their hours and assignments are now one contractor's.",
        fields=[("Identities", ", ".join(keys))],
        data={"contractor": kept.display_name, "identities": keys},
    )
