"""What the runners report for metrics: closed sets only, no keys, titles or people."""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol


class RecordKind(StrEnum):
    """What a stored row holds (metric label values: a closed set)."""

    DECLARATION = "declaration"
    CARD = "card"
    UPDATE = "update"
    CHORE = "chore"
    JOURNAL = "journal"


class TimedStep(StrEnum):
    """The steps whose durations an observer sees (metric label values: a closed set)."""

    RESOLVE = "resolve"
    CREATE = "create"
    ANNOUNCE = "announce"
    THREAD_REPLY = "thread_reply"
    UPDATE = "update"
    """A lifecycle update job (update, resolve, reopen): Datadog PATCH, card, note."""


class Outcome(StrEnum):
    """How a run of a declaration ended, or that a failed one was retried."""

    DONE = "done"
    FAILED = "failed"
    RETRIED = "retried"


class RunObserver(Protocol):
    """What the runner reports for metrics: no keys, titles or people, only closed sets."""

    def step_timed(self, step: TimedStep, seconds: float) -> None: ...

    def declaration_ended(self, outcome: Outcome) -> None: ...


class NoObserver:
    """The observer when nobody watches."""

    def step_timed(self, step: TimedStep, seconds: float) -> None:
        return None

    def declaration_ended(self, outcome: Outcome) -> None:
        return None
