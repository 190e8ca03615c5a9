"""How a step fails: what the person is told, and whether trying again can help."""

from __future__ import annotations


class StepFailed(Exception):
    """A step could not complete. `reason` is for people; `retryable` says if trying again helps.

    `ambiguous` means the action may have happened anyway (look before retrying);
    `wait` is how long the far side asked us to wait before retrying.
    """

    def __init__(
        self, reason: str, *, retryable: bool, ambiguous: bool = False, wait: float = 0.0
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable
        self.ambiguous = ambiguous
        self.wait = wait


DATADOG_SLOW = "Datadog is slow to answer right now, so nothing was changed. Try again in a moment."
DATADOG_RATE_LIMITED = (
    "Datadog is rate-limiting declare-bot right now, so nothing was changed. "
    "Try again in about {seconds} s."
)


class ReadTooSlow(StepFailed):
    """A read before an ack got no answer within its budget, or Datadog rate-limited it.

    Nothing was changed, and the change that needed the read must not be applied later:
    the person is told (`reason`, short enough for a modal's field error) and tries again.
    """

    def __init__(self, reason: str = DATADOG_SLOW, *, wait: float = 0.0) -> None:
        super().__init__(reason, retryable=True, wait=wait)

    @classmethod
    def rate_limited(cls, wait: float) -> ReadTooSlow:
        return cls(DATADOG_RATE_LIMITED.format(seconds=max(1, round(wait))), wait=wait)


class LookupFailed(Exception):
    """A person or channel lookup failed in a way the person must hear about."""
