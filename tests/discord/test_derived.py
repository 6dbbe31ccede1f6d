"""The Discord commands are derived from the declared command table, and options arrive typed."""

from __future__ import annotations

import discord
import pytest
from discord import AppCommandOptionType as T

from bot.adapters.discord.bot import PausebotBot
from bot.adapters.discord.options import TextChannelOption
from bot.commands.base import COMMANDS, Command
from bot.commands.params import Kind, Param, PersonRef
from bot.commands.reply import Reply
from bot.core.message import Message
from bot.core.words import IdentityKey, Platform, Role
from tests.discord.conftest import ADMIN, ALICE, BOB, TOKEN
from tests.discord.driver import GUILD_ID, Channel, Driver, User

# The options Discord has today, by the names and types outside callers use; they never change.
SURFACE = {
    ("hours", "log"): [
        ("code", "string", True),
        ("duration", "string", True),
        ("date", "string", False),
        ("note", "string", False),
    ],
    ("hours", "week"): [("date", "string", False)],
    ("hours", "edit"): [
        ("entry", "integer", True),
        ("duration", "string", True),
        ("note", "string", False),
    ],
    ("hours", "delete"): [("entry", "integer", True)],
    ("hours", "tz"): [("zone", "string", True)],
    ("hours", "help"): [],
    ("ops", "summary"): [("date", "string", False)],
    ("ops", "impact"): [("subject", "string", False)],
    ("ops", "export"): [("from", "string", False), ("to", "string", False)],
    ("ops", "role"): [("who", "user", True), ("role", "string", True)],
    ("ops", "link"): [
        ("who", "user", True),
        ("other", "user", False),
        ("identities", "string", False),
    ],
    ("ops", "dashboard"): [],
    ("ops", "help"): [],
    ("project", "status"): [("code", "string", False)],
    ("project", "list"): [("state", "string", False)],
    ("project", "add"): [
        ("code", "string", True),
        ("client", "string", True),
        ("title", "string", True),
    ],
    ("project", "pause"): [
        ("code", "string", True),
        ("reason", "string", True),
        ("until", "string", False),
    ],
    ("project", "update"): [
        ("code", "string", True),
        ("text", "string", True),
        ("next", "string", False),
    ],
    ("project", "resume"): [("code", "string", True), ("note", "string", False)],
    ("project", "close"): [("code", "string", True), ("note", "string", False)],
    ("project", "assign"): [
        ("code", "string", True),
        ("who", "user", False),
        ("more", "string", False),
        ("role", "role", False),
    ],
    ("project", "unassign"): [
        ("code", "string", True),
        ("who", "user", False),
        ("more", "string", False),
        ("role", "role", False),
    ],
    ("project", "sync"): [
        ("code", "string", True),
        ("groups", "string", False),
        ("role", "role", False),
    ],
    ("project", "channel"): [("code", "string", True), ("channel", "channel", True)],
    ("project", "history"): [("code", "string", True)],
    ("project", "public"): [("code", "string", True), ("switch", "string", True)],
    ("project", "rate"): [
        ("code", "string", True),
        ("amount", "string", True),
        ("currency", "string", True),
        ("from", "string", False),
    ],
    ("hours", "available"): [
        ("code", "string", True),
        ("answer", "string", True),
        ("date", "string", False),
        ("note", "string", False),
    ],
    ("project", "checkin"): [("code", "string", True), ("switch", "string", True)],
    ("hours", "statement"): [("from", "string", False), ("to", "string", False)],
    ("ops", "statement"): [
        ("who", "user", True),
        ("from", "string", False),
        ("to", "string", False),
    ],
    ("ops", "rate"): [
        ("who", "user", True),
        ("code", "string", True),
        ("amount", "string", True),
        ("currency", "string", True),
        ("from", "string", False),
    ],
    ("project", "help"): [],
}
OPTION_TYPES = {
    Kind.PERSON: T.user,
    Kind.AUDIENCE: T.user,
    Kind.ROLE: T.role,
    Kind.CHANNEL: T.channel,
    Kind.ENTRY_ID: T.integer,
}
SUGGESTED = {Kind.CODE, Kind.SUBJECT, Kind.DURATION, Kind.DATE, Kind.ZONE, Kind.CURRENCY}


def tree_command(bot: discord.Client, group: str, name: str):
    """The registered subcommand `/group name`, or None."""
    found = bot.tree.get_command(group)
    return found.get_command(name) if found is not None else None


def published(bot: discord.Client) -> dict[tuple[str, str], list[tuple[str, str, bool]]]:
    """Every subcommand's options as Discord receives them: name, type and required."""
    surface = {}
    for group in bot.tree.get_commands():
        for sub in group.to_dict(bot.tree)["options"]:
            surface[(group.name, sub["name"])] = [
                (option["name"], T(option["type"]).name, option["required"])
                for option in sub.get("options", [])
            ]
    return surface


async def test_option_names_and_types_are_those_discord_has_today(discord_bot):
    """Every subcommand and option keeps the name, type and requiredness callers rely on."""
    assert published(discord_bot) == SURFACE


async def test_every_declared_command_exists_with_options_from_its_params(discord_bot):
    """Each command of the table is a subcommand whose options mirror its declared parameters."""
    for (group, name), cmd in COMMANDS.items():
        command = tree_command(discord_bot, group, name)
        assert command is not None, cmd.path
        assert command.description.startswith(cmd.summary[:1].upper() + cmd.summary[1:])
        options = {option.display_name: option for option in command.parameters}
        assert set(options) == {param.public_name for param in cmd.params}, cmd.path
        for param in cmd.params:
            option = options[param.public_name]
            assert option.name == param.name
            assert option.description == param.description
            assert option.required is not param.optional
            assert option.type is OPTION_TYPES.get(param.kind, T.string), param
            assert [c.value for c in option.choices] == list(param.choices)
            assert option.autocomplete is (param.kind in SUGGESTED), param
            if param.kind is Kind.CHANNEL:
                assert option.channel_types == TextChannelOption().channel_types
    for group in {group for group, _ in COMMANDS}:
        assert tree_command(discord_bot, group, "help") is not None


async def test_group_descriptions_are_kept(discord_bot):
    """The three groups keep their descriptions."""
    described = {group.name: group.description for group in discord_bot.tree.get_commands()}
    assert described == {
        "hours": "Log and review your hours",
        "project": "Projects, pauses and assignments",
        "ops": "Reports and people (ops)",
    }


@pytest.fixture
def seen(discord_runner, monkeypatch) -> list[dict]:
    """The values every command receives from the Discord adapter, recorded as they pass."""
    calls: list[dict] = []
    run_values = discord_runner.run_values

    async def recording(caller, group, name, values, **kwargs):
        """Record the values, then run the command."""
        calls.append({"command": (group, name), **values})
        return await run_values(caller, group, name, values, **kwargs)

    monkeypatch.setattr(discord_runner, "run_values", recording)
    return calls


async def test_member_and_channel_options_reach_the_command_layer_typed(discord_driver, seen):
    """A member is a PersonRef with its name, a channel an IdentityKey; no text round trip."""
    odd = User(80_351_110_224_678_990, "Zoë <Ops|Lead>")
    await discord_driver.command(ADMIN, "project", "add", code="ACME", client="Acme", title="T")
    assigned = await discord_driver.command(
        ADMIN, "project", "assign", code="ACME", who=odd, more=f"<@{BOB.id}>"
    )
    assert "Assigned: Zoë <Ops|Lead>, " in assigned.text
    news = Channel(700_000_000_000_000_007, "news")
    await discord_driver.command(ADMIN, "project", "channel", code="ACME", channel=news)
    await discord_driver.command(ADMIN, "hours", "delete", entry=7)
    assign, channel, delete = seen[1:]
    assert assign["who"] == PersonRef(IdentityKey(Platform.DISCORD, str(odd.id)), name=odd.name)
    assert assign["more"] == f"<@{BOB.id}>"
    assert channel["channel"] == IdentityKey(Platform.DISCORD, str(news.id))
    assert delete["entry"] == 7


async def test_export_with_only_an_end_date_starts_with_everything(discord_driver, seen):
    """`/ops export to:DATE` passes no start date (no placeholder) and exports from the start."""
    export = await discord_driver.command(ADMIN, "ops", "export", last="today")
    assert seen == [{"command": ("ops", "export"), "first": None, "last": "today"}]
    ((name, _content),) = export.files
    assert name == "pausebot-hours-all-2026-03-04.csv"


async def test_an_unseen_date_reaches_the_core_and_is_refused_there(discord_driver, seen):
    """A date option is passed on as typed; the core's one sentence refuses a bad one."""
    week = await discord_driver.command(ALICE, "hours", "week", date="30.11.")
    assert seen[0]["date"] == "30.11."
    assert week.ephemeral and "30.11." in week.text


async def test_a_newly_declared_command_appears_on_discord_without_discord_code(
    discord_api, discord_runner, discord_settings, monkeypatch
):
    """A command added to the table (even in a new group) is published, with help, and runs."""
    received: list[dict] = []

    async def probe(ctx, **values) -> Reply:
        """Record what arrived."""
        received.append(values)
        return Reply(message=Message(title="probed"))

    params = (
        Param("who", Kind.PERSON, "Someone"),
        Param("where", Kind.CHANNEL, "A channel"),
        Param("entry", Kind.ENTRY_ID, "An entry"),
        Param("size", Kind.CHOICE, "A size", choices=("small", "large")),
        Param("first", Kind.DATE, "A day", optional=True, alias="from"),
        Param("others", Kind.PEOPLE, "More people", optional=True),
    )
    declared = Command("lab", "probe", Role.CONTRACTOR, "try the options", params, probe)
    monkeypatch.setitem(COMMANDS, ("lab", "probe"), declared)
    bot = PausebotBot(runner=discord_runner, settings=discord_settings)
    await bot.login(TOKEN)
    try:
        lab = next(c for c in discord_api.synced[str(GUILD_ID)] if c["name"] == "lab")
        subcommands = {sub["name"]: sub for sub in lab["options"]}
        assert set(subcommands) == {"probe", "help"}
        options = [(o["name"], T(o["type"]).name) for o in subcommands["probe"]["options"]]
        assert options == [
            ("who", "user"),
            ("where", "channel"),
            ("entry", "integer"),
            ("size", "string"),
            ("from", "string"),
            ("others", "string"),
        ]
        answered = await Driver(bot, discord_api).command(
            ALICE,
            "lab",
            "probe",
            who=BOB,
            where=Channel(700_000_000_000_000_008, "lab"),
            entry=3,
            size="large",
            first="yesterday",
            others="@slack:U024BE7LH",
        )
    finally:
        await bot.close()
    assert answered.embeds[0]["title"] == "probed"
    (values,) = received
    assert values["who"] == PersonRef(IdentityKey(Platform.DISCORD, str(BOB.id)), name="Bob")
    assert values["where"] == IdentityKey(Platform.DISCORD, "700000000000000008")
    assert (values["entry"], values["size"], str(values["first"])) == (3, "large", "2026-03-03")
    assert values["others"] == [PersonRef(IdentityKey(Platform.SLACK, "U024BE7LH"))]
