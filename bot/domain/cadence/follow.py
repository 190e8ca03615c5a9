"""Keep each incident's cadence in step with its card: started when the card is stored,
re-judged when the card shows a new severity or state, moved on by a status update.

Every write is a compare-and-set on the cadence's version, tried again on a fresh read
when another writer (the scheduler, another replica) saved it meanwhile.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from bot.domain.cadence.policy import ReminderPolicy
from bot.domain.cadence.ports import CadenceStore
from bot.domain.cadence.schedule import Cadence, changed, snoozed, started, stopped, updated
from bot.domain.cadence.scheduler import CadenceObserver, NoCadenceObserver
from bot.domain.cadence.update import StatusUpdate
from bot.domain.lifecycle.ports import IncidentStore
from bot.domain.lifecycle.record import IncidentCard

log = logging.getLogger(__name__)

ATTEMPTS = 5


class Cadences:
    """The cadence rules applied to the stored cadences (one place for every writer)."""

    def __init__(
        self,
        store: CadenceStore,
        policy: ReminderPolicy,
        *,
        stakeholders: bool = False,
        clock: Callable[[], float] = time.time,
        observer: CadenceObserver | None = None,
    ) -> None:
        self.store, self.policy, self.stakeholders, self.clock = store, policy, stakeholders, clock
        self.observer: CadenceObserver = observer or NoCadenceObserver()

    def start(self, card: IncidentCard, *, late: bool = False) -> bool:
        """A new card's cadence (once: a second call for the same card changes nothing).
        `late`: a card from before cadence, first seen changing; no stakeholder message."""
        shown = card.shown
        cadence = started(
            card.key,
            card.incident_id,
            shown.severity,
            shown.state,
            self.policy,
            self.clock(),
            stakeholders=self.stakeholders and not late,
        )
        return self.store.add_cadence(cadence)

    def _change(self, key: str, rule: Callable[[Cadence], Cadence]) -> Cadence | None:
        for _ in range(ATTEMPTS):
            cadence = self.store.get_cadence(key)
            if cadence is None:
                return None
            after = rule(cadence)
            if after == cadence or self.store.save_cadence(after):
                return after
        log.warning("cadence of %s kept changing; left as it was", key)
        return None

    def moved(self, card: IncidentCard, new_key: str) -> None:
        """The card goes on under a new key (its channel stayed archived): its cadence goes
        with it, judged on what the card now shows, and the old one is ended, so one
        reminder goes out per due time (a new cadence for the new key would start beside
        the old one, which still fires)."""
        old = self.store.get_cadence(card.key)
        if old is None:
            return
        self.store.add_cadence(old.model_copy(update={"card_key": new_key, "version": 0}))
        self.follow(card.model_copy(update={"key": new_key}))
        self._change(
            card.key,
            lambda c: c.model_copy(
                update={"due_at": None, "stakeholder_pending": False, "sending": None}
            ),
        )

    def follow(self, card: IncidentCard) -> Cadence | None:
        """The card shows a (maybe) new severity or state: re-schedule if so."""
        now = self.clock()
        shown = card.shown
        if card.open and self.store.get_cadence(card.key) is None:
            self.start(card, late=True)  # declared before reminders existed
        return self._change(
            card.key, lambda c: changed(c, shown.severity, shown.state, self.policy, now)
        )

    def status_posted(self, update: StatusUpdate, severity: str) -> Cadence | None:
        """A status update: the clock starts again from it (before its ack, so no reminder
        goes out while it is being carried out)."""
        return self._change(
            update.card_key,
            lambda c: updated(
                c,
                at=update.at,
                by=update.actor_id,
                severity=severity,
                state=update.state,
                next_in=update.next_in,
                policy=self.policy,
            ),
        )

    def snooze(self, key: str) -> Cadence | None:
        now = self.clock()
        done = self._change(key, lambda c: snoozed(c, self.policy, now))
        if done is not None:
            self.observer.reminders_dismissed("snoozed")
        return done

    def stop(self, key: str, by: str) -> Cadence | None:
        done = self._change(key, lambda c: stopped(c, by))
        if done is not None:
            self.observer.reminders_dismissed("stopped")
        return done


class StartingCadences:
    """The declare runner's card store: storing a new card starts its cadence beside it.

    Everything else is the store's own (delegated)."""

    def __init__(
        self,
        store: IncidentStore,
        cadences: Cadences,
        on_start: Callable[[str], object] | None = None,
    ) -> None:
        self._store, self._cadences, self._on_start = store, cadences, on_start

    def add_card(self, card: IncidentCard) -> bool:
        added = self._store.add_card(card)
        try:
            if self._cadences.start(card) and self._on_start is not None:
                self._on_start(card.key)
        except Exception:  # the declaration stands; no reminders for this one
            log.warning("starting the cadence of %s failed", card.incident_id, exc_info=True)
        return added

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)
