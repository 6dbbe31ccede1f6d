"""`/project status`: the caller's projects, or one project, with their hours this week."""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.hours import week_totals
from bot.core.projects import assigned_projects, view
from bot.core.readmodels import MyProject, MyProjects
from bot.core.words import HoursKind
from bot.db.models import Project


def mine(project: Project, totals: dict[HoursKind, int] | None) -> MyProject:
    """A project with the caller's worked and blocked minutes."""
    totals = totals or {}
    return MyProject(
        **view(project).model_dump(),
        worked_minutes=totals.get(HoursKind.WORKED, 0),
        blocked_minutes=totals.get(HoursKind.BLOCKED, 0),
    )


async def project_status(
    db: AsyncSession, *, project: Project, contractor_id: int, today: date
) -> MyProject:
    """One project, with the caller's hours in the week of `today`."""
    totals = await week_totals(db, contractor_id=contractor_id, day=today)
    return mine(project, totals.get(project.id))


async def my_projects(db: AsyncSession, *, contractor_id: int, today: date) -> MyProjects:
    """The projects the caller is assigned to, with their hours in the week of `today`."""
    totals = await week_totals(db, contractor_id=contractor_id, day=today)
    projects = await assigned_projects(db, contractor_id=contractor_id)
    return MyProjects(projects=tuple(mine(project, totals.get(project.id)) for project in projects))
