"""A statement on Slack: the reply says the files are coming, and both land in the DM."""

from __future__ import annotations


async def test_a_statement_is_uploaded_to_the_callers_dm(slack):
    """`/hours statement` answers privately and uploads the PDF and the CSV to Alice's DM."""
    await slack.ok("/project", 'add ACME "Acme AI" "Labeling"')
    await slack.ok("/project", "assign ACME <@UALICE|alice>")
    await slack.ok("/hours", "log ACME 2h yesterday", user="UALICE")
    answer = await slack.ok("/hours", "statement", user="UALICE")
    assert answer.body["response_type"] == "ephemeral"
    assert "are on their way to your direct messages" in answer.text
    shared = {f["name"]: f for f in slack.fake.files.values() if f.get("channel") == "DUALICE"}
    assert sorted(name.rsplit(".", 1)[1] for name in shared) == ["csv", "pdf"]
    pdf = next(f for name, f in shared.items() if name.endswith(".pdf"))
    assert pdf["content"].startswith(b"%PDF")
    assert "Statement for Alice" in pdf["initial_comment"]


async def test_someone_elses_statement_is_refused_on_slack(slack):
    """A contractor asking /ops statement gets one sentence and no file."""
    answer = await slack.command("/ops", "statement <@UBOB|bob>", user="UALICE")
    assert ":warning:" in answer.text and "ops staff and admins" in answer.text
    assert not slack.fake.files
