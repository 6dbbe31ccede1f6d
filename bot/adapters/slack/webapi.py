"""The one wrapper for Slack Web API calls: honours 429 Retry-After and retries transient errors."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt
from tenacity.wait import wait_random_exponential

from bot.config import Settings

log = logging.getLogger(__name__)

TRANSIENT_ERRORS = frozenset(
    {"internal_error", "fatal_error", "service_unavailable", "request_timeout", "ratelimited"}
)
DEFAULT_RETRY_AFTER = 1.0


def api_base_url(url: str | None) -> str:
    """The Web API base URL the SDK expects (with a trailing slash)."""
    return (url or AsyncWebClient.BASE_URL).rstrip("/") + "/"


def web_client(settings: Settings) -> AsyncWebClient:
    """A Web API client with the bot token, calling SLACK_API_URL when it is set."""
    return AsyncWebClient(
        token=settings.SLACK_BOT_TOKEN, base_url=api_base_url(settings.SLACK_API_URL)
    )


class SlackCallError(Exception):
    """A Web API call (or a response_url post) that did not succeed."""

    def __init__(
        self,
        method: str,
        error: str,
        *,
        status: int | None = None,
        retry_after: float | None = None,
        transient: bool = False,
    ) -> None:
        super().__init__(f"{method}: {error}")
        self.method = method
        self.error = error
        self.status = status
        self.retry_after = retry_after
        self.transient = transient


def _is_transient(exc: BaseException) -> bool:
    """Whether another attempt may succeed."""
    return isinstance(exc, SlackCallError) and exc.transient


def _header(headers: Any, name: str) -> str | None:
    """A response header, whatever the case of its name."""
    for key, value in (headers or {}).items():
        if key.lower() == name.lower():
            return value[0] if isinstance(value, list) else value
    return None


def _retry_after(headers: Any) -> float:
    """Seconds from a Retry-After header, or a default when it is missing or malformed."""
    try:
        return max(float(_header(headers, "Retry-After") or DEFAULT_RETRY_AFTER), 0.0)
    except ValueError:
        return DEFAULT_RETRY_AFTER


class WebApi:
    """Calls the Slack Web API; after a 429 it holds that method back until Retry-After passes."""

    def __init__(
        self,
        client: AsyncWebClient,
        *,
        attempts: int = 8,
        rate_limited_attempts: int = 30,
        max_backoff: float = 30.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.attempts = attempts
        self.rate_limited_attempts = rate_limited_attempts
        self.transient_backoff = wait_random_exponential(multiplier=0.5, max=max_backoff)
        self.sleep = sleep
        self.monotonic = monotonic
        self.resume_at: dict[str, float] = {}

    async def call(self, method: str, *, retry: bool = True, **kwargs: Any) -> dict[str, Any]:
        """Call a method such as `chat.postMessage`; with retry=False one attempt only."""
        function = getattr(self.client, method.replace(".", "_"))

        async def once() -> dict[str, Any]:
            """One attempt, after the method's rate-limit pause."""
            await self._wait_for_slot(method, retry)
            try:
                response = await function(**kwargs)
            except SlackApiError as exc:
                raise self._api_error(method, exc) from exc
            except (aiohttp.ClientError, TimeoutError, SlackRequestError) as exc:
                raise SlackCallError(method, type(exc).__name__, transient=True) from exc
            return dict(response.data) if isinstance(response.data, dict) else {}

        return await self._with_retries(method, once, retry)

    async def respond(self, response_url: str, body: dict[str, Any]) -> None:
        """Post a reply to an interaction's response_url, with the same retry policy."""
        key = "response_url"

        async def once() -> None:
            """One post, after the rate-limit pause."""
            await self._wait_for_slot(key, True)
            try:
                response = await AsyncWebhookClient(response_url).send_dict(body)
            except (aiohttp.ClientError, TimeoutError) as exc:
                raise SlackCallError(key, type(exc).__name__, transient=True) from exc
            if response.status_code == 429:
                raise self._rate_limited(key, response.headers, 429)
            if response.status_code != 200:
                raise SlackCallError(
                    key,
                    response.body or f"http_{response.status_code}",
                    status=response.status_code,
                    transient=response.status_code >= 500,
                )

        await self._with_retries(key, once, True)

    async def _with_retries(self, method: str, once: Callable[[], Awaitable[Any]], retry: bool):
        """Run `once` until it succeeds, fails for good, or the attempts run out."""
        retrying = AsyncRetrying(
            stop=self._stop if retry else stop_after_attempt(1),
            retry=retry_if_exception(_is_transient),
            wait=self._backoff,
            sleep=self.sleep,
            reraise=True,
            before_sleep=lambda state: log.warning(
                "Slack %s failed (%s) on attempt %s; trying %s again",
                method,
                state.outcome.exception() if state.outcome else "?",
                state.attempt_number,
                method,
            ),
        )
        async for attempt in retrying:
            with attempt:
                result = await once()
        return result

    def _stop(self, state: RetryCallState) -> bool:
        """Give up after `attempts` failures, or `rate_limited_attempts` when Slack says 429."""
        exc = state.outcome.exception() if state.outcome else None
        rate_limited = isinstance(exc, SlackCallError) and exc.retry_after is not None
        limit = self.rate_limited_attempts if rate_limited else self.attempts
        return state.attempt_number >= limit

    def _backoff(self, state: RetryCallState) -> float:
        """No extra wait after a 429 (the slot wait covers it); jittered exponential otherwise."""
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, SlackCallError) and exc.retry_after is not None:
            return 0.0
        return self.transient_backoff(state)

    async def _wait_for_slot(self, method: str, retry: bool) -> None:
        """Wait out a method's Retry-After; without retries, refuse at once instead."""
        remaining = self.resume_at.get(method, 0.0) - self.monotonic()
        if remaining <= 0:
            return
        if not retry:
            raise SlackCallError(
                method, "ratelimited", status=429, retry_after=remaining, transient=True
            )
        log.info("Slack %s is rate limited; waiting %.1f s", method, remaining)
        await self.sleep(remaining)

    def _rate_limited(self, method: str, headers: Any, status: int) -> SlackCallError:
        """Remember a 429's Retry-After for the method and describe it."""
        retry_after = _retry_after(headers)
        self.resume_at[method] = max(
            self.resume_at.get(method, 0.0), self.monotonic() + retry_after
        )
        return SlackCallError(
            method, "ratelimited", status=status, retry_after=retry_after, transient=True
        )

    def _api_error(self, method: str, exc: SlackApiError) -> SlackCallError:
        """Turn the SDK's error into a SlackCallError saying whether to try again."""
        response = exc.response
        status = response.status_code
        if status == 429:
            return self._rate_limited(method, response.headers, status)
        data = response.data if isinstance(response.data, dict) else {}
        error = data.get("error") or f"http_{status}"
        return SlackCallError(
            method, error, status=status, transient=status >= 500 or error in TRANSIENT_ERRORS
        )
