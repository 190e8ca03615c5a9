"""What people read: a status update, a reminder, the stakeholder channel's message and
its replies. Pure builders returning `(text, blocks)`; user text is escaped, mrkdwn verbatim.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from bot.domain.cadence.policy import format_duration
from bot.domain.cadence.schedule import Cadence, ReminderKind
from bot.domain.cadence.update import StatusUpdate
from bot.domain.incident.state import IncidentView
from bot.domain.lifecycle.record import IncidentCard
from bot.slack.common.ids import (
    REMINDER_SNOOZE_ACTION,
    REMINDER_STOP_ACTION,
    REMINDER_UPDATE_ACTION,
)
from bot.slack.common.mrkdwn import FALLBACK_MAX, HEADER_MAX, SECTION_MAX, cut, safe, verbatim
from bot.slack.incident.card import Message, mention, slack_time, state_label

UPDATE_ICON = ":mega:"
REMINDER_ICON = ":alarm_clock:"


def _clock(at: float) -> str:
    return slack_time(at, "{time}", datetime.fromtimestamp(at, UTC).strftime("%H:%M UTC"))


def commander_of(card: IncidentCard) -> str:
    if card.commander_slack_id:
        return mention(card.commander_slack_id)
    if card.shown.commander is not None:
        return safe(card.shown.commander.label, 200)
    return "No commander yet"


def status_update(update: StatusUpdate, view: IncidentView) -> Message:
    """The update as posted in the thread (and the incident channel)."""
    head = (
        f"{UPDATE_ICON} *Status update* · {safe(view.label, 50)} · {safe(view.severity, 50)} · "
        f"{safe(state_label(view), 50)}"
    )
    foot = f"Posted by {mention(update.actor_id)}"
    if update.next_due is not None:
        foot += f" · next update by {_clock(update.next_due)}"
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": verbatim(head)},
        {"type": "section", "text": verbatim(safe(update.text, SECTION_MAX))},
        {"type": "context", "elements": [verbatim(foot)]},
    ]
    text = safe(f"Status update on {view.label} ({view.severity}): {update.text}", FALLBACK_MAX)
    return text, blocks


def reminder(cadence: Cadence, card: IncidentCard, signed: str, snooze: float) -> Message:
    """The nudge: mentions the commander, with Post update, Snooze and Stop reminders."""
    view = card.shown
    who = commander_of(card)
    if cadence.kind is ReminderKind.RESOLVE:
        since = slack_time(cadence.state_since, "{ago}", "a while ago")
        body = (
            f"{REMINDER_ICON} {who}: {safe(view.label, 50)} has been stable since {since}. "
            "Is it over? Resolve it from the card, or post an update."
        )
    else:
        spoke = slack_time(cadence.spoke_at, "{ago}", "a while ago")
        what = "it was declared"
        if cadence.last_update_at is not None:
            by = f", by {mention(cadence.last_update_by)}," if cadence.last_update_by else ""
            what = f"the last status update{by} was"
        body = (
            f"{REMINDER_ICON} {who}: time for a status update on {safe(view.label, 50)} "
            f"({safe(view.severity, 50)}): {what} {spoke}."
        )
    buttons = [
        _button("Post update", REMINDER_UPDATE_ACTION, signed, "primary"),
        _button(f"Snooze {format_duration(snooze)}", REMINDER_SNOOZE_ACTION, signed),
        _button("Stop reminders", REMINDER_STOP_ACTION, signed, "danger"),
    ]
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": verbatim(body)},
        {"type": "actions", "elements": buttons},
    ]
    return safe(f"Reminder: status update due on {view.label}", FALLBACK_MAX), blocks


def _button(label: str, action_id: str, value: str, style: str | None = None) -> dict[str, Any]:
    button: dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": label},
        "action_id": action_id,
        "value": value,
    }
    if style:
        button["style"] = style
    return button


def stakeholder(card: IncidentCard, permalink: str | None) -> Message:
    """The incident's one message in the stakeholder channel, edited in place like the card."""
    view = card.shown
    icon = "✅" if view.resolved else "🚨"
    head = safe(f"{icon} {view.label}: {view.title}", HEADER_MAX)
    line = (
        f"*Severity* {safe(view.severity, 50)} · *State* {safe(state_label(view), 50)} · "
        f"*Commander* {commander_of(card)}"
    )
    links = []
    if permalink:
        links.append(f"<{permalink}|Follow it in Slack>")
    if view.url:
        links.append(f"<{view.url}|Open in Datadog>")
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": head}},
        {"type": "section", "text": verbatim(line)},
    ]
    if card.status_at is not None and not view.resolved:
        blocks.append(
            {
                "type": "context",
                "elements": [verbatim(f"Last update {slack_time(card.status_at, '{ago}', '')}")],
            }
        )
    if links:
        blocks.append({"type": "context", "elements": [verbatim(" · ".join(links))]})
    text = safe(f"{view.label} ({view.severity}, {view.state}): {view.title}", FALLBACK_MAX)
    return text, blocks


def stakeholder_changes(label: str, who: str, lines: Sequence[str]) -> Message:
    """A thread reply under the stakeholder message: `who` is mrkdwn already."""
    body = f"{who} changed {safe(label, 50)}:" + "".join(f"\n• {safe(x, 500)}" for x in lines)
    return safe(f"{label}: {' · '.join(lines)}", FALLBACK_MAX), [
        {"type": "section", "text": verbatim(cut(body, SECTION_MAX))}
    ]
