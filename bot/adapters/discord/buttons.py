"""Clicks on pausebot's buttons (message components), understood from their custom_id alone.

A button's custom_id names the command it runs (`pausebot:hours available ACME yes
2026-03-04`), so a click is answered by whichever process receives it, also after a restart:
there is no view kept in memory to lose. The command runs for whoever clicked, as if typed.
"""

from __future__ import annotations

import logging

import discord

from bot.adapters.discord.commands import send_follow_up
from bot.adapters.discord.embeds import BUTTON_PREFIX
from bot.adapters.discord.options import bot_of, caller_of
from bot.commands.buttons import button_command, stale_button
from bot.commands.reply import Reply, internal_failure

log = logging.getLogger(__name__)


def pausebot_button(interaction: discord.Interaction) -> str | None:
    """The command text a click on one of pausebot's buttons carries, else None."""
    if interaction.type is not discord.InteractionType.component:
        return None
    data = interaction.data or {}
    custom_id = data.get("custom_id")
    if not isinstance(custom_id, str) or not custom_id.startswith(BUTTON_PREFIX):
        return None
    return custom_id[len(BUTTON_PREFIX) :]


async def run_button(interaction: discord.Interaction, value: str) -> Reply:
    """Run a button's command for the person who clicked it; never raises."""
    found = button_command(value)
    if found is None:
        return stale_button()
    group, text = found
    try:
        return await bot_of(interaction).runner.run_slash(
            caller_of(interaction), group, text, request_key=f"discord:{interaction.id}"
        )
    except Exception as exc:
        return internal_failure("Discord button", exc)


async def answer_click(interaction: discord.Interaction) -> bool:
    """Answer a click on one of pausebot's buttons privately; False for any other interaction."""
    value = pausebot_button(interaction)
    if value is None:
        return False
    await interaction.response.defer(ephemeral=True, thinking=True)
    reply = await run_button(interaction, value)
    log.info(
        "discord button by %s: %s", interaction.user.id, "ok" if reply.ok else reply.error_kind
    )
    await send_follow_up(interaction, reply, public=False)
    return True
