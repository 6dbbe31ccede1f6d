"""The `pausebot` command line; the composition root that wires everything together."""

from __future__ import annotations

import asyncio
import contextlib
import getpass
import json
import logging
import re
import sys
from collections.abc import Awaitable, Callable
from datetime import date
from functools import wraps
from pathlib import Path
from typing import Any

import click
from sqlalchemy import select

from bot.adapters.console.chat import chat as console_chat
from bot.adapters.console.chat import tolerant_stdio
from bot.adapters.console.render import message_text
from bot.commands.runner import CommandRunner
from bot.config import ConfigError, Settings, load_settings
from bot.core import export, present, reports
from bot.core.clock import SystemClock
from bot.core.errors import InvalidInput, NotFound, PausebotError
from bot.core.message import Message
from bot.core.parsing import parse_date
from bot.core.readmodels import ReadModel
from bot.core.timeline import local_date
from bot.core.words import IdentityKey, Platform, Role
from bot.db.models import Client, Contractor
from bot.db.session import Database
from bot.files import open_private
from bot.logs import setup_logging

log = logging.getLogger("bot")

EXIT_REFUSED = 1
EXIT_USAGE = 2
NAME_RE = re.compile(r"[A-Za-z0-9._-]{1,64}")


def settings_or_exit() -> Settings:
    """Load settings, or stop with exit code 2 naming the bad setting."""
    try:
        return load_settings()
    except ConfigError as exc:
        click.echo(f"pausebot: configuration error: {exc}", err=True)
        sys.exit(EXIT_USAGE)


def refuse(message: str) -> None:
    """Stop a one-shot command with exit code 1."""
    click.echo(f"pausebot: {message}", err=True)
    sys.exit(EXIT_REFUSED)


async def open_database(settings: Settings) -> Database:
    """The configured database, migrated to head."""
    database = Database(settings.DATABASE_URL)
    await database.upgrade()
    return database


def with_database(func: Callable[..., Awaitable[Any]]) -> Callable[..., Any]:
    """Run an async one-shot command with settings and a migrated database."""

    @wraps(func)
    def wrapper(**kwargs: Any) -> Any:
        settings = settings_or_exit()

        async def main() -> Any:
            database = await open_database(settings)
            try:
                return await func(settings=settings, database=database, **kwargs)
            finally:
                await database.dispose()

        try:
            return asyncio.run(main())
        except PausebotError as exc:
            refuse(exc.message)

    return wrapper


async def has_admin(database: Database) -> bool:
    """Whether anyone holds the admin role in the database."""
    async with database.transaction() as session:
        found = await session.execute(select(Contractor.id).where(Contractor.role == Role.ADMIN))
        return found.first() is not None


def team_date(text: str | None, settings: Settings) -> date | None:
    """A date option read in the team's time zone; None when not given."""
    if text is None:
        return None
    return parse_date(text, local_date(SystemClock().now(), settings.tz))


def check_name(name: str) -> str:
    """A console name usable in `console:NAME`."""
    if not NAME_RE.fullmatch(name):
        raise click.BadParameter(
            "use letters, digits, dots, dashes or underscores", param_hint="--as"
        )
    return name


def report_output(data: ReadModel, message: Message, fmt: str) -> str:
    """A report as JSON for scripts, or as the text the console shows."""
    if fmt == "json":
        return json.dumps(data.to_json(), indent=2, ensure_ascii=False)
    return message_text(message)


@click.group()
@click.version_option(package_name="pausebot")
@click.option("-v", "--verbose", is_flag=True, help="Log debug detail to standard error.")
def main(verbose: bool) -> None:
    """pausebot: the Slack and Discord bot for contractors whose projects are paused."""
    setup_logging(verbose)


@main.command()
@click.option("--as", "name", default=None, help="Console name when no platform is configured.")
@click.option(
    "--workers",
    "worker_count",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Processes sharing the HTTP port; more than 1 needs PostgreSQL and Slack or Discord.",
)
def run(name: str | None, worker_count: int) -> None:
    """Start every adapter that has credentials, the scheduler and the HTTP server."""
    settings = settings_or_exit()
    name = check_name(name or getpass.getuser() or "you")
    if worker_count > 1:
        from bot.workers import WorkersRefused, run_workers

        verbose = click.get_current_context().find_root().params["verbose"]
        try:
            with contextlib.suppress(KeyboardInterrupt):
                run_workers(settings, count=worker_count, verbose=verbose)
        except WorkersRefused as exc:
            click.echo(f"pausebot: {exc}", err=True)
            sys.exit(EXIT_USAGE)
        return
    from bot.app import run_app

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run_app(settings, console_name=name))


@main.command()
@click.option("--as", "name", required=True, help="Chat as console:NAME.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object a line.")
def chat(name: str, as_json: bool) -> None:
    """Chat from standard input, one command a line; never delivers or schedules."""
    settings = settings_or_exit()
    check_name(name)
    tolerant_stdio()

    async def main() -> None:
        database = await open_database(settings)
        runner = CommandRunner(database=database, settings=settings, clock=SystemClock())
        try:
            if not settings.PAUSEBOT_ADMINS and not await has_admin(database):
                me = IdentityKey(Platform.CONSOLE, name)
                click.echo(
                    f"pausebot: nobody is admin yet; to make {me} admin, "
                    f"start chat with PAUSEBOT_ADMINS={me}",
                    err=True,
                )
            await console_chat(runner, name=name, as_json=as_json)
        finally:
            await database.dispose()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())


@main.group()
def db() -> None:
    """Database maintenance."""


@db.command()
def upgrade() -> None:
    """Run the Alembic migrations to head."""
    settings = settings_or_exit()

    async def main() -> None:
        database = await open_database(settings)
        await database.dispose()

    asyncio.run(main())
    click.echo("Database is at the latest schema.")


@main.command()
@with_database
async def demo(settings: Settings, database: Database) -> None:
    """Load realistic demo data into the configured database."""
    from bot.core.demo import load_demo

    loaded = await load_demo(database, settings=settings, now=SystemClock().now())
    click.echo(loaded)


@main.command()
@click.option("--date", "day", default=None, help="YYYY-MM-DD, today or yesterday (default).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@with_database
async def summary(settings: Settings, database: Database, day: str | None, fmt: str) -> None:
    """The daily summary for a date (default: yesterday in PAUSEBOT_TZ)."""
    chosen = team_date(day or "yesterday", settings)
    today = local_date(SystemClock().now(), settings.tz)
    if chosen > today:
        raise InvalidInput(f"--date {chosen} is in the future; give {today} or an earlier date.")
    async with database.transaction() as session:
        data = await reports.daily_summary(
            session,
            day=chosen,
            zone=settings.tz,
            now=SystemClock().now(),
            summary_time=settings.SUMMARY_TIME,
            nudge_days=settings.UPDATE_NUDGE_DAYS,
        )
    click.echo(report_output(data, present.summary(data), fmt))


@main.command()
@click.option("--client", default=None, help="Only this client (or project code).")
@click.option("--from", "first", default=None, help="First work date, YYYY-MM-DD.")
@click.option("--to", "last", default=None, help="Last work date, YYYY-MM-DD.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@with_database
async def impact(
    settings: Settings,
    database: Database,
    client: str | None,
    first: str | None,
    last: str | None,
    fmt: str,
) -> None:
    """The impact report per client and project."""
    start, end = team_date(first, settings), team_date(last, settings)
    if start and end and start > end:
        raise InvalidInput(f"--from {start} is after --to {end}; give the earlier date first.")
    async with database.transaction() as session:
        try:
            data = await reports.impact_report(
                session,
                zone=settings.tz,
                now=SystemClock().now(),
                subject=client,
                first=start,
                last=end,
            )
        except NotFound:
            names = (await session.execute(select(Client.name).order_by(Client.name))).scalars()
            known = ", ".join(f'"{name}"' for name in names)
            hint = (
                f"the clients are {known}, or give a project code"
                if known
                else "there are none yet"
            )
            raise InvalidInput(f"There is no client or project {client!r}; {hint}.") from None
    click.echo(report_output(data, present.impact(data), fmt))


@main.group(name="export")
def export_group() -> None:
    """Exports for scripts and spreadsheets."""


@export_group.command(name="hours")
@click.option("--from", "first", default=None, help="First work date, YYYY-MM-DD.")
@click.option("--to", "last", default=None, help="Last work date, YYYY-MM-DD.")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write to this new file (readable by you only) instead of standard output.",
)
@click.option("--force", is_flag=True, help="Replace the --out file if it exists.")
@click.option("--include-deleted", is_flag=True, help="Also deleted entries, with deleted_at.")
@with_database
async def export_hours(
    settings: Settings,
    database: Database,
    first: str | None,
    last: str | None,
    fmt: str,
    out: Path | None,
    force: bool,
    include_deleted: bool,
) -> None:
    """Every hours entry in a date range (no dates: everything), streamed."""
    start, end = team_date(first, settings), team_date(last, settings)
    if start and end and start > end:
        refuse(f"--from {start} is after --to {end}; give the earlier date first.")
    try:
        stream = open_private(out, force=force) if out else sys.stdout
    except FileExistsError:
        refuse(f"{out} exists; choose another --out file, or add --force to replace it.")
    except OSError as exc:
        refuse(f"{out} cannot be written: {exc.strerror}.")
    try:
        async with database.sessionmaker() as session:
            batches = export.hours_batches(
                session, first=start, last=end, include_deleted=include_deleted
            )
            render = export.csv_chunks if fmt == "csv" else export.json_chunks
            chunks = render(batches, include_deleted=include_deleted)
            async for chunk in chunks:
                stream.write(chunk)
    finally:
        if out:
            stream.close()


@main.group(name="import")
def import_group() -> None:
    """Bulk imports from files."""


@import_group.command(name="assignments")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check every row and count; apply nothing.")
def import_assignments(file: Path, dry_run: bool) -> None:
    """Assign people to projects from a CSV: project, and identity, email or name."""
    from bot.imports import import_assignments as run_import
    from bot.imports import load_import_settings

    try:
        settings = load_import_settings()
    except ConfigError as exc:
        click.echo(f"pausebot: configuration error: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    out, err = click.get_text_stream("stdout"), click.get_text_stream("stderr")
    code = asyncio.run(run_import(file, dry_run=dry_run, settings=settings, out=out, err=err))
    sys.exit(code)


@main.command(name="statement")
@click.argument("identity")
@click.option("--from", "first", default=None, help="First date (default: 90 days before --to).")
@click.option("--to", "last", default=None, help="Last date (default: today).")
@click.option("--format", "fmt", type=click.Choice(["json", "pdf", "csv"]), default="json")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write to this new file (readable by you only) instead of standard output.",
)
@click.option("--force", is_flag=True, help="Replace the --out file if it exists.")
@with_database
async def statement_command(
    settings: Settings,
    database: Database,
    identity: str,
    first: str | None,
    last: str | None,
    fmt: str,
    out: Path | None,
    force: bool,
) -> None:
    """A contractor's statement (IDENTITY like slack:U024BE7LH): JSON, PDF or CSV."""
    from bot.core.evidence import make_statement

    if fmt == "pdf" and out is None and sys.stdout.isatty():
        refuse("a PDF does not belong on a terminal; add --out FILE.")
    made, content = await make_statement(
        database,
        default_tz=settings.PAUSEBOT_TZ,
        identity=identity,
        first=first,
        last=last,
        fmt=fmt,
    )
    if out is None:
        sys.stdout.buffer.write(content)
        sys.stdout.flush()
        return
    try:
        with open_private(out, force=force, binary=True) as stream:
            stream.write(content)
    except FileExistsError:
        refuse(f"{out} exists; choose another --out file, or add --force to replace it.")
    except OSError as exc:
        refuse(f"{out} cannot be written: {exc.strerror}.")
    click.echo(f"Wrote {out} ({made.digest}).", err=True)


@main.group(name="discord")
def discord_group() -> None:
    """Discord maintenance."""


@discord_group.command(name="sync")
@click.option("--global", "everywhere", is_flag=True, help="Publish to every server (slow).")
def discord_sync(everywhere: bool) -> None:
    """Publish the application commands to DISCORD_GUILD_IDS, or globally with --global."""
    import discord

    from bot.adapters.discord.bot import sync_once

    settings = settings_or_exit()
    if not settings.DISCORD_BOT_TOKEN:
        click.echo("pausebot: configuration error: DISCORD_BOT_TOKEN is not set", err=True)
        sys.exit(EXIT_USAGE)
    if not everywhere and not settings.DISCORD_GUILD_IDS:
        click.echo("pausebot: set DISCORD_GUILD_IDS, or sync everywhere with --global", err=True)
        sys.exit(EXIT_USAGE)

    async def main() -> list[str]:
        database = Database(settings.DATABASE_URL)
        runner = CommandRunner(database=database, settings=settings, clock=SystemClock())
        try:
            return await sync_once(runner=runner, settings=settings, everywhere=everywhere)
        finally:
            await database.dispose()

    try:
        names = asyncio.run(main())
    except discord.LoginFailure:
        click.echo("pausebot: configuration error: Discord refused DISCORD_BOT_TOKEN", err=True)
        sys.exit(EXIT_USAGE)
    except discord.HTTPException as exc:
        refuse(f"Discord refused the sync: {exc}")
    where = "globally" if everywhere else f"to {len(settings.DISCORD_GUILD_IDS)} server(s)"
    click.echo(f"Synced /{', /'.join(names)} {where}.")


@main.command(name="dashboard-link")
@click.option(
    "--as",
    "identity",
    required=True,
    help="Whose link: an identity like slack:U024BE7LH (a bare NAME means console:NAME).",
)
@with_database
async def dashboard_link(settings: Settings, database: Database, identity: str) -> None:
    """Print a one-time sign-in link to the web dashboard (ops staff and admins only)."""
    from bot.core import weblogin
    from bot.core.people import Caller, find_identity, resolve

    text = identity.strip()
    key = IdentityKey.parse(text if ":" in text else f"console:{text}")
    now = SystemClock().now()
    async with database.transaction() as session:
        if key not in settings.PAUSEBOT_ADMINS and await find_identity(session, key) is None:
            raise NotFound(f"pausebot does not know {key}; check the spelling.")
        person = await resolve(
            session,
            Caller(platform=key.platform, external_id=key.external_id),
            now=now,
            admins=settings.PAUSEBOT_ADMINS,
            default_tz=settings.PAUSEBOT_TZ,
        )
        if not person.has(Role.OPS):
            raise InvalidInput(
                f"{key} is a contractor; only ops staff and admins get a dashboard link."
            )
        _token, link = await weblogin.issue_link(
            session, person=person, now=now, base_url=settings.public_url
        )
    click.echo(link.url)
