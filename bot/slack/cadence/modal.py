"""The Post update modal: built from the card, read back into one `StatusForm`.

Pure builder and reader. What's happening now (text), the state (the org's states),
optionally the severity, and "next update in" (defaulting to the severity's interval).
Other features add their own blocks after these (`extra_blocks`, e.g. the status page
publish); the submission hands them the whole view state (bot/slack/cadence/sections.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.domain.cadence.policy import format_duration
from bot.domain.cadence.update import TEXT_MAX
from bot.domain.incident.state import IncidentView
from bot.slack.common.ids import (
    STATUS_CALLBACK,
    STATUS_NEXT,
    STATUS_SEVERITY,
    STATUS_STATE,
    STATUS_TEXT,
)
from bot.slack.common.mrkdwn import VIEW_TITLE_MAX
from bot.slack.declare.form.blocks import input_block, option, plain, text_input
from bot.slack.declare.form.state import selected_of, text_of

NEXT_CHOICES: tuple[float, ...] = (15 * 60, 30 * 60, 3600, 2 * 3600, 4 * 3600, 8 * 3600)
""""Next update in" choices, seconds; the severity's interval is added when it is another."""
NO_NEXT = "none"
"""The choice for "the severity's usual interval" (none when it has no reminders)."""


@dataclass(frozen=True)
class StatusForm:
    """What the Post update modal said at submit."""

    text: str
    state: str
    severity: str
    """"" when left as it was."""
    next_in: float | None


def _label(seconds: float) -> str:
    text = format_duration(seconds)
    return {"m": f"{text[:-1]} minutes", "h": f"{text[:-1]} hours", "s": f"{text[:-1]} s"}[
        text[-1]
    ].replace("1 hours", "1 hour")


def _select(values: Sequence[str], selected: str) -> dict[str, Any]:
    shown = list(dict.fromkeys([*values, *([selected] if selected else [])]))[:100]
    options = [option(v, v) for v in shown]
    element: dict[str, Any] = {"type": "static_select", "options": options}
    initial = next((o for o in options if o["value"] == selected), None)
    if initial is not None:
        element["initial_option"] = initial
    return element


def next_select(default: float | None) -> dict[str, Any]:
    choices = sorted({*NEXT_CHOICES, *([default] if default else [])})
    options = [option(str(int(s)), _label(s)) for s in choices]
    options.append(option(NO_NEXT, "The usual interval for its severity"))
    picked = str(int(default)) if default else NO_NEXT
    initial = next(o for o in options if o["value"] == picked)
    return {"type": "static_select", "options": options, "initial_option": initial}


def status_modal(
    metadata: str,
    incident: IncidentView,
    *,
    states: Sequence[str],
    severities: Sequence[str],
    default_next: float | None,
    text: str = "",
    extra_blocks: Sequence[dict[str, Any]] = (),
) -> dict[str, Any]:
    """The modal; `default_next` is the severity's interval (None: no reminders for it)."""
    blocks = [
        input_block(
            STATUS_TEXT,
            "What's happening now",
            text_input(
                initial=text,
                multiline=True,
                max_length=TEXT_MAX,
                placeholder="What we know, what we're doing, what's next",
            ),
            hint="Posted in the incident's thread (and its channel), as you write it.",
        ),
        input_block(STATUS_STATE, "State", _select(states, incident.state)),
        input_block(
            STATUS_SEVERITY, "Severity", _select(severities, incident.severity), optional=True
        ),
        input_block(STATUS_NEXT, "Next update in", next_select(default_next), optional=True),
        *extra_blocks,
    ]
    return {
        "type": "modal",
        "callback_id": STATUS_CALLBACK,
        "title": plain(f"Update on {incident.label}", VIEW_TITLE_MAX),
        "submit": plain("Post update", VIEW_TITLE_MAX),
        "close": plain("Cancel", VIEW_TITLE_MAX),
        "private_metadata": metadata,
        "blocks": blocks,
    }


def read_status(values: dict[str, Any]) -> StatusForm:
    """The modal's answers (the text as typed; trimmed by the domain)."""
    picked = selected_of(values, STATUS_NEXT)
    next_in = float(picked) if picked and picked != NO_NEXT and picked.isdigit() else None
    return StatusForm(
        text=text_of(values, STATUS_TEXT),
        state=selected_of(values, STATUS_STATE),
        severity=selected_of(values, STATUS_SEVERITY),
        next_in=next_in,
    )
