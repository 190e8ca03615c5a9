"""Buttons that name an incident in their value, signed so a rewritten value is refused.

An ephemeral message (`/declare list`) has no stored message to find the incident from, as
the card's buttons do: the value carries it, and the signature proves the bot drew it.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from bot.domain.incident.state import IncidentView

_SIG_LENGTH = 24


@dataclass(frozen=True)
class ListedIncident:
    """What a verified Update button from the list points at."""

    incident_id: str
    public_id: int


class ButtonSigner:
    """Signs and checks the incident an Update button in the list points at."""

    def __init__(self, secret: str) -> None:
        self._key = hashlib.sha256(b"declare-bot incident list\0" + secret.encode()).digest()

    def _mac(self, payload: str) -> str:
        return hmac.new(self._key, payload.encode(), hashlib.sha256).hexdigest()[:_SIG_LENGTH]

    def value(self, incident: IncidentView) -> str:
        payload = f"{incident.incident_id}.{incident.public_id}"
        return f"{payload}.{self._mac(payload)}"

    def verify(self, value: str) -> ListedIncident | None:
        """The incident a button value names, or None if it was not made by this bot."""
        payload, _, signature = value.rpartition(".")
        incident_id, _, public_id = payload.rpartition(".")
        if not (incident_id and public_id.isdigit() and signature):
            return None
        if not hmac.compare_digest(signature, self._mac(payload)):
            return None
        return ListedIncident(incident_id=incident_id, public_id=int(public_id))

    def sign_key(self, key: str) -> str:
        """A card key in a button value (a reminder's buttons), signed: `key|signature`."""
        return f"{key}|{self._mac('card:' + key)}"

    def verify_key(self, value: str) -> str | None:
        """The card key a signed value names, or None if this bot did not sign it."""
        key, _, signature = value.rpartition("|")
        if not key or not hmac.compare_digest(signature, self._mac("card:" + key)):
            return None
        return key
