"""Block Kit for the org's configuration: the incident-type select and one block per field.

Pure builders. Field kinds map to elements:
  dropdown       static_select of the valid values (external_select with search beyond 100;
                 a text input when the field lists no values)
  multiselect    multi_static_select (multi_external_select beyond 100)
  textbox        plain_text_input
  textarray      multiline plain_text_input, one value per line
  metrictag, autocomplete
                 multi_external_select over the valid values, else one value per line
  number         number_input (decimals allowed)
  datetime       datetimepicker
Each block's ID (and its element's action ID) is `udf:<field name>`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from bot.domain.incident.org import Choice, FieldKind, IncidentType, OrgConfig, OrgField
from bot.slack.common import ids
from bot.slack.declare.form.blocks import INPUT_MAX, input_block, option, plain, text_input
from bot.slack.declare.form.prefill import FormPrefill

log = logging.getLogger(__name__)

MAX_OPTIONS = 100
"""Slack's limit of options per select (and per options response)."""
VALUE_MAX = 150
"""Slack's limit on an option's value; longer Datadog values can't be offered."""
BLOCK_ID_MAX = 255
MAX_BLOCKS = 100
"""Slack's limit of blocks per modal."""

PER_LINE = "One value per line."
CUSTOM_FIELD_ACTIONS = re.compile("^" + re.escape(ids.CUSTOM_FIELD_PREFIX))
"""Matches the action IDs of org fields (their external selects ask for options)."""


def block_id_of(name: str) -> str:
    return ids.CUSTOM_FIELD_PREFIX + name


def name_of(block_id: str) -> str | None:
    """The field name of a `udf:` block or action ID, else None."""
    if block_id.startswith(ids.CUSTOM_FIELD_PREFIX):
        return block_id[len(ids.CUSTOM_FIELD_PREFIX) :] or None
    return None


def offerable(field: OrgField) -> tuple[Choice, ...]:
    return tuple(c for c in field.choices if 0 < len(c.value) <= VALUE_MAX)


def choice_option(choice: Choice) -> dict[str, Any]:
    return option(choice.value, choice.label or choice.value)


def epoch_of(timestamp: str | None) -> int | None:
    """A datetime default as the epoch seconds a datetimepicker wants."""
    if not timestamp:
        return None
    try:
        moment = datetime.fromisoformat(timestamp)
    except ValueError:
        return None
    return int((moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp())


def _is_number(text: str | None) -> bool:
    try:
        return text is not None and Decimal(text).is_finite()
    except InvalidOperation:
        return False


def _select(
    field: OrgField, choices: tuple[Choice, ...], initial: tuple[str, ...]
) -> dict[str, Any]:
    """Static up to 100 values, external (searched through `suggestions`) beyond."""
    multi = field.multi
    chosen = [c for value in initial for c in choices if c.value == value]
    default = chosen[0] if chosen else None
    if len(choices) <= MAX_OPTIONS and field.kind in (FieldKind.DROPDOWN, FieldKind.MULTISELECT):
        element: dict[str, Any] = {
            "type": "multi_static_select" if multi else "static_select",
            "options": [choice_option(c) for c in choices],
        }
    else:
        element = {
            "type": "multi_external_select" if multi else "external_select",
            "min_query_length": 0,
        }
    if default is not None:
        if multi:
            element["initial_options"] = [choice_option(c) for c in chosen[:MAX_OPTIONS]]
        else:
            element["initial_option"] = choice_option(default)
    element["placeholder"] = plain("Search…" if "external" in element["type"] else "Choose…")
    return element


def field_element(
    field: OrgField, initial: tuple[str, ...] = ()
) -> tuple[dict[str, Any], str | None]:
    """The element for a field, and a hint to show under it.

    `initial` (e.g. from a monitor's tags) replaces the field's default as its starting value.
    """
    choices = offerable(field)
    values = initial or ((field.default,) if field.default else ())
    if choices and field.kind in (
        FieldKind.DROPDOWN,
        FieldKind.MULTISELECT,
        FieldKind.METRICTAG,
        FieldKind.AUTOCOMPLETE,
    ):
        return _select(field, choices, values), None
    if field.kind is FieldKind.NUMBER:
        element: dict[str, Any] = {"type": "number_input", "is_decimal_allowed": True}
        if values and _is_number(values[0]):
            element["initial_value"] = values[0]
        return element, None
    if field.kind is FieldKind.DATETIME:
        element = {"type": "datetimepicker"}
        moment = epoch_of(field.default)
        if moment is not None:
            element["initial_date_time"] = moment
        return element, None
    if field.multi:
        text = "\n".join(values)
        return text_input(initial=text, multiline=True, max_length=INPUT_MAX), PER_LINE
    return text_input(initial=values[0] if values else "", max_length=INPUT_MAX), None


def field_block(field: OrgField, initial: tuple[str, ...] = ()) -> dict[str, Any] | None:
    block_id = block_id_of(field.name)
    if len(block_id) > BLOCK_ID_MAX:
        log.warning("field %s not shown: its name is too long for a block ID", field.name[:40])
        return None
    element, hint = field_element(field, initial)
    return input_block(
        block_id, field.display_name, element, optional=not field.required, hint=hint
    )


def type_block(types: tuple[IncidentType, ...], selected: str | None) -> dict[str, Any]:
    """The incident-type select; choosing one sends an action that re-renders the fields."""
    options = [option(t.id, t.name) for t in types[:MAX_OPTIONS] if len(t.id) <= VALUE_MAX]
    element: dict[str, Any] = {"type": "static_select", "options": options}
    initial = next((o for o in options if o["value"] == selected), None)
    if initial is not None:
        element["initial_option"] = initial
    return input_block(
        ids.INCIDENT_TYPE,
        "Incident type",
        element,
        dispatch=True,
        hint="Changing the type shows its fields.",
    )


def _fitting(fields: tuple[OrgField, ...], room: int) -> tuple[OrgField, ...]:
    """At most `room` fields, the required ones first, shown in their order."""
    if len(fields) <= room:
        return fields
    kept = {f.name for f in [f for f in fields if f.required][:room]}
    for f in fields:
        if len(kept) >= room:
            break
        kept.add(f.name)
    log.warning("the form has room for %d of %d org fields; some are not shown", room, len(fields))
    return tuple(f for f in fields if f.name in kept)


def org_blocks(
    config: OrgConfig,
    type_id: str | None,
    room: int = MAX_BLOCKS,
    initial: Mapping[str, tuple[str, ...]] | None = None,
) -> tuple[list[dict[str, Any]], dict[str, FieldKind]]:
    """The type select (when there is a choice) and the type's fields, within `room` blocks.

    `initial` gives fields starting values by name. Returns the blocks and
    `{field name: kind}` of the fields shown.
    """
    blocks: list[dict[str, Any]] = []
    if len(config.types) > 1:
        blocks.append(type_block(config.types, type_id))
    kinds: dict[str, FieldKind] = {}
    for field in _fitting(config.fields_for(type_id), max(0, room - len(blocks))):
        block = field_block(field, (initial or {}).get(field.name, ()))
        if block is not None:
            blocks.append(block)
            kinds[field.name] = field.kind
    return blocks, kinds


def with_org_severities(prefill: FormPrefill, field: OrgField | None) -> FormPrefill:
    """Severity options from the org's severity field (display names shown, values sent)."""
    if field is None:
        return prefill
    choices = offerable(field)[:MAX_OPTIONS]
    values = tuple(c.value for c in choices)
    if not values:
        return prefill
    if prefill.severity in values:
        severity = prefill.severity
    else:
        severity = field.default if field.default in values else ""
    return replace(
        prefill,
        severities=values,
        severity_labels={c.value: c.label for c in choices},
        severity=severity,
    )


def suggestions(field: OrgField, query: str) -> list[dict[str, Any]]:
    """Options for an external select: valid values whose label or value contains `query`."""
    wanted = query.strip().lower()
    found = [
        c
        for c in offerable(field)
        if not wanted or wanted in c.label.lower() or wanted in c.value.lower()
    ]
    return [choice_option(c) for c in found[:MAX_OPTIONS]]
