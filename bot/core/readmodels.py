"""Typed read models: what the core answers, and the JSON SPEC fixes, from one serialiser.

Every report and command result is one of these frozen models. `to_json()` gives the JSON
that SPEC.md fixes for `summary`, `impact`, `chat --json` and the rest: dates as
`YYYY-MM-DD`, instants in ISO 8601 with their offset, enums as their words, and `from` and
`to` under those names.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

from bot.core.money import two_places
from bot.core.words import HoursKind, ProjectState, Role

Instant = Annotated[
    datetime, PlainSerializer(lambda at: at.isoformat(), return_type=str, when_used="json")
]
# An exact amount of money, written in JSON as a string with two places (`"1234.50"`).
Money = Annotated[Decimal, PlainSerializer(two_places, return_type=str, when_used="json")]


class ReadModel(BaseModel):
    """A frozen result of the core, serialised one way everywhere."""

    model_config = ConfigDict(frozen=True, populate_by_name=True)

    def to_json(self) -> dict[str, Any]:
        """The JSON object SPEC.md describes for this model."""
        return self.model_dump(mode="json", by_alias=True)


class Amounts(ReadModel):
    """Money in one currency: what worked and blocked hours earn at the rates in force, and what
    the estimated lost minutes would have earned."""

    worked: Money = Decimal(0)
    blocked: Money = Decimal(0)
    estimated_lost: Money = Decimal(0)


# Amounts keyed by currency; left out of the JSON where no rate is set.
AmountsByCurrency = Annotated[
    dict[str, Amounts], Field(default_factory=dict, exclude_if=lambda amounts: not amounts)
]


class ProjectView(ReadModel):
    """A project as people see it: its state, since when, and the pause's details."""

    project: str
    client: str
    title: str
    state: ProjectState
    since: Instant
    reason: str | None = None
    expected_resume: date | None = None


class UpdateView(ReadModel):
    """An update on a project: what was said, by whom, and when the next one is promised."""

    at: Instant
    by: str | None
    text: str
    reason: str | None = None
    expected_resume: date | None = None
    next_update_at: Instant | None = None


class MyProject(ProjectView):
    """One of the caller's projects: their worked and blocked minutes this week, the latest
    update, and, for a project they have left, when they were unassigned."""

    worked_minutes: int
    blocked_minutes: int
    latest_update: UpdateView | None = None
    unassigned_at: Instant | None = None


class UpdatePosted(ProjectView):
    """An update as posted, and how many announcements it queued."""

    update: UpdateView
    announcements: int


class OverdueWhy(StrEnum):
    """Why a paused project's people are owed an update (the first that holds, in this order)."""

    EXPECTED_RESUME_PASSED = "expected_resume_passed"
    NEXT_UPDATE_PASSED = "next_update_passed"
    NO_UPDATE = "no_update"


class OverdueUpdate(ReadModel):
    """A paused project whose update is overdue."""

    project: str
    last_update_at: Instant
    why: OverdueWhy


class MyProjects(ReadModel):
    """The projects the caller is assigned to."""

    projects: tuple[MyProject, ...]

    @property
    def paused(self) -> int:
        """How many of them are paused."""
        return sum(1 for project in self.projects if project.state is ProjectState.PAUSED)


class ProjectList(ReadModel):
    """Every project, or those in one state."""

    state: ProjectState | None = None
    projects: tuple[ProjectView, ...]


class StateChanged(ProjectView):
    """A project after a pause, resume or close, and how many announcements it queued."""

    announcements: int


class GroupView(ReadModel):
    """A group a command read (`@slack:S0123`): its name, members, and the accounts left out."""

    group: str
    name: str | None = None
    members: int
    skipped_bots: int = 0
    skipped_deactivated: int = 0


class AssignCounts(ReadModel):
    """How many people an assign took on, found already assigned, and left out."""

    assigned: int = 0
    already: int = 0
    skipped_bots: int = 0
    skipped_deactivated: int = 0
    new_people: int = 0


class UnassignCounts(ReadModel):
    """How many people an unassign took off, found not assigned, and left out."""

    unassigned: int = 0
    not_assigned: int = 0
    skipped_bots: int = 0
    skipped_deactivated: int = 0


class Assigned(ReadModel):
    """Who `/project assign` assigned, and who already was.

    `assigned` and `already` name the people named one by one; `counts` counts everyone,
    the members of the `groups` named too.
    """

    project: str
    assigned: tuple[str, ...]
    already: tuple[str, ...]
    counts: AssignCounts = AssignCounts()
    groups: tuple[GroupView, ...] = ()


class Unassigned(ReadModel):
    """Who `/project unassign` took off, and who was not on the project.

    The names are those of the people named one by one; `counts` counts everyone.
    """

    project: str
    unassigned: tuple[str, ...]
    not_assigned: tuple[str, ...]
    counts: UnassignCounts = UnassignCounts()
    groups: tuple[GroupView, ...] = ()


class SyncCounts(ReadModel):
    """One sync of a project with its groups: who joined, who left, who stayed."""

    groups: tuple[GroupView, ...]
    assigned: int
    unassigned: int
    kept: int
    by_hand: int
    skipped_bots: int = 0
    skipped_deactivated: int = 0
    new_people: int = 0


class Synced(ReadModel):
    """`/project sync`: the groups a project follows now, and what the first sync did."""

    project: str
    counts: SyncCounts


class SyncStopped(ReadModel):
    """`/project sync CODE off`: the groups the project no longer follows."""

    project: str
    groups: tuple[str, ...]


class ChannelSet(ReadModel):
    """Where a project's announcements go on one platform now."""

    project: str
    channel: str


class HistoryRow(ReadModel):
    """One status change, with who made it."""

    at: Instant
    from_state: ProjectState | None = Field(alias="from")
    to_state: ProjectState = Field(alias="to")
    by: str | None
    reason: str | None


class History(ReadModel):
    """A project's status history and its updates, each newest first."""

    project: str
    history: tuple[HistoryRow, ...]
    updates: tuple[UpdateView, ...] = ()


class EntryView(ReadModel):
    """One hours entry."""

    id: int
    project: str
    work_date: date
    minutes: int
    kind: HoursKind
    note: str


class PauseOnDate(StrEnum):
    """How a pause touched an entry's work date: why it is blocked, or why it is not."""

    WHOLE_DAY = "whole_day"  # paused all that date, and still paused
    WHOLE_DAY_PAST = "whole_day_past"  # paused all that date; the pause has ended since
    BEGAN = "began"  # the pause began during that date: worked
    ENDED = "ended"  # the pause ended during that date: worked


class LoggedEntry(EntryView):
    """An entry `/hours log` recorded (or found, for a repeated request), and the day's total."""

    repeated: bool
    day_total_minutes: int
    pause: PauseOnDate | None = None


class DeletedEntry(EntryView):
    """An entry that no longer counts."""

    deleted: bool = True


class Week(ReadModel):
    """A contractor's entries from Monday to Sunday, with totals by kind."""

    first: date = Field(alias="from")
    last: date = Field(alias="to")
    entries: tuple[EntryView, ...]
    worked_minutes: int
    blocked_minutes: int


class ZoneSet(ReadModel):
    """The caller's time zone now."""

    tz: str


class ChangeRow(ReadModel):
    """A status change in the daily summary."""

    project: str
    from_state: ProjectState | None = Field(alias="from")
    to_state: ProjectState = Field(alias="to")
    at: Instant
    reason: str | None


class PausedProjectRow(ReadModel):
    """A project paused at some moment of the summary's date."""

    project: str
    client: str
    paused_since: date
    days_paused: int
    contractors_affected: int


class HoursRow(ReadModel):
    """A project's worked and blocked minutes on the summary's date."""

    project: str
    worked_minutes: int
    blocked_minutes: int
    amounts: AmountsByCurrency


class FailedDelivery(ReadModel):
    """An outgoing message that could not be delivered."""

    target: str
    kind: str
    reason: str


class DailySummary(ReadModel):
    """What happened on one date: changes, paused projects, hours, failed deliveries."""

    day: date = Field(alias="date")
    changes: tuple[ChangeRow, ...]
    paused_projects: tuple[PausedProjectRow, ...]
    hours: tuple[HoursRow, ...]
    failed_deliveries: tuple[FailedDelivery, ...]
    overdue_updates: tuple[OverdueUpdate, ...] = ()
    amounts: AmountsByCurrency

    @property
    def worked_minutes(self) -> int:
        """Worked minutes over every project."""
        return sum(row.worked_minutes for row in self.hours)

    @property
    def blocked_minutes(self) -> int:
        """Blocked minutes over every project."""
        return sum(row.blocked_minutes for row in self.hours)


class ProjectImpact(ReadModel):
    """One project's line in the impact report."""

    project: str
    title: str
    state: ProjectState
    days_paused: int
    contractors_affected: int
    worked_minutes: int
    blocked_minutes: int
    estimated_lost_minutes: int
    amounts: AmountsByCurrency


class ClientImpact(ReadModel):
    """One client's projects in the impact report, and their totals."""

    client: str
    contractors_affected: int
    worked_minutes: int
    blocked_minutes: int
    estimated_lost_minutes: int
    projects: tuple[ProjectImpact, ...]
    amounts: AmountsByCurrency


class ImpactReport(ReadModel):
    """Per client and project over a range of dates: days paused, people, hours, loss."""

    first: date | None = Field(alias="from")
    last: date | None = Field(alias="to")
    clients: tuple[ClientImpact, ...]


class ExportMade(ReadModel):
    """A CSV export's file name and how many entries it holds."""

    filename: str
    entries: int


class RoleSet(ReadModel):
    """A contractor's role now."""

    contractor: str
    role: Role


class Linked(ReadModel):
    """The contractor that linked identities became, and all its identities."""

    contractor: str
    identities: tuple[str, ...]


class CommandHelp(ReadModel):
    """One command as `/help` lists it."""

    usage: str
    summary: str


class HelpPage(ReadModel):
    """What the caller may do, for their role."""

    role: Role
    commands: tuple[CommandHelp, ...]

    def to_json(self) -> dict[str, Any]:
        """The role and the usages, as `chat --json` has always given them."""
        return {"role": str(self.role), "commands": [item.usage for item in self.commands]}


class DashboardLink(ReadModel):
    """A one-time sign-in link to the web dashboard, and when it stops working."""

    url: str
    expires_at: Instant


class WebUser(ReadModel):
    """Whom a dashboard session belongs to, and their role now."""

    name: str
    identity: str
    role: Role


class PublicPageSet(ReadModel):
    """Whether a project's public status page is on, and where it is."""

    project: str
    public: bool
    url: str


class PublicChange(ReadModel):
    """A state change as a public status page shows it: no one's name."""

    id: int
    at: Instant
    from_state: ProjectState | None = Field(alias="from")
    to_state: ProjectState = Field(alias="to")
    reason: str | None
    expected_resume: date | None = None


class PublicUpdate(ReadModel):
    """An update as a public status page shows it: no one's name."""

    id: int
    at: Instant
    text: str
    reason: str | None = None
    expected_resume: date | None = None
    next_update_at: Instant | None = None


class PublicStatus(ReadModel):
    """A project's public status: state, reason, expected resume, changes and updates, newest
    first; never people or hours."""

    project: str
    title: str
    state: ProjectState
    since: Instant
    reason: str | None = None
    expected_resume: date | None = None
    changes: tuple[PublicChange, ...]
    updates: tuple[PublicUpdate, ...]


class ClientDay(ReadModel):
    """One client's worked and blocked minutes on one work date."""

    day: date = Field(alias="date")
    client: str
    worked_minutes: int
    blocked_minutes: int


class HoursByDay(ReadModel):
    """Worked and blocked minutes per work date and client over a range (one project's, when
    `project` is set); only dates and clients with hours are listed, by date then client."""

    first: date = Field(alias="from")
    last: date = Field(alias="to")
    project: str | None = None
    days: tuple[ClientDay, ...]

    @property
    def worked_minutes(self) -> int:
        """Worked minutes over the whole range."""
        return sum(row.worked_minutes for row in self.days)

    @property
    def blocked_minutes(self) -> int:
        """Blocked minutes over the whole range."""
        return sum(row.blocked_minutes for row in self.days)


class AffectedDay(ReadModel):
    """The contractors affected on one date: distinct people over every project paused at some
    moment of it, and each such project's row as the daily summary gives it."""

    day: date = Field(alias="date")
    contractors_affected: int
    paused_projects: tuple[PausedProjectRow, ...]


class AffectedByDay(ReadModel):
    """Contractors affected on every date of a range."""

    first: date = Field(alias="from")
    last: date = Field(alias="to")
    days: tuple[AffectedDay, ...]


class PauseSpan(ReadModel):
    """One pause of a project: when it began and ended (null while it lasts), and why."""

    project: str
    client: str
    title: str
    start: Instant
    end: Instant | None = None
    days_paused: int
    reason: str | None = None


class PauseTimeline(ReadModel):
    """Every pause of every project, oldest first."""

    pauses: tuple[PauseSpan, ...]


class PersonOnProject(ReadModel):
    """A contractor's assignment to a project: from when, until when (null while it lasts)."""

    contractor: str
    identities: tuple[str, ...]
    since: Instant
    until: Instant | None = None


class PausedNow(ReadModel):
    """A project paused now, with the daily summary's figures for today and its latest update."""

    project: str
    client: str
    title: str
    since: Instant
    reason: str | None = None
    expected_resume: date | None = None
    days_paused: int
    contractors_affected: int
    latest_update: UpdateView | None = None


class NowView(ReadModel):
    """What is paused now: the projects, the distinct contractors affected today, and the
    updates overdue."""

    day: date = Field(alias="date")
    at: Instant
    contractors_affected: int
    paused: tuple[PausedNow, ...]
    overdue_updates: tuple[OverdueUpdate, ...] = ()


class ProjectPage(ReadModel):
    """Everything about one project: its state, impact line, history, updates, people and
    hours per day."""

    project: ProjectView
    impact: ProjectImpact
    history: History
    people: tuple[PersonOnProject, ...]
    hours: HoursByDay


class RateView(ReadModel):
    """An hourly rate on a project, from a date on: the project's, or one contractor's own."""

    project: str
    contractor: str | None = None
    amount: Money
    currency: str
    effective_from: date = Field(alias="from")


class RateSet(ReadModel):
    """A rate as set, the rate it takes over from on its first date, and the date a rate set
    earlier for a later date takes over again (the new rate applies until the day before)."""

    rate: RateView
    replaced: RateView | None = None
    until: date | None = None


class AvailabilityRecorded(ReadModel):
    """An availability answer as recorded (or found, for a repeated request or answer)."""

    project: str
    day: date = Field(alias="date")
    available: bool
    note: str = ""
    answered_at: Instant
    repeated: bool = False


class CheckinSet(ReadModel):
    """Whether a project's contractors get a daily availability check-in while it is paused."""

    project: str
    checkin: bool
    paused: bool


class DeliveredMessage(ReadModel):
    """A message pausebot delivered to a person (its outbox row, sent), and when."""

    sent_at: Instant
    kind: str
    identity: str
    title: str
    text: str


class StatementDay(ReadModel):
    """One date of a statement: worked and blocked minutes, and the availability answer that
    counts (`None` when there is none). Its amounts are drawn in the files, not in the JSON."""

    day: date = Field(alias="date")
    worked_minutes: int
    blocked_minutes: int
    available: bool | None
    amounts: dict[str, Amounts] = Field(default_factory=dict, exclude=True)


class StatementProject(ReadModel):
    """One project in a statement: its client, state changes, updates, the messages the person
    was sent about it, every date with hours or an answer, and totals."""

    project: str
    client: str
    changes: tuple[HistoryRow, ...]
    updates: tuple[UpdateView, ...]
    messages: tuple[DeliveredMessage, ...]
    days: tuple[StatementDay, ...]
    worked_minutes: int
    blocked_minutes: int
    amounts: dict[str, Amounts]


class Statement(ReadModel):
    """A contractor's own record over a period, for a claim; `digest` is the SHA-256 of the
    canonical JSON of everything else (sorted keys, no spaces, UTF-8)."""

    contractor: str
    identities: tuple[str, ...]
    first: date = Field(alias="from")
    last: date = Field(alias="to")
    projects: tuple[StatementProject, ...]
    digest: str = ""


class StatementMade(ReadModel):
    """A statement sent as files: for whom, the period, the files, and its digest."""

    contractor: str
    first: date = Field(alias="from")
    last: date = Field(alias="to")
    projects: int
    worked_minutes: int
    blocked_minutes: int
    files: tuple[str, ...]
    digest: str
