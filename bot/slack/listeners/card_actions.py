"""The card's buttons: Update and Resolve open their modal at once, Reopen acts, Retry resumes.

The incident comes from what the bot stored for the message the button is on. Update opens
the modal from the stored card first (the trigger lasts 3 s; Datadog is not waited for),
then fills it with Datadog's current incident through views.update.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.domain.incident_record import IncidentCard, UpdateJob, UpdateKind, update_key
from bot.domain.incident_resolve import plan_reopen
from bot.domain.ports import StepFailed
from bot.slack import messages, payload
from bot.slack.form.blocks import status_view
from bot.slack.listeners.lifecycle_context import Lifecycle, card_of_message
from bot.slack.listeners.retry import answer
from bot.slack.update_form import resolve_view, update_modal
from bot.slack.update_metadata import UpdateMeta, fit

log = logging.getLogger(__name__)

UNKNOWN_CARD = "declare-bot has no record of this incident's card, so it can't change it."
ALLOWLIST_WAIT = 1.0


def _open(client: WebClient, body: dict[str, Any], view: dict[str, Any]) -> dict[str, Any]:
    try:
        opened = client.views_open(trigger_id=payload.string(body, "trigger_id"), view=view)
    except SlackApiError as exc:
        log.error("views.open for a card button failed: %s", exc.response.get("error"))
        return {}
    return payload.as_dict(opened.get("view"))


def _refused(services: Lifecycle, user_id: str, channel_id: str) -> str | None:
    """Before the ack's deadline: the channel list and the cached groups only (no I/O)."""
    known, refusal = services.allowlist.cached_group_refusal(user_id)
    refusal = services.allowlist.channel_refusal(channel_id) or refusal
    return refusal


def open_update(ack: Ack, body: dict[str, Any], client: WebClient, services: Lifecycle) -> None:
    ack()
    open_update_for(card_of_message(services, body), body, client, services)


def open_update_for(
    card: IncidentCard | None, body: dict[str, Any], client: WebClient, services: Lifecycle
) -> None:
    """The update modal for `card`: the one the button is on, or the one /declare list names."""
    user_id = payload.string(payload.obj(body, "user"), "id")
    refusal = UNKNOWN_CARD if card is None else _refused(services, user_id, card.channel)
    if card is None or refusal:
        _open(client, body, status_view("Can't update", messages.refusal(refusal or "")))
        return
    config = services.org_config.peek()
    stored = update_modal(card.key, card.shown, card.commander_slack_id or "", config)
    opened = _open(client, body, stored)
    view_id = payload.string(opened, "id")
    if not view_id:
        return
    log.info("update modal opened for %s by %s", card.incident_id, user_id)
    try:
        current = services.incidents.get_incident(card.incident_id)
    except StepFailed as exc:
        log.warning("could not refresh the update modal: %s", exc.reason)
        return
    same = current.commander_id == card.shown.commander_id
    commander = (card.commander_slack_id or "") if same else ""
    config = services.org_config.get(timeout=services.org_config_wait)  # off the ack path
    fresh = update_modal(card.key, current, commander, config)
    try:
        client.views_update(view_id=view_id, hash=payload.string(opened, "hash"), view=fresh)
    except SlackApiError as exc:  # hash_conflict: the person is already typing; keep theirs
        log.info("views.update of the update modal failed: %s", exc.response.get("error"))


def open_resolve(ack: Ack, body: dict[str, Any], client: WebClient, services: Lifecycle) -> None:
    ack()
    card = card_of_message(services, body)
    user_id = payload.string(payload.obj(body, "user"), "id")
    refusal = UNKNOWN_CARD if card is None else _refused(services, user_id, card.channel)
    if card is None or refusal:
        _open(client, body, status_view("Can't resolve", messages.refusal(refusal or "")))
        return
    _, text = fit(UpdateMeta(card.key))
    _open(client, body, resolve_view(text, card.shown, now=datetime.now(UTC)))


def reopen(ack: Ack, body: dict[str, Any], respond: Respond, services: Lifecycle) -> None:
    ack()
    card = card_of_message(services, body)
    user_id = payload.string(payload.obj(body, "user"), "id")
    team_id = payload.string(payload.obj(body, "team"), "id")
    refusal = UNKNOWN_CARD if card is None else None
    if card is not None:
        refusal = services.allowlist.refusal(user_id, card.channel, wait=ALLOWLIST_WAIT)
    if card is None or refusal:
        text = messages.refusal(refusal or "")
        answer(respond, body, text=text, response_type="ephemeral", replace_original=False)
        return
    changes = plan_reopen(card.shown)
    if changes.empty:
        answer(
            respond,
            body,
            text="It is already open.",
            response_type="ephemeral",
            replace_original=False,
        )
        return
    action_ts = payload.string(payload.first_action(body), "action_ts")
    job = UpdateJob(
        key=update_key(team_id, card.key, action_ts or user_id),
        card_key=card.key,
        incident_id=card.incident_id,
        actor_id=user_id,
        kind=UpdateKind.REOPEN,
        changes=changes,
    )
    if services.cards.add_update(job):
        log.info("reopen of %s accepted", card.incident_id)
        services.dispatch(job.key, services.updates.run)


def retry_update(ack: Ack, body: dict[str, Any], respond: Respond, services: Lifecycle) -> None:
    """Retry a failed update: only its own person, still allowed, resumes it."""
    ack()
    key = payload.string(payload.first_action(body), "value")
    user_id = payload.string(payload.obj(body, "user"), "id")
    job = services.cards.get_update(key) if key else None
    card = services.cards.get_card(job.card_key) if job else None
    refusal = None if job and card else "That update is no longer stored."
    if job and card and job.actor_id != user_id:
        refusal = "Only the person who asked for this change can retry it."
    if job and card and not refusal:
        refusal = services.allowlist.refusal(user_id, card.channel, wait=ALLOWLIST_WAIT)
    if refusal or job is None:
        text = messages.refusal(refusal or "")
        answer(respond, body, text=text, response_type="ephemeral", replace_original=False)
        return
    answer(respond, body, text="Retrying…", response_type="ephemeral", replace_original=True)
    services.dispatch(job.key, services.updates.retry)
