"""Ports for running an incident after it is announced: its card, its updates, Datadog.

The store keeps cards and update jobs beside the declarations (same SQLite file or Redis);
`CardPublisher` is the Slack side (the card edited in place, notes in its thread);
`IncidentUpdater` is Datadog's GET and PATCH of one incident.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Protocol

from bot.domain.incident.changes import Change
from bot.domain.incident.state import IncidentChanges, IncidentView
from bot.domain.lifecycle.record import IncidentCard, UpdateJob
from bot.domain.reliability.outcomes import StepFailed


class CardHomeGone(StepFailed):
    """The card's channel is archived and Slack won't bring it back (a reopened incident):
    the card goes on at `channel` (in `thread_ts`, if any), and `reason` is said there."""

    def __init__(self, reason: str, *, channel: str, thread_ts: str | None) -> None:
        super().__init__(reason, retryable=False)
        self.channel = channel
        self.thread_ts = thread_ts


class IncidentStore(Protocol):
    """Cards (by message) and update jobs. `add_*` and `claim_card` are atomic."""

    def add_card(self, card: IncidentCard) -> bool:
        """Store a new card; False when one is already stored for that message."""
        ...

    def get_card(self, key: str) -> IncidentCard | None: ...

    def save_card(self, card: IncidentCard) -> bool:
        """Store `card` as version `card.version + 1` if the stored card is still the version
        it was read at; False, writing nothing, when another writer saved it meanwhile (or it
        is gone): re-read it and judge again, never overwrite."""
        ...

    def open_cards(self) -> list[IncidentCard]:
        """Cards whose incident the bot last saw open (for the sync and /declare list).
        A row that can't be read is skipped (logged once, counted), here and in
        `pending_updates`: one bad row never stops the others."""
        ...

    def closed_cards(self, incident_ids: Collection[str]) -> list[IncidentCard]:
        """The `closed` cards (resolved, not moved) of these incidents: the sync takes back
        one whose incident Datadog lists open again. Bounded by `incident_ids`, never a scan
        of every card ever stored; unreadable rows are skipped."""
        ...

    def add_update(self, job: UpdateJob) -> bool:
        """Store a new job; False when its key already exists (a redelivery)."""
        ...

    def get_update(self, key: str) -> UpdateJob | None: ...

    def save_update(self, job: UpdateJob) -> None: ...

    def pending_updates(self) -> list[UpdateJob]:
        """Jobs neither done nor failed, oldest first: resumed at startup."""
        ...

    def claim_card(self, key: str, owner: str, ttl: float) -> bool:
        """The lease on one card: one job at a time per incident, on any replica."""
        ...

    def release_card(self, key: str, owner: str) -> None: ...

    def now(self) -> float: ...


class CardPublisher(Protocol):
    """The card and its thread in Slack."""

    def update_card(self, card: IncidentCard) -> None:
        """Show `card.shown` on the card's message (chat.update), never a new post; raise
        CardHomeGone when its channel stays archived."""
        ...

    def post_card(self, card: IncidentCard, channel: str, thread_ts: str | None, why: str) -> str:
        """Post the card anew in `channel` (in `thread_ts`), `why` under it; its ts."""
        ...

    def post_note(self, card: IncidentCard, actor_id: str, changes: Sequence[Change]) -> str | None:
        """One thread reply saying who changed what; its ts."""
        ...

    def report_failure(self, job: UpdateJob, card: IncidentCard | None) -> None:
        """Tell the person Datadog's reason, with Retry."""
        ...

    def report_done(self, job: UpdateJob, card: IncidentCard | None) -> None:
        """Tell the person it is done, and what was not sent (`job.overtaken`) and why."""
        ...


class IncidentUpdater(Protocol):
    """Datadog's incident: read it, change only what `changes` sets. Raise StepFailed."""

    def get_incident(self, incident_id: str) -> IncidentView: ...

    def current_incident(self, incident_id: str, *, budget: float) -> IncidentView:
        """Before an ack: one attempt within `budget` seconds (policy.ACK_READ_BUDGET), no
        retries, no 429 waits; ReadTooSlow when Datadog is slow or rate-limiting."""
        ...

    def update_incident(self, incident_id: str, changes: IncidentChanges) -> IncidentView: ...
