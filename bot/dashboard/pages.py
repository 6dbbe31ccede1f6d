"""Rendering: the Jinja2 templates, their filters, and the headers every page carries."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from bot.core.parsing import format_minutes

# Nothing from another site, no script at all; pygal's inline SVG carries its own <style>.
CSP = (
    "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}
PRIVATE = {**HEADERS, "Cache-Control": "no-store"}


def hours(minutes: int) -> str:
    """Minutes as decimal hours, like `12.5`."""
    return f"{minutes / 60:.1f}".removesuffix(".0")


class Pages:
    """The template environment, with the team's time zone for instants."""

    def __init__(self, zone: ZoneInfo) -> None:
        self.zone = zone
        self.env = Environment(
            loader=PackageLoader("bot.dashboard", "templates"),
            autoescape=select_autoescape(["html", "atom"]),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters.update(
            minutes=format_minutes,
            hours=hours,
            at=self.at,
            iso=lambda value: value.isoformat(),
        )

    def at(self, value: datetime | date | None) -> str:
        """An instant in the team's zone, like `2026-03-04 11:00 CET`; a date as it is."""
        if value is None:
            return ""
        if isinstance(value, datetime):
            return value.astimezone(self.zone).strftime("%Y-%m-%d %H:%M %Z")
        return value.isoformat()

    def text(self, template: str, **context: Any) -> str:
        """A template rendered to text."""
        return self.env.get_template(template).render(**context)

    def html(
        self, template: str, *, status: int = 200, private: bool = True, **context: Any
    ) -> web.Response:
        """An HTML page with the security headers (and no caching when private)."""
        return web.Response(
            text=self.text(template, **context),
            status=status,
            content_type="text/html",
            charset="utf-8",
            headers=PRIVATE if private else {**HEADERS, "Cache-Control": "no-cache"},
        )
