"""A failed chore told to its person, with one Retry for every kind of chore.

Each kind's `ChoreWork.report_failure` calls `tell_chore_failure`; the Retry it carries
names the stored chore, goes through the card-action wrapper (only the person who asked,
still allowed, may retry) and resumes that same chore: a write that may have landed is
looked for before it is sent again (bot/domain/lifecycle/chores.py).
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Respond
from slack_sdk import WebClient

from bot.domain.access.rules import Act
from bot.domain.lifecycle.chores import Chore, ChoreStep
from bot.domain.lifecycle.record import IncidentCard
from bot.slack.common.context import Services
from bot.slack.common.ids import CHORE_RETRY_ACTION
from bot.slack.common.mrkdwn import FALLBACK_MAX, cut, safe, verbatim
from bot.slack.incident.card import Message
from bot.slack.lifecycle.card_actions import Press, card_press, failed_job, resume_retried
from bot.slack.lifecycle.publisher import tell_person

log = logging.getLogger(__name__)


def chore_failure_message(chore: Chore, what: str, label: str) -> Message:
    """Why `what` ("add Ana as a responder") failed on `label`, and a Retry of this chore."""
    reason = safe(chore.error or "an unknown error", 1500)
    if chore.failed_at is ChoreStep.SENT:
        body = (
            f":warning: Datadog has it ({safe(what, 300)} on {safe(label, 100)}), but: "
            f"{reason}\nPress *Retry* to bring the card and its thread up to date."
        )
    else:
        body = (
            f":x: Couldn't {safe(what, 300)} on {safe(label, 100)}: {reason}\n"
            "Press *Retry* to try again: declare-bot looks in Datadog first, so it is never "
            "done twice."
        )
    retry = {
        "type": "button",
        "text": {"type": "plain_text", "text": "Retry"},
        "action_id": CHORE_RETRY_ACTION,
        "value": chore.key,
        "style": "primary",
    }
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": verbatim(cut(body, 2990))},
        {"type": "actions", "elements": [retry]},
    ]
    return safe(f"{label}: couldn't {what}", FALLBACK_MAX), blocks


def tell_chore_failure(
    client: WebClient, chore: Chore, card: IncidentCard | None, what: str
) -> None:
    """The failure, ephemerally in the card's channel (else by DM), with Retry."""
    label = card.shown.label if card else "the incident"
    tell_person(client, chore.actor_id, card, chore_failure_message(chore, what, label), what)


def _read_chore(services: Services, key: str) -> Chore | None:
    return services.chores.store.get_chore(key)


@card_press(Act.RETRY, opens_modal=False, find=failed_job("request", _read_chore))
def retry_chore(press: Press, client: WebClient, respond: Respond, services: Services) -> None:
    """Retry a failed chore: only its own person, still allowed, resumes it."""
    resume_retried(press, respond, lambda key: services.dispatch(key, services.chores.retry))
