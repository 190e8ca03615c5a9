"""Finding the card a button is on, and when its request arrived."""

from __future__ import annotations

import logging
import time
from typing import Any

from bot.domain.lifecycle.record import IncidentCard, card_key
from bot.slack.common import payload
from bot.slack.common.context import Services

log = logging.getLogger(__name__)


CARD_SETTLE = 0.5
"""Seconds a press waits for its card to be stored: the thread reply is posted beside the
announcement's edit, so a quick hand can press a card whose record is a moment behind."""
CARD_POLL = 0.05
ARRIVED_AT = "arrived_at"
"""The request context's key for when the request reached the bot (time.monotonic())."""


class StoreDown(Exception):
    """The store could not be read: the person is told, nothing is changed."""


def card_of_message(services: Services, body: dict[str, Any]) -> IncidentCard | None:
    """The card the pressed button is on, from what the bot stored for that message;
    StoreDown when the store can't say."""
    container = payload.obj(body, "container")
    channel = payload.string(container, "channel_id") or payload.string(
        payload.obj(body, "channel"), "id"
    )
    ts = payload.string(container, "message_ts") or payload.string(
        payload.obj(body, "message"), "ts"
    )
    if not channel or not ts:
        return None
    deadline = time.monotonic() + CARD_SETTLE
    while True:
        try:
            card = services.cards.get_card(card_key(channel, ts))
        except Exception as exc:  # the store is down: the person hears it
            log.exception("reading the card failed")
            raise StoreDown from exc
        if card is not None or time.monotonic() >= deadline:
            return card
        time.sleep(CARD_POLL)
