"""What the sync of changes made outside Slack needs besides the cards (lifecycle/ports.py).

The sync set is the store's open cards: each card's `shown` is the last snapshot the bot
published, what "changed" is judged against. A named lease in the same store lets one
replica sync at a time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.domain.incident.changes import ExternalUpdate
from bot.domain.incident.responders import Responder
from bot.domain.incident.state import IncidentView
from bot.domain.lifecycle.record import IncidentCard

SYNC_LEASE = "incident-sync"
"""The named lease one replica holds while it runs the sync."""


class IncidentReadFailed(Exception):
    """Datadog could not be read; `reason` is for people (Datadog's own words)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class OpenIncidents:
    """The open incidents a search found, and how many search requests (pages) it took."""

    views: tuple[IncidentView, ...]
    requests: int


class IncidentReader(Protocol):
    """Datadog, read: the open incidents (a paged search) and one incident (one GET).

    Failures raise IncidentReadFailed (IncidentGone, follow.py, for a deleted incident).
    """

    def open_incidents(self, limit: int) -> OpenIncidents:
        """Active and stable incidents, newest first, at most `limit`, in pages of 100."""
        ...

    def incident(self, incident_id: str) -> IncidentView: ...


class ExternalNotes(Protocol):
    """Slack: the thread note for a change made in Datadog."""

    def post_external_note(self, card: IncidentCard, update: ExternalUpdate) -> None: ...


class ResponderNotes(Protocol):
    """Slack: the thread note for responders changed in Datadog, naming who when it says."""

    def post_responders_note(
        self,
        card: IncidentCard,
        added: tuple[Responder, ...],
        removed: tuple[Responder, ...],
        by: str | None,
    ) -> None: ...
