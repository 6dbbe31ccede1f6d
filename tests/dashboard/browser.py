"""Playwright driving Debian's Chromium (/usr/bin/chromium), with every request logged.

`playwright install` cannot download a browser here, so the tests use the system's Chromium
(`apt-get install chromium`, done by .ci/run). Set PAUSEBOT_CHROMIUM to use another binary.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from playwright.async_api import Browser, BrowserContext, Page, Route, async_playwright

CHROMIUM_FLAGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
)


def chromium_path() -> str:
    """The Chromium binary the tests drive; missing, the browser tests skip, but never in CI."""
    path = os.environ.get("PAUSEBOT_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not os.path.exists(path):
        why = (
            f"Chromium is not at {path}: install Debian's chromium (apt-get install -y chromium) "
            "or set PAUSEBOT_CHROMIUM"
        )
        if os.environ.get("CI"):
            pytest.fail(why)
        pytest.skip(why)
    return path


@dataclass
class Visit:
    """A browser page on the test server, and every URL the browser asked for."""

    page: Page
    context: BrowserContext
    origin: str
    requested: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)

    def off_site(self) -> list[str]:
        """Requests whose host is not the test server's."""
        netloc = urlsplit(self.origin).netloc
        return [url for url in self.requested if urlsplit(url).netloc != netloc]


class Chromium:
    """One headless Chromium for a test."""

    def __init__(self) -> None:
        self._playwright = None
        self.browser: Browser | None = None

    async def start(self) -> Chromium:
        """Launch the browser."""
        self._playwright = await async_playwright().start()
        self.browser = await self._playwright.chromium.launch(
            executable_path=chromium_path(), headless=True, args=list(CHROMIUM_FLAGS)
        )
        return self

    async def visit(self, origin: str) -> Visit:
        """A fresh context (no cookies) whose requests are logged, and off-site ones refused."""
        assert self.browser is not None
        context = await self.browser.new_context()
        page = await context.new_page()
        visit = Visit(page=page, context=context, origin=origin)
        netloc = urlsplit(origin).netloc

        async def guard(route: Route) -> None:
            """Let requests to the test server through; refuse and record any other."""
            url = route.request.url
            visit.requested.append(url)
            if urlsplit(url).netloc == netloc:
                await route.continue_()
            else:
                visit.blocked.append(url)
                await route.abort()

        await context.route("**/*", guard)
        return visit

    async def close(self) -> None:
        """Close the browser and Playwright."""
        if self.browser is not None:
            await self.browser.close()
        if self._playwright is not None:
            await self._playwright.stop()
