"""How hard and how long the runner tries; every wait it takes is bounded by this."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.reliability.backoff import full_jitter

ACK_READ_BUDGET = 1.5
"""Seconds a Datadog read may take before an ack (Slack gives up on the ack after 3 s): one
attempt, no retries, no 429 waits (`IncidentUpdater.current_incident`)."""


@dataclass(frozen=True)
class RunnerPolicy:
    """Bounds on trying again; tests shrink them."""

    create_attempts: int = 4
    backoff: float = 0.5
    max_backoff: float = 8.0
    max_wait: float = 30.0
    """No single wait (a Retry-After included) is longer than this."""
    lease_ttl: float = 9.0
    """A worker renews its lease every third of this; a dead worker's lease frees after it,
    and a survivor watching it takes the declaration over then (well within 15 s)."""
    watch_interval: float = 5.0
    """How often a replica looks for declarations a dead replica left (one read of the
    pending set); between looks it wakes when a lease it saw held runs out."""
    resume_concurrency: int = 4
    """Resumed declarations running at once on the worker pool, so new ones still get workers."""
    settle: float = 5.0
    """After an ambiguous create, wait this long before looking for the incident, so that a
    create Datadog is still processing has landed."""
    commander_timeout: float = 20.0
    announce_attempts: int = 4
    """Posts of the announcement when Slack answers a transient error, with `backoff`."""
    placeholder: bool = True
    """Post the announcement at once, beside the create, and edit it into the card when the
    incident exists (docs/reliability.md); False: post it once the incident exists."""
    retry_wait: float = 3.0
    """How long a Retry click waits for a worker that still holds the declaration."""

    def wait_before_retry(self, attempt: int, asked: float = 0.0) -> float:
        """Before retry number `attempt` (0-based): full-jitter backoff, or longer when the
        service asked (Retry-After), never past `max_wait`."""
        return self.bounded(max(asked, full_jitter(attempt, self.backoff, self.max_backoff)))

    def bounded(self, wait: float, upper: float | None = None) -> float:
        """`wait` clamped to [0, upper] (default: `max_wait`): a skewed clock or a huge
        Retry-After never makes the runner sleep past its own bounds."""
        return min(max(0.0, wait), self.max_wait if upper is None else upper)
