"""`/declare list` and its Update buttons.

The list is answered through the command's response_url (ephemeral): the search runs
after the ack, so a slow Datadog never costs the 3-second deadline. An Update button
names its incident in a signed value (incident_list.py); the update itself then goes
through the card of that incident, like the card's own Update button.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

from slack_bolt import Ack, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.domain.incident_record import IncidentCard
from bot.domain.sync_ports import IncidentReader, IncidentReadFailed
from bot.slack import messages, payload
from bot.slack.form.blocks import status_view
from bot.slack.incident_list import LIST_LIMIT, ButtonSigner, ListedIncident, incident_list
from bot.slack.listeners.card_actions import open_update_for
from bot.slack.listeners.lifecycle_context import Lifecycle
from bot.slack.mrkdwn import safe

log = logging.getLogger(__name__)


class Listing(Lifecycle, Protocol):
    """What the list needs beyond the lifecycle's collaborators."""

    @property
    def incident_reader(self) -> IncidentReader: ...

    @property
    def list_signer(self) -> ButtonSigner: ...


NOT_LISTED = "This Update button was not made by declare-bot, so it can't say which incident."


def answer_incident_list(
    ack: Ack, respond: Respond, services: Listing, user_id: str, channel_id: str
) -> None:
    """Ack at once, then answer with the open incidents (newest first, at most 20)."""
    refusal = services.allowlist.channel_refusal(channel_id)  # a set: no I/O before the ack
    if refusal:
        ack(text=messages.refusal(refusal))
        return
    ack()
    refusal = services.allowlist.refusal(user_id, channel_id)  # user groups, maybe looked up
    if refusal:
        respond(text=messages.refusal(refusal), response_type="ephemeral", replace_original=False)
        return
    try:
        found = services.incident_reader.open_incidents(LIST_LIMIT + 1).views
    except IncidentReadFailed as exc:
        log.warning("/declare list: Datadog could not be read: %s", exc.reason)
        text = f"Couldn't list the open incidents: {safe(exc.reason, 1500)}"
        respond(text=text, response_type="ephemeral", replace_original=False)
        return
    text, blocks = incident_list(found, services.list_signer)
    respond(text=text, blocks=blocks, response_type="ephemeral", replace_original=False)


def card_for(services: Listing, listed: ListedIncident) -> IncidentCard | None:
    """The open card the bot keeps for that incident, if it announced it."""
    return next(
        (c for c in services.cards.open_cards() if c.incident_id == listed.incident_id), None
    )


def _status(client: WebClient, body: dict[str, Any], title: str, text: str) -> None:
    try:
        client.views_open(
            trigger_id=payload.string(body, "trigger_id"), view=status_view(title, text)
        )
    except SlackApiError as exc:
        log.warning("views.open for a list button failed: %s", exc.response.get("error"))


def open_update_from_list(
    ack: Ack, body: dict[str, Any], client: WebClient, services: Listing
) -> None:
    """The list's Update: check the signed value, then the card's Update for that incident."""
    ack()
    listed = services.list_signer.verify(payload.string(payload.first_action(body), "value"))
    if listed is None:
        log.warning("an incident list button with a bad signature was pressed")
        _status(client, body, "Can't update", NOT_LISTED)
        return
    card = card_for(services, listed)
    if card is None:
        _status(
            client,
            body,
            "Update in Datadog",
            f"IR-{listed.public_id} was not declared from Slack, so declare-bot has no card "
            "for it: please update it in Datadog.",
        )
        return
    open_update_for(card, body, client, services)
