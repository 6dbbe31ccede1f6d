"""SQLAlchemy 2 typed models: the whole pausebot schema."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from bot.core.words import HoursKind, ProjectState, Role, TargetType

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

BigId = BigInteger().with_variant(Integer(), "sqlite")


def one_of(column: str, words: type[StrEnum]) -> str:
    """A check that a column holds one of an enum's words."""
    return f"{column} in ({', '.join(repr(str(word)) for word in words)})"


class UtcDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime on every engine (SQLite stores it naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        """Store UTC; naive on SQLite, which has no zone."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        """Return an aware UTC datetime."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base with stable constraint names."""

    metadata = MetaData(naming_convention=NAMING)


class Contractor(Base):
    """A person; several identities may belong to one contractor."""

    __tablename__ = "contractors"

    id: Mapped[int] = mapped_column(primary_key=True)
    display_name: Mapped[str] = mapped_column(String(200))
    tz: Mapped[str | None] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16), default=Role.CONTRACTOR)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())

    identities: Mapped[list[Identity]] = relationship(back_populates="contractor")

    __table_args__ = (CheckConstraint(one_of("role", Role), name="role"),)


class Identity(Base):
    """A chat account (`platform:external_id`) belonging to a contractor."""

    __tablename__ = "identities"

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(64))
    display_name: Mapped[str | None] = mapped_column(String(200))
    contractor_id: Mapped[int] = mapped_column(ForeignKey("contractors.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())

    contractor: Mapped[Contractor] = relationship(back_populates="identities")

    __table_args__ = (UniqueConstraint("platform", "external_id", name="uq_identity"),)

    @property
    def key(self) -> str:
        """The identity written as `platform:id`."""
        return f"{self.platform}:{self.external_id}"


class Client(Base):
    """The company that owns projects."""

    __tablename__ = "clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    name_key: Mapped[str] = mapped_column(String(200), unique=True)


class Project(Base):
    """A client's project and its current state."""

    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    state: Mapped[str] = mapped_column(String(16), default=ProjectState.ACTIVE)
    pause_reason: Mapped[str | None] = mapped_column(Text)
    expected_resume: Mapped[date | None] = mapped_column(Date)
    state_changed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())

    client: Mapped[Client] = relationship(lazy="joined", innerjoin=True)

    __table_args__ = (CheckConstraint(one_of("state", ProjectState), name="state"),)


class StatusChange(Base):
    """One state change of a project; rows are only ever inserted."""

    __tablename__ = "status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("contractors.id"))
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    reason: Mapped[str | None] = mapped_column(Text)
    expected_resume: Mapped[date | None] = mapped_column(Date)

    __table_args__ = (
        Index("ix_status_changes_project_at", "project_id", "at"),
        Index("ix_status_changes_at", "at"),
    )


class Assignment(Base):
    """A contractor on a project from `since` until `until` (open when null)."""

    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    contractor_id: Mapped[int] = mapped_column(ForeignKey("contractors.id"))
    since: Mapped[datetime] = mapped_column(UtcDateTime())
    until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # Made by `/project sync` (a sync may end it), not by hand (a sync never ends it).
    by_sync: Mapped[bool] = mapped_column(default=False, server_default="0")

    __table_args__ = (
        Index("ix_assignments_project_contractor", "project_id", "contractor_id"),
        Index("ix_assignments_contractor", "contractor_id"),
    )


class HoursEntry(Base):
    """Minutes a contractor logged on a project for one work date."""

    __tablename__ = "hours_entries"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    contractor_id: Mapped[int] = mapped_column(ForeignKey("contractors.id"))
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    work_date: Mapped[date] = mapped_column(Date)
    minutes: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(8))
    note: Mapped[str] = mapped_column(Text, default="")
    source_identity: Mapped[str] = mapped_column(String(100))
    request_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    deleted_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    __table_args__ = (
        CheckConstraint(one_of("kind", HoursKind), name="kind"),
        CheckConstraint("minutes between 1 and 1440", name="minutes"),
        Index("ix_hours_date_project", "work_date", "project_id", "kind", "minutes", "deleted_at"),
        Index("ix_hours_contractor_date", "contractor_id", "work_date"),
        Index(
            "ix_hours_project_kind_date",
            "project_id",
            "kind",
            "work_date",
            "contractor_id",
            "minutes",
            "deleted_at",
        ),
    )


class ProjectChannel(Base):
    """Where a project's announcements go on one platform."""

    __tablename__ = "project_channels"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    platform: Mapped[str] = mapped_column(String(16))
    channel_id: Mapped[str] = mapped_column(String(64))

    __table_args__ = (UniqueConstraint("project_id", "platform", name="uq_project_channel"),)


class OutboxMessage(Base):
    """An outgoing message, written with the change that caused it, delivered later."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    platform: Mapped[str] = mapped_column(String(16))
    target_type: Mapped[str] = mapped_column(String(8))
    target: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    state: Mapped[str] = mapped_column(String(8), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime())
    claimed_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    send_started_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    failed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    __table_args__ = (
        CheckConstraint(one_of("target_type", TargetType), name="target_type"),
        CheckConstraint("state in ('pending', 'sending', 'sent', 'failed')", name="state"),
        Index("ix_outbox_due", "state", "next_attempt_at"),
        Index("ix_outbox_failed_at", "failed_at"),
    )


class ScheduledRun(Base):
    """A scheduled job that ran once for a period and target."""

    __tablename__ = "scheduled_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(32))
    period: Mapped[str] = mapped_column(String(32))
    target: Mapped[str] = mapped_column(String(100))
    ran_at: Mapped[datetime] = mapped_column(UtcDateTime())

    __table_args__ = (UniqueConstraint("job", "period", "target", name="uq_scheduled_run"),)


class RateLimitHold(Base):
    """A platform's request to wait (HTTP 429 and its Retry-After), honoured by every process."""

    __tablename__ = "rate_limit_holds"

    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    scope: Mapped[str] = mapped_column(String(100), primary_key=True)
    until: Mapped[datetime] = mapped_column(UtcDateTime())
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ChannelTurn(Base):
    """When a conversation may next be posted to (Slack: about one message a second)."""

    __tablename__ = "channel_turns"

    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    channel: Mapped[str] = mapped_column(String(80), primary_key=True)
    free_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ProjectUpdate(Base):
    """An admin's update on a project between state changes; rows are only ever inserted.

    A changed pause reason or expected resume is an update too: `reason` and
    `expected_resume` hold the new values when it changed them.
    """

    __tablename__ = "project_updates"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("contractors.id"))
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    text: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str | None] = mapped_column(Text)
    expected_resume: Mapped[date | None] = mapped_column(Date)
    next_update_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    __table_args__ = (Index("ix_project_updates_project_at", "project_id", "at"),)


class LoginLink(Base):
    """A one-time link to the web dashboard: its token's SHA-256, for whom, until when, used when.

    The token itself is never stored; `identity` is the `platform:id` the link was made for.
    """

    __tablename__ = "login_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    contractor_id: Mapped[int] = mapped_column(ForeignKey("contractors.id"))
    identity: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class WebSession(Base):
    """A dashboard session opened by a login link, kept here so any process serves it."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    contractor_id: Mapped[int] = mapped_column(ForeignKey("contractors.id"))
    identity: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class PublicPage(Base):
    """Whether a project's status page (`/status/CODE`) is published, and who said so when."""

    __tablename__ = "public_pages"

    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), primary_key=True)
    public: Mapped[bool] = mapped_column()
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("contractors.id"))
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime())


class AudienceSync(Base):
    """A group a project's assignments follow (`/project sync`): a Slack user group or channel,
    or a Discord role (with its server, when known)."""

    __tablename__ = "audience_syncs"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    platform: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))
    group_id: Mapped[str] = mapped_column(String(64))
    scope: Mapped[str | None] = mapped_column(String(64))
    label: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    synced_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        UniqueConstraint("project_id", "platform", "kind", "group_id", name="uq_audience_sync"),
    )


class ExactDecimal(TypeDecorator[Decimal]):
    """A Numeric(12, 2) amount, exact on every engine: SQLite keeps it as text, never a float."""

    impl = Numeric
    cache_ok = True

    def __init__(self, precision: int = 12, scale: int = 2) -> None:
        super().__init__(precision, scale)
        self.precision = precision
        self.scale = scale

    def load_dialect_impl(self, dialect: Any) -> Any:
        """Text on SQLite (whose NUMERIC would make it a float); NUMERIC elsewhere."""
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(24))
        return dialect.type_descriptor(Numeric(self.precision, self.scale))

    def process_bind_param(self, value: Decimal | None, dialect: Any) -> Any:
        """Store the decimal as it is (as its text on SQLite)."""
        if value is None:
            return None
        if not isinstance(value, Decimal):
            raise ValueError("an amount must be a Decimal")
        return f"{value:f}" if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Any) -> Decimal | None:
        """Read the amount back as a Decimal with its places."""
        if value is None:
            return None
        return Decimal(str(value)).quantize(Decimal(1).scaleb(-self.scale))


class Rate(Base):
    """An hourly rate on a project from a date on; rows are only ever inserted.

    Without `contractor_id` it is the project's rate; with one, that contractor's own rate on
    the project, which comes before the project's. The rate in force on a date is the one with
    the latest `effective_from` not after it (the latest set, when two start the same date).
    """

    __tablename__ = "rates"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    contractor_id: Mapped[int | None] = mapped_column(ForeignKey("contractors.id"))
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[Decimal] = mapped_column(ExactDecimal(12, 2))
    effective_from: Mapped[date] = mapped_column(Date)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("contractors.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())

    __table_args__ = (
        CheckConstraint("amount >= 0", name="amount"),
        Index("ix_rates_project_contractor_from", "project_id", "contractor_id", "effective_from"),
        Index("ix_rates_contractor", "contractor_id"),
    )


class AvailabilityAnswer(Base):
    """A contractor's answer that they were (or were not) available to work on a paused project
    on a date; every answer is kept, and the last one for a date counts."""

    __tablename__ = "availability"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    contractor_id: Mapped[int] = mapped_column(ForeignKey("contractors.id"))
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    work_date: Mapped[date] = mapped_column(Date)
    available: Mapped[bool] = mapped_column()
    note: Mapped[str] = mapped_column(Text, default="")
    source_identity: Mapped[str] = mapped_column(String(100))
    request_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    answered_at: Mapped[datetime] = mapped_column(UtcDateTime())

    __table_args__ = (
        Index("ix_availability_contractor_date", "contractor_id", "work_date", "project_id"),
    )


class Checkin(Base):
    """Whether a project's contractors get a daily availability check-in while it is paused."""

    __tablename__ = "checkins"

    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), primary_key=True)
    enabled: Mapped[bool] = mapped_column()
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("contractors.id"))
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime())
