"""The one retry loop of the domain's steps: try, and on a retryable StepFailed wait
(`RunnerPolicy.wait_before_retry`: backoff, or longer when the far side asked) and try
again, up to `attempts` times; the last failure, or one retrying can't fix, is raised.

The Datadog transport keeps its own loop under this one (bot/datadog/transport.py): it
retries HTTP answers, not StepFailed, with the same backoff formula (backoff.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from bot.domain.reliability.outcomes import StepFailed
from bot.domain.reliability.policy import RunnerPolicy

T = TypeVar("T")

OnRetry = Callable[[int, StepFailed, float], None]
"""Told of each failure that will be tried again: the 0-based attempt, why, the wait."""


def retrying(
    call: Callable[[], T],
    *,
    attempts: int,
    policy: RunnerPolicy,
    sleep: Callable[[float], None],
    on_retry: OnRetry | None = None,
    ambiguous_wait: float = 0.0,
) -> T:
    """`call()`'s result, trying again on a retryable StepFailed; the last failure raises.

    `ambiguous_wait`: an ambiguous failure (the action may have landed) waits at least
    this long, so that the next try can see what landed, e.g. a create Datadog still
    processes (`RunnerPolicy.settle`).
    """
    for attempt in range(attempts):
        try:
            return call()
        except StepFailed as exc:
            if not exc.retryable or attempt == attempts - 1:
                raise
            wait = policy.wait_before_retry(attempt, exc.wait)
            if exc.ambiguous and ambiguous_wait:
                wait = policy.bounded(max(wait, ambiguous_wait))
            if on_retry is not None:
                on_retry(attempt, exc, wait)
            sleep(wait)
    raise AssertionError("unreachable: the last attempt raises")
