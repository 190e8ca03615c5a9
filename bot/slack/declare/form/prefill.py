"""The form's starting values: from settings and the person, or from what was already typed."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from bot.config import Settings
from bot.domain.channel.plan import ChannelMode
from bot.domain.incident.declaration import SEVERITIES
from bot.slack.common import ids
from bot.slack.declare.form.state import checked, selected_of, selected_user, text_of


@dataclass(frozen=True, slots=True)
class FormPrefill:
    """Initial values of the form.

    A plain dataclass, not a pydantic model: its values come typed from settings or from
    the form's state, and validating them again cost /declare some 30 µs before views.open.
    """

    title: str = ""
    summary: str = ""
    severity: str = "UNKNOWN"
    commander_id: str = ""
    default_handles: tuple[str, ...] = ()
    severities: tuple[str, ...] = SEVERITIES
    severity_labels: dict[str, str] = field(default_factory=dict)
    incident_channel: bool | None = None
    """With DECLARE_INCIDENT_CHANNEL=ask: the channel checkbox's starting state; else None."""


def prefill_for(
    settings: Settings, user_id: str, title: str = "", summary: str = ""
) -> FormPrefill:
    """The title typed, the settings' defaults, and the person declaring as commander."""
    return FormPrefill(
        title=title,
        summary=summary,
        severity=settings.default_severity,
        commander_id=user_id,
        default_handles=tuple(settings.default_handles),
        incident_channel=(
            settings.incident_channel_default
            if settings.incident_channel is ChannelMode.ASK
            else None
        ),
    )


def prefill_from_state(settings: Settings, values: dict[str, Any], user_id: str) -> FormPrefill:
    """The form's current answers, so a re-render starts from what the person typed."""
    base = prefill_for(
        settings, user_id, title=text_of(values, ids.TITLE), summary=text_of(values, ids.SUMMARY)
    )
    return replace(
        base,
        severity=selected_of(values, ids.SEVERITY) or base.severity,
        commander_id=selected_user(values, ids.COMMANDER) or base.commander_id,
        incident_channel=(
            None if base.incident_channel is None else checked(values, ids.INCIDENT_CHANNEL)
        ),
    )
