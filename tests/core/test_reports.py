"""The daily summary and impact report on a hand-built history, answers worked out here."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import update

from bot.db.models import OutboxMessage


def t(month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A moment in 2026, UTC."""
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


@pytest.fixture
async def history(say, clock):
    """Two pauses of ACME, a pause of NW today, hours before, during and between them."""
    steps = [
        (t(2, 1, 9), "admin", '/project add ACME "Acme AI" "Labeling"'),
        (t(2, 1, 9), "admin", '/project add BETA "Acme AI" "Audio"'),
        (t(2, 1, 9), "admin", '/project add NW "Northwind Labs" "Code review"'),
        (t(2, 1, 9), "admin", "/project assign ACME @bob @carol @frank"),
        (t(2, 1, 9), "admin", "/project assign BETA @carol"),
        (t(2, 1, 9), "admin", "/project assign NW @bob"),
        (t(2, 20, 12), "admin", "/project assign ACME @dave"),
        (t(2, 23, 20), "bob", "/hours log ACME 8h 2026-02-10"),
        (t(2, 23, 20), "bob", "/hours log ACME 6h 2026-02-20"),
        (t(2, 23, 20), "bob", "/hours log ACME 2h 2026-02-09"),
        (t(2, 23, 20), "carol", "/hours log ACME 4h 2026-02-23"),
        (t(2, 23, 20), "dave", "/hours log ACME 3h 2026-02-21"),
        (t(2, 23, 20), "frank", "/hours log ACME 1h 2026-02-20"),
        (t(2, 23, 20), "bob", "/hours log ACME 3h 2026-02-22 logged by mistake"),
        (t(2, 24, 14), "admin", "/project unassign ACME @frank"),
        (t(2, 24, 15), "admin", "/project pause ACME client security review"),
        (t(2, 26, 18), "bob", "/hours log ACME 5h today"),
        (t(3, 2, 10), "admin", "/project resume ACME review done"),
        (t(3, 2, 18), "bob", "/hours log ACME 2h today"),
        (t(3, 3, 0), "admin", "/project pause ACME second review"),
        (t(3, 3, 12), "admin", "/project assign ACME @erin"),
        (t(3, 3, 20), "dave", "/hours log ACME 2h today"),
        (t(3, 4, 9), "admin", "/project pause NW client incident"),
        (t(3, 4, 10), "erin", "/hours log ACME 1h today"),
        (t(3, 4, 10), "carol", "/hours log BETA 1h today"),
    ]
    replies = []
    for when, who, line in steps:
        clock.set(when)
        replies.append(await say.ok(who, line))
    mistake = next(r for r in replies if r.data.to_json().get("note") == "logged by mistake")
    clock.set(t(2, 23, 20))
    await say.ok("bob", f"/hours delete {mistake.data.to_json()['id']}")
    clock.set(t(3, 4, 10))
    return replies


FIGURES = (
    "days_paused",
    "contractors_affected",
    "worked_minutes",
    "blocked_minutes",
    "estimated_lost_minutes",
)


def figures(row: dict) -> dict:
    """The impact figures of one project row."""
    return {key: row[key] for key in FIGURES}


def by_code(report: dict) -> dict[str, dict]:
    """Project rows of an impact report by code."""
    return {p["project"]: p for c in report["clients"] for p in c["projects"]}


async def test_impact_report_figures(history, say):
    """Days paused, people affected, hours by kind and estimated loss, per project and client."""
    report = (await say.ok("admin", "/ops impact")).data.to_json()
    projects = by_code(report)
    # ACME: paused Feb 24 15:00 to Mar 2 10:00 (dates Feb 24..Mar 2 = 7) and since Mar 3 00:00
    # (Mar 3 and today Mar 4 = 2): 9 dates.
    assert projects["ACME"]["days_paused"] == 9
    # bob, carol, dave, and erin (assigned during the second pause); frank left before it began.
    assert projects["ACME"]["contractors_affected"] == 4
    # worked: 480+360+120+240+180+60 before, 120 on Mar 2 after the resume; the deleted 3h not.
    assert projects["ACME"]["worked_minutes"] == 1560
    # blocked: bob 5h on Feb 26, dave 2h on Mar 3, erin 1h today.
    assert projects["ACME"]["blocked_minutes"] == 480
    # First pause: baseline Feb 10..23 of bob 840, carol 240, dave 180 = 1260 / 14 = 90 a day,
    # times 5 whole days (Feb 25..Mar 1) = 450. Second pause: baseline Feb 17..Mar 2 of
    # bob 360+120, carol 240, dave 180, erin 0 = 900 / 14 * 1 whole day (Mar 3) = 64.29.
    assert projects["ACME"]["estimated_lost_minutes"] == round(450 + 900 / 14)
    assert figures(projects["BETA"]) == {
        "days_paused": 0,
        "contractors_affected": 0,
        "worked_minutes": 60,
        "blocked_minutes": 0,
        "estimated_lost_minutes": 0,
    }
    assert figures(projects["NW"]) == {
        "days_paused": 1,
        "contractors_affected": 1,
        "worked_minutes": 0,
        "blocked_minutes": 0,
        "estimated_lost_minutes": 0,
    }
    clients = {c["client"]: c for c in report["clients"]}
    acme = clients["Acme AI"]
    assert (
        acme["contractors_affected"],
        acme["worked_minutes"],
        acme["blocked_minutes"],
        acme["estimated_lost_minutes"],
    ) == (4, 1620, 480, 514)
    assert clients["Northwind Labs"]["contractors_affected"] == 1


async def test_impact_for_one_client_or_project(history, say):
    """The report narrows to one client by name or one project by code; unknown names refuse."""
    client = (await say.ok("admin", "/ops impact northwind labs")).data.to_json()
    assert [c["client"] for c in client["clients"]] == ["Northwind Labs"]
    project = (await say.ok("admin", "/ops impact acme")).data.to_json()
    assert list(by_code(project)) == ["ACME"]
    refused = await say("admin", "/ops impact Globex")
    assert not refused.ok and "Globex" in refused.text


async def test_summary_for_a_day_with_a_pause(history, say, database):
    """Mar 3: ACME paused at midnight, four assigned that day, dave's blocked 2h, one failure."""
    async with database.transaction() as db:
        await db.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == 1)
            .values(state="failed", failed_at=t(3, 3, 9), last_error="user_not_found")
        )
    summary = (await say.ok("admin", "/ops summary 2026-03-03")).data.to_json()
    assert summary["date"] == "2026-03-03"
    assert [(c["project"], c["from"], c["to"], c["reason"]) for c in summary["changes"]] == [
        ("ACME", "active", "paused", "second review")
    ]
    assert summary["paused_projects"] == [
        {
            "project": "ACME",
            "client": "Acme AI",
            "paused_since": "2026-03-03",
            "days_paused": 1,
            "contractors_affected": 4,
        }
    ]
    assert summary["hours"] == [{"project": "ACME", "worked_minutes": 0, "blocked_minutes": 120}]
    assert len(summary["failed_deliveries"]) == 1
    assert summary["failed_deliveries"][0]["reason"] == "user_not_found"


async def test_summary_defaults_to_yesterday(history, say):
    """With no date the summary covers yesterday: Mar 3 at the fixture's Mar 4 clock."""
    assert (await say.ok("admin", "/ops summary")).data.to_json()["date"] == "2026-03-03"


async def test_summary_for_the_resume_day(history, say):
    """Mar 2: ACME resumed at 10:00, paused since Feb 24 (day 7), three assigned, 2h worked."""
    summary = (await say.ok("admin", "/ops summary 2026-03-02")).data.to_json()
    assert [(c["from"], c["to"]) for c in summary["changes"]] == [("paused", "active")]
    assert summary["paused_projects"] == [
        {
            "project": "ACME",
            "client": "Acme AI",
            "paused_since": "2026-02-24",
            "days_paused": 7,
            "contractors_affected": 3,
        }
    ]
    assert summary["hours"] == [{"project": "ACME", "worked_minutes": 120, "blocked_minutes": 0}]
    assert summary["failed_deliveries"] == []
