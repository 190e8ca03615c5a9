"""Resolve a Slack user to the Datadog user who will command the incident.

Slack user → email (Slack) → active Datadog user with that email (Datadog).
Resolutions are cached with a TTL, and in-flight lookups are shared: opening the
modal starts one (prefetch), and the submit step waits on the same future.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass

from bot.domain.declare.ports import PeopleDirectory, UserDirectory
from bot.domain.reliability.outcomes import LookupFailed

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Commander:
    slack_id: str
    email: str
    datadog_id: str


class CommanderNotFound(LookupFailed):
    """No email on the Slack profile, or no active Datadog user with it (the same sentence
    serves a commander and a person to page, so it names no role)."""


class CommanderResolver:
    """Cached, shareable Slack → Datadog user resolution."""

    def __init__(
        self,
        people: PeopleDirectory,
        users: UserDirectory,
        *,
        ttl: float = 600.0,
        executor: ThreadPoolExecutor | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._people = people
        self._users = users
        self._ttl = ttl
        self._clock = clock
        self._executor = executor or ThreadPoolExecutor(4, thread_name_prefix="commander")
        self._lock = threading.Lock()
        self._futures: dict[str, tuple[float, Future[Commander]]] = {}

    def prefetch(self, slack_id: str) -> Future[Commander]:
        """Start resolving now (or reuse a fresh or in-flight resolution)."""
        with self._lock:
            entry = self._futures.get(slack_id)
            if entry is not None:
                started, future = entry
                failed = future.done() and future.exception() is not None
                expired = self._clock() - started > self._ttl
                if not failed and not expired:
                    return future
            future = self._executor.submit(self._resolve, slack_id)
            self._futures[slack_id] = (self._clock(), future)
            return future

    def resolve(self, slack_id: str, timeout: float | None = None) -> Commander:
        """The commander; raises CommanderNotFound, LookupFailed, or TimeoutError."""
        future = self.prefetch(slack_id)
        try:
            return future.result(timeout=timeout)
        except FutureTimeout:
            raise TimeoutError(f"resolving {slack_id} took over {timeout}s") from None

    def _resolve(self, slack_id: str) -> Commander:
        email = self._people.email_of(slack_id)
        if not email:
            raise CommanderNotFound(
                "This person has no email on their Slack profile, so their Datadog user "
                "can't be found. Choose someone else."
            )
        datadog_id = self._users.active_user_id(email)
        if datadog_id is None:
            raise CommanderNotFound(
                f"No active Datadog user has the email {email}. Choose someone else, "
                "or ask a Datadog admin to invite them."
            )
        log.debug("commander %s resolved to datadog user %s", slack_id, datadog_id)
        return Commander(slack_id=slack_id, email=email, datadog_id=datadog_id)
