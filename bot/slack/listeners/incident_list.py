"""`/declare list` and its Update buttons.

The list is answered through the command's response_url (ephemeral): the search runs
after the ack, off the listener's thread, so a slow Datadog never costs the 3-second
deadline of anyone's /declare. It shows only the incidents the person may see (the access
policy, bot/slack/access.py); incidents made outside Slack have no card and are shown to
members of the workspace, not to guests or people from elsewhere. An Update button
names its incident in a signed value (incident_list.py); the update itself then goes
through the card of that incident, like the card's own Update button.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

from slack_bolt import Ack, Respond
from slack_sdk import WebClient

from bot.domain.access import Act
from bot.domain.incident_record import IncidentCard
from bot.domain.sync_ports import IncidentReader, IncidentReadFailed
from bot.slack import messages, payload
from bot.slack.access import TooSlow
from bot.slack.form.blocks import status_view
from bot.slack.incident_list import ButtonSigner, ListedIncident, incident_list
from bot.slack.listeners.card_actions import (
    STORE_DOWN,
    authorize,
    open_update_modal,
    open_view,
    tell,
)
from bot.slack.listeners.context import after_ack
from bot.slack.listeners.lifecycle_context import Lifecycle
from bot.slack.mrkdwn import safe

log = logging.getLogger(__name__)


class Listing(Lifecycle, Protocol):
    """What the list needs beyond the lifecycle's collaborators."""

    @property
    def incident_reader(self) -> IncidentReader: ...

    @property
    def list_signer(self) -> ButtonSigner: ...


LIST_READ = 100
"""Open incidents read for the list (one search page), of which the 20 newest this person
may see are shown."""
LIST_WAIT = 10.0
"""Seconds the list (off the listener's thread) waits for Slack to say who is where."""
SLOW_LIST = "Slack is slow to say which incidents you may see. Try `/declare list` again."
UNKNOWN_PERSON = "Slack wouldn't say who you are, so declare-bot can't list incidents for you."
NOT_LISTED = "This Update button was not made by declare-bot, so it can't say which incident."


def answer_incident_list(
    ack: Ack, respond: Respond, services: Listing, user_id: str, channel_id: str
) -> None:
    """Ack at once, then answer off the listener's thread with the open incidents this
    person may see (newest first, at most 20)."""
    refusal = services.access.allowlist.channel_refusal(channel_id)  # a set: no I/O
    if refusal:
        ack(text=messages.refusal(refusal))
        return
    ack()
    after_ack(services, lambda: _answer(respond, services, user_id), lambda t: _tell(respond, t))


def _tell(respond: Respond, text: str) -> None:
    try:
        respond(text=text, response_type="ephemeral", replace_original=False)
    except Exception as exc:  # noqa: BLE001 - the answer is best effort
        log.warning("answering /declare list failed: %s", type(exc).__name__)


def _answer(respond: Respond, services: Listing, user_id: str) -> None:
    """Seeing is not changing: the user-group allowlist is not asked, the access policy is."""
    try:
        found = services.incident_reader.open_incidents(LIST_READ).views
    except IncidentReadFailed as exc:
        log.warning("/declare list: Datadog could not be read: %s", exc.reason)
        _tell(respond, f"Couldn't list the open incidents: {safe(exc.reason, 1500)}")
        return
    try:
        cards = {c.incident_id: c for c in services.cards.open_cards()}
    except Exception:  # the store is down: the person hears it
        log.exception("/declare list: the store could not be read")
        _tell(respond, messages.refusal(STORE_DOWN))
        return
    try:
        person, seen = services.access.visible(user_id, cards.values(), wait=LIST_WAIT)
    except TooSlow:
        _tell(respond, messages.refusal(SLOW_LIST))
        return
    if person is None:
        _tell(respond, messages.refusal(UNKNOWN_PERSON))
        return
    visible = {c.incident_id for c in seen}
    outsider = person.guest or person.external
    shown = [
        i
        for i in found
        if i.incident_id in visible or (i.incident_id not in cards and not outsider)
    ]
    text, blocks = incident_list(shown, services.list_signer)
    try:
        respond(text=text, blocks=blocks, response_type="ephemeral", replace_original=False)
    except Exception as exc:  # noqa: BLE001 - the answer is best effort
        log.warning("answering /declare list failed: %s", type(exc).__name__)


def card_for(services: Listing, listed: ListedIncident) -> IncidentCard | None:
    """The open card the bot keeps for that incident, if it announced it."""
    return next(
        (c for c in services.cards.open_cards() if c.incident_id == listed.incident_id), None
    )


def open_update_from_list(
    ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, services: Listing
) -> None:
    """The list's Update: check the signed value, then the card's Update for that incident,
    allowed by the same access policy as the card's own button."""
    ack()
    listed = services.list_signer.verify(payload.string(payload.first_action(body), "value"))
    if listed is None:
        log.warning("an incident list button with a bad signature was pressed")
        open_view(client, respond, body, status_view("Can't update", NOT_LISTED))
        return
    try:
        card = card_for(services, listed)
    except Exception:  # the store is down: the person hears it
        log.exception("the list's Update: the store could not be read")
        tell(respond, body, messages.refusal(STORE_DOWN))
        return
    if card is None:
        open_view(
            client,
            respond,
            body,
            status_view(
                "Update in Datadog",
                f"IR-{listed.public_id} was not declared from Slack, so declare-bot has no "
                "card for it: please update it in Datadog.",
            ),
        )
        return

    def refuse(text: str) -> None:
        open_view(client, respond, body, status_view("Can't update", messages.refusal(text)))

    press = authorize(services, Act.UPDATE, body, card, refuse)
    if press is not None:
        open_update_modal(press, client, respond, services)
