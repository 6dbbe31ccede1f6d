"""Settings: SPEC's names, defaults, and clear errors for malformed values."""

from datetime import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.config import ConfigError, Settings, load_settings
from bot.core.words import IdentityKey


def test_defaults(monkeypatch):
    """Every setting has SPEC's default."""
    for name in Settings.model_fields:
        monkeypatch.delenv(name, raising=False)
    values = Settings(_env_file=None).model_dump()
    assert (
        values
        | {
            "DATABASE_URL": "sqlite:///pausebot.db",
            "PAUSEBOT_TZ": "UTC",
            "SUMMARY_TIME": time(9, 0),
            "PAUSE_REMINDER_DAYS": 3,
            "HOURS_BACKDATE_DAYS": 14,
            "HTTP_HOST": "127.0.0.1",
            "HTTP_PORT": 3000,
            "PAUSEBOT_ADMINS": [],
            "OPS_CHANNELS": [],
        }
        == values
    )


def test_lists_and_times_parse_from_the_environment(monkeypatch):
    """Comma-separated identities and guild ids, HH:MM times, as written in .env."""
    monkeypatch.setenv("PAUSEBOT_ADMINS", "console:admin, slack:U024BE7LH")
    monkeypatch.setenv("OPS_CHANNELS", "slack:C0123,discord:1234567890")
    monkeypatch.setenv("DISCORD_GUILD_IDS", "1, 2")
    monkeypatch.setenv("SUMMARY_TIME", "07:30")
    settings = load_settings(_env_file=None)
    values = settings.model_dump()
    assert [str(key) for key in settings.PAUSEBOT_ADMINS] == ["console:admin", "slack:U024BE7LH"]
    assert [str(key) for key in settings.OPS_CHANNELS] == ["slack:C0123", "discord:1234567890"]
    assert values["DISCORD_GUILD_IDS"] == [1, 2]
    assert values["SUMMARY_TIME"] == time(7, 30)


@given(
    st.lists(
        st.from_regex(r"(slack|discord|console):[A-Za-z0-9._-]{1,12}", fullmatch=True), max_size=5
    )
)
def test_identity_lists_round_trip(identities):
    """Any list of identities written comma-separated reads back the same."""
    settings = load_settings(_env_file=None, PAUSEBOT_ADMINS=",".join(identities))
    assert [str(key) for key in settings.PAUSEBOT_ADMINS] == [
        str(IdentityKey.parse(identity)) for identity in identities
    ]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PAUSEBOT_TZ", "Nowhere/Town"),
        ("SUMMARY_TIME", "25:00"),
        ("PAUSE_REMINDER_DAYS", "0"),
        ("HOURS_BACKDATE_DAYS", "-1"),
        ("HTTP_PORT", "70000"),
        ("OPS_CHANNELS", "general"),
    ],
)
def test_malformed_values_name_the_setting(name, value):
    """A malformed value is a ConfigError whose message names the setting."""
    with pytest.raises(ConfigError, match=name):
        load_settings(_env_file=None, **{name: value})


def test_env_example_lists_every_setting_and_grants_nobody_admin():
    """Copied as told, .env.example loads, names every setting, and makes no placeholder admin."""
    example = Path(__file__).resolve().parents[1] / ".env.example"
    written = {line.split("=", 1)[0].lstrip("# ") for line in example.read_text().splitlines()}
    assert set(Settings.model_fields) <= written
    settings = Settings(_env_file=example)
    assert settings.PAUSEBOT_ADMINS == [] and settings.OPS_CHANNELS == []
