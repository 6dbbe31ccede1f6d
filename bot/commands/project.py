"""`/project` commands: status, list, add, pause, resume, close, assign, channel, history."""

from __future__ import annotations

from datetime import date

from bot.commands.base import Context, command
from bot.commands.params import Kind, Param, PersonRef, When
from bot.commands.reply import Reply
from bot.core import present, projects, status, updates
from bot.core.errors import InvalidInput
from bot.core.parsing import CLIENT_LIMIT, TITLE_LIMIT
from bot.core.readmodels import ChannelSet, ProjectList, StateChanged
from bot.core.words import IdentityKey, ProjectState, Role

CODE = Param("code", Kind.CODE, "Project code")
NOTE = Param("note", Kind.TEXT, "A note for the announcement", optional=True)
MORE_PEOPLE = "More people: mentions or identities like @slack:U024BE7LH, space-separated"


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
        ctx.db, code=code, client_name=client, title=title, actor=ctx.person.contractor, now=ctx.now
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

    A pause of a paused project changes its reason or expected resume, as an update.
    """
    project = await ctx.project(code, lock=True)
    if until is not None and until <= ctx.today:
        raise InvalidInput(
            f"The expected resume date {until.isoformat()} has passed; give a later date.",
            field="until",
        )
    if to_state is ProjectState.PAUSED and project.state == ProjectState.PAUSED:
        posted = await updates.change_pause(
            ctx.db,
            project=project,
            actor=ctx.person.contractor,
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
        actor=ctx.person.contractor,
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
    posted = await updates.post_update(
        ctx.db,
        project=project,
        actor=ctx.person.contractor,
        text=text,
        next_update_at=promised,
        now=ctx.now,
        ops_channels=ctx.settings.OPS_CHANNELS,
    )
    return Reply.of(posted, present.update_posted(posted))


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
    """A project code, one person, and more people."""
    return (
        CODE,
        Param("who", Kind.PERSON, who, label="@who…"),
        Param("more", Kind.PEOPLE, MORE_PEOPLE, optional=True, label=""),
    )


@command(
    "project",
    "assign",
    role=Role.ADMIN,
    summary="assign people to a project",
    params=people_params("Who to assign"),
)
async def assign(ctx: Context, *, code: str, who: PersonRef, more: list[PersonRef]) -> Reply:
    """Assign people to a project."""
    project = await ctx.project(code)
    result = await projects.assign(
        ctx.db, project=project, contractors=await ctx.people([who, *more]), now=ctx.now
    )
    return Reply.of(result, present.assigned(result))


@command(
    "project",
    "unassign",
    role=Role.ADMIN,
    summary="take people off a project",
    params=people_params("Who to take off"),
)
async def unassign(ctx: Context, *, code: str, who: PersonRef, more: list[PersonRef]) -> Reply:
    """End assignments on a project."""
    project = await ctx.project(code)
    result = await projects.unassign(
        ctx.db,
        project=project,
        contractors=await ctx.people([who, *more], create=False),
        now=ctx.now,
    )
    return Reply.of(result, present.unassigned(result))


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
