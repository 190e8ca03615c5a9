"""Read the org's incident types and user-defined fields from Datadog, leniently.

Each item is parsed on its own: one odd field (an unknown type number, a missing name)
is skipped with a log line instead of hiding the whole configuration.
"""

from __future__ import annotations

import logging
from typing import Any

from pydantic import ValidationError

from bot.datadog.client import DatadogClient
from bot.datadog.models import Lenient
from bot.domain.incident.org import Choice, FieldKind, IncidentType, OrgConfig, OrgField

log = logging.getLogger(__name__)

KIND_BY_NUMBER: dict[int, FieldKind] = {
    1: FieldKind.DROPDOWN,
    2: FieldKind.MULTISELECT,
    3: FieldKind.TEXTBOX,
    4: FieldKind.TEXTARRAY,
    5: FieldKind.METRICTAG,
    6: FieldKind.AUTOCOMPLETE,
    7: FieldKind.NUMBER,
    8: FieldKind.DATETIME,
}
"""Spec IncidentUserDefinedFieldFieldType: 1=dropdown, 2=multiselect, ... 8=datetime."""


class ValidValue(Lenient):
    value: str
    display_name: str | None = None


class FieldAttributes(Lenient):
    name: str
    display_name: str | None = None
    type: int | str | None = None
    required: bool | None = None
    default_value: str | None = None
    ordinal: str | float | None = None
    valid_values: list[ValidValue] | None = None
    reserved: bool | None = None
    deleted: str | None = None


class FieldResource(Lenient):
    id: str
    attributes: FieldAttributes
    relationships: dict[str, Any] | None = None

    @property
    def type_id(self) -> str | None:
        link = (self.relationships or {}).get("incident_type")
        data = link.get("data") if isinstance(link, dict) else None
        found = data.get("id") if isinstance(data, dict) else None
        return found if isinstance(found, str) and found else None


class TypeAttributes(Lenient):
    name: str | None = None
    description: str | None = None
    is_default: bool | None = None


class TypeResource(Lenient):
    id: str
    attributes: TypeAttributes = TypeAttributes()


def _kind(raw: int | str | None) -> FieldKind | None:
    if isinstance(raw, int):
        return KIND_BY_NUMBER.get(raw)
    try:
        return FieldKind(str(raw).lower())
    except ValueError:
        return None


def parse_types(items: list[dict[str, Any]]) -> tuple[IncidentType, ...]:
    types: list[IncidentType] = []
    for item in items:
        try:
            resource = TypeResource.model_validate(item)
        except ValidationError as exc:
            log.warning("skipping an incident type Datadog returned: %s", exc.errors()[:1])
            continue
        attrs = resource.attributes
        types.append(
            IncidentType(
                id=resource.id,
                name=attrs.name or "Incident",
                is_default=bool(attrs.is_default),
                description=attrs.description or "",
            )
        )
    return tuple(types)


def parse_field(item: dict[str, Any]) -> OrgField | None:
    try:
        resource = FieldResource.model_validate(item)
    except ValidationError as exc:
        log.warning("skipping a user-defined field Datadog returned: %s", exc.errors()[:1])
        return None
    attrs = resource.attributes
    kind = _kind(attrs.type)
    if kind is None or attrs.deleted:
        if kind is None:
            log.warning("skipping field %s: unknown type %r", attrs.name, attrs.type)
        return None
    choices = tuple(
        Choice(value=v.value, label=v.display_name or v.value)
        for v in attrs.valid_values or ()
        if v.value
    )
    return OrgField(
        name=attrs.name,
        display_name=attrs.display_name or attrs.name.replace("_", " ").title(),
        kind=kind,
        required=bool(attrs.required),
        default=attrs.default_value or None,
        choices=choices,
        ordinal=None if attrs.ordinal is None else str(attrs.ordinal),
        reserved=bool(attrs.reserved),
        type_id=resource.type_id,
    )


def parse_config(types: list[dict[str, Any]], fields: list[dict[str, Any]]) -> OrgConfig:
    parsed = (parse_field(item) for item in fields)
    return OrgConfig(types=parse_types(types), fields=tuple(f for f in parsed if f is not None))


def load_org_config(client: DatadogClient) -> OrgConfig:
    """Two reads: the types, then every type's fields. Raises DatadogError."""
    types = client.list_incident_types()
    fields = client.list_all_user_defined_fields()
    config = parse_config(types, fields)
    log.info("org config read: %d incident types, %d fields", len(config.types), len(config.fields))
    return config
