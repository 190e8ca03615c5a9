"""The sync's thread notes in Slack (`ExternalNotes`); the card itself goes through
`SlackCardPublisher` (card_publisher.py), like an update from Slack."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.domain.incident.changes import ExternalUpdate
from bot.domain.lifecycle.record import IncidentCard
from bot.domain.reliability.outcomes import StepFailed
from bot.slack.errors import CARD_FINAL, error_of
from bot.slack.incident.card import external_note


class SlackExternalNotes:
    def __init__(self, client: WebClient) -> None:
        self.client = client

    def post_external_note(self, card: IncidentCard, update: ExternalUpdate) -> None:
        """`Bob Oncall (in Datadog) changed severity SEV-2 → SEV-1`, under the card."""
        text, blocks = external_note(update, card.shown.label)
        try:
            self.client.chat_postMessage(
                channel=card.channel,
                thread_ts=card.thread_ts,
                text=text,
                blocks=blocks,
                unfurl_links=False,
                unfurl_media=False,
            )
        except SlackApiError as exc:
            reason = error_of(exc)
            raise StepFailed(
                f"Posting the sync note failed ({reason}).",
                retryable=reason not in CARD_FINAL,
            ) from exc
