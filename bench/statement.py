"""Benchmark: a 90-day statement (JSON, PDF and CSV) of a person with 2,000 entries.

Target: under 1 s for `/hours statement` end to end (the command, its queries, the PDF and the
CSV). The person has five projects with rates and an override, a pause with an update and
daily check-in answers, 200 delivered messages; 20,000 entries of other people sit beside.

    .venv/bin/python -m bench.statement [--engine sqlite|postgresql|both] [--runs 5]
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import insert

from bench.common import drop_database, engines, fresh_database, parser, run
from bot.commands.runner import CommandRunner
from bot.config import Settings
from bot.core.clock import FixedClock
from bot.core.people import Caller
from bot.core.words import HoursKind, MessageKind, Platform, ProjectState, Role
from bot.db.models import (
    Assignment,
    AvailabilityAnswer,
    Client,
    Contractor,
    HoursEntry,
    Identity,
    OutboxMessage,
    Project,
    ProjectUpdate,
    Rate,
    StatusChange,
)
from bot.db.session import Database

NOW = datetime(2026, 6, 30, 12, 0, tzinfo=UTC)
LAST = NOW.date()
FIRST = LAST - timedelta(days=89)
ENTRIES = 2000
OTHER_ENTRIES = 20_000
PROJECTS = 5
PAUSED_ON = datetime(2026, 5, 20, 9, 0, tzinfo=UTC)
ZOE = Caller(platform=Platform.CONSOLE, external_id="zoe", display_name="Zoë Ångström")


async def seed(url: str) -> None:
    """The person's 2,000 entries over 90 days and everything around them."""
    rng = random.Random(14)
    database = Database(url)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    async with database.transaction() as db:
        people = [Contractor(display_name="Zoë Ångström", role=Role.CONTRACTOR, created_at=start)]
        people += [
            Contractor(display_name=f"Other {n}", role=Role.CONTRACTOR, created_at=start)
            for n in range(20)
        ]
        db.add_all(people)
        await db.flush()
        db.add(
            Identity(
                platform="console",
                external_id="zoe",
                display_name="Zoë Ångström",
                contractor_id=people[0].id,
                created_at=start,
            )
        )
        client = Client(name="Acme AI", name_key="acme ai")
        db.add(client)
        await db.flush()
        projects = [
            Project(
                code=f"P{n}",
                title=f"Project {n}",
                client_id=client.id,
                state=ProjectState.PAUSED if n == 0 else ProjectState.ACTIVE,
                pause_reason="vendor incident" if n == 0 else None,
                state_changed_at=PAUSED_ON if n == 0 else start,
                created_at=start,
            )
            for n in range(PROJECTS)
        ]
        db.add_all(projects)
        await db.flush()
        for project in projects:
            db.add(StatusChange(project_id=project.id, to_state="active", at=start, reason="new"))
            db.add(
                Rate(
                    project_id=project.id,
                    currency="USD",
                    amount=Decimal("21.00"),
                    effective_from=date(2026, 1, 1),
                    created_at=start,
                )
            )
            db.add(
                Rate(
                    project_id=project.id,
                    currency="USD",
                    amount=Decimal("16.00"),
                    effective_from=date(2026, 5, 1),
                    created_at=start,
                )
            )
            for person in people:
                db.add(Assignment(project_id=project.id, contractor_id=person.id, since=start))
        db.add(
            Rate(
                project_id=projects[1].id,
                contractor_id=people[0].id,
                currency="EUR",
                amount=Decimal("30.50"),
                effective_from=date(2026, 4, 15),
                created_at=start,
            )
        )
        change = StatusChange(
            project_id=projects[0].id,
            from_state="active",
            to_state="paused",
            at=PAUSED_ON,
            reason="vendor incident",
        )
        db.add(change)
        update = ProjectUpdate(
            project_id=projects[0].id, at=PAUSED_ON + timedelta(days=2), text="audit ongoing"
        )
        db.add(update)
        await db.flush()
        rows = []
        for n in range(ENTRIES):
            day = FIRST + timedelta(days=n % 90)
            project = projects[n % PROJECTS]
            paused = project is projects[0] and day > PAUSED_ON.date()
            rows.append(
                {
                    "contractor_id": people[0].id,
                    "project_id": project.id,
                    "work_date": day,
                    "minutes": 30,
                    "kind": HoursKind.BLOCKED if paused else HoursKind.WORKED,
                    "note": "labeled boxes",
                    "source_identity": "console:zoe",
                    "created_at": start,
                }
            )
        for n in range(OTHER_ENTRIES):
            rows.append(
                {
                    "contractor_id": people[1 + n % 20].id,
                    "project_id": projects[n % PROJECTS].id,
                    "work_date": FIRST + timedelta(days=rng.randrange(90)),
                    "minutes": 30,
                    "kind": HoursKind.WORKED,
                    "note": "",
                    "source_identity": "console:other",
                    "created_at": start,
                }
            )
        await db.execute(insert(HoursEntry), rows)
        answers = [
            {
                "contractor_id": people[0].id,
                "project_id": projects[0].id,
                "work_date": PAUSED_ON.date() + timedelta(days=n),
                "available": n % 5 != 0,
                "note": "",
                "source_identity": "console:zoe",
                "answered_at": PAUSED_ON + timedelta(days=n, hours=1),
            }
            for n in range(1, 40)
        ]
        await db.execute(insert(AvailabilityAnswer), answers)
        messages = []
        for n in range(200):
            key = (
                f"change:{change.id}"
                if n == 0
                else f"update:{update.id}"
                if n == 1
                else f"checkin:P0:{people[0].id}:{n}"
            )
            messages.append(
                {
                    "kind": MessageKind.CHECKIN,
                    "platform": "console",
                    "target_type": "user",
                    "target": "zoe",
                    "payload": {"version": 1, "title": f"Message {n}", "text": "…"},
                    "dedupe_key": f"{key}:console:user:zoe",
                    "state": "sent",
                    "attempts": 1,
                    "next_attempt_at": PAUSED_ON,
                    "created_at": PAUSED_ON,
                    "sent_at": PAUSED_ON + timedelta(hours=n),
                }
            )
        await db.execute(insert(OutboxMessage), messages)
    await database.dispose()


async def measure(url: str, runs: int) -> list[float]:
    """Seconds each `/hours statement FROM TO` took, end to end."""
    database = Database(url)
    settings = Settings(_env_file=None, DATABASE_URL=url, PAUSEBOT_TZ="UTC")
    runner = CommandRunner(database=database, settings=settings, clock=FixedClock(NOW))
    line = f"/hours statement {FIRST.isoformat()} {LAST.isoformat()}"
    took = []
    try:
        for _ in range(runs + 1):
            started = time.perf_counter()
            reply = await runner.run_line(ZOE, line)
            took.append(time.perf_counter() - started)
            assert reply.ok, reply.text
        pdf, csv = reply.files
        print(
            f"  statement: {len(reply.data.to_json()['files'])} files, "
            f"PDF {len(pdf.content) // 1024} KiB, CSV {len(csv.content) // 1024} KiB, "
            f"worked {reply.data.worked_minutes} min, blocked {reply.data.blocked_minutes} min"
        )
    finally:
        await database.dispose()
    return took[1:]  # the first run loads the font and warms the caches


async def main() -> None:
    """Seed, measure and print the figure on each engine."""
    args = parser(__doc__ or "").parse_args()
    for engine in engines(args.engine):
        with tempfile.TemporaryDirectory() as folder:
            url = await fresh_database(engine, Path(folder), args.postgres_url)
            try:
                await seed(url)
                took = await measure(url, runs=5)
            finally:
                await drop_database(url, args.postgres_url)
        print(
            f"{engine}: 90-day statement of a person with {ENTRIES} entries: "
            f"median {statistics.median(took) * 1000:.0f} ms, worst {max(took) * 1000:.0f} ms "
            f"(target under 1000 ms)"
        )


if __name__ == "__main__":
    run(main)
