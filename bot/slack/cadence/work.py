"""A status update carried out by the one chore runner (kind `status.update`).

    send  the update in the card's thread (broadcast to the incident channel when it has
          its own): the one write, its ts kept
    tell  the journal entry, the card's status line ("Last update … · next due …"), and
          the reply under the stakeholder message

The runner holds the card's lease throughout, so the card is saved over the version read.
Slack can't be searched for a post (no history scope), so `find` has nothing to look in:
a crash between the post and saving `sent` posts the update once more (docs/cadence.md).
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

from slack_sdk import WebClient

from bot.domain.cadence.ports import CadenceStore
from bot.domain.cadence.update import StatusUpdate
from bot.domain.incident.journal import EntryKind, Journal, JournalEntry
from bot.domain.lifecycle.card import followed_card
from bot.domain.lifecycle.chores import Chore
from bot.domain.lifecycle.journaling import keep
from bot.domain.lifecycle.ports import CardPublisher, IncidentStore
from bot.domain.lifecycle.record import IncidentCard
from bot.domain.reliability.outcomes import StepFailed
from bot.slack.cadence.notices import SlackCadence
from bot.slack.lifecycle.chore_retry import tell_chore_failure

log = logging.getLogger(__name__)

KIND = "status.update"
SAVE_ATTEMPTS = 3


class StatusCards(IncidentStore, CadenceStore, Journal, Protocol):
    """The store, as the status update reads it."""


class StatusUpdateWork:
    kind = KIND

    def __init__(
        self,
        slack: SlackCadence,
        client: WebClient,
        store: StatusCards,
        publisher: CardPublisher,
        *,
        on_posted: Any = None,
    ) -> None:
        self.slack, self.client, self.store, self.publisher = slack, client, store, publisher
        self.on_posted = on_posted
        """Called once per update told (the metrics count it); None: nothing."""

    @staticmethod
    def update_of(chore: Chore) -> StatusUpdate:
        return StatusUpdate.model_validate(chore.params)

    def find(self, chore: Chore, card: IncidentCard) -> dict[str, Any] | None:
        return None  # nothing to look in (see the module docstring)

    def send(self, chore: Chore, card: IncidentCard) -> dict[str, Any]:
        update = self.update_of(chore)
        view = card.shown.model_copy(
            update={"state": update.state, "severity": update.severity or card.shown.severity}
        )
        ts = self.slack.post_status(update, card.model_copy(update={"shown": view}))
        return {"ts": ts}

    def tell(self, chore: Chore, card: IncidentCard) -> dict[str, Any]:
        update = self.update_of(chore)
        keep(
            self.store,
            JournalEntry(
                key=f"status:{chore.key}",
                incident_id=chore.incident_id,
                at=update.at,
                kind=EntryKind.STATUS_UPDATE,
                actor_id=update.actor_id,
                text=update.text,
                data={
                    "state": update.state,
                    **({"severity": update.severity} if update.severity else {}),
                    "ts": str(chore.result.get("ts", "")),
                },
            ),
        )
        self._status_line(chore, update)
        cadence = self.store.get_cadence(chore.card_key)
        if cadence is not None and cadence.stakeholder_ts:
            current = followed_card(self.store, chore.card_key) or card
            self.slack.stakeholder_status(cadence.stakeholder_ts, update, current)
        if self.on_posted is not None:
            self.on_posted()
        return {"status_line": True}

    def _status_line(self, chore: Chore, update: StatusUpdate) -> None:
        """The card shows when the last update was and when the next is due."""
        for _ in range(SAVE_ATTEMPTS):
            card = followed_card(self.store, chore.card_key)
            if card is None:
                return
            if card.status_at is not None and card.status_at > update.at:
                return  # a later update already shows
            shown = card.model_copy(update={"status_at": update.at, "status_due": update.next_due})
            try:
                self.publisher.update_card(shown)
            except StepFailed as exc:
                log.warning("status update %s: the card's line: %s", chore.key, exc.reason)
            if self.store.save_card(shown):
                return
        log.warning("status update %s: the card kept changing; its line not saved", chore.key)

    def report_failure(self, chore: Chore, card: IncidentCard | None) -> None:
        tell_chore_failure(self.client, chore, card, "post the status update")
