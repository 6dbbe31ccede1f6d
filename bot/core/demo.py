"""Realistic demo data: clients, projects, contractors, a pause in progress, weeks of hours."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import select

from bot.config import Settings
from bot.core import people, projects
from bot.core.timeline import local_date, project_pauses
from bot.core.words import HoursKind, Platform, ProjectState, Role
from bot.db.models import Assignment, Contractor, HoursEntry, Project
from bot.db.session import Database

CLIENTS = {
    "Acme AI": [("ACME-LABEL", "Image labeling"), ("ACME-RLHF", "Chat preference ranking")],
    "Northwind Labs": [("NW-AUDIO", "Speech transcription"), ("NW-CODE", "Code review data")],
}
CONTRACTORS = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy"]
DAYS_OF_HOURS = 21


async def load_demo(database: Database, *, settings: Settings, now: datetime) -> str:
    """Load the demo data set once; returns what was done."""
    rng = random.Random(7)
    async with database.transaction() as db:
        if (await db.execute(select(Project.id).where(Project.code == "ACME-LABEL"))).first():
            return "Demo data is already loaded."
        start = now - timedelta(days=DAYS_OF_HOURS + 7)
        admin_identity = await people.ensure_identity(
            db, platform=Platform.CONSOLE, external_id="admin", now=start, name="admin"
        )
        admin = await db.get_one(Contractor, admin_identity.contractor_id)
        admin.role = Role.ADMIN
        staff = []
        for name in CONTRACTORS:
            identity = await people.ensure_identity(
                db, platform=Platform.CONSOLE, external_id=name, now=start, name=name.title()
            )
            staff.append(await db.get_one(Contractor, identity.contractor_id))
        staff[-1].role = Role.OPS
        created: list[Project] = []
        for client, items in CLIENTS.items():
            for code, title in items:
                project = await projects.add_project(
                    db, code=code, client_name=client, title=title, actor=admin, now=start
                )
                await projects.assign(
                    db, project=project, contractors=rng.sample(staff, 5), now=start
                )
                created.append(project)
        paused_at = now - timedelta(days=5)
        for project in created[:2]:
            await projects.change_state(
                db,
                project=project,
                to_state=ProjectState.PAUSED,
                actor=admin,
                now=paused_at,
                reason="Client paused work after a security incident at a data vendor",
                ops_channels=settings.OPS_CHANNELS,
                expected_resume=(now + timedelta(days=10)).date(),
            )
        await _hours(db, created, start, now, settings, rng)
    return (
        f"Loaded demo data: {len(CLIENTS)} clients, {len(created)} projects, "
        f"{len(CONTRACTORS)} contractors (console:alice … console:judy; console:admin is "
        "admin, console:judy is ops), ACME-LABEL and ACME-RLHF paused 5 days ago."
    )


async def _hours(db, created, start, now, settings, rng) -> None:
    """Weekday hours for every assignment, blocked while a project was paused."""
    zone = settings.tz
    pauses = await project_pauses(db, [project.id for project in created])
    for project in created:
        rows = await db.execute(
            select(Assignment.contractor_id).where(Assignment.project_id == project.id)
        )
        whole = set()
        for pause in pauses:
            if pause.project_id == project.id:
                whole |= pause.whole_dates(zone, now)
        for contractor_id in rows.scalars():
            for offset in range(DAYS_OF_HOURS, 0, -1):
                day = local_date(now, zone) - timedelta(days=offset)
                if day.weekday() >= 5:
                    continue
                db.add(
                    HoursEntry(
                        contractor_id=contractor_id,
                        project_id=project.id,
                        work_date=day,
                        minutes=rng.choice([240, 300, 360, 420, 480]),
                        kind=HoursKind.BLOCKED if day in whole else HoursKind.WORKED,
                        note="demo",
                        source_identity="console:demo",
                        created_at=now,
                    )
                )
