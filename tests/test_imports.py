"""`pausebot import assignments FILE.csv [--dry-run]`, as a subprocess and in-process, with
e-mails found in bulk in the fake Slack Web API's users.list."""

from __future__ import annotations

import asyncio
import io
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.db.models import Assignment, Identity
from bot.imports import ImportSettings, import_assignments
from tests.conftest import snapshot
from tests.fakes.slack_api import FakeSlackApi
from tests.test_cli import pausebot

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture
async def slack_api():
    """The fake Slack Web API with people (with e-mails), a bot and a deactivated account."""
    fake = await FakeSlackApi().start()
    fake.add_member("UANN", "Ann", email="ann@example.com")
    fake.add_member("UBEN", "Ben", email="Ben@Example.com")
    fake.add_member("UBOT", "Jira", email="jira@example.com", bot=True)
    fake.add_member("UOLD", "Old", email="old@example.com", deleted=True)
    yield fake
    await fake.stop()


@pytest.fixture
async def projects(say):
    """ACME and BETA active, OLD closed."""
    await say.ok("admin", '/project add ACME "Acme AI" "Labels"')
    await say.ok("admin", '/project add BETA "Acme AI" "Audio"')
    await say.ok("admin", '/project add OLD "Acme AI" "Old"')
    await say.ok("admin", "/project close OLD done")


def write(tmp_path: Path, text: str, name: str = "people.csv") -> Path:
    """A CSV file with this text."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


async def run(path: Path, url: str, *args: str, **env: str):
    """`pausebot import assignments PATH ARGS` in a subprocess, the loop serving the fake."""
    return await asyncio.to_thread(
        pausebot, "import", "assignments", str(path), *args, url=url, **env
    )


async def assigned(database) -> set[tuple[str, str]]:
    """(project id, identity) of every open assignment."""
    async with database.transaction() as db:
        rows = await db.execute(
            select(Assignment.project_id, Identity.platform, Identity.external_id)
            .join(Identity, Identity.contractor_id == Assignment.contractor_id)
            .where(Assignment.until.is_(None))
        )
        return {(str(pid), f"{platform}:{ext}") for pid, platform, ext in rows}


async def test_rows_of_every_kind_are_imported(
    projects, database, database_url, slack_api, tmp_path
):
    """Identities, console names and Slack e-mails (any case) are assigned; users.list is
    read in pages, with the bot token alone; no per-person lookup."""
    path = write(
        tmp_path,
        "project,identity,email,name\n"
        "ACME,slack:U024BE7LH,,\n"
        "acme,,ann@example.com,\n"
        "ACME,,BEN@example.com,\n"
        "BETA,,,carol\n"
        "BETA,@discord:80351110224678912,,\n"
        "ACME,,ann@example.com,\n"
        ",,,\n",
    )
    done = await run(
        path,
        database_url,
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_API_URL=slack_api.api_url,
    )
    assert done.returncode == 0, done.stderr
    assert "ACME: assigned 3, already assigned 0" in done.stdout
    assert "BETA: assigned 2" in done.stdout
    assert "(1 repeated rows counted once)" in done.stdout
    identities = {identity for _, identity in await assigned(database)}
    assert identities == {
        "slack:U024BE7LH",
        "slack:UANN",
        "slack:UBEN",
        "console:carol",
        "discord:80351110224678912",
    }
    assert slack_api.called("users.list") and not slack_api.called("users.lookupByEmail")
    again = await run(path, database_url, SLACK_BOT_TOKEN="x", SLACK_API_URL=slack_api.api_url)
    assert "ACME: assigned 0, already assigned 3" in again.stdout


async def test_bad_rows_are_each_listed_and_nothing_is_applied(
    projects, database, database_url, slack_api, tmp_path
):
    """Any bad row: exit 1, every bad row listed by its line (the header is line 1), no
    change at all."""
    path = write(
        tmp_path,
        "project,identity,email,name\n"  # 1
        "ACME,slack:UGOOD,,\n"  # 2: good
        "ACEM,slack:UX,,\n"  # 3: unknown project
        "OLD,slack:UX,,\n"  # 4: closed
        "ACME,,nobody@example.com,\n"  # 5: unknown e-mail
        "ACME,,jira@example.com,\n"  # 6: a bot
        "ACME,,old@example.com,\n"  # 7: deactivated
        "ACME,alice,,\n"  # 8: not an identity
        "ACME,slack:UX,,x\n"  # 9: two given
        "ACME,,,\n"  # 10: nobody
        "ACME,@slack:S0123,,\n"  # 11: a group
        "ACME,,not-an-email,\n"  # 12
        "ACME,,,bad name\n"  # 13
        ",slack:UX,,\n",  # 14: no project
    )
    before = await snapshot(database)
    done = await run(path, database_url, SLACK_BOT_TOKEN="x", SLACK_API_URL=slack_api.api_url)
    assert done.returncode == 1
    listed = [line for line in done.stderr.splitlines() if line.startswith("line ")]
    assert [line.split(":")[0] for line in listed] == [f"line {n}" for n in range(3, 15)]
    assert "there is no project ACEM (did you mean ACME?)" in listed[0]
    assert "OLD is closed" in listed[1]
    assert "no Slack member has the e-mail" in listed[2]
    assert "a Slack bot" in listed[3] and "deactivated" in listed[4]
    assert "is a group" in listed[8]
    assert "12 of 13 rows are bad; nothing was imported" in done.stderr
    assert await snapshot(database) == before


async def test_dry_run_applies_nothing_and_says_what_would_be_done(
    projects, database, database_url, tmp_path
):
    """--dry-run exits 0 when every row is good, with the counts, and changes nothing."""
    path = write(tmp_path, "project,name\nACME,dora\nBETA,dora\nACME,ed\n")
    before = await snapshot(database)
    done = await run(path, database_url, "--dry-run")
    assert done.returncode == 0, done.stderr
    assert "ACME: would assign 2" in done.stdout and "nothing was applied" in done.stdout
    assert await snapshot(database) == before
    bad = write(tmp_path, "project,name\nNOPE,dora\n", "bad.csv")
    refused = await run(bad, database_url, "--dry-run")
    assert refused.returncode == 1 and "line 2: there is no project NOPE" in refused.stderr


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "line 1: the file is empty"),
        ("code,email\nACME,a@b.co\n", "line 1: the header must name a project column"),
        ("project,name,name\nACME,x,y\n", "line 1: the header names name twice"),
    ],
)
async def test_a_file_without_the_right_header_is_refused(
    projects, database_url, tmp_path, text, words
):
    """No header, a wrong one, or one naming a column twice: exit 1 saying so."""
    done = await run(write(tmp_path, text), database_url)
    assert done.returncode == 1 and words in done.stderr


async def test_emails_need_the_bot_token_and_not_the_signing_secret(
    projects, database_url, tmp_path
):
    """E-mails without SLACK_BOT_TOKEN: exit 2 naming it; a file that is not UTF-8: exit 1."""
    done = await run(write(tmp_path, "project,email\nACME,a@example.com\n"), database_url)
    assert done.returncode == 2 and "SLACK_BOT_TOKEN" in done.stderr
    latin = tmp_path / "latin.csv"
    latin.write_bytes("project,name\nACME,jos\xe9\n".encode("latin-1"))
    refused = await run(latin, database_url)
    assert refused.returncode == 1 and "not UTF-8" in refused.stderr


async def test_ten_thousand_emails_import_quickly_under_slacks_tiers(
    projects, database, database_url, tmp_path
):
    """10,000 e-mail rows: users.list read in 1,000-row pages under Slack's Tier 2 (sped up
    tenfold), 429s waited out, then one transaction; well within two minutes."""
    fake = await FakeSlackApi().start()
    try:
        fake.slack_tiers(scale=10)
        lines = ["project,email"]
        for n in range(10_000):
            fake.add_member(f"UM{n:05d}", f"Member {n}", email=f"member{n}@example.com")
            lines.append(f"ACME,member{n}@example.com")
        path = write(tmp_path, "\n".join(lines) + "\n")
        settings = ImportSettings(
            _env_file=None,
            DATABASE_URL=database_url,
            SLACK_BOT_TOKEN="xoxb-test",
            SLACK_API_URL=fake.api_url,
        )
        out, err = io.StringIO(), io.StringIO()
        started = time.perf_counter()
        code = await import_assignments(path, dry_run=False, settings=settings, out=out, err=err)
        seconds = time.perf_counter() - started
    finally:
        await fake.stop()
    assert code == 0, err.getvalue()
    assert "ACME: assigned 10000" in out.getvalue()
    assert len(fake.called("users.list")) - len(fake.rate_limited) == 10
    assert fake.rate_limited  # the tier was met and waited out
    assert seconds < 120
    assert len(await assigned(database)) == 10_000
