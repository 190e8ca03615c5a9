"""A submitted declare form, read whole: built-in fields, the type and the org's fields,
validated in one pass.

What was shown is read from the submitted view itself (its `udf:` blocks, the type
select's initial option, the severity options), so a configuration that changed since
the form opened can't ask for answers the person never saw. Each field's kind travels
in the private_metadata from drawing to reading; the org configuration, when cached,
adds the valid values.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from bot.domain.incident.custom_fields import Answer, FieldKey, validate_declaration
from bot.domain.incident.declaration import (
    SEVERITIES,
    Declaration,
    DeclarationForm,
    FormField,
    Origin,
)
from bot.domain.incident.org import FieldKind, OrgConfig, OrgField
from bot.slack.common import ids, payload
from bot.slack.declare.form.metadata import Metadata
from bot.slack.declare.form.org_fields import name_of
from bot.slack.declare.form.state import (
    checked,
    parse_form,
    selected_many,
    selected_of,
    selected_time,
    state_values,
    text_of,
)

log = logging.getLogger(__name__)

SWITCHING = "The form is still switching to this type: check its fields, then submit again."


@dataclass(frozen=True)
class ShownField:
    """An org field as the submitted view showed it, and what was entered in it."""

    name: str
    label: str
    optional: bool
    answer: Answer


@dataclass(frozen=True)
class SubmittedForm:
    """A submitted declare view, read once: what the person entered and what they were
    shown (the type whose fields were drawn, those fields, the severities offered)."""

    form: DeclarationForm
    shown_type: str | None
    fields: tuple[ShownField, ...]
    severities: tuple[str, ...]
    asked_for_channel: bool

    @property
    def shows_org_fields(self) -> bool:
        """Reading it needs the org configuration."""
        return bool(self.fields) or self.shown_type is not None


def read_submitted(view: dict[str, Any]) -> SubmittedForm:
    """The one walk over a submitted view's blocks and state."""
    values = state_values(view)
    fields = []
    for block in payload.objects(view, "blocks"):
        block_id = payload.string(block, "block_id")
        name = name_of(block_id)
        if not name:
            continue
        element_type = payload.string(payload.element(block), "type")
        fields.append(
            ShownField(
                name=name,
                label=payload.string(payload.obj(block, "label"), "text") or name,
                optional=bool(block.get("optional", False)),
                answer=raw_answer(values, block_id, element_type),
            )
        )
    return SubmittedForm(
        form=parse_form(values),
        shown_type=shown_type(view),
        fields=tuple(fields),
        severities=_shown_severities(view),
        asked_for_channel=checked(values, ids.INCIDENT_CHANNEL),
    )


def raw_answer(values: dict[str, Any], block_id: str, element_type: str) -> Answer:
    """What the person entered, as text; the domain types and checks it."""
    if element_type.startswith("multi_"):
        return selected_many(values, block_id)
    if element_type.endswith("_select"):
        chosen = selected_of(values, block_id)
        return (chosen,) if chosen else ()
    if element_type == "datetimepicker":
        moment = selected_time(values, block_id)
        if moment is None:
            return ()
        return (moment,) if isinstance(moment, str) else moment
    text = text_of(values, block_id)
    return (text,) if text else ()


def shown_type(view: dict[str, Any]) -> str | None:
    """The type whose fields the view shows: the type select's initial option."""
    initial = payload.obj(payload.element(payload.block(view, ids.INCIDENT_TYPE)), "initial_option")
    return payload.string(initial, "value") or None


def _shown_severities(view: dict[str, Any]) -> tuple[str, ...]:
    options = payload.objects(payload.element(payload.block(view, ids.SEVERITY)), "options")
    return tuple(o["value"] for o in options if isinstance(o.get("value"), str))


def _field(
    shown: ShownField, kind: FieldKind, config: OrgConfig | None, type_id: str | None
) -> OrgField:
    """The field as shown: required from the block, valid values from the configuration."""
    known = config.field(type_id, shown.name) if config else None
    return OrgField(
        name=shown.name,
        display_name=shown.label,
        kind=kind,
        required=not shown.optional,
        choices=known.choices if known is not None and known.kind is kind else (),
    )


def validate_whole_form(
    submitted: SubmittedForm,
    meta: Metadata,
    config: OrgConfig | None,
    *,
    key: str,
    origin: Origin,
    default_handles: tuple[str, ...] = (),
    allowed_handles: tuple[str, ...] = (),
) -> Declaration | dict[FieldKey, str]:
    """Validate the whole form, built-in and org fields, in one pass."""
    form, shown = submitted.form, submitted.shown_type
    if form.incident_type_id and shown and form.incident_type_id != shown:
        return {FormField.INCIDENT_TYPE: SWITCHING}
    chosen = config.resolve_type(form.incident_type_id) if config else None
    type_id = chosen.id if chosen else form.incident_type_id
    fields: list[OrgField] = []
    answers: dict[str, Answer] = {}
    for field in submitted.fields:
        kind = meta.kinds.get(field.name)
        if kind is None:
            log.info("a field the metadata has no kind for was not read: %s", field.name[:40])
            continue
        fields.append(_field(field, kind, config, type_id))
        answers[field.name] = field.answer
    severity = config.severity_field(type_id) if config else None
    severities = (
        tuple(c.value for c in severity.choices) if severity else submitted.severities or SEVERITIES
    )
    return validate_declaration(
        form,
        key=key,
        origin=origin,
        answers=answers,
        fields=fields,
        type_ids={t.id for t in config.types} if config and config.types else None,
        default_handles=default_handles,
        allowed_handles=allowed_handles,
        severities=severities,
        context_links=meta.context_links,
    )
