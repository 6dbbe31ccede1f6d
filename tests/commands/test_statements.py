"""Statements: the JSON matches the export and the delivered messages, the digest checks, the
PDF reads back, files are private, and nobody gets another person's statement."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil
import stat
import subprocess
import sys
from collections import defaultdict
from datetime import UTC, datetime, time

import pytest
from sqlalchemy import select

from bot.adapters.console.chat import chat
from bot.adapters.console.sender import ConsoleSender
from bot.core import export
from bot.core.people import Caller
from bot.core.words import Platform
from bot.db.models import OutboxMessage
from bot.notify.dispatcher import Dispatcher
from bot.scheduling.jobs import Jobs
from tests.conftest import snapshot

ZOE = Caller(platform=Platform.CONSOLE, external_id="zoe", display_name="Zoë Ångström")
DMITRY = Caller(platform=Platform.CONSOLE, external_id="dmitry", display_name="Дмитрий")
SPEC_KEYS = {"contractor", "identities", "from", "to", "projects", "digest"}
PROJECT_KEYS = {
    "project",
    "client",
    "changes",
    "updates",
    "messages",
    "days",
    "worked_minutes",
    "blocked_minutes",
    "amounts",
}


def t(month: int, day: int, hour: int = 9) -> datetime:
    """A moment in 2026, UTC."""
    return datetime(2026, month, day, hour, 0, tzinfo=UTC)


@pytest.fixture
def pdftotext() -> str:
    """Poppler's pdftotext (Debian poppler-utils; CI installs it)."""
    found = shutil.which("pdftotext")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("pdftotext is missing: install poppler-utils")
        pytest.skip("pdftotext (poppler-utils) is not installed")
    return found


async def deliver(database, clock) -> None:
    """Deliver everything due through the console sender, as `pausebot run` would."""
    dispatcher = Dispatcher(
        database=database, senders={Platform.CONSOLE: ConsoleSender(io.StringIO())}, clock=clock
    )
    await dispatcher.drain()


@pytest.fixture
async def record(say, runner, database, settings, clock):
    """ACME (20 USD an hour) paused Feb 24 15:00 to Mar 2 10:00 with check-ins; Zoë's hours,
    answers, an update and a changed expected resume; Дмитрий on BETA. Messages delivered."""
    jobs = Jobs(
        database=database,
        settings=settings.model_copy(update={"SUMMARY_TIME": time(9, 0)}),
        clock=clock,
    )

    async def zoe(line: str) -> None:
        reply = await runner.run_line(ZOE, line)
        assert reply.ok, reply.text

    clock.set(t(2, 16))
    await say.ok("admin", '/project add ACME "Acme AI" "Labeling"')
    await say.ok("admin", '/project add BETA "Beta Labs" "Audio"')
    await zoe("/project status")
    await runner.run_line(DMITRY, "/project status")
    await say.ok("admin", "/project assign ACME @zoe")
    await say.ok("admin", "/project assign BETA @dmitry")
    await say.ok("admin", "/project rate ACME 20 USD from 2026-02-01")
    clock.set(t(2, 20, 18))
    await zoe("/hours log ACME 8h today labeled =SUM(A1) boxes")
    await runner.run_line(DMITRY, "/hours log BETA 2h today")
    clock.set(t(2, 23, 18))
    await zoe("/hours log ACME 4h today")
    clock.set(t(2, 24, 15))
    await say.ok("admin", "/project pause ACME vendor incident")
    await say.ok("admin", "/project checkin ACME on")
    await deliver(database, clock)
    clock.set(t(2, 25, 9))
    await jobs.run_due()
    await deliver(database, clock)
    clock.set(t(2, 25, 12))
    await zoe("/hours available ACME yes")
    await zoe("/hours log ACME 6h today standing by")
    clock.set(t(2, 26, 10))
    await say.ok("admin", "/project update ACME audit ongoing")
    await say.ok("admin", "/project pause ACME vendor incident until 2026-03-10")
    await deliver(database, clock)
    clock.set(t(2, 27, 12))
    await zoe("/hours available ACME no 2026-02-26 was sick")
    clock.set(t(3, 2, 10))
    await say.ok("admin", "/project resume ACME review done")
    await deliver(database, clock)
    clock.set(t(3, 4, 10))


async def own(runner, caller: Caller = ZOE, line: str = "/hours statement 2026-02-15 2026-03-04"):
    """A statement asked for by its person, checked to be a success."""
    reply = await runner.run_line(caller, line)
    assert reply.ok, reply.text
    return reply


async def statement_json(database, who: str = "console:zoe") -> dict:
    """The statement of Feb 15 to Mar 4 as `pausebot statement --format json` makes it."""
    from bot.core.evidence import make_statement

    _made, content = await make_statement(
        database,
        default_tz="UTC",
        identity=who,
        first="2026-02-15",
        last="2026-03-04",
        fmt="json",
        now=t(3, 4, 10),
    )
    return json.loads(content)


async def test_the_json_has_the_spec_shape_and_matches_the_record(record, database):
    """Keys as SPEC says; days with hours or an answer; the last answer counts."""
    body = await statement_json(database)
    assert set(body) == SPEC_KEYS
    assert (body["contractor"], body["identities"]) == ("Zoë Ångström", ["console:zoe"])
    assert (body["from"], body["to"]) == ("2026-02-15", "2026-03-04")
    (acme,) = body["projects"]
    assert set(acme) == PROJECT_KEYS
    assert (acme["project"], acme["client"]) == ("ACME", "Acme AI")
    assert [(c["from"], c["to"], c["reason"]) for c in acme["changes"]] == [
        (None, "active", "created"),
        ("active", "paused", "vendor incident"),
        ("paused", "active", "review done"),
    ]
    # The changed expected resume is an update, not a state change.
    assert [(u["text"], u["expected_resume"]) for u in acme["updates"]] == [
        ("audit ongoing", None),
        ("", "2026-03-10"),
    ]
    assert acme["days"] == [
        {"date": "2026-02-20", "worked_minutes": 480, "blocked_minutes": 0, "available": None},
        {"date": "2026-02-23", "worked_minutes": 240, "blocked_minutes": 0, "available": None},
        {"date": "2026-02-25", "worked_minutes": 0, "blocked_minutes": 360, "available": True},
        {"date": "2026-02-26", "worked_minutes": 0, "blocked_minutes": 0, "available": False},
    ]
    assert (acme["worked_minutes"], acme["blocked_minutes"]) == (720, 360)
    # 12h worked and 6h blocked at 20 USD; estimated lost: baseline Feb 10..23 = 720 min over
    # 14 dates, times 5 whole paused dates (Feb 25..Mar 1) = 257.14 min at 20 USD = 85.71.
    assert acme["amounts"] == {
        "USD": {"worked": "240.00", "blocked": "120.00", "estimated_lost": "85.71"}
    }


async def test_the_days_match_the_export(record, database):
    """Each date's worked and blocked minutes are the export's live entries of that person."""
    body = await statement_json(database)
    async with database.transaction() as db:
        rows = [
            row async for batch in export.hours_batches(db, first=None, last=None) for row in batch
        ]
    exported: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        entry = dict(zip(export.COLUMNS, row, strict=True))
        if entry["identity"] == "console:zoe":
            exported[(entry["project"], entry["work_date"])][entry["kind"]] += entry["minutes"]
    stated = {
        (project["project"], day["date"]): {
            kind: day[f"{kind}_minutes"]
            for kind in exported.get((project["project"], day["date"]), {})
        }
        for project in body["projects"]
        for day in project["days"]
        if day["worked_minutes"] or day["blocked_minutes"]
    }
    assert stated == {key: dict(kinds) for key, kinds in exported.items()}


async def test_the_messages_are_what_was_delivered_to_the_person(record, database):
    """Every outbox row sent to Zoë about ACME, with its delivery time, and nothing else."""
    body = await statement_json(database)
    async with database.transaction() as db:
        sent = list(
            await db.scalars(
                select(OutboxMessage)
                .where(
                    OutboxMessage.state == "sent",
                    OutboxMessage.platform == "console",
                    OutboxMessage.target == "zoe",
                )
                .order_by(OutboxMessage.sent_at, OutboxMessage.id)
            )
        )
    (acme,) = body["projects"]
    assert [(m["sent_at"], m["kind"], m["title"]) for m in acme["messages"]] == [
        (row.sent_at.isoformat(), row.kind, row.payload["title"]) for row in sent
    ]
    assert [m["kind"] for m in acme["messages"]] == [
        "announcement",
        "checkin",
        "update",
        "update",
        "announcement",
    ]
    assert all(m["identity"] == "console:zoe" for m in acme["messages"])


async def test_the_digest_recomputes_and_does_not_depend_on_when(record, database, clock, say):
    """SHA-256 of the canonical JSON of the rest; the same period a day later, the same digest."""
    body = await statement_json(database)
    rest = {key: value for key, value in body.items() if key != "digest"}
    canonical = json.dumps(rest, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert body["digest"] == hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    clock.set(t(3, 5, 16))
    await say.ok("admin", "/ops summary")
    assert (await statement_json(database))["digest"] == body["digest"]


async def test_the_pdf_reads_back_and_renders(record, runner, pdftotext, tmp_path):
    """pdftotext finds the name, codes, totals and digest; pdftoppm draws a page."""
    reply = await own(runner)
    pdf, table = reply.files
    assert pdf.filename == "pausebot-statement-Zoë-Ångström-2026-02-15-2026-03-04.pdf"
    assert table.filename.endswith(".csv") and pdf.content.startswith(b"%PDF")
    path = tmp_path / "statement.pdf"
    path.write_bytes(pdf.content)
    text = subprocess.run(
        [pdftotext, "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True
    ).stdout.decode()
    digest = reply.data.digest
    flat = " ".join(text.split())
    for expected in (
        "Zoë Ångström",
        "ACME",
        "Acme AI",
        "720 min (12h)",
        "360 min (6h)",
        "240.00 USD worked",
        "85.71 USD estimated lost",
        digest,
    ):
        assert expected in flat, expected
    png = subprocess.run(
        [
            shutil.which("pdftoppm") or "pdftoppm",
            "-png",
            "-r",
            "50",
            "-f",
            "1",
            "-l",
            "1",
            str(path),
            str(tmp_path / "page"),
        ],
        capture_output=True,
        check=True,
    )
    assert png.returncode == 0
    (page,) = tmp_path.glob("page*.png")
    assert page.read_bytes().startswith(b"\x89PNG")


async def test_cyrillic_names_print(record, runner, pdftotext, tmp_path):
    """Дмитрий's statement names him in Cyrillic."""
    reply = await own(runner, DMITRY)
    path = tmp_path / "d.pdf"
    path.write_bytes(reply.files[0].content)
    text = subprocess.run([pdftotext, str(path), "-"], capture_output=True, check=True).stdout
    assert "Дмитрий" in text.decode() and "BETA" in text.decode()


async def test_the_csv_has_a_row_per_date_and_totals(record, runner):
    """The CSV: the dates, the answer, the amounts, and a total; formulas made harmless."""
    reply = await own(runner)
    rows = list(csv.DictReader(io.StringIO(reply.files[1].content.decode())))
    assert [(r["date"], r["worked_minutes"], r["available"], r["worked_amount"]) for r in rows] == [
        ("2026-02-20", "480", "", "160.00"),
        ("2026-02-23", "240", "", "80.00"),
        ("2026-02-25", "0", "yes", "0.00"),
        ("2026-02-26", "0", "no", ""),
        ("total", "720", "", "240.00"),
    ]
    assert rows[-1]["estimated_lost_amount"] == "85.71"
    assert rows[0]["contractor"] == "Zoë Ångström"


async def test_a_contractor_never_gets_another_persons_statement(record, runner, say, database):
    """/ops statement is for ops; /hours statement names nobody; ops gets the same digest."""
    before = await snapshot(database)
    refused = await runner.run_line(DMITRY, "/ops statement @zoe")
    assert not refused.ok and refused.error_kind == "not_allowed" and not refused.files
    sneaky = await runner.run_line(DMITRY, "/hours statement @zoe")
    assert not sneaky.ok and not sneaky.files
    assert await snapshot(database) == before
    await say.ok("admin", "/ops role @opsy ops")
    theirs = await say.ok("opsy", "/ops statement @zoe 2026-02-15 2026-03-04")
    assert theirs.private and theirs.data.digest == (await own(runner)).data.digest
    unknown = await say("opsy", "/ops statement @nobody")
    assert not unknown.ok and "does not know" in unknown.text


async def test_a_bad_period_is_refused(record, runner):
    """Backwards or future periods: one sentence."""
    backwards = await runner.run_line(ZOE, "/hours statement 2026-03-01 2026-02-01")
    assert not backwards.ok and "give the earlier date first" in backwards.text
    future = await runner.run_line(ZOE, "/hours statement 2026-03-01 2026-04-01")
    assert not future.ok and "in the future" in future.text


async def test_the_default_period_is_the_last_90_days(record, runner):
    """Without dates: the 90 dates up to today."""
    reply = await own(runner, line="/hours statement")
    assert (reply.data.first.isoformat(), reply.data.last.isoformat()) == (
        "2025-12-05",
        "2026-03-04",
    )


async def test_console_files_are_private_and_named_after_person_and_period(
    record, runner, tmp_path
):
    """`chat` writes the PDF and the CSV 0600, and says where."""
    out = io.StringIO()
    lines = io.StringIO(
        "/hours statement 2026-02-15 2026-03-04\n/hours statement 2026-02-15 2026-03-04\n"
    )
    folder = tmp_path / "files"
    folder.mkdir()
    await chat(runner, name="zoe", stdin=lines, stdout=out, folder=folder)
    names = sorted(path.name for path in folder.iterdir())
    assert names == [
        "pausebot-statement-zoe-2026-02-15-2026-03-04-2.csv",
        "pausebot-statement-zoe-2026-02-15-2026-03-04-2.pdf",
        "pausebot-statement-zoe-2026-02-15-2026-03-04.csv",
        "pausebot-statement-zoe-2026-02-15-2026-03-04.pdf",
    ]
    for path in folder.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert f"Saved {folder / names[3]}" in out.getvalue()


def test_the_cli_writes_a_private_file_and_never_over_another(database_url, tmp_path):
    """`pausebot statement` with --out: 0600, refused over an existing file without --force."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PAUSEBOT_", "SLACK_"))}
    env |= {"DATABASE_URL": database_url, "PAUSEBOT_ADMINS": "console:admin"}

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "bot", *args], capture_output=True, env=env, timeout=120
        )

    setup = b'/project add ACME "Acme AI" "Labeling"\n/project assign ACME @admin\n'
    subprocess.run(
        [sys.executable, "-m", "bot", "chat", "--as", "admin"],
        input=setup + b"/hours log ACME 2h yesterday\n",
        capture_output=True,
        env=env,
        timeout=120,
        check=True,
        cwd=tmp_path,
    )
    out = tmp_path / "admin.pdf"
    made = run("statement", "console:admin", "--format", "pdf", "--out", str(out))
    assert made.returncode == 0, made.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o600 and out.read_bytes().startswith(b"%PDF")
    again = run("statement", "console:admin", "--format", "pdf", "--out", str(out))
    assert again.returncode == 1 and b"--force" in again.stderr
    assert run("statement", "console:admin", "--out", str(out), "--force").returncode == 0
    body = json.loads(out.read_text())
    assert body["projects"][0]["days"][0]["worked_minutes"] == 120
    assert run("statement", "console:nobody").returncode == 1
    assert run("statement", "not-an-identity").returncode == 1
    listed = run("statement", "console:admin", "--format", "csv")
    assert listed.returncode == 0 and listed.stdout.startswith(b"contractor,project")
