"""What the sync of changes made outside Slack needs: the incidents it follows, and ports.

The sync set is one `TrackedIncident` per incident the bot announced and that is still open:
where its card is, and the last snapshot the bot saw or wrote (what "changed" is judged
against). Stores keep it beside the declarations, with a named lease so one replica syncs.
"""

from __future__ import annotations

from typing import Protocol

from pydantic import BaseModel, ConfigDict

from bot.domain.incident_changes import ExternalUpdate
from bot.domain.incident_state import IncidentView

SYNC_LEASE = "incident-sync"
"""The named lease one replica holds while it runs the sync."""


class TrackedIncident(BaseModel):
    """An announced incident the sync follows: its card, and what the bot last knew of it."""

    model_config = ConfigDict(frozen=True)

    incident_id: str
    public_id: int
    channel: str
    ts: str
    """The card (the announcement) the sync edits in place; notes go in its thread."""
    snapshot: IncidentView | None = None
    """The incident as last seen or written by the bot; None until first read."""
    commander_dd_id: str | None = None
    commander_slack_id: str | None = None
    """The commander's Slack user while Datadog's commander is `commander_dd_id`."""
    bot_user_id: str | None = None
    """The Datadog user the bot's own PATCHes are made as (their `last_modified_by`)."""

    @property
    def label(self) -> str:
        return f"IR-{self.public_id}"


class SyncStore(Protocol):
    """The sync set and the named lease, in the declarations' store (SQLite or Redis)."""

    def tracked(self) -> list[TrackedIncident]:
        """Every incident in the sync set, oldest first."""
        ...

    def tracked_incident(self, incident_id: str) -> TrackedIncident | None: ...

    def track(self, entry: TrackedIncident) -> None:
        """Add or replace the entry for `entry.incident_id`."""
        ...

    def untrack(self, incident_id: str) -> None: ...

    def claim_lease(self, name: str, owner: str, ttl: float) -> bool:
        """Take or renew the named lease for `ttl` seconds (atomic, as `claim`)."""
        ...

    def release_lease(self, name: str, owner: str) -> None: ...


class IncidentReader(Protocol):
    """Datadog, read: the open incidents (one search) and one incident (one GET)."""

    def open_incidents(self, limit: int) -> list[IncidentView]:
        """Active and stable incidents, newest first, at most `limit`, in one request."""
        ...

    def incident(self, incident_id: str) -> IncidentView: ...


class CardSurface(Protocol):
    """Slack, written: the card edited in place and the note in its thread."""

    def update_card(self, entry: TrackedIncident, incident: IncidentView) -> None: ...

    def post_note(self, entry: TrackedIncident, update: ExternalUpdate) -> None: ...
