"""The sync's thread notes in Slack (`ExternalNotes`); the card itself goes through
`SlackCardPublisher` (lifecycle/publisher.py), like an update from Slack."""

from __future__ import annotations

from slack_sdk import WebClient

from bot.domain.incident.changes import ExternalUpdate
from bot.domain.lifecycle.record import IncidentCard
from bot.slack.incident.card import external_note
from bot.slack.lifecycle.publisher import post_under_card


class SlackExternalNotes:
    def __init__(self, client: WebClient) -> None:
        self.client = client

    def post_external_note(self, card: IncidentCard, update: ExternalUpdate) -> None:
        """`Bob Oncall (in Datadog) changed severity SEV-2 → SEV-1`, under the card."""
        post_under_card(self.client, card, external_note(update, card.shown.label), "the sync note")
