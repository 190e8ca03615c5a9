"""The card's buttons: Update and Resolve open their modal at once, Reopen acts, Retry resumes.

Every press goes through `card_press`: ack, find the incident from what the bot stored for
the message the button is on (never from a value in the payload), ask the one access
policy (bot/slack/access.py) whether this person may do that, and tell a refusal or a
failure to the person. Update opens the modal from the stored card first (the trigger
lasts 3 s; Datadog is not waited for), then fills it with Datadog's current incident
through views.update, off the listener's thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.domain.access import Act
from bot.domain.incident_record import IncidentCard, UpdateJob, UpdateKind, update_key
from bot.domain.incident_resolve import plan_reopen
from bot.domain.ports import StepFailed
from bot.slack import messages, payload
from bot.slack.access import ACCESS_WAIT
from bot.slack.errors import error_of
from bot.slack.form.blocks import status_view
from bot.slack.listeners.context import after_ack
from bot.slack.listeners.lifecycle_context import Lifecycle, StoreDown, card_of_message
from bot.slack.listeners.retry import answer
from bot.slack.update_form import resolve_view, update_modal
from bot.slack.update_metadata import UpdateMeta, fit

log = logging.getLogger(__name__)

UNKNOWN_CARD = "declare-bot has no record of this incident's card, so it can't change it."
STORE_DOWN = (
    "declare-bot can't read what it stored right now, so nothing was changed. "
    "Try again in a moment."
)
TITLES = {Act.UPDATE: "Can't update", Act.RESOLVE: "Can't resolve"}


@dataclass(frozen=True)
class Press:
    """A button press on an incident, its person allowed: what a card handler acts on."""

    body: dict[str, Any]
    user_id: str
    team_id: str
    card: IncidentCard


def tell(respond: Respond, body: dict[str, Any], text: str) -> None:
    """An ephemeral answer to the person who pressed."""
    answer(respond, body, text=text, response_type="ephemeral", replace_original=False)


def open_view(
    client: WebClient, respond: Respond, body: dict[str, Any], view: dict[str, Any]
) -> dict[str, Any]:
    """views.open with the press's trigger; a failure is told to the person."""
    try:
        opened = client.views_open(trigger_id=payload.string(body, "trigger_id"), view=view)
    except Exception as exc:  # noqa: BLE001 - any failure: say so, never leave silence
        error = error_of(exc)
        log.error("views.open for a card button failed: %s", error)
        tell(
            respond,
            body,
            messages.refusal(
                f"The form couldn't open: Slack said `{error}`. Nothing was changed. "
                "Press the button again."
            ),
        )
        return {}
    return payload.as_dict(opened.get("view"))


def authorize(
    services: Lifecycle,
    act: Act,
    body: dict[str, Any],
    card: IncidentCard | None,
    refuse: Callable[[str], None],
) -> Press | None:
    """The press, if its person may `act` on `card`; else None, the refusal told."""
    user = payload.obj(body, "user")
    user_id = payload.string(user, "id")
    if card is None:
        log.warning("%s pressed on a message with no stored card", act.value)
        refuse(UNKNOWN_CARD)
        return None
    verdict = services.access.may(act, user_id, card, wait=ACCESS_WAIT)
    if verdict.refusal:
        log.info("%s of %s refused for %s", act.value, card.incident_id, user_id)
        refuse(verdict.refusal)
        return None
    team_id = payload.string(payload.obj(body, "team"), "id") or payload.string(user, "team_id")
    return Press(body=body, user_id=user_id, team_id=team_id, card=card)


def card_press(
    act: Act, *, opens_modal: bool
) -> Callable[[Callable[[Press, WebClient, Respond, Lifecycle], None]], Any]:
    """The one way a card button is handled: ack, the card, the access policy, then `run`.

    A button that opens a modal runs on the listener's thread (its trigger lasts 3 s) and
    tells a refusal in a modal; any other runs off it and answers ephemerally.
    """

    def wrap(run: Callable[[Press, WebClient, Respond, Lifecycle], None]) -> Any:
        def listener(
            ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, services: Lifecycle
        ) -> None:
            ack()

            def handle() -> None:
                try:
                    card = card_of_message(services, body)
                except StoreDown:
                    tell(respond, body, messages.refusal(STORE_DOWN))
                    return
                if opens_modal:

                    def refuse(text: str) -> None:
                        title = TITLES.get(act, "Can't do that")
                        open_view(client, respond, body, status_view(title, messages.refusal(text)))

                else:

                    def refuse(text: str) -> None:
                        tell(respond, body, messages.refusal(text))

                press = authorize(services, act, body, card, refuse)
                if press is not None:
                    run(press, client, respond, services)

            if opens_modal:
                handle()
            else:
                after_ack(
                    services, handle, lambda text: tell(respond, body, messages.refusal(text))
                )

        listener.__name__ = run.__name__
        listener.__doc__ = run.__doc__
        return listener

    return wrap


@card_press(Act.UPDATE, opens_modal=True)
def open_update(press: Press, client: WebClient, respond: Respond, services: Lifecycle) -> None:
    """The update modal for the card the button is on."""
    open_update_modal(press, client, respond, services)


def open_update_modal(
    press: Press, client: WebClient, respond: Respond, services: Lifecycle
) -> None:
    """The update modal for an allowed press (the card's Update, or /declare list's)."""
    card = press.card
    config = services.org_config.peek()
    stored = update_modal(card.key, card.shown, card.commander_slack_id or "", config)
    opened = open_view(client, respond, press.body, stored)
    view_id = payload.string(opened, "id")
    if not view_id:
        return
    log.info("update modal opened for %s by %s", card.incident_id, press.user_id)
    after_ack(services, lambda: _refresh(client, services, card, opened), None)


def _refresh(
    client: WebClient, services: Lifecycle, card: IncidentCard, opened: dict[str, Any]
) -> None:
    """Fill the opened modal with Datadog's current incident (off the listener's thread)."""
    try:
        current = services.incidents.get_incident(card.incident_id)
    except StepFailed as exc:
        log.warning("could not refresh the update modal: %s", exc.reason)
        return
    same = current.commander_id == card.shown.commander_id
    commander = (card.commander_slack_id or "") if same else ""
    config = services.org_config.get(timeout=services.org_config_wait)
    fresh = update_modal(card.key, current, commander, config)
    try:
        client.views_update(
            view_id=payload.string(opened, "id"), hash=payload.string(opened, "hash"), view=fresh
        )
    except SlackApiError as exc:  # hash_conflict: the person is already typing; keep theirs
        log.info("views.update of the update modal failed: %s", error_of(exc))


@card_press(Act.RESOLVE, opens_modal=True)
def open_resolve(press: Press, client: WebClient, respond: Respond, services: Lifecycle) -> None:
    _, text = fit(UpdateMeta(press.card.key))
    open_view(
        client, respond, press.body, resolve_view(text, press.card.shown, now=datetime.now(UTC))
    )


@card_press(Act.REOPEN, opens_modal=False)
def reopen(press: Press, client: WebClient, respond: Respond, services: Lifecycle) -> None:
    card, body = press.card, press.body
    changes = plan_reopen(card.shown)
    if changes.empty:
        tell(respond, body, "It is already open.")
        return
    action_ts = payload.string(payload.first_action(body), "action_ts")
    job = UpdateJob(
        key=update_key(press.team_id, card.key, action_ts or press.user_id),
        card_key=card.key,
        incident_id=card.incident_id,
        actor_id=press.user_id,
        kind=UpdateKind.REOPEN,
        changes=changes,
    )
    try:
        added = services.cards.add_update(job)
    except Exception:  # nothing is sent unless it is stored first
        log.exception("storing the reopen failed")
        tell(respond, body, messages.refusal(STORE_DOWN))
        return
    if added:
        log.info("reopen of %s accepted", card.incident_id)
        services.dispatch(job.key, services.updates.run)


def retry_update(ack: Ack, body: dict[str, Any], respond: Respond, services: Lifecycle) -> None:
    """Retry a failed update: only its own person, still allowed, resumes it."""
    ack()
    after_ack(
        services,
        lambda: _retry_update(body, respond, services),
        lambda text: tell(respond, body, messages.refusal(text)),
    )


def _retry_update(body: dict[str, Any], respond: Respond, services: Lifecycle) -> None:
    key = payload.string(payload.first_action(body), "value")
    user_id = payload.string(payload.obj(body, "user"), "id")
    try:
        job = services.cards.get_update(key) if key else None
        card = services.cards.get_card(job.card_key) if job else None
    except Exception:  # the store is down: the person hears it
        log.exception("reading the update for Retry failed")
        tell(respond, body, messages.refusal(STORE_DOWN))
        return
    if job is None or card is None:
        tell(respond, body, messages.refusal("That update is no longer stored."))
        return
    if job.actor_id != user_id:
        tell(
            respond,
            body,
            messages.refusal("Only the person who asked for this change can retry it."),
        )
        return

    def refuse(text: str) -> None:
        tell(respond, body, messages.refusal(text))

    if authorize(services, Act.RETRY, body, card, refuse) is None:
        return
    answer(respond, body, text="Retrying…", response_type="ephemeral", replace_original=True)
    services.dispatch(job.key, services.updates.retry)
