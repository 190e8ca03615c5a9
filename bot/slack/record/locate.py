"""Which incident a Slack message belongs to: its card's thread, or its incident channel.

A message in a card's thread belongs to that card. A message anywhere in an incident channel
(one the bot created for the incident: the card lives there, not where it was declared)
belongs to it too. Only open cards are looked at.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.domain.lifecycle.record import IncidentCard


def in_incident_channel(card: IncidentCard) -> bool:
    """The card lives in a channel the bot created for it."""
    return bool(card.origin_channel) and card.channel != card.origin_channel


def card_for_message(
    cards: Sequence[IncidentCard], channel: str, ts: str, thread_ts: str | None
) -> IncidentCard | None:
    """The open card whose thread holds the message, else the one whose channel it is in."""
    root = thread_ts or ts
    for card in cards:
        if card.open and card.channel == channel and root in (card.thread_ts, card.ts):
            return card
    return card_of_channel(cards, channel)


def card_of_channel(cards: Sequence[IncidentCard], channel: str) -> IncidentCard | None:
    """The open card of an incident channel (None elsewhere, e.g. a shared #incidents)."""
    found = [c for c in cards if c.open and c.channel == channel and in_incident_channel(c)]
    return found[0] if len(found) == 1 else None
