"""The web dashboard and public status pages: routes, templates and static files.

`add_dashboard(app, database=…, settings=…)` adds them to pausebot's aiohttp application.
"""

from bot.dashboard.routes import add_dashboard

__all__ = ["add_dashboard"]
