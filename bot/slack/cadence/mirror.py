"""The card publisher, plus what cadence follows when the card changes.

Wraps the publisher the update runner and the sync use (built in bot/services.py): every
card edit re-judges the incident's cadence (a new severity re-schedules its reminders, a
resolve ends them) and edits its stakeholder message in place; every thread note about a
severity, state or commander change is also replied under the stakeholder message. All of
that is best effort: the card and its note are what count.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Protocol

from bot.domain.cadence.follow import Cadences
from bot.domain.cadence.ports import CadenceStore
from bot.domain.incident.changes import Change, ChangeKind, ExternalUpdate
from bot.domain.lifecycle.ports import CardPublisher
from bot.domain.lifecycle.record import IncidentCard, UpdateJob, card_key
from bot.domain.sync.ports import ExternalNotes
from bot.slack.cadence.notices import SlackCadence
from bot.slack.common.mrkdwn import safe
from bot.slack.incident.card import datadog_actor, mention

log = logging.getLogger(__name__)

FOLLOWED = frozenset(
    {
        ChangeKind.SEVERITY,
        ChangeKind.STATE,
        ChangeKind.RESOLVED,
        ChangeKind.REOPENED,
        ChangeKind.COMMANDER,
    }
)
"""Changes the stakeholder channel hears of."""


class Publisher(CardPublisher, ExternalNotes, Protocol):
    """What the runner and the sync publish through (the channel-following publisher)."""


class CadenceFollowingPublisher:
    def __init__(
        self, inner: Publisher, cadences: Cadences, store: CadenceStore, slack: SlackCadence
    ) -> None:
        self.inner, self.cadences, self.store, self.slack = inner, cadences, store, slack

    def _stakeholder_ts(self, card: IncidentCard) -> str | None:
        if not self.slack.updates_channel:
            return None
        try:
            cadence = self.store.get_cadence(card.key)
        except Exception:  # best effort
            log.warning("cadence of %s unreadable", card.key, exc_info=True)
            return None
        return cadence.stakeholder_ts if cadence else None

    def update_card(self, card: IncidentCard) -> None:
        self.inner.update_card(card)
        try:
            self.cadences.follow(card)
        except Exception:  # best effort: the next change judges it again
            log.warning("re-judging the cadence of %s failed", card.key, exc_info=True)
        ts = self._stakeholder_ts(card)
        if ts:
            self.slack.edit_stakeholder(ts, card)

    def post_card(self, card: IncidentCard, channel: str, thread_ts: str | None, why: str) -> str:
        """The card posted anew (publish_card: its channel stayed archived): the cadence
        goes on under the new card's key."""
        ts = self.inner.post_card(card, channel, thread_ts, why)
        try:
            self.cadences.moved(card, card_key(channel, ts))
        except Exception:  # best effort: the scheduler still finds the old one (moved_to)
            log.warning("moving the cadence of %s failed", card.key, exc_info=True)
        return ts

    def post_note(self, card: IncidentCard, actor_id: str, changes: Sequence[Change]) -> str | None:
        ts = self.inner.post_note(card, actor_id, changes)
        self._mirror(card, mention(actor_id), changes)
        return ts

    def post_external_note(self, card: IncidentCard, update: ExternalUpdate) -> None:
        self.inner.post_external_note(card, update)
        self._mirror(card, safe(datadog_actor(update.by), 300), update.changes)

    def _mirror(self, card: IncidentCard, who: str, changes: Sequence[Change]) -> None:
        lines = [c.text for c in changes if c.kind in FOLLOWED]
        ts = self._stakeholder_ts(card) if lines else None
        if ts:
            self.slack.stakeholder_changes(ts, card, who, lines)

    def report_failure(self, job: UpdateJob, card: IncidentCard | None) -> None:
        self.inner.report_failure(job, card)

    def report_done(self, job: UpdateJob, card: IncidentCard | None) -> None:
        self.inner.report_done(job, card)
