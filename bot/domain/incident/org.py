"""The organization's incident configuration: incident types and user-defined fields.

A pure model: `bot/datadog/org_config.py` reads it from Datadog,
`bot/slack/declare/form/org_fields.py` renders it, and `custom_fields.py` beside it
validates answers against it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum


class FieldKind(StrEnum):
    """What kind of answer a user-defined field takes (Datadog's types 1..8, by name).

    How each is written in a create body is Datadog's business: bot/datadog/requests.py.
    """

    DROPDOWN = "dropdown"
    MULTISELECT = "multiselect"
    TEXTBOX = "textbox"
    TEXTARRAY = "textarray"
    METRICTAG = "metrictag"
    AUTOCOMPLETE = "autocomplete"
    NUMBER = "number"
    DATETIME = "datetime"


MULTI_VALUE_KINDS = frozenset(
    {FieldKind.MULTISELECT, FieldKind.TEXTARRAY, FieldKind.METRICTAG, FieldKind.AUTOCOMPLETE}
)
"""Kinds whose answer is a list of values; the others take one value."""

HIDDEN_FIELDS = frozenset({"severity", "state"})
"""Fields the form handles itself (severity) or that make no sense when declaring (state)."""


@dataclass(frozen=True)
class Choice:
    """One valid value: `value` is sent to Datadog, `label` is shown."""

    value: str
    label: str


@dataclass(frozen=True)
class OrgField:
    name: str
    display_name: str
    kind: FieldKind
    required: bool = False
    default: str | None = None
    choices: tuple[Choice, ...] = ()
    ordinal: str | None = None
    reserved: bool = False
    type_id: str | None = None
    """The incident type it belongs to; None applies to every type."""

    @property
    def multi(self) -> bool:
        return self.kind in MULTI_VALUE_KINDS

    def label_of(self, value: str) -> str:
        return next((c.label for c in self.choices if c.value == value), value)


@dataclass(frozen=True)
class IncidentType:
    id: str
    name: str
    is_default: bool = False
    description: str = ""


def _ordinal_key(field: OrgField) -> tuple[bool, Decimal, str]:
    """Datadog orders by `ordinal`, a decimal string ("1.5"); missing or odd ones go last."""
    try:
        value = Decimal(field.ordinal) if field.ordinal is not None else None
    except InvalidOperation:
        value = None
    if value is not None and not value.is_finite():
        value = None
    return (value is None, value or Decimal(0), field.display_name.lower())


@dataclass(frozen=True)
class OrgConfig:
    """Types and fields as Datadog returned them (order kept)."""

    types: tuple[IncidentType, ...] = ()
    fields: tuple[OrgField, ...] = ()

    def default_type(self) -> IncidentType | None:
        return next((t for t in self.types if t.is_default), self.types[0] if self.types else None)

    def type_by_id(self, type_id: str | None) -> IncidentType | None:
        return next((t for t in self.types if t.id == type_id), None)

    def resolve_type(self, type_id: str | None) -> IncidentType | None:
        """The chosen type if it exists, else the default one."""
        return self.type_by_id(type_id) or self.default_type()

    def _of_type(self, type_id: str | None) -> list[OrgField]:
        return [f for f in self.fields if f.type_id is None or f.type_id == type_id]

    def fields_for(self, type_id: str | None) -> tuple[OrgField, ...]:
        """The fields to ask when declaring this type, in Datadog's display order.

        Reserved (system) fields are left to Datadog unless they must be filled in.
        """
        shown = [
            f
            for f in self._of_type(type_id)
            if f.name not in HIDDEN_FIELDS and (f.required or not f.reserved)
        ]
        return tuple(sorted(shown, key=_ordinal_key))

    def field(self, type_id: str | None, name: str) -> OrgField | None:
        return next((f for f in self._of_type(type_id) if f.name == name), None)

    def severity_field(self, type_id: str | None) -> OrgField | None:
        """The type's severity field, when it lists its values."""
        found = self.field(type_id, "severity")
        return found if found is not None and found.choices else None
