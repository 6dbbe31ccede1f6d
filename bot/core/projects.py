"""Projects: creation, the pause/resume/close lifecycle, assignments and channels."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core import announcements
from bot.core.errors import InvalidInput, NotFound
from bot.core.people import Person
from bot.core.readmodels import Assigned, History, HistoryRow, ProjectView, Unassigned
from bot.core.words import STATE_WORDING, IdentityKey, ProjectState, Role, fold_name
from bot.db.models import Assignment, Client, Contractor, Project, ProjectChannel, StatusChange


def view(project: Project) -> ProjectView:
    """A project as people see it."""
    return ProjectView(
        project=project.code,
        client=project.client.name,
        title=project.title,
        state=ProjectState(project.state),
        since=project.state_changed_at,
        reason=project.pause_reason,
        expected_resume=project.expected_resume,
    )


async def get_project(
    db: AsyncSession, code: str, *, lock: bool = False, visible_to: Person | None = None
) -> Project:
    """The project with this code, or NotFound naming the nearest codes the caller may see.

    A contractor (`visible_to` without the ops role) sees only projects they are or were on.
    """
    query = select(Project).where(Project.code == code.upper())
    if lock:
        query = query.with_for_update(of=Project)
    project = (await db.execute(query)).scalar_one_or_none()
    mine = None if visible_to is None or visible_to.has(Role.OPS) else visible_to.contractor.id
    if project is not None and (mine is None or await was_assigned(db, project.id, mine)):
        return project
    codes = select(Project.code)
    if mine is not None:
        codes = codes.join(Assignment, Assignment.project_id == Project.id).where(
            Assignment.contractor_id == mine
        )
    known = list(dict.fromkeys((await db.execute(codes)).scalars()))
    near = difflib.get_close_matches(code.upper(), known, n=3, cutoff=0.5)
    if near:
        hint = "did you mean " + " or ".join(near) + "?"
    elif known:
        hint = "type /project status to see your projects."
    elif mine is not None:
        hint = "you are not on any project yet; an admin assigns you with /project assign."
    else:
        hint = 'an admin creates one with /project add CODE "Client" "Title".'
    raise NotFound(f"There is no project {code.upper()}; {hint}", field="code")


async def was_assigned(db: AsyncSession, project_id: int, contractor_id: int) -> bool:
    """Whether the contractor is or ever was on the project."""
    query = select(Assignment.id).where(
        Assignment.project_id == project_id, Assignment.contractor_id == contractor_id
    )
    return (await db.execute(query.limit(1))).first() is not None


async def add_project(
    db: AsyncSession, *, code: str, client_name: str, title: str, actor: Contractor, now: datetime
) -> Project:
    """Create an active project, and its client if new."""
    if (await db.execute(select(Project.id).where(Project.code == code))).first():
        raise InvalidInput(f"Project {code} already exists; pick another code.")
    client_name, title = client_name.strip(), title.strip()
    if not client_name or not title:
        raise InvalidInput('Give a client and a title: /project add CODE "Client" "Title".')
    key = fold_name(client_name)
    client = (await db.execute(select(Client).where(Client.name_key == key))).scalar_one_or_none()
    if client is None:
        client = Client(name=client_name, name_key=key)
        db.add(client)
        await db.flush()
    project = Project(
        code=code,
        title=title,
        client=client,
        state=ProjectState.ACTIVE,
        state_changed_at=now,
        created_at=now,
    )
    db.add(project)
    await db.flush()
    db.add(
        StatusChange(
            project_id=project.id,
            from_state=None,
            to_state=ProjectState.ACTIVE,
            actor_id=actor.id,
            at=now,
            reason="created",
        )
    )
    return project


@dataclass(frozen=True)
class Transition:
    """The result of a state change: the history row and how many messages it queued."""

    change: StatusChange
    queued: int


async def change_state(
    db: AsyncSession,
    *,
    project: Project,
    to_state: ProjectState,
    actor: Contractor,
    reason: str | None,
    now: datetime,
    ops_channels: list[IdentityKey],
    expected_resume: date | None = None,
) -> Transition:
    """Pause, resume or close a project, record it, and queue its announcements."""
    if project.state == ProjectState.CLOSED:
        verb = STATE_WORDING[to_state].verb
        raise InvalidInput(f"{project.code} is closed for good; it cannot {verb}.")
    if project.state == to_state:
        hint = {
            ProjectState.PAUSED: f"/project resume {project.code} first to change the pause",
            ProjectState.ACTIVE: f"/project pause {project.code} REASON pauses it",
        }[to_state]
        raise InvalidInput(f"{project.code} is already {to_state}; {hint}.")
    change = StatusChange(
        project_id=project.id,
        from_state=project.state,
        to_state=to_state,
        actor_id=actor.id,
        at=now,
        reason=reason,
        expected_resume=expected_resume,
    )
    db.add(change)
    project.state = to_state
    project.state_changed_at = now
    project.pause_reason = reason if to_state == ProjectState.PAUSED else None
    project.expected_resume = expected_resume if to_state == ProjectState.PAUSED else None
    await db.flush()
    queued = await announcements.queue_state_change(
        db,
        project=view(project),
        project_id=project.id,
        change=change,
        now=now,
        ops_channels=ops_channels,
    )
    return Transition(change=change, queued=queued)


async def current_assignment(
    db: AsyncSession, *, project_id: int, contractor_id: int
) -> Assignment | None:
    """The open assignment of a contractor on a project, if any."""
    return (
        (
            await db.execute(
                select(Assignment).where(
                    Assignment.project_id == project_id,
                    Assignment.contractor_id == contractor_id,
                    Assignment.until.is_(None),
                )
            )
        )
        .scalars()
        .first()
    )


def names(contractors: list[Contractor]) -> tuple[str, ...]:
    """Display names, in order."""
    return tuple(contractor.display_name for contractor in contractors)


async def assign(
    db: AsyncSession, *, project: Project, contractors: list[Contractor], now: datetime
) -> Assigned:
    """Assign contractors; says who was newly assigned and who already was."""
    if project.state == ProjectState.CLOSED:
        raise InvalidInput(f"{project.code} is closed; nobody can be assigned to it.")
    added, already = [], []
    for contractor in _unique(contractors):
        if await current_assignment(db, project_id=project.id, contractor_id=contractor.id):
            already.append(contractor)
            continue
        db.add(Assignment(project_id=project.id, contractor_id=contractor.id, since=now))
        added.append(contractor)
    await db.flush()
    return Assigned(project=project.code, assigned=names(added), already=names(already))


async def unassign(
    db: AsyncSession, *, project: Project, contractors: list[Contractor], now: datetime
) -> Unassigned:
    """End assignments; says who was taken off and who was not on the project."""
    removed, missing = [], []
    for contractor in _unique(contractors):
        assignment = await current_assignment(
            db, project_id=project.id, contractor_id=contractor.id
        )
        if assignment is None:
            missing.append(contractor)
            continue
        assignment.until = now
        removed.append(contractor)
    await db.flush()
    return Unassigned(project=project.code, unassigned=names(removed), not_assigned=names(missing))


def _unique(contractors: list[Contractor]) -> list[Contractor]:
    """Contractors without repeats, in order."""
    seen: dict[int, Contractor] = {}
    for contractor in contractors:
        seen.setdefault(contractor.id, contractor)
    return list(seen.values())


async def set_channel(db: AsyncSession, *, project: Project, channel: IdentityKey) -> None:
    """Send this project's announcements on the channel's platform to that channel."""
    existing = (
        await db.execute(
            select(ProjectChannel).where(
                ProjectChannel.project_id == project.id,
                ProjectChannel.platform == channel.platform,
            )
        )
    ).scalar_one_or_none()
    if existing is None:
        db.add(
            ProjectChannel(
                project_id=project.id, platform=channel.platform, channel_id=channel.external_id
            )
        )
    else:
        existing.channel_id = channel.external_id
    await db.flush()


async def history(db: AsyncSession, *, project: Project) -> History:
    """The project's status changes, newest first, with the actor's name."""
    rows = await db.execute(
        select(StatusChange, Contractor.display_name)
        .outerjoin(Contractor, Contractor.id == StatusChange.actor_id)
        .where(StatusChange.project_id == project.id)
        .order_by(StatusChange.at.desc(), StatusChange.id.desc())
    )
    return History(
        project=project.code,
        history=tuple(
            HistoryRow(
                at=change.at,
                from_state=change.from_state,
                to_state=change.to_state,
                by=name,
                reason=change.reason,
            )
            for change, name in rows
        ),
    )


async def list_projects(db: AsyncSession, *, state: ProjectState | None = None) -> list[Project]:
    """All projects, optionally in one state, by code."""
    query = select(Project).join(Project.client).order_by(Project.code)
    if state:
        query = query.where(Project.state == state)
    return list((await db.execute(query)).scalars())


async def assigned_projects(db: AsyncSession, *, contractor_id: int) -> list[Project]:
    """Projects the contractor is currently assigned to, by code."""
    query = (
        select(Project)
        .join(Assignment, Assignment.project_id == Project.id)
        .where(Assignment.contractor_id == contractor_id, Assignment.until.is_(None))
        .order_by(Project.code)
        .distinct()
    )
    return list((await db.execute(query)).scalars())
