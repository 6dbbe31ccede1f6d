"""Realistic demo data: clients, projects, contractors, a pause in progress, weeks of hours."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import select

from bot.config import Settings
from bot.core import people, projects
from bot.core.timeline import local_date, project_pauses
from bot.core.words import HoursKind, IdentityKey, Platform, ProjectState, Role
from bot.db.models import Assignment, Contractor, HoursEntry, Project
from bot.db.session import Database

CLIENTS = {
    "Acme AI": [("ACME-LABEL", "Image labeling"), ("ACME-RLHF", "Chat preference ranking")],
    "Northwind Labs": [("NW-AUDIO", "Speech transcription"), ("NW-CODE", "Code review data")],
}
CONTRACTORS = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy"]
DAYS_OF_HOURS = 21
NOTES = {
    "ACME-LABEL": ["labelled {n}0 images", "reviewed batch {n}", "QA pass on image set {n}"],
    "ACME-RLHF": ["ranked {n}0 chat pairs", "reviewed batch {n}", "calibration round {n}"],
    "NW-AUDIO": ["transcribed {n} clips", "QA pass on audio set {n}", "speaker labels, set {n}"],
    "NW-CODE": ["reviewed {n} diffs", "rated {n}0 code answers", "QA pass on batch {n}"],
}
STANDBY_NOTES = ["standby, ready to resume", "on call for the restart", "kept the day free"]


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
        identities: dict[int, str] = {}
        for name in CONTRACTORS:
            identity = await people.ensure_identity(
                db, platform=Platform.CONSOLE, external_id=name, now=start, name=name.title()
            )
            staff.append(await db.get_one(Contractor, identity.contractor_id))
            identities[identity.contractor_id] = str(IdentityKey(Platform.CONSOLE, name))
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
        await _hours(db, created, identities, now, settings, rng)
    return (
        f"Loaded demo data: {len(CLIENTS)} clients, {len(created)} projects, "
        f"{len(CONTRACTORS)} contractors (console:alice … console:judy; console:admin is "
        "admin, console:judy is ops), ACME-LABEL and ACME-RLHF paused 5 days ago."
    )


def _note(code: str, kind: HoursKind, rng: random.Random) -> str:
    """A note such as a contractor writes: the work done, or standing by while paused."""
    if kind is HoursKind.BLOCKED:
        return rng.choice(STANDBY_NOTES)
    return rng.choice(NOTES[code]).format(n=rng.randint(2, 40))


async def _hours(db, created, identities, now, settings, rng) -> None:
    """Weekday hours for every assignment, each from its contractor's identity, with notes."""
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
                kind = HoursKind.BLOCKED if day in whole else HoursKind.WORKED
                db.add(
                    HoursEntry(
                        contractor_id=contractor_id,
                        project_id=project.id,
                        work_date=day,
                        minutes=rng.choice([240, 300, 360, 420, 480]),
                        kind=kind,
                        note=_note(project.code, kind, rng),
                        source_identity=identities[contractor_id],
                        created_at=now,
                    )
                )
