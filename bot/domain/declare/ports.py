"""What the domain needs from the outside world; Slack and Datadog adapters implement it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.domain.declare.record import DeclarationRecord, Delivered
from bot.domain.incident.declaration import Declaration, Handle
from bot.domain.reliability.lease import SyncLeases


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

    The same store holds named leases (`SyncLeases`, bot/domain/sync/ports.py).
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
