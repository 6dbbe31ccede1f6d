"""The application commands, derived from the declared command table, and how they answer.

One `app_commands.Group` per command group, one subcommand per declared command (plus `help`),
one option per declared parameter. Nothing here names a command: a command declared in
bot/commands appears on Discord as it is.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import discord
from discord import app_commands

from bot.adapters.discord.embeds import reply_embed, reply_files
from bot.adapters.discord.options import (
    annotation,
    autocomplete,
    bot_of,
    caller_of,
    choices,
    description,
    typed_value,
)
from bot.commands.base import COMMANDS, Command
from bot.commands.params import Kind
from bot.commands.reply import Reply
from bot.core.words import Role

log = logging.getLogger(__name__)

GROUP_DESCRIPTIONS = {
    "hours": "Log and review your hours",
    "project": "Projects, pauses and assignments",
    "ops": "Reports and people (ops)",
}
HELP = "help"
# The key under which each application command keeps the declared Command it was made from.
DECLARED = "pausebot_command"
HELP_DESCRIPTION = "What I can do, for your role"
ROLE_NOTES = {Role.CONTRACTOR: "", Role.OPS: " (ops)", Role.ADMIN: " (admin)"}
Callback = Callable[..., Awaitable[None]]


async def send_reply(interaction: discord.Interaction, reply: Reply) -> None:
    """Answer an interaction that was not deferred: private replies are ephemeral."""
    files = reply_files(reply)
    extra: dict[str, Any] = {"files": files} if files else {}
    await interaction.response.send_message(
        embed=reply_embed(reply), ephemeral=reply.private, **extra
    )


async def send_follow_up(interaction: discord.Interaction, reply: Reply, *, public: bool) -> None:
    """Answer a deferred interaction; a refusal after a public defer is shown only to the caller."""
    if public and not reply.ok:
        await interaction.delete_original_response()
        await interaction.followup.send(embed=reply_embed(reply), ephemeral=True)
        return
    files = reply_files(reply)
    extra: dict[str, Any] = {"files": files} if files else {}
    await interaction.followup.send(embed=reply_embed(reply), ephemeral=reply.private, **extra)


async def answer(
    interaction: discord.Interaction,
    group: str,
    name: str,
    values: dict[str, Any],
    *,
    slow: bool = False,
    public: bool = False,
) -> Reply:
    """Run a command for the interaction's user and answer it (deferring first when slow)."""
    if slow:
        await interaction.response.defer(ephemeral=not public, thinking=True)
    reply = await bot_of(interaction).runner.run_values(
        caller_of(interaction), group, name, values, request_key=f"discord:{interaction.id}"
    )
    log.info(
        "discord %s %s by %s: %s",
        group,
        name,
        interaction.user.id,
        "ok" if reply.ok else reply.error_kind,
    )
    if slow:
        await send_follow_up(interaction, reply, public=public)
    else:
        await send_reply(interaction, reply)
    return reply


def declared_command(interaction: discord.Interaction) -> Command | None:
    """The declared command an interaction runs (None for help or an unknown command)."""
    command = interaction.command
    return command.extras.get(DECLARED) if command is not None else None


def command_description(cmd: Command) -> str:
    """The summary, capitalised, noting the role it needs."""
    return description(cmd.summary[:1].upper() + cmd.summary[1:] + ROLE_NOTES[cmd.role])


def callback_for(cmd: Command) -> Callback:
    """The callback of one command, with a signature discord.py reads as the options.

    Each parameter is a keyword named as declared (`first`) and renamed to the name people see
    (`from`); options reach the command layer typed (members as PersonRefs, channels as
    IdentityKeys, entry ids as ints), never rebuilt as text.
    """

    async def callback(interaction: discord.Interaction, **options: Any) -> None:
        """Run the declared command with the options given."""
        values = {param.name: typed_value(param, options.get(param.name)) for param in cmd.params}
        await answer(interaction, cmd.group, cmd.name, values, slow=cmd.slow, public=cmd.public)

    parameters = [
        inspect.Parameter(
            "interaction", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=discord.Interaction
        )
    ]
    parameters += [
        inspect.Parameter(
            param.name,
            inspect.Parameter.KEYWORD_ONLY,
            annotation=annotation(param),
            default=None if param.optional else inspect.Parameter.empty,
        )
        for param in cmd.params
    ]
    callback.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    described = {p.name: description(p.description) for p in cmd.params}
    renamed = {p.name: p.public_name for p in cmd.params if p.alias}
    fixed = {p.name: choices(p) for p in cmd.params if p.kind is Kind.CHOICE}
    suggested = {p.name: found for p in cmd.params if (found := autocomplete(p)) is not None}
    app_commands.describe(**described)(callback)
    app_commands.rename(**renamed)(callback)
    app_commands.choices(**fixed)(callback)
    app_commands.autocomplete(**suggested)(callback)
    return callback


def help_callback(group: str) -> Callback:
    """The callback of `/GROUP help`."""

    async def callback(interaction: discord.Interaction) -> None:
        """The group's commands the caller may use."""
        await answer(interaction, group, HELP, {})

    return callback


def build_groups() -> list[app_commands.Group]:
    """One group per command group of the table, its commands in table order, then `help`."""
    groups: dict[str, app_commands.Group] = {}
    for cmd in COMMANDS.values():
        group = groups.get(cmd.group)
        if group is None:
            about = GROUP_DESCRIPTIONS.get(cmd.group, f"/{cmd.group} commands")
            group = groups[cmd.group] = app_commands.Group(name=cmd.group, description=about)
        group.add_command(
            app_commands.Command(
                name=cmd.name,
                description=command_description(cmd),
                callback=callback_for(cmd),
                extras={DECLARED: cmd},
            )
        )
    for name, group in groups.items():
        if group.get_command(HELP) is None:
            group.add_command(
                app_commands.Command(
                    name=HELP, description=HELP_DESCRIPTION, callback=help_callback(name)
                )
            )
    return list(groups.values())
