"""`/project`: status, list, add, pause, resume, close, assign, unassign, channel, history."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.adapters.discord.common import answer, channel_mention, code_choices, mention

STATE_CHOICES = [
    app_commands.Choice(name=state, value=state) for state in ("active", "paused", "closed")
]
MORE_PEOPLE_HELP = "More people: mentions or identities like @slack:U024BE7LH, space-separated"


class TextChannelOption(app_commands.Transformer):
    """A text or announcement channel option, taken as Discord resolved it (no cache needed)."""

    @property
    def type(self) -> discord.AppCommandOptionType:
        """Discord's channel option type."""
        return discord.AppCommandOptionType.channel

    @property
    def channel_types(self) -> list[discord.ChannelType]:
        """Only channels a bot can post announcements in."""
        return [discord.ChannelType.text, discord.ChannelType.news]

    async def transform(self, interaction: discord.Interaction, value: Any, /) -> Any:
        """The resolved channel, unchanged."""
        return value


def people_words(who: discord.abc.Snowflake, more: str | None) -> list[str]:
    """A member option and free text of more people, as the words the core reads."""
    return [mention(who), *(more or "").split()]


class ProjectCog(
    commands.GroupCog, group_name="project", group_description="Projects, pauses and assignments"
):
    """Projects; changes are public, lookups private."""

    @app_commands.command(name="status", description="My projects, or one project")
    @app_commands.describe(code="Project code (leave empty for all my projects)")
    @app_commands.autocomplete(code=code_choices)
    async def status(self, interaction: discord.Interaction, code: str | None = None) -> None:
        """The caller's projects or one project."""
        await answer(interaction, "project", "status", [code] if code else [])

    @app_commands.command(name="list", description="All projects, filtered by state (ops)")
    @app_commands.describe(state="Only projects in this state")
    @app_commands.choices(state=STATE_CHOICES)
    async def list_(self, interaction: discord.Interaction, state: str | None = None) -> None:
        """Every project, for ops."""
        await answer(interaction, "project", "list", [state] if state else [], slow=True)

    @app_commands.command(name="add", description="Create a project (admin)")
    @app_commands.describe(
        code="New code: 2 to 32 letters, digits or dashes, like ACME-LABEL",
        client="The client's name, like Acme AI",
        title="The project's title",
    )
    async def add(
        self, interaction: discord.Interaction, code: str, client: str, title: str
    ) -> None:
        """Create a project."""
        await answer(interaction, "project", "add", [code, client, title], public=True)

    @app_commands.command(name="pause", description="Pause a project and announce it (admin)")
    @app_commands.describe(
        code="Project code",
        reason="Why it is paused; contractors see this",
        until="Expected resume date, YYYY-MM-DD",
    )
    @app_commands.autocomplete(code=code_choices)
    async def pause(
        self,
        interaction: discord.Interaction,
        code: str,
        reason: str,
        until: str | None = None,
    ) -> None:
        """Pause a project."""
        args = [code, reason] + (["until", until] if until else [])
        await answer(interaction, "project", "pause", args, slow=True, public=True)

    @app_commands.command(name="resume", description="Resume a project and announce it (admin)")
    @app_commands.describe(code="Project code", note="A note for the announcement")
    @app_commands.autocomplete(code=code_choices)
    async def resume(
        self, interaction: discord.Interaction, code: str, note: str | None = None
    ) -> None:
        """Resume a project."""
        args = [code] + ([note] if note else [])
        await answer(interaction, "project", "resume", args, slow=True, public=True)

    @app_commands.command(name="close", description="Close a project for good (admin)")
    @app_commands.describe(code="Project code", note="A note for the announcement")
    @app_commands.autocomplete(code=code_choices)
    async def close(
        self, interaction: discord.Interaction, code: str, note: str | None = None
    ) -> None:
        """Close a project."""
        args = [code] + ([note] if note else [])
        await answer(interaction, "project", "close", args, slow=True, public=True)

    @app_commands.command(name="assign", description="Assign people to a project (admin)")
    @app_commands.describe(code="Project code", who="Who to assign", more=MORE_PEOPLE_HELP)
    @app_commands.autocomplete(code=code_choices)
    async def assign(
        self,
        interaction: discord.Interaction,
        code: str,
        who: discord.User,
        more: str | None = None,
    ) -> None:
        """Assign people."""
        await answer(interaction, "project", "assign", [code, *people_words(who, more)])

    @app_commands.command(name="unassign", description="Take people off a project (admin)")
    @app_commands.describe(code="Project code", who="Who to take off", more=MORE_PEOPLE_HELP)
    @app_commands.autocomplete(code=code_choices)
    async def unassign(
        self,
        interaction: discord.Interaction,
        code: str,
        who: discord.User,
        more: str | None = None,
    ) -> None:
        """End assignments."""
        await answer(interaction, "project", "unassign", [code, *people_words(who, more)])

    @app_commands.command(
        name="channel", description="Where this project's Discord announcements go (admin)"
    )
    @app_commands.describe(code="Project code", channel="The announcement channel")
    @app_commands.autocomplete(code=code_choices)
    async def channel(
        self,
        interaction: discord.Interaction,
        code: str,
        channel: app_commands.Transform[app_commands.AppCommandChannel, TextChannelOption],
    ) -> None:
        """Set the project's Discord channel."""
        await answer(interaction, "project", "channel", [code, channel_mention(channel)])

    @app_commands.command(name="history", description="A project's status history (ops)")
    @app_commands.describe(code="Project code")
    @app_commands.autocomplete(code=code_choices)
    async def history(self, interaction: discord.Interaction, code: str) -> None:
        """The status history, newest first."""
        await answer(interaction, "project", "history", [code], slow=True)

    @app_commands.command(name="help", description="What I can do, for your role")
    async def help(self, interaction: discord.Interaction) -> None:
        """The project commands the caller may use."""
        await answer(interaction, "project", "help", [])
