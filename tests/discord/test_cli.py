"""`pausebot discord sync [--global]`: command publication on demand only."""

from __future__ import annotations

import asyncio
import re

from click.testing import CliRunner

from bot.cli import main
from bot.commands.base import COMMANDS
from tests.discord.conftest import TOKEN

NAME = re.compile(r"^[-_a-z0-9]{1,32}$")


async def invoke(args: list[str], env: dict[str, str]):
    """Run the CLI in a thread (it runs its own event loop) with this environment."""
    return await asyncio.to_thread(CliRunner().invoke, main, args, env=env)


def environment(discord_api, database_url: str, **more: str) -> dict[str, str]:
    """The environment of a configured Discord bot talking to the fake."""
    return {
        "DATABASE_URL": database_url,
        "DISCORD_BOT_TOKEN": TOKEN,
        "DISCORD_API_URL": discord_api.api_url,
        "DISCORD_GUILD_IDS": "",
        **more,
    }


async def test_global_sync_publishes_the_whole_command_table(discord_api, database_url):
    """--global puts every group and subcommand, with valid names and descriptions."""
    result = await invoke(["discord", "sync", "--global"], environment(discord_api, database_url))
    assert result.exit_code == 0, result.output
    assert "globally" in result.output
    (call,) = discord_api.calls_to("PUT", "/commands")
    assert call.path == f"/applications/{discord_api.application_id}/commands"
    published = {
        (group["name"], sub["name"]): sub for group in call.body for sub in group["options"]
    }
    assert set(COMMANDS) | {(g, "help") for g in ("hours", "project", "ops")} == set(published)
    for group in call.body:
        assert 1 <= len(group["description"]) <= 100
        for sub in group["options"]:
            assert 1 <= len(sub["description"]) <= 100 and NAME.match(sub["name"])
            for option in sub.get("options", []):
                assert NAME.match(option["name"]) and 1 <= len(option["description"]) <= 100


async def test_guild_sync_publishes_to_each_configured_guild(discord_api, database_url):
    """Without --global the commands go to every guild of DISCORD_GUILD_IDS."""
    env = environment(discord_api, database_url, DISCORD_GUILD_IDS="111,222")
    result = await invoke(["discord", "sync"], env)
    assert result.exit_code == 0, result.output
    paths = [call.path for call in discord_api.calls_to("PUT", "/commands")]
    app = discord_api.application_id
    assert paths == [
        f"/applications/{app}/guilds/111/commands",
        f"/applications/{app}/guilds/222/commands",
    ]


async def test_sync_needs_a_token_and_a_target(discord_api, database_url):
    """No token, or no guilds without --global, is bad usage (exit 2) and calls nothing."""
    no_guilds = await invoke(["discord", "sync"], environment(discord_api, database_url))
    no_token = await invoke(
        ["discord", "sync", "--global"],
        environment(discord_api, database_url, DISCORD_BOT_TOKEN=""),
    )
    assert no_guilds.exit_code == 2 and "DISCORD_GUILD_IDS" in no_guilds.output
    assert no_token.exit_code == 2 and "DISCORD_BOT_TOKEN" in no_token.output
    assert discord_api.calls == []
