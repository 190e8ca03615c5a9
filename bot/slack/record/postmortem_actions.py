"""Asking for the postmortem: the resolve modal's "Draft the postmortem", the card's button.

Both store the incident's one postmortem chore (bot/domain/record/postmortem_chore.py)
before the ack; the runner drafts it into Datadog once, whoever asks and however often.
DECLARE_POSTMORTEM: `offer` adds a checked box to the resolve modal, `always` drafts on
every resolve from Slack, `never` offers neither (the button then says it is off).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from slack_bolt import Respond
from slack_sdk import WebClient

from bot.domain.access.rules import Act
from bot.domain.lifecycle.chores import ChoreStep
from bot.domain.lifecycle.record import IncidentCard, UpdateJob
from bot.domain.record.postmortem import PostmortemMode
from bot.domain.record.postmortem_chore import postmortem_chore
from bot.slack.common.context import Services
from bot.slack.common.ids import POSTMORTEM_BLOCK
from bot.slack.common.mrkdwn import safe
from bot.slack.common.resolve_extras import Start
from bot.slack.declare import messages
from bot.slack.declare.form.blocks import checkbox, context_block, input_block
from bot.slack.declare.form.state import checked, state_values
from bot.slack.lifecycle.card_actions import STORE_DOWN, Press, card_press, tell

log = logging.getLogger(__name__)

AFTER_RESOLVE_WAIT = 30.0
"""Seconds a postmortem asked for on resolve waits for the resolve to be done, so the draft
has it (a restart resumes the chore anyway)."""
OFF = "Drafting postmortems is turned off here (DECLARE_POSTMORTEM=never)."


def ask_for_postmortem(services: Services, card: IncidentCard, user_id: str, via: str) -> str:
    """Store and start the incident's postmortem chore; what to tell the person."""
    label = safe(card.shown.label, 100)
    chore = postmortem_chore(card, user_id, via=via)
    try:
        if services.chores.submit(chore):
            return f":memo: Drafting the postmortem of {label} in Datadog…"
        stored = services.chores.store.get_chore(chore.key)
    except Exception:  # nothing is written unless it is stored first
        log.exception("storing the postmortem chore failed")
        return messages.refusal(STORE_DOWN)
    if stored is not None and stored.step is ChoreStep.FAILED:
        services.dispatch(chore.key, services.chores.retry)
        return f":memo: Drafting the postmortem of {label} again…"
    if stored is not None and stored.step is ChoreStep.DONE:
        url = str(stored.result.get("url") or "")
        link = f"<{url}|in Datadog>" if url.startswith("https://") else "in Datadog"
        return f"The postmortem of {label} is {link}: edit it there."
    return f"The postmortem of {label} is being drafted."


@card_press(Act.POSTMORTEM, opens_modal=False)
def press_postmortem(press: Press, client: WebClient, respond: Respond, services: Services) -> None:
    """The card's Postmortem: draft it once (a press once drafted also opens it: a link)."""
    if services.settings.postmortem is PostmortemMode.NEVER:
        tell(respond, press.body, OFF)
        return
    tell(respond, press.body, ask_for_postmortem(services, press.card, press.user_id, "button"))


class PostmortemOnResolve:
    """The resolve modal's "Draft the postmortem" (a ResolveExtra, bot/services.py)."""

    def blocks(self, services: Services, card: IncidentCard) -> list[dict[str, Any]]:
        if services.settings.postmortem is PostmortemMode.NEVER:
            return []
        if card.postmortem_url:  # resolved before, reopened: it is drafted once, not again
            return [
                context_block("📝 The postmortem is already in Datadog (the card's Postmortem).")
            ]
        if services.settings.postmortem is not PostmortemMode.OFFER:
            return []
        box = checkbox("Draft the postmortem in Datadog", checked=True)
        hint = "From what was kept in Slack: the timeline, updates, messages, to-dos."
        return [input_block(POSTMORTEM_BLOCK, "Postmortem", box, optional=True, hint=hint)]

    def accepted(
        self, services: Services, job: UpdateJob, card: IncidentCard, view: dict[str, Any]
    ) -> Start | None:
        mode = services.settings.postmortem
        if mode is PostmortemMode.NEVER:
            return None
        if mode is PostmortemMode.OFFER and not checked(state_values(view), POSTMORTEM_BLOCK):
            return None
        chore = postmortem_chore(card, job.actor_id, via="resolve")
        go: Callable[[str], object] = services.chores.run
        if not services.chores.store.add_chore(chore):
            stored = services.chores.store.get_chore(chore.key)
            if stored is None or stored.step is not ChoreStep.FAILED:
                return None  # asked for already: that one goes on (or is done)
            go = services.chores.retry  # an earlier attempt failed: this ask retries it
        log.info("postmortem of %s asked for on resolve", card.incident_id)

        def start() -> None:
            services.dispatch(chore.key, lambda key: _after_resolve(services, job.key, key, go))

        return start


def _after_resolve(
    services: Services, update_key: str, chore_key: str, go: Callable[[str], object]
) -> object:
    """Run (or retry) the chore once the resolve is done (or given up on), so the draft
    has it."""
    deadline = time.monotonic() + AFTER_RESOLVE_WAIT
    while time.monotonic() < deadline:
        job = services.cards.get_update(update_key)
        if job is None or job.finished:
            break
        time.sleep(0.05)
    return go(chore_key)
