"""`/hours`: log, week, edit, delete, tz and help as Discord application commands."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.adapters.discord.common import (
    answer,
    code_choices,
    date_choices,
    date_refusal,
    duration_choices,
    send_reply,
    zone_choices,
)

DURATION_HELP = "How long: 2h, 1.5h, 90m, 1h30m, 2h 15m or 1:30"
DATE_HELP = "today (default), yesterday, a weekday like mon, or YYYY-MM-DD"


class HoursCog(
    commands.GroupCog, group_name="hours", group_description="Log and review your hours"
):
    """Contractors' hours; every reply is private."""

    @app_commands.command(name="log", description="Log hours on a project")
    @app_commands.describe(
        code="Project code",
        duration=DURATION_HELP,
        date="Work date: " + DATE_HELP,
        note="What you worked on",
    )
    @app_commands.autocomplete(code=code_choices, duration=duration_choices, date=date_choices)
    async def log(
        self,
        interaction: discord.Interaction,
        code: str,
        duration: str,
        date: str | None = None,
        note: str | None = None,
    ) -> None:
        """Log hours; the date goes first so the note is never read as one."""
        work_date = date or "today"
        if refusal := date_refusal(work_date):
            await send_reply(interaction, refusal)
            return
        args = [code, duration, work_date] + ([note] if note else [])
        await answer(interaction, "hours", "log", args)

    @app_commands.command(name="week", description="My entries for a week, with ids and totals")
    @app_commands.describe(date="A day of the week to show: " + DATE_HELP)
    @app_commands.autocomplete(date=date_choices)
    async def week(self, interaction: discord.Interaction, date: str | None = None) -> None:
        """The caller's week."""
        await answer(interaction, "hours", "week", [date] if date else [])

    @app_commands.command(name="edit", description="Change the duration or note of my entry")
    @app_commands.describe(
        entry="Entry id, as shown by /hours week",
        duration=DURATION_HELP,
        note="New note (leave empty to keep the old one)",
    )
    @app_commands.autocomplete(duration=duration_choices)
    async def edit(
        self,
        interaction: discord.Interaction,
        entry: int,
        duration: str,
        note: str | None = None,
    ) -> None:
        """Edit one of the caller's entries."""
        await answer(
            interaction, "hours", "edit", [str(entry), duration] + ([note] if note else [])
        )

    @app_commands.command(name="delete", description="Remove my entry")
    @app_commands.describe(entry="Entry id, as shown by /hours week")
    async def delete(self, interaction: discord.Interaction, entry: int) -> None:
        """Delete one of the caller's entries."""
        await answer(interaction, "hours", "delete", [str(entry)])

    @app_commands.command(name="tz", description="Set my time zone")
    @app_commands.describe(zone="IANA time zone, like Europe/Paris")
    @app_commands.autocomplete(zone=zone_choices)
    async def tz(self, interaction: discord.Interaction, zone: str) -> None:
        """Set the caller's time zone."""
        await answer(interaction, "hours", "tz", [zone])

    @app_commands.command(name="help", description="What I can do, for your role")
    async def help(self, interaction: discord.Interaction) -> None:
        """The hours commands the caller may use."""
        await answer(interaction, "hours", "help", [])
