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

from bot.services import Services
from bot.slack.form import ids
from bot.slack.form.blocks import ModalPrefill
from bot.slack.form.metadata import decode_or_none
from bot.slack.form.org_fields import name_of, suggestions
from bot.slack.form.state import selected_of, state_values, text_of
from bot.slack.form.submitted import shown_type
from bot.slack.form.view import declare_view, prefill_for

log = logging.getLogger(__name__)


def _view(body: dict[str, Any]) -> dict[str, Any]:
    view = body.get("view")
    return view if isinstance(view, dict) else {}


def _first_action(body: dict[str, Any]) -> dict[str, Any]:
    actions = body.get("actions")
    first = actions[0] if isinstance(actions, list) and actions else None
    return first if isinstance(first, dict) else {}


def _update(client: WebClient, view: dict[str, Any], new_view: dict[str, Any]) -> None:
    if not isinstance(view.get("id"), str):
        log.warning("an action came from a view without an id; nothing to update")
        return
    try:
        view_hash = view.get("hash") if isinstance(view.get("hash"), str) else None
        client.views_update(view_id=view["id"], hash=view_hash, view=new_view)
    except SlackApiError as exc:
        # hash_conflict: a newer change already updated the form; not_found: it was closed.
        log.info("views.update of the form failed: %s", exc.response.get("error"))


def prefill_from_state(services: Services, values: dict[str, Any], user_id: str) -> ModalPrefill:
    """The form's current answers, so a re-render starts from what the person typed."""
    base = prefill_for(
        services,
        user_id,
        title=text_of(values, ids.TITLE),
        summary=text_of(values, ids.SUMMARY),
    )
    block = values.get(ids.COMMANDER)
    commander = block.get(ids.COMMANDER) if isinstance(block, dict) else None
    chosen = commander.get("selected_user") if isinstance(commander, dict) else None
    return base.model_copy(
        update={
            "severity": selected_of(values, ids.SEVERITY) or base.severity,
            "commander_id": chosen if isinstance(chosen, str) and chosen else base.commander_id,
        }
    )


def change_incident_type(
    ack: Ack, body: dict[str, Any], client: WebClient, services: Services
) -> None:
    """The type select changed: show that type's fields and severities."""
    ack()
    view = _view(body)
    option = _first_action(body).get("selected_option")
    type_id = option.get("value") if isinstance(option, dict) else None
    meta = decode_or_none(str(view.get("private_metadata") or ""))
    if meta is None or not isinstance(type_id, str) or type_id == shown_type(view):
        return
    prefill = prefill_from_state(services, state_values(view), meta.origin.user_id)
    new_view = declare_view(
        services, prefill, meta.origin, type_id=type_id, context_links=meta.context_links
    )
    log.info("incident type changed; updating the form")
    _update(client, view, new_view)


def suggest_field_options(ack: Ack, body: dict[str, Any], services: Services) -> None:
    """block_suggestion for an external select: the field's values matching what was typed."""
    name = name_of(str(body.get("action_id") or ""))
    config = services.org_config.get(timeout=services.org_config_wait)
    view = _view(body)
    chosen = selected_of(state_values(view), ids.INCIDENT_TYPE) or shown_type(view)
    resolved = config.resolve_type(chosen) if config else None
    field = config.field(resolved.id if resolved else None, name) if config and name else None
    query = body.get("value")
    ack(options=suggestions(field, query if isinstance(query, str) else "") if field else [])


def declare_anyway(ack: Ack, body: dict[str, Any], client: WebClient, services: Services) -> None:
    """The duplicate notice's button: replace it with the form, prefilled from the message."""
    ack()
    view = _view(body)
    meta = decode_or_none(str(view.get("private_metadata") or ""))
    if meta is None:
        log.warning("declare anyway: the notice's metadata is unreadable")
        return
    prefill = prefill_for(services, meta.origin.user_id, title=meta.title, summary=meta.summary)
    new_view = declare_view(services, prefill, meta.origin, context_links=meta.context_links)
    log.info("declaring again from a message that already has an incident")
    _update(client, view, new_view)
