"""`/project` commands: status, list, add, pause, resume, close, assign, channel, history."""

from __future__ import annotations

from datetime import date

from bot.commands.base import Context, command, need, no_more
from bot.commands.reply import Reply, Table
from bot.core import hours, projects
from bot.core.errors import InvalidInput
from bot.core.parsing import ISO_DATE, format_minutes, parse_channel, parse_code
from bot.db.models import Contractor, Project

PAUSE_USAGE = "/project pause CODE REASON… [until YYYY-MM-DD]"
ADD_USAGE = '/project add CODE "Client" "Title"'


def project_fields(project: Project) -> list[tuple[str, str]]:
    """State, since when, reason and expected resume of a project."""
    fields = [
        ("Client", project.client.name),
        ("State", project.state),
        ("Since", project.state_changed_at.strftime("%Y-%m-%d %H:%M UTC")),
    ]
    if project.state == "paused":
        fields.append(("Reason", project.pause_reason or "none given"))
        resume = project.expected_resume.isoformat() if project.expected_resume else "not known"
        fields.append(("Expected resume", resume))
    return fields


def project_data(project: Project) -> dict:
    """A project as JSON-ready data."""
    return {
        "project": project.code,
        "client": project.client.name,
        "title": project.title,
        "state": project.state,
        "since": project.state_changed_at.isoformat(),
        "reason": project.pause_reason,
        "expected_resume": project.expected_resume.isoformat() if project.expected_resume else None,
    }


@command(
    "project",
    "status",
    role="contractor",
    usage="/project status [CODE]",
    summary="my projects, or one project: state, reason, my hours this week",
)
async def status(ctx: Context, args: list[str]) -> Reply:
    """The caller's projects, or one project, with this week's hours."""
    no_more(args, 1, "/project status [CODE]")
    totals = await hours.week_totals(ctx.db, contractor_id=ctx.person.contractor.id, day=ctx.today)
    if args:
        project = await ctx.project(args[0])
        mine = totals.get(project.id, {"worked": 0, "blocked": 0})
        fields = [
            *project_fields(project),
            ("My worked hours this week", format_minutes(mine["worked"])),
            ("My blocked hours this week", format_minutes(mine["blocked"])),
        ]
        data = project_data(project) | {
            "worked_minutes": mine["worked"],
            "blocked_minutes": mine["blocked"],
        }
        return Reply(title=f"{project.code} · {project.title}", fields=fields, data=data)
    mine_projects = await projects.assigned_projects(ctx.db, contractor_id=ctx.person.contractor.id)
    if not mine_projects:
        return Reply(
            title="You have no projects",
            text="You are not assigned to any project yet; an admin assigns you with "
            "/project assign CODE @you.",
            data={"projects": []},
        )
    rows, items = [], []
    for project in mine_projects:
        mine = totals.get(project.id, {"worked": 0, "blocked": 0})
        detail = ""
        if project.state == "paused":
            until = project.expected_resume.isoformat() if project.expected_resume else "unknown"
            detail = f"{project.pause_reason} (expected resume: {until})"
        rows.append(
            (
                project.code,
                project.state,
                project.state_changed_at.strftime("%Y-%m-%d"),
                format_minutes(mine["worked"]),
                format_minutes(mine["blocked"]),
                detail,
            )
        )
        items.append(
            project_data(project)
            | {"worked_minutes": mine["worked"], "blocked_minutes": mine["blocked"]}
        )
    paused = sum(1 for project in mine_projects if project.state == "paused")
    return Reply(
        title="My projects",
        text=f"{paused} of your {len(mine_projects)} projects are paused."
        if paused
        else "None of your projects is paused.",
        table=Table(("project", "state", "since", "worked", "blocked", "reason"), rows),
        data={"projects": items},
    )


@command(
    "project",
    "list",
    role="ops",
    usage="/project list [active|paused|closed]",
    summary="all projects, filtered by state",
)
async def list_(ctx: Context, args: list[str]) -> Reply:
    """All projects, optionally in one state."""
    no_more(args, 1, "/project list [active|paused|closed]")
    state = args[0].lower() if args else None
    if state and state not in projects.STATES:
        raise InvalidInput(
            f"{args[0]!r} is not a state; type /project list paused (or active, closed)."
        )
    found = await projects.list_projects(ctx.db, state=state)
    rows = [
        (p.code, p.client.name, p.title, p.state, p.state_changed_at.strftime("%Y-%m-%d"))
        for p in found
    ]
    return Reply(
        title=f"{len(found)} {state + ' ' if state else ''}projects",
        text="" if found else "No projects here.",
        table=Table(("project", "client", "title", "state", "since"), rows),
        data={"projects": [project_data(p) for p in found]},
    )


@command("project", "add", role="admin", usage=ADD_USAGE, summary="create a project")
async def add(ctx: Context, args: list[str]) -> Reply:
    """Create a project."""
    need(args, 3, ADD_USAGE)
    no_more(args, 3, ADD_USAGE + " (put names with spaces in quotes)")
    project = await projects.add_project(
        ctx.db,
        code=parse_code(args[0]),
        client_name=args[1],
        title=args[2],
        actor=ctx.person.contractor,
        now=ctx.now,
    )
    return Reply(
        title=f"Created {project.code}",
        text=f"{args[1]} · {args[2]}. Assign people with /project assign {project.code} @who.",
        data=project_data(project),
        private=False,
    )


def split_until(words: list[str], today: date) -> tuple[list[str], date | None]:
    """Take a trailing `until YYYY-MM-DD` off the reason words."""
    if len(words) >= 2 and words[-2].lower() == "until":
        if not ISO_DATE.fullmatch(words[-1]):
            raise InvalidInput(f"{words[-1]!r} is not a date; write until YYYY-MM-DD.")
        try:
            until = date.fromisoformat(words[-1])
        except ValueError:
            raise InvalidInput(f"{words[-1]} is not a real date; write until YYYY-MM-DD.") from None
        if until <= today:
            raise InvalidInput(
                f"The expected resume date {until.isoformat()} has passed; give a later date."
            )
        return words[:-2], until
    return words, None


async def _transition(ctx: Context, args: list[str], to_state: str, usage: str) -> Reply:
    """Pause, resume or close, and say how many messages were queued."""
    need(args, 1, usage)
    project = await ctx.project(args[0], lock=True)
    words, until = args[1:], None
    if to_state == "paused":
        words, until = split_until(words, ctx.today)
        if not words:
            raise InvalidInput(f"Say why it is paused; type {PAUSE_USAGE}.")
    done = await projects.change_state(
        ctx.db,
        project=project,
        to_state=to_state,
        actor=ctx.person.contractor,
        reason=" ".join(words) or None,
        now=ctx.now,
        ops_channels=ctx.settings.OPS_CHANNELS,
        expected_resume=until,
    )
    verb = {"paused": "Paused", "active": "Resumed", "closed": "Closed"}[to_state]
    return Reply(
        title=f"{verb} {project.code}",
        text=f"{done.queued} announcements queued for the people and channels concerned.",
        fields=project_fields(project),
        data=project_data(project) | {"announcements": done.queued},
        private=False,
    )


@command(
    "project", "pause", role="admin", usage=PAUSE_USAGE, summary="pause a project and announce it"
)
async def pause(ctx: Context, args: list[str]) -> Reply:
    """Pause a project."""
    return await _transition(ctx, args, "paused", PAUSE_USAGE)


@command(
    "project",
    "resume",
    role="admin",
    usage="/project resume CODE [NOTE…]",
    summary="resume a project and announce it",
)
async def resume(ctx: Context, args: list[str]) -> Reply:
    """Resume a paused project."""
    return await _transition(ctx, args, "active", "/project resume CODE [NOTE…]")


@command(
    "project",
    "close",
    role="admin",
    usage="/project close CODE [NOTE…]",
    summary="close a project for good and announce it",
)
async def close(ctx: Context, args: list[str]) -> Reply:
    """Close a project for good."""
    return await _transition(ctx, args, "closed", "/project close CODE [NOTE…]")


def names(contractors: list[Contractor]) -> str:
    """Display names joined with commas."""
    return ", ".join(contractor.display_name for contractor in contractors)


def assignments_reply(
    project: Project,
    changed: tuple[str, str, list[Contractor], str],
    unchanged: tuple[str, str, list[Contractor]],
) -> Reply:
    """Who an assign or unassign changed, and who it left as they were."""
    label, key, people, nobody = changed
    other_label, other_key, others = unchanged
    fields = [(label, names(people) or nobody)]
    if others:
        fields.append((other_label, names(others)))
    return Reply(
        title=f"Assignments on {project.code}",
        fields=fields,
        data={
            "project": project.code,
            key: [c.display_name for c in people],
            other_key: [c.display_name for c in others],
        },
    )


@command(
    "project",
    "assign",
    role="admin",
    usage="/project assign CODE @who…",
    summary="assign people to a project",
)
async def assign(ctx: Context, args: list[str]) -> Reply:
    """Assign people to a project."""
    need(args, 2, "/project assign CODE @who…")
    project = await ctx.project(args[0])
    added, already = await projects.assign(
        ctx.db, project=project, contractors=await ctx.people(args[1:]), now=ctx.now
    )
    return assignments_reply(
        project,
        ("Assigned", "assigned", added, "nobody new"),
        ("Already assigned", "already", already),
    )


@command(
    "project",
    "unassign",
    role="admin",
    usage="/project unassign CODE @who…",
    summary="take people off a project",
)
async def unassign(ctx: Context, args: list[str]) -> Reply:
    """End assignments on a project."""
    need(args, 2, "/project unassign CODE @who…")
    project = await ctx.project(args[0])
    removed, missing = await projects.unassign(
        ctx.db, project=project, contractors=await ctx.people(args[1:]), now=ctx.now
    )
    return assignments_reply(
        project,
        ("Unassigned", "unassigned", removed, "nobody"),
        ("Were not assigned", "not_assigned", missing),
    )


@command(
    "project",
    "channel",
    role="admin",
    usage="/project channel CODE #channel",
    summary="where this project's announcements go on that platform",
)
async def channel(ctx: Context, args: list[str]) -> Reply:
    """Set a project's announcement channel on one platform."""
    need(args, 2, "/project channel CODE #channel")
    no_more(args, 2, "/project channel CODE #channel")
    project = await ctx.project(args[0])
    named = parse_channel(args[1], ctx.caller.platform)
    if named is None:
        raise InvalidInput(f"{args[1]!r} is not a channel; write #channel or #slack:C0123.")
    await projects.set_channel(ctx.db, project=project, platform=named[0], channel_id=named[1])
    return Reply(
        title=f"{project.code} announcements on {named[0]} go to #{named[1]}",
        data={"project": project.code, "channel": f"{named[0]}:{named[1]}"},
    )


@command(
    "project",
    "history",
    role="ops",
    usage="/project history CODE",
    summary="the status history, newest first",
)
async def history(ctx: Context, args: list[str]) -> Reply:
    """A project's status history, newest first."""
    need(args, 1, "/project history CODE")
    no_more(args, 1, "/project history CODE")
    project = await ctx.project(args[0])
    changes = await projects.history(ctx.db, project=project)
    rows = [
        (
            c.at.strftime("%Y-%m-%d %H:%M"),
            c.from_state or "-",
            c.to_state,
            actor or "-",
            c.reason or "",
        )
        for c, actor in changes
    ]
    return Reply(
        title=f"History of {project.code}",
        table=Table(("at (UTC)", "from", "to", "by", "reason"), rows),
        data={
            "project": project.code,
            "history": [
                {
                    "at": c.at.isoformat(),
                    "from": c.from_state,
                    "to": c.to_state,
                    "by": actor,
                    "reason": c.reason,
                }
                for c, actor in changes
            ],
        },
    )
