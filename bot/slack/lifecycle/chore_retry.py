"""Chores on the Slack side: a modal's submission stored then acked (`submit_chore`), the
modal told how it ended (`show_in_modal`), and a failure told to its person with one Retry
for every kind of chore.

Each kind's `ChoreWork.report_failure` calls `tell_chore_failure`; the Retry it carries
names the stored chore, goes through the card-action wrapper (only the person who asked,
still allowed, may retry) and resumes that same chore: a write that may have landed is
looked for before it is sent again (bot/domain/lifecycle/chores.py).
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient

from bot.domain.access.rules import Act
from bot.domain.lifecycle.chores import Chore, ChoreStep
from bot.domain.lifecycle.record import IncidentCard
from bot.slack.common.context import Services
from bot.slack.common.ids import CHORE_RETRY_ACTION
from bot.slack.common.mrkdwn import FALLBACK_MAX, cut, safe, verbatim
from bot.slack.declare.form.blocks import status_view
from bot.slack.errors import error_of
from bot.slack.incident.card import Message
from bot.slack.lifecycle.card_actions import Press, card_press, failed_job, resume_retried
from bot.slack.lifecycle.publisher import tell_person
from bot.slack.lifecycle.update_submission import LATE, STORE_DOWN, AckClock

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
    client: WebClient,
    chore: Chore,
    card: IncidentCard | None,
    what: str,
    *,
    modal_title: str = "",
) -> None:
    """The failure, ephemerally in the card's channel (else by DM), with Retry; and in the
    chore's modal, headed `modal_title`, when it has one."""
    label = card.shown.label if card else "the incident"
    message = chore_failure_message(chore, what, label)
    tell_person(client, chore.actor_id, card, message, what)
    if modal_title:
        said = str(message[1][0]["text"]["text"]).split("\n", 1)[0]
        show_in_modal(client, chore, modal_title, f"{said}\n{RETRY_IS_BESIDE}")


RETRY_IS_BESIDE = "*Retry* is in the message declare-bot sent you beside the card."


def show_in_modal(client: WebClient, chore: Chore, title: str, text: str) -> None:
    """The chore's modal (when it has one) ends on `title` and `text` (mrkdwn, escaped by
    the caller); a modal closed meanwhile is only logged."""
    if not chore.modal_view_id:
        return
    try:
        client.views_update(view_id=chore.modal_view_id, view=status_view(title, text))
    except Exception as exc:  # noqa: BLE001 - the chore is done; its modal is a courtesy
        log.info("views.update of the %s modal failed: %s", chore.kind, error_of(exc))


def submit_chore(
    ack: Ack,
    services: Services,
    chore: Chore,
    clock: AckClock,
    *,
    block: str,
    working: dict[str, Any],
    store_down: str = STORE_DOWN,
) -> None:
    """A modal's chore stored, then acked with `working` (the modal while it runs), then
    run: nothing is sent unless it is stored first, nor once Slack gave up on the answer.
    A redelivered submission finds it stored and is acked alike."""
    if clock.out:  # Slack has given up on this answer: it must not happen later
        ack(response_action="errors", errors={block: LATE[:150]})
        return
    acked = False

    def stored() -> None:
        nonlocal acked
        ack(response_action="update", view=working)
        acked = True

    try:
        started = services.chores.submit(chore, stored=stored)
    except Exception:  # nothing is sent unless it is stored first
        if acked:  # stored and acked: the runner's watch resumes it
            log.exception("starting the %s failed", chore.kind)
            return
        log.exception("storing the %s failed", chore.kind)
        ack(response_action="errors", errors={block: store_down[:150]})
        return
    if not started:
        ack(response_action="update", view=working)
    log.info("%s on %s %s", chore.kind, chore.incident_id, "accepted" if started else "redelivered")


def _read_chore(services: Services, key: str) -> Chore | None:
    return services.chores.store.get_chore(key)


@card_press(Act.RETRY, opens_modal=False, find=failed_job("request", _read_chore))
def retry_chore(press: Press, client: WebClient, respond: Respond, services: Services) -> None:
    """Retry a failed chore: only its own person, still allowed, resumes it."""
    resume_retried(press, respond, lambda key: services.dispatch(key, services.chores.retry))
