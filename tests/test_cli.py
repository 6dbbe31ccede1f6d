"""The `pausebot` command line driven as a subprocess, as scripts use it."""

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.filterwarnings("ignore")


def pausebot(*args: str, url: str, stdin: str = "", cwd: Path | None = None, **env: str):
    """Run `python -m bot ARGS` with a database URL and extra settings."""
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith(("PAUSEBOT_", "SLACK_", "DISCORD_"))
    }
    environment |= {"DATABASE_URL": url, "PAUSEBOT_ADMINS": "console:admin"} | env
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=environment,
        cwd=cwd,
        timeout=120,
        check=False,
    )


def chat_json(url: str, who: str, *lines: str, tmp_path: Path) -> list[dict]:
    """Send lines to `chat --as WHO --json`; one JSON object comes back per line."""
    done = pausebot(
        "chat", "--as", who, "--json", url=url, stdin="\n".join(lines) + "\n", cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout.splitlines()
    assert len(out) == len(lines), done.stdout
    return [json.loads(line) for line in out]


SETUP = [
    '/project add ACME "Acme AI" "Image labeling"',
    "/project assign ACME @admin @bob",
    "/hours log ACME 2h yesterday first batch",
]


async def test_chat_json_answers_every_line(database_url, tmp_path):
    """Each input line gets exactly one JSON object, refusals included, and exit code 0."""
    replies = chat_json(
        database_url,
        "admin",
        *SETUP,
        "",
        "/hours log NOPE 1h",
        "/hours log ACME 25h",
        "/frobnicate",
        tmp_path=tmp_path,
    )
    assert [r["ok"] for r in replies] == [True, True, True, False, False, False, False]
    assert replies[2]["data"]["minutes"] == 120
    assert all(isinstance(r["text"], str) and r["text"] for r in replies)
    assert "NOPE" in replies[4]["text"]


async def test_export_json_has_the_spec_fields(database_url, tmp_path):
    """export hours --format json lists entries with every field SPEC names."""
    chat_json(database_url, "admin", *SETUP, tmp_path=tmp_path)
    replies = chat_json(database_url, "bob", "/hours log ACME 90m yesterday", tmp_path=tmp_path)
    entry_id = replies[0]["data"]["id"]
    chat_json(database_url, "bob", f"/hours delete {entry_id}", tmp_path=tmp_path)
    done = pausebot("export", "hours", "--format", "json", url=database_url)
    assert done.returncode == 0, done.stderr
    entries = json.loads(done.stdout)
    assert len(entries) == 1
    entry = entries[0]
    assert {
        "id",
        "contractor",
        "identity",
        "project",
        "client",
        "work_date",
        "minutes",
        "kind",
        "note",
        "created_at",
    } <= set(entry)
    assert (
        entry["contractor"],
        entry["identity"],
        entry["project"],
        entry["client"],
        entry["minutes"],
        entry["kind"],
        entry["note"],
    ) == ("admin", "console:admin", "ACME", "Acme AI", 120, "worked", "first batch")
    with_deleted = json.loads(
        pausebot(
            "export", "hours", "--format", "json", "--include-deleted", url=database_url
        ).stdout
    )
    assert [e["deleted_at"] is not None for e in with_deleted] == [False, True]


async def test_export_csv_to_a_file(database_url, tmp_path):
    """export hours --out writes CSV with a header row and one row per entry."""
    chat_json(database_url, "admin", *SETUP, tmp_path=tmp_path)
    out = tmp_path / "hours.csv"
    done = pausebot("export", "hours", "--out", str(out), url=database_url)
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert [(r["project"], r["minutes"], r["kind"]) for r in rows] == [("ACME", "120", "worked")]


async def test_summary_and_impact_json(database_url, tmp_path):
    """summary and impact print the JSON shapes SPEC gives."""
    chat_json(
        database_url, "admin", *SETUP, "/project pause ACME client incident", tmp_path=tmp_path
    )
    summary = json.loads(
        pausebot("summary", "--date", "today", "--format", "json", url=database_url).stdout
    )
    assert set(summary) >= {"date", "changes", "paused_projects", "hours", "failed_deliveries"}
    assert summary["changes"][0]["project"] == "ACME" and summary["changes"][0]["to"] == "paused"
    assert summary["paused_projects"][0]["contractors_affected"] == 2
    impact = json.loads(pausebot("impact", "--format", "json", url=database_url).stdout)
    client = impact["clients"][0]
    assert client["client"] == "Acme AI" and client["projects"][0]["project"] == "ACME"
    assert client["projects"][0]["worked_minutes"] == 120
    assert {
        "contractors_affected",
        "worked_minutes",
        "blocked_minutes",
        "estimated_lost_minutes",
    } <= set(client)


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("impact", "--client", "Globex"), 1),
        (("summary", "--date", "someday"), 1),
        (("export", "hours", "--from", "2026-02-30"), 1),
        (("export", "hours", "--from", "2026-03-02", "--to", "2026-03-01"), 1),
        (("summary", "--format", "xml"), 2),
        (("export", "hours", "--bogus"), 2),
        (("frobnicate",), 2),
    ],
)
async def test_exit_codes(database_url, args, code):
    """Refused input exits 1 with a message; bad usage exits 2."""
    done = pausebot(*args, url=database_url)
    assert done.returncode == code, done.stderr
    assert done.stderr.strip()


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("PAUSEBOT_TZ", "Mars/Olympus"),
        ("HOURS_BACKDATE_DAYS", "soon"),
        ("SUMMARY_TIME", "9am"),
        ("PAUSEBOT_ADMINS", "alice"),
        ("DATABASE_URL", "mysql://x"),
        ("SLACK_BOT_TOKEN", "xoxb-1"),
        ("DISCORD_GUILD_IDS", "abc"),
    ],
)
async def test_bad_settings_stop_with_their_name(database_url, setting, value):
    """A malformed or incomplete setting stops start-up with exit 2 and names the setting."""
    done = pausebot("chat", "--as", "admin", url=database_url, stdin="/help\n", **{setting: value})
    assert done.returncode == 2
    named = "SLACK_SIGNING_SECRET" if setting == "SLACK_BOT_TOKEN" else setting
    assert named in done.stderr
    assert done.stdout == ""


async def test_db_upgrade_and_demo_on_a_new_database(tmp_path):
    """db upgrade creates the schema; demo loads once and says so the second time."""
    url = f"sqlite:///{tmp_path / 'new.db'}"
    assert pausebot("db", "upgrade", url=url).returncode == 0
    first = pausebot("demo", url=url)
    assert first.returncode == 0 and "Loaded demo data" in first.stdout
    assert "already" in pausebot("demo", url=url).stdout
    impact = json.loads(pausebot("impact", "--format", "json", url=url).stdout)
    paused = [p for c in impact["clients"] for p in c["projects"] if p["state"] == "paused"]
    assert len(paused) == 2 and all(p["blocked_minutes"] > 0 for p in paused)
    assert all(p["estimated_lost_minutes"] > 0 for p in paused)


async def test_run_console_answers_and_announces_once(database_url, tmp_path):
    """`pausebot run` with no tokens is the console: it answers and prints each DM once."""
    lines = [*SETUP, "/project pause ACME client incident", "/project status"]
    done = pausebot(
        "run",
        "--as",
        "admin",
        url=database_url,
        stdin="\n".join(lines) + "\n",
        cwd=tmp_path,
        HTTP_PORT="0",
    )
    assert done.returncode == 0, done.stderr
    assert "Paused ACME" in done.stdout
    assert done.stdout.count("[@bob] ACME is paused") == 1
    assert done.stdout.count("[@admin] ACME is paused") == 1
