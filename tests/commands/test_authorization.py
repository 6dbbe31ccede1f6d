"""Every command against every role: allowed ones run, others are refused and change nothing."""

import pytest

from bot.commands.base import COMMANDS
from bot.core.words import Role
from tests.conftest import snapshot

USERS = {"contractor": "con", "ops": "opsy", "admin": "admin"}

LINES = {
    ("project", "status"): "/project status ACME",
    ("project", "list"): "/project list",
    ("project", "add"): '/project add NEW1 "New Client" "New work"',
    ("project", "pause"): "/project pause ACME client incident until 2026-04-01",
    ("project", "update"): "/project update HALT vendor audit ongoing next 2026-04-01 15:00",
    ("project", "resume"): "/project resume HALT back to work",
    ("project", "close"): "/project close ACME contract ended",
    ("project", "assign"): "/project assign ACME @zed",
    ("project", "unassign"): "/project unassign ACME @con",
    ("project", "channel"): "/project channel ACME #general",
    ("project", "history"): "/project history ACME",
    ("project", "sync"): "/project sync ACME off",
    ("hours", "log"): "/hours log ACME 1h",
    ("hours", "week"): "/hours week",
    ("hours", "edit"): "/hours edit {entry} 2h",
    ("hours", "delete"): "/hours delete {entry}",
    ("hours", "tz"): "/hours tz Europe/Paris",
    ("ops", "summary"): "/ops summary",
    ("ops", "impact"): "/ops impact",
    ("ops", "export"): "/ops export",
    ("ops", "role"): "/ops role @zed ops",
    ("ops", "link"): "/ops link @zed @slack:U0ZED",
    ("ops", "dashboard"): "/ops dashboard",
    ("project", "public"): "/project public ACME on",
    ("project", "rate"): "/project rate ACME 21 USD from 2026-03-01",
    ("ops", "rate"): "/ops rate @zed ACME 25.50 EUR",
    ("hours", "available"): "/hours available HALT yes",
    ("project", "checkin"): "/project checkin HALT on",
    ("hours", "statement"): "/hours statement",
    ("ops", "statement"): "/ops statement @con",
}


def test_every_command_is_in_the_matrix():
    """A new command cannot ship without an authorization case."""
    assert set(LINES) == set(COMMANDS)


@pytest.fixture
async def world(say):
    """ACME (active) and HALT (paused), everyone assigned, each user with one entry."""
    await say.ok("admin", '/project add ACME "Acme AI" "Labeling"')
    await say.ok("admin", '/project add HALT "Acme AI" "Audio"')
    await say.ok("admin", "/ops role @opsy ops")
    await say.ok("admin", "/project assign ACME @con @opsy @admin")
    await say.ok("admin", "/project assign HALT @con @opsy @admin")
    await say.ok("admin", "/project pause HALT client incident")
    entries = {}
    for user in USERS.values():
        entries[user] = (await say.ok(user, "/hours log ACME 1h yesterday")).data.to_json()["id"]
    return entries


@pytest.mark.parametrize("role", list(USERS))
@pytest.mark.parametrize("key", list(LINES), ids=lambda key: "-".join(key))
async def test_command_by_role(world, say, database, role, key):
    """Allowed when the role reaches the command's role; otherwise refused with no change."""
    user = USERS[role]
    line = LINES[key].format(entry=world[user])
    allowed = Role(role).includes(COMMANDS[key].role)
    before = await snapshot(database)
    reply = await say(user, line)
    if allowed:
        assert reply.ok, reply.text
    else:
        assert not reply.ok
        assert reply.error_kind == "not_allowed"
        assert reply.text.endswith(".") and "\n" not in reply.text
        assert await snapshot(database) == before


@pytest.mark.parametrize("role", list(USERS))
async def test_help_lists_only_what_the_role_may_do(world, say, role):
    """/help and each group's help list exactly the commands the role may use."""
    reply = await say.ok(USERS[role], "/help")
    expected = {cmd.usage for cmd in COMMANDS.values() if Role(role).includes(cmd.role)}
    assert set(reply.data.to_json()["commands"]) == expected
    for group in ("hours", "project", "ops"):
        group_help = await say.ok(USERS[role], f"/{group} help")
        assert set(group_help.data.to_json()["commands"]) == {
            u for u in expected if u.startswith(f"/{group} ")
        }
