"""The dashboard's figures are the daily summary's and the impact report's, date by date."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict
from datetime import date, timedelta

from bot.core import export, reports, trends
from tests.dashboard.conftest import NOW, signed_in

FIRST, LAST = date(2026, 2, 10), date(2026, 3, 4)


def days(first: date, last: date) -> list[date]:
    """Every date from first to last."""
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


async def summary(database, settings, day: date):
    """The daily summary of a date at the test's clock."""
    async with database.transaction() as db:
        return await reports.daily_summary(db, day=day, zone=settings.tz, now=NOW)


async def test_hours_per_day_are_the_summarys_and_add_up_to_the_impact_report(
    world, database, web_settings
):
    """Each date's hours are the daily summary's; a range's are the impact report's."""
    async with database.transaction() as db:
        hours = await trends.hours_by_day(db, first=FIRST, last=LAST)
        impact = await reports.impact_report(
            db, zone=web_settings.tz, now=NOW, first=FIRST, last=LAST
        )
    for day in days(FIRST, LAST):
        expected = await summary(database, web_settings, day)
        rows = [row for row in hours.days if row.day == day]
        assert sum(r.worked_minutes for r in rows) == expected.worked_minutes, day
        assert sum(r.blocked_minutes for r in rows) == expected.blocked_minutes, day
    by_client: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in hours.days:
        by_client[row.client][0] += row.worked_minutes
        by_client[row.client][1] += row.blocked_minutes
    assert dict(by_client) == {
        c.client: [c.worked_minutes, c.blocked_minutes] for c in impact.clients
    }
    assert hours.blocked_minutes == 16 * 60


async def test_people_affected_per_day_are_the_summarys_paused_projects(
    world, database, web_settings
):
    """Each date's paused projects equal the daily summary's; the people are counted once."""
    async with database.transaction() as db:
        affected = await trends.affected_by_day(db, first=FIRST, last=LAST, zone=web_settings.tz)
    assert [d.day for d in affected.days] == days(FIRST, LAST)
    for day in affected.days:
        expected = await summary(database, web_settings, day.day)
        assert day.paused_projects == expected.paused_projects, day.day
    by_date = {d.day: d.contractors_affected for d in affected.days}
    assert by_date[date(2026, 2, 23)] == 0 and by_date[date(2026, 2, 24)] == 3
    assert by_date[LAST] == 3


async def test_now_is_todays_summary(world, database, web_settings):
    """What is paused now carries today's summary figures and the latest update."""
    async with database.transaction() as db:
        now = await trends.now_view(db, zone=web_settings.tz, now=NOW, nudge_days=2)
    expected = await summary(database, web_settings, NOW.date())
    (row,) = now.paused
    (summary_row,) = expected.paused_projects
    assert (row.project, row.days_paused, row.contractors_affected) == (
        summary_row.project,
        summary_row.days_paused,
        summary_row.contractors_affected,
    )
    assert row.latest_update is not None and row.latest_update.text.startswith("audit")
    assert now.contractors_affected == 3


async def test_data_endpoints_answer_the_cli_json(world, client, database, web_settings):
    """The impact and summary endpoints give exactly the reports' JSON."""
    await signed_in(client, world.say)
    async with database.transaction() as db:
        impact = await reports.impact_report(db, zone=web_settings.tz, now=NOW)
        part = await reports.impact_report(
            db, zone=web_settings.tz, now=NOW, subject="Beta Corp", first=FIRST, last=LAST
        )
    assert await (await client.get("/dashboard/api/impact.json")).json() == impact.to_json()
    query = {"client": "Beta Corp", "from": str(FIRST), "to": str(LAST)}
    answer = await client.get("/dashboard/api/impact.json", params=query)
    assert await answer.json() == part.to_json()
    day = date(2026, 2, 26)
    answer = await client.get("/dashboard/api/summary.json", params={"date": str(day)})
    assert await answer.json() == (await summary(database, web_settings, day)).to_json()
    download = await client.get("/dashboard/export/impact.json")
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert await download.json() == impact.to_json()


async def test_the_hours_export_is_the_clis(world, client, database):
    """The CSV download is `pausebot export hours`, byte for byte, as an attachment."""
    await signed_in(client, world.say)
    async with database.sessionmaker() as db:
        expected = "".join([c async for c in export.csv_chunks(export.hours_batches(db))])
    response = await client.get("/dashboard/export/hours.csv")
    assert response.status == 200
    assert response.headers["Content-Disposition"].startswith('attachment; filename="pausebot-')
    assert await response.text() == expected
    ranged = await client.get("/dashboard/export/hours.json", params={"from": "2026-03-01"})
    rows = await ranged.json()
    assert rows and all(row["work_date"] >= "2026-03-01" for row in rows)


async def test_a_bad_range_is_refused_with_one_sentence(world, client):
    """A future date, a reversed range or more than 366 days: 400 and what to do instead."""
    await signed_in(client, world.say)
    for query, words in (
        ({"to": "2026-03-05"}, "in the future"),
        ({"from": "2026-03-02", "to": "2026-03-01"}, "give the earlier date first"),
        ({"from": "2025-01-01", "to": "2026-03-01"}, "more than 366 days"),
        ({"from": "03/01/2026"}, "2026"),
    ):
        page = await client.get("/dashboard/hours", params=query)
        assert page.status == 400 and words in await page.text(), query
        data = await client.get("/dashboard/api/hours.json", params=query)
        assert data.status == 400 and words in (await data.json())["error"]


async def test_an_unknown_project_page_is_404(world, client):
    """A project that does not exist answers 404 with the nearest codes."""
    await signed_in(client, world.say)
    page = await client.get("/dashboard/projects/HALTT")
    assert page.status == 404 and "HALT" in await page.text()


async def test_status_pages_follow_project_public(world, client):
    """`/project public` switches /status/CODE and its feed; off and unknown answer 404."""
    for path in ("/status/HALT", "/status/HALT.atom", "/status/NOPE", "/status/NOPE.atom"):
        assert (await client.get(path)).status == 404
    reply = await world.say.ok("admin", "/project public halt on")
    assert reply.data.to_json()["url"].endswith("/status/HALT")
    page = await client.get("/status/halt")
    assert page.status == 200 and "vendor data breach" in await page.text()
    feed = ET.fromstring(await (await client.get("/status/HALT.atom")).read())
    assert feed.tag == "{http://www.w3.org/2005/Atom}feed"
    await world.say.ok("admin", "/project resume HALT audit done")
    feed = ET.fromstring(await (await client.get("/status/HALT.atom")).read())
    first = feed.find("{http://www.w3.org/2005/Atom}entry")
    assert first.findtext("{http://www.w3.org/2005/Atom}title") == "HALT is active again"
    await world.say.ok("admin", "/project public HALT off")
    assert (await client.get("/status/HALT")).status == 404
    refused = await world.say("opsy", "/project public HALT on")
    assert not refused.ok and refused.error_kind == "not_allowed"
