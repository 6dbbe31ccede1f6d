"""The dashboard's HTTP rules: one-time links, sessions in the database, cookies, CSRF, 401s."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from bot.dashboard import add_dashboard
from bot.db.models import LoginLink, WebSession
from tests.dashboard.conftest import NOW, free_port, link_for, signed_in

PAGES = (
    "/dashboard",
    "/dashboard/hours",
    "/dashboard/affected",
    "/dashboard/pauses",
    "/dashboard/impact",
    "/dashboard/exports",
    "/dashboard/projects/HALT",
    "/dashboard/export/hours.csv",
    "/dashboard/export/hours.json",
    "/dashboard/export/impact.json",
    "/dashboard/export/summary.json",
)
DATA = (
    "/dashboard/api/now.json",
    "/dashboard/api/hours.json",
    "/dashboard/api/affected.json",
    "/dashboard/api/pauses.json",
    "/dashboard/api/impact.json",
    "/dashboard/api/summary.json",
    "/dashboard/api/projects/HALT.json",
)


def path_of(url: str) -> str:
    """The path of a link to the test server."""
    return "/" + url.split("/", 3)[3]


def set_cookie(response) -> str:
    """The Set-Cookie header of the session cookie."""
    (header,) = [h for h in response.headers.getall("Set-Cookie") if "pausebot_session=" in h]
    return header


async def test_pages_without_a_session_answer_401_and_say_how_to_get_a_link(world, client):
    """Every page answers 401 with a page naming /ops dashboard and pausebot dashboard-link."""
    for path in PAGES:
        response = await client.get(path)
        text = await response.text()
        assert response.status == 401, path
        assert response.content_type == "text/html"
        assert "/ops dashboard" in text and "pausebot dashboard-link" in text, path
        assert "HALT" not in text.replace("/dashboard/projects/HALT", "")


async def test_data_without_a_session_answers_401_json(world, client):
    """Every data endpoint answers 401 with a JSON error and no data."""
    for path in DATA:
        response = await client.get(path)
        assert response.status == 401, path
        body = await response.json()
        assert set(body) == {"error"} and "/ops dashboard" in body["error"]


async def test_a_link_signs_in_once_with_a_strict_cookie(world, client):
    """The link's page names the person; its button opens a session once; the cookie is
    HttpOnly, SameSite=Lax, scoped to /dashboard and not Secure on http."""
    path = path_of(await link_for(world.say, "opsy"))
    shown = await client.get(path)
    assert shown.status == 200 and "Sign in as opsy" in await shown.text()
    assert "Set-Cookie" not in shown.headers
    opened = await client.post(path, allow_redirects=False)
    assert opened.status == 303 and opened.headers["Location"] == "/dashboard"
    cookie = set_cookie(opened)
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/dashboard" in cookie
    assert "Secure" not in cookie
    assert (await client.get("/dashboard")).status == 200
    assert (await client.get("/dashboard/api/impact.json")).status == 200
    again = await client.post(path, allow_redirects=False)
    assert again.status == 410 and "used already" in await again.text()
    assert "Set-Cookie" not in again.headers
    assert (await client.get(path)).status == 410


async def test_the_cookie_is_secure_when_public_url_is_https(world, database, web_settings, clock):
    """With PUBLIC_URL on https the session cookie is Secure."""
    settings = web_settings.model_copy(update={"PUBLIC_URL": "https://pausebot.example.com"})
    app = web.Application()
    add_dashboard(app, database=database, settings=settings, clock=clock)
    async with TestClient(TestServer(app, port=free_port())) as https_client:
        url = await link_for(world.say, "opsy")
        opened = await https_client.post(path_of(url), allow_redirects=False)
        assert opened.status == 303
        assert "Secure" in set_cookie(opened)


async def test_a_link_expires_after_15_minutes(world, client, clock):
    """A link opened 15 minutes after it was made is refused; 14:59 is still in time."""
    late = path_of(await link_for(world.say, "opsy"))
    in_time = path_of(await link_for(world.say, "opsy"))
    clock.set(NOW + timedelta(minutes=14, seconds=59))
    assert (await client.post(in_time, allow_redirects=False)).status == 303
    clock.set(NOW + timedelta(minutes=15))
    refused = await client.post(late, allow_redirects=False)
    assert refused.status == 410 and "expired" in await refused.text()


async def test_a_contractors_link_is_refused(world, client):
    """A contractor gets no link, and a link made before someone became a contractor opens
    nothing; their open session stops answering too."""
    refused = await world.say("con", "/ops dashboard")
    assert not refused.ok and refused.error_kind == "not_allowed"
    path = path_of(await link_for(world.say, "opsy"))
    await signed_in(client, world.say, "opsy")
    await world.say.ok("admin", "/ops role @opsy contractor")
    answer = await client.post(path, allow_redirects=False)
    assert answer.status == 403 and "Only ops staff and admins" in await answer.text()
    assert "Set-Cookie" not in answer.headers
    assert (await client.get("/dashboard")).status == 401
    assert (await client.get("/dashboard/api/now.json")).status == 401


async def test_an_unknown_link_is_refused(world, client):
    """A made-up token opens nothing."""
    assert (await client.get("/dashboard/login/not-a-token")).status == 404
    assert (await client.post("/dashboard/login/not-a-token", allow_redirects=False)).status == 404


async def test_a_sign_in_from_another_site_is_refused_and_the_link_kept(world, client):
    """A cross-site POST of a link is refused (Origin) and does not use the link up."""
    path = path_of(await link_for(world.say, "opsy"))
    forged = await client.post(
        path, headers={"Origin": "http://evil.example"}, allow_redirects=False
    )
    assert forged.status == 403 and "Set-Cookie" not in forged.headers
    assert (await client.post(path, allow_redirects=False)).status == 303


async def test_sign_out_needs_the_sessions_form_token(world, client):
    """Sign-out without the form token, or from another site, is refused and the session
    lives on; with it, the session ends in the database."""
    await signed_in(client, world.say)
    page = await (await client.get("/dashboard")).text()
    (token,) = re.findall(r'name="csrf" value="([0-9a-f]{64})"', page)
    assert (await client.post("/dashboard/logout", data={}, allow_redirects=False)).status == 403
    wrong = await client.post("/dashboard/logout", data={"csrf": "0" * 64})
    assert wrong.status == 403
    forged = await client.post(
        "/dashboard/logout",
        data={"csrf": token},
        headers={"Origin": "http://evil.example"},
        allow_redirects=False,
    )
    assert forged.status == 403
    assert (await client.get("/dashboard")).status == 200
    out = await client.post("/dashboard/logout", data={"csrf": token}, allow_redirects=False)
    assert out.status == 303 and out.headers["Location"] == "/dashboard/signed-out"
    assert (await client.get("/dashboard")).status == 401


async def test_a_session_expires_after_12_hours(world, client, clock):
    """A session answers for 12 hours, then the pages say it expired."""
    await signed_in(client, world.say)
    clock.set(NOW + timedelta(hours=11, minutes=59))
    assert (await client.get("/dashboard")).status == 200
    clock.set(NOW + timedelta(hours=12))
    expired = await client.get("/dashboard")
    assert expired.status == 401 and "expired" in await expired.text()


async def test_sessions_are_served_by_any_process(world, client, database, web_settings, clock):
    """A second app over the same database (another process) honours the session."""
    await signed_in(client, world.say)
    cookies = {c.key: c.value for c in client.session.cookie_jar}
    other_app = web.Application()
    add_dashboard(other_app, database=database, settings=web_settings, clock=clock)
    async with TestClient(TestServer(other_app, port=free_port())) as other:
        other.session.cookie_jar.update_cookies(cookies)
        assert (await other.get("/dashboard/api/now.json")).status == 200


async def test_tokens_are_stored_only_as_hashes(world, client, database):
    """Neither the link's token nor the session's appears in the database."""
    url = await link_for(world.say, "opsy")
    token = url.rsplit("/", 1)[1]
    opened = await client.post(path_of(url), allow_redirects=False)
    session_token = set_cookie(opened).split("pausebot_session=", 1)[1].split(";", 1)[0]
    async with database.transaction() as db:
        links = (await db.execute(select(LoginLink))).scalars().all()
        sessions = (await db.execute(select(WebSession))).scalars().all()
    stored = " ".join(f"{row.token_hash} {row.identity}" for row in [*links, *sessions])
    assert token not in stored and session_token not in stored
    assert [row.used_at for row in links] == [NOW]
    assert [row.identity for row in sessions] == ["console:opsy"]


@pytest.mark.parametrize("path", [*PAGES[:7], "/status/HALT"])
async def test_pages_load_nothing_from_another_site(world, client, path):
    """Every page carries a CSP that allows only this site, and names no other site."""
    await world.say.ok("admin", "/project public HALT on")
    await signed_in(client, world.say)
    response = await client.get(path)
    assert response.status == 200
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "script-src" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    text = await response.text()
    assert "<script" not in text
    own = f"http://127.0.0.1:{client.server.port}"
    for url in re.findall(r'(?:src|href)="([^"]+)"', text):
        assert url.startswith(("/", "#", own)), url


async def test_ops_dashboard_answers_privately_with_a_link(world):
    """`/ops dashboard` answers in private with PUBLIC_URL/dashboard/login/TOKEN."""
    reply = await world.say.ok("opsy", "/ops dashboard")
    assert reply.private
    url = reply.data.to_json()["url"]
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/dashboard/login/[A-Za-z0-9_-]{43}", url)
    assert url in reply.text and "once" in reply.text
