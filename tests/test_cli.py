"""The `pausebot` command line driven as a subprocess, as scripts use it."""

import csv
import importlib.metadata
import io
import json
import os
import signal
import stat
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

pytestmark = pytest.mark.filterwarnings("ignore")


def environ(url: str, **env: str) -> dict[str, str]:
    """The environment for a pausebot process: this database, console:admin admin, no tokens."""
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith(("PAUSEBOT_", "SLACK_", "DISCORD_"))
    }
    return environment | {"DATABASE_URL": url, "PAUSEBOT_ADMINS": "console:admin"} | env


def pausebot(*args: str, url: str, stdin: str = "", cwd: Path | None = None, **env: str):
    """Run `python -m bot ARGS` with a database URL and extra settings."""
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=environ(url, **env),
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
    assert stat.S_IMODE(out.stat().st_mode) == 0o600


async def test_export_never_replaces_a_file_unless_forced(database_url, tmp_path):
    """An existing --out file is refused (exit 1, unchanged); --force replaces it, still 0600."""
    chat_json(database_url, "admin", *SETUP, tmp_path=tmp_path)
    out = tmp_path / "hours.csv"
    out.write_text("keep me")
    out.chmod(0o644)
    refused = pausebot("export", "hours", "--out", str(out), url=database_url)
    assert refused.returncode == 1 and "--force" in refused.stderr
    assert out.read_text() == "keep me"
    forced = pausebot("export", "hours", "--out", str(out), "--force", url=database_url)
    assert forced.returncode == 0, forced.stderr
    assert out.read_text().startswith("id,") and stat.S_IMODE(out.stat().st_mode) == 0o600


async def test_console_saves_an_export_beside_an_existing_one(database_url, tmp_path):
    """`/ops export` in chat writes a new owner-only file and never replaces an older one."""
    chat_json(database_url, "admin", *SETUP, tmp_path=tmp_path)
    first = chat_json(database_url, "admin", "/ops export", tmp_path=tmp_path)[-1]
    second = chat_json(database_url, "admin", "/ops export", tmp_path=tmp_path)[-1]
    paths = [Path(reply["file"]["path"]) for reply in (first, second)]
    assert paths[0] != paths[1] and all(path.exists() for path in paths)
    assert {stat.S_IMODE(path.stat().st_mode) for path in paths} == {0o600}


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
        (("impact", "--from", "2026-03-02", "--to", "2026-03-01"), 1),
        (("summary", "--date", str(datetime.now(UTC).date() + timedelta(days=2))), 1),
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


async def test_demo_entries_come_from_their_contractors_with_real_notes(tmp_path):
    """Each demo entry is logged from its contractor's own identity, with varied notes."""
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    assert pausebot("demo", url=url).returncode == 0
    entries = json.loads(pausebot("export", "hours", "--format", "json", url=url).stdout)
    assert all(e["identity"] == f"console:{e['contractor'].lower()}" for e in entries)
    notes = [e["note"] for e in entries]
    assert "demo" not in notes and len(set(notes)) > 20
    assert {e["note"] for e in entries if e["kind"] == "blocked"}.isdisjoint(
        e["note"] for e in entries if e["kind"] == "worked"
    )


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


def test_version_prints_the_package_version(database_url):
    """`pausebot --version` prints the installed package's version."""
    done = pausebot("--version", url=database_url)
    assert done.returncode == 0
    assert importlib.metadata.version("pausebot") in done.stdout


async def test_impact_for_an_unknown_client_names_the_clients(database_url, tmp_path):
    """An unknown --client is refused with the known clients, not a chat command."""
    chat_json(database_url, "admin", *SETUP, tmp_path=tmp_path)
    done = pausebot("impact", "--client", "acme ai inc", url=database_url)
    assert done.returncode == 1
    assert '"Acme AI"' in done.stderr and "/project" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("word", ["exit", "QUIT", "  Exit  "])
async def test_chat_exit_and_quit_end_the_session(database_url, tmp_path, word):
    """exit or quit, in any case, answers once and stops reading."""
    done = pausebot(
        "chat", "--as", "admin", "--json", url=database_url, stdin=f"/help\n{word}\n/help\n"
    )
    assert done.returncode == 0, done.stderr
    replies = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(replies) == 2
    assert replies[1]["ok"] is True and replies[1]["text"] == "Goodbye."


async def test_chat_refuses_a_line_that_is_not_a_command(database_url, tmp_path):
    """A line without `/` gets one sentence saying commands start with / and how to quit."""
    (reply,) = chat_json(database_url, "admin", "status", tmp_path=tmp_path)
    assert reply["ok"] is False
    assert "/project status" in reply["text"] and "Ctrl-D" in reply["text"]
    assert reply["text"].count(". ") == 0 and reply["text"].endswith(".")


async def test_chat_survives_invalid_utf8_in_a_strict_locale(database_url, tmp_path):
    """Invalid UTF-8 on standard input is refused as a line; every line gets one JSON object."""
    done = subprocess.run(
        [sys.executable, "-m", "bot", "chat", "--as", "x", "--json"],
        input=b"/hours log X 1h caf\xff\n/hours log caf\xff 1h\n/help\n",
        capture_output=True,
        env=environ(database_url, PYTHONIOENCODING="utf-8", LC_ALL="C.UTF-8"),
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    replies = [json.loads(line) for line in done.stdout.decode().splitlines()]
    assert [reply["ok"] for reply in replies] == [False, False, True]


async def test_chat_names_are_case_insensitive(database_url, tmp_path):
    """`chat --as Alice` is console:alice."""
    chat_json(database_url, "admin", *SETUP, "/project assign ACME @alice", tmp_path=tmp_path)
    chat_json(database_url, "Alice", "/hours log ACME 1h yesterday", tmp_path=tmp_path)
    entries = json.loads(pausebot("export", "hours", "--format", "json", url=database_url).stdout)
    assert [entry["identity"] for entry in entries] == ["console:admin", "console:alice"]


async def test_chat_says_how_to_become_admin_when_nobody_is(database_url, tmp_path):
    """With no PAUSEBOT_ADMINS and no admin, chat says on standard error how to become one."""
    done = pausebot(
        "chat", "--as", "Root", "--json", url=database_url, stdin="/help\n", PAUSEBOT_ADMINS=""
    )
    assert done.returncode == 0, done.stderr
    assert "PAUSEBOT_ADMINS=console:root" in done.stderr
    assert [json.loads(line)["ok"] for line in done.stdout.splitlines()] == [True]
    assert "PAUSEBOT_ADMINS" not in pausebot("chat", "--as", "root", url=database_url).stderr


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
async def test_run_console_stops_on_a_signal_without_enter(database_url, tmp_path, sig):
    """Ctrl-C or SIGTERM stops `pausebot run` at once, though standard input stays open."""
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "run", "--as", "Admin"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=environ(database_url, HTTP_PORT="0"),
        cwd=tmp_path,
    )
    try:
        assert "pausebot console as console:admin." in process.stdout.readline().decode()
        process.send_signal(sig)
        assert process.wait(timeout=10) == 0
    finally:
        process.kill()
        process.communicate()
