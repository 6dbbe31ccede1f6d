"""`pausebot import assignments FILE.csv [--dry-run]`: assignments from a list kept elsewhere.

The file has a `project` column and one of `identity` (`slack:U024BE7LH`), `email` (a Slack
member's e-mail) or `name` (a console name). Every row is checked before anything is applied:
with any bad row nothing is, and each bad row is listed with its line number in the file (the
header is line 1). E-mails are found in bulk in Slack's `users.list` (paged, read once for the
run), never with one `users.lookupByEmail` per person. Good rows are applied in one
transaction of bulk statements.
"""

from __future__ import annotations

import csv
import difflib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import click
from pydantic import ValidationError, model_validator
from sqlalchemy import select

from bot.config import ConfigError, Settings
from bot.core import audiences
from bot.core.audiences import Member, looks_like_group
from bot.core.clock import SystemClock
from bot.core.errors import InvalidInput, PausebotError
from bot.core.parsing import CODE_RE, clean_name, shown
from bot.core.readmodels import AssignCounts
from bot.core.words import EXTERNAL_ID, IdentityKey, Platform, ProjectState
from bot.db.models import Project
from bot.db.session import Database

EXIT_OK, EXIT_REFUSED, EXIT_USAGE = 0, 1, 2
WHO_COLUMNS = ("identity", "email", "name")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
CONSOLE_NAME = re.compile(EXTERNAL_ID)
SHOWN_BAD_ROWS = 200


class ImportSettings(Settings):
    """Settings for an import: a Slack bot token alone is enough (the signing secret is for
    Slack's HTTP mode, which an import does not serve)."""

    @model_validator(mode="after")
    def _slack_pairs(self) -> ImportSettings:
        """An import needs SLACK_BOT_TOKEN alone, to find e-mails."""
        return self


def load_import_settings() -> Settings:
    """The settings for an import, or ConfigError naming the one that is wrong."""
    try:
        return ImportSettings()
    except ValidationError as exc:
        problems = [
            f"{'.'.join(str(part) for part in error['loc']) or 'settings'}: "
            + error["msg"].removeprefix("Value error, ")
            for error in exc.errors()
        ]
        raise ConfigError("; ".join(problems)) from None


@dataclass(frozen=True)
class Row:
    """One row of the file: its line, the project code and who, as written."""

    line: int
    project: str
    identity: str
    email: str
    name: str


@dataclass(frozen=True)
class BadRow:
    """A row that cannot be applied, and why, in one sentence."""

    line: int
    reason: str


@dataclass
class Plan:
    """What the file asks for once checked: people per project, and the bad rows."""

    people: dict[str, dict[IdentityKey, Member]] = field(default_factory=dict)
    bad: list[BadRow] = field(default_factory=list)
    rows: int = 0
    repeated: int = 0

    def add(self, line: int, code: str, member: Member) -> None:
        """A good row."""
        chosen = self.people.setdefault(code, {})
        if member.key in chosen:
            self.repeated += 1
        chosen[member.key] = member

    def refuse(self, line: int, reason: str) -> None:
        """A bad row."""
        self.bad.append(BadRow(line, reason))


class FileRefused(PausebotError):
    """The file as a whole cannot be read (no header, not UTF-8, not CSV)."""


def read_rows(stream: TextIO) -> Iterator[Row]:
    """The rows of a CSV file with their line numbers; FileRefused when the header is wrong."""
    reader = csv.reader(stream)
    try:
        header = next(reader)
    except StopIteration:
        raise FileRefused(
            "line 1: the file is empty; the header is project and one of identity, email, name."
        ) from None
    columns = [column.strip().lower() for column in header]
    if "project" not in columns or not any(who in columns for who in WHO_COLUMNS):
        raise FileRefused(
            f"line 1: the header must name a project column and one of identity, email or "
            f"name; it has {', '.join(shown(c) for c in columns) or 'nothing'}."
        )
    doubled = sorted({column for column in columns if columns.count(column) > 1 and column})
    if doubled:
        raise FileRefused(f"line 1: the header names {', '.join(doubled)} twice.")
    where = {column: index for index, column in enumerate(columns)}

    def cell(values: list[str], column: str) -> str:
        """A row's value in a column, stripped; empty when the row is short or lacks it."""
        index = where.get(column)
        return values[index].strip() if index is not None and index < len(values) else ""

    for values in reader:
        if not any(value.strip() for value in values):
            continue  # a blank line, or one of empty cells as spreadsheets leave at the end
        yield Row(
            line=reader.line_num,
            project=cell(values, "project"),
            identity=cell(values, "identity"),
            email=cell(values, "email"),
            name=cell(values, "name"),
        )


def person(row: Row, emails: dict[str, Any] | None) -> Member:
    """Who a row names, as a member to assign; InvalidInput saying why not."""
    given = [column for column in WHO_COLUMNS if getattr(row, column)]
    if not given:
        raise InvalidInput("no identity, email or name is given")
    if len(given) > 1:
        raise InvalidInput(f"give one of {' or '.join(given)}, not {len(given)}")
    if row.identity:
        text = row.identity.removeprefix("@")
        if looks_like_group("@" + text):
            raise InvalidInput(f"{shown(row.identity)} is a group; give one person a row")
        try:
            key = IdentityKey.parse(text)
        except InvalidInput:
            raise InvalidInput(
                f"{shown(row.identity)} is not an identity like slack:U024BE7LH"
            ) from None
        return Member(key)
    if row.name:
        name = row.name.removeprefix("@")
        if not CONSOLE_NAME.fullmatch(name):
            raise InvalidInput(
                f"{shown(row.name)} is not a console name (letters, digits, dots, dashes)"
            )
        return Member(IdentityKey(Platform.CONSOLE, name), name=clean_name(name))
    email = row.email.lower()
    if not EMAIL.fullmatch(email):
        raise InvalidInput(f"{shown(row.email)} is not an e-mail address")
    user = (emails or {}).get(email)
    if user is None:
        raise InvalidInput(f"no Slack member has the e-mail {shown(row.email)}")
    if user.bot:
        raise InvalidInput(f"{shown(row.email)} belongs to a Slack bot")
    if user.deleted:
        raise InvalidInput(f"{shown(row.email)} belongs to a deactivated Slack account")
    return Member(IdentityKey(Platform.SLACK, user.id), name=user.name)


def project_problem(code: str, projects: dict[str, str]) -> str | None:
    """Why a row's project cannot take assignments, or None."""
    if not code:
        return "no project is given"
    upper = code.upper()
    if not CODE_RE.fullmatch(upper):
        return f"{shown(code)} is not a project code"
    state = projects.get(upper)
    if state is None:
        near = difflib.get_close_matches(upper, list(projects), n=2, cutoff=0.6)
        hint = f" (did you mean {' or '.join(near)}?)" if near else ""
        return f"there is no project {upper}{hint}"
    if state == ProjectState.CLOSED:
        return f"{upper} is closed; nobody can be assigned to it"
    return None


def check(
    rows: list[Row],
    projects: dict[str, str],
    emails: dict[str, Any] | None,
    tick: Callable[[], None],
) -> Plan:
    """Every row checked: each good one planned, each bad one listed with its reason."""
    plan = Plan(rows=len(rows))
    for row in rows:
        tick()
        problem = project_problem(row.project, projects)
        if problem is not None:
            plan.refuse(row.line, problem)
            continue
        try:
            member = person(row, emails)
        except InvalidInput as exc:
            plan.refuse(row.line, exc.message)
            continue
        plan.add(row.line, row.project.upper(), member)
    return plan


class DryRun(Exception):
    """Raised to roll back a dry run after counting."""


async def apply(database: Database, plan: Plan, *, dry_run: bool) -> dict[str, AssignCounts]:
    """Assign everyone the plan names, in one transaction of bulk statements per project.

    A dry run does the same inside the transaction, then rolls it back: its counts are what a
    real run would do.
    """
    now = SystemClock().now()
    counts: dict[str, AssignCounts] = {}
    try:
        async with database.transaction() as db:
            for code, members in sorted(plan.people.items()):
                project = (
                    await db.execute(
                        select(Project).where(Project.code == code).with_for_update(of=Project)
                    )
                ).scalar_one()
                done = await audiences.assign(
                    db,
                    project=project,
                    contractor_ids=[],
                    found=[],
                    people=list(members.values()),
                    now=now,
                )
                counts[code] = done.counts
            if dry_run:
                raise DryRun
    except DryRun:
        pass
    return counts


async def slack_emails(settings: Settings, wanted: set[str], err: TextIO) -> dict[str, Any]:
    """The Slack accounts by e-mail, read in bulk from users.list, with a progress bar."""
    from bot.adapters.slack.groups import SlackDirectory
    from bot.adapters.slack.webapi import WebApi, web_client

    client = web_client(settings)
    directory = SlackDirectory(WebApi(client))
    found: set[str] = set()
    with click.progressbar(
        length=len(wanted), label="Finding the e-mails in Slack", file=err
    ) as bar:

        async def on_page(page: list[Any]) -> None:
            """Move the bar by the file's e-mails this page holds."""
            new = {user.email for user in page if user.email in wanted} - found
            found.update(new)
            bar.update(len(new))

        try:
            return await directory.by_email(on_page=on_page)
        finally:
            session = getattr(client, "session", None)
            if session is not None:
                await session.close()


def report(plan: Plan, counts: dict[str, AssignCounts], *, dry_run: bool, out: TextIO) -> None:
    """What was (or would be) done, per project and in all."""
    verb = "would assign" if dry_run else "assigned"
    for code, done in sorted(counts.items()):
        click.echo(
            f"{code}: {verb} {done.assigned}, already assigned {done.already}, "
            f"new to pausebot {done.new_people}",
            file=out,
        )
    total = sum(done.assigned for done in counts.values())
    already = sum(done.already for done in counts.values())
    repeated = f" ({plan.repeated} repeated rows counted once)" if plan.repeated else ""
    head = "Dry run: every row is good; nothing was applied." if dry_run else "Imported."
    click.echo(
        f"{head} {plan.rows} rows{repeated}: {verb} {total}, already assigned {already}.",
        file=out,
    )


async def import_assignments(
    path: Path, *, dry_run: bool, settings: Settings, out: TextIO, err: TextIO
) -> int:
    """Check the file, then apply it (unless a dry run); returns the exit code."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as stream:
            rows = list(read_rows(stream))
    except UnicodeDecodeError as exc:
        click.echo(
            f"pausebot: {path} is not UTF-8 text ({exc.reason}); save it as UTF-8.", file=err
        )
        return EXIT_REFUSED
    except (FileRefused, csv.Error) as exc:
        message = exc.message if isinstance(exc, FileRefused) else f"not a CSV file: {exc}"
        click.echo(f"pausebot: {path}: {message}", file=err)
        return EXIT_REFUSED
    emails_wanted = {row.email.lower() for row in rows if row.email}
    emails = None
    if emails_wanted:
        if not settings.SLACK_BOT_TOKEN:
            click.echo(
                "pausebot: configuration error: SLACK_BOT_TOKEN is needed to find Slack "
                "members by e-mail (the signing secret is not)",
                file=err,
            )
            return EXIT_USAGE
        try:
            emails = await slack_emails(settings, emails_wanted, err)
        except PausebotError as exc:
            click.echo(f"pausebot: {exc.message}", file=err)
            return EXIT_REFUSED
    database = Database(settings.DATABASE_URL)
    try:
        await database.upgrade()
        async with database.transaction() as db:
            found = await db.execute(select(Project.code, Project.state))
            projects = {code: state for code, state in found}
        with click.progressbar(length=len(rows), label="Checking the rows", file=err) as bar:
            plan = check(rows, projects, emails, lambda: bar.update(1))
        if plan.bad:
            for bad in plan.bad[:SHOWN_BAD_ROWS]:
                click.echo(f"line {bad.line}: {bad.reason}.", file=err)
            more = len(plan.bad) - SHOWN_BAD_ROWS
            if more > 0:
                click.echo(f"… and {more} more bad rows.", file=err)
            click.echo(
                f"pausebot: {len(plan.bad)} of {len(rows)} rows are bad; nothing was imported.",
                file=err,
            )
            return EXIT_REFUSED
        if not dry_run:
            people = sum(len(members) for members in plan.people.values())
            click.echo(f"Assigning {people} people to {len(plan.people)} projects…", file=err)
        counts = await apply(database, plan, dry_run=dry_run)
    finally:
        await database.dispose()
    report(plan, counts, dry_run=dry_run, out=out)
    return EXIT_OK
