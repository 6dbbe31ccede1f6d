"""`/project` commands: status, list, add, pause, resume, close, assign, channel, history."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date
from decimal import Decimal

from bot.commands.base import Context, command
from bot.commands.params import Kind, Param, PersonRef, When
from bot.commands.reply import Reply
from bot.core import (
    audiences,
    availability,
    present,
    projects,
    public,
    rates,
    status,
    updates,
)
from bot.core.audiences import GroupRef, Members
from bot.core.errors import InvalidInput
from bot.core.parsing import CLIENT_LIMIT, TITLE_LIMIT
from bot.core.readmodels import (
    Assigned,
    ChannelSet,
    ProjectList,
    StateChanged,
    Synced,
    SyncStopped,
    Unassigned,
)
from bot.core.words import IdentityKey, ProjectState, Role
from bot.db.models import Contractor, Project

CODE = Param("code", Kind.CODE, "Project code")
NOTE = Param("note", Kind.TEXT, "A note for the announcement", optional=True)
MORE_PEOPLE = "More people or groups: mentions, @slack:U024BE7LH, a user group, a role"
ROLE_OPTION = "A Discord role: everyone who has it now"


def switch(description: str) -> Param:
    """An `on|off` parameter."""
    return Param("switch", Kind.CHOICE, description, choices=("on", "off"))


@command(
    "project",
    "status",
    role=Role.CONTRACTOR,
    summary="my projects, or one project: state, reason, my hours this week",
    params=(Param("code", Kind.CODE, "Project code (leave empty for all my projects)", True),),
)
async def status_(ctx: Context, *, code: str | None) -> Reply:
    """The caller's projects, or one project, with this week's hours."""
    contractor_id = ctx.person.contractor.id
    if code:
        project = await ctx.project(code)
        one = await status.project_status(
            ctx.db, project=project, contractor_id=contractor_id, today=ctx.today
        )
        return Reply.of(one, present.project_status(one))
    mine = await status.my_projects(ctx.db, contractor_id=contractor_id, today=ctx.today)
    return Reply.of(mine, present.my_projects(mine))


@command(
    "project",
    "list",
    role=Role.OPS,
    summary="all projects, filtered by state",
    params=(
        Param(
            "state",
            Kind.CHOICE,
            "Only projects in this state",
            optional=True,
            choices=tuple(ProjectState),
        ),
    ),
    slow=True,
)
async def list_(ctx: Context, *, state: str | None) -> Reply:
    """All projects, optionally in one state."""
    chosen = ProjectState(state) if state else None
    found = await projects.list_projects(ctx.db, state=chosen)
    listed = ProjectList(state=chosen, projects=tuple(projects.view(p) for p in found))
    return Reply.of(listed, present.project_list(listed))


@command(
    "project",
    "add",
    role=Role.ADMIN,
    summary="create a project",
    params=(
        Param(
            "code", Kind.NEW_CODE, "New code: 2 to 32 letters, digits or dashes, like ACME-LABEL"
        ),
        Param(
            "client",
            Kind.WORD,
            "The client's name, like Acme AI",
            limit=CLIENT_LIMIT,
            what="client name",
        ),
        Param("title", Kind.WORD, "The project's title", limit=TITLE_LIMIT),
    ),
    public=True,
)
async def add(ctx: Context, *, code: str, client: str, title: str) -> Reply:
    """Create a project."""
    project = await projects.add_project(
        ctx.db,
        code=code,
        client_name=client,
        title=title,
        actor=await ctx.contractor(),
        now=ctx.now,
    )
    created = projects.view(project)
    return Reply.of(created, present.created(created))


async def change_state(
    ctx: Context,
    code: str,
    to_state: ProjectState,
    reason: str | None,
    until: date | None = None,
) -> Reply:
    """Pause, resume or close, and say how many messages were queued.

    A pause of a paused project changes its reason or expected resume, as an update. A project
    that follows groups is synced with them first, so the announcement reaches their members.
    """
    project = await ctx.project(code, lock=True)
    if until is not None and until <= ctx.today:
        raise InvalidInput(
            f"The expected resume date {until.isoformat()} has passed; give a later date.",
            field="until",
        )
    synced = await sync_first(ctx, project)
    reply = await announce_change(ctx, project, to_state, reason, until)
    return with_sync(reply, synced)


async def sync_first(ctx: Context, project: Project) -> audiences.Resynced:
    """Sync a project with the groups it follows, just before an announcement.

    A group that cannot be read now changes nothing: the announcement still goes out, to the
    people assigned now, and the reply says why the groups were not synced.
    """
    groups = await audiences.synced_groups(ctx.db, project.id)
    if not groups or project.state == ProjectState.CLOSED:
        return audiences.Resynced()
    results = ctx.members(groups, required=False)
    return await audiences.resync(ctx.db, project=project, results=results, now=ctx.now)


def with_sync(reply: Reply, synced: audiences.Resynced) -> Reply:
    """The reply with what the sync before it did, or why it could not run."""
    reasons = tuple(unread.reason for unread in synced.unread)
    return replace(reply, message=present.with_sync_note(reply.message, synced.counts, reasons))


async def announce_change(
    ctx: Context, project: Project, to_state: ProjectState, reason: str | None, until: date | None
) -> Reply:
    """The state change (or, on a paused project, the changed pause) and its announcements."""
    if to_state is ProjectState.PAUSED and project.state == ProjectState.PAUSED:
        posted = await updates.change_pause(
            ctx.db,
            project=project,
            actor=await ctx.contractor(),
            reason=reason or "",
            expected_resume=until,
            now=ctx.now,
            ops_channels=ctx.settings.OPS_CHANNELS,
        )
        return Reply.of(posted, present.update_posted(posted))
    done = await projects.change_state(
        ctx.db,
        project=project,
        to_state=to_state,
        actor=await ctx.contractor(),
        reason=reason or None,
        now=ctx.now,
        ops_channels=ctx.settings.OPS_CHANNELS,
        expected_resume=until,
    )
    changed = StateChanged(**projects.view(project).model_dump(), announcements=done.queued)
    return Reply.of(changed, present.state_changed(changed))


@command(
    "project",
    "pause",
    role=Role.ADMIN,
    summary="pause a project and announce it",
    params=(
        CODE,
        Param(
            "reason",
            Kind.TEXT,
            "Why it is paused; contractors see this",
            label="REASON…",
            missing="Say why it is paused; type /project pause CODE REASON… [until DATE].",
        ),
        Param(
            "until",
            Kind.DATE,
            "Expected resume date, like 2026-12-20",
            optional=True,
            keyword="until",
            label="[until DATE]",
            ahead=True,
        ),
    ),
    public=True,
    slow=True,
)
async def pause(ctx: Context, *, code: str, reason: str, until: date | None) -> Reply:
    """Pause a project."""
    return await change_state(ctx, code, ProjectState.PAUSED, reason, until)


@command(
    "project",
    "update",
    role=Role.ADMIN,
    summary="an update to everyone concerned; next promises when the next one comes",
    params=(
        CODE,
        Param("text", Kind.TEXT, "What is known, what to do", label="TEXT…", what="update"),
        Param(
            "next",
            Kind.WHEN,
            "When the next update comes: a date, and a time like 15:00",
            optional=True,
            keyword="next",
            label="[next DATE [HH:MM]]",
            ahead=True,
            team=True,
        ),
    ),
    public=True,
    slow=True,
)
async def update(ctx: Context, *, code: str, text: str, next: When | None) -> Reply:
    """Post an update on a project to everyone a pause reaches."""
    project = await ctx.project(code, lock=True)
    promised = None
    if next is not None:
        promised = updates.promise_instant(next.day, next.at, ctx.settings.tz)
    synced = await sync_first(ctx, project)
    posted = await updates.post_update(
        ctx.db,
        project=project,
        actor=await ctx.contractor(),
        text=text,
        next_update_at=promised,
        now=ctx.now,
        ops_channels=ctx.settings.OPS_CHANNELS,
    )
    return with_sync(Reply.of(posted, present.update_posted(posted)), synced)


@command(
    "project",
    "resume",
    role=Role.ADMIN,
    summary="resume a project and announce it",
    params=(CODE, NOTE),
    public=True,
    slow=True,
)
async def resume(ctx: Context, *, code: str, note: str | None) -> Reply:
    """Resume a paused project."""
    return await change_state(ctx, code, ProjectState.ACTIVE, note)


@command(
    "project",
    "close",
    role=Role.ADMIN,
    summary="close a project for good and announce it",
    params=(CODE, NOTE),
    public=True,
    slow=True,
)
async def close(ctx: Context, *, code: str, note: str | None) -> Reply:
    """Close a project for good."""
    return await change_state(ctx, code, ProjectState.CLOSED, note)


def people_params(who: str) -> tuple[Param, ...]:
    """A project code, people or groups (one, then more), and on Discord a role option."""
    return (
        CODE,
        Param("who", Kind.AUDIENCE, who, label="@who…", optional=True),
        Param("more", Kind.AUDIENCES, MORE_PEOPLE, optional=True, label=""),
        Param("role", Kind.ROLE, ROLE_OPTION, optional=True, label=""),
    )


Named = PersonRef | GroupRef


def named(
    who: Named | None, more: list[Named], role: GroupRef | None, verb: str
) -> tuple[list[PersonRef], list[GroupRef]]:
    """The people and the groups a command names, each in order; refused when nobody."""
    items = [item for item in (who, *more, role) if item is not None]
    if not items:
        raise InvalidInput(
            f"Name who to {verb}: people like @name or <@U024BE7LH>, or groups like "
            f"@slack:S0123 or a role; type /project {verb} CODE @who….",
            field="who",
        )
    people = [item for item in items if isinstance(item, PersonRef)]
    groups = [item for item in items if isinstance(item, GroupRef)]
    return people, groups


def found_members(ctx: Context, groups: list[GroupRef]) -> list[Members]:
    """The members of the groups named (MembersNeeded the first time; refused if unreadable)."""
    return [found for found in ctx.members(groups) if isinstance(found, Members)]


def names_of(contractors: list[Contractor], ids: Iterable[int]) -> tuple[str, ...]:
    """The display names of the contractors whose ids are among `ids`, each once, in order."""
    wanted = set(ids)
    unique = {contractor.id: contractor for contractor in contractors}
    return tuple(c.display_name for cid, c in unique.items() if cid in wanted)


@command(
    "project",
    "assign",
    role=Role.ADMIN,
    summary="assign people to a project",
    params=people_params("Who to assign: a person, or a group (its members now)"),
    slow=True,
)
async def assign(
    ctx: Context,
    *,
    code: str,
    who: Named | None,
    more: list[Named],
    role: GroupRef | None,
) -> Reply:
    """Assign people, and the members of groups, to a project (in bulk)."""
    project = await ctx.project(code)
    people, groups = named(who, more, role, "assign")
    audiences.refuse_closed(project)
    found = found_members(ctx, groups)
    contractors = await ctx.people(people)
    done = await audiences.assign(
        ctx.db,
        project=project,
        contractor_ids=[contractor.id for contractor in contractors],
        found=found,
        now=ctx.now,
    )
    result = Assigned(
        project=project.code,
        assigned=names_of(contractors, done.assigned),
        already=names_of(contractors, done.already),
        counts=done.counts,
        groups=tuple(group.view() for group in found),
    )
    return Reply.of(result, present.assigned(result))


@command(
    "project",
    "unassign",
    role=Role.ADMIN,
    summary="take people off a project",
    params=people_params("Who to take off: a person, or a group (its members now)"),
    slow=True,
)
async def unassign(
    ctx: Context,
    *,
    code: str,
    who: Named | None,
    more: list[Named],
    role: GroupRef | None,
) -> Reply:
    """End assignments on a project, of people and of the members of groups."""
    project = await ctx.project(code)
    people, groups = named(who, more, role, "unassign")
    found = found_members(ctx, groups)
    contractors = await ctx.people(people, create=False)
    done = await audiences.unassign(
        ctx.db,
        project=project,
        contractor_ids=[contractor.id for contractor in contractors],
        found=found,
        now=ctx.now,
    )
    kept = {contractor.id for contractor in contractors} - set(done.removed)
    result = Unassigned(
        project=project.code,
        unassigned=names_of(contractors, done.removed),
        not_assigned=names_of(contractors, kept),
        counts=done.counts,
        groups=tuple(group.view() for group in found),
    )
    return Reply.of(result, present.unassigned(result))


@command(
    "project",
    "sync",
    role=Role.ADMIN,
    summary="keep the assignments in step with these groups' members",
    params=(
        CODE,
        Param(
            "groups",
            Kind.GROUPS,
            "Groups to follow: a Slack user group or channel, a Discord role; or off",
            optional=True,
            label="GROUP…|off",
        ),
        Param("role", Kind.ROLE, "A Discord role to follow", optional=True, label=""),
    ),
    slow=True,
)
async def sync(
    ctx: Context, *, code: str, groups: list[GroupRef] | str | None, role: GroupRef | None
) -> Reply:
    """Follow groups (assign who joins, unassign who leaves; hand-made assignments stay), or
    stop following them with `off`."""
    project = await ctx.project(code, lock=True)
    if groups == audiences.OFF:
        if role is not None:
            raise InvalidInput("Write off alone to stop following groups.", field="role")
        stopped = await audiences.unfollow(ctx.db, project=project)
        result = SyncStopped(project=project.code, groups=tuple(str(g) for g in stopped))
        return Reply.of(result, present.sync_stopped(result))
    chosen = [*(groups or []), *([role] if role is not None else [])]
    if not chosen:
        raise InvalidInput(
            f"Name the groups {project.code} should follow, or off; type "
            "/project sync CODE GROUP…|off.",
            field="groups",
        )
    audiences.refuse_closed(project)
    found = found_members(ctx, chosen)
    await audiences.follow(ctx.db, project=project, found=found, now=ctx.now)
    counts = await audiences.apply_sync(ctx.db, project=project, found=found, now=ctx.now)
    synced = Synced(project=project.code, counts=counts)
    return Reply.of(synced, present.synced(synced))


@command(
    "project",
    "channel",
    role=Role.ADMIN,
    summary="where this project's announcements go on that platform",
    params=(CODE, Param("channel", Kind.CHANNEL, "The announcement channel")),
)
async def channel(ctx: Context, *, code: str, channel: IdentityKey) -> Reply:
    """Set a project's announcement channel on one platform."""
    project = await ctx.project(code)
    await projects.set_channel(ctx.db, project=project, channel=channel)
    result = ChannelSet(project=project.code, channel=str(channel))
    return Reply.of(result, present.channel_set(result))


@command(
    "project",
    "history",
    role=Role.OPS,
    summary="the status history, newest first",
    params=(CODE,),
    slow=True,
)
async def history(ctx: Context, *, code: str) -> Reply:
    """A project's status history, newest first."""
    project = await ctx.project(code)
    result = await projects.history(ctx.db, project=project)
    result = result.model_copy(
        update={"updates": await updates.project_updates(ctx.db, project.id)}
    )
    return Reply.of(result, present.history(result))


@command(
    "project",
    "public",
    role=Role.ADMIN,
    summary="a public status page for the project, on or off",
    params=(
        CODE,
        switch("on publishes /status/CODE; off withdraws it"),
    ),
)
async def public_(ctx: Context, *, code: str, switch: str) -> Reply:
    """Publish or withdraw a project's public status page and its Atom feed."""
    project = await ctx.project(code)
    result = await public.set_public(
        ctx.db,
        project=project,
        public=switch == "on",
        actor=await ctx.contractor(),
        now=ctx.now,
        base_url=ctx.settings.public_url,
    )
    return Reply.of(result, present.public_page_set(result))


RATE_PARAMS = (
    CODE,
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
)


@command(
    "project",
    "rate",
    role=Role.ADMIN,
    summary="the project's hourly rate, from a date on (default today)",
    params=RATE_PARAMS,
)
async def rate(
    ctx: Context, *, code: str, amount: Decimal, currency: str, first: date | None
) -> Reply:
    """Set a project's hourly rate from a date on; earlier dates keep their rates."""
    return await rate_reply(
        ctx, code=code, contractor=None, amount=amount, currency=currency, first=first
    )


async def rate_reply(
    ctx: Context,
    *,
    code: str,
    contractor: Contractor | None,
    amount: Decimal,
    currency: str,
    first: date | None,
) -> Reply:
    """Set a project's rate, or one contractor's own rate on it, from a date (default today)."""
    result = await rates.set_rate(
        ctx.db,
        project=await ctx.project(code),
        contractor=contractor,
        amount=amount,
        currency=currency,
        effective_from=first or ctx.team_today,
        actor=await ctx.contractor(),
        now=ctx.now,
    )
    return Reply.of(result, present.rate_set(result))


@command(
    "project",
    "checkin",
    role=Role.ADMIN,
    summary="daily availability check-ins while it is paused, on or off",
    params=(
        CODE,
        switch("on: each contractor is asked daily while it is paused; off: no more"),
    ),
)
async def checkin(ctx: Context, *, code: str, switch: str) -> Reply:
    """Turn a project's daily availability check-ins on or off."""
    project = await ctx.project(code)
    result = await availability.set_checkin(
        ctx.db,
        project=project,
        enabled=switch == "on",
        actor_id=ctx.person.contractor.id,
        now=ctx.now,
    )
    at = f"{ctx.settings.SUMMARY_TIME:%H:%M} ({ctx.settings.PAUSEBOT_TZ})"
    return Reply.of(result, present.checkin_set(result, at=at))
