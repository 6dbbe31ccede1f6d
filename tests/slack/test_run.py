"""`pausebot run` with Slack credentials serves signed slash commands on POST /slack/events."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from pathlib import Path

import aiohttp
import pytest

from tests.fakes.slack_api import FakeSlackApi
from tests.slack.conftest import ADMIN, SIGNING_SECRET, SlackHarness

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def wait_until_healthy(session: aiohttp.ClientSession, url: str, process) -> None:
    """Poll /healthz until the server answers 200 (or the process has died)."""
    for _ in range(300):
        assert process.returncode is None, "pausebot run exited early"
        try:
            async with session.get(url) as response:
                if response.status == 200:
                    return
        except aiohttp.ClientConnectionError:
            pass
        await asyncio.sleep(0.1)
    raise AssertionError("pausebot run never became healthy")


async def test_run_serves_slack_http_mode(
    slack_api: FakeSlackApi, database_url: str, tmp_path: Path
):
    """A project added through /slack/events on `pausebot run` is there for /project list."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PAUSEBOT_", "SLACK_"))}
    env |= {
        "DATABASE_URL": database_url,
        "PAUSEBOT_ADMINS": f"slack:{ADMIN}",
        "SLACK_BOT_TOKEN": "xoxb-pausebot-test",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack_api.api_url,
        "HTTP_HOST": "127.0.0.1",
        "HTTP_PORT": str(port),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=tmp_path, env=env, stdin=asyncio.subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as session:
            await wait_until_healthy(session, f"{base}/healthz", process)
            client = SlackHarness(f"{base}/slack/events", slack_api, None, session)
            added = await client.post(client.command_form("/project", 'add ACME "Acme" "Labels"'))
            listed = await client.post(client.command_form("/project", "list"))
            forged = await client.post(client.command_form("/project", "list"), sign=False)
    finally:
        process.send_signal(signal.SIGTERM)
        await process.wait()
    assert added.status == 200 and added.body["response_type"] == "in_channel"
    assert "ACME" in listed.text
    assert forged.status == 401
    assert process.returncode == 0
