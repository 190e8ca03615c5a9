"""What the domain needs from the outside world; Slack and Datadog adapters implement it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from bot.domain.declaration import Declaration, Handle
from bot.domain.record import DeclarationRecord, Delivered
from bot.domain.sync_ports import SyncLeases


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


@dataclass(frozen=True)
class CreatedIncident:
    id: str
    public_id: int
    url: str


@dataclass(frozen=True)
class Delivery:
    """Where a message landed: channel and ts, and how."""

    channel: str
    ts: str | None
    how: Delivered
    permalink: str | None = None


class PeopleDirectory(Protocol):
    """Slack people and channels."""

    def email_of(self, user_id: str) -> str | None: ...

    def contact_of(self, user_id: str) -> tuple[str | None, str]:
        """(email, display name) of one person, from one lookup."""
        ...

    def channel_name(self, channel_id: str) -> str | None: ...


class UserDirectory(Protocol):
    """Datadog users: the active user id for an email, or None."""

    def active_user_id(self, email: str) -> str | None: ...


class IncidentGateway(Protocol):
    def create(
        self, declaration: Declaration, commander_id: str, handles: tuple[Handle, ...]
    ) -> CreatedIncident: ...

    def find_created(
        self, declaration: Declaration, commander_id: str, since: float
    ) -> CreatedIncident | None: ...

    def link_slack(self, record: DeclarationRecord) -> None: ...


class Announcer(Protocol):
    def post_placeholder(self, record: DeclarationRecord) -> Delivery:
        """The announcement before the incident exists, with the announcement's fallbacks."""
        ...

    def announce(self, record: DeclarationRecord) -> Delivery:
        """The card: the saved placeholder edited in place, or else posted."""
        ...

    def reply_in_thread(self, record: DeclarationRecord) -> str | None: ...

    def permalink(self, record: DeclarationRecord) -> str | None:
        """The announcement's permalink, if it went to a channel or thread and Slack says."""
        ...

    def amend_reply(self, record: DeclarationRecord) -> None:
        """Rewrite the posted thread reply from the record, e.g. with a note added since."""
        ...

    def report_failure(self, record: DeclarationRecord) -> None: ...

    def report_done(self, record: DeclarationRecord) -> None: ...


class DeclarationStore(SyncLeases, Protocol):
    """Durable declarations. `add` and `claim` are atomic, so replicas never double up.

    The same store holds named leases (`SyncLeases`, bot/domain/sync_ports.py).
    """

    def add(self, record: DeclarationRecord) -> bool:
        """Store a new declaration; False when its key already exists."""
        ...

    def get(self, key: str) -> DeclarationRecord | None: ...

    def save(self, record: DeclarationRecord) -> None: ...

    def claim(self, key: str, owner: str, ttl: float) -> bool:
        """Take the processing lease for `ttl` seconds; False if someone else holds it."""
        ...

    def release(self, key: str, owner: str) -> None: ...

    def lease_remaining(self, key: str) -> float:
        """Seconds until the lease on `key` frees; 0 when it is free (or its holder is dead)."""
        ...

    def now(self) -> float:
        """The store's clock (Redis TIME): replicas stamp records with it, not their own."""
        ...

    def pending(self) -> list[DeclarationRecord]:
        """Declarations not done and not failed: resumed at startup."""
        ...

    def find_by_source(self, source_key: str) -> DeclarationRecord | None: ...

    def all(self) -> list[DeclarationRecord]:
        """Every stored declaration, oldest first (transcripts, tests, audits)."""
        ...


class RecordKind(StrEnum):
    """What a stored row holds (metric label values: a closed set)."""

    DECLARATION = "declaration"
    CARD = "card"
    UPDATE = "update"


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
