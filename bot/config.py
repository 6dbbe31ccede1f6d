"""Typed settings from the environment and a `.env` file."""

from __future__ import annotations

import re
from datetime import time
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.core.errors import InvalidInput
from bot.core.words import IdentityKey

DEFAULT_DATABASE_URL = "sqlite:///pausebot.db"


class ConfigError(Exception):
    """A setting is missing or malformed; the message names it."""


def _split_identities(value: object, name: str) -> list[IdentityKey]:
    """Split a comma-separated list of `platform:id` identities and check each one."""
    if isinstance(value, list):
        items = value
    else:
        items = [part.strip() for part in str(value or "").split(",")]
    keys = []
    for item in items:
        if isinstance(item, IdentityKey):
            keys.append(item)
        elif item:
            try:
                keys.append(IdentityKey.parse(item))
            except InvalidInput:
                raise ValueError(
                    f"{item!r} is not an identity like slack:U024BE7LH ({name})"
                ) from None
    return keys


class Settings(BaseSettings):
    """Every pausebot setting, read from the environment or `.env`."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=True
    )

    DATABASE_URL: str = DEFAULT_DATABASE_URL
    PAUSEBOT_TZ: str = "UTC"
    PAUSEBOT_ADMINS: Annotated[list[IdentityKey], NoDecode] = Field(default_factory=list)
    OPS_CHANNELS: Annotated[list[IdentityKey], NoDecode] = Field(default_factory=list)
    SUMMARY_TIME: time = time(9, 0)
    PAUSE_REMINDER_DAYS: int = Field(default=3, ge=1, le=365)
    UPDATE_NUDGE_DAYS: int = Field(default=2, ge=1, le=365)
    AUDIENCE_SYNC_MINUTES: int = Field(default=15, ge=1, le=1440)
    HOURS_BACKDATE_DAYS: int = Field(default=14, ge=0, le=3650)
    SLACK_BOT_TOKEN: str | None = None
    SLACK_SIGNING_SECRET: str | None = None
    SLACK_APP_TOKEN: str | None = None
    SLACK_API_URL: str | None = None
    DISCORD_BOT_TOKEN: str | None = None
    DISCORD_GUILD_IDS: Annotated[list[int], NoDecode] = Field(default_factory=list)
    DISCORD_API_URL: str | None = None
    DISCORD_GATEWAY_URL: str | None = None
    OUTBOX_LEASE_SECONDS: int = Field(default=60, ge=5, le=3600)
    HTTP_HOST: str = "127.0.0.1"
    HTTP_PORT: int = Field(default=3000, ge=0, le=65535)
    PUBLIC_URL: str | None = None

    @field_validator("DATABASE_URL")
    @classmethod
    def _database_url(cls, value: str) -> str:
        """Accept only SQLite and PostgreSQL URLs."""
        if not re.match(r"^(sqlite|postgres(ql)?)(\+\w+)?://", value):
            raise ValueError("use sqlite:///path or postgresql://user@host:port/db")
        return value

    @field_validator("PUBLIC_URL")
    @classmethod
    def _public_url(cls, value: str | None) -> str | None:
        """Accept an http or https base URL, like https://pausebot.example.com."""
        if value is None or not value.strip():
            return None
        if not re.fullmatch(r"https?://[^\s/?#]+(/[^\s?#]*)?", value.strip()):
            raise ValueError(f"{value!r} is not a base URL like https://pausebot.example.com")
        return value.strip().rstrip("/")

    @field_validator("PAUSEBOT_TZ")
    @classmethod
    def _zone(cls, value: str) -> str:
        """Accept only IANA time zone names."""
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"{value!r} is not an IANA time zone like Europe/Paris") from exc
        return value

    @field_validator("SUMMARY_TIME", mode="before")
    @classmethod
    def _summary_time(cls, value: object) -> object:
        """Accept HH:MM on a 24-hour clock."""
        if isinstance(value, str) and not re.fullmatch(r"([01]?\d|2[0-3]):[0-5]\d", value.strip()):
            raise ValueError(f"{value!r} is not a time like 09:00")
        return value

    @field_validator("PAUSEBOT_ADMINS", "OPS_CHANNELS", mode="before")
    @classmethod
    def _identities(cls, value: object, info) -> list[IdentityKey]:
        """Parse comma-separated identities."""
        return _split_identities(value, info.field_name)

    @field_validator("DISCORD_GUILD_IDS", mode="before")
    @classmethod
    def _guild_ids(cls, value: object) -> list[int]:
        """Parse comma-separated numeric guild ids."""
        if isinstance(value, list):
            return value
        items = [part.strip() for part in str(value or "").split(",") if part.strip()]
        if not all(item.isdigit() for item in items):
            raise ValueError("use comma-separated numeric guild ids")
        return [int(item) for item in items]

    @model_validator(mode="after")
    def _slack_pairs(self) -> Settings:
        """A Slack token needs its signing secret (HTTP mode) and vice versa."""
        if self.SLACK_BOT_TOKEN and not (self.SLACK_SIGNING_SECRET or self.SLACK_APP_TOKEN):
            raise ValueError("SLACK_SIGNING_SECRET is required with SLACK_BOT_TOKEN")
        if self.SLACK_SIGNING_SECRET and not self.SLACK_BOT_TOKEN:
            raise ValueError("SLACK_BOT_TOKEN is required with SLACK_SIGNING_SECRET")
        if self.SLACK_APP_TOKEN and not self.SLACK_BOT_TOKEN:
            raise ValueError("SLACK_BOT_TOKEN is required with SLACK_APP_TOKEN")
        return self

    @property
    def tz(self) -> ZoneInfo:
        """The team's time zone."""
        return ZoneInfo(self.PAUSEBOT_TZ)

    @property
    def public_url(self) -> str:
        """Where people reach the web pages: PUBLIC_URL, else http://HTTP_HOST:HTTP_PORT."""
        return self.PUBLIC_URL or f"http://{self.HTTP_HOST}:{self.HTTP_PORT}"

    @property
    def slack_enabled(self) -> bool:
        """Whether Slack credentials are configured."""
        return bool(self.SLACK_BOT_TOKEN)

    @property
    def discord_enabled(self) -> bool:
        """Whether Discord credentials are configured."""
        return bool(self.DISCORD_BOT_TOKEN)


def load_settings(**overrides: object) -> Settings:
    """Read settings, turning validation failures into a ConfigError naming the setting."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            name = ".".join(str(part) for part in error["loc"]) or "settings"
            message = error["msg"].removeprefix("Value error, ")
            problems.append(f"{name}: {message}")
        raise ConfigError("; ".join(problems)) from None
