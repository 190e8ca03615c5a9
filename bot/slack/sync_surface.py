"""The sync's Slack side (`CardSurface`): edit the card in place, note the change in its thread."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.domain.incident_changes import ExternalUpdate
from bot.domain.incident_state import IncidentView
from bot.domain.record import DeclarationRecord
from bot.domain.sync import CardGone, tracked_from
from bot.domain.sync_ports import SyncStore, TrackedIncident
from bot.slack.announcer import SlackAnnouncer
from bot.slack.card import card, external_note

log = logging.getLogger(__name__)

CARD_GONE = frozenset(
    {
        "message_not_found",
        "channel_not_found",
        "cant_update_message",
        "edit_window_closed",
        "is_archived",
    }
)
"""chat.update refusals that trying again won't change: the sync stops following the card."""


class SlackCardSurface:
    def __init__(self, client: WebClient) -> None:
        self.client = client

    def update_card(self, entry: TrackedIncident, incident: IncidentView) -> None:
        commander = entry.commander_slack_id
        if incident.commander_id != entry.commander_dd_id:
            commander = None  # someone else commands now: show Datadog's name for them
        text, blocks = card(incident, commander_slack_id=commander)
        try:
            self.client.chat_update(channel=entry.channel, ts=entry.ts, text=text, blocks=blocks)
        except SlackApiError as exc:
            if str(exc.response.get("error")) in CARD_GONE:
                raise CardGone(str(exc.response.get("error"))) from exc
            raise

    def post_note(self, entry: TrackedIncident, update: ExternalUpdate) -> None:
        text, blocks = external_note(update, entry.label)
        self.client.chat_postMessage(
            channel=entry.channel, thread_ts=entry.ts, text=text, blocks=blocks
        )


class TrackingAnnouncer(SlackAnnouncer):
    """The announcer, adding each incident announced in a channel to the sync set when done."""

    def __init__(self, client: WebClient, store: SyncStore) -> None:
        super().__init__(client)
        self.store = store

    def report_done(self, record: DeclarationRecord) -> None:
        super().report_done(record)
        entry = tracked_from(record)
        if entry is None or self.store.tracked_incident(entry.incident_id) is not None:
            return
        try:
            self.store.track(entry)
        except Exception:  # noqa: BLE001 - the declaration is done; only the sync misses it
            log.warning("could not add %s to the sync set", entry.label, exc_info=True)
