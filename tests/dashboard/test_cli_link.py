"""`pausebot dashboard-link --as IDENTITY`: a link for ops staff and admins, exit 1 otherwise."""

from __future__ import annotations

import re

import pytest

from bot.core import weblogin
from bot.core.clock import SystemClock
from bot.core.words import IdentityKey
from tests.test_cli import chat_json, pausebot

pytestmark = pytest.mark.filterwarnings("ignore")


async def test_dashboard_link_prints_a_working_link_for_ops_and_refuses_others(
    database_url, database, tmp_path
):
    """Admins and ops get a PUBLIC_URL link that signs them in; a contractor and an unknown
    identity are refused with exit 1 and nothing is created."""
    chat_json(database_url, "admin", "/ops role @opsy ops", "/hours week", tmp_path=tmp_path)
    chat_json(database_url, "con", "/hours week", tmp_path=tmp_path)
    public = {"PUBLIC_URL": "https://pausebot.example.com/"}
    for who in ("console:admin", "opsy"):
        done = pausebot("dashboard-link", "--as", who, url=database_url, **public)
        assert done.returncode == 0, done.stderr
        url = done.stdout.strip()
        assert re.fullmatch(r"https://pausebot\.example\.com/dashboard/login/[\w-]{43}", url)
        async with database.transaction() as db:
            _token, user = await weblogin.redeem_link(
                db,
                token=url.rsplit("/", 1)[1],
                now=SystemClock().now(),
                admins=[IdentityKey.parse("console:admin")],
            )
        assert user.identity == ("console:admin" if who == "console:admin" else "console:opsy")
    refused = pausebot("dashboard-link", "--as", "console:con", url=database_url)
    assert refused.returncode == 1 and refused.stdout == ""
    assert "contractor" in refused.stderr
    unknown = pausebot("dashboard-link", "--as", "slack:U0NOBODY", url=database_url)
    assert unknown.returncode == 1 and "does not know slack:U0NOBODY" in unknown.stderr
    again = pausebot("dashboard-link", "--as", "slack:U0NOBODY", url=database_url)
    assert "does not know" in again.stderr


def test_public_url_defaults_to_the_http_server_and_is_checked():
    """PUBLIC_URL defaults to http://HTTP_HOST:HTTP_PORT; a bad one names the setting."""
    from bot.config import ConfigError, load_settings

    assert load_settings(_env_file=None, HTTP_PORT=8080).public_url == "http://127.0.0.1:8080"
    chosen = load_settings(_env_file=None, PUBLIC_URL="https://pb.example.com/")
    assert chosen.public_url == "https://pb.example.com"
    with pytest.raises(ConfigError, match="PUBLIC_URL"):
        load_settings(_env_file=None, PUBLIC_URL="ftp://pb.example.com")
