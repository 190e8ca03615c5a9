"""The form's submission: validate, resolve the commander, store, ack, then declare.

Field errors come back under their fields (`response_action: errors`) and keep
everything the person typed. An accepted declaration is stored before the ack, so
a crash after the ack loses nothing, and a double submit finds it already there.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from slack_bolt import Ack

from bot.domain.channel.plan import wants_channel
from bot.domain.declare.record import DeclarationRecord
from bot.domain.incident.declaration import Declaration, FormField, declaration_key, source_key
from bot.domain.incident.org import OrgConfig
from bot.domain.reliability.outcomes import LookupFailed
from bot.domain.responders.paging import MESSAGE_MAX, PageRequest, PageTarget
from bot.logs import declaration_id
from bot.slack.access.allowlist import plain_refusal
from bot.slack.common import ids, payload
from bot.slack.common.context import Services
from bot.slack.declare.form import metadata
from bot.slack.declare.form.blocks import declaring_view
from bot.slack.declare.form.page_field import PageChoice, read_page_choice
from bot.slack.declare.form.state import block_errors, state_values
from bot.slack.declare.form.submitted import SubmittedForm, read_submitted, validate_whole_form

log = logging.getLogger(__name__)

STORE_DOWN = (
    "declare-bot can't save declarations right now, so nothing was sent. "
    "Your answers are kept: press Declare again in a moment."
)
STALE_FORM = "This form is out of date. Close it and run /declare again."
NOT_YOURS = "This form was opened by someone else, so it can't be sent from your account."
ALLOWLIST_WAIT = 1.0
"""Seconds the submit step may wait for a user-group lookup (it shares the 3 s ack)."""
SUBMIT_WAIT = 0.3
"""Seconds the submit step may wait for an uncached configuration (it shares the 3 s ack)."""


def submit_declare_modal(ack: Ack, body: dict[str, Any], services: Services) -> None:
    # one budget for every wait before the ack (the access check, the commander, a person
    # to page): each waits only for what is left of it
    lookups_by = time.monotonic() + services.commander_ack_budget
    view = payload.view(body)
    meta = metadata.of_view(view)
    if meta is None:
        ack(response_action="errors", errors={ids.TITLE: STALE_FORM})
        return
    origin = meta.origin
    user_id = payload.user_id(body) or origin.user_id
    team_id = payload.string(payload.obj(body, "team"), "id") or origin.team_id
    view_id = payload.string(view, "id")
    key = declaration_key(team_id, user_id, view_id, origin.trigger_id)
    declaration_id.set(key)
    not_allowed = _not_allowed(services, user_id, origin.user_id, origin.channel_id, team_id)
    if not_allowed:
        ack(response_action="errors", errors={ids.TITLE: not_allowed})
        return

    try:
        existing = services.store.get(key)
    except Exception:  # any store failure: keep the form, say so, send nothing
        log.exception("the declaration store is unavailable")
        ack(response_action="errors", errors={ids.TITLE: STORE_DOWN})
        return
    if existing is not None:
        log.info("duplicate submission ignored")
        ack(response_action="update", view=declaring_view(existing.declaration.title))
        return

    submitted = read_submitted(view)
    result = validate_whole_form(
        submitted,
        meta,
        _org_config(services, submitted),
        key=key,
        origin=origin.model_copy(update={"user_id": user_id, "team_id": team_id}),
        default_handles=tuple(services.settings.default_handles),
        allowed_handles=tuple(services.settings.allowed_handles),
    )
    if not isinstance(result, Declaration):
        log.info("form errors: %s", ", ".join(sorted(str(field) for field in result)))
        ack(response_action="errors", errors=block_errors(result))
        return

    wants = wants_channel(services.settings.incident_channel, submitted.asked_for_channel)
    result = result.model_copy(update={"incident_channel": wants})
    if meta.monitor_cell:
        result = result.model_copy(update={"monitor_cell": meta.monitor_cell})
    choice = read_page_choice(state_values(view))
    if choice.person:
        services.resolver.prefetch(choice.person)  # beside the commander's lookup
    commander_error = _commander_error(services, result.commander_id, lookups_by)
    if commander_error:
        ack(response_action="errors", errors=block_errors({FormField.COMMANDER: commander_error}))
        return
    page = _page(services, choice, result, lookups_by)
    if isinstance(page, dict):
        ack(response_action="errors", errors=page)
        return

    record = DeclarationRecord(
        key=key,
        declaration=result,
        modal_view_id=view_id,
        source_key=source_key(result.origin),
        page=page,
    )
    try:
        added = services.store.add(record)
    except Exception:  # as above: nothing is sent unless it is stored first
        log.exception("the declaration store is unavailable")
        ack(response_action="errors", errors={ids.TITLE: STORE_DOWN})
        return
    if not added:
        log.info("duplicate submission ignored")
        ack(response_action="update", view=declaring_view(result.title))
        return
    ack(response_action="update", view=declaring_view(result.title))
    log.info("declaration accepted")
    services.dispatch(key, services.runner.run)


def _not_allowed(
    services: Services, actor: str, opener: str, channel_id: str, team_id: str
) -> str | None:
    """Authorization again, at submit: the form's own person, still allowed in its channel
    (the channel comes from the signed metadata, so it is the one the form was opened in)."""
    if actor != opener:
        log.warning("a form opened by %s was submitted by %s", opener, actor)
        return NOT_YOURS
    refusal = services.access.may_declare(
        actor, channel_id, wait=ALLOWLIST_WAIT, team_id=team_id, at_submit=True
    ).refusal
    if refusal:
        log.info("submission refused for %s in %s", actor, channel_id)
        return plain_refusal(refusal)
    return None


def _org_config(services: Services, submitted: SubmittedForm) -> OrgConfig | None:
    """Wait briefly for the configuration only when the form shows org fields."""
    if submitted.shows_org_fields:
        return services.org_config.get(timeout=min(SUBMIT_WAIT, services.org_config_wait))
    return services.org_config.peek()


def _left(by: float) -> float:
    return max(0.0, by - time.monotonic())


def _commander_error(services: Services, slack_id: str, by: float) -> str | None:
    """An error for the commander field, or None (also when the lookup is still running)."""
    try:
        services.resolver.resolve(slack_id, timeout=_left(by))
    except LookupFailed as exc:
        return str(exc)
    except TimeoutError:
        log.info("commander lookup still running; acking and continuing in the background")
    return None


def _page(
    services: Services, choice: PageChoice, declaration: Declaration, by: float
) -> PageRequest | dict[str, str] | None:
    """The form's page (its message: what's happening), errors under its fields, or None.
    A person is checked like the commander, within what is left of the same budget (`by`);
    one still being looked up is found later."""
    problem = choice.problem(required=False)
    if problem:
        return {ids.PAGE_TEAM_BLOCK: problem}
    if choice.empty:
        return None
    message = (declaration.summary or "")[:MESSAGE_MAX] or None
    if choice.team_handle:
        target = PageTarget.team(choice.team_handle, choice.team_label or None)
        return PageRequest(target=target, message=message)
    try:
        services.resolver.resolve(choice.person, timeout=_left(by))
    except LookupFailed as exc:
        return {ids.PAGE_PERSON_BLOCK: str(exc)[:150]}
    except TimeoutError:
        log.info("paged person's lookup still running; found again at the page step")
    return PageRequest(target=PageTarget.slack_person(choice.person), message=message)
