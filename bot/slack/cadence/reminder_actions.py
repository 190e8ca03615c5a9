"""A reminder's buttons: Post update opens the modal, Snooze puts it off, Stop ends them.

The reminder is not the card, so its buttons name the card in a signed value (a rewritten
value is refused); each press goes through the card-action wrapper and the access policy.
Snoozes and stops are stored on the incident's cadence: they survive restarts and hold on
every replica.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Respond
from slack_sdk import WebClient

from bot.domain.access.rules import Act
from bot.domain.cadence.policy import format_duration
from bot.domain.lifecycle.record import IncidentCard
from bot.slack.cadence.post_update import open_status_modal
from bot.slack.common import payload
from bot.slack.common.context import Services
from bot.slack.incident.card import mention
from bot.slack.lifecycle.card_actions import STORE_DOWN, NoCard, Press, card_press, tell

log = logging.getLogger(__name__)

NOT_SIGNED = "This reminder's button can't be read; use the card's buttons."


def _reminded_card(services: Services, body: dict[str, Any]) -> IncidentCard:
    key = services.list_signer.verify_key(payload.string(payload.first_action(body), "value"))
    if key is None:
        log.warning("a reminder button with a bad signature was pressed")
        raise NoCard(NOT_SIGNED)
    try:
        card = services.cards.get_card(key)
    except Exception:  # the store is down: the person hears it
        log.exception("reading the reminded card failed")
        raise NoCard(STORE_DOWN) from None
    if card is None:
        raise NoCard("declare-bot no longer has this incident's card.")
    return card


@card_press(Act.POST_UPDATE, opens_modal=True, find=_reminded_card)
def open_post_update_from_reminder(
    press: Press, client: WebClient, respond: Respond, services: Services
) -> None:
    open_status_modal(press, client, respond, services)


def _say(respond: Respond, body: dict[str, Any], text: str) -> None:
    """Replace the reminder's buttons with what was done (in the channel, for everyone)."""
    try:
        respond(text=text, replace_original=True, response_type="in_channel")
    except Exception:  # noqa: BLE001 - fall back to telling the person alone
        tell(respond, body, text)


@card_press(Act.REMINDERS, opens_modal=False, find=_reminded_card)
def snooze_reminders(press: Press, client: WebClient, respond: Respond, services: Services) -> None:
    cadence = services.cadences.snooze(press.card.key)
    if cadence is None:
        tell(respond, press.body, "There are no reminders for this incident to snooze.")
        return
    span = format_duration(services.cadences.policy.snooze)
    log.info("reminders of %s snoozed by %s", press.card.incident_id, press.user_id)
    _say(
        respond,
        press.body,
        f":zzz: {mention(press.user_id)} snoozed reminders on {press.card.shown.label} for {span}.",
    )


@card_press(Act.REMINDERS, opens_modal=False, find=_reminded_card)
def stop_reminders(press: Press, client: WebClient, respond: Respond, services: Services) -> None:
    cadence = services.cadences.stop(press.card.key, press.user_id)
    if cadence is None:
        tell(respond, press.body, "There are no reminders for this incident to stop.")
        return
    log.info("reminders of %s stopped by %s", press.card.incident_id, press.user_id)
    _say(
        respond,
        press.body,
        f":no_bell: {mention(press.user_id)} stopped the reminders on "
        f"{press.card.shown.label}. Status updates can still be posted from the card.",
    )
