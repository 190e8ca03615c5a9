"""What cadence needs from the store (SQLite and Redis) and from Slack.

The store keeps one `Cadence` per card, indexed by when it next wakes (`wake_at`): a
SQLite index, a Redis sorted set. The scheduler asks only for what is due.
"""

from __future__ import annotations

from typing import Protocol

from bot.domain.cadence.schedule import Cadence
from bot.domain.lifecycle.record import IncidentCard


class CadenceStore(Protocol):
    def add_cadence(self, cadence: Cadence) -> bool:
        """Store a new cadence; False when the card already has one."""
        ...

    def get_cadence(self, card_key: str) -> Cadence | None: ...

    def save_cadence(self, cadence: Cadence) -> bool:
        """Store `cadence` as version + 1 if the stored one is still at `cadence.version`
        (compare-and-set), and index its wake time; False, writing nothing, otherwise."""
        ...

    def due_cadences(self, now: float, limit: int) -> list[Cadence]:
        """Cadences whose wake time is at or before `now`, earliest first, at most `limit`:
        one indexed read, whatever the number of open incidents."""
        ...

    def overdue_count(self) -> int:
        """Incidents reminded and not updated since (indexed; the metrics' gauge)."""
        ...


class ReminderNotices(Protocol):
    """Slack: the reminder where the incident is run, and the stakeholder channel's message."""

    def post_reminder(self, cadence: Cadence, card: IncidentCard) -> None:
        """Raise StepFailed when Slack refuses (retryable or not)."""
        ...

    def post_stakeholder(self, cadence: Cadence, card: IncidentCard) -> str | None:
        """The incident's one message in the stakeholder channel; its ts (None: not posted,
        e.g. a private incident or no channel set)."""
        ...
