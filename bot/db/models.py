"""SQLAlchemy 2 typed models: the whole pausebot schema."""

from __future__ import annotations

from datetime import UTC, date, datetime
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
