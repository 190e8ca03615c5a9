"""Post update: the card's button (and a reminder's) opens the modal; its submission, or
`/declare update <text>` in an incident channel or card thread, posts one status update.

At submit the person is checked by the access policy again, the form is read once into a
`StatusForm` and validated, and before the ack: the status update is stored as a chore
(exactly once per submission: its key is the view's id and hash), a changed state or
severity is stored as an update job (the existing change-only PATCH), and the incident's
cadence starts again from it, so no reminder goes out while it is carried out.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from bot.domain.access.rules import Act
from bot.domain.cadence.update import StatusUpdate, clean_text
from bot.domain.incident.state import IncidentChanges, IncidentView
from bot.domain.lifecycle.chores import Chore, chore_key
from bot.domain.lifecycle.record import IncidentCard, UpdateJob, update_key
from bot.slack.access.allowlist import plain_refusal
from bot.slack.access.policy import ACCESS_WAIT
from bot.slack.cadence.modal import read_status, status_modal
from bot.slack.cadence.work import KIND
from bot.slack.common import payload
from bot.slack.common.context import Services, after_ack
from bot.slack.common.ids import STATUS_SEVERITY, STATUS_STATE, STATUS_TEXT
from bot.slack.declare import messages
from bot.slack.declare.form.blocks import status_view
from bot.slack.declare.form.state import state_values
from bot.slack.lifecycle.card_actions import NoCard, Press, card_press, open_view, tell
from bot.slack.lifecycle.update_form import org_choices
from bot.slack.lifecycle.update_metadata import UpdateMeta, decode, fit

log = logging.getLogger(__name__)

STALE = "This form is out of date. Close it and press Post update again."
STORE_DOWN = "declare-bot can't save updates right now, so nothing was posted. Try again."
EMPTY = "Say what's happening now."
POSTED = status_view("Update posted", ":white_check_mark: Your update is being posted.")
NOT_HERE = (
    "`/declare update` works in an incident's own channel, or in a channel with one open "
    "incident. Elsewhere, press *Post update* on the incident's card."
)
NOT_OPEN = "It is resolved: reopen it to post an update."
COMMAND_WAIT = 10.0
"""Seconds `/declare update` may wait on Slack for the access check (after its ack)."""


def _choices(services: Services, card: IncidentCard) -> tuple[tuple[str, ...], tuple[str, ...]]:
    severities, states, _ = org_choices(services.org_config.peek(), card.shown.incident_type_id)
    return severities, states


def open_status_modal(
    press: Press, client: WebClient, respond: Respond, services: Services
) -> None:
    """The Post update modal for an allowed press (the card's or a reminder's)."""
    card = press.card
    if card.shown.resolved:
        tell(respond, press.body, messages.refusal(NOT_OPEN))
        return
    severities, states = _choices(services, card)
    extra: list[dict[str, Any]] = []
    for section in services.status_sections:
        try:
            extra += section.blocks(card)
        except Exception:  # noqa: BLE001 - a section's failure never keeps the modal shut
            log.warning("a Post update section failed to build", exc_info=True)
    _, metadata = fit(UpdateMeta(card.key, card.shown))
    view = status_modal(
        metadata,
        card.shown,
        states=states,
        severities=severities,
        default_next=services.cadences.policy.interval(card.shown.severity),
        extra_blocks=extra,
    )
    open_view(client, respond, press.body, view)


@card_press(Act.POST_UPDATE, opens_modal=True)
def open_post_update(press: Press, client: WebClient, respond: Respond, services: Services) -> None:
    """The card's Post update."""
    open_status_modal(press, client, respond, services)


def accept(
    services: Services,
    card: IncidentCard,
    update: StatusUpdate,
    submission: str,
    *,
    modal_view_id: str | None = None,
    showed: IncidentView | None = None,
) -> bool:
    """Store the update (and its state/severity change) before the ack; False: seen before.

    `showed` is the incident as the modal showed it: only what the person changed from it
    is sent, judged against it (a change someone made meanwhile is neither undone nor
    overtaken silently). None: the card as it is now (`/declare update` changes nothing).

    Raises when the store is down (nothing was stored)."""
    shown = card.shown
    judged = shown
    if showed is not None:
        judged = shown.model_copy(update={"state": showed.state, "severity": showed.severity})
    changes = IncidentChanges(
        state=update.state if update.state != judged.state else None,
        severity=(
            update.severity if update.severity and update.severity != judged.severity else None
        ),
    )
    chore = Chore(
        key=chore_key(KIND, submission),
        kind=KIND,
        card_key=card.key,
        incident_id=card.incident_id,
        actor_id=update.actor_id,
        params=update.model_dump(mode="json"),
        modal_view_id=modal_view_id,
    )
    if services.chores.store.get_chore(chore.key) is not None:
        return False
    if not changes.empty:
        job = UpdateJob(
            key=update_key("status", submission, ""),
            card_key=card.key,
            incident_id=card.incident_id,
            actor_id=update.actor_id,
            changes=changes,
            before=judged,
        )
        if services.cards.add_update(job):
            services.dispatch(job.key, services.updates.run)
    severity = update.severity or shown.severity
    services.cadences.status_posted(update, severity)
    return services.chores.submit(chore)


def submit_status(ack: Ack, body: dict[str, Any], context: BoltContext, services: Services) -> None:
    view = payload.view(body)
    meta = decode(payload.string(view, "private_metadata"))
    user_id = payload.user_id(body)
    team_id = payload.string(payload.obj(body, "team"), "id")
    try:
        card = services.cards.get_card(meta.card_key) if meta else None
    except Exception:  # any store failure: keep the modal, send nothing
        log.exception("the store is unavailable")
        ack(response_action="errors", errors={STATUS_TEXT: STORE_DOWN})
        return
    if card is None or meta is None or meta.snapshot is None:
        ack(response_action="errors", errors={STATUS_TEXT: STALE})
        return
    showed = meta.snapshot
    if card.shown.resolved:
        ack(response_action="errors", errors={STATUS_TEXT: NOT_OPEN})
        return
    refusal = services.access.may(
        Act.POST_UPDATE, user_id, card, wait=ACCESS_WAIT / 2, team_id=team_id
    ).refusal
    if refusal:
        ack(response_action="errors", errors={STATUS_TEXT: plain_refusal(refusal)[:150]})
        return
    values = state_values(view)
    form = read_status(values)
    severities, states = _choices(services, card)
    errors: dict[str, str] = {}
    text = clean_text(form.text)
    if not text:
        errors[STATUS_TEXT] = EMPTY
    if form.state not in states and form.state != showed.state:
        errors[STATUS_STATE] = f"Choose one of {', '.join(states)}."
    if form.severity and form.severity not in severities and form.severity != showed.severity:
        errors[STATUS_SEVERITY] = f"Choose one of {', '.join(severities)}."
    for section in services.status_sections:
        errors.update(section.errors(card, values))
    if errors:
        ack(response_action="errors", errors={k: v[:150] for k, v in errors.items()})
        return
    # only what the person changed from what the modal showed; the rest as it is now
    state = form.state if form.state and form.state != showed.state else card.shown.state
    picked = form.severity if form.severity and form.severity != showed.severity else None
    severity = picked or card.shown.severity
    update = StatusUpdate(
        key=f"{team_id}|{payload.string(view, 'id')}|{payload.string(view, 'hash')}",
        card_key=card.key,
        incident_id=card.incident_id,
        text=text,
        state=state,
        severity=picked,
        next_in=form.next_in or services.cadences.policy.interval(severity),
        actor_id=user_id,
        at=time.time(),
    )
    try:
        fresh = accept(
            services,
            card,
            update,
            update.key,
            modal_view_id=payload.string(view, "id"),
            showed=showed,
        )
    except Exception:  # nothing is posted unless it is stored first
        log.exception("storing the status update failed")
        ack(response_action="errors", errors={STATUS_TEXT: STORE_DOWN})
        return
    if fresh:
        for section in services.status_sections:
            try:
                section.accepted(card, update, values, update.key)
            except Exception:  # noqa: BLE001 - the update stands; the section logs its own
                log.warning("a Post update section failed on accept", exc_info=True)
        log.info("status update on %s accepted", card.incident_id)
    ack(response_action="update", view=POSTED)


def is_update_request(body: dict[str, Any]) -> bool:
    """`/declare update <text>`."""
    words = payload.string(body, "text").split(maxsplit=1)
    return bool(words) and words[0].lower() == "update"


def _card_here(services: Services, body: dict[str, Any]) -> IncidentCard:
    """The open card the command names by where it was typed: the incident channel's own
    card, else the card whose thread it came from (when Slack says), else the one open
    incident of that channel (Slack sends slash commands without their thread)."""
    channel = payload.string(body, "channel_id")
    thread = payload.string(body, "thread_ts")
    cards = [c for c in services.cards.open_cards() if c.channel == channel]
    own = [c for c in cards if c.origin_channel and c.origin_channel != c.channel]
    threaded = [c for c in cards if thread and thread in (c.thread_ts, c.ts)]
    for found in (own, threaded, cards):
        if len(found) == 1:
            return found[0]
    raise NoCard(NOT_HERE)


def post_update_command(
    ack: Ack, body: dict[str, Any], respond: Respond, services: Services
) -> None:
    """`/declare update <text>`: the same update as the modal's, state and severity as they are."""
    ack()
    user_id = payload.user_id(body)
    team_id = payload.string(body, "team_id")
    parts = payload.string(body, "text").split(maxsplit=1)
    text = clean_text(parts[1] if len(parts) > 1 else "")

    def answer(message: str) -> None:
        respond(text=message, response_type="ephemeral", replace_original=False)

    if not text:
        answer("Say what's happening now: `/declare update <text>`.")
        return

    def run() -> None:
        _post_update(services, body, user_id, team_id, text, answer)

    # the store scan and the access policy may be slow: after the ack, on the pool
    after_ack(services, run, answer)


def _post_update(
    services: Services,
    body: dict[str, Any],
    user_id: str,
    team_id: str,
    text: str,
    answer: Callable[[str], None],
) -> None:
    try:
        card = _card_here(services, body)
    except NoCard as no:
        answer(no.text)
        return
    except Exception:  # the store is down
        log.exception("the store is unavailable")
        answer(STORE_DOWN)
        return
    refusal = services.access.may(
        Act.POST_UPDATE, user_id, card, wait=COMMAND_WAIT, team_id=team_id
    ).refusal
    if refusal:
        answer(messages.refusal(refusal))
        return
    update = StatusUpdate(
        key=f"{team_id}|{payload.string(body, 'channel_id')}|{payload.string(body, 'trigger_id')}",
        card_key=card.key,
        incident_id=card.incident_id,
        text=text,
        state=card.shown.state,
        next_in=services.cadences.policy.interval(card.shown.severity),
        actor_id=user_id,
        at=time.time(),
    )
    try:
        accept(services, card, update, update.key)
    except Exception:
        log.exception("storing the status update failed")
        answer(STORE_DOWN)
        return
    log.info("status update on %s accepted (command)", card.incident_id)
