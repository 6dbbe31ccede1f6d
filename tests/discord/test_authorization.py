"""Every command × every role through the command tree: refusals are private and change nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.commands.base import COMMANDS
from bot.core.words import Role
from bot.db.models import Assignment, Contractor, OutboxMessage, Project, ProjectChannel
from tests.discord.conftest import ADMIN, ALICE, BOB, OPS
from tests.discord.driver import Channel

SAMPLES = {
    ("hours", "log"): {"code": "ACME", "duration": "1h", "date": "today"},
    ("hours", "week"): {},
    ("hours", "edit"): {"entry": 1, "duration": "1h"},
    ("hours", "delete"): {"entry": 1},
    ("hours", "tz"): {"zone": "UTC"},
    ("project", "status"): {},
    ("project", "list"): {},
    ("project", "add"): {"code": "NEW-ONE", "client": "Other", "title": "New"},
    ("project", "pause"): {"code": "ACME", "reason": "incident"},
    ("project", "update"): {"code": "ACME", "text": "audit ongoing", "next": "2026-12-31"},
    ("project", "resume"): {"code": "ACME"},
    ("project", "close"): {"code": "ACME"},
    ("project", "assign"): {"code": "ACME", "who": BOB},
    ("project", "unassign"): {"code": "ACME", "who": ALICE},
    ("project", "channel"): {"code": "ACME", "channel": Channel(700_000_000_000_000_005, "news")},
    ("project", "history"): {"code": "ACME"},
    ("project", "sync"): {"code": "ACME", "groups": "off"},
    ("ops", "summary"): {},
    ("ops", "impact"): {},
    ("ops", "export"): {},
    ("ops", "role"): {"who": BOB, "role": "admin"},
    ("ops", "link"): {"who": BOB, "identities": "@slack:U024BE7LH"},
    ("ops", "dashboard"): {},
    ("project", "public"): {"code": "ACME", "switch": "on"},
    ("project", "rate"): {"code": "ACME", "amount": "21", "currency": "USD"},
    ("ops", "rate"): {"who": BOB, "code": "ACME", "amount": "21.50", "currency": "EUR"},
    ("hours", "available"): {"code": "ACME", "answer": "yes"},
    ("project", "checkin"): {"code": "ACME", "switch": "on"},
    ("hours", "statement"): {},
    ("ops", "statement"): {"who": ALICE},
}
CALLERS = {"contractor": ALICE, "ops": OPS, "admin": ADMIN}


def test_samples_cover_the_whole_command_table():
    """The matrix below names every command of the table, so none escapes it."""
    assert set(SAMPLES) == set(COMMANDS)


async def snapshot(database) -> tuple[int, ...]:
    """Counts and states that a refused command must leave as they were."""
    async with database.transaction() as db:
        counts = [
            (await db.execute(select(func.count()).select_from(model))).scalar()
            for model in (Project, Assignment, OutboxMessage, ProjectChannel, Contractor)
        ]
        states = (await db.execute(select(Project.state).order_by(Project.id))).scalars().all()
        roles = (await db.execute(select(Contractor.role).order_by(Contractor.id))).scalars().all()
    return (*counts, *states, *roles)


@pytest.mark.parametrize("role", list(CALLERS))
@pytest.mark.parametrize("command", list(SAMPLES), ids=lambda c: f"{c[0]}-{c[1]}")
async def test_command_by_role(roles, database, command, role):
    """A caller below the command's role gets a private refusal and nothing changes."""
    driver = roles
    await driver.command(ADMIN, "project", "add", code="ACME", client="Acme AI", title="Boxes")
    await driver.command(ADMIN, "project", "assign", code="ACME", who=ALICE)
    await driver.command(BOB, "hours", "week")
    before = await snapshot(database)
    group, name = command
    answered = await driver.command(CALLERS[role], group, name, **SAMPLES[command])
    needed = COMMANDS[command].role
    refused = "can do that; type /help" in answered.text
    assert refused == (not Role(role).includes(needed)), answered.text
    if refused:
        assert answered.ephemeral
        assert await snapshot(database) == before
