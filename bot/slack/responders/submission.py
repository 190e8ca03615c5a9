"""Submitting Add responder and Remove responder: judged in the ack, stored, then done.

Before the ack (Slack waits 3 s): the person may still do it (the one access policy), the
person chosen is found in Datadog by email exactly as a commander is (the same resolver,
so the same no-partial-match, disabled- and missing-account rules and words), and the role
chosen still exists in Datadog. Any problem goes under its field and nothing is sent. An
accepted submission is stored as a `Chore` (one per submission: a redelivery finds it)
before the ack, and carried out by the ChoreRunner (bot/slack/responders/works.py).
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from slack_bolt import Ack, BoltContext

from bot.domain.access.rules import Act
from bot.domain.incident.responders import Responder
from bot.domain.lifecycle.chores import Chore, chore_key
from bot.domain.lifecycle.record import IncidentCard
from bot.domain.reliability.outcomes import LookupFailed, StepFailed
from bot.slack.access.allowlist import plain_refusal
from bot.slack.common import ids, payload
from bot.slack.common.context import Services
from bot.slack.declare.form.blocks import status_view
from bot.slack.lifecycle.chore_retry import submit_chore
from bot.slack.lifecycle.update_submission import (
    ACCESS_SUBMIT_WAIT,
    LATE,
    MIN_READ,
    STALE,
    STORE_DOWN,
    AckClock,
)
from bot.slack.responders.forms import card_key_of, read_form
from bot.slack.responders.works import ADD, REMOVE

log = logging.getLogger(__name__)

ROLE_GONE = "This role no longer exists in Datadog. Choose another, or none."
ALREADY = "They are already a responder to this incident."
ROLES_UNREAD = "Couldn't check this role in Datadog ({reason}). Nothing was sent."
ADDING = status_view("Adding responder", ":hourglass_flowing_sand: Adding them in Datadog…")
REMOVING = status_view("Removing responder", ":hourglass_flowing_sand: Removing them in Datadog…")


def _errors(ack: Ack, block: str, text: str) -> None:
    ack(response_action="errors", errors={block: text[:150]})


def _begin(
    ack: Ack, body: dict[str, Any], services: Services, act: Act, block: str, clock: AckClock
) -> tuple[IncidentCard, str, str, str] | None:
    """(card, user, team, chore key), or None once acked with why not."""
    view = payload.view(body)
    key = card_key_of(view)
    user_id = payload.user_id(body)
    team_id = payload.string(payload.obj(body, "team"), "id")
    try:
        card = services.cards.get_card(key) if key else None
    except Exception:  # any store failure: keep the modal, send nothing
        log.exception("the store is unavailable")
        _errors(ack, block, STORE_DOWN)
        return None
    if card is None:
        _errors(ack, block, STALE)
        return None
    wait = clock.left(ACCESS_SUBMIT_WAIT)
    refusal = services.access.may(act, user_id, card, wait=wait, team_id=team_id).refusal
    if refusal:
        log.info("%s of %s refused for %s", act.value, card.incident_id, user_id)
        _errors(ack, block, plain_refusal(refusal))
        return None
    kind = ADD if act is Act.ADD_RESPONDER else REMOVE
    chore = chore_key(kind, team_id, payload.string(view, "id"), payload.string(view, "hash"))
    return card, user_id, team_id, chore


class _RoleCheck:
    """The chosen role read fresh from Datadog on its own thread, beside the person's
    lookup: (problem for the Role field, None) or (None, the role's name)."""

    def __init__(self, services: Services, role_id: str, clock: AckClock) -> None:
        self._services, self._role_id, self._clock = services, role_id, clock
        self._answer: tuple[str | None, str | None] = (LATE, None)
        self._thread = threading.Thread(target=self._run, daemon=True, name="role-check")
        self._thread.start()

    def _run(self) -> None:
        budget = self._clock.left(2.0)
        try:
            if budget < MIN_READ:
                raise StepFailed("Datadog is slow to answer", retryable=True)
            roles = {r.id: r for r in self._services.responders.roles(budget=budget, fresh=True)}
        except StepFailed as exc:
            self._answer = (ROLES_UNREAD.format(reason=exc.reason), None)
            return
        except Exception as exc:  # noqa: BLE001 - told under the field, nothing sent
            self._answer = (ROLES_UNREAD.format(reason=type(exc).__name__), None)
            return
        role = roles.get(self._role_id)
        self._answer = (None, role.name) if role else (ROLE_GONE, None)

    def result(self) -> tuple[str | None, str | None]:
        self._thread.join(self._clock.left(2.5))
        return self._answer


def submit_add_responder(
    ack: Ack, body: dict[str, Any], context: BoltContext, services: Services
) -> None:
    clock = AckClock(context)
    person_block = ids.RESPONDER_PERSON
    begun = _begin(ack, body, services, Act.ADD_RESPONDER, person_block, clock)
    if begun is None:
        return
    card, user_id, _, key = begun
    view = payload.view(body)
    form = read_form(view)
    if not form.person:
        _errors(ack, person_block, "Choose the person to add.")
        return
    if any(r.slack_user_id == form.person for r in card.responders):
        _errors(ack, person_block, ALREADY)
        return
    check = _RoleCheck(services, form.role_id, clock) if form.role_id else None
    try:  # the role is checked beside (one call of latency, not two)
        found = services.resolver.resolve(
            form.person, timeout=clock.left(services.commander_ack_budget)
        )
    except LookupFailed as exc:  # the commander's words ("Choose someone else") fit here
        _errors(ack, person_block, str(exc))
        return
    except TimeoutError:
        _errors(ack, person_block, "Still looking this person up in Datadog; submit again.")
        return
    if found.datadog_id in (card.shown.commander_id, *(r.datadog_user_id for r in card.responders)):
        _errors(ack, person_block, ALREADY)
        return
    role_name = None
    if check is not None:
        problem, role_name = check.result()
        if problem:
            _errors(ack, ids.RESPONDER_ROLE, problem)
            return
    wanted = Responder(
        responder_id=f"pending:{key}",
        datadog_user_id=found.datadog_id,
        email=found.email,
        role_id=form.role_id,
        role_name=role_name,
        slack_user_id=form.person,
    )
    chore = Chore(
        key=key,
        kind=ADD,
        card_key=card.key,
        incident_id=card.incident_id,
        actor_id=user_id,
        params=wanted.model_dump(mode="json", exclude={"responder_id"}, exclude_none=True),
        modal_view_id=payload.string(view, "id"),
    )
    submit_chore(ack, services, chore, clock, block=person_block, working=ADDING)


def submit_remove_responder(
    ack: Ack, body: dict[str, Any], context: BoltContext, services: Services
) -> None:
    clock = AckClock(context)
    block = ids.RESPONDER_PICK
    begun = _begin(ack, body, services, Act.REMOVE_RESPONDER, block, clock)
    if begun is None:
        return
    card, user_id, _, key = begun
    view = payload.view(body)
    form = read_form(view)
    chosen = next((r for r in card.responders if r.responder_id == form.responder_id), None)
    if chosen is None:
        _errors(ack, block, "They are no longer on the card. Close this and look again.")
        return
    chore = Chore(
        key=key,
        kind=REMOVE,
        card_key=card.key,
        incident_id=card.incident_id,
        actor_id=user_id,
        params=chosen.model_dump(mode="json", exclude_none=True),
        modal_view_id=payload.string(view, "id"),
    )
    submit_chore(ack, services, chore, clock, block=block, working=REMOVING)
