"""`/ops`: summary, impact, export, role, link and help as Discord application commands."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.adapters.discord.common import answer, code_choices, date_choices, mention
from bot.core.people import ROLES

# An export given only an end date starts before any hours could have been logged.
EARLIEST_DATE = "2000-01-01"
ROLE_CHOICES = [app_commands.Choice(name=role, value=role) for role in ROLES]


class OpsCog(commands.GroupCog, group_name="ops", group_description="Reports and people (ops)"):
    """Ops reports and admin changes to people."""

    @app_commands.command(name="summary", description="The daily summary (default yesterday)")
    @app_commands.describe(date="Day to summarise: today, yesterday, a weekday or YYYY-MM-DD")
    @app_commands.autocomplete(date=date_choices)
    async def summary(self, interaction: discord.Interaction, date: str | None = None) -> None:
        """The daily summary."""
        await answer(interaction, "ops", "summary", [date] if date else [], slow=True)

    @app_commands.command(name="impact", description="The impact report")
    @app_commands.describe(subject="Only this client (its name) or project (its code)")
    @app_commands.autocomplete(subject=code_choices)
    async def impact(self, interaction: discord.Interaction, subject: str | None = None) -> None:
        """The impact report."""
        await answer(interaction, "ops", "impact", [subject] if subject else [], slow=True)

    @app_commands.command(name="export", description="Hours as a CSV file (no dates: everything)")
    @app_commands.rename(first="from", last="to")
    @app_commands.describe(first="First work date", last="Last work date")
    @app_commands.autocomplete(first=date_choices, last=date_choices)
    async def export(
        self,
        interaction: discord.Interaction,
        first: str | None = None,
        last: str | None = None,
    ) -> None:
        """The hours export as an attachment."""
        if last and not first:
            first = EARLIEST_DATE
        args = [word for word in (first, last) if word]
        await answer(interaction, "ops", "export", args, slow=True)

    @app_commands.command(name="role", description="Set someone's role (admin)")
    @app_commands.describe(who="Whose role", role="The new role")
    @app_commands.choices(role=ROLE_CHOICES)
    async def role(self, interaction: discord.Interaction, who: discord.User, role: str) -> None:
        """Set a role."""
        await answer(interaction, "ops", "role", [mention(who), role])

    @app_commands.command(name="link", description="Join identities into one contractor (admin)")
    @app_commands.describe(
        who="The contractor to keep",
        other="Another Discord account of theirs",
        identities="Their other identities, like @slack:U024BE7LH, space-separated",
    )
    async def link(
        self,
        interaction: discord.Interaction,
        who: discord.User,
        other: discord.User | None = None,
        identities: str | None = None,
    ) -> None:
        """Link identities."""
        words = [mention(who)] + ([mention(other)] if other else []) + (identities or "").split()
        await answer(interaction, "ops", "link", words)

    @app_commands.command(name="help", description="What I can do, for your role")
    async def help(self, interaction: discord.Interaction) -> None:
        """The ops commands the caller may use."""
        await answer(interaction, "ops", "help", [])
