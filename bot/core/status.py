"""`/project status`: the caller's projects, or one project, with their hours this week."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.hours import week_totals
from bot.core.projects import assigned_projects, view
from bot.core.readmodels import MyProject, MyProjects, UpdateView
from bot.core.updates import latest_updates
from bot.core.words import HoursKind
from bot.db.models import Assignment, Project


def mine(
    project: Project,
    totals: dict[HoursKind, int] | None,
    update: UpdateView | None,
    unassigned_at: datetime | None = None,
) -> MyProject:
    """A project with the caller's worked and blocked minutes and its latest update."""
    totals = totals or {}
    return MyProject(
        **view(project).model_dump(),
        worked_minutes=totals.get(HoursKind.WORKED, 0),
        blocked_minutes=totals.get(HoursKind.BLOCKED, 0),
        latest_update=update,
        unassigned_at=unassigned_at,
    )


async def unassigned_at(
    db: AsyncSession, *, project_id: int, contractor_id: int
) -> datetime | None:
    """When the contractor left the project, if they were on it and are not any more."""
    row = (
        await db.execute(
            select(
                func.count(Assignment.id) - func.count(Assignment.until), func.max(Assignment.until)
            ).where(Assignment.project_id == project_id, Assignment.contractor_id == contractor_id)
        )
    ).one()
    still_on, left = row
    return left if not still_on else None


async def project_status(
    db: AsyncSession, *, project: Project, contractor_id: int, today: date
) -> MyProject:
    """One project, with the caller's hours in the week of `today` and why it stands so."""
    totals = await week_totals(db, contractor_id=contractor_id, day=today)
    updates = await latest_updates(db, [project.id])
    left = await unassigned_at(db, project_id=project.id, contractor_id=contractor_id)
    return mine(project, totals.get(project.id), updates.get(project.id), left)


async def my_projects(db: AsyncSession, *, contractor_id: int, today: date) -> MyProjects:
    """The projects the caller is assigned to, with their hours in the week of `today`."""
    totals = await week_totals(db, contractor_id=contractor_id, day=today)
    projects = await assigned_projects(db, contractor_id=contractor_id)
    updates = await latest_updates(db, [project.id for project in projects])
    return MyProjects(
        projects=tuple(
            mine(project, totals.get(project.id), updates.get(project.id)) for project in projects
        )
    )
