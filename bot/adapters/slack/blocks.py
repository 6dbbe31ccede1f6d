"""Block Kit rendering of neutral replies, the log-hours modal, App Home and announcements."""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.adapters.slack.ids import Action, Block, Callback
from bot.commands.reply import Reply, Table
from bot.core.parsing import format_minutes

MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
SECTION_TEXT = 3000
FIELD_TEXT = 2000
FIELDS_PER_SECTION = 10
HEADER_TEXT = 150
OPTION_TEXT = 75
SELECT_OPTIONS = 100
FALLBACK_TEXT = 3000
STATE_ICONS = {"active": ":large_green_circle:", "paused": ":double_vertical_bar:", "closed": ":x:"}


def escape(text: str) -> str:
    """Escape the three characters Slack's mrkdwn treats as control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int) -> str:
    """Text cut to a Block Kit length limit, with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def plain(text: str, limit: int = HEADER_TEXT) -> dict[str, Any]:
    """A plain_text object."""
    return {"type": "plain_text", "text": clip(text, limit), "emoji": True}


def mrkdwn(text: str, limit: int = SECTION_TEXT) -> dict[str, Any]:
    """A mrkdwn text object."""
    return {"type": "mrkdwn", "text": clip(text, limit)}


def section(text: str) -> dict[str, Any]:
    """A section block of mrkdwn text."""
    return {"type": "section", "text": mrkdwn(text)}


def context(text: str) -> dict[str, Any]:
    """A context block with one line of small text."""
    return {"type": "context", "elements": [mrkdwn(text)]}


def log_hours_button(*, primary: bool = True) -> dict[str, Any]:
    """The button that opens the log-hours modal."""
    button: dict[str, Any] = {
        "type": "button",
        "action_id": Action.OPEN_LOG_MODAL,
        "text": plain("Log hours"),
        "value": "log",
    }
    if primary:
        button["style"] = "primary"
    return button


def field_sections(fields: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """Name/value pairs as section fields, ten to a section."""
    items = [mrkdwn(f"*{escape(name)}*\n{escape(value)}", FIELD_TEXT) for name, value in fields]
    return [
        {"type": "section", "fields": items[start : start + FIELDS_PER_SECTION]}
        for start in range(0, len(items), FIELDS_PER_SECTION)
    ]


def table_sections(table: Table, room: int) -> list[dict[str, Any]]:
    """A table as monospaced text, split into sections that fit, at most `room` blocks."""
    lines = [line for line in Reply(table=table).as_text().splitlines()]
    header, rows = lines[0], lines[1:]
    chunks: list[list[str]] = []
    for row in rows:
        if not chunks or len("\n".join([header, *chunks[-1], row])) + 8 > SECTION_TEXT:
            chunks.append([])
        chunks[-1].append(row)
    blocks = []
    for index, chunk in enumerate(chunks):
        if index == room - 1 and index < len(chunks) - 1:
            hidden = sum(len(rest) for rest in chunks[index:])
            blocks.append(context(f"… and {hidden} more rows; narrow the command to see them."))
            break
        blocks.append(section("```" + escape("\n".join([header, *chunk])) + "```"))
    return blocks


def reply_blocks(reply: Reply, *, with_log_button: bool = False) -> list[dict[str, Any]]:
    """A reply as message blocks: header, text, fields, table, file note and buttons."""
    if not reply.ok:
        return [section(f":warning: {escape(reply.text)}")]
    blocks: list[dict[str, Any]] = []
    if reply.title:
        blocks.append({"type": "header", "text": plain(reply.title)})
    if reply.text:
        blocks.append(section(escape(reply.text)))
    blocks.extend(field_sections(reply.fields))
    tail: list[dict[str, Any]] = []
    if reply.attachment is not None:
        size = len(reply.attachment.content)
        tail.append(context(f":page_facing_up: {escape(reply.attachment.filename)}, {size} bytes"))
    if with_log_button:
        tail.append({"type": "actions", "elements": [log_hours_button(primary=False)]})
    if reply.table is not None and reply.table.rows:
        room = MESSAGE_BLOCKS - len(blocks) - len(tail)
        blocks.extend(table_sections(reply.table, room))
    return (blocks + tail)[:MESSAGE_BLOCKS]


def fallback_text(reply: Reply) -> str:
    """The plain text shown in notifications and by clients without Block Kit."""
    return clip(reply.as_text() if not reply.title else reply.title, FALLBACK_TEXT)


def message(reply: Reply, *, with_log_button: bool = False) -> dict[str, Any]:
    """A slash-command response body: ephemeral for private replies, in channel otherwise."""
    return {
        "response_type": "ephemeral" if reply.private else "in_channel",
        "text": fallback_text(reply),
        "blocks": reply_blocks(reply, with_log_button=with_log_button),
    }


def project_option(project: dict[str, Any]) -> dict[str, Any]:
    """A select option for one project: code, title and a paused mark."""
    label = f"{project['project']} · {project['title']}"
    if project["state"] != "active":
        label += f" ({project['state']})"
    return {"text": plain(label, OPTION_TEXT), "value": project["project"]}


def log_hours_modal(
    projects: list[dict[str, Any]], *, today: date, private_metadata: str = ""
) -> dict[str, Any]:
    """The log-hours modal: my projects, duration, date picker and note."""
    open_projects = [p for p in projects if p["state"] != "closed"] or projects
    if not open_projects:
        return {
            "type": "modal",
            "callback_id": Callback.DONE,
            "title": plain("Log hours", 24),
            "close": plain("Close", 24),
            "blocks": [
                section(
                    "You are not assigned to any project, so there is nothing to log yet. "
                    "An admin assigns you with `/project assign CODE @you`."
                )
            ],
        }
    options = [project_option(p) for p in open_projects[:SELECT_OPTIONS]]
    select: dict[str, Any] = {
        "type": "static_select",
        "action_id": Action.PROJECT,
        "placeholder": plain("Choose a project"),
        "options": options,
    }
    if len(options) == 1:
        select["initial_option"] = options[0]
    return {
        "type": "modal",
        "callback_id": Callback.LOG_HOURS,
        "private_metadata": private_metadata,
        "title": plain("Log hours", 24),
        "submit": plain("Log", 24),
        "close": plain("Cancel", 24),
        "blocks": [
            {
                "type": "input",
                "block_id": Block.PROJECT,
                "label": plain("Project"),
                "element": select,
            },
            {
                "type": "input",
                "block_id": Block.DURATION,
                "label": plain("Duration"),
                "hint": plain("Like 2h, 1.5h, 90m, 1h30m or 1:30"),
                "element": {
                    "type": "plain_text_input",
                    "action_id": Action.DURATION,
                    "placeholder": plain("1h30m"),
                    "max_length": 20,
                },
            },
            {
                "type": "input",
                "block_id": Block.WORK_DATE,
                "label": plain("Date"),
                "element": {
                    "type": "datepicker",
                    "action_id": Action.WORK_DATE,
                    "initial_date": today.isoformat(),
                },
            },
            {
                "type": "input",
                "block_id": Block.NOTE,
                "optional": True,
                "label": plain("Note"),
                "element": {
                    "type": "plain_text_input",
                    "action_id": Action.NOTE,
                    "multiline": True,
                    "max_length": 500,
                },
            },
            context(
                "Hours on a project that was paused all day are kept as blocked hours, "
                "your record for compensation."
            ),
        ],
    }


def result_modal(reply: Reply) -> dict[str, Any]:
    """The modal shown after a successful submission."""
    return {
        "type": "modal",
        "callback_id": Callback.DONE,
        "title": plain("Hours logged", 24),
        "close": plain("Done", 24),
        "blocks": reply_blocks(reply)[:VIEW_BLOCKS],
    }


def project_home_blocks(project: dict[str, Any]) -> list[dict[str, Any]]:
    """One project on App Home: state, since when, reason, and this week's hours."""
    icon = STATE_ICONS.get(project["state"], "")
    lines = [
        f"{icon} *{escape(project['project'])}* · {escape(project['title'])} "
        f"({escape(project['client'])})",
        f"*{project['state']}* since {project['since'][:10]}",
    ]
    if project["state"] == "paused":
        resume = project.get("expected_resume") or "not known"
        lines.append(f"Reason: {escape(project.get('reason') or 'none given')}")
        lines.append(f"Expected resume: {resume}")
    return [
        {
            "type": "section",
            "text": mrkdwn("\n".join(lines)),
            "fields": [
                mrkdwn(f"*Worked this week*\n{format_minutes(project['worked_minutes'])}"),
                mrkdwn(f"*Blocked this week*\n{format_minutes(project['blocked_minutes'])}"),
            ],
        },
        {"type": "divider"},
    ]


def home_view(status: Reply) -> dict[str, Any]:
    """The App Home tab built from `/project status`: my projects and a Log hours button."""
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": plain("My projects")},
        {
            "type": "section",
            "text": mrkdwn(escape(status.text or status.title)),
            "accessory": log_hours_button(),
        },
        {"type": "divider"},
    ]
    projects = (status.data or {}).get("projects", [])
    for project in projects:
        if len(blocks) + 3 > VIEW_BLOCKS:
            blocks.append(context(f"… and more; `/project status` lists all {len(projects)}."))
            break
        blocks.extend(project_home_blocks(project))
    blocks.append(
        context("`/hours week` shows your entries with their ids; `/hours help` lists the rest.")
    )
    return {"type": "home", "blocks": blocks}


def announcement_blocks(payload: dict[str, Any]) -> list[dict[str, Any]]:
    """An outbox payload (title and text) as message blocks."""
    blocks: list[dict[str, Any]] = []
    if payload.get("title"):
        blocks.append({"type": "header", "text": plain(str(payload["title"]))})
    if payload.get("text"):
        blocks.append(section(escape(str(payload["text"]))))
    return blocks
