"""The gate in front of Bolt: bad timestamps, signatures and bodies get 401/413/408, change
nothing, and leave at most a line a second in the log, never any text of the request."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from urllib.parse import urlencode, urlparse

import pytest

from bot.adapters.slack.app import create_slack_app
from bot.adapters.slack.gate import Refusal, RefusalLog, RequestGate
from bot.config import Settings
from tests.slack.conftest import SlackHarness
from tests.slack.test_security import projects

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

FORGED = "\n2026-12-01 09:00:00,000 ERROR bot.commands.runner: FORGED admin role granted"
MEGABYTE = 1_000_000


def flood_body(size: int = MEGABYTE) -> str:
    """A form body of about `size` bytes that carries a forged log line."""
    head = urlencode({"command": "/project", "text": "add EVIL"}) + "&x="
    return head + FORGED + "a" * (size - len(head) - len(FORGED))


async def nothing_changed(slack: SlackHarness) -> None:
    """No project exists and Slack's Web API was never called."""
    assert await projects(slack) == []
    assert slack.fake.calls == []


@pytest.mark.parametrize(
    ("stamp", "reason"),
    [
        (None, Refusal.NO_TIMESTAMP),
        ("", Refusal.NO_TIMESTAMP),
        ("soon", Refusal.NO_TIMESTAMP),
        ("1e9", Refusal.NO_TIMESTAMP),
        ("-5", Refusal.NO_TIMESTAMP),
        ("١٧٠٠٠٠٠٠٠٠", Refusal.NO_TIMESTAMP),
        ("9" * 40, Refusal.NO_TIMESTAMP),
        ("1000000000", Refusal.STALE),
    ],
    ids=["missing", "empty", "word", "float", "negative", "arabic-digits", "huge", "stale"],
)
async def test_bad_timestamps_get_401(slack: SlackHarness, stamp, reason):
    """A missing, non-numeric or stale X-Slack-Request-Timestamp is 401, never a 500."""
    body = slack.command_form("/project", 'add ACME "Acme AI" "Labels"')
    headers = {"X-Slack-Signature": "v0=" + "0" * 64}
    if stamp is not None:
        headers["X-Slack-Request-Timestamp"] = stamp
    answer = await slack.post(body, headers=headers, sign=False)
    assert answer.status == 401
    assert slack.gate.refusals.counts == {reason: 1}
    await nothing_changed(slack)


@pytest.mark.parametrize(
    ("raw", "content_type"),
    [
        (b'{"type": "event_callback", "event": ', "application/json"),
        (b"[1, 2, 3]", "application/json"),
        (b'"just a string"', "application/json"),
        (b"payload=%7Bnot+json", "application/x-www-form-urlencoded"),
        (b"payload=%5B1%5D", "application/x-www-form-urlencoded"),
        (b"command=/project&text=add \xff\xfe ACME", "application/x-www-form-urlencoded"),
        (b'{"type": "url_verification", "challenge": "\xc3"}', "application/json"),
    ],
    ids=["cut-json", "list", "string", "bad-payload", "list-payload", "latin1", "cut-utf8"],
)
async def test_bad_bodies_get_401_signed_or_not(slack: SlackHarness, raw: bytes, content_type):
    """Invalid JSON or UTF-8 is 401 whether it is signed or not; nothing reaches Bolt."""
    for signed in (False, True):
        stamp = str(int(time.time()))
        headers = {"Content-Type": content_type, "X-Slack-Request-Timestamp": stamp}
        if signed:
            headers["X-Slack-Signature"] = slack.gate_signature(stamp, raw)
        async with slack.session.post(slack.url, data=raw, headers=headers) as response:
            assert response.status == 401, (signed, await response.text())
    assert slack.gate.refusals.counts == {Refusal.BAD_SIGNATURE: 1, Refusal.UNREADABLE: 1}
    await nothing_changed(slack)


async def test_body_over_the_limit_gets_413_unread(slack: SlackHarness):
    """A body over 1 MiB gets 413: from its Content-Length, or once the limit is passed."""
    big = b"x" * (slack.gate.max_body + 1)
    stamp = str(int(time.time()))
    headers = {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": "v0=" + "0" * 64}
    async with slack.session.post(slack.url, data=big, headers=headers) as response:
        assert response.status == 413

    async def chunked():
        """The same body without a Content-Length, 64 KiB at a time."""
        for start in range(0, len(big), 65536):
            yield big[start : start + 65536]

    async with slack.session.post(slack.url, data=chunked(), headers=headers) as response:
        assert response.status == 413
    assert slack.gate.refusals.counts == {Refusal.TOO_LARGE: 2}
    await nothing_changed(slack)


async def test_a_flood_writes_a_line_a_second_and_never_its_text(
    slack: SlackHarness, caplog: pytest.LogCaptureFixture
):
    """20 unsigned 1 MB POSTs (and 20 with a stale signature) log a few short lines, no text."""
    body = flood_body()
    stale = slack.signed_headers(body, timestamp=int(time.time()) - 3600)
    fresh = {"X-Slack-Request-Timestamp": str(int(time.time())), "X-Slack-Signature": "v0=0"}
    with caplog.at_level(logging.DEBUG):
        started = time.monotonic()
        answers = []
        for headers in ({}, stale, fresh):
            for _ in range(20):
                answers.append(await slack.post(body, headers=headers, sign=False))
        elapsed = time.monotonic() - started
    assert {answer.status for answer in answers} == {401}
    assert sum(slack.gate.refusals.counts.values()) == 60
    lines = [r for r in caplog.records if r.name.startswith(("bot", "slack_bolt", "aiohttp"))]
    logged = sum(len(r.getMessage()) for r in lines)
    assert len(lines) <= elapsed + 1, [r.getMessage() for r in lines]
    assert logged < 200 * len(lines)
    assert "FORGED" not in caplog.text and "EVIL" not in caplog.text
    print(f"\n60 refused 1 MB requests in {elapsed:.2f}s: {len(lines)} log lines, {logged} bytes")
    await nothing_changed(slack)


def test_refusal_log_counts_what_it_does_not_write(caplog: pytest.LogCaptureFixture):
    """Refusals within a second of a line are counted into the next line."""
    now = [100.0]
    refusals = RefusalLog(monotonic=lambda: now[0])
    with caplog.at_level(logging.WARNING, logger="bot.adapters.slack.gate"):
        for _ in range(5):
            refusals.note(Refusal.BAD_SIGNATURE)
        now[0] += 1.5
        refusals.note(Refusal.TOO_LARGE)
    assert [r.getMessage() for r in caplog.records] == [
        "refused a Slack request: bad signature (HTTP 401); "
        "0 more refused since the last such line",
        "refused a Slack request: body too large (HTTP 413); "
        "4 more refused since the last such line",
    ]


async def test_bolt_never_logs_a_rejected_body(settings: Settings, caplog):
    """Bolt's own signature check, reached without the gate, refuses without logging the body."""
    from slack_bolt.request.async_request import AsyncBoltRequest

    with caplog.at_level(logging.DEBUG):
        app = create_slack_app(settings)
        request = AsyncBoltRequest(
            body=flood_body(10_000),
            headers={
                "content-type": "application/x-www-form-urlencoded",
                "x-slack-request-timestamp": str(int(time.time())),
                "x-slack-signature": "v0=" + "0" * 64,
            },
        )
        response = await app.async_dispatch(request)
    assert response.status == 401
    assert "FORGED" not in caplog.text and "EVIL" not in caplog.text


async def test_stalled_body_is_dropped_after_the_read_timeout(slack: SlackHarness):
    """A client that sends headers and part of a body, then stalls, gets 408 and is let go."""
    slack.gate.read_timeout = 0.5
    address = urlparse(slack.url)
    reader, writer = await asyncio.open_connection(address.hostname, address.port)
    writer.write(
        (
            f"POST {address.path} HTTP/1.1\r\nHost: {address.netloc}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n"
            f"X-Slack-Request-Timestamp: {int(time.time())}\r\n"
            "X-Slack-Signature: v0=00\r\n\r\ncommand=/project&text="
        ).encode()
    )
    await writer.drain()
    started = time.monotonic()
    status_line = await asyncio.wait_for(reader.readline(), timeout=5)
    waited = time.monotonic() - started
    assert status_line.startswith(b"HTTP/1.1 408"), status_line
    assert 0.4 < waited < 2
    rest = await asyncio.wait_for(reader.read(), timeout=2)  # then the server hangs up
    assert b"invalid request" in rest
    writer.close()
    assert slack.gate.refusals.counts == {Refusal.SLOW_BODY: 1}
    await nothing_changed(slack)


async def test_good_requests_still_pass(slack: SlackHarness):
    """A signed request gets through the gate, and Bolt never calls auth.test for it."""
    answer = await slack.ok("/project", 'add ACME "Acme AI" "Labels"')
    assert answer.body["response_type"] == "in_channel"
    challenge = json.dumps({"token": "t", "challenge": "c", "type": "url_verification"})
    assert (await slack.post(challenge, content_type="application/json")).body == {"challenge": "c"}
    assert slack.gate.refusals.counts == {}
    assert slack.fake.called("auth.test") == []


def test_gate_signature_matches_slack_sdk():
    """The gate's v0 signature is the one slack_sdk's SignatureVerifier makes."""
    from slack_sdk.signature import SignatureVerifier

    gate = RequestGate("secret")
    stamp = str(int(time.time()))
    body = "command=%2Fhours&text=log+ACME+2h"
    signature = SignatureVerifier("secret").generate_signature(timestamp=stamp, body=body)
    gate.check_signature(stamp, body.encode(), signature)


@pytest.mark.parametrize(
    "payload",
    [
        {"type": "block_actions", "actions": "x"},
        {"type": "block_actions", "actions": [None]},
        {"type": "view_submission", "view": "x"},
        {"type": "view_submission", "view": {"callback_id": "pausebot_log_hours"}},
        {"type": "view_submission", "user": "x", "view": {"callback_id": "pausebot_log_hours"}},
        {"type": "event_callback", "event": "x"},
        {"team": [], "user": 7, "enterprise": 3, "authorizations": "x"},
    ],
)
async def test_signed_bodies_of_strange_shapes_never_get_500(slack: SlackHarness, payload):
    """A signed body of a shape Slack never sends gets 200 or 401, never a 500."""
    as_form = await slack.post(urlencode({"payload": json.dumps(payload)}))
    as_json = await slack.post(json.dumps(payload), content_type="application/json")
    await slack.settle()
    assert {as_form.status, as_json.status} <= {200, 401, 404}
    await nothing_changed(slack)


async def test_client_leaving_mid_body_is_one_short_line(
    slack: SlackHarness, caplog: pytest.LogCaptureFixture
):
    """Clients that hang up halfway through a body are refused quietly, without tracebacks."""
    address = urlparse(slack.url)
    with caplog.at_level(logging.DEBUG):
        for _ in range(5):
            _reader, writer = await asyncio.open_connection(address.hostname, address.port)
            writer.write(
                (
                    f"POST {address.path} HTTP/1.1\r\nHost: {address.netloc}\r\n"
                    f"Content-Length: 1000\r\nX-Slack-Request-Timestamp: {int(time.time())}\r\n"
                    "\r\ncommand=/project&text=add+EVIL"
                ).encode()
            )
            await writer.drain()
            await asyncio.sleep(0.05)
            writer.close()
        for _ in range(50):
            if sum(slack.gate.refusals.counts.values()) == 5:
                break
            await asyncio.sleep(0.02)
    assert slack.gate.refusals.counts == {Refusal.CUT_SHORT: 5}
    lines = [r for r in caplog.records if r.name.startswith(("bot", "slack_bolt", "aiohttp"))]
    assert len(lines) == 1 and lines[0].exc_info is None
    await nothing_changed(slack)
