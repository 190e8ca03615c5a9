"""`/declare list` and its Update buttons.

The list is answered through the command's response_url (ephemeral): the search runs
after the ack, off the listener's thread, so a slow Datadog never costs the 3-second
deadline of anyone's /declare. It shows only the incidents the person may see (the access
policy, bot/slack/access/policy.py); incidents made outside Slack have no card and are shown to
members of the workspace, not to guests or people from elsewhere. An Update button
names its incident in a signed value (list_view.py); the update itself then goes
through the card of that incident, like the card's own Update button.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient

from bot.domain.access.rules import Act
from bot.domain.lifecycle.record import IncidentCard
from bot.domain.sync.ports import IncidentReadFailed
from bot.slack.access.policy import TooSlow
from bot.slack.common import payload
from bot.slack.common.context import Services, after_ack
from bot.slack.common.mrkdwn import safe
from bot.slack.common.signed_buttons import ListedIncident
from bot.slack.declare import messages
from bot.slack.lifecycle.card_actions import (
    STORE_DOWN,
    NoCard,
    Press,
    card_press,
    open_update_modal,
)
from bot.slack.lifecycle.list_view import incident_list

log = logging.getLogger(__name__)


LIST_READ = 100
"""Open incidents read for the list (one search page), of which the 20 newest this person
may see are shown."""
LIST_WAIT = 10.0
"""Seconds the list (off the listener's thread) waits for Slack to say who is where."""
SLOW_LIST = "Slack is slow to say which incidents you may see. Try `/declare list` again."
UNKNOWN_PERSON = "Slack wouldn't say who you are, so declare-bot can't list incidents for you."
NOT_LISTED = "This Update button was not made by declare-bot, so it can't say which incident."


LIST_WORD = "list"


def is_list_request(body: dict[str, Any]) -> bool:
    """`/declare list`, told from `/declare [title]`."""
    text = " ".join(payload.string(body, "text").split()).lower()
    return text == LIST_WORD and bool(payload.user_id(body))


def list_incidents(ack: Ack, body: dict[str, Any], respond: Respond, services: Services) -> None:
    """`/declare list` (is_list_request told it apart)."""
    user_id = payload.user_id(body)
    answer_incident_list(
        ack,
        respond,
        services,
        user_id,
        payload.string(body, "channel_id"),
        payload.string(body, "team_id"),
    )


def answer_incident_list(
    ack: Ack, respond: Respond, services: Services, user_id: str, channel_id: str, team_id: str
) -> None:
    """Ack at once, then answer off the listener's thread with the open incidents this
    person may see (newest first, at most 20)."""
    refusal = services.access.allowlist.channel_refusal(channel_id)  # a set: no I/O
    if refusal:
        ack(text=messages.refusal(refusal))
        return
    ack()
    after_ack(
        services,
        lambda: _answer(respond, services, user_id, team_id),
        lambda text: _tell(respond, text),
    )


def _tell(respond: Respond, text: str) -> None:
    try:
        respond(text=text, response_type="ephemeral", replace_original=False)
    except Exception as exc:  # noqa: BLE001 - the answer is best effort
        log.warning("answering /declare list failed: %s", type(exc).__name__)


def _answer(respond: Respond, services: Services, user_id: str, team_id: str) -> None:
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
        person, seen = services.access.visible(
            user_id, cards.values(), wait=LIST_WAIT, team_id=team_id
        )
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


def card_for(services: Services, listed: ListedIncident) -> IncidentCard | None:
    """The open card the bot keeps for that incident, if it announced it."""
    return next(
        (c for c in services.cards.open_cards() if c.incident_id == listed.incident_id), None
    )


def listed_card(services: Services, body: dict[str, Any]) -> IncidentCard:
    """The card a list button's signed value names (the list is ephemeral, the Home tab is
    no message: there is no stored message to find it from)."""
    listed = services.list_signer.verify(payload.string(payload.first_action(body), "value"))
    if listed is None:
        log.warning("an incident list button with a bad signature was pressed")
        raise NoCard(NOT_LISTED)
    try:
        card = card_for(services, listed)
    except Exception:  # the store is down: the person hears it
        log.exception("the list's Update: the store could not be read")
        raise NoCard(STORE_DOWN) from None
    if card is None:
        raise NoCard(
            f"IR-{listed.public_id} was not declared from Slack, so declare-bot has no "
            "card for it: please update it in Datadog.",
            title="Update in Datadog",
        )
    return card


@card_press(Act.UPDATE, opens_modal=True, find=listed_card)
def open_update_from_list(
    press: Press, client: WebClient, respond: Respond, services: Services
) -> None:
    """The list's Update: the card's Update for the incident its signed value names."""
    open_update_modal(press, client, respond, services)
