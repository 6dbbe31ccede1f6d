"""Typed read models: what the core answers, and the JSON SPEC fixes, from one serialiser.

Every report and command result is one of these frozen models. `to_json()` gives the JSON
that SPEC.md fixes for `summary`, `impact`, `chat --json` and the rest: dates as
`YYYY-MM-DD`, instants in ISO 8601 with their offset, enums as their words, and `from` and
`to` under those names.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

from bot.core.words import HoursKind, ProjectState, Role

Instant = Annotated[
    datetime, PlainSerializer(lambda at: at.isoformat(), return_type=str, when_used="json")
]


class ReadModel(BaseModel):
    """A frozen result of the core, serialised one way everywhere."""

    model_config = ConfigDict(frozen=True, populate_by_name=True)

    def to_json(self) -> dict[str, Any]:
        """The JSON object SPEC.md describes for this model."""
        return self.model_dump(mode="json", by_alias=True)


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


class Assigned(ReadModel):
    """Who `/project assign` assigned, and who already was."""

    project: str
    assigned: tuple[str, ...]
    already: tuple[str, ...]


class Unassigned(ReadModel):
    """Who `/project unassign` took off, and who was not on the project."""

    project: str
    unassigned: tuple[str, ...]
    not_assigned: tuple[str, ...]


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


class ClientImpact(ReadModel):
    """One client's projects in the impact report, and their totals."""

    client: str
    contractors_affected: int
    worked_minutes: int
    blocked_minutes: int
    estimated_lost_minutes: int
    projects: tuple[ProjectImpact, ...]


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
