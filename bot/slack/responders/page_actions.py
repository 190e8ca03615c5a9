"""Paging from the card: the Page button opens the modal, its submission becomes one page
chore (stored before the ack), Page again pages once more by choice, and the team select
lists Datadog's teams. Every press and submission asks the one access policy (Act.PAGE).
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from bot.domain.access.rules import Act
from bot.domain.lifecycle.chores import Chore, chore_key
from bot.domain.lifecycle.record import IncidentCard
from bot.domain.reliability.outcomes import LookupFailed, StepFailed
from bot.domain.responders.paging import PageRequest, PageTarget
from bot.slack.access.allowlist import plain_refusal
from bot.slack.common import ids, payload
from bot.slack.common.context import Services
from bot.slack.common.mrkdwn import safe
from bot.slack.declare.form.blocks import status_view
from bot.slack.declare.form.page_field import PageChoice, read_page_choice, team_options
from bot.slack.declare.form.state import state_values
from bot.slack.lifecycle.card_actions import (
    STORE_DOWN,
    NoCard,
    Press,
    card_press,
    open_view,
    tell,
)
from bot.slack.lifecycle.chore_retry import submit_chore
from bot.slack.lifecycle.list_command import listed_card
from bot.slack.lifecycle.update_submission import ACCESS_SUBMIT_WAIT, STALE, AckClock
from bot.slack.responders.page_modal import page_modal, read_message
from bot.slack.responders.page_work import KIND

log = logging.getLogger(__name__)

PAGING = status_view("Paging", ":hourglass_flowing_sand: Paging in Datadog…")
SAVE_FAILED = "declare-bot can't save this page right now, so nothing was sent. Try again."
SLOW_PERSON = "Finding this person's Datadog user took too long. Submit again."


@card_press(Act.PAGE, opens_modal=True)
def open_page(press: Press, client: WebClient, respond: Respond, services: Services) -> None:
    """The Page modal for the card the button is on."""
    _open_page_modal(press, client, respond)


@card_press(Act.PAGE, opens_modal=True, find=listed_card)
def open_page_from_home(
    press: Press, client: WebClient, respond: Respond, services: Services
) -> None:
    """The Home tab's Page: the same modal, for the incident its signed value names."""
    _open_page_modal(press, client, respond)


def _open_page_modal(press: Press, client: WebClient, respond: Respond) -> None:
    shown = press.card.shown
    open_view(client, respond, press.body, page_modal(press.card.key, shown.label, shown.title))


def suggest_page_teams(ack: Ack, body: dict[str, Any], services: Services) -> None:
    """The team select's options: Datadog's teams matching what was typed (within 3 s)."""
    try:
        teams = services.pager.teams(payload.string(body, "value"))
    except StepFailed as exc:
        log.warning("listing Datadog's teams failed: %s", exc.reason)
        teams = []
    ack(options=team_options(teams))


def _target(ack: Ack, services: Services, choice: PageChoice, clock: AckClock) -> PageTarget | None:
    """The chosen team, or the chosen person's Datadog user (as the commander is found)."""
    if choice.team_handle:
        return PageTarget.team(choice.team_handle, choice.team_label or None)
    budget = clock.left(services.commander_ack_budget)
    try:
        found = services.resolver.resolve(choice.person, timeout=budget)
    except LookupFailed as exc:
        ack(response_action="errors", errors={ids.PAGE_PERSON_BLOCK: str(exc)[:150]})
        return None
    except TimeoutError:
        ack(response_action="errors", errors={ids.PAGE_PERSON_BLOCK: SLOW_PERSON})
        return None
    return PageTarget.person(found.datadog_id, choice.person, found.email)


def submit_page(ack: Ack, body: dict[str, Any], services: Services, context: BoltContext) -> None:
    """Check, store the page as a chore, then ack; the runner pages after the ack."""
    clock = AckClock(context)
    view = payload.view(body)
    user_id = payload.user_id(body)
    team_id = payload.string(payload.obj(body, "team"), "id")
    key = chore_key(KIND, team_id, payload.string(view, "id"), payload.string(view, "hash"))
    field = ids.PAGE_TEAM_BLOCK
    try:
        card = services.cards.get_card(payload.string(view, "private_metadata"))
        known = services.chores.store.get_chore(key) if card else None
    except Exception:  # the store is down: keep the modal, send nothing
        log.exception("the store is unavailable")
        ack(response_action="errors", errors={field: SAVE_FAILED})
        return
    if card is None:
        ack(response_action="errors", errors={field: STALE[:150]})
        return
    if known is not None:
        log.info("duplicate page submission ignored")
        ack(response_action="update", view=PAGING)
        return
    wait = clock.left(ACCESS_SUBMIT_WAIT)
    refusal = services.access.may(Act.PAGE, user_id, card, wait=wait, team_id=team_id).refusal
    if refusal:
        ack(response_action="errors", errors={field: plain_refusal(refusal)[:150]})
        return
    values = state_values(view)
    choice = read_page_choice(values)
    problem = choice.problem(required=True)
    if problem:
        ack(response_action="errors", errors={field: problem})
        return
    target = _target(ack, services, choice, clock)
    if target is None:
        return
    request = PageRequest(target=target, message=read_message(values))
    chore = Chore(
        key=key,
        kind=KIND,
        card_key=card.key,
        incident_id=card.incident_id,
        actor_id=user_id,
        params=request.params(),
        modal_view_id=payload.string(view, "id"),
    )
    submit_chore(ack, services, chore, clock, block=field, working=PAGING, store_down=SAVE_FAILED)


def _paged(services: Services, body: dict[str, Any]) -> IncidentCard:
    """The card of the page a Page again names (from the stored chore, not the payload)."""
    key = payload.string(payload.first_action(body), "value")
    try:
        chore = services.chores.store.get_chore(key) if key else None
        card = services.cards.get_card(chore.card_key) if chore else None
    except Exception:  # the store is down: the person hears it
        log.exception("reading the page for Page again failed")
        raise NoCard(STORE_DOWN) from None
    if chore is None or chore.kind != KIND or card is None:
        raise NoCard("That page is no longer stored.")
    return card


@card_press(Act.PAGE, opens_modal=False, find=_paged)
def page_again(press: Press, client: WebClient, respond: Respond, services: Services) -> None:
    """One more page with the same target and message: a new chore, chosen by a person
    (one per original page, so a double press pages once)."""
    original = services.chores.store.get_chore(
        payload.string(payload.first_action(press.body), "value")
    )
    if original is None:
        tell(respond, press.body, "That page is no longer stored.")
        return
    again = Chore(
        key=chore_key(KIND, original.key, "again"),
        kind=KIND,
        card_key=press.card.key,
        incident_id=press.card.incident_id,
        actor_id=press.user_id,
        params=original.params,
    )
    who = PageRequest.model_validate(original.params).target.shown
    try:
        added = services.chores.submit(
            again, stored=lambda: tell(respond, press.body, f"Paging {safe(who, 100)} again…")
        )
    except Exception:  # nothing is sent unless it is stored first
        log.exception("storing Page again failed")
        tell(respond, press.body, SAVE_FAILED)
        return
    if not added:
        tell(respond, press.body, "That page was already sent again.")
