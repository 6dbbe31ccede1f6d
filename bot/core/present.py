"""The presentation: every read model turned into the one neutral Message, worded once."""

from __future__ import annotations

from datetime import datetime

from bot.core.message import Field, Message, Table
from bot.core.parsing import format_minutes as minutes
from bot.core.readmodels import (
    Assigned,
    ChannelSet,
    DailySummary,
    DeletedEntry,
    EntryView,
    ExportMade,
    HelpPage,
    History,
    ImpactReport,
    Linked,
    LoggedEntry,
    MyProject,
    MyProjects,
    OverdueUpdate,
    OverdueWhy,
    PauseOnDate,
    ProjectList,
    ProjectView,
    RoleSet,
    StateChanged,
    Unassigned,
    UpdatePosted,
    UpdateView,
    Week,
    ZoneSet,
)
from bot.core.words import STATE_WORDING, HoursKind, ProjectState

LOG_USAGE = "/hours log CODE DURATION [DATE] [NOTE…]"
KEEP_LOGGING = (
    "Keep logging your hours with /hours log {code}: while the project is paused they are "
    "recorded as blocked hours, the record for compensation."
)


def plural(count: int, one: str, many: str | None = None) -> str:
    """`1 project`, `2 projects`."""
    return f"{count} {one if count == 1 else (many or one + 's')}"


def project_fields(project: ProjectView) -> tuple[Field, ...]:
    """Client, state, since when, and a pause's reason and expected resume."""
    fields = [
        Field(name="Client", value=project.client),
        Field(name="State", value=project.state),
        Field(name="Since", value=project.since.strftime("%Y-%m-%d %H:%M UTC")),
    ]
    if project.state is ProjectState.PAUSED:
        resume = project.expected_resume.isoformat() if project.expected_resume else "not known"
        fields.append(Field(name="Reason", value=project.reason or "none given"))
        fields.append(Field(name="Expected resume", value=resume))
    return tuple(fields)


def at_minute(at: datetime) -> str:
    """An instant as `2026-03-04 10:00 UTC`."""
    return at.strftime("%Y-%m-%d %H:%M UTC")


def update_fields(update: UpdateView | None) -> tuple[Field, ...]:
    """The latest update and the next one promised, when there are any."""
    if update is None:
        return ()
    said = update.text or update_changes(update) or "the pause changed"
    fields = [Field(name="Latest update", value=f"{said} ({at_minute(update.at)})")]
    if update.next_update_at is not None:
        fields.append(Field(name="Next update by", value=at_minute(update.next_update_at)))
    return tuple(fields)


def why_line(project: MyProject) -> str:
    """For the caller, why the project stands where it does for them."""
    if project.unassigned_at is not None:
        return f"You were unassigned from {project.project} on {project.unassigned_at.date()}."
    if project.state is ProjectState.CLOSED:
        return f"{project.project} was closed on {project.since.date()}; it takes no more hours."
    if project.state is ProjectState.PAUSED:
        return (
            f"{project.project} is paused since {project.since.date()}: "
            f"{project.reason or 'no reason given'}. " + KEEP_LOGGING.format(code=project.project)
        )
    return ""


def project_status(project: MyProject) -> Message:
    """One project: its state and why, the latest update, and the caller's hours this week."""
    return Message(
        title=f"{project.project} · {project.title}",
        text=why_line(project),
        fields=(
            *project_fields(project),
            *update_fields(project.latest_update),
            Field(name="My worked hours this week", value=minutes(project.worked_minutes)),
            Field(name="My blocked hours this week", value=minutes(project.blocked_minutes)),
        ),
    )


def pause_detail(project: ProjectView) -> str:
    """A paused project's reason and expected resume, in one line; empty otherwise."""
    if project.state is not ProjectState.PAUSED:
        return ""
    until = project.expected_resume.isoformat() if project.expected_resume else "unknown"
    return f"{project.reason} (expected resume: {until})"


def my_projects(mine: MyProjects) -> Message:
    """The caller's projects, a row each."""
    if not mine.projects:
        return Message(
            title="You have no projects",
            text="You are not assigned to any project yet; an admin assigns you with "
            "/project assign CODE @you.",
        )
    rows = tuple(
        (
            p.project,
            p.state,
            p.since.strftime("%Y-%m-%d"),
            minutes(p.worked_minutes),
            minutes(p.blocked_minutes),
            pause_detail(p),
        )
        for p in mine.projects
    )
    if mine.paused:
        count = len(mine.projects)
        text = (
            f"{mine.paused} of your {count} projects {'is' if mine.paused == 1 else 'are'} paused."
        )
    else:
        text = "None of your projects is paused."
    return Message(
        title="My projects",
        text=text,
        table=Table(
            columns=("project", "state", "since", HoursKind.WORKED, HoursKind.BLOCKED, "reason"),
            rows=rows,
        ),
    )


def project_list(listed: ProjectList) -> Message:
    """Every project (or those in one state), a row each."""
    rows = tuple(
        (p.project, p.client, p.title, p.state, p.since.strftime("%Y-%m-%d"))
        for p in listed.projects
    )
    what = f"{listed.state} project" if listed.state else "project"
    return Message(
        title=plural(len(rows), what),
        text="" if rows else "No projects here.",
        table=Table(columns=("project", "client", "title", "state", "since"), rows=rows),
    )


def created(project: ProjectView) -> Message:
    """A new project."""
    return Message(
        title=f"Created {project.project}",
        text=f"{project.client} · {project.title}. "
        f"Assign people with /project assign {project.project} @who.",
    )


def state_changed(changed: StateChanged) -> Message:
    """A pause, resume or close, and how many announcements went out for it."""
    return Message(
        title=f"{STATE_WORDING[changed.state].done} {changed.project}",
        text=f"{plural(changed.announcements, 'announcement')} queued for the people and "
        "channels concerned.",
        fields=project_fields(changed),
    )


def announcement(project: ProjectView, note: str | None) -> Message:
    """What everyone concerned hears when a project is paused, resumed or closed."""
    lines = [f"{project.client} · {project.title}"]
    if project.state is ProjectState.PAUSED:
        lines.append(f"Reason: {project.reason}")
        if project.expected_resume:
            lines.append(f"Expected to resume on {project.expected_resume.isoformat()}.")
        lines.append(KEEP_LOGGING.format(code=project.project))
    elif project.state is ProjectState.ACTIVE:
        if note:
            lines.append(note)
        lines.append(f"Work can go on; hours you log on {project.project} count as worked again.")
    else:
        if note:
            lines.append(note)
        lines.append(f"No hours can be logged on {project.project} for dates after it was closed.")
    headline = STATE_WORDING[project.state].headline.format(code=project.project)
    return Message(title=headline, text="\n".join(lines))


def reminder(project: ProjectView, day_number: int) -> Message:
    """The reminder to a paused project's contractors: still paused, day N."""
    lines = [f"{project.client} · {project.title}", f"Reason: {project.reason}"]
    if project.expected_resume:
        lines.append(f"Expected to resume on {project.expected_resume.isoformat()}.")
    lines.append(KEEP_LOGGING.format(code=project.project))
    return Message(
        title=f"{project.project} is still paused (day {day_number})", text="\n".join(lines)
    )


def update_changes(update: UpdateView) -> str:
    """What an update changed in the pause, in a sentence; empty when it changed nothing."""
    parts = []
    if update.reason:
        parts.append(f"The reason is now: {update.reason}.")
    if update.expected_resume:
        parts.append(f"Expected to resume on {update.expected_resume.isoformat()}.")
    return " ".join(parts)


def update_announcement(project: ProjectView, update: UpdateView) -> Message:
    """What everyone concerned hears when an admin posts an update or changes the pause."""
    lines = [f"{project.client} · {project.title}"]
    if update.text:
        lines.append(update.text)
    if changes := update_changes(update):
        lines.append(changes)
    if project.state is ProjectState.PAUSED:
        if project.expected_resume and not update.expected_resume:
            lines.append(f"Expected to resume on {project.expected_resume.isoformat()}.")
        lines.append(KEEP_LOGGING.format(code=project.project))
    if update.next_update_at is not None:
        lines.append(f"Next update by {at_minute(update.next_update_at)}.")
    return Message(title=f"Update on {project.project}", text="\n".join(lines))


def update_posted(posted: UpdatePosted) -> Message:
    """An update as posted, and how many announcements went out for it."""
    return Message(
        title=f"Update on {posted.project} posted",
        text=f"{plural(posted.announcements, 'announcement')} queued for the people and "
        "channels concerned.",
        fields=(*project_fields(posted), *update_fields(posted.update)),
    )


OVERDUE_WORDING = {
    OverdueWhy.EXPECTED_RESUME_PASSED: "its expected resume date has passed and it is still paused",
    OverdueWhy.NEXT_UPDATE_PASSED: "the next update promised has not come",
    OverdueWhy.NO_UPDATE: "nobody has posted an update since {last}",
}


def nudge(item: OverdueUpdate) -> Message:
    """The nudge to admins: a paused project whose people are owed an update."""
    why = OVERDUE_WORDING[item.why].format(last=at_minute(item.last_update_at))
    return Message(
        title=f"{item.project} needs an update",
        text=f"{item.project} is paused and {why}. Tell its people what is known with "
        f"/project update {item.project} TEXT… [next DATE].",
    )


def assigned(result: Assigned) -> Message:
    """Who an assign added, and who already was on the project."""
    fields = [Field(name="Assigned", value=", ".join(result.assigned) or "nobody new")]
    if result.already:
        fields.append(Field(name="Already assigned", value=", ".join(result.already)))
    return Message(title=f"Assignments on {result.project}", fields=tuple(fields))


def unassigned(result: Unassigned) -> Message:
    """Who an unassign took off, and who was not on the project."""
    fields = [Field(name="Unassigned", value=", ".join(result.unassigned) or "nobody")]
    if result.not_assigned:
        fields.append(Field(name="Were not assigned", value=", ".join(result.not_assigned)))
    return Message(title=f"Assignments on {result.project}", fields=tuple(fields))


def channel_set(result: ChannelSet) -> Message:
    """Where a project's announcements go now."""
    platform, _, channel = result.channel.partition(":")
    return Message(title=f"{result.project} announcements on {platform} go to #{channel}")


def history(result: History) -> Message:
    """A project's status changes and updates, newest first."""
    changes = [
        (row.at, (row.from_state or "-", str(row.to_state), row.by or "-", row.reason or ""))
        for row in result.history
    ]
    updates = [
        (update.at, ("-", "update", update.by or "-", update.text or update_changes(update)))
        for update in result.updates
    ]
    merged = sorted(changes + updates, key=lambda item: item[0], reverse=True)
    rows = tuple((at.strftime("%Y-%m-%d %H:%M"), *cells) for at, cells in merged)
    return Message(
        title=f"History of {result.project}",
        table=Table(columns=("at (UTC)", "from", "to", "by", "reason"), rows=rows),
    )


PAUSE_WORDING = {
    PauseOnDate.WHOLE_DAY: (
        "{code} is paused, so these hours were recorded as blocked hours: they are kept apart "
        "from worked hours as your record for compensation."
    ),
    PauseOnDate.WHOLE_DAY_PAST: (
        "{code} was paused all day on {day}, so these hours were recorded as blocked hours: "
        "they are kept apart from worked hours as your record for compensation."
    ),
    PauseOnDate.BEGAN: (
        "Recorded as worked hours: {code}'s pause began during {day}, and only a date paused "
        "from start to end counts as blocked."
    ),
    PauseOnDate.ENDED: (
        "Recorded as worked hours: {code}'s pause ended during {day}, and only a date paused "
        "from start to end counts as blocked."
    ),
}


def logged(entry: LoggedEntry) -> Message:
    """A logged entry: blocked or worked and why, and the date's total."""
    when = entry.work_date.isoformat()
    if entry.pause is not None:
        text = PAUSE_WORDING[entry.pause].format(code=entry.project, day=when)
    elif entry.kind is HoursKind.BLOCKED:
        text = PAUSE_WORDING[PauseOnDate.WHOLE_DAY_PAST].format(code=entry.project, day=when)
    else:
        text = "Recorded as worked hours."
    if entry.repeated:
        text = "This request was already recorded; nothing new was added. " + text
    fields = [
        Field(name="Entry", value=f"#{entry.id}"),
        Field(name="Kind", value=entry.kind),
        Field(name=f"Total on {when}", value=minutes(entry.day_total_minutes)),
    ]
    if entry.note:
        fields.append(Field(name="Note", value=entry.note))
    return Message(
        title=f"Logged {minutes(entry.minutes)} on {entry.project} for {when}",
        text=text,
        fields=tuple(fields),
    )


def week(result: Week) -> Message:
    """A week's entries with their ids, and totals by kind."""
    rows = tuple(
        (
            f"#{entry.id}",
            entry.work_date.strftime("%a %Y-%m-%d"),
            entry.project,
            minutes(entry.minutes),
            entry.kind,
            entry.note,
        )
        for entry in result.entries
    )
    return Message(
        title=f"Week of {result.first.isoformat()} to {result.last.isoformat()}",
        text="" if rows else f"No hours logged this week; log some with {LOG_USAGE}.",
        fields=(
            Field(name="Worked", value=minutes(result.worked_minutes)),
            Field(name="Blocked", value=minutes(result.blocked_minutes)),
        ),
        table=Table(columns=("id", "date", "project", "time", "kind", "note"), rows=rows),
    )


def edited(entry: EntryView) -> Message:
    """An entry after an edit."""
    return Message(
        title=f"Entry #{entry.id} is now {minutes(entry.minutes)}",
        text=f"For {entry.work_date.isoformat()}, {entry.kind}.",
    )


def deleted(entry: DeletedEntry) -> Message:
    """An entry that no longer counts."""
    return Message(
        title=f"Deleted entry #{entry.id}",
        text=f"{minutes(entry.minutes)} on {entry.work_date.isoformat()} no longer count.",
    )


def zone_set(result: ZoneSet) -> Message:
    """The caller's new time zone."""
    return Message(
        title=f"Your time zone is now {result.tz}", text="Your dates follow it from now on."
    )


def summary(result: DailySummary) -> Message:
    """The daily summary: counts as fields, what happened as text, hours as a table."""
    lines = [
        f"{c.project}: {c.from_state} → {c.to_state} ({c.reason or 'no reason'})"
        for c in result.changes
    ]
    lines += [
        f"{p.project} ({p.client}) paused since {p.paused_since.isoformat()}, day "
        f"{p.days_paused}, {plural(p.contractors_affected, 'contractor')} affected"
        for p in result.paused_projects
    ]
    lines += [f"Failed: {f.target}: {f.reason}" for f in result.failed_deliveries]
    lines += [
        f"Update overdue: {item.project}, "
        + OVERDUE_WORDING[item.why].format(last=at_minute(item.last_update_at))
        for item in result.overdue_updates
    ]
    rows = tuple(
        (row.project, minutes(row.worked_minutes), minutes(row.blocked_minutes))
        for row in result.hours
    )
    return Message(
        title=f"Daily summary for {result.day.isoformat()}",
        text="\n".join(lines) or "No changes and no paused projects.",
        fields=(
            Field(name="Changes", value=str(len(result.changes))),
            Field(name="Paused projects", value=str(len(result.paused_projects))),
            Field(name="Worked", value=minutes(result.worked_minutes)),
            Field(name="Blocked", value=minutes(result.blocked_minutes)),
            Field(name="Failed deliveries", value=str(len(result.failed_deliveries))),
        ),
        table=Table(columns=("project", HoursKind.WORKED, HoursKind.BLOCKED), rows=rows),
    )


IMPACT_COLUMNS = (
    "client",
    "project",
    "state",
    "days paused",
    "affected",
    HoursKind.WORKED,
    HoursKind.BLOCKED,
    "est. lost",
)


def impact(report: ImpactReport) -> Message:
    """The impact report: a row per project and a total row per client."""
    rows: list[tuple[str, ...]] = []
    for client in report.clients:
        for p in client.projects:
            rows.append(
                (
                    client.client,
                    p.project,
                    p.state,
                    str(p.days_paused),
                    str(p.contractors_affected),
                    minutes(p.worked_minutes),
                    minutes(p.blocked_minutes),
                    minutes(p.estimated_lost_minutes),
                )
            )
        rows.append(
            (
                client.client,
                "(total)",
                "",
                "",
                str(client.contractors_affected),
                minutes(client.worked_minutes),
                minutes(client.blocked_minutes),
                minutes(client.estimated_lost_minutes),
            )
        )
    return Message(
        title="Impact report",
        text="" if rows else "No projects yet.",
        table=Table(columns=IMPACT_COLUMNS, rows=tuple(rows)),
    )


def export_made(result: ExportMade) -> Message:
    """An export and its size."""
    return Message(title="Hours export", text=f"{plural(result.entries, 'entry', 'entries')}.")


def role_set(result: RoleSet) -> Message:
    """Someone's new role."""
    return Message(title=f"{result.contractor} is now {result.role}")


def linked(result: Linked) -> Message:
    """Identities joined into one contractor."""
    return Message(
        title=f"Linked into {result.contractor}",
        text="Their hours and assignments are now one contractor's.",
        fields=(Field(name="Identities", value=", ".join(result.identities)),),
    )


def help_page(page: HelpPage) -> Message:
    """The commands the caller's role may use."""
    return Message(
        title=f"pausebot: what you can do ({page.role})",
        text="Hours logged on a paused project are kept as blocked hours for compensation.",
        table=Table(
            columns=("command", "what"),
            rows=tuple((item.usage, item.summary) for item in page.commands),
        ),
    )


def with_new_people(message: Message, created: list[str]) -> Message:
    """The message with a line naming the people pausebot saw for the first time, if any."""
    if not created:
        return message
    note = Field(name="New to pausebot", value=", ".join(f"@{key}" for key in created))
    return message.model_copy(update={"fields": (*message.fields, note)})


def internal_error(error_id: str) -> str:
    """The one sentence for a failure on pausebot's side, with the id found in the log."""
    return f"Something went wrong on our side (error id {error_id}); try again in a moment."
