"""Slack views: the log-hours modal (derived from `/hours log`'s parameters) and App Home."""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.adapters.slack.blocks import (
    Json,
    context,
    escape,
    log_hours_button,
    mrkdwn,
    plain,
    reply_blocks,
    section,
)
from bot.adapters.slack.ids import LOG_HOURS_INPUTS, Block, Callback
from bot.commands import hours  # noqa: F401 - declares /hours log in the command table
from bot.commands.base import COMMANDS, Command
from bot.commands.params import Kind, Param
from bot.commands.reply import Reply
from bot.core.present import minutes, update_fields
from bot.core.readmodels import MyProject, MyProjects
from bot.core.words import ProjectState

VIEW_BLOCKS = 100
VIEW_TITLE = 24
OPTION_TEXT = 75
SELECT_OPTIONS = 100
DURATION_LENGTH = 20
NOTE_LENGTH = 500
STATE_ICONS = {
    ProjectState.ACTIVE: ":large_green_circle:",
    ProjectState.PAUSED: ":double_vertical_bar:",
    ProjectState.CLOSED: ":x:",
}
# Kinds typed as text in the modal: their description is shown under the input as a hint.
TYPED_KINDS = frozenset({Kind.DURATION, Kind.TEXT})
WORKING = ":hourglass_flowing_sand: Working on it; the answer follows in a moment."


def log_hours_command() -> Command:
    """`/hours log`, whose parameters the modal's inputs are derived from."""
    return COMMANDS[("hours", "log")]


def project_option(project: MyProject) -> dict[str, Any]:
    """A select option for one project: code, title and a mark when it is not active."""
    label = f"{project.project} · {project.title}"
    if project.state is not ProjectState.ACTIVE:
        label += f" ({project.state})"
    return {"text": plain(label, OPTION_TEXT), "value": project.project}


def loggable(mine: MyProjects) -> list[MyProject]:
    """The projects to offer: the open ones, else (all closed) the closed ones, for past dates."""
    open_projects = [p for p in mine.projects if p.state is not ProjectState.CLOSED]
    return open_projects or list(mine.projects)


def input_label(param: Param) -> str:
    """The label over a parameter's input, like `Duration`; a code is a `Project`."""
    if param.kind in (Kind.CODE, Kind.NEW_CODE):
        return "Project"
    return param.public_name.replace("_", " ").capitalize()


def input_element(param: Param, options: list[dict[str, Any]], today: date) -> dict[str, Any]:
    """The Block Kit element for a parameter's kind."""
    match param.kind:
        case Kind.CODE:
            select: dict[str, Any] = {
                "type": "static_select",
                "placeholder": plain("Choose a project"),
                "options": options,
            }
            if len(options) == 1:
                select["initial_option"] = options[0]
            return select
        case Kind.DURATION:
            return {
                "type": "plain_text_input",
                "placeholder": plain("1h30m"),
                "max_length": DURATION_LENGTH,
            }
        case Kind.DATE:
            return {"type": "datepicker", "initial_date": today.isoformat()}
        case Kind.TEXT:
            return {"type": "plain_text_input", "multiline": True, "max_length": NOTE_LENGTH}
        case _:
            return {"type": "plain_text_input"}


def input_block(param: Param, options: list[dict[str, Any]], today: date) -> Json:
    """A parameter's input block, with its block and action ids."""
    block_id, action_id = LOG_HOURS_INPUTS[param.name]
    block: Json = {
        "type": "input",
        "block_id": block_id,
        "label": plain(input_label(param)),
        "element": {**input_element(param, options, today), "action_id": action_id},
    }
    if param.kind in TYPED_KINDS:
        block["hint"] = plain(param.description)
    if param.optional:
        block["optional"] = True
    return block


def nothing_to_log() -> dict[str, Any]:
    """The modal for someone with no project: it says why and has nothing to submit."""
    return {
        "type": "modal",
        "callback_id": Callback.DONE,
        "title": plain("Log hours", VIEW_TITLE),
        "close": plain("Close", VIEW_TITLE),
        "blocks": [
            section(
                "You are not assigned to any project, so there is nothing to log yet. "
                "An admin assigns you with `/project assign CODE @you`."
            )
        ],
    }


def log_hours_modal(mine: MyProjects, *, today: date) -> dict[str, Any]:
    """The log-hours modal: an input for each `/hours log` parameter, my projects to choose."""
    projects = loggable(mine)
    if not projects:
        return nothing_to_log()
    options = [project_option(p) for p in projects[:SELECT_OPTIONS]]
    inputs = [input_block(param, options, today) for param in log_hours_command().params]
    return {
        "type": "modal",
        "callback_id": Callback.LOG_HOURS,
        "title": plain("Log hours", VIEW_TITLE),
        "submit": plain("Log", VIEW_TITLE),
        "close": plain("Cancel", VIEW_TITLE),
        "blocks": [
            *inputs,
            context(
                "Hours on a project that was paused all day are kept as blocked hours, "
                "your record for compensation."
            ),
        ],
    }


def input_value(param: Param, state: dict[str, Any]) -> Any:
    """What one input holds, for the command layer: a code, a date, or text; None when empty."""
    match param.kind:
        case Kind.CODE:
            return (state.get("selected_option") or {}).get("value") or None
        case Kind.DATE:
            picked = state.get("selected_date")
            if not picked:
                return None
            try:
                return date.fromisoformat(picked)
            except ValueError:
                return picked  # not a date: the command layer refuses it, on the date input
        case _:
            return (state.get("value") or "").strip() or None


def submitted_values(view: dict[str, Any]) -> dict[str, Any]:
    """A submitted log-hours modal's values by parameter name, for `run_values`."""
    state = view.get("state", {}).get("values", {})
    values: dict[str, Any] = {}
    for param in log_hours_command().params:
        block_id, action_id = LOG_HOURS_INPUTS[param.name]
        value = input_value(param, state.get(block_id, {}).get(action_id) or {})
        if value is not None:
            values[param.name] = value
    return values


def error_block(reply: Reply) -> Block:
    """The modal input a refusal is about: the one for `reply.field`, else the project."""
    block_id, _action_id = LOG_HOURS_INPUTS.get(reply.field or "", LOG_HOURS_INPUTS["code"])
    return block_id


def result_modal(reply: Reply) -> dict[str, Any]:
    """The modal that replaces a submitted one: the logged entry, or what went wrong."""
    return {
        "type": "modal",
        "callback_id": Callback.DONE,
        "title": plain("Hours logged" if reply.ok else "Log hours", VIEW_TITLE),
        "close": plain("Done" if reply.ok else "Close", VIEW_TITLE),
        "blocks": reply_blocks(reply, room=VIEW_BLOCKS),
    }


def working_modal() -> dict[str, Any]:
    """The modal shown while a slow submission is still being recorded."""
    return {
        "type": "modal",
        "callback_id": Callback.DONE,
        "title": plain("Log hours", VIEW_TITLE),
        "close": plain("Close", VIEW_TITLE),
        "blocks": [section(WORKING)],
    }


def project_home_blocks(project: MyProject) -> list[Json]:
    """One project on App Home: state, since when, a pause's reason, the latest update, and
    this week's hours."""
    lines = [
        f"{STATE_ICONS[project.state]} *{escape(project.project)}* · {escape(project.title)} "
        f"({escape(project.client)})",
        f"*{project.state}* since {project.since.date().isoformat()}",
    ]
    if project.state is ProjectState.PAUSED:
        resume = project.expected_resume.isoformat() if project.expected_resume else "not known"
        lines.append(f"Reason: {escape(project.reason or 'none given')}")
        lines.append(f"Expected resume: {resume}")
    lines += [
        f"{field.name}: {escape(field.value)}" for field in update_fields(project.latest_update)
    ]
    return [
        {
            "type": "section",
            "text": mrkdwn("\n".join(lines)),
            "fields": [
                mrkdwn(f"*Worked this week*\n{minutes(project.worked_minutes)}"),
                mrkdwn(f"*Blocked this week*\n{minutes(project.blocked_minutes)}"),
            ],
        },
        {"type": "divider"},
    ]


def home_view(status: Reply) -> dict[str, Any]:
    """The App Home tab from `/project status`: a summary line, my projects, a Log hours button."""
    mine = status.data if isinstance(status.data, MyProjects) else MyProjects(projects=())
    blocks: list[Json] = [
        {"type": "header", "text": plain("My projects")},
        {
            "type": "section",
            "text": mrkdwn(escape(status.text or status.title)),
            "accessory": log_hours_button(),
        },
        {"type": "divider"},
    ]
    for project in mine.projects:
        if len(blocks) + 3 > VIEW_BLOCKS:
            blocks.append(context(f"… and more; `/project status` lists all {len(mine.projects)}."))
            break
        blocks.extend(project_home_blocks(project))
    blocks.append(
        context("`/hours week` shows your entries with their ids; `/hours help` lists the rest.")
    )
    return {"type": "home", "blocks": blocks}
