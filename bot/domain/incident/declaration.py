"""A declaration: what the person asked for, validated, independent of Slack and HTTP.

`DeclarationForm` is what a form produced (raw but typed); `validate_built_in_fields` turns it
into a `Declaration` or into field errors keyed by `FormField`. Over-long text is
shortened with an ellipsis, never rejected.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from enum import StrEnum
from fnmatch import fnmatchcase

from pydantic import BaseModel, ConfigDict, Field

from bot.domain.incident.org import FieldKind

SEVERITIES: tuple[str, ...] = ("UNKNOWN", "SEV-0", "SEV-1", "SEV-2", "SEV-3", "SEV-4", "SEV-5")

TITLE_MAX = 250
"""Slack's plain_text_input allows up to 3000 characters; a title longer than this is unreadable
in a Slack header (150) and in Datadog lists, so it is shortened with an ellipsis."""
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
"""Embeddings, overrides and isolates: they can make a title read backwards in Slack and
Datadog (`Checkout \u202eputs` shows as something else), so a title with them is refused."""
ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
"""Invisible characters: a title made only of these is empty."""
SCOPE_MAX = 2000
SUMMARY_MAX = 2900
"""What's happening: stays under Slack's 3000-character section text once quoted."""


class FormField(StrEnum):
    """Form fields that can carry an error; the Slack layer maps them to block IDs."""

    TITLE = "title"
    SEVERITY = "severity"
    COMMANDER = "commander"
    IMPACT_SCOPE = "impact_scope"
    SUMMARY = "summary"
    HANDLES = "handles"
    INCIDENT_TYPE = "incident_type"


def shorten(text: str, limit: int) -> str:
    """Cut to `limit` characters, ending with an ellipsis when cut."""
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def clean(text: str | None) -> str:
    """Drop control characters (keeping newlines and tabs) that Slack and Datadog mangle."""
    if not text:
        return ""
    return "".join(ch for ch in text if ch in "\n\t" or (ord(ch) >= 32 and ord(ch) != 127))


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class Origin(_Frozen):
    """Where and by whom the declaration was made."""

    team_id: str
    channel_id: str
    channel_name: str = ""
    user_id: str
    user_name: str = ""
    trigger_id: str = ""
    source_ts: str | None = None
    """The message declared from (message shortcut); the announcement goes in its thread."""
    source_permalink: str | None = None


class Handle(_Frozen):
    handle: str
    display_name: str


class CustomField(_Frozen):
    """An org-defined field's answer, typed as Datadog expects."""

    name: str
    kind: FieldKind
    values: tuple[str, ...]


class DeclarationForm(_Frozen):
    """What the form said, before validation."""

    title: str = ""
    severity: str = "UNKNOWN"
    commander_id: str = ""
    customer_impacted: bool = False
    impact_scope: str = ""
    summary: str = ""
    summary_important: bool = False
    notify_user_ids: tuple[str, ...] = ()
    notify_channel_ids: tuple[str, ...] = ()
    extra_handles: str = ""
    is_test: bool = False
    incident_type_id: str | None = None
    custom_fields: tuple[CustomField, ...] = ()


class Declaration(_Frozen):
    """A validated declaration, ready to become an incident."""

    key: str
    title: str
    severity: str
    commander_id: str
    customer_impacted: bool
    impact_scope: str | None = None
    summary: str | None = None
    summary_important: bool = False
    notify_user_ids: tuple[str, ...] = ()
    notify_channel_ids: tuple[str, ...] = ()
    extra_handles: tuple[str, ...] = ()
    default_handles: tuple[str, ...] = ()
    is_test: bool = False
    incident_type_id: str | None = None
    custom_fields: tuple[CustomField, ...] = ()
    origin: Origin
    context_links: tuple[str, ...] = Field(default=())
    """Datadog monitor, dashboard or notebook links found in the source message."""
    incident_channel: bool = False
    """Make a dedicated incident channel (DECLARE_INCIDENT_CHANNEL, or the form's choice)."""
    monitor_cell: str | None = None
    """The timeline cell about the monitor alert declared from (bot/domain/monitor/timeline.py)."""


def declaration_key(team_id: str, user_id: str, view_id: str, trigger_id: str) -> str:
    """Stable across Slack redeliveries and double submits of the same modal."""
    digest = hashlib.sha256(f"{team_id}:{user_id}:{view_id}:{trigger_id}".encode()).hexdigest()
    return "dk-" + digest[:16]


def source_key(origin: Origin) -> str | None:
    """Identifies the message declared from, so a second declaration from it can be noticed."""
    if not origin.source_ts:
        return None
    return f"{origin.team_id}:{origin.channel_id}:{origin.source_ts}"


def parse_handles(text: str) -> tuple[tuple[str, ...], list[str]]:
    """Split free-form handles on commas, spaces or newlines; return (handles, invalid ones)."""
    handles: list[str] = []
    invalid: list[str] = []
    for raw in text.replace(",", " ").split():
        handle = raw if raw.startswith("@") else "@" + raw
        body = handle[1:]
        if not body or any(ch in body for ch in "<>&|\"'`"):
            invalid.append(raw)
        else:
            handles.append(handle)
    return tuple(handles), invalid


def disallowed_handles(handles: Sequence[str], patterns: Sequence[str]) -> list[str]:
    """The handles no pattern allows (fnmatch, case-insensitive); none when `patterns` is empty."""
    if not patterns:
        return []
    lowered = [p.lower() for p in patterns]
    return [h for h in handles if not any(fnmatchcase(h.lower(), p) for p in lowered)]


def title_error(raw: str, title: str) -> str | None:
    """Why a title can't be used: empty (also when only invisible), or direction controls."""
    if not title.translate(ZERO_WIDTH).strip():
        return "Give the incident a title, e.g. “Checkout API 5xx in eu-west-1”."
    if any(ch in BIDI_CONTROLS for ch in raw):
        return (
            "The title contains invisible text-direction characters (U+202A–U+202E, "
            "U+2066–U+2069) that make it display differently from what it says. "
            "Retype it without them."
        )
    return None


def validate_built_in_fields(
    form: DeclarationForm,
    *,
    key: str,
    origin: Origin,
    default_handles: tuple[str, ...] = (),
    severities: tuple[str, ...] = SEVERITIES,
    allowed_handles: tuple[str, ...] = (),
) -> Declaration | dict[FormField, str]:
    """A `Declaration`, or the errors to show under each field.

    `allowed_handles` are patterns the typed handles must match (empty: any handle).
    """
    errors: dict[FormField, str] = {}
    title = shorten(" ".join(clean(form.title).split()), TITLE_MAX)
    bad_title = title_error(form.title, title)
    if bad_title:
        errors[FormField.TITLE] = bad_title
    if form.severity not in severities:
        errors[FormField.SEVERITY] = f"Choose one of {', '.join(severities)}."
    if not form.commander_id:
        errors[FormField.COMMANDER] = "Choose an incident commander."
    scope = shorten(clean(form.impact_scope), SCOPE_MAX)
    if form.customer_impacted and not scope:
        errors[FormField.IMPACT_SCOPE] = (
            "Customer impact is checked: describe who is affected and how, "
            "e.g. “EU customers cannot check out”."
        )
    extra, invalid = parse_handles(clean(form.extra_handles))
    if invalid:
        errors[FormField.HANDLES] = (
            f"Not a Datadog handle: {', '.join(invalid[:5])}. Use forms like @pagerduty-payments."
        )
    refused = disallowed_handles(extra, allowed_handles)
    if refused and not invalid:
        errors[FormField.HANDLES] = (
            f"Not allowed here: {', '.join(refused[:5])}. Handles must match "
            f"{', '.join(allowed_handles[:10])}; ask an admin to allow others."
        )
    if errors:
        return errors
    summary = shorten(clean(form.summary), SUMMARY_MAX)
    return Declaration(
        key=key,
        title=title,
        severity=form.severity,
        commander_id=form.commander_id,
        customer_impacted=form.customer_impacted,
        impact_scope=scope if form.customer_impacted else None,
        summary=summary or None,
        summary_important=form.summary_important,
        notify_user_ids=tuple(dict.fromkeys(form.notify_user_ids)),
        notify_channel_ids=tuple(dict.fromkeys(form.notify_channel_ids)),
        extra_handles=extra,
        default_handles=default_handles,
        is_test=form.is_test,
        incident_type_id=form.incident_type_id,
        custom_fields=form.custom_fields,
        origin=origin,
    )
