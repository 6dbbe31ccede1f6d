"""Public status pages: a project's state, reason, expected resume and updates, for anyone.

Off by default; `/project public CODE on` publishes `/status/CODE` and its Atom feed. What they
show never names a person and never gives hours.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.errors import NotFound
from bot.core.readmodels import PublicChange, PublicPageSet, PublicStatus, PublicUpdate
from bot.core.words import ProjectState
from bot.db.models import Contractor, Project, ProjectUpdate, PublicPage, StatusChange

STATUS_PATH = "/status/"
NO_PAGE = "There is no public status page here."


def page_url(base_url: str, code: str) -> str:
    """Where a project's public status page is."""
    return f"{base_url}{STATUS_PATH}{code}"


async def set_public(
    db: AsyncSession,
    *,
    project: Project,
    public: bool,
    actor: Contractor,
    now: datetime,
    base_url: str,
) -> PublicPageSet:
    """Publish or withdraw a project's status page."""
    page = await db.get(PublicPage, project.id)
    if page is None:
        db.add(PublicPage(project_id=project.id, public=public, actor_id=actor.id, changed_at=now))
    else:
        page.public, page.actor_id, page.changed_at = public, actor.id, now
    await db.flush()
    return PublicPageSet(project=project.code, public=public, url=page_url(base_url, project.code))


async def public_status(db: AsyncSession, *, code: str) -> PublicStatus:
    """A published project's status; NotFound when there is no such project or it is not public."""
    project = (
        await db.execute(
            select(Project)
            .join(PublicPage, PublicPage.project_id == Project.id)
            .where(Project.code == code.upper(), PublicPage.public.is_(True))
        )
    ).scalar_one_or_none()
    if project is None:
        raise NotFound(NO_PAGE)
    changes = await db.execute(
        select(StatusChange)
        .where(StatusChange.project_id == project.id)
        .order_by(StatusChange.at.desc(), StatusChange.id.desc())
    )
    updates = await db.execute(
        select(ProjectUpdate)
        .where(ProjectUpdate.project_id == project.id)
        .order_by(ProjectUpdate.at.desc(), ProjectUpdate.id.desc())
    )
    return PublicStatus(
        project=project.code,
        title=project.title,
        state=ProjectState(project.state),
        since=project.state_changed_at,
        reason=project.pause_reason,
        expected_resume=project.expected_resume,
        changes=tuple(
            PublicChange(
                id=change.id,
                at=change.at,
                from_state=change.from_state,
                to_state=change.to_state,
                reason=change.reason,
                expected_resume=change.expected_resume,
            )
            for change in changes.scalars()
        ),
        updates=tuple(
            PublicUpdate(
                id=item.id,
                at=item.at,
                text=item.text,
                reason=item.reason,
                expected_resume=item.expected_resume,
                next_update_at=item.next_update_at,
            )
            for item in updates.scalars()
        ),
    )
