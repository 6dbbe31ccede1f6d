"""A statement on Discord: two ephemeral attachments, the PDF and the CSV."""

from __future__ import annotations

from tests.discord.conftest import ADMIN, ALICE, BOB


async def test_a_statement_comes_as_ephemeral_attachments(discord_driver):
    """`/hours statement` defers, then answers privately with the PDF and the CSV."""
    driver = discord_driver
    await driver.command(ADMIN, "project", "add", code="ACME", client="Acme AI", title="Boxes")
    await driver.command(ADMIN, "project", "assign", code="ACME", who=ALICE)
    await driver.command(ALICE, "hours", "log", code="ACME", duration="2h", date="yesterday")
    answered = await driver.command(ALICE, "hours", "statement")
    assert answered.deferred and answered.ephemeral
    names = [name for name, _content in answered.files]
    assert [name.rsplit(".", 1)[1] for name in names] == ["pdf", "csv"]
    assert answered.files[0][1].startswith(b"%PDF")
    assert "Statement for Alice" in answered.text


async def test_a_contractor_cannot_ask_for_anothers_statement(discord_driver):
    """`/ops statement` from a contractor: a private refusal and no file."""
    answered = await discord_driver.command(ALICE, "ops", "statement", who=BOB)
    assert answered.ephemeral and not answered.files
    assert "can do that; type /help" in answered.text
