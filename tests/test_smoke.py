"""A first end-to-end pass through the command layer."""


async def test_project_add_assign_log(say):
    """An admin creates a project, assigns bob, and bob logs hours."""
    await say.ok("admin", '/project add ACME "Acme AI" "Labeling"')
    await say.ok("admin", "/project assign ACME @bob")
    reply = await say.ok("bob", "/hours log acme 1h30m yesterday checked images")
    assert reply.data.to_json()["minutes"] == 90
    assert reply.data.to_json()["kind"] == "worked"
    assert reply.data.to_json()["work_date"] == "2026-03-03"
