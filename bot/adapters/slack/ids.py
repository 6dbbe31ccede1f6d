"""Every Slack callback, action and block id pausebot uses, in one place."""

from __future__ import annotations

from enum import StrEnum


class Callback(StrEnum):
    """Modal callback ids."""

    LOG_HOURS = "pausebot_log_hours"
    DONE = "pausebot_done"


class Action(StrEnum):
    """Interactive element action ids."""

    OPEN_LOG_MODAL = "pausebot_open_log_modal"
    PROJECT = "pausebot_project"
    DURATION = "pausebot_duration"
    WORK_DATE = "pausebot_work_date"
    NOTE = "pausebot_note"
    # A button under a message that runs a command (`pausebot_run:yes`); its value is the command.
    RUN = "pausebot_run"


class Block(StrEnum):
    """Block ids of the log-hours modal's inputs."""

    PROJECT = "pausebot_project_block"
    DURATION = "pausebot_duration_block"
    WORK_DATE = "pausebot_work_date_block"
    NOTE = "pausebot_note_block"
    BUTTONS = "pausebot_buttons"


class SlashCommand(StrEnum):
    """The slash commands in the app manifest, mapped to command-layer groups."""

    HOURS = "/hours"
    PROJECT = "/project"
    OPS = "/ops"

    @property
    def group(self) -> str:
        """The command-layer group, like `hours`."""
        return self.value.lstrip("/")


# Each `/hours log` parameter's input in the log-hours modal: its block id and action id.
LOG_HOURS_INPUTS: dict[str, tuple[Block, Action]] = {
    "code": (Block.PROJECT, Action.PROJECT),
    "duration": (Block.DURATION, Action.DURATION),
    "date": (Block.WORK_DATE, Action.WORK_DATE),
    "note": (Block.NOTE, Action.NOTE),
}

OUTBOX_EVENT_TYPE = "pausebot_outbox"
