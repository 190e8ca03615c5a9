"""Keep cards current with changes made outside Slack (Datadog's UI, its API, other tools).

Every `interval` seconds one replica (the holder of the store's named sync lease) ticks:

    cards = store.open_cards()
    open  = the search for open incidents      1 call per 100 open, at most search_limit/100
    cards += store.closed_cards(open ids without an open card)   reopened in Datadog?
    due   = cards whose `modified` moved, or whose incident is not in the open set
            (resolved? deleted? beyond search_limit?), or resolved cards whose incident is
            open again; those longest unread first
    for each due card, at most `max_gets`, under the card's lease:   1 GET each
        changed  → card updated (chat.update) and one thread note naming who (Datadog's
                   `last_modified_by`)
        resolved → that final update, then it leaves the open cards
        reopened → the card open again (its channel brought back, or the card posted anew
                   where it was declared, as a reopen from Slack), and one note

A card's `shown` is what the bot last published, so it is what "changed" is judged against.
An update from Slack holds the card's lease from its card edit and PATCH (sent side by side)
until it saved the new `shown`, and cards with an unfinished update job are skipped (looked
up again once the card is held): the bot's own change is never noted a second time as if
made in Datadog, nor its card edit undone while the PATCH is in flight.

The sync holds a card with the same renewed `Lease` as the update runner, checks it before
each write, and saves the card only over the version it read (compare-and-set), before its
note: a slow tick (429s waited out) that lost the card to an update from Slack re-reads it,
puts the newer card back on the message, and posts no note.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.domain.incident.changes import ChangeKind, ExternalUpdate, external_update
from bot.domain.incident.org import OrgField
from bot.domain.incident.responders import Responder
from bot.domain.incident.state import IncidentView
from bot.domain.lifecycle.card import publish_card, same_card
from bot.domain.lifecycle.ports import CardPublisher, IncidentStore
from bot.domain.lifecycle.record import IncidentCard
from bot.domain.reliability.lease import CardClaims, Lease, LeaseLost, SyncLeases
from bot.domain.reliability.outcomes import StepFailed
from bot.domain.responders.ports import ResponderDirectory
from bot.domain.responders.roster import changed, known_as, roster
from bot.domain.sync.ports import SYNC_LEASE, ExternalNotes, IncidentReader, ResponderNotes

log = logging.getLogger(__name__)


class IncidentGone(Exception):
    """Datadog no longer has the incident (404): stop following it."""


@dataclass(frozen=True)
class SyncPolicy:
    """How often and how much; `interval` 0 turns the sync off."""

    interval: float = 60.0
    max_gets: int = 50
    """GETs per tick at most; the rest wait for the next tick."""
    search_limit: int = 1000
    """Open incidents read by the search, in pages of 100 (10 requests at most); a card
    beyond it is still followed, by its own GET."""
    card_lease: float = 30.0
    """Seconds a card's lease lasts unless renewed (renewed every third of it while held)."""

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
    busy: int = 0
    """Cards skipped because an update from Slack held them."""

    @property
    def datadog_calls(self) -> int:
        return self.searches + self.gets


class IncidentSync:
    """One replica at a time follows the announced incidents (see the module docstring)."""

    def __init__(
        self,
        store: IncidentStore,
        leases: SyncLeases,
        reader: IncidentReader,
        publisher: CardPublisher,
        notes: ExternalNotes,
        *,
        policy: SyncPolicy | None = None,
        org_fields: Callable[[], Sequence[OrgField]] = tuple,
        owner: str | None = None,
        responders: ResponderDirectory | None = None,
        responder_notes: ResponderNotes | None = None,
        followers: Sequence[Callable[[Sequence[IncidentCard]], object]] = (),
    ) -> None:
        self.responders, self.responder_notes = responders, responder_notes
        self.store, self.leases, self.reader = store, leases, reader
        self.publisher, self.notes = publisher, notes
        self.policy = policy or SyncPolicy()
        self.org_fields = org_fields
        self.owner = owner or f"sync/{uuid.uuid4().hex[:12]}"
        self.followers = followers
        """Each round, after the cards: more of each open incident to follow (its to-dos)."""

    def _hold(self) -> bool:
        return self.leases.claim_lease(SYNC_LEASE, self.owner, self.policy.lease_ttl)

    def tick(self) -> SyncReport | None:
        """One round; None when another replica holds the sync lease."""
        if not self._hold():
            return None
        report = SyncReport()
        cards = self.store.open_cards()
        # The search runs even with no card open: a resolved card is taken back only when
        # its incident is listed open again (reopened in Datadog).
        listed = self.reader.open_incidents(self.policy.search_limit)
        report.searches += listed.requests
        found = {v.incident_id: v for v in listed.views}
        followed = {c.incident_id for c in cards}
        if unfollowed := found.keys() - followed:
            cards += self.store.closed_cards(unfollowed)
        updating = {job.card_key for job in self.store.pending_updates()}
        due = [c for c in cards if _due(c, found.get(c.incident_id))]
        # Known changes first, then those missing from the search (resolved, deleted, not
        # indexed yet, or beyond search_limit), the longest unread first: none starves.
        due.sort(key=lambda c: (c.incident_id not in found, c.updated_at))
        for card in due[: self.policy.max_gets]:
            if not self._hold():  # a slow tick lost the lease: the other replica goes on
                log.warning("incident sync: lost the lease mid-tick")
                break
            if card.key in updating:
                report.busy += 1
                continue
            lease = Lease(CardClaims(self.store), card.key, self.owner, self.policy.card_lease)
            if not lease.acquire():
                report.busy += 1
                continue
            try:
                self._held(card.key, found, lease, report)
            except LeaseLost:
                log.warning(
                    "incident sync: lost the card %s mid-sync; left to its holder", card.key
                )
            finally:
                lease.release()
        for follow in self.followers:
            try:
                follow([c for c in cards if c.open])
            except Exception:  # one follower's failure must not stop the sync
                log.warning("incident sync: a follower failed", exc_info=True)
        return report

    def _held(
        self, key: str, found: dict[str, IncidentView], lease: Lease, report: SyncReport
    ) -> None:
        """One card under its lease, judged on what is stored now, not as the tick began."""
        if any(job.card_key == key for job in self.store.pending_updates()):
            report.busy += 1  # an update from Slack arrived since the tick began
            return
        card = self.store.get_card(key)
        if card is not None and _due(card, found.get(card.incident_id)):
            self._sync(card, report, lease)

    def _sync(self, card: IncidentCard, report: SyncReport, lease: Lease) -> None:
        report.gets += 1
        try:
            fetched = self.reader.incident(card.incident_id)
        except IncidentGone:
            log.info("%s is gone from Datadog: its card is no longer followed", card.shown.label)
            lease.check()
            if self.store.save_card(card.model_copy(update={"shown": _closed(card.shown)})):
                report.left += 1
            return
        except Exception:  # one incident's failure must not stop the others
            log.warning("incident sync: reading %s failed", card.shown.label, exc_info=True)
            return
        self._follow(card, fetched, report, lease)

    def _follow(
        self, card: IncidentCard, fetched: IncidentView, report: SyncReport, lease: Lease
    ) -> None:
        update = external_update(card.shown, fetched, self.org_fields())
        if card.shown.modified is None:
            update = _first_read(update)
        commander = card.commander_slack_id
        if fetched.commander_id != card.shown.commander_id:
            commander = None  # someone else commands now: the card shows Datadog's name
        current = card.model_copy(
            update={
                "shown": fetched,
                "commander_slack_id": commander,
                "updated_at": self.store.now(),
            }
        )
        staffed = self._staffed(card, fetched, report)
        if staffed is not None:
            current = current.model_copy(update={"responders": staffed.responders})
        # the card is edited for a change people see (not for the commander's own responder)
        edited = update is not None or (staffed is not None and staffed.seen)
        if edited:
            try:
                lease.check()
                current = publish_card(self.store, self.publisher, current)  # moved, maybe
                report.cards += 1
            except StepFailed as exc:
                if exc.retryable:  # Slack hiccup: `shown` stays, the next tick tries again
                    log.warning("incident sync: %s: %s", card.shown.label, exc.reason)
                    return
                log.info("the card of %s can't be edited: %s", card.shown.label, exc.reason)
                update = staffed = None  # no note under a card that stays as it was
                edited = False
            except Exception:  # as a retryable failure
                log.warning("incident sync: %s failed", card.shown.label, exc_info=True)
                return
        lease.check()
        if not self.store.save_card(current):
            self._lost(card, current, edited=edited)
            return
        if not current.open:
            report.left += 1
        if update is not None:
            lease.check()
            self._note(card, current, update, report)
        if staffed is not None and self.responder_notes is not None:
            lease.check()
            self._staff_note(current, staffed, report)

    def _staffed(
        self, card: IncidentCard, fetched: IncidentView, report: SyncReport
    ) -> _Staffed | None:
        """The responders Datadog lists now, when they differ from the card's: one GET, only
        for a card already due (adding or removing one moves the incident's `modified`)
        whose incident names other responder ids than the card lists; None when unchanged
        or unreadable (the next change reads them again)."""
        if self.responders is None or not card.open:
            return None
        if set(fetched.responder_ids) == {r.responder_id for r in card.responders}:
            return None  # the same people Datadog listed when the card was last staffed
        try:
            report.gets += 1
            fresh = known_as(self.responders.responders(card.incident_id), card.responders)
        except Exception:  # noqa: BLE001 - the card keeps its list; the fields still sync
            log.warning("incident sync: reading the responders of %s failed", card.shown.label)
            return None
        commander = fetched.commander_id
        added, removed = changed(roster(card.responders, commander), roster(fresh, commander))
        if fresh == card.responders:
            return None
        return _Staffed(fresh, added, removed)

    def _staff_note(self, current: IncidentCard, staffed: _Staffed, report: SyncReport) -> None:
        """Who changed them where Datadog says: who added a responder (its `created_by`);
        a removal names no one (the responder is gone, and the incident's last modifier
        need not be who removed them). A failed note is logged (the card is right already)."""
        if not (staffed.added or staffed.removed):
            return
        by = next((r.created_by_name for r in staffed.added if r.created_by_name), None)
        assert self.responder_notes is not None
        try:
            self.responder_notes.post_responders_note(current, staffed.added, staffed.removed, by)
            report.notes += 1
        except Exception:  # noqa: BLE001 - one note lost; the card lists them
            log.warning("incident sync: the responders note on %s failed", current.shown.label)

    def _note(
        self, card: IncidentCard, current: IncidentCard, update: ExternalUpdate, report: SyncReport
    ) -> None:
        """The note, after the card is saved; a Slack hiccup puts the saved card back as it
        was, so the next tick edits the card and posts the note again (never none)."""
        try:
            self.notes.post_external_note(current, update)
            report.notes += 1
            return
        except StepFailed as exc:
            if not exc.retryable:
                log.info("the note on %s can't be posted: %s", card.shown.label, exc.reason)
                return
            log.warning("incident sync: %s: %s", card.shown.label, exc.reason)
        except Exception:  # as a retryable failure
            log.warning("incident sync: the note on %s failed", card.shown.label, exc_info=True)
        if current.key != card.key:  # moved: the new card keeps what it shows
            return
        if not self.store.save_card(card.model_copy(update={"version": current.version + 1})):
            log.info("incident sync: %s changed meanwhile; not put back", card.shown.label)

    def _lost(self, card: IncidentCard, current: IncidentCard, *, edited: bool) -> None:
        """Another writer saved the card since it was read: its card stands (put back on
        the message if this sync edited it), and no note is posted."""
        log.info("incident sync: %s was saved meanwhile; no note", card.shown.label)
        stored = self.store.get_card(card.key)
        if not edited or stored is None or same_card(stored, current):
            return
        try:
            self.publisher.update_card(stored)
        except Exception:  # noqa: BLE001 - the next change edits it again
            log.warning("incident sync: putting back the card of %s failed", card.shown.label)

    def watch(self, stop: threading.Event) -> None:
        """Tick every interval until `stop` (the worker runs this like the runner's watch)."""
        interval = self.policy.interval
        if interval <= 0:
            return
        while not stop.wait(interval):
            try:
                report = self.tick()
                if report is not None and (report.notes or report.left or report.busy):
                    log.info(
                        "incident sync: %d cards, %d notes, %d left the open set, %d busy",
                        report.cards,
                        report.notes,
                        report.left,
                        report.busy,
                    )
            except Exception:  # Datadog or the store down: try next interval
                log.warning("incident sync tick failed", exc_info=True)
        try:
            self.leases.release_lease(SYNC_LEASE, self.owner)
        except Exception:  # it expires on its own
            log.warning("releasing the sync lease failed", exc_info=True)


@dataclass(frozen=True)
class _Staffed:
    """The responders Datadog lists now, and who came and went (besides the commander)."""

    responders: tuple[Responder, ...]
    added: tuple[Responder, ...]
    removed: tuple[Responder, ...]

    @property
    def seen(self) -> bool:
        return bool(self.added or self.removed)


def _due(card: IncidentCard, hit: IncidentView | None) -> bool:
    """Followed now: an open card whose incident moved, or a resolved card (not one moved
    elsewhere: the card it moved to is the current one) listed open again in Datadog."""
    if card.closed:
        return hit is not None
    return card.open and _moved(card, hit)


def _moved(card: IncidentCard, hit: IncidentView | None) -> bool:
    """Worth a GET: never read from Datadog, left the open set, or `modified` moved."""
    shown = card.shown
    if shown.modified is None or hit is None:
        return True
    return hit.modified is None or hit.modified != shown.modified


def _first_read(update: ExternalUpdate | None) -> ExternalUpdate | None:
    """The first read compares with the card as declared, which lists only the fields asked
    in the form: fields Datadog filled in itself (defaults, the slug) are not changes."""
    if update is None:
        return None
    kept = tuple(c for c in update.changes if not (c.kind is ChangeKind.FIELD and not c.before))
    return ExternalUpdate(changes=kept, by=update.by) if kept else None


def _closed(view: IncidentView) -> IncidentView:
    """A deleted incident's last known view, marked over so it leaves the open cards."""
    return view.model_copy(update={"state": "completed"})
