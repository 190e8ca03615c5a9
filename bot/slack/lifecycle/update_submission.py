"""Submitting the update and resolve modals: authorize, judge, store, ack, then carry out.

At submit the person is checked by the access policy again (as at the open), a new
commander is resolved by email as when declaring, and the change is judged against
Datadog's current incident (bot/domain/lifecycle/update.py). Errors go under their fields;
a conflict redraws the modal on the current incident with a note under each clashing
field. An accepted change is stored before the ack; a redelivered submission finds it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from slack_bolt import Ack, BoltContext

from bot.domain.access.rules import Act
from bot.domain.incident.org import OrgField
from bot.domain.incident.state import IncidentUser, IncidentView
from bot.domain.lifecycle.rebase import rebase
from bot.domain.lifecycle.record import IncidentCard, UpdateJob, UpdateKind, update_key
from bot.domain.lifecycle.resolve import plan_resolve
from bot.domain.lifecycle.update import UpdateForm, UpdateSnapshot, plan_update
from bot.domain.reliability.outcomes import LookupFailed, ReadTooSlow, StepFailed
from bot.domain.reliability.policy import ACK_READ_BUDGET
from bot.slack.access.allowlist import plain_refusal
from bot.slack.common import ids, payload
from bot.slack.common.context import Services
from bot.slack.common.resolve_extras import Start, accept_extras
from bot.slack.declare.form.blocks import status_view
from bot.slack.declare.form.state import state_values
from bot.slack.lifecycle.context import ARRIVED_AT
from bot.slack.lifecycle.update_form import (
    NOTE,
    block_of,
    org_choices,
    read_resolve,
    read_update,
    update_modal,
)
from bot.slack.lifecycle.update_metadata import UpdateMeta, decode, restore

log = logging.getLogger(__name__)

ACK_BY = 2.5
"""Seconds after the submission arrived by which it is judged and acked (Slack waits 3 s):
every wait before the ack (the access check, a new commander, Datadog's read) shares it."""
LATE = (
    "declare-bot took too long to check this change (Slack or Datadog is slow), so nothing "
    "was changed. Submit again."
)
STALE = "This form is out of date. Close it and press the card's button again."
STORE_DOWN = "declare-bot can't save changes right now, so nothing was sent. Try again in a moment."
ACCESS_SUBMIT_WAIT = 1.0
"""Seconds the access check may wait on Slack before the ack (usually cached at the open)."""
MIN_READ = 0.2
"""Seconds of budget below which Datadog is not even asked (it would not answer in time)."""
WORKING = status_view("Updating", ":hourglass_flowing_sand: Saving your change in Datadog…")


class AckClock:
    """The time left before a submission must be acked, from when it arrived (a listener
    that starts late, behind busy threads, has less)."""

    def __init__(self, context: BoltContext) -> None:
        arrived = context.get(ARRIVED_AT)
        self.by = (arrived if isinstance(arrived, float) else time.monotonic()) + ACK_BY

    def left(self, at_most: float) -> float:
        return max(0.0, min(at_most, self.by - time.monotonic()))

    @property
    def out(self) -> bool:
        return time.monotonic() >= self.by


def _begin(
    ack: Ack,
    body: dict[str, Any],
    services: Services,
    error_block: str,
    act: Act,
    clock: AckClock,
) -> tuple[UpdateMeta, IncidentCard, str, str] | None:
    """(metadata, card, user, job key), or None once acked with why not."""
    view = payload.view(body)
    meta = decode(payload.string(view, "private_metadata"))
    user_id = payload.user_id(body)
    team_id = payload.string(payload.obj(body, "team"), "id")
    key = update_key(team_id, payload.string(view, "id"), payload.string(view, "hash"))
    try:
        card = services.cards.get_card(meta.card_key) if meta else None
        known = services.cards.get_update(key) if card else None
    except Exception:  # any store failure: keep the modal, send nothing
        log.exception("the store is unavailable")
        ack(response_action="errors", errors={error_block: STORE_DOWN})
        return None
    if meta is None or card is None:
        ack(response_action="errors", errors={error_block: STALE})
        return None
    if known is not None:
        log.info("duplicate update submission ignored")
        ack(response_action="update", view=WORKING)
        return None
    wait = clock.left(ACCESS_SUBMIT_WAIT)
    refusal = services.access.may(act, user_id, card, wait=wait, team_id=team_id).refusal
    if refusal:
        log.info("%s of %s refused for %s", act.value, card.incident_id, user_id)
        ack(response_action="errors", errors={error_block: plain_refusal(refusal)[:150]})
        return None
    return meta, card, user_id, key


def _current(
    ack: Ack, services: Services, card: IncidentCard, block: str, clock: AckClock
) -> IncidentView | None:
    """Datadog's incident now, within what is left of the ack's time: one try, no waits."""
    budget = clock.left(ACK_READ_BUDGET)
    try:
        if budget < MIN_READ:
            raise ReadTooSlow()
        return services.incidents.current_incident(card.incident_id, budget=budget)
    except ReadTooSlow as exc:
        log.warning("update of %s: Datadog's read ran out of time", card.incident_id)
        ack(response_action="errors", errors={block: exc.reason[:150]})
        return None
    except StepFailed as exc:
        ack(response_action="errors", errors={block: f"Nothing was saved: {exc.reason}"[:150]})
        return None


def _store(
    ack: Ack,
    services: Services,
    job: UpdateJob,
    block: str,
    clock: AckClock,
    extras: Callable[[], Sequence[Start]] | None = None,
) -> None:
    """Store the job, then (before the ack) what `extras` keeps beside it; ack; start both."""
    if clock.out:  # Slack has given up on this answer: the change must not happen later
        log.warning("%s of %s judged too late; not stored", job.kind.value, job.incident_id)
        ack(response_action="errors", errors={block: LATE[:150]})
        return
    try:
        added = services.cards.add_update(job)
    except Exception:  # nothing is sent unless it is stored first
        log.exception("the store is unavailable")
        ack(response_action="errors", errors={block: STORE_DOWN})
        return
    starts = extras() if added and extras is not None else ()
    ack(response_action="update", view=WORKING)
    if added:
        log.info("%s of %s accepted", job.kind.value, job.incident_id)
        services.dispatch(job.key, services.updates.run)
    for start in starts:
        start()


def _commander(
    services: Services, form: UpdateForm, shown_slack_id: str, clock: AckClock
) -> tuple[UpdateForm, str | None]:
    """The form with the new commander's Datadog user, or an error for the field."""
    if not form.commander_slack_id or form.commander_slack_id == shown_slack_id:
        return form, None
    try:
        found = services.resolver.resolve(
            form.commander_slack_id, timeout=clock.left(services.commander_ack_budget)
        )
    except LookupFailed as exc:
        return form, str(exc)
    except TimeoutError:
        return form, "Still looking this person up in Datadog; submit again in a moment."
    user = IncidentUser(datadog_id=found.datadog_id, display=found.email, email=found.email)
    return form.model_copy(update={"commander": user}), None


def _fields(meta: UpdateMeta, known: tuple[OrgField, ...]) -> list[OrgField]:
    by_name = {f.name: f for f in known}
    return [
        by_name[name]
        if name in by_name and by_name[name].kind is kind
        else OrgField(name, name, kind)
        for name, kind in meta.kinds.items()
    ]


def submit_update(ack: Ack, body: dict[str, Any], context: BoltContext, services: Services) -> None:
    clock = AckClock(context)
    begun = _begin(ack, body, services, ids.TITLE, Act.UPDATE, clock)
    if begun is None:
        return
    meta, card, user_id, key = begun
    view = payload.view(body)
    form = read_update(state_values(view), view, list(meta.kinds))
    form, problem = _commander(services, form, meta.commander_slack_id, clock)
    if problem:
        ack(response_action="errors", errors={ids.COMMANDER: problem[:150]})
        return
    current = _current(ack, services, card, ids.TITLE, clock)
    if current is None or meta.snapshot is None:
        if current is not None:
            ack(response_action="errors", errors={ids.TITLE: STALE})
        return
    shown = restore(meta.snapshot, form.title, form.impact_scope, form.answers, current)
    snapshot = UpdateSnapshot(incident=shown, commander_slack_id=meta.commander_slack_id)
    config = services.org_config.peek()
    severities, states, known = org_choices(config, current.incident_type_id)
    org_fields = _fields(meta, known)
    plan = plan_update(
        snapshot, form, current, org_fields=org_fields, severities=severities, states=states
    )
    if plan.errors:
        ack(response_action="errors", errors={block_of(k): v[:150] for k, v in plan.errors.items()})
        return
    if plan.conflicts:
        same = current.commander_id == shown.commander_id
        commander = meta.commander_slack_id if same else ""
        next_snapshot, next_form = rebase(
            snapshot,
            form,
            current,
            plan.conflicts,
            current_commander_slack_id=commander,
            org_fields=org_fields,
        )
        notes = {block_of(c.key): c.message for c in plan.conflicts}
        redrawn = update_modal(
            card.key, next_snapshot.incident, commander, config, form=next_form, notes=notes
        )
        log.info("update conflicts with Datadog: %s", ", ".join(str(c.key) for c in plan.conflicts))
        ack(response_action="update", view=redrawn)
        return
    if plan.changes.empty:
        ack(
            response_action="update",
            view=status_view("Nothing to change", "The incident already says that."),
        )
        return
    changed = plan.changes.commander is not None
    job = UpdateJob(
        key=key,
        card_key=card.key,
        incident_id=card.incident_id,
        actor_id=user_id,
        changes=plan.changes,
        commander_slack_id=form.commander_slack_id if changed else None,
        before=current,
        modal_view_id=payload.string(view, "id"),
    )
    _store(ack, services, job, ids.TITLE, clock)


def submit_resolve(
    ack: Ack, body: dict[str, Any], context: BoltContext, services: Services
) -> None:
    clock = AckClock(context)
    begun = _begin(ack, body, services, NOTE, Act.RESOLVE, clock)
    if begun is None:
        return
    _, card, user_id, key = begun
    current = _current(ack, services, card, NOTE, clock)
    if current is None:
        return
    view = payload.view(body)
    plan = plan_resolve(current, read_resolve(state_values(view), view), now=datetime.now(UTC))
    if not plan.ok:
        ack(response_action="errors", errors={block_of(k): v for k, v in plan.errors.items()})
        return
    if plan.already:
        ack(response_action="update", view=status_view("Already resolved", "Nothing to do."))
        return
    job = UpdateJob(
        key=key,
        card_key=card.key,
        incident_id=card.incident_id,
        actor_id=user_id,
        kind=UpdateKind.RESOLVE,
        changes=plan.changes,
        note=plan.note,
        before=current,
        modal_view_id=payload.string(view, "id"),
    )
    _store(ack, services, job, NOTE, clock, lambda: accept_extras(services, job, card, view))
