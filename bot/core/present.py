"""The presentation: every read model turned into the one neutral Message, worded once."""

from __future__ import annotations

from datetime import date, datetime

from bot.core.message import Action, Field, Message, Table
from bot.core.money import two_places
from bot.core.parsing import format_minutes as minutes
from bot.core.readmodels import (
    Amounts,
    Assigned,
    AvailabilityRecorded,
    ChannelSet,
    CheckinSet,
    DailySummary,
    DashboardLink,
    DeletedEntry,
    EntryView,
    ExportMade,
    GroupView,
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
    PublicPageSet,
    RateSet,
    RateView,
    RoleSet,
    StateChanged,
    StatementMade,
    SyncCounts,
    Synced,
    SyncStopped,
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
    """Who an assign added, and who already was on the project; with groups, the counts."""
    named = bool(result.assigned or result.already) or not result.groups
    fields = []
    if named:
        fields.append(Field(name="Assigned", value=", ".join(result.assigned) or "nobody new"))
    if result.already:
        fields.append(Field(name="Already assigned", value=", ".join(result.already)))
    fields += group_fields(result.groups)
    counts = result.counts
    text = ""
    if result.groups:
        text = (
            f"{counts.assigned} assigned, {counts.already} already assigned, "
            f"{skipped(counts.skipped_bots, counts.skipped_deactivated)}."
        )
        if counts.new_people:
            text += f" {plural(counts.new_people, 'person', 'people')} new to pausebot."
    return Message(title=f"Assignments on {result.project}", text=text, fields=tuple(fields))


def unassigned(result: Unassigned) -> Message:
    """Who an unassign took off, and who was not on the project; with groups, the counts."""
    named = bool(result.unassigned or result.not_assigned) or not result.groups
    fields = []
    if named:
        fields.append(Field(name="Unassigned", value=", ".join(result.unassigned) or "nobody"))
    if result.not_assigned:
        fields.append(Field(name="Were not assigned", value=", ".join(result.not_assigned)))
    fields += group_fields(result.groups)
    counts = result.counts
    text = ""
    if result.groups:
        text = (
            f"{counts.unassigned} unassigned, {counts.not_assigned} were not assigned, "
            f"{skipped(counts.skipped_bots, counts.skipped_deactivated)}."
        )
    return Message(title=f"Assignments on {result.project}", text=text, fields=tuple(fields))


def skipped(bots: int, deactivated: int) -> str:
    """`5 skipped (3 bots, 2 deactivated)`, or `0 skipped`."""
    if not bots and not deactivated:
        return "0 skipped"
    return f"{bots + deactivated} skipped ({plural(bots, 'bot')}, {deactivated} deactivated)"


def group_fields(groups: tuple[GroupView, ...]) -> list[Field]:
    """One field per group a command read: its members now, and the accounts left out."""
    fields = []
    for group in groups:
        name = f"{group.name} ({group.group})" if group.name else group.group
        value = plural(group.members, "member")
        left_out = group.skipped_bots + group.skipped_deactivated
        if left_out:
            value += f"; {skipped(group.skipped_bots, group.skipped_deactivated)}"
        fields.append(Field(name=name, value=value))
    return fields


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
    if result.amounts:
        lines.append(f"Amounts: {money_text(result.amounts)}")
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
    priced = [
        f"{name}: {money_text(amounts)}"
        for client in report.clients
        for name, amounts in (
            *((p.project, p.amounts) for p in client.projects),
            (f"{client.client} (total)", client.amounts),
        )
        if amounts
    ]
    return Message(
        title="Impact report",
        text="\n".join(priced) if rows else "No projects yet.",
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


def sync_counts(counts: SyncCounts) -> str:
    """What one sync did, in numbers."""
    return (
        f"{counts.assigned} assigned, {counts.unassigned} unassigned, "
        f"{counts.kept} already assigned, "
        f"{skipped(counts.skipped_bots, counts.skipped_deactivated)}; "
        f"{plural(counts.by_hand, 'assignment')} made by hand stay whatever the groups."
    )


def synced(result: Synced) -> Message:
    """The groups a project follows now, and what the first sync did."""
    return Message(
        title=f"{result.project} follows {plural(len(result.counts.groups), 'group')}",
        text=sync_counts(result.counts)
        + " pausebot syncs again on a schedule and before every announcement.",
        fields=tuple(group_fields(result.counts.groups)),
    )


def sync_stopped(result: SyncStopped) -> Message:
    """The groups a project no longer follows."""
    if not result.groups:
        return Message(
            title=f"{result.project} follows no groups",
            text=f"Nothing to stop; /project sync {result.project} GROUP… starts a sync.",
        )
    return Message(
        title=f"{result.project} no longer follows {', '.join(result.groups)}",
        text="The assignments stay as they are; change them with /project assign or unassign.",
    )


def with_sync_note(message: Message, counts: SyncCounts | None, unread: tuple[str, ...]) -> Message:
    """An announcing reply with what the sync just before it did, or why it could not run."""
    if counts is not None:
        note = Field(name="Groups synced first", value=sync_counts(counts))
    elif unread:
        note = Field(
            name="Groups not synced",
            value=f"{unread[0]} The announcement went to the people assigned now.",
        )
    else:
        return message
    return message.model_copy(update={"fields": (*message.fields, note)})


def dashboard_link(link: DashboardLink) -> Message:
    """A private one-time link to the web dashboard."""
    return Message(
        title="Your link to the dashboard",
        text=(
            f"{link.url}\nIt signs you in once, until {at_minute(link.expires_at)}; "
            "keep it to yourself."
        ),
    )


def public_page_set(result: PublicPageSet) -> Message:
    """A project's public status page turned on or off."""
    if result.public:
        return Message(
            title=f"{result.project}'s status page is public",
            text=(
                f"{result.url} shows anyone its state, reason, expected resume and updates, "
                f"never people or hours; its feed is {result.url}.atom"
            ),
        )
    return Message(
        title=f"{result.project}'s status page is off", text=f"{result.url} answers 404 now."
    )


def rate_line(rate: RateView) -> str:
    """A rate in a few words: `21.00 USD an hour from 2026-03-04`."""
    since = rate.effective_from.isoformat()
    return f"{two_places(rate.amount)} {rate.currency} an hour from {since}"


def rate_set(result: RateSet) -> Message:
    """A rate as set: from when, until when, and what it takes over from."""
    rate = result.rate
    whose = f"{rate.project}'s rate"
    if rate.contractor:
        whose = f"{rate.contractor}'s rate on {rate.project}"
    lines = [f"Hours worked or blocked from {rate.effective_from.isoformat()} on are priced at it"]
    if result.until is not None:
        lines[0] += f", until the rate set from {result.until.isoformat()} takes over"
    lines[0] += "; earlier dates keep the rates they had."
    if rate.contractor:
        lines.append(f"It comes before {rate.project}'s own rate for {rate.contractor}'s hours.")
    fields = [Field(name="Rate", value=f"{two_places(rate.amount)} {rate.currency} an hour")]
    fields.append(Field(name="From", value=rate.effective_from.isoformat()))
    if result.replaced is not None:
        fields.append(Field(name="Took over from", value=rate_line(result.replaced)))
    return Message(
        title=f"{whose} is {rate_line(rate)}", text="\n".join(lines), fields=tuple(fields)
    )


def money_text(amounts: dict[str, Amounts]) -> str:
    """Amounts by currency: `42.00 USD worked, 10.50 USD blocked, 120.00 USD estimated lost`."""
    return "; ".join(
        f"{two_places(money.worked)} {currency} {HoursKind.WORKED}, "
        f"{two_places(money.blocked)} {currency} {HoursKind.BLOCKED}, "
        f"{two_places(money.estimated_lost)} {currency} estimated lost"
        for currency, money in amounts.items()
    )


def availability_recorded(result: AvailabilityRecorded) -> Message:
    """An availability answer as recorded, and what it is for."""
    when = result.day.isoformat()
    was = "available" if result.available else "not available"
    text = (
        "Kept with your hours as the record of your standby, for a compensation claim; "
        "the last answer for a date counts."
    )
    if result.repeated:
        text = "This answer was already recorded; nothing new was added. " + text
    fields = [Field(name="Answered", value=at_minute(result.answered_at))]
    if result.note:
        fields.append(Field(name="Note", value=result.note))
    return Message(
        title=f"Recorded: {was} to work on {result.project} on {when}",
        text=text,
        fields=tuple(fields),
    )


def checkin_set(result: CheckinSet, *, at: str) -> Message:
    """Check-ins turned on or off for a project."""
    code = result.project
    if not result.checkin:
        return Message(
            title=f"Check-ins are off for {code}",
            text=f"Its contractors get no more daily messages asking if they can work on {code}.",
        )
    text = (
        f"While {code} is paused, each contractor assigned to it gets one direct message a day "
        f"at {at} asking whether they are available to work on it that day; their answers are "
        "kept for compensation claims."
    )
    if not result.paused:
        text += f" {code} is not paused now; the messages start when it is."
    return Message(title=f"Check-ins are on for {code}", text=text)


def checkin(project: ProjectView, day: date) -> Message:
    """The daily check-in: is the contractor available to work on a paused project today?"""
    code, when = project.project, day.isoformat()
    reason = project.reason or "no reason given"
    return Message(
        title=f"Are you available to work on {code} today ({when})?",
        text=(
            f"{project.client} · {project.title}\n"
            f"{code} is paused since {project.since.date().isoformat()}: {reason}.\n"
            "Your answer is kept with your hours as the record of your standby, for a "
            "compensation claim; the last answer for a date counts."
        ),
        actions=(
            Action(
                id="yes",
                label="Yes, I am available",
                value=f"hours available {code} yes {when}",
                style="primary",
            ),
            Action(id="no", label="No, I am not", value=f"hours available {code} no {when}"),
        ),
    )


def statement_made(result: StatementMade) -> Message:
    """A statement sent as files: for whom, the period, the totals and the digest."""
    period = f"{result.first.isoformat()} to {result.last.isoformat()}"
    return Message(
        title=f"Statement for {result.contractor}, {period}",
        text=(
            "A PDF and a CSV file, for a compensation claim: state changes, updates, the messages "
            "pausebot sent, hours by date and availability answers. Anyone can check it against "
            "pausebot with its digest."
        ),
        fields=(
            Field(name="Projects", value=str(result.projects)),
            Field(name="Worked", value=minutes(result.worked_minutes)),
            Field(name="Blocked", value=minutes(result.blocked_minutes)),
            Field(name="Digest (SHA-256)", value=result.digest),
        ),
    )
