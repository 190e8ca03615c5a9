"""Resolving an incident offers to resolve its public notice: the resolve modal's checkbox.

A `ResolveExtra` (bot/slack/common/resolve_extras.py) given to the lifecycle's resolve modal by
the composition root: the checkbox shows when the incident has an unresolved notice
(ticked by default); a submission with it ticked stores a publish chore before the ack that
marks the notice resolved and its components operational (bot/domain/cadence/publish.py).
"""

from __future__ import annotations

import logging
from typing import Any

from bot.domain.cadence.publish import publish_chore, resolving_notice
from bot.domain.lifecycle.record import IncidentCard, UpdateJob
from bot.slack.common.context import Services
from bot.slack.common.mrkdwn import cut
from bot.slack.common.resolve_extras import Start
from bot.slack.declare.form.blocks import checkbox, input_block
from bot.slack.declare.form.state import checked, state_values

log = logging.getLogger(__name__)

RESOLVE_NOTICE = "sp_resolve_notice"


class ResolveNotice:
    """The resolve modal's "Resolve the public notice too"."""

    def blocks(self, services: Services, card: IncidentCard) -> list[dict[str, Any]]:
        notice = resolving_notice(card)
        if notice is None:
            return []
        hint = (
            f"Marks “{cut(notice.title, 80)}” resolved on the status page, its components "
            "operational."
        )
        box = checkbox("Resolve the public notice too", checked=True)
        return [input_block(RESOLVE_NOTICE, "Status page", box, optional=True, hint=hint)]

    def accepted(
        self, services: Services, job: UpdateJob, card: IncidentCard, view: dict[str, Any]
    ) -> Start | None:
        """Store the notice's resolve when ticked (before the ack); started after it."""
        notice = resolving_notice(card)
        if notice is None or not checked(state_values(view), RESOLVE_NOTICE):
            return None
        url = card.status_notice.url if card.status_notice else None
        chore = publish_chore(card, job.actor_id, notice, "resolve", job.key, page_url=url)
        if not services.chores.store.add_chore(chore):
            return None
        log.info("resolving the notice of %s accepted", card.incident_id)
        return lambda: services.chores.start(chore.key)
