"""The org part of a submitted form: custom-field answers and the type, validated with the rest.

What was shown is read from the submitted view itself (its `udf:` blocks, the type
select's initial option, the severity options), so a configuration that changed since
the form opened can't ask for answers the person never saw. Field kinds come from the
private_metadata, else from the cached configuration.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from bot.domain.custom_fields import FieldKey, validate_declaration
from bot.domain.declaration import SEVERITIES, Declaration, FormField, Origin
from bot.domain.org import FieldKind, OrgConfig, OrgField
from bot.services import Services
from bot.slack.form import ids
from bot.slack.form.metadata import decode_or_none
from bot.slack.form.org_fields import name_of
from bot.slack.form.state import parse_form, selected_many, selected_of, state_values, text_of

log = logging.getLogger(__name__)

SUBMIT_WAIT = 0.3
"""Seconds the submit step may wait for an uncached configuration (it shares the 3 s ack)."""
SWITCHING = "The form is still switching to this type: check its fields, then submit again."

_KIND_BY_ELEMENT: dict[str, FieldKind] = {
    "static_select": FieldKind.DROPDOWN,
    "external_select": FieldKind.DROPDOWN,
    "multi_static_select": FieldKind.MULTISELECT,
    "multi_external_select": FieldKind.MULTISELECT,
    "number_input": FieldKind.NUMBER,
    "datetimepicker": FieldKind.DATETIME,
}


def _blocks(view: dict[str, Any]) -> list[dict[str, Any]]:
    blocks = view.get("blocks")
    return [b for b in blocks if isinstance(b, dict)] if isinstance(blocks, list) else []


def _element_of(block: dict[str, Any]) -> dict[str, Any]:
    element = block.get("element")
    return element if isinstance(element, dict) else {}


def field_blocks(view: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(field name, block) of every org field shown."""
    found = [(name_of(str(b.get("block_id", ""))), b) for b in _blocks(view)]
    return [(name, block) for name, block in found if name]


def raw_answer(values: dict[str, Any], block_id: str, element_type: str) -> tuple[str, ...]:
    """What the person entered, as text; the domain types and checks it."""
    if element_type.startswith("multi_"):
        return selected_many(values, block_id)
    if element_type.endswith("_select"):
        chosen = selected_of(values, block_id)
        return (chosen,) if chosen else ()
    if element_type == "datetimepicker":
        block = values.get(block_id)
        state = block.get(block_id) if isinstance(block, dict) else None
        epoch = state.get("selected_date_time") if isinstance(state, dict) else None
        if isinstance(epoch, int | float) and not isinstance(epoch, bool):
            try:
                return (datetime.fromtimestamp(epoch, UTC).isoformat(),)
            except (OverflowError, OSError, ValueError):
                return ("not a time",)  # the domain answers with a field error
        return ()
    text = text_of(values, block_id)
    return (text,) if text else ()


def _initial(view: dict[str, Any], block_id: str) -> dict[str, Any]:
    block = next((b for b in _blocks(view) if b.get("block_id") == block_id), {})
    return _element_of(block)


def shown_type(view: dict[str, Any]) -> str | None:
    """The type whose fields the view shows: the type select's initial option."""
    initial = _initial(view, ids.INCIDENT_TYPE).get("initial_option")
    value = initial.get("value") if isinstance(initial, dict) else None
    return value if isinstance(value, str) else None


def shown_severities(view: dict[str, Any]) -> tuple[str, ...]:
    options = _initial(view, ids.SEVERITY).get("options")
    if not isinstance(options, list):
        return ()
    return tuple(
        o["value"] for o in options if isinstance(o, dict) and isinstance(o.get("value"), str)
    )


def _label(block: dict[str, Any], name: str) -> str:
    label = block.get("label")
    text = label.get("text") if isinstance(label, dict) else None
    return text if isinstance(text, str) and text else name


def field_spec(
    name: str,
    block: dict[str, Any],
    kinds: dict[str, str],
    config: OrgConfig | None,
    type_id: str | None,
) -> OrgField:
    """The field as shown: required from the block, kind from the metadata or the config."""
    known = config.field(type_id, name) if config else None
    element_type = str(_element_of(block).get("type", ""))
    try:
        kind = FieldKind(kinds[name])
    except (KeyError, ValueError):
        if known is not None:
            kind = known.kind
        else:
            multiline = bool(_element_of(block).get("multiline"))
            fallback = FieldKind.TEXTARRAY if multiline else FieldKind.TEXTBOX
            kind = _KIND_BY_ELEMENT.get(element_type, fallback)
    return OrgField(
        name=name,
        display_name=_label(block, name),
        kind=kind,
        required=not block.get("optional", False),
        choices=known.choices if known is not None and known.kind is kind else (),
    )


def validate_submission(
    services: Services, view: dict[str, Any], *, key: str, origin: Origin
) -> Declaration | dict[FieldKey, str]:
    """Parse and validate the whole form, built-in and org fields, in one pass."""
    values = state_values(view)
    form = parse_form(values)
    meta = decode_or_none(str(view.get("private_metadata") or ""))
    fields_shown = field_blocks(view)
    shown = shown_type(view)
    if form.incident_type_id and shown and form.incident_type_id != shown:
        return {FormField.INCIDENT_TYPE: SWITCHING}
    if fields_shown or shown:
        config = services.org_config.get(timeout=min(SUBMIT_WAIT, services.org_config_wait))
    else:
        config = services.org_config.peek()
    chosen = config.resolve_type(form.incident_type_id) if config else None
    type_id = chosen.id if chosen else form.incident_type_id
    kinds = meta.kinds if meta else {}
    fields = [field_spec(name, block, kinds, config, type_id) for name, block in fields_shown]
    answers = {
        name: raw_answer(values, str(block["block_id"]), str(_element_of(block).get("type", "")))
        for name, block in fields_shown
    }
    severity = config.severity_field(type_id) if config else None
    severities = (
        tuple(c.value for c in severity.choices)
        if severity
        else shown_severities(view) or SEVERITIES
    )
    return validate_declaration(
        form,
        key=key,
        origin=origin,
        answers=answers,
        fields=fields,
        type_ids={t.id for t in config.types} if config and config.types else None,
        default_handles=tuple(services.settings.default_handles),
        severities=severities,
        context_links=meta.context_links if meta else (),
    )
