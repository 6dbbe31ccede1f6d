"""The dashboard and the status pages in a real browser: Chromium driven by Playwright.

Every test logs each request the browser makes and refuses any that leaves the test server;
on a failure the pages' screenshots and HTML are kept in test-artifacts/browser/.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from bot.core import reports
from bot.core.parsing import format_minutes
from tests.dashboard.conftest import NOW, link_for

ATOM = "{http://www.w3.org/2005/Atom}"


async def impact_json(database, settings) -> dict:
    """The impact report as `pausebot impact --format json` gives it, at the test's clock."""
    async with database.transaction() as db:
        report = await reports.impact_report(db, zone=settings.tz, now=NOW)
    return report.to_json()


async def sign_in(chromium, origin: str, link: str):
    """Open a sign-in link in a fresh browser context and press its button."""
    visit = await chromium.visit(origin)
    await visit.page.goto(link)
    await visit.page.get_by_role("button", name="Sign in as").click()
    await visit.page.wait_for_url(origin + "/dashboard")
    return visit


async def test_an_ops_person_signs_in_and_sees_the_impact_figures(
    world, client, chromium, database, web_settings
):
    """A link signs in; the impact table equals the impact JSON; the charts are drawn; the
    keyboard reaches the content first; no request leaves the server; sign-out ends it."""
    origin = f"http://127.0.0.1:{client.server.port}"
    visit = await sign_in(chromium, origin, await link_for(world.say, "opsy"))
    page = visit.page
    assert await page.get_by_role("heading", level=1).inner_text() == "Paused now"
    (cookie,) = await visit.context.cookies()
    assert cookie["name"] == "pausebot_session"
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and not cookie["secure"]
    assert await page.evaluate("document.cookie") == ""
    halt = page.locator("#paused-now tbody tr").filter(has_text="HALT")
    assert "vendor data breach" in await halt.inner_text()
    assert "audit under way" in await halt.inner_text()

    await page.keyboard.press("Tab")
    assert await page.evaluate("document.activeElement.textContent") == "Skip to content"

    await page.get_by_role("link", name="Impact report").click()
    await page.wait_for_url(origin + "/dashboard/impact")
    expected = await impact_json(database, web_settings)
    assert expected["clients"], "the world has clients"
    shown = await page.eval_on_selector_all(
        "#impact-table tbody.client",
        """bodies => bodies.map(body => ({
            client: body.dataset.client,
            rows: [...body.querySelectorAll('tr')].map(tr => ({
                project: tr.dataset.project,
                cells: Object.fromEntries([...tr.querySelectorAll('[data-key]')].map(
                    cell => [cell.dataset.key, [Number(cell.dataset.value), cell.innerText]])),
            })),
        }))""",
    )
    assert [body["client"] for body in shown] == [c["client"] for c in expected["clients"]]
    for body, client_json in zip(shown, expected["clients"], strict=True):
        *rows, total = body["rows"]
        for row, project_json in zip(rows, client_json["projects"], strict=True):
            assert row["project"] == project_json["project"]
            for key, (value, text) in row["cells"].items():
                assert value == project_json[key], (row["project"], key)
                if key.endswith("_minutes"):
                    assert text == format_minutes(project_json[key])
        for key, (value, _text) in total["cells"].items():
            assert value == client_json[key], (body["client"], key)

    await page.get_by_role("link", name="Hours per day").click()
    await page.wait_for_url(origin + "/dashboard/hours")
    chart = page.locator("figure.chart svg[role=img]").first
    box = await chart.bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 150
    assert await chart.locator("path, rect").count() > 5
    assert await chart.get_attribute("aria-labelledby") == "worked-caption"
    await page.get_by_text("as a table").first.click()
    assert await page.locator("#hours-table tbody tr").count() > 5

    await page.get_by_role("link", name="Pauses").click()
    await page.wait_for_url(origin + "/dashboard/pauses")
    assert await page.locator("#pauses-table tbody tr").count() == 1
    await page.get_by_role("link", name="HALT").first.click()
    await page.wait_for_url(origin + "/dashboard/projects/HALT")
    assert "con" in await page.locator("#project-people").inner_text()
    assert await page.locator("figure.chart svg rect").count() > 2

    await page.get_by_role("button", name="Sign out").click()
    await page.wait_for_url(origin + "/dashboard/signed-out")
    response = await page.goto(origin + "/dashboard")
    assert response is not None and response.status == 401

    assert visit.requested, "the browser made requests"
    assert visit.off_site() == [] and visit.blocked == []


async def test_a_link_is_refused_the_second_time_and_for_a_contractor(world, client, chromium):
    """A used link shows why it is refused; so does one whose person is now a contractor;
    without a session the data answers 401."""
    origin = f"http://127.0.0.1:{client.server.port}"
    link = await link_for(world.say, "opsy")
    first = await sign_in(chromium, origin, link)
    second = await chromium.visit(origin)
    response = await second.page.goto(link)
    assert response is not None and response.status == 410
    assert "used already" in await second.page.get_by_role("alert").inner_text()
    assert await second.page.get_by_role("button", name="Sign in as").count() == 0

    demoted = await link_for(world.say, "opsy")
    await world.say.ok("admin", "/ops role @opsy contractor")
    response = await second.page.goto(demoted)
    assert response is not None and response.status == 403
    assert "Only ops staff and admins" in await second.page.get_by_role("alert").inner_text()
    response = await first.page.goto(origin + "/dashboard/api/impact.json")
    assert response is not None and response.status == 401
    assert "HALT" not in await first.page.content()
    response = await second.page.goto(origin + "/dashboard/impact")
    assert response is not None and response.status == 401
    assert "/ops dashboard" in await second.page.inner_text("main")
    for visit in (first, second):
        assert visit.off_site() == []


async def test_a_public_status_page_and_its_feed(world, client, chromium):
    """Off: 404. On: the state, reason, expected resume and update, no names or hours, and an
    Atom feed of the changes and the update. Off again: 404."""
    origin = f"http://127.0.0.1:{client.server.port}"
    visit = await chromium.visit(origin)
    page = visit.page
    response = await page.goto(origin + "/status/HALT")
    assert response is not None and response.status == 404
    await world.say.ok("admin", "/project public HALT on")
    response = await page.goto(origin + "/status/HALT")
    assert response is not None and response.status == 200
    text = await page.inner_text("body")
    assert "paused" in await page.inner_text("#state")
    assert await page.inner_text("#reason") == "vendor data breach"
    assert await page.inner_text("#expected-resume") == "2026-03-20"
    assert "audit under way; keep logging hours" in text
    for private in ("con", "dee", "eve", "opsy", "admin", "console:", "4h", "minutes"):
        assert private not in text.replace("Acme", "").lower(), private

    feed_link = page.get_by_role("link", name="Follow this page as an Atom feed")
    response = await page.goto(await feed_link.get_attribute("href"))
    assert response is not None and response.status == 200
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = ET.fromstring(await response.body())
    titles = [entry.findtext(f"{ATOM}title") for entry in feed.iter(f"{ATOM}entry")]
    assert titles == ["Update on HALT", "HALT is paused", "HALT was created"]
    body = (await response.body()).decode()
    assert "vendor data breach" in body and "2026-03-20" in body
    for private in ("con", "dee", "eve", "opsy", "console:"):
        assert f">{private}<" not in body and f"{private}:" not in body.replace("urn:", "")

    await world.say.ok("admin", "/project public HALT off")
    for path in ("/status/HALT", "/status/HALT.atom"):
        response = await page.goto(origin + path)
        assert response is not None and response.status == 404
    assert visit.off_site() == []
