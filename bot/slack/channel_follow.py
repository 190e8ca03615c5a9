"""The card publisher, plus what an incident channel adds when the incident changes.

When the card of an incident that has its own channel is updated (from Slack or by the
sync following Datadog), the channel's topic is set to the new severity, state and
commander, and the pointer left where it was declared is edited to show the state
(`✅ resolved`). After the thread note of a resolve, `DECLARE_ARCHIVE_ON_RESOLVE`
archives the channel. All of it is best effort: the card and the note are what count,
so a failure here is logged, never fails the update.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from slack_sdk import WebClient

from bot.domain.incident_changes import Change
from bot.domain.incident_channel import topic
from bot.domain.incident_record import IncidentCard
from bot.domain.ports import DeclarationStore
from bot.domain.record import DeclarationRecord
from bot.slack.card_publisher import SlackCardPublisher
from bot.slack.incident_channel import SlackIncidentChannels, pointer_message

log = logging.getLogger(__name__)


def state_label(card: IncidentCard) -> str:
    return f"✅ {card.shown.state}" if card.shown.resolved else card.shown.state


class ChannelFollowingPublisher(SlackCardPublisher):
    """`SlackCardPublisher` that keeps an incident channel's topic and pointer current."""

    def __init__(
        self, client: WebClient, store: DeclarationStore, *, archive_on_resolve: bool
    ) -> None:
        super().__init__(client)
        self.store = store
        self.channels = SlackIncidentChannels(client)
        self.archive_on_resolve = archive_on_resolve

    def _channel_record(self, card: IncidentCard) -> DeclarationRecord | None:
        if not card.declaration_key:
            return None
        try:
            record = self.store.get(card.declaration_key)
        except Exception:  # noqa: BLE001 - best effort, see the module docstring
            log.warning("incident channel: the declaration store is unavailable", exc_info=True)
            return None
        if record is None or record.channel is None or record.channel.id is None:
            return None
        return record

    def update_card(self, card: IncidentCard) -> None:
        super().update_card(card)
        record = self._channel_record(card)
        if record is not None:
            self.follow(card, record)

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
        except Exception:  # noqa: BLE001 - best effort
            log.warning("incident channel %s: topic not updated", plan.id, exc_info=True)
        if not (plan.pointer_channel and plan.pointer_ts):
            return
        text, blocks = pointer_message(record, state_label(card))
        try:
            self.client.chat_update(
                channel=plan.pointer_channel, ts=plan.pointer_ts, text=text, blocks=blocks
            )
        except Exception:  # noqa: BLE001 - best effort
            log.warning("incident channel %s: pointer not updated", plan.id, exc_info=True)

    def post_note(self, card: IncidentCard, actor_id: str, changes: Sequence[Change]) -> str | None:
        ts = super().post_note(card, actor_id, changes)
        if self.archive_on_resolve and card.shown.resolved:
            record = self._channel_record(card)
            if record is not None and record.channel is not None and record.channel.id:
                try:
                    self.channels.archive(record.channel.id)  # after the final note
                except Exception:  # noqa: BLE001 - best effort
                    log.warning("incident channel %s: not archived", record.channel.id)
        return ts
