"""Parse a submitted modal's `view.state.values` into a DeclarationForm, in one place.

Lenient by design: a missing block or a wrong type reads as empty, so a malformed
payload becomes a field error, never a crash.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.domain.custom_fields import CustomFieldRef, FieldKey
from bot.domain.declaration import DeclarationForm
from bot.slack.form import ids


def _element(values: dict[str, Any], block_id: str) -> dict[str, Any]:
    block = values.get(block_id)
    if not isinstance(block, dict):
        return {}
    element = block.get(block_id)
    if not isinstance(element, dict):
        element = next((v for v in block.values() if isinstance(v, dict)), {})
    return element


def text_of(values: dict[str, Any], block_id: str) -> str:
    value = _element(values, block_id).get("value")
    return value if isinstance(value, str) else ""


def selected_of(values: dict[str, Any], block_id: str) -> str:
    option = _element(values, block_id).get("selected_option")
    value = option.get("value") if isinstance(option, dict) else None
    return value if isinstance(value, str) else ""


def selected_many(values: dict[str, Any], block_id: str) -> tuple[str, ...]:
    options = _element(values, block_id).get("selected_options")
    if not isinstance(options, list):
        return ()
    return tuple(
        o["value"] for o in options if isinstance(o, dict) and isinstance(o.get("value"), str)
    )


def checked(values: dict[str, Any], block_id: str) -> bool:
    return bool(selected_many(values, block_id))


def _ids(values: dict[str, Any], block_id: str, key: str) -> tuple[str, ...]:
    found = _element(values, block_id).get(key)
    if not isinstance(found, list):
        return ()
    return tuple(x for x in found if isinstance(x, str) and x)


def _string(element: dict[str, Any], key: str) -> str:
    value = element.get(key)
    return value if isinstance(value, str) else ""


def state_values(view: Any) -> dict[str, Any]:
    """`view.state.values`, or {} when the payload is malformed."""
    state = view.get("state") if isinstance(view, dict) else None
    values = state.get("values") if isinstance(state, dict) else None
    return values if isinstance(values, dict) else {}


def parse_form(values: dict[str, Any]) -> DeclarationForm:
    """The built-in fields; org fields are parsed by the org-aware form code."""
    return DeclarationForm(
        title=text_of(values, ids.TITLE),
        severity=selected_of(values, ids.SEVERITY) or "UNKNOWN",
        commander_id=_string(_element(values, ids.COMMANDER), "selected_user"),
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
    """Domain field errors keyed by the block that shows them (Slack caps each at 150 chars)."""
    return {block_for(field): message[:150] for field, message in errors.items()}
