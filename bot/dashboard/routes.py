"""The web dashboard and the public status pages, as routes added to pausebot's aiohttp app.

Every figure comes from a core read model (`bot.core.reports`, `bot.core.trends`,
`bot.core.export`), the same ones `pausebot impact` and `pausebot summary` print. Pages read
in a read-only transaction, so on SQLite they never wait for the write lock.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.core import export, public, reports, trends, weblogin
from bot.core.clock import Clock, SystemClock
from bot.core.errors import InvalidInput, NotAllowed, NotFound, PausebotError
from bot.core.parsing import parse_date
from bot.core.projects import get_project
from bot.core.readmodels import PublicStatus, WebUser
from bot.core.timeline import local_date
from bot.core.words import STATE_WORDING, HoursKind, ProjectState
from bot.dashboard import charts
from bot.dashboard.pages import HEADERS, PRIVATE, Pages
from bot.db.session import Database

log = logging.getLogger(__name__)

COOKIE = "pausebot_session"
COOKIE_PATH = "/dashboard"
STATIC = Path(__file__).parent / "static"
NAV = (
    ("now", "/dashboard", "Now"),
    ("hours", "/dashboard/hours", "Hours per day"),
    ("affected", "/dashboard/affected", "People affected"),
    ("pauses", "/dashboard/pauses", "Pauses"),
    ("impact", "/dashboard/impact", "Impact report"),
    ("exports", "/dashboard/exports", "Exports"),
)
HOW_TO_SIGN_IN = (
    "type /ops dashboard to pausebot in Slack, Discord or the console, or run "
    "pausebot dashboard-link --as IDENTITY, and open the link it gives you"
)
WHY_SIGN_IN = {
    "no session": "You are not signed in.",
    "expired": "Your session has expired.",
    "not ops": "Your role no longer lets you see the dashboard.",
}
LINK_STATUS = {
    weblogin.UNKNOWN_LINK: 404,
    weblogin.USED_LINK: 410,
    weblogin.EXPIRED_LINK: 410,
    weblogin.NOT_OPS: 403,
}


@dataclass(frozen=True)
class Visit:
    """Who is looking at a page, and the form token of their session."""

    user: WebUser
    csrf: str


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Page = Callable[[web.Request, AsyncSession, Visit], Awaitable[web.StreamResponse]]


def error_status(exc: PausebotError) -> int:
    """The HTTP status of a refusal."""
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, NotAllowed):
        return 403
    return 400


class Dashboard:
    """The dashboard's handlers over one database, with the settings and a clock."""

    def __init__(self, *, database: Database, settings: Settings, clock: Clock) -> None:
        self.database = database
        self.settings = settings
        self.clock = clock
        self.zone = settings.tz
        self.pages = Pages(settings.tz)
        self.base_url = settings.public_url
        self.secure = self.base_url.startswith("https://")

    # -- plumbing -------------------------------------------------------------------------

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncSession]:
        """A session in a read-only transaction (on SQLite: without the write lock)."""
        async with self.database.sessionmaker() as session:
            await session.connection(execution_options={"read_only": True})
            try:
                yield session
            finally:
                await session.rollback()

    def today(self) -> date:
        """The team's date now."""
        return local_date(self.clock.now(), self.zone)

    def origin_ok(self, request: web.Request) -> bool:
        """Whether a state-changing request comes from this site (Origin, else Referer absent
        or ours); browsers send Origin on every cross-site POST."""
        origin = request.headers.get("Origin")
        if origin is None or origin == "null":
            return origin is None
        own = {f"{request.scheme}://{request.host}"}
        parts = urlsplit(self.base_url)
        own.add(f"{parts.scheme}://{parts.netloc}")
        return origin in own

    async def user(self, request: web.Request, db: AsyncSession) -> weblogin.SessionCheck:
        """The session's user, or why there is none."""
        return await weblogin.session_user(
            db,
            token=request.cookies.get(COOKIE),
            now=self.clock.now(),
            admins=self.settings.PAUSEBOT_ADMINS,
        )

    def render(
        self, visit: Visit, template: str, *, status: int = 200, **context: Any
    ) -> web.Response:
        """A dashboard page for the signed-in user."""
        return self.pages.html(
            template,
            status=status,
            user=visit.user,
            csrf=visit.csrf,
            nav=NAV,
            here=context.pop("here", ""),
            today=self.today(),
            **context,
        )

    def sign_in_page(self, why: str | None) -> web.Response:
        """401: how to get a sign-in link."""
        return self.pages.html(
            "signin.html",
            status=401,
            why=WHY_SIGN_IN.get(why or "", WHY_SIGN_IN["no session"]),
            how=HOW_TO_SIGN_IN,
            user=None,
            nav=(),
            here="",
        )

    def page(self, handler: Page) -> Handler:
        """A page for signed-in ops staff: 401 and how to sign in otherwise; refusals shown."""

        async def wrapped(request: web.Request) -> web.StreamResponse:
            async with self.reading() as db:
                check = await self.user(request, db)
                if check.user is None:
                    return self.sign_in_page(check.why)
                visit = Visit(check.user, weblogin.csrf_token(request.cookies[COOKIE]))
                try:
                    return await handler(request, db, visit)
                except PausebotError as exc:
                    return self.render(
                        visit, "error.html", status=error_status(exc), message=exc.message
                    )

        return wrapped

    def data(self, handler: Page) -> Handler:
        """A data endpoint for signed-in ops staff: JSON, and 401 without a session."""

        async def wrapped(request: web.Request) -> web.StreamResponse:
            async with self.reading() as db:
                check = await self.user(request, db)
                if check.user is None:
                    why = WHY_SIGN_IN.get(check.why or "", WHY_SIGN_IN["no session"])
                    return web.json_response(
                        {"error": f"{why} To sign in, {HOW_TO_SIGN_IN}."},
                        status=401,
                        headers={**PRIVATE, "WWW-Authenticate": 'Cookie realm="pausebot"'},
                    )
                visit = Visit(check.user, weblogin.csrf_token(request.cookies[COOKIE]))
                try:
                    return await handler(request, db, visit)
                except PausebotError as exc:
                    return web.json_response(
                        {"error": exc.message}, status=error_status(exc), headers=PRIVATE
                    )

        return wrapped

    def json(self, data: Any) -> web.Response:
        """A JSON answer that is never cached."""
        return web.json_response(
            data, headers=PRIVATE, dumps=lambda d: json.dumps(d, ensure_ascii=False)
        )

    def optional_date(self, request: web.Request, name: str) -> date | None:
        """A date query parameter (`2026-03-04`, `yesterday`…), or None when absent."""
        text = request.query.get(name, "").strip()
        return parse_date(text, self.today()) if text else None

    def chart_range(self, request: web.Request) -> tuple[date, date]:
        """The `from` and `to` of a chart: the last 30 days unless chosen."""
        return trends.date_range(
            self.optional_date(request, "from"),
            self.optional_date(request, "to"),
            today=self.today(),
        )

    def impact_range(self, request: web.Request) -> tuple[date | None, date | None]:
        """The impact report's optional range (none: everything, as `pausebot impact`)."""
        first, last = self.optional_date(request, "from"), self.optional_date(request, "to")
        if first and last and first > last:
            raise InvalidInput(f"{first} is after {last}; give the earlier date first.")
        return first, last

    # -- read models ----------------------------------------------------------------------

    async def now_model(self, db: AsyncSession):
        """What is paused now."""
        return await trends.now_view(
            db, zone=self.zone, now=self.clock.now(), nudge_days=self.settings.UPDATE_NUDGE_DAYS
        )

    async def impact_model(self, request: web.Request, db: AsyncSession):
        """The impact report for the request's range and subject."""
        first, last = self.impact_range(request)
        subject = request.query.get("client", "").strip() or None
        return await reports.impact_report(
            db, zone=self.zone, now=self.clock.now(), subject=subject, first=first, last=last
        )

    async def project_model(self, request: web.Request, db: AsyncSession):
        """One project's page."""
        project = await get_project(db, request.match_info["code"])
        first, last = self.chart_range(request)
        return await trends.project_page(
            db, project=project, zone=self.zone, now=self.clock.now(), first=first, last=last
        )

    async def summary_model(self, request: web.Request, db: AsyncSession):
        """The daily summary of `date` (default yesterday), as `pausebot summary`."""
        day = self.optional_date(request, "date") or self.today() - timedelta(days=1)
        if day > self.today():
            raise InvalidInput(f"{day} is in the future; give {self.today()} or earlier.")
        return await reports.daily_summary(
            db,
            day=day,
            zone=self.zone,
            now=self.clock.now(),
            summary_time=self.settings.SUMMARY_TIME,
            nudge_days=self.settings.UPDATE_NUDGE_DAYS,
        )

    # -- pages ----------------------------------------------------------------------------

    async def now_page(self, request: web.Request, db: AsyncSession, visit: Visit):
        """What is paused now, since when, the latest update, people affected."""
        return self.render(visit, "now.html", here="now", now=await self.now_model(db))

    async def hours_page(self, request: web.Request, db: AsyncSession, visit: Visit):
        """Worked and blocked hours per day by client over a range."""
        first, last = self.chart_range(request)
        hours = await trends.hours_by_day(db, first=first, last=last)
        return self.render(
            visit,
            "hours.html",
            here="hours",
            hours=hours,
            worked_chart=charts.hours_by_client(hours, HoursKind.WORKED, "worked-caption"),
            blocked_chart=charts.hours_by_client(hours, HoursKind.BLOCKED, "blocked-caption"),
        )

    async def affected_page(self, request: web.Request, db: AsyncSession, visit: Visit):
        """Contractors affected per day over a range."""
        first, last = self.chart_range(request)
        affected = await trends.affected_by_day(db, first=first, last=last, zone=self.zone)
        return self.render(
            visit,
            "affected.html",
            here="affected",
            affected=affected,
            chart=charts.affected_per_day(affected, "affected-caption"),
        )

    async def pauses_page(self, request: web.Request, db: AsyncSession, visit: Visit):
        """Every pause on a timeline."""
        timeline = await trends.pause_timeline(db, zone=self.zone, now=self.clock.now())
        return self.render(
            visit,
            "pauses.html",
            here="pauses",
            timeline=timeline,
            most=charts.MOST_PAUSES,
            chart=charts.pause_bars(timeline, today=self.today(), labelled_by="pauses-caption"),
        )

    async def impact_page(self, request: web.Request, db: AsyncSession, visit: Visit):
        """The impact report, with amounts where rates are set."""
        report = await self.impact_model(request, db)
        return self.render(
            visit,
            "impact.html",
            here="impact",
            report=report.to_json(),
            subject=request.query.get("client", ""),
        )

    async def project_page(self, request: web.Request, db: AsyncSession, visit: Visit):
        """One project: history, updates, people, hours per day."""
        page = await self.project_model(request, db)
        return self.render(
            visit,
            "project.html",
            here="",
            page=page,
            chart=charts.project_hours(page.hours, "project-hours-caption"),
        )

    async def exports_page(self, request: web.Request, db: AsyncSession, visit: Visit):
        """The downloads."""
        return self.render(visit, "exports.html", here="exports")

    # -- data -----------------------------------------------------------------------------

    async def now_data(self, request: web.Request, db: AsyncSession, visit: Visit):
        """What is paused now, as JSON."""
        return self.json((await self.now_model(db)).to_json())

    async def hours_data(self, request: web.Request, db: AsyncSession, visit: Visit):
        """Hours per day and client, as JSON."""
        first, last = self.chart_range(request)
        return self.json((await trends.hours_by_day(db, first=first, last=last)).to_json())

    async def affected_data(self, request: web.Request, db: AsyncSession, visit: Visit):
        """Contractors affected per day, as JSON."""
        first, last = self.chart_range(request)
        found = await trends.affected_by_day(db, first=first, last=last, zone=self.zone)
        return self.json(found.to_json())

    async def pauses_data(self, request: web.Request, db: AsyncSession, visit: Visit):
        """Every pause, as JSON."""
        found = await trends.pause_timeline(db, zone=self.zone, now=self.clock.now())
        return self.json(found.to_json())

    async def impact_data(self, request: web.Request, db: AsyncSession, visit: Visit):
        """The impact report, as `pausebot impact --format json`."""
        return self.json((await self.impact_model(request, db)).to_json())

    async def summary_data(self, request: web.Request, db: AsyncSession, visit: Visit):
        """The daily summary, as `pausebot summary --format json`."""
        return self.json((await self.summary_model(request, db)).to_json())

    async def project_data(self, request: web.Request, db: AsyncSession, visit: Visit):
        """One project's page, as JSON."""
        return self.json((await self.project_model(request, db)).to_json())

    # -- downloads ------------------------------------------------------------------------

    def attachment(self, name: str, content_type: str) -> dict[str, str]:
        """Headers of a download."""
        return {
            **PRIVATE,
            "Content-Type": content_type,
            "Content-Disposition": f'attachment; filename="{name}"',
        }

    async def hours_export(self, request: web.Request, db: AsyncSession, visit: Visit):
        """Every hours entry in the range (no dates: everything), streamed as CSV or JSON."""
        first, last = self.optional_date(request, "from"), self.optional_date(request, "to")
        if first and last and first > last:
            raise InvalidInput(f"{first} is after {last}; give the earlier date first.")
        fmt = request.match_info["fmt"]
        name = f"pausebot-hours-{first or 'all'}-{last or self.today()}.{fmt}"
        content_type = "text/csv; charset=utf-8" if fmt == "csv" else "application/json"
        response = web.StreamResponse(headers=self.attachment(name, content_type))
        await response.prepare(request)
        render = export.csv_chunks if fmt == "csv" else export.json_chunks
        async for chunk in render(export.hours_batches(db, first=first, last=last)):
            await response.write(chunk.encode())
        await response.write_eof()
        return response

    async def impact_export(self, request: web.Request, db: AsyncSession, visit: Visit):
        """The impact report as a JSON file."""
        report = await self.impact_model(request, db)
        body = json.dumps(report.to_json(), indent=2, ensure_ascii=False)
        name = f"pausebot-impact-{report.first or 'all'}-{report.last or self.today()}.json"
        return web.Response(body=body.encode(), headers=self.attachment(name, "application/json"))

    async def summary_export(self, request: web.Request, db: AsyncSession, visit: Visit):
        """A daily summary as a JSON file."""
        summary = await self.summary_model(request, db)
        body = json.dumps(summary.to_json(), indent=2, ensure_ascii=False)
        name = f"pausebot-summary-{summary.day}.json"
        return web.Response(body=body.encode(), headers=self.attachment(name, "application/json"))

    # -- signing in and out ---------------------------------------------------------------

    def link_refused(self, exc: PausebotError) -> web.Response:
        """A link that cannot be used, and why."""
        return self.pages.html(
            "link.html",
            status=LINK_STATUS.get(exc.message, 400),
            refused=exc.message,
            link_user=None,
            user=None,
            nav=(),
            here="",
        )

    async def login_form(self, request: web.Request) -> web.StreamResponse:
        """The link's page: whom it signs in, and a button that does (the link is used only
        then, so a link preview or a scanner opening the address does not use it up)."""
        async with self.reading() as db:
            try:
                who = await weblogin.check_link(
                    db,
                    token=request.match_info["token"],
                    now=self.clock.now(),
                    admins=self.settings.PAUSEBOT_ADMINS,
                )
            except PausebotError as exc:
                return self.link_refused(exc)
        return self.pages.html("link.html", link_user=who, refused=None, user=None, nav=(), here="")

    async def login(self, request: web.Request) -> web.StreamResponse:
        """Use the link once: a session cookie, then the dashboard."""
        if not self.origin_ok(request):
            return self.forbidden("This sign-in came from another site; open your link again.")
        try:
            async with self.database.transaction() as db:
                token, who = await weblogin.redeem_link(
                    db,
                    token=request.match_info["token"],
                    now=self.clock.now(),
                    admins=self.settings.PAUSEBOT_ADMINS,
                )
        except PausebotError as exc:
            return self.link_refused(exc)
        log.info("dashboard session opened for %s", who.identity)
        response = web.Response(status=303, headers={**PRIVATE, "Location": "/dashboard"})
        response.set_cookie(
            COOKIE,
            token,
            max_age=int(weblogin.SESSION_LIFETIME.total_seconds()),
            path=COOKIE_PATH,
            httponly=True,
            samesite="Lax",
            secure=self.secure,
        )
        return response

    def forbidden(self, message: str) -> web.Response:
        """403 with one sentence."""
        return self.pages.html(
            "error.html",
            status=403,
            message=message,
            user=None,
            nav=(),
            here="",
            today=self.today(),
        )

    async def logout(self, request: web.Request) -> web.StreamResponse:
        """End the session (a POST with the session's form token), then say so."""
        token = request.cookies.get(COOKIE)
        form = await request.post()
        if token:
            given = form.get("csrf")
            if not self.origin_ok(request) or not weblogin.csrf_ok(
                token, given if isinstance(given, str) else None
            ):
                return self.forbidden(
                    "That sign-out did not come from your dashboard; use its Sign out button."
                )
            async with self.database.transaction() as db:
                await weblogin.end_session(db, token=token, now=self.clock.now())
        response = web.Response(
            status=303, headers={**PRIVATE, "Location": "/dashboard/signed-out"}
        )
        response.del_cookie(COOKIE, path=COOKIE_PATH)
        return response

    async def signed_out(self, request: web.Request) -> web.StreamResponse:
        """After signing out."""
        return self.pages.html(
            "signin.html", why="You are signed out.", how=HOW_TO_SIGN_IN, user=None, nav=(), here=""
        )

    # -- public status pages --------------------------------------------------------------

    async def public_model(self, request: web.Request) -> PublicStatus | None:
        """A published project's status, or None (404)."""
        async with self.reading() as db:
            try:
                return await public.public_status(db, code=request.match_info["code"])
            except NotFound:
                return None

    def not_found(self) -> web.Response:
        """404 for a status page that is off or does not exist."""
        return self.pages.html(
            "status_missing.html", status=404, private=False, message=public.NO_PAGE
        )

    async def status_page(self, request: web.Request) -> web.StreamResponse:
        """A project's public status page: state, reason, expected resume, updates."""
        status = await self.public_model(request)
        if status is None:
            return self.not_found()
        url = public.page_url(self.base_url, status.project)
        return self.pages.html(
            "status.html",
            private=False,
            status=200,
            page=status,
            entries=feed_entries(status),
            feed_url=url + ".atom",
        )

    async def status_feed(self, request: web.Request) -> web.StreamResponse:
        """A project's state changes and updates as an Atom feed."""
        status = await self.public_model(request)
        if status is None:
            return self.not_found()
        url = public.page_url(self.base_url, status.project)
        entries = feed_entries(status)
        updated = max([entry["at"] for entry in entries], default=status.since)
        body = self.pages.text(
            "status.atom", page=status, entries=entries, url=url, updated=updated
        )
        return web.Response(
            text=body,
            content_type="application/atom+xml",
            charset="utf-8",
            headers={**HEADERS, "Cache-Control": "no-cache"},
        )


def feed_entries(status: PublicStatus) -> list[dict[str, Any]]:
    """State changes and updates, newest first, as the status page and its feed list them."""
    entries: list[dict[str, Any]] = []
    for change in status.changes:
        if change.from_state is None:
            title = f"{status.project} was created"
        else:
            title = STATE_WORDING[change.to_state].headline.format(code=status.project)
        lines = [f"Reason: {change.reason}"] if change.reason and change.from_state else []
        if change.to_state is ProjectState.PAUSED and change.expected_resume:
            lines.append(f"Expected resume: {change.expected_resume.isoformat()}")
        entries.append(
            {"anchor": f"change-{change.id}", "at": change.at, "title": title, "lines": lines}
        )
    for update in status.updates:
        lines = [update.text] if update.text else []
        if update.reason:
            lines.append(f"New reason: {update.reason}")
        if update.expected_resume:
            lines.append(f"Expected resume: {update.expected_resume.isoformat()}")
        if update.next_update_at:
            lines.append(f"Next update by {update.next_update_at.isoformat(timespec='minutes')}")
        entries.append(
            {
                "anchor": f"update-{update.id}",
                "at": update.at,
                "title": f"Update on {status.project}",
                "lines": lines,
            }
        )
    entries.sort(key=lambda entry: entry["at"], reverse=True)
    return entries


def add_dashboard(
    app: web.Application,
    *,
    database: Database,
    settings: Settings,
    clock: Clock | None = None,
) -> Dashboard:
    """Add the dashboard (`/dashboard…`) and the public status pages (`/status/…`) to an app."""
    board = Dashboard(database=database, settings=settings, clock=clock or SystemClock())
    page, data = board.page, board.data
    router = app.router
    router.add_get("/dashboard", page(board.now_page))
    router.add_get("/dashboard/hours", page(board.hours_page))
    router.add_get("/dashboard/affected", page(board.affected_page))
    router.add_get("/dashboard/pauses", page(board.pauses_page))
    router.add_get("/dashboard/impact", page(board.impact_page))
    router.add_get("/dashboard/exports", page(board.exports_page))
    router.add_get("/dashboard/projects/{code}", page(board.project_page))
    router.add_get("/dashboard/export/hours.{fmt:csv|json}", page(board.hours_export))
    router.add_get("/dashboard/export/impact.json", page(board.impact_export))
    router.add_get("/dashboard/export/summary.json", page(board.summary_export))
    router.add_get("/dashboard/api/now.json", data(board.now_data))
    router.add_get("/dashboard/api/hours.json", data(board.hours_data))
    router.add_get("/dashboard/api/affected.json", data(board.affected_data))
    router.add_get("/dashboard/api/pauses.json", data(board.pauses_data))
    router.add_get("/dashboard/api/impact.json", data(board.impact_data))
    router.add_get("/dashboard/api/summary.json", data(board.summary_data))
    router.add_get("/dashboard/api/projects/{code}.json", data(board.project_data))
    router.add_get("/dashboard/login/{token}", board.login_form)
    router.add_post("/dashboard/login/{token}", board.login)
    router.add_post("/dashboard/logout", board.logout)
    router.add_get("/dashboard/signed-out", board.signed_out)
    router.add_static("/dashboard/static", STATIC, append_version=False)
    router.add_get(r"/status/{code:[A-Za-z0-9][A-Za-z0-9-]{0,31}}.atom", board.status_feed)
    router.add_get(r"/status/{code:[A-Za-z0-9][A-Za-z0-9-]{0,31}}", board.status_page)
    return board
