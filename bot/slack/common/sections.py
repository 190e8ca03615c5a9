"""A feature's part of another feature's modal, injected from the composition root.

The Post update modal (bot/slack/cadence/) shows its own fields, then each section's
blocks (e.g. "Publish on the status page", bot/slack/statuspage/); at submit it hands each
section the whole view state: first to check (errors go under the section's fields and
nothing is stored), then, once the status update is stored, to act on it (store its own
chore before the ack). `bot/services.py` lists the sections (`Services.status_sections`).
"""

from __future__ import annotations

from typing import Any, Protocol

from bot.domain.cadence.update import StatusUpdate
from bot.domain.lifecycle.record import IncidentCard


class ModalSection(Protocol):
    def blocks(self, card: IncidentCard) -> list[dict[str, Any]]:
        """The section's blocks, at open: on the listener's thread within the trigger's 3 s,
        so from what is cached (no Datadog read here); [] to show nothing."""
        ...

    def errors(self, card: IncidentCard, values: dict[str, Any]) -> dict[str, str]:
        """Problems with its fields, by block id (shown under them); {} when fine."""
        ...

    def accepted(
        self,
        card: IncidentCard,
        update: StatusUpdate,
        values: dict[str, Any],
        submission_key: str,
    ) -> None:
        """The status update is stored (before the ack): store and start the section's own
        work (one chore keyed by `submission_key`, which redeliveries share)."""
        ...
