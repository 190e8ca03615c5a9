"""Read a form's `view.state.values`: the built-in fields into a DeclarationForm, in one place.

Lenient by design: a missing block or a wrong type reads as empty, so a malformed
payload becomes a field error, never a crash.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from bot.domain.incident.custom_fields import CustomFieldRef, FieldKey, Unreadable
from bot.domain.incident.declaration import DeclarationForm
from bot.slack.common import ids, payload

ERROR_MAX = 150
"""Slack shows at most this much of a field error."""


def _element(values: dict[str, Any], block_id: str) -> dict[str, Any]:
    """The state of a block's element: under its action ID (ours: the block ID), else any."""
    block = payload.obj(values, block_id)
    element = block.get(block_id)
    if isinstance(element, dict):
        return element
    return next((v for v in block.values() if isinstance(v, dict)), {})


def text_of(values: dict[str, Any], block_id: str) -> str:
    return payload.string(_element(values, block_id), "value")


def selected_of(values: dict[str, Any], block_id: str) -> str:
    return payload.string(payload.obj(_element(values, block_id), "selected_option"), "value")


def selected_many(values: dict[str, Any], block_id: str) -> tuple[str, ...]:
    options = payload.objects(_element(values, block_id), "selected_options")
    return tuple(o["value"] for o in options if isinstance(o.get("value"), str))


def selected_user(values: dict[str, Any], block_id: str) -> str:
    return payload.string(_element(values, block_id), "selected_user")


def selected_time(values: dict[str, Any], block_id: str) -> str | Unreadable | None:
    """A datetimepicker's choice as ISO 8601 (UTC); None when empty."""
    epoch = _element(values, block_id).get("selected_date_time")
    if not isinstance(epoch, int | float) or isinstance(epoch, bool):
        return None
    try:
        return datetime.fromtimestamp(epoch, UTC).isoformat()
    except (OverflowError, OSError, ValueError):
        return Unreadable()  # the domain answers with a field error


def checked(values: dict[str, Any], block_id: str) -> bool:
    return bool(selected_many(values, block_id))


def _ids(values: dict[str, Any], block_id: str, key: str) -> tuple[str, ...]:
    found = _element(values, block_id).get(key)
    if not isinstance(found, list):
        return ()
    return tuple(x for x in found if isinstance(x, str) and x)


def state_values(view: Any) -> dict[str, Any]:
    """`view.state.values`, or {} when the payload is malformed."""
    return payload.obj(payload.obj(view, "state"), "values")


def parse_form(values: dict[str, Any]) -> DeclarationForm:
    """The built-in fields; org fields are read in bot/slack/declare/form/submitted.py."""
    return DeclarationForm(
        title=text_of(values, ids.TITLE),
        severity=selected_of(values, ids.SEVERITY) or "UNKNOWN",
        commander_id=selected_user(values, ids.COMMANDER),
        customer_impacted=checked(values, ids.IMPACT),
        impact_scope=text_of(values, ids.IMPACT_SCOPE),
        summary=text_of(values, ids.SUMMARY),
        summary_important=checked(values, ids.SUMMARY_IMPORTANT),
        notify_user_ids=_ids(values, ids.NOTIFY_PEOPLE, "selected_users"),
        notify_channel_ids=_ids(values, ids.NOTIFY_CHANNELS, "selected_conversations"),
        extra_handles=text_of(values, ids.NOTIFY_HANDLES),
        is_test=checked(values, ids.IS_TEST),
        incident_type_id=selected_of(values, ids.INCIDENT_TYPE) or None,
    )


def block_for(field: FieldKey) -> str:
    """The block showing a field: built-in ones by ID, org fields as `udf:<name>`."""
    if isinstance(field, CustomFieldRef):
        return ids.CUSTOM_FIELD_PREFIX + field.name
    return ids.BLOCK_FOR_FIELD[field]


def block_errors(errors: Mapping[FieldKey, str]) -> dict[str, str]:
    """Domain field errors keyed by the block that shows them."""
    return {block_for(field): message[:ERROR_MAX] for field, message in errors.items()}
