"""Keep cards current with changes made outside Slack (Datadog's UI, its API, other tools).

Every `interval` seconds one replica (the holder of the store's named lease) does a tick:

    tracked = store.tracked()                  no Datadog call when nothing is followed
    open    = one search for open incidents    1 call
    due     = tracked whose `modified` moved, or that left the open set (resolved?)
    for each due, at most `max_gets`:          1 GET each
        changed → card updated (chat.update), one thread note naming who (Datadog's
                  `last_modified_by`), unless the bot's own PATCH made it
        resolved → final card update, then it leaves the sync set

The snapshot stored per incident is what the bot last saw or wrote, so a change the bot
made from Slack (recorded with `remember`) is not noted a second time as an external one.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.domain.incident_changes import external_update
from bot.domain.incident_state import IncidentView
from bot.domain.org import OrgField
from bot.domain.record import DeclarationRecord
from bot.domain.sync_ports import (
    SYNC_LEASE,
    CardSurface,
    IncidentReader,
    SyncStore,
    TrackedIncident,
)

log = logging.getLogger(__name__)


class IncidentGone(Exception):
    """Datadog no longer has the incident (404): stop following it."""


class CardGone(Exception):
    """The card can't be edited any more (deleted, channel archived, edit window closed)."""


@dataclass(frozen=True)
class SyncPolicy:
    """How often and how much; `interval` 0 turns the sync off."""

    interval: float = 60.0
    max_gets: int = 50
    """GETs per tick at most (Datadog's incident API allows far more per minute)."""
    search_limit: int = 100
    """Open incidents read by the one search (one page)."""

    @property
    def lease_ttl(self) -> float:
        """Outlives one interval and a slow tick, so the holder keeps it from tick to tick."""
        return 2 * self.interval + 10.0


@dataclass
class SyncReport:
    """What one tick did (tests and the benchmark count Datadog calls with it)."""

    searches: int = 0
    gets: int = 0
    cards: int = 0
    notes: int = 0
    left: int = 0

    @property
    def datadog_calls(self) -> int:
        return self.searches + self.gets


def remember(
    store: SyncStore, incident: IncidentView, *, bot_user_id: str | None = None
) -> TrackedIncident | None:
    """Record the incident as the bot itself wrote it (after its own PATCH from Slack).

    The next tick then judges changes against this, so it won't echo the bot's change;
    `bot_user_id` (the PATCH answer's `last_modified_by`) marks the bot's own edits should
    a tick read the incident before this is recorded. A resolved incident leaves the set.
    """
    entry = store.tracked_incident(incident.incident_id)
    if entry is None:
        return None
    if incident.resolved:
        store.untrack(incident.incident_id)
        return None
    updated = _seen(entry, incident)
    if bot_user_id:
        updated = updated.model_copy(update={"bot_user_id": bot_user_id})
    store.track(updated)
    return updated


def tracked_from(record: DeclarationRecord) -> TrackedIncident | None:
    """The sync set's entry for a declaration announced in a channel or thread, else None."""
    if not (record.finished and record.delivered and record.delivered.posted):
        return None
    if record.incident_id is None or record.public_id is None:
        return None
    if record.announce_channel is None or record.announce_ts is None:
        return None
    return TrackedIncident(
        incident_id=record.incident_id,
        public_id=record.public_id,
        channel=record.announce_channel,
        ts=record.announce_ts,
        commander_dd_id=record.commander_dd_id,
        commander_slack_id=record.declaration.commander_id,
    )


def _seen(entry: TrackedIncident, incident: IncidentView) -> TrackedIncident:
    """The entry with a new snapshot; the commander's Slack id only while they stay."""
    update: dict[str, object] = {"snapshot": incident}
    if incident.commander_id != entry.commander_dd_id:
        update["commander_dd_id"] = incident.commander_id
        update["commander_slack_id"] = None
    return entry.model_copy(update=update)


class IncidentSync:
    """One replica at a time follows the announced incidents (see the module docstring)."""

    def __init__(
        self,
        store: SyncStore,
        reader: IncidentReader,
        surface: CardSurface,
        *,
        policy: SyncPolicy | None = None,
        org_fields: Callable[[], Sequence[OrgField]] = tuple,
        owner: str | None = None,
    ) -> None:
        self.store, self.reader, self.surface = store, reader, surface
        self.policy = policy or SyncPolicy()
        self.org_fields = org_fields
        self.owner = owner or f"sync/{uuid.uuid4().hex[:12]}"

    def _hold(self) -> bool:
        return self.store.claim_lease(SYNC_LEASE, self.owner, self.policy.lease_ttl)

    def tick(self) -> SyncReport | None:
        """One round; None when another replica holds the sync lease."""
        if not self._hold():
            return None
        report = SyncReport()
        entries = self.store.tracked()
        if not entries:
            return report
        report.searches += 1
        found = {v.incident_id: v for v in self.reader.open_incidents(self.policy.search_limit)}
        due = [e for e in entries if _moved(e, found.get(e.incident_id))]
        # Moved ones first (known changes), then those missing from the search (resolved?).
        due.sort(key=lambda e: e.incident_id not in found)
        for entry in due[: self.policy.max_gets]:
            if not self._hold():  # a slow tick lost the lease: the other replica goes on
                log.warning("incident sync: lost the lease mid-tick")
                break
            report.gets += 1
            try:
                fetched = self.reader.incident(entry.incident_id)
            except IncidentGone:
                log.info("incident %s is gone from Datadog: no longer followed", entry.label)
                self.store.untrack(entry.incident_id)
                report.left += 1
                continue
            except Exception:  # noqa: BLE001 - one incident's failure must not stop the others
                log.warning("incident sync: reading %s failed", entry.label, exc_info=True)
                continue
            self._follow(entry, fetched, report)
        return report

    def _follow(self, entry: TrackedIncident, fetched: IncidentView, report: SyncReport) -> None:
        before = entry.snapshot
        update = None if before is None else external_update(before, fetched, self.org_fields())
        try:
            if before is None or update is not None:
                self.surface.update_card(entry, fetched)
                report.cards += 1
            if update is not None and not _own(entry, fetched):
                self.surface.post_note(entry, update)
                report.notes += 1
        except CardGone:
            log.info("the card of %s can't be edited any more: no longer followed", entry.label)
            self.store.untrack(entry.incident_id)
            report.left += 1
            return
        except Exception:  # noqa: BLE001 - Slack down: the snapshot stays, the next tick retries
            log.warning("incident sync: updating the card of %s failed", entry.label, exc_info=True)
            return
        if fetched.resolved:
            self.store.untrack(entry.incident_id)
            report.left += 1
            return
        self.store.track(_seen(entry, fetched))

    def watch(self, stop: threading.Event) -> None:
        """Tick every interval until `stop` (the worker runs this like the runner's watch)."""
        interval = self.policy.interval
        if interval <= 0:
            return
        while not stop.wait(interval):
            try:
                report = self.tick()
                if report is not None and (report.notes or report.left):
                    log.info(
                        "incident sync: %d cards, %d notes, %d left the sync set",
                        report.cards,
                        report.notes,
                        report.left,
                    )
            except Exception:  # noqa: BLE001 - Datadog or the store down: try next interval
                log.warning("incident sync tick failed", exc_info=True)
        try:
            self.store.release_lease(SYNC_LEASE, self.owner)
        except Exception:  # noqa: BLE001 - it expires on its own
            log.warning("releasing the sync lease failed", exc_info=True)


def _moved(entry: TrackedIncident, hit: IncidentView | None) -> bool:
    """Worth a GET: never read, left the open set, or `modified` moved since the snapshot."""
    if entry.snapshot is None or hit is None:
        return True
    return hit.modified is None or hit.modified != entry.snapshot.modified


def _own(entry: TrackedIncident, fetched: IncidentView) -> bool:
    """The last change was the bot's own PATCH (already noted by the update from Slack)."""
    by = fetched.last_modified_by
    return entry.bot_user_id is not None and by is not None and by.datadog_id == entry.bot_user_id
