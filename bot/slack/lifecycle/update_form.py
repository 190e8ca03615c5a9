"""The update and resolve modals: built from an incident, read back into domain forms.

Pure builders and readers. The update modal shows title, severity (the org's values),
state (the org's state values), commander (a Slack user), customer impact and scope, and
the type's user-defined fields; a note under a field says what Datadog changed meanwhile.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from bot.domain.incident.custom_fields import CustomFieldRef
from bot.domain.incident.declaration import SCOPE_MAX, SEVERITIES, TITLE_MAX
from bot.domain.incident.org import OrgConfig, OrgField
from bot.domain.incident.state import DEFAULT_STATES, IncidentView
from bot.domain.lifecycle.resolve import NOTE_MAX, ResolveForm
from bot.domain.lifecycle.update import ErrorKey, UpdateField, UpdateForm
from bot.slack.common import ids, payload
from bot.slack.common.ids import RESOLVE_CALLBACK, UPDATE_CALLBACK
from bot.slack.common.mrkdwn import VIEW_TITLE_MAX
from bot.slack.declare.form.blocks import (
    INPUT_MAX,
    checkbox,
    context_block,
    input_block,
    option,
    plain,
    text_input,
)
from bot.slack.declare.form.org_fields import block_id_of, choice_option, field_block, offerable
from bot.slack.declare.form.state import checked, selected_of, selected_time, selected_user, text_of
from bot.slack.declare.form.submitted import raw_answer
from bot.slack.lifecycle.update_metadata import UpdateMeta, fit

STATE = "state"
NOTE = "resolution_note"
IMPACT_END = "impact_end"


def form_of(incident: IncidentView, commander_slack_id: str) -> UpdateForm:
    """The modal's values for `incident` as it is."""
    return UpdateForm(
        title=incident.title,
        severity=incident.severity,
        state=incident.state,
        commander_slack_id=commander_slack_id,
        customer_impacted=incident.customer_impacted,
        impact_scope=incident.customer_impact_scope or "",
        answers={f.name: f.values for f in incident.fields},
    )


def _select(
    values: Sequence[str], selected: str, labels: Mapping[str, str] | None = None
) -> dict[str, Any]:
    shown = list(dict.fromkeys([*values, *([selected] if selected else [])]))
    options = [option(v, (labels or {}).get(v, v)) for v in shown[:100]]
    element: dict[str, Any] = {"type": "static_select", "options": options}
    initial = next((o for o in options if o["value"] == selected), None)
    if initial is not None:
        element["initial_option"] = initial
    return element


def _org_block(field: OrgField, values: tuple[str, ...]) -> dict[str, Any] | None:
    """The declare form's block for `field`, filled with the incident's values."""
    block = field_block(replace(field, default=values[0] if values else None, required=False))
    if block is None or not values:
        return block
    element = block["element"]
    if element["type"] == "multi_static_select":
        chosen = [choice_option(c) for c in offerable(field) if c.value in values]
        if chosen:
            element["initial_options"] = chosen
    elif element["type"] == "plain_text_input" and field.multi:
        element["initial_value"] = "\n".join(values)[:INPUT_MAX]
    return block


def update_view(
    metadata: str,
    form: UpdateForm,
    label: str,
    *,
    severities: Sequence[str],
    states: Sequence[str],
    org_fields: Sequence[OrgField] = (),
    notes: Mapping[str, str] | None = None,
    severity_labels: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The update modal; `notes` (by block ID) go right under their fields."""
    commander: dict[str, Any] = {"type": "users_select"}
    if form.commander_slack_id:
        commander["initial_user"] = form.commander_slack_id
    blocks = [
        input_block(ids.TITLE, "Title", text_input(initial=form.title, max_length=TITLE_MAX)),
        input_block(ids.SEVERITY, "Severity", _select(severities, form.severity, severity_labels)),
        input_block(STATE, "State", _select(states, form.state)),
        input_block(ids.COMMANDER, "Incident commander", commander, optional=True),
        input_block(
            ids.IMPACT,
            "Customer impact",
            checkbox("Customers are affected", checked=form.customer_impacted),
            optional=True,
        ),
        input_block(
            ids.IMPACT_SCOPE,
            "Impact scope",
            text_input(initial=form.impact_scope, multiline=True, max_length=SCOPE_MAX),
            optional=True,
            hint="Required when customers are affected.",
        ),
    ]
    for field in org_fields:
        block = _org_block(field, form.answers.get(field.name, ()))
        if block is not None:
            blocks.append(block)
    noted: list[dict[str, Any]] = []
    for block in blocks:
        noted.append(block)
        note = (notes or {}).get(block["block_id"])
        if note:
            noted.append(context_block(f"⚠ {note}"))
    return {
        "type": "modal",
        "callback_id": UPDATE_CALLBACK,
        "title": plain(f"Update {label}", VIEW_TITLE_MAX),
        "submit": plain("Update", VIEW_TITLE_MAX),
        "close": plain("Cancel", VIEW_TITLE_MAX),
        "private_metadata": metadata,
        "blocks": noted,
    }


def resolve_view(
    metadata: str,
    incident: IncidentView,
    *,
    now: datetime,
    extra: Sequence[dict[str, Any]] = (),
) -> dict[str, Any]:
    """A note, and when the customer impact ended (default now) if customers were impacted;
    `extra`: what higher features offer or say besides (`Services.resolve_extras`,
    bot/slack/common/resolve_extras.py: drafting the postmortem, resolving the public
    notice, "3 to-dos still open")."""
    blocks = [
        input_block(
            NOTE,
            "Resolution note",
            text_input(multiline=True, max_length=NOTE_MAX, placeholder="What fixed it?"),
            optional=True,
            hint="Posted in the incident's thread.",
        )
    ]
    if incident.customer_impacted:
        picker = {"type": "datetimepicker", "initial_date_time": int(now.timestamp())}
        blocks.append(input_block(IMPACT_END, "Customer impact ended", picker))
    blocks += extra
    return {
        "type": "modal",
        "callback_id": RESOLVE_CALLBACK,
        "title": plain(f"Resolve {incident.label}", VIEW_TITLE_MAX),
        "submit": plain("Resolve", VIEW_TITLE_MAX),
        "close": plain("Cancel", VIEW_TITLE_MAX),
        "private_metadata": metadata,
        "blocks": blocks,
    }


def read_update(values: dict[str, Any], view: dict[str, Any], names: Sequence[str]) -> UpdateForm:
    """The update modal's answers; the commander's Datadog user is resolved by the caller."""
    answers: dict[str, tuple[str, ...]] = {}
    elements = {b.get("block_id"): b.get("element", {}) for b in view.get("blocks", [])}
    for name in names:
        block_id = block_id_of(name)
        if block_id not in elements:
            continue
        raw = raw_answer(values, block_id, str(elements[block_id].get("type", "")))
        answers[name] = (
            tuple(raw) if not isinstance(raw, str | bytes) and isinstance(raw, Sequence) else ()
        )
    return UpdateForm(
        title=text_of(values, ids.TITLE),
        severity=selected_of(values, ids.SEVERITY),
        state=selected_of(values, STATE),
        commander_slack_id=selected_user(values, ids.COMMANDER),
        customer_impacted=checked(values, ids.IMPACT),
        impact_scope=text_of(values, ids.IMPACT_SCOPE),
        answers=answers,
    )


def read_resolve(values: dict[str, Any], view: dict[str, Any]) -> ResolveForm:
    """The resolve modal's answers; an impact end left at its default means "now" (exactly,
    not the picker's whole second, which may fall before an impact that began this second)."""
    element = payload.element(payload.block(view, IMPACT_END))
    picked = payload.obj(payload.obj(values, IMPACT_END), IMPACT_END).get("selected_date_time")
    moment = selected_time(values, IMPACT_END)
    end = datetime.fromisoformat(moment) if isinstance(moment, str) else None
    if element and picked is not None and picked == element.get("initial_date_time"):
        end = None
    return ResolveForm(note=text_of(values, NOTE), impact_end=end.astimezone(UTC) if end else None)


_BLOCKS: dict[UpdateField, str] = {
    UpdateField.TITLE: ids.TITLE,
    UpdateField.SEVERITY: ids.SEVERITY,
    UpdateField.STATE: STATE,
    UpdateField.COMMANDER: ids.COMMANDER,
    UpdateField.CUSTOMER_IMPACTED: ids.IMPACT,
    UpdateField.IMPACT_SCOPE: ids.IMPACT_SCOPE,
    UpdateField.IMPACT_END: IMPACT_END,
}


def block_of(key: ErrorKey) -> str:
    return block_id_of(key.name) if isinstance(key, CustomFieldRef) else _BLOCKS[key]


def org_choices(
    config: OrgConfig | None, type_id: str | None
) -> tuple[tuple[str, ...], tuple[str, ...], tuple[OrgField, ...]]:
    """(severities, states, the type's user-defined fields) from the org, else the defaults."""
    if config is None:
        return SEVERITIES, DEFAULT_STATES, ()
    severity = config.severity_field(type_id)
    state = config.field(type_id, "state")
    states = tuple(c.value for c in state.choices) if state and state.choices else DEFAULT_STATES
    severities = tuple(c.value for c in severity.choices) if severity else SEVERITIES
    return severities, states, config.fields_for(type_id)


def update_modal(
    card_key: str,
    incident: IncidentView,
    commander_slack_id: str,
    config: OrgConfig | None,
    *,
    form: UpdateForm | None = None,
    notes: Mapping[str, str] | None = None,
) -> dict[str, object]:
    """The whole update modal for `incident`, its snapshot signed into the metadata."""
    severities, states, fields = org_choices(config, incident.incident_type_id)
    kinds = {f.name: f.kind for f in fields}
    meta, text = fit(UpdateMeta(card_key, incident, commander_slack_id, kinds))
    return update_view(
        text,
        form or form_of(incident, commander_slack_id),
        incident.label,
        severities=severities,
        states=states,
        org_fields=[f for f in fields if f.name in meta.kinds],
        notes=notes,
    )
