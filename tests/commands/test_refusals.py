"""Refused commands answer with one clear sentence and change nothing in the database."""

import pytest

from tests.conftest import snapshot

BAD = [
    ("bob", "/hours log ACME"),
    ("bob", "/hours log ACME 2x"),
    ("bob", "/hours log ACME 0m"),
    ("bob", "/hours log ACME 25h"),
    ("bob", "/hours log ACME 1h 2026-02-30"),
    ("bob", "/hours log ACME 1h tomorrow"),
    ("bob", "/hours log ACME 1h 2027-01-01"),
    ("bob", "/hours log ACEM 1h"),
    ("bob", "/hours log bad_code 1h"),
    ("bob", "/hours log BETA 1h"),
    ("bob", '/hours log ACME 1h "unclosed'),
    ("bob", "/hours week someday"),
    ("bob", "/hours edit abc 1h"),
    ("bob", "/hours edit 999 1h"),
    ("bob", "/hours delete 999"),
    ("bob", "/hours delete"),
    ("bob", "/hours tz Mars/Olympus"),
    ("bob", "/hours frobnicate"),
    ("bob", "/nothing here"),
    ("admin", '/project add ACME "Acme AI" "Again"'),
    ("admin", '/project add X "Acme AI" "Too short"'),
    ("admin", "/project add NEW Acme AI Labeling"),
    ("admin", "/project add NEW"),
    ("admin", "/project pause ACME"),
    ("admin", "/project pause ACME incident until 2026-03-01"),
    ("admin", "/project pause ACME incident until soon"),
    ("admin", "/project pause NOPE incident"),
    ("admin", "/project resume ACME"),
    ("admin", "/project resume OLD"),
    ("admin", "/project pause OLD incident"),
    ("admin", "/project assign OLD @bob"),
    ("admin", "/project assign ACME bob"),
    ("admin", "/project assign ACME"),
    ("admin", "/project channel ACME general"),
    ("admin", "/project list sleeping"),
    ("admin", "/project history"),
    ("admin", "/ops role @bob boss"),
    ("admin", "/ops role bob ops"),
    ("admin", "/ops link @bob"),
    ("admin", "/ops link @bob @bob"),
    ("admin", "/ops summary someday"),
    ("admin", "/ops export 2026-03-02 2026-03-01"),
    ("admin", "/ops impact Globex"),
]


@pytest.fixture
async def world(say, clock):
    """ACME active with bob, BETA without him, OLD closed."""
    await say.ok("admin", '/project add ACME "Acme AI" "Labeling"')
    await say.ok("admin", '/project add BETA "Acme AI" "Audio"')
    await say.ok("admin", '/project add OLD "Acme AI" "Finished"')
    await say.ok("admin", "/project assign ACME @bob")
    await say.ok("admin", "/project close OLD done")


@pytest.mark.parametrize(("who", "line"), BAD, ids=[line for _, line in BAD])
async def test_refusal_is_one_sentence_and_changes_nothing(world, say, database, who, line):
    """The reply is a single sentence ending in . or ? and the database is unchanged."""
    before = await snapshot(database)
    reply = await say(who, line)
    assert not reply.ok
    assert "\n" not in reply.text and reply.text[-1] in ".?"
    assert reply.error_kind != "internal", reply.text
    assert await snapshot(database) == before


async def test_unknown_code_names_the_nearest(world, say):
    """A mistyped code suggests the closest existing codes."""
    reply = await say("bob", "/hours log ACEM 1h")
    assert "ACME" in reply.text


async def test_unknown_command_suggests_one(world, say):
    """A mistyped command suggests the closest command."""
    reply = await say("bob", "/hours lgo ACME 1h")
    assert "/hours log" in reply.text


async def test_at_me_names_the_caller(world, say):
    """`@me` assigns the caller themself."""
    reply = await say.ok("admin", "/project assign BETA @me")
    assert reply.data.to_json()["assigned"] == ["admin"]
