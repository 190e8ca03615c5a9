"""Post each due reminder once, across replicas and restarts.

Every `interval` seconds each replica ticks:

    due = store.due_cadences(now, max_per_tick)        1 indexed read: only what is due
    for each due cadence, under its card's lease (the one updates hold: no reminder while
    an update of the same incident is being carried out):
        read it again; judge it on the card's severity and state (a change made elsewhere)
        stakeholder message pending → post it, save its ts
        not due any more → save the new due time
        `sending` already set for this due time → a restart after the post: saved as sent,
                                                   nothing posted again
        else save `sending` (compare-and-set), post, save it sent (the next due time)

Work per tick grows with the reminders due, never with the incidents open.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from bot.domain.cadence.policy import ReminderPolicy
from bot.domain.cadence.ports import CadenceStore, ReminderNotices
from bot.domain.cadence.schedule import Cadence, changed, reminded, wake_at
from bot.domain.lifecycle.ports import IncidentStore
from bot.domain.lifecycle.record import IncidentCard
from bot.domain.reliability.lease import CardClaims, Lease, LeaseLost
from bot.domain.reliability.outcomes import StepFailed

log = logging.getLogger(__name__)

ATTEMPTS = 5
"""Saves of a posted stakeholder message's ts tried on the latest version."""

MOVES = 5


class CadenceCards(CadenceStore, IncidentStore, Protocol):
    """The store the scheduler reads: cadences and cards (SQLite and Redis both are)."""


@dataclass(frozen=True)
class SchedulePolicy:
    interval: float = 30.0
    """Seconds between ticks (a reminder is at most this late); 0 turns the scheduler off."""
    max_per_tick: int = 100
    card_lease: float = 30.0


@dataclass
class TickReport:
    """What one tick did: the benchmark counts store reads and Slack posts with it."""

    reads: int = 0
    writes: int = 0
    reminders: int = 0
    stakeholder: int = 0
    skipped: int = 0
    """Due for a reminder whose post may already have gone out (`sending` found)."""
    busy: int = 0

    @property
    def slack_calls(self) -> int:
        return self.reminders + self.stakeholder


class CadenceObserver(Protocol):
    """Counts for the metrics (bot/metrics.py implements it)."""

    def reminder_sent(self, kind: str) -> None: ...

    def reminders_dismissed(self, how: str) -> None:
        """`snoozed` or `stopped`."""
        ...

    def status_posted(self) -> None: ...


class NoCadenceObserver:
    def reminder_sent(self, kind: str) -> None:
        return None

    def reminders_dismissed(self, how: str) -> None:
        return None

    def status_posted(self) -> None:
        return None


class ReminderScheduler:
    def __init__(
        self,
        store: CadenceCards,
        notices: ReminderNotices,
        policy: ReminderPolicy,
        *,
        schedule: SchedulePolicy | None = None,
        clock: Callable[[], float] = time.time,
        observer: CadenceObserver | None = None,
        owner: str | None = None,
    ) -> None:
        self.store, self.notices, self.policy = store, notices, policy
        self.schedule = schedule or SchedulePolicy()
        self.clock = clock
        self.observer: CadenceObserver = observer or NoCadenceObserver()
        self.owner = owner or f"cadence/{uuid.uuid4().hex[:12]}"

    def tick(self) -> TickReport:
        report = TickReport()
        now = self.clock()
        due = self.store.due_cadences(now, self.schedule.max_per_tick)
        report.reads += 1
        for cadence in due:
            self._one(cadence.card_key, now, report)
        return report

    def run_one(self, key: str) -> TickReport:
        """One cadence now (a new incident's stakeholder message, without waiting a tick)."""
        report = TickReport()
        self._one(key, self.clock(), report)
        return report

    def _one(self, key: str, now: float, report: TickReport) -> None:
        # one owner per call, as the update runner's: the tick and a dispatched run_one of
        # the same scheduler must not both hold the card (a lease is re-entrant per owner)
        owner = f"{self.owner}/{uuid.uuid4().hex[:8]}"
        lease = Lease(CardClaims(self.store), key, owner, self.schedule.card_lease)
        if not lease.acquire():
            report.busy += 1
            return
        try:
            self._held(key, now, lease, report)
        except LeaseLost:
            log.warning("reminders: lost the card %s mid-tick", key)
        except Exception:  # one incident's failure must not stop the others
            log.warning("reminders: %s failed", key, exc_info=True)
        finally:
            lease.release()

    def _card(self, key: str, report: TickReport) -> IncidentCard | None:
        card = self.store.get_card(key)
        report.reads += 1
        for _ in range(MOVES):
            if card is None or card.moved_to is None:
                break
            card = self.store.get_card(card.moved_to)
            report.reads += 1
        return card

    def _save(self, cadence: Cadence, report: TickReport) -> Cadence | None:
        report.writes += 1
        if not self.store.save_cadence(cadence):
            log.info("reminders: %s changed meanwhile; judged next tick", cadence.card_key)
            return None
        return cadence.model_copy(update={"version": cadence.version + 1})

    def _held(self, key: str, now: float, lease: Lease, report: TickReport) -> None:
        cadence = self.store.get_cadence(key)
        report.reads += 1
        if cadence is None or (wake_at(cadence) or now + 1) > now:
            return
        card = self._card(key, report)
        if card is None:
            self._save(cadence.model_copy(update={"due_at": None}), report)
            return
        judged = changed(cadence, card.shown.severity, card.shown.state, self.policy, now)
        if judged.stakeholder_pending:
            lease.check()
            posted = self._stakeholder(judged, card, report)
            if posted is None:
                return
            judged = posted
        if judged.due_at is None or judged.due_at > now:
            if judged != cadence:
                self._save(judged, report)
            return
        if judged.sending is not None and judged.sending >= judged.due_at:
            # Saved as sending, never as sent: the post may have gone out before a crash.
            log.warning("reminders: %s was being posted when the bot stopped; not again", key)
            report.skipped += 1
            self._save(reminded(judged, self.policy, now), report)
            return
        lease.check()
        sending = self._save(judged.model_copy(update={"sending": judged.due_at}), report)
        if sending is None:
            return
        try:
            self.notices.post_reminder(sending, card)
        except StepFailed as exc:
            if exc.retryable:  # not posted: the next tick tries again
                log.warning("reminders: %s: %s", key, exc.reason)
                self._save(sending.model_copy(update={"sending": None}), report)
                return
            log.info("reminders: %s can't be posted: %s", key, exc.reason)
        else:
            report.reminders += 1
            self.observer.reminder_sent(sending.kind.value)
        lease.check()
        self._save(reminded(sending, self.policy, now), report)

    def _stakeholder(
        self, cadence: Cadence, card: IncidentCard, report: TickReport
    ) -> Cadence | None:
        """Post the incident's stakeholder message; saved with its ts (or as not needed)."""
        try:
            ts = self.notices.post_stakeholder(cadence, card)
        except StepFailed as exc:
            if exc.retryable:
                log.warning("stakeholder message of %s: %s", card.incident_id, exc.reason)
                return None
            ts = None
        report.stakeholder += ts is not None
        posted = {"stakeholder_pending": False, "stakeholder_ts": ts}
        saved = self._save(cadence.model_copy(update=posted), report)
        if saved is not None:
            return saved
        # Saved meanwhile by another writer (a status update, a snooze: they don't hold the
        # lease): the ts is put on the latest version, else the next tick would post again.
        for _ in range(ATTEMPTS):
            latest = self.store.get_cadence(cadence.card_key)
            report.reads += 1
            if latest is None or not latest.stakeholder_pending:
                return None
            if self._save(latest.model_copy(update=posted), report) is not None:
                return None  # the rest is judged next tick, on the latest version
        log.warning("stakeholder message of %s: its ts not saved", card.incident_id)
        return None

    def watch(self, stop: threading.Event) -> None:
        interval = self.schedule.interval
        if interval <= 0 or not self.policy.on:
            return
        while not stop.wait(interval):
            try:
                report = self.tick()
                if report.reminders or report.skipped:
                    log.info(
                        "reminders: %d posted, %d not posted again, %d busy (%d store reads, "
                        "%d writes)",
                        report.reminders,
                        report.skipped,
                        report.busy,
                        report.reads,
                        report.writes,
                    )
            except Exception:  # the store down: next interval
                log.warning("reminder tick failed", exc_info=True)
