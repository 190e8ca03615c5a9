"""The card's buttons: Update and Resolve open their modal at once, Reopen acts, Retry resumes.

Every press goes through `card_press`: ack, find the incident from what the bot stored for
the message the button is on (never from a value in the payload), ask the one access
policy (bot/slack/access/policy.py) whether this person may do that, and tell a refusal or a
failure to the person. Update opens the modal from the stored card first (the trigger
lasts 3 s; Datadog is not waited for), then fills it with Datadog's current incident
through views.update, off the listener's thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from slack_bolt import Ack, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.domain.access.rules import Act
from bot.domain.lifecycle.record import IncidentCard, UpdateJob, UpdateKind, update_key
from bot.domain.lifecycle.resolve import plan_reopen
from bot.domain.reliability.outcomes import StepFailed
from bot.slack.access.policy import ACCESS_WAIT
from bot.slack.common import payload
from bot.slack.common.context import Services, after_ack
from bot.slack.common.resolve_extras import extra_blocks
from bot.slack.declare import messages
from bot.slack.declare.form.blocks import status_view
from bot.slack.declare.retry import answer
from bot.slack.errors import error_of
from bot.slack.lifecycle.context import StoreDown, card_of_message
from bot.slack.lifecycle.update_form import resolve_view, update_modal
from bot.slack.lifecycle.update_metadata import UpdateMeta, fit

log = logging.getLogger(__name__)

UNKNOWN_CARD = "declare-bot has no record of this incident's card, so it can't change it."
STORE_DOWN = (
    "declare-bot can't read what it stored right now, so nothing was changed. "
    "Try again in a moment."
)
TITLES = {
    Act.UPDATE: "Can't update",
    Act.RESOLVE: "Can't resolve",
    Act.ADD_RESPONDER: "Can't add responder",
    Act.REMOVE_RESPONDER: "Can't remove",
    Act.PAGE: "Can't page",
    Act.POST_UPDATE: "Can't post an update",
}


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


class NoCard(Exception):
    """The press names no card this person can act on: `text` says why (and `title` heads
    the modal when the button opens one)."""

    def __init__(self, text: str, title: str = "") -> None:
        super().__init__(text)
        self.text = text
        self.title = title


Finder = Callable[[Services, dict[str, Any]], IncidentCard]
"""How a button names its card: the stored message it is on, a signed value, a stored job."""


def on_message(services: Services, body: dict[str, Any]) -> IncidentCard:
    """The card the pressed button is on, from what the bot stored for that message."""
    try:
        card = card_of_message(services, body)
    except StoreDown:
        raise NoCard(STORE_DOWN) from None
    if card is None:
        log.warning("a button pressed on a message with no stored card")
        raise NoCard(UNKNOWN_CARD)
    return card


def authorize(
    services: Services,
    act: Act,
    body: dict[str, Any],
    card: IncidentCard,
    refuse: Callable[[str], None],
) -> Press | None:
    """The press, if its person may `act` on `card`; else None, the refusal told."""
    user_id = payload.user_id(body)
    team_id = payload.string(payload.obj(body, "team"), "id") or payload.string(
        payload.obj(body, "user"), "team_id"
    )
    verdict = services.access.may(act, user_id, card, wait=ACCESS_WAIT, team_id=team_id)
    if verdict.refusal:
        log.info("%s of %s refused for %s", act.value, card.incident_id, user_id)
        refuse(verdict.refusal)
        return None
    return Press(body=body, user_id=user_id, team_id=team_id, card=card)


def card_press(
    act: Act, *, opens_modal: bool, find: Finder = on_message
) -> Callable[[Callable[[Press, WebClient, Respond, Services], None]], Any]:
    """The one way a card or list button is handled: ack, find the card (`find`), ask the
    access policy, tell a refusal, then `run`.

    A button that opens a modal runs on the listener's thread (its trigger lasts 3 s) and
    tells a refusal in a modal; any other runs off it and answers ephemerally.
    """

    def wrap(run: Callable[[Press, WebClient, Respond, Services], None]) -> Any:
        def listener(
            ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, services: Services
        ) -> None:
            ack()

            def refuse(text: str, title: str = "") -> None:
                if opens_modal:
                    title = title or TITLES.get(act, "Can't do that")
                    open_view(client, respond, body, status_view(title, messages.refusal(text)))
                else:
                    tell(respond, body, messages.refusal(text))

            def handle() -> None:
                try:
                    card = find(services, body)
                except NoCard as no:
                    refuse(no.text, no.title)
                    return
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
def open_update(press: Press, client: WebClient, respond: Respond, services: Services) -> None:
    """The update modal for the card the button is on."""
    open_update_modal(press, client, respond, services)


def open_update_modal(
    press: Press, client: WebClient, respond: Respond, services: Services
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
    client: WebClient, services: Services, card: IncidentCard, opened: dict[str, Any]
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
def open_resolve(press: Press, client: WebClient, respond: Respond, services: Services) -> None:
    _, text = fit(UpdateMeta(press.card.key))
    extra = extra_blocks(services, press.card)
    view = resolve_view(text, press.card.shown, now=datetime.now(UTC), extra=extra)
    open_view(client, respond, press.body, view)


@card_press(Act.REOPEN, opens_modal=False)
def reopen(press: Press, client: WebClient, respond: Respond, services: Services) -> None:
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


class StoredJob(Protocol):
    """A stored update or chore, as its Retry reads it."""

    @property
    def card_key(self) -> str: ...

    @property
    def actor_id(self) -> str: ...


def failed_job(what: str, read: Callable[[Services, str], StoredJob | None]) -> Finder:
    """How a Retry names its card: the stored job (`what`: "update") its value keys; only
    the person who asked for it may retry it."""

    def find(services: Services, body: dict[str, Any]) -> IncidentCard:
        key = payload.string(payload.first_action(body), "value")
        try:
            job = read(services, key) if key else None
            card = services.cards.get_card(job.card_key) if job else None
        except Exception:  # the store is down: the person hears it
            log.exception("reading the %s for Retry failed", what)
            raise NoCard(STORE_DOWN) from None
        if job is None or card is None:
            raise NoCard(f"That {what} is no longer stored.")
        if job.actor_id != payload.user_id(body):
            raise NoCard(f"Only the person who asked for this {what} can retry it.")
        return card

    return find


def resume_retried(press: Press, respond: Respond, resume: Callable[[str], object]) -> None:
    """Say so, then resume the stored job the pressed Retry names (on the worker pool)."""
    key = payload.string(payload.first_action(press.body), "value")
    answer(respond, press.body, text="Retrying…", response_type="ephemeral", replace_original=True)
    resume(key)


@card_press(
    Act.RETRY, opens_modal=False, find=failed_job("change", lambda s, k: s.cards.get_update(k))
)
def retry_update(press: Press, client: WebClient, respond: Respond, services: Services) -> None:
    """Retry a failed update: only its own person, still allowed, resumes it."""
    resume_retried(press, respond, lambda key: services.dispatch(key, services.updates.retry))
