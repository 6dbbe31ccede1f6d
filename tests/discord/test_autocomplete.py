"""Autocomplete through the command tree: project codes by role, dates, durations, zones."""

from __future__ import annotations

from tests.discord.conftest import ADMIN, ALICE, OPS


async def make_projects(driver) -> None:
    """AAA-1, BBB-2 and CCC-3; Alice on CCC-3, the admin on BBB-2."""
    for code in ("AAA-1", "BBB-2", "CCC-3"):
        await driver.command(ADMIN, "project", "add", code=code, client="Acme", title=code)
    await driver.command(ADMIN, "project", "assign", code="CCC-3", who=ALICE)
    await driver.command(ADMIN, "project", "assign", code="BBB-2", who=ADMIN)


def values(choices) -> list[str]:
    """The values of autocomplete choices."""
    return [choice["value"] for choice in choices]


async def test_contractor_sees_only_assigned_codes(roles):
    """A contractor is offered the codes of their assignments and nothing else."""
    await make_projects(roles)
    assert values(await roles.autocomplete(ALICE, "hours", "log", "code", code="")) == ["CCC-3"]
    assert values(await roles.autocomplete(ALICE, "project", "status", "code", code="a")) == []


async def test_admin_and_ops_see_assignments_first_then_every_code(roles):
    """Admins and ops get their own assignments first, then every code, filtered by prefix."""
    await make_projects(roles)
    admin = await roles.autocomplete(ADMIN, "project", "pause", "code", code="")
    assert values(admin) == ["BBB-2", "AAA-1", "CCC-3"]
    ops = await roles.autocomplete(OPS, "ops", "impact", "subject", subject="c")
    assert values(ops) == ["CCC-3"]
    assert [c["name"] for c in ops] == ["CCC-3"]


async def test_dates_offer_today_yesterday_and_recent_weekdays(discord_driver):
    """Date options suggest today, yesterday and the five weekdays before, by name."""
    everything = await discord_driver.autocomplete(ALICE, "hours", "log", "date", date="")
    # The suite's clock is Wednesday 2026-03-04.
    assert values(everything) == [
        "today",
        "yesterday",
        "monday",
        "sunday",
        "saturday",
        "friday",
        "thursday",
    ]
    typed = await discord_driver.autocomplete(ALICE, "ops", "export", "first", first="yes")
    assert values(typed) == ["yesterday"]
    iso = await discord_driver.autocomplete(ALICE, "hours", "week", "date", date="2026-03-01")
    assert values(iso) == ["2026-03-01"]


async def test_expected_resume_dates_look_ahead(discord_driver):
    """`until` suggests tomorrow and the coming weekdays, and echoes only a date still ahead."""
    coming = await discord_driver.autocomplete(ADMIN, "project", "pause", "until", until="")
    # Wednesday 2026-03-04: Thursday is tomorrow, `wednesday` ahead is a week away.
    assert values(coming) == [
        "tomorrow",
        "friday",
        "saturday",
        "sunday",
        "monday",
        "tuesday",
        "wednesday",
    ]
    assert [c["name"] for c in coming][:2] == ["tomorrow", "next Friday"]
    typed = await discord_driver.autocomplete(
        ADMIN, "project", "pause", "until", until="2026-03-20"
    )
    assert values(typed) == ["2026-03-20"]
    past = await discord_driver.autocomplete(ADMIN, "project", "pause", "until", until="2026-03-01")
    assert values(past) == []
    future = await discord_driver.autocomplete(ALICE, "hours", "log", "date", date="2026-03-20")
    assert values(future) == []


async def test_durations_and_zones(discord_driver):
    """Durations echo a valid typed duration first; zones match any part of the name."""
    durations = await discord_driver.autocomplete(
        ALICE, "hours", "log", "duration", duration="1h15m"
    )
    assert values(durations) == ["1h15m"]
    common = await discord_driver.autocomplete(ALICE, "hours", "edit", "duration", duration="1h")
    assert values(common) == ["1h", "1h30m"]
    zones = await discord_driver.autocomplete(ALICE, "hours", "tz", "zone", zone="paris")
    assert values(zones) == ["Europe/Paris"]
