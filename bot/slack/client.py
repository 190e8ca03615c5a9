"""The one factory for Slack Web API clients, so every client honours rate limits alike."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from bot.config import Settings

TIMEOUT = 10
"""Seconds per Web API call."""
RATE_LIMIT_RETRIES = 3


def slack_client(settings: Settings, token: str | None = None) -> WebClient:
    """A WebClient on the configured API base that honours Retry-After on `ratelimited`.

    `token` defaults to the bot token; `bot check` passes the app token too.
    """
    client = WebClient(
        token=token if token is not None else settings.slack_bot_token.get_secret_value(),
        base_url=settings.slack_api_base or WebClient.BASE_URL,
        timeout=TIMEOUT,
    )
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES))
    return client
