"""The card publisher, plus what an incident channel adds when the incident changes.

When the card of an incident that has its own channel is updated (from Slack or by the
sync following Datadog), the channel's topic is set to the new severity, state and
commander, and the pointer left where it was declared is edited to show the state
(`✅ resolved`). After the thread note of a resolve, made from Slack or seen in Datadog by
the sync, `DECLARE_ARCHIVE_ON_RESOLVE` archives the channel. All of that is best effort:
the card and the note are what count, so a failure here is logged, never fails the update.

A reopen finds the card's channel archived: the bot asks Slack to unarchive it, and when
Slack won't (bot tokens can't unarchive, a missing scope), raises CardHomeGone so the card
and its notes go on where the incident was declared, with the reason said there.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from slack_sdk import WebClient

from bot.domain.channel.plan import topic
from bot.domain.declare.ports import DeclarationStore
from bot.domain.declare.record import DeclarationRecord
from bot.domain.incident.changes import Change, ExternalUpdate
from bot.domain.lifecycle.ports import CardHomeGone
from bot.domain.lifecycle.record import IncidentCard
from bot.slack.channel.conversations import SlackIncidentChannels, pointer_message
from bot.slack.lifecycle.publisher import ChannelIsArchived, SlackCardPublisher
from bot.slack.sync.notes import SlackExternalNotes

log = logging.getLogger(__name__)


def state_label(card: IncidentCard) -> str:
    return f"✅ {card.shown.state}" if card.shown.resolved else card.shown.state


class ChannelFollowingPublisher(SlackCardPublisher, SlackExternalNotes):
    """The card publisher and the sync's notes, keeping an incident channel current."""

    def __init__(
        self,
        client: WebClient,
        store: DeclarationStore,
        *,
        archive_on_resolve: bool,
        postmortem: bool = True,
    ) -> None:
        super().__init__(client, postmortem=postmortem)
        self.store = store
        self.channels = SlackIncidentChannels(client)
        self.archive_on_resolve = archive_on_resolve

    def _channel_record(self, card: IncidentCard) -> DeclarationRecord | None:
        if not card.declaration_key:
            return None
        try:
            record = self.store.get(card.declaration_key)
        except Exception:  # best effort, see the module docstring
            log.warning("incident channel: the declaration store is unavailable", exc_info=True)
            return None
        if record is None or record.channel is None or record.channel.id is None:
            return None
        return record

    def update_card(self, card: IncidentCard) -> None:
        record = self._channel_record(card)
        try:
            super().update_card(card)
        except ChannelIsArchived:
            if record is None or card.shown.resolved or record.channel is None:
                raise
            if record.channel.id != card.channel:
                raise
            self._bring_back(card, record)
            super().update_card(card)
        if record is not None:
            self.follow(card, record)

    def _bring_back(self, card: IncidentCard, record: DeclarationRecord) -> None:
        """Unarchive a reopened incident's channel, or raise CardHomeGone (the origin)."""
        plan = record.channel
        assert plan is not None and plan.id is not None
        why = self.channels.unarchive(plan.id)
        if why is None:
            log.info(
                "incident channel %s: unarchived for the reopened %s", plan.id, card.shown.label
            )
            return
        origin = record.declaration.origin
        channel = plan.pointer_channel or origin.channel_id
        thread_ts = origin.source_ts if channel == origin.channel_id else None
        raise CardHomeGone(
            f"{card.shown.label} is open again, but <#{plan.id}> stays archived: {why}.",
            channel=channel,
            thread_ts=thread_ts,
        )

    def follow(self, card: IncidentCard, record: DeclarationRecord) -> None:
        """Topic and pointer to the card's current state."""
        plan = record.channel
        assert plan is not None and plan.id is not None
        shown = card.shown
        commander = card.commander_slack_id
        try:
            self.channels.set_topic(
                plan.id, topic(shown.severity, state_label(card), commander, shown.url)
            )
        except Exception:  # best effort
            log.warning("incident channel %s: topic not updated", plan.id, exc_info=True)
        if not (plan.pointer_channel and plan.pointer_ts):
            return
        text, blocks = pointer_message(record, state_label(card))
        try:
            self.client.chat_update(
                channel=plan.pointer_channel, ts=plan.pointer_ts, text=text, blocks=blocks
            )
        except Exception:  # best effort
            log.warning("incident channel %s: pointer not updated", plan.id, exc_info=True)

    def post_note(self, card: IncidentCard, actor_id: str, changes: Sequence[Change]) -> str | None:
        ts = super().post_note(card, actor_id, changes)
        self._archive_if_resolved(card)
        return ts

    def post_external_note(self, card: IncidentCard, update: ExternalUpdate) -> None:
        super().post_external_note(card, update)
        self._archive_if_resolved(card)

    def _archive_if_resolved(self, card: IncidentCard) -> None:
        """After the final note, wherever the resolve was made (Slack or Datadog)."""
        if not (self.archive_on_resolve and card.shown.resolved):
            return
        record = self._channel_record(card)
        if record is not None and record.channel is not None and record.channel.id:
            try:
                self.channels.archive(record.channel.id)
            except Exception:  # noqa: BLE001 - best effort
                log.warning("incident channel %s: not archived", record.channel.id)
