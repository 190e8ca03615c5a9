"""Listeners inside the open form: a new incident type, external-select searches, and
"declare anyway" on the duplicate notice.

Each acks first; view changes go through views.update with the view's hash, so an
older update can't overwrite a newer one.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.domain.incident.declaration import Origin
from bot.slack.access.policy import ACCESS_WAIT
from bot.slack.common import ids, payload
from bot.slack.common.context import Services, org_config_now
from bot.slack.declare import messages
from bot.slack.declare.form import metadata
from bot.slack.declare.form.blocks import status_view
from bot.slack.declare.form.org_fields import name_of, suggestions
from bot.slack.declare.form.prefill import prefill_for, prefill_from_state
from bot.slack.declare.form.state import selected_of, state_values
from bot.slack.declare.form.submitted import shown_type
from bot.slack.declare.form.view import declare_form
from bot.slack.errors import error_of

log = logging.getLogger(__name__)


def _update(client: WebClient, view: dict[str, Any], new_view: dict[str, Any]) -> None:
    view_id = payload.string(view, "id")
    if not view_id:
        log.warning("an action came from a view without an id; nothing to update")
        return
    try:
        client.views_update(
            view_id=view_id, hash=payload.string(view, "hash") or None, view=new_view
        )
    except SlackApiError as exc:
        # hash_conflict: a newer change already updated the form; not_found: it was closed.
        log.info("views.update of the form failed: %s", error_of(exc))


def change_incident_type(
    ack: Ack, body: dict[str, Any], client: WebClient, services: Services
) -> None:
    """The type select changed: show that type's fields and severities."""
    ack()
    view = payload.view(body)
    type_id = payload.string(payload.obj(payload.first_action(body), "selected_option"), "value")
    meta = metadata.of_view(view)
    if meta is None or not type_id or type_id == shown_type(view):
        return
    prefill = prefill_from_state(services.settings, state_values(view), meta.origin.user_id)
    new_view = declare_form(
        org_config_now(services),
        prefill,
        meta.origin,
        type_id=type_id,
        context_links=meta.context_links,
        monitor_cell=meta.monitor_cell,
    )
    log.info("incident type changed; updating the form")
    _update(client, view, new_view)


def suggest_field_options(ack: Ack, body: dict[str, Any], services: Services) -> None:
    """block_suggestion for an external select: the field's values matching what was typed."""
    name = name_of(payload.string(body, "action_id"))
    config = services.org_config.get(timeout=services.org_config_wait)
    view = payload.view(body)
    chosen = selected_of(state_values(view), ids.INCIDENT_TYPE) or shown_type(view)
    resolved = config.resolve_type(chosen) if config else None
    field = config.field(resolved.id if resolved else None, name) if config and name else None
    ack(options=suggestions(field, payload.string(body, "value")) if field else [])


def _refusal(services: Services, actor: str, origin: Origin) -> str | None:
    """The notice belongs to the person it was opened for, who must still be allowed."""
    if actor != origin.user_id:
        log.warning("declare anyway on %s's notice pressed by %s: refused", origin.user_id, actor)
        return "This notice was opened for someone else. Use the shortcut on the message yourself."
    return services.access.may_declare(
        actor, origin.channel_id, wait=ACCESS_WAIT, team_id=origin.team_id
    ).refusal


def declare_anyway(ack: Ack, body: dict[str, Any], client: WebClient, services: Services) -> None:
    """The duplicate notice's button: replace it with the form, prefilled from the message."""
    ack()
    view = payload.view(body)
    meta = metadata.of_view(view)
    if meta is None:
        log.warning("declare anyway: the notice's metadata is unreadable")
        return
    refusal = _refusal(services, payload.user_id(body), meta.origin)
    if refusal:
        _update(client, view, status_view("Can't declare", messages.refusal(refusal)))
        return
    prefill = prefill_for(
        services.settings, meta.origin.user_id, title=meta.title, summary=meta.summary
    )
    new_view = declare_form(
        org_config_now(services), prefill, meta.origin, context_links=meta.context_links
    )
    log.info("declaring again from a message that already has an incident")
    _update(client, view, new_view)
