"""The wire under DatadogClient: one pooled httpx.Client, one retry policy, typed errors.

Retry rules live in `Transport.send` only:
- 429 is never processed by Datadog, so every request waits `X-RateLimit-Reset` and
  retries, a bounded number of times;
- reads and PATCHes (idempotent: resending the same fields gives the same incident) also
  retry on timeouts, dropped connections and 5xx, with backoff;
- a create is retried only when the request certainly never left (connect errors);
  anything else that may have reached Datadog raises `DatadogAmbiguousError` or
  `DatadogServerError`, and the caller reconciles before trying again;
- a caller that can't wait (a read before Slack's ack) passes `retries=0` and a
  `within(budget)` timeout: one attempt, a 429 raised at once, no second HTTP path.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from bot.datadog.errors import (
    DatadogAmbiguousError,
    DatadogStatusError,
    DatadogTimeout,
    DatadogTransportError,
    DatadogUnreadableResponse,
    error_messages,
    status_error,
)
from bot.domain.reliability.backoff import full_jitter
from bot.logs import hide_userinfo

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=3.0)
Model = TypeVar("Model", bound=BaseModel)
MAX_SETUP = 0.25
"""Seconds of a budget for each of waiting for a pooled connection and connecting."""


def within(budget: float) -> httpx.Timeout:
    """One attempt's timeouts summing to at most `budget` seconds.

    httpx times each phase, not the whole request: the pool wait and the connect get at
    most MAX_SETUP each (a sixth of the budget when smaller), the answer the rest. Sending
    a small request never blocks, and the emulator and Datadog send an answer's headers and
    its small body together, so the read timeout bounds waiting for the whole answer.
    """
    setup = min(MAX_SETUP, budget / 6)
    rest = max(budget - 2 * setup, 0.001)
    return httpx.Timeout(rest, connect=setup, pool=setup)


class CallCounter(Protocol):
    """Where responses and retries are counted (bot/metrics.py), by endpoint template."""

    def datadog_response(self, method: str, path: str, status: int | str) -> None: ...

    def datadog_retry(self, method: str, path: str, reason: str) -> None: ...


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try; tests shrink the waits so fault tests run in seconds."""

    rate_limit_retries: int = 3
    max_rate_limit_wait: float = 30.0
    read_retries: int = 2
    backoff: float = 0.25
    max_backoff: float = 4.0
    sleep: Callable[[float], None] = time.sleep

    def backoff_for(self, attempt: int) -> float:
        """Exponential backoff with full jitter (bot/domain/reliability/backoff.py)."""
        return full_jitter(attempt, self.backoff, self.max_backoff)


class Transport:
    """Sends requests to one Datadog API base with the keys' headers and the retry rules."""

    def __init__(
        self,
        base_url: str,
        headers: dict[str, str],
        *,
        http_client: httpx.Client | None = None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        metrics: CallCounter | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.metrics = metrics
        self.retry = retry or RetryPolicy()
        self._headers = headers
        self._http = http_client or httpx.Client(
            timeout=timeout, limits=httpx.Limits(max_connections=50, max_keepalive_connections=20)
        )

    def close(self) -> None:
        self._http.close()

    def send(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: dict[str, Any] | None = None,
        idempotent: bool = True,
        permission: str | None,
        timeout: httpx.Timeout | None = None,
        retries: int | None = None,
    ) -> httpx.Response:
        """Send with the retry rules in the module docstring; raise typed errors.

        `timeout` overrides the client's for this request; `retries` caps every kind of
        retry (429 waits included) for a caller that can't wait, such as a form update.
        """
        url = self.base_url + path
        rate_limited = retried = 0
        seen = self._seen
        read_retries = self.retry.read_retries if retries is None else retries
        limit_retries = self.retry.rate_limit_retries if retries is None else retries
        extra: dict[str, Any] = {} if timeout is None else {"timeout": timeout}
        while True:
            try:
                response = self._http.request(
                    method, url, params=params, json=json, headers=self._headers, **extra
                )
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                # Never sent: safe to retry even a create.
                seen(method, path, "connect_error")
                if retried < read_retries:
                    seen(method, path, None, retry="connect_error")
                    self.retry.sleep(self.retry.backoff_for(retried))
                    retried += 1
                    continue
                shown = hide_userinfo(f"cannot connect to {self.base_url}: {exc}")
                raise DatadogTransportError(shown) from exc
            except httpx.TransportError as exc:
                timed_out = isinstance(exc, httpx.TimeoutException)
                seen(method, path, "timeout" if timed_out else "transport_error")
                kind = "timed out" if timed_out else "failed"
                if idempotent and retried < read_retries:
                    seen(method, path, None, retry="transport_error")
                    self.retry.sleep(self.retry.backoff_for(retried))
                    retried += 1
                    continue
                error_cls: type[DatadogTransportError] = DatadogAmbiguousError
                if idempotent:
                    error_cls = DatadogTimeout if timed_out else DatadogTransportError
                raise error_cls(f"{method} {path} {kind}: {type(exc).__name__}") from exc

            seen(method, path, response.status_code)
            if response.status_code < 400:
                return response
            error = _status_error(response, permission)
            if response.status_code == 429 and rate_limited < limit_retries:
                wait = min(getattr(error, "reset_after", 1.0), self.retry.max_rate_limit_wait)
                log.info("datadog rate limited on %s %s; waiting %.1fs", method, path, wait)
                seen(method, path, None, retry="rate_limited")
                self.retry.sleep(wait + random.uniform(0, 0.1))
                rate_limited += 1
                continue
            if response.status_code >= 500 and idempotent and retried < read_retries:
                seen(method, path, None, retry="server_error")
                self.retry.sleep(self.retry.backoff_for(retried))
                retried += 1
                continue
            raise error

    def _seen(self, method: str, path: str, status: int | str | None, retry: str = "") -> None:
        """Count a response (or transport error) and a retry, by endpoint template."""
        if self.metrics is None:
            return
        if status is not None:
            self.metrics.datadog_response(method, path, status)
        if retry:
            self.metrics.datadog_retry(method, path, retry)


def _status_error(response: httpx.Response, permission: str | None) -> DatadogStatusError:
    """Datadog's error answer as the matching typed error (bot/datadog/errors.py)."""
    try:
        body: Any = response.json()
    except ValueError:
        body = {"errors": [response.text[:200] or response.reason_phrase]}
    if not error_messages(body):
        body = {"errors": [response.reason_phrase or f"HTTP {response.status_code}"]}
    reset = response.headers.get("X-RateLimit-Reset", "1")
    try:
        reset_after = max(0.0, float(reset))
    except ValueError:
        reset_after = 1.0
    return status_error(
        response.status_code,
        body,
        request_id=response.headers.get("x-request-id"),
        permission=permission,
        reset_after=reset_after,
    )


def parse(response: httpx.Response, model: type[Model]) -> Model:
    """The 2xx body as `model`; DatadogUnreadableResponse if empty, not JSON or off-shape."""
    body = json_body(response)
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        errors = exc.errors()
        where = ".".join(str(part) for part in errors[0]["loc"]) if errors else ""
        raise unreadable(response, f"unexpected shape at {where or 'the top'}") from exc


def json_object(response: httpx.Response) -> dict[str, Any]:
    """The 2xx body, which must be a JSON object."""
    body = json_body(response)
    if not isinstance(body, dict):
        raise unreadable(response, "not a JSON object")
    return body


def data_list(response: httpx.Response) -> list[Any]:
    """The `data` list of a 2xx JSON:API body (missing or null counts as empty)."""
    data = json_object(response).get("data")
    if data is None:
        return []
    if not isinstance(data, list):
        raise unreadable(response, "data is not a list")
    return data


def json_body(response: httpx.Response) -> Any:
    if not response.content.strip():
        raise unreadable(response, "empty body")
    try:
        return response.json()
    except ValueError as exc:  # JSONDecodeError, or bytes that are not text
        raise unreadable(response, "not JSON") from exc


def unreadable(response: httpx.Response, problem: str) -> DatadogUnreadableResponse:
    """Only the method and path are named: the URL's host may carry credentials."""
    request = response.request
    method = request.method.upper()
    return DatadogUnreadableResponse(
        response.status_code,
        f"{method} {request.url.path}",
        problem,
        ambiguous=method == "POST",  # a PATCH's 2xx took effect and may be resent
    )
