"""The one factory for Slack Web API clients, so every client honours rate limits alike.

With `metrics`, the client counts every call by method and outcome, and each retry its
retry handlers make (a `ratelimited` waited out, a connection reset tried again).
"""

from __future__ import annotations

from typing import Any, Protocol

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web import SlackResponse

from bot.config import Settings
from bot.slack.errors import error_of

TIMEOUT = 10
"""Seconds per Web API call."""
RATE_LIMIT_RETRIES = 3


class CallCounter(Protocol):
    """Where calls are counted (bot/metrics.py); bot.slack does not import it."""

    def slack_call(self, method: str, outcome: str) -> None: ...

    def slack_retry(self, method: str, reason: str) -> None: ...


def slack_client(
    settings: Settings, token: str | None = None, metrics: CallCounter | None = None
) -> WebClient:
    """A WebClient on the configured API base that honours Retry-After on `ratelimited`.

    `token` defaults to the bot token; `bot check` passes the app token too.
    """
    handlers: list[RetryHandler] = [
        ConnectionErrorRetryHandler(),
        RateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES),
    ]
    kwargs: dict[str, Any] = {
        "token": token if token is not None else settings.slack_bot_token.get_secret_value(),
        "base_url": settings.slack_api_base or WebClient.BASE_URL,
        "timeout": TIMEOUT,
    }
    if metrics is None:
        return WebClient(retry_handlers=handlers, **kwargs)
    counted: list[RetryHandler] = [
        CountedRetries(handlers[0], "connection_error", metrics),
        CountedRetries(handlers[1], "ratelimited", metrics),
    ]
    return CountedWebClient(metrics, retry_handlers=counted, **kwargs)


def method_of(url: str) -> str:
    """`https://slack.com/api/chat.postMessage?x=1` → `chat.postMessage`."""
    return url.split("?")[0].rstrip("/").rsplit("/", 1)[-1]


class CountedWebClient(WebClient):
    """A WebClient that counts each call's outcome once, after its retries."""

    def __init__(self, metrics: CallCounter, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.metrics = metrics

    def api_call(self, api_method: str, **kwargs: Any) -> SlackResponse:
        try:
            response = super().api_call(api_method, **kwargs)
        except SlackApiError as exc:
            limited = exc.response.status_code == 429 or error_of(exc) == "ratelimited"
            self.metrics.slack_call(api_method, "ratelimited" if limited else "error")
            raise
        except Exception:
            self.metrics.slack_call(api_method, "connection_error")
            raise
        self.metrics.slack_call(api_method, "ok")
        assert isinstance(response, SlackResponse)
        return response


class CountedRetries(RetryHandler):
    """Delegates to a slack_sdk retry handler and counts each retry it decides on."""

    def __init__(self, inner: RetryHandler, reason: str, metrics: CallCounter) -> None:
        super().__init__(
            max_retry_count=inner.max_retry_count, interval_calculator=inner.interval_calculator
        )
        self.inner = inner
        self.reason = reason
        self.metrics = metrics

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        return self.inner._can_retry(state=state, request=request, response=response, error=error)

    def prepare_for_next_attempt(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        self.metrics.slack_retry(method_of(request.url), self.reason)
        self.inner.prepare_for_next_attempt(
            state=state, request=request, response=response, error=error
        )
