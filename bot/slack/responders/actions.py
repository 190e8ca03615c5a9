"""The card's staffing buttons: Add responder and Remove responder open their modal,
Take command makes the person pressing it the commander.

Each goes through `card_press` (ack, the card from the stored message, the one access
policy, refusals told). The Add responder modal opens at once with the org's roles as
last read, however old (none before the first read), and Datadog's roles fill it through
views.update after the ack, as the Update modal is refreshed: the trigger lasts 3 s.
Take command is an update of the commander alone, through the update path
(`UpdateJob`, the same as the Update modal's commander): its thread note names the
previous commander.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.domain.access.rules import Act
from bot.domain.incident.responders import ResponderRole
from bot.domain.incident.state import IncidentChanges, IncidentUser
from bot.domain.lifecycle.record import IncidentCard, UpdateJob, update_key
from bot.domain.reliability.outcomes import LookupFailed, StepFailed
from bot.domain.responders.roster import roster
from bot.slack.common import payload
from bot.slack.common.context import Services, after_ack
from bot.slack.declare import messages
from bot.slack.declare.form.blocks import status_view
from bot.slack.errors import error_of
from bot.slack.lifecycle.card_actions import STORE_DOWN, Press, card_press, open_view, tell
from bot.slack.responders.forms import add_responder_view, remove_responder_view

log = logging.getLogger(__name__)

TAKE_COMMAND_WAIT = 10.0
"""Seconds Take command waits to find the person in Datadog (after the ack)."""


@card_press(Act.ADD_RESPONDER, opens_modal=True)
def open_add_responder(
    press: Press, client: WebClient, respond: Respond, services: Services
) -> None:
    """The Add responder modal: a person and, when the org has roles, a role. It opens at
    once with the roles as last read; Datadog's fill it after the ack."""
    card = press.card
    shown = services.responders.last_roles()
    view = add_responder_view(card.key, card.shown.label, shown or [])
    opened = open_view(client, respond, press.body, view)
    if payload.string(opened, "id"):
        after_ack(services, lambda: _fill_roles(client, services, card, opened, shown), None)


def _fill_roles(
    client: WebClient,
    services: Services,
    card: IncidentCard,
    opened: dict[str, Any],
    shown: list[ResponderRole] | None,
) -> None:
    """The opened modal filled with Datadog's roles (off the listener's thread); a failed
    read keeps the roles it shows, or says why it shows none."""
    problem = None
    try:
        roles = services.responders.roles()
    except StepFailed as exc:
        log.info("the org's roles could not be read for the modal: %s", exc.reason)
        if shown is not None:
            return
        roles, problem = [], exc.reason
    view = add_responder_view(card.key, card.shown.label, roles, problem)
    try:
        client.views_update(
            view_id=payload.string(opened, "id"), hash=payload.string(opened, "hash"), view=view
        )
    except SlackApiError as exc:  # the modal moved on (submitted, closed): nothing to fill
        log.info("views.update of the Add responder modal failed: %s", error_of(exc))


@card_press(Act.REMOVE_RESPONDER, opens_modal=True)
def open_remove_responder(
    press: Press, client: WebClient, respond: Respond, services: Services
) -> None:
    """The Remove responder modal: the card's responders (the commander is changed by Update)."""
    card = press.card
    listed = roster(card.responders, card.shown.commander_id)
    if not listed:
        text = messages.refusal("The card lists no responder to remove.")
        open_view(client, respond, press.body, status_view("No responders", text))
        return
    open_view(
        client, respond, press.body, remove_responder_view(card.key, card.shown.label, listed)
    )


@card_press(Act.TAKE_COMMAND, opens_modal=False)
def take_command(press: Press, client: WebClient, respond: Respond, services: Services) -> None:
    """The person pressing becomes the commander: a commander-only update."""
    card, body = press.card, press.body
    if card.commander_slack_id == press.user_id:
        tell(respond, body, "You're already the commander.")
        return
    try:
        found = services.resolver.resolve(press.user_id, timeout=TAKE_COMMAND_WAIT)
        current = services.incidents.get_incident(card.incident_id)
    except LookupFailed as exc:
        tell(respond, body, messages.refusal(f"You can't take command: {exc}"))
        return
    except StepFailed as exc:
        tell(respond, body, messages.refusal(f"Nothing was changed: {exc.reason}"))
        return
    except TimeoutError:
        tell(respond, body, messages.refusal("Finding you in Datadog took too long; try again."))
        return
    if current.commander_id == found.datadog_id:
        tell(respond, body, "You're already the commander.")
        return
    me = IncidentUser(datadog_id=found.datadog_id, display=found.email, email=found.email)
    action_ts = payload.string(payload.first_action(body), "action_ts")
    job = UpdateJob(
        key=update_key(press.team_id, card.key, f"take:{action_ts or press.user_id}"),
        card_key=card.key,
        incident_id=card.incident_id,
        actor_id=press.user_id,
        changes=IncidentChanges(commander=me),
        commander_slack_id=press.user_id,
        before=current,
    )
    try:
        added = services.cards.add_update(job)
    except Exception:  # nothing is sent unless it is stored first
        log.exception("storing Take command failed")
        tell(respond, body, messages.refusal(STORE_DOWN))
        return
    if added:
        log.info("%s takes command of %s", press.user_id, card.incident_id)
        services.dispatch(job.key, services.updates.run)
