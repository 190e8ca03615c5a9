"""Validate a declaration together with the org's custom-field answers.

`validate_built_in_fields` checks the built-in fields; `validate_declaration` adds the org's fields
(required, valid values, numbers, dates) and the incident type, and returns one error
map keyed by `FormField` or `CustomFieldRef`; the Slack layer maps both to block IDs.

Answers arrive raw (`{field name: (text, ...)}`): a multi-value field typed as text
gives one value per line.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from bot.domain.incident.declaration import (
    SEVERITIES,
    CustomField,
    Declaration,
    DeclarationForm,
    FormField,
    Origin,
    clean,
    shorten,
    validate_built_in_fields,
)
from bot.domain.incident.org import FieldKind, OrgField

VALUE_MAX = 3000
"""Longest single value kept (Slack's input limit); longer text is shortened."""
VALUES_MAX = 100


@dataclass(frozen=True)
class CustomFieldRef:
    """An error key for an org-defined field (distinct from `FormField`, even for "title")."""

    name: str

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class Unreadable:
    """An answer the form sent that isn't text we can read (a time out of range)."""


FieldKey = FormField | CustomFieldRef
Answer = Sequence[str] | Unreadable
Answers = Mapping[str, Answer]


def _number(text: str) -> str | None:
    """The number as typed (thousands separators dropped), if it is one a float can hold."""
    plain = text.replace(",", "")
    try:
        Decimal(plain)
        return plain if math.isfinite(float(plain)) else None
    except (InvalidOperation, ValueError):
        return None


def _datetime(text: str) -> str | None:
    """ISO 8601; a time without a zone is taken as UTC."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.isoformat()


def _values(field: OrgField, raw: Sequence[str]) -> list[str]:
    """Non-blank values: every line of every answer for multi-value fields, else the first."""
    if field.multi:
        lines = (line.strip() for text in raw for line in clean(text).splitlines())
        unique = dict.fromkeys(shorten(line, VALUE_MAX) for line in lines if line)
        return list(unique)[:VALUES_MAX]
    first = next((clean(text).strip() for text in raw if clean(text).strip()), "")
    return [shorten(first, VALUE_MAX)] if first else []


def _invalid(field: OrgField) -> str:
    """The error for an answer of the wrong shape."""
    label = field.display_name
    if field.kind is FieldKind.NUMBER:
        return f"{label} must be a number, e.g. 42 or 3.5."
    if field.kind is FieldKind.DATETIME:
        return f"{label} must be a date and time, e.g. 2024-05-01T13:30:00Z."
    return f"{label} could not be read; enter it again."


def _check(field: OrgField, values: list[str]) -> tuple[list[str], str | None]:
    """The values as sent to Datadog, or an error sentence."""
    label = field.display_name
    if field.kind is FieldKind.NUMBER:
        numbers = [_number(v) for v in values]
        if None in numbers:
            return [], _invalid(field)
        return [n for n in numbers if n is not None], None
    if field.kind is FieldKind.DATETIME:
        moments = [_datetime(v) for v in values]
        if None in moments:
            return [], _invalid(field)
        return [m for m in moments if m is not None], None
    if field.choices:
        allowed = {c.value for c in field.choices}
        bad = [v for v in values if v not in allowed]
        if bad:
            return [], f"“{shorten(bad[0], 40)}” is not an option of {label}; choose from the list."
    return values, None


def validate_custom(
    fields: Sequence[OrgField], answers: Answers
) -> tuple[tuple[CustomField, ...], dict[CustomFieldRef, str]]:
    """Typed answers for Datadog's `fields`, or the errors to show under each field."""
    out: list[CustomField] = []
    errors: dict[CustomFieldRef, str] = {}
    for field in fields:
        raw = answers.get(field.name, ())
        if isinstance(raw, Unreadable):
            errors[CustomFieldRef(field.name)] = _invalid(field)
            continue
        values = _values(field, raw)
        if not values:
            if field.required:
                errors[CustomFieldRef(field.name)] = f"{field.display_name} is required."
            continue
        checked, problem = _check(field, values)
        if problem:
            errors[CustomFieldRef(field.name)] = problem
            continue
        out.append(CustomField(name=field.name, kind=field.kind, values=tuple(checked)))
    return tuple(out), errors


def validate_declaration(
    form: DeclarationForm,
    *,
    key: str,
    origin: Origin,
    answers: Answers,
    fields: Sequence[OrgField] = (),
    type_ids: Collection[str] | None = None,
    default_handles: tuple[str, ...] = (),
    severities: tuple[str, ...] = SEVERITIES,
    context_links: tuple[str, ...] = (),
    allowed_handles: tuple[str, ...] = (),
) -> Declaration | dict[FieldKey, str]:
    """A `Declaration` with its custom fields, or every error at once (built-in and custom).

    `type_ids` are the org's incident types, when known: a chosen type must be one of them.
    """
    base = validate_built_in_fields(
        form,
        key=key,
        origin=origin,
        default_handles=default_handles,
        severities=severities,
        allowed_handles=allowed_handles,
    )
    custom, custom_errors = validate_custom(fields, answers)
    errors: dict[FieldKey, str] = {}
    for built_in, message in ({} if isinstance(base, Declaration) else base).items():
        errors[built_in] = message
    for ref, problem in custom_errors.items():
        errors[ref] = problem
    if type_ids is not None and form.incident_type_id and form.incident_type_id not in type_ids:
        errors[FormField.INCIDENT_TYPE] = "That incident type no longer exists; choose another."
    if errors or not isinstance(base, Declaration):
        return errors
    return base.model_copy(
        update={"custom_fields": (*base.custom_fields, *custom), "context_links": context_links}
    )
