"""Adding and removing a responder: the two `ChoreWork`s the one ChoreRunner carries out.

Add (`responder.add`): the card already shows the new responder while the POST is in
flight (a `CardEdit` beside it, as updates do), so once Datadog answers only the thread
note is left: two calls of latency, not four (POST, a read back, the card, the note; see
bench/responders.py). A POST that fails puts the card back. A POST whose answer was lost is
looked for (`find`: the incident's responders) before it is sent again. Then the person is
invited to the incident's own channel when it has one (the channel feature's invites and
their per-person refusals, told in the note).

Remove (`responder.remove`): DELETE; Datadog's 404 means it is gone already, which is what
was asked.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from slack_sdk import WebClient

from bot.domain.incident.journal import EntryKind, Journal, JournalEntry
from bot.domain.incident.responders import Responder
from bot.domain.lifecycle.card import CardEdit
from bot.domain.lifecycle.chores import Chore
from bot.domain.lifecycle.journaling import keep
from bot.domain.lifecycle.ports import CardPublisher, IncidentStore
from bot.domain.lifecycle.record import IncidentCard
from bot.domain.reliability.outcomes import StepFailed
from bot.domain.responders.ports import ChannelInviter, ResponderDirectory
from bot.domain.responders.roster import describe, with_added, without
from bot.slack.common.mrkdwn import safe
from bot.slack.incident.card import responder_label
from bot.slack.lifecycle.chore_retry import show_in_modal, tell_chore_failure
from bot.slack.lifecycle.publisher import card_message, post_under_card
from bot.slack.responders.notes import added_note, removed_note

log = logging.getLogger(__name__)

ADD = "responder.add"
REMOVE = "responder.remove"
SAVES = 5
"""Tries to save the card over a concurrent writer (the sync) before giving up."""


def responder_of(chore: Chore) -> Responder:
    """The responder a chore names: what Datadog answered once sent, else what was asked."""
    kept = chore.result.get("responder")
    if isinstance(kept, dict):
        return Responder.model_validate(kept)
    params = chore.params
    return Responder(
        responder_id=str(params.get("responder_id") or f"pending:{chore.key}"),
        datadog_user_id=params.get("datadog_user_id"),
        email=params.get("email"),
        name=str(params.get("name") or ""),
        role_id=params.get("role_id"),
        role_name=params.get("role_name"),
        slack_user_id=params.get("slack_user_id"),
    )


def incident_channel(card: IncidentCard) -> str | None:
    """The incident's own channel: the card lives there, not where it was declared."""
    if card.origin_channel and card.channel != card.origin_channel:
        return card.channel
    return None


class _CardKeeper:
    """Saves a card change over whatever else saved it meanwhile, and edits the message."""

    def __init__(self, store: IncidentStore, publisher: CardPublisher) -> None:
        self.store = store
        self.publisher = publisher

    def keep(self, card: IncidentCard, change: Any) -> IncidentCard:
        """`change(card) -> card` applied to the stored card, compare-and-set."""
        for _ in range(SAVES):
            stored = self.store.get_card(card.key) or card
            updated: IncidentCard = change(stored)
            if updated == stored:
                return stored
            if self.store.save_card(updated):
                return updated.model_copy(update={"version": stored.version + 1})
        raise StepFailed("The card kept changing under declare-bot; Retry.", retryable=True)

    def show(self, card: IncidentCard) -> None:
        self.publisher.update_card(card)


class AddResponder:
    """`responder.add`: params `slack_user_id`, `datadog_user_id`, `email`, `role_id`,
    `role_name` (what the submission resolved)."""

    kind = ADD

    def __init__(
        self,
        client: WebClient,
        directory: ResponderDirectory,
        store: IncidentStore,
        publisher: CardPublisher,
        *,
        journal: Journal | None = None,
        inviter: ChannelInviter | None = None,
    ) -> None:
        self.client = client
        self.directory = directory
        self.cards = _CardKeeper(store, publisher)
        self.journal = journal
        self.inviter = inviter
        self._lock = threading.Lock()
        self._edits: dict[str, CardEdit] = {}

    def find(self, chore: Chore, card: IncidentCard) -> dict[str, Any] | None:
        """The person with the role, whatever the card lists: the sync may have put this
        very add on the card meanwhile (the submit refuses people the card already lists)."""
        wanted = responder_of(chore)
        for responder in self.directory.responders(chore.incident_id):
            if (
                responder.datadog_user_id == wanted.datadog_user_id
                and responder.role_id == wanted.role_id
            ):
                return self._result(chore, responder)
        return None

    def send(self, chore: Chore, card: IncidentCard) -> dict[str, Any]:
        wanted = responder_of(chore)
        with self._lock:
            if chore.key not in self._edits:  # the card shows them while the POST is out
                preview = card.model_copy(
                    update={"responders": with_added(card.responders, wanted)}
                )
                self._edits[chore.key] = CardEdit(self.cards.show, preview)
        added = self.directory.add(
            chore.incident_id, str(wanted.datadog_user_id), wanted.role_id or None
        )
        return self._result(chore, added)

    def _result(self, chore: Chore, responder: Responder) -> dict[str, Any]:
        asked = responder_of(chore)
        filled = responder.model_copy(
            update={
                "slack_user_id": asked.slack_user_id,
                "role_name": responder.role_name
                or (asked.role_name if responder.role_id == asked.role_id else None),
                "name": responder.name or asked.name,
                "email": responder.email or asked.email,
            }
        )
        return {"responder": filled.model_dump(mode="json")}

    def tell(self, chore: Chore, card: IncidentCard) -> dict[str, Any]:
        responder = responder_of(chore)
        pending = f"pending:{chore.key}"

        def listed(stored: IncidentCard) -> IncidentCard:
            kept = without(stored.responders, pending)
            return stored.model_copy(update={"responders": with_added(kept, responder)})

        with self._lock:
            edit = self._edits.pop(chore.key, None)
        updated = self.cards.keep(card, listed)
        shown = (
            edit is not None and edit.shown() and card_message(edit.card) == card_message(updated)
        )
        if not shown:
            self.cards.show(updated)
        notes: tuple[str, ...] = ()
        channel = incident_channel(updated)
        if self.inviter is not None and channel and responder.slack_user_id:
            try:
                notes = self.inviter.invite(channel, (responder.slack_user_id,))
            except Exception as exc:  # noqa: BLE001 - told in the note; the responder stays
                log.info("inviting a responder to %s failed: %s", channel, exc)
                notes = (f"Could not invite them to the channel ({exc}).",)
        note = added_note(chore.actor_id, responder, updated.shown.label, notes)
        _journal(self.journal, chore, responder, EntryKind.RESPONDER_ADDED, "added as a responder")
        told = {"note_ts": post_under_card(self.client, updated, note, "the responder note")}
        show_in_modal(
            self.client,
            chore,
            "Responder added",
            f":white_check_mark: Added {responder_label(responder)} as a responder on "
            f"{safe(updated.shown.label, 100)}.",
        )
        return told

    def report_failure(self, chore: Chore, card: IncidentCard | None) -> None:
        with self._lock:
            edit = self._edits.pop(chore.key, None)
        if edit is not None:
            edit.shown()
        if card is not None and chore.result == {}:  # not in Datadog: the card goes back
            try:
                self.cards.show(card)
            except Exception:  # noqa: BLE001 - the failure is still told
                log.warning("putting the card back after a failed add failed", exc_info=True)
        who = responder_of(chore).label
        tell_chore_failure(
            self.client, chore, card, f"add {who} as a responder", modal_title="Not added"
        )


class RemoveResponder:
    """`responder.remove`: params `responder_id`, and the responder as the card listed them."""

    kind = REMOVE

    def __init__(
        self,
        client: WebClient,
        directory: ResponderDirectory,
        store: IncidentStore,
        publisher: CardPublisher,
        *,
        journal: Journal | None = None,
    ) -> None:
        self.client = client
        self.directory = directory
        self.cards = _CardKeeper(store, publisher)
        self.journal = journal

    def find(self, chore: Chore, card: IncidentCard) -> dict[str, Any] | None:
        listed = {r.responder_id for r in self.directory.responders(chore.incident_id)}
        return None if chore.params.get("responder_id") in listed else {"removed": True}

    def send(self, chore: Chore, card: IncidentCard) -> dict[str, Any]:
        removed = self.directory.remove(chore.incident_id, str(chore.params["responder_id"]))
        return {"removed": True, "already_gone": not removed}

    def tell(self, chore: Chore, card: IncidentCard) -> dict[str, Any]:
        responder = responder_of(chore)
        updated = self.cards.keep(
            card,
            lambda stored: stored.model_copy(
                update={"responders": without(stored.responders, responder.responder_id)}
            ),
        )
        self.cards.show(updated)
        note = removed_note(chore.actor_id, responder, updated.shown.label)
        _journal(
            self.journal,
            chore,
            responder,
            EntryKind.RESPONDER_REMOVED,
            "removed from the responders",
        )
        told = {"note_ts": post_under_card(self.client, updated, note, "the responder note")}
        show_in_modal(
            self.client,
            chore,
            "Responder removed",
            f":white_check_mark: Removed {responder_label(responder)} from the responders on "
            f"{safe(updated.shown.label, 100)}.",
        )
        return told

    def report_failure(self, chore: Chore, card: IncidentCard | None) -> None:
        who = responder_of(chore).label
        tell_chore_failure(self.client, chore, card, f"remove {who}", modal_title="Not removed")


def _journal(
    journal: Journal | None, chore: Chore, responder: Responder, kind: EntryKind, did: str
) -> None:
    """Kept before the thread note: whoever sees the note finds the journal has it."""
    keep(
        journal,
        JournalEntry(
            key=f"{kind.value}:{responder.responder_id}",
            incident_id=chore.incident_id,
            at=chore.updated_at,
            kind=kind,
            actor_id=chore.actor_id,
            text=f"{describe(responder)} {did}",
            data=_entry_data(responder),
        ),
    )


def _entry_data(responder: Responder) -> dict[str, str]:
    data = {"responder_id": responder.responder_id}
    for key, value in (
        ("datadog_user_id", responder.datadog_user_id),
        ("slack_user_id", responder.slack_user_id),
        ("role", responder.role_name),
    ):
        if value:
            data[key] = value
    return data


def add_responder_works(services: Any, inviter: ChannelInviter) -> None:
    """Give the ChoreRunner the two works (called by bot/services.py's `build_services`)."""
    slack, directory, store = services.slack, services.responders, services.cards
    journal, publisher = services.journal, services.publisher
    runner = services.chores
    runner.add_work(
        AddResponder(slack, directory, store, publisher, journal=journal, inviter=inviter)
    )
    runner.add_work(RemoveResponder(slack, directory, store, publisher, journal=journal))
