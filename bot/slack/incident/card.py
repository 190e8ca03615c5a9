"""The incident's live card (the announcement, edited in place) and its thread notes.

Pure builders returning `(text, blocks)`. Every piece of user or Datadog text is escaped and
every mrkdwn object is verbatim (explicit `<@U…>` still renders, a bare "@channel" typed
into a title does not), so nothing a person typed can ping a group or forge a link.
The buttons carry no incident: the listener takes it from what the bot stored for the
message the button is on (channel + ts), so a rewritten payload can't point an action at
another incident.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from bot.domain.incident.changes import Change, ExternalUpdate, moment
from bot.domain.incident.responders import Responder
from bot.domain.incident.state import IncidentUser, IncidentView
from bot.domain.lifecycle.record import StatusNoticeRef
from bot.domain.responders.roster import roster
from bot.slack.common import ids
from bot.slack.common.ids import (
    ACTIONS_BLOCK,
    ADD_RESPONDER_ACTION,
    DETAILS_BLOCK,
    HEADER_BLOCK,
    POST_UPDATE_ACTION,
    POSTMORTEM_ACTION,
    REMOVE_RESPONDER_ACTION,
    REOPEN_ACTION,
    RESOLVE_ACTION,
    RESPONDERS_BLOCK,
    STAFF_BLOCK,
    STATUS_LINE_BLOCK,
    TAKE_COMMAND_ACTION,
    UPDATE_ACTION,
)
from bot.slack.common.mrkdwn import (
    BUTTON_MAX,
    FALLBACK_MAX,
    HEADER_MAX,
    SECTION_MAX,
    cut,
    escape,
    safe,
    verbatim,
)

Message = tuple[str, list[dict[str, Any]]]

CARD_ACTIONS = (
    UPDATE_ACTION,
    RESOLVE_ACTION,
    REOPEN_ACTION,
    ADD_RESPONDER_ACTION,
    REMOVE_RESPONDER_ACTION,
    TAKE_COMMAND_ACTION,
    ids.PAGE_ACTION,
    POST_UPDATE_ACTION,
    ids.TODO_ACTION,
    POSTMORTEM_ACTION,
)
"""The actions that act on the card's incident (looked up from the stored message)."""
SECTION_FIELD_MAX = 2000
"""Slack's limit for one of a section's `fields` (belongs beside the others in mrkdwn.py)."""
NOTE_LINES_MAX = 20
"""Changes listed in one thread note; more are counted, not listed."""

_SLACK_USER = re.compile(r"[UW][A-Z0-9]{2,}")
_STATE_LABELS = {"active": "Active", "stable": "Stable", "resolved": "✅ Resolved"}


def mention(user_id: str) -> str:
    """`<@U…>` for a real Slack user ID; anything else is shown as escaped text."""
    return f"<@{user_id}>" if _SLACK_USER.fullmatch(user_id) else escape(user_id)


def state_label(incident: IncidentView) -> str:
    if incident.resolved:
        return _STATE_LABELS.get(incident.state, f"✅ {incident.state.capitalize()}")
    return _STATE_LABELS.get(incident.state, incident.state.capitalize())


def _commander(incident: IncidentView, commander_slack_id: str | None) -> str:
    if commander_slack_id:
        return mention(commander_slack_id)
    if incident.commander is not None:
        return safe(incident.commander.label, 200)
    return "Not set"


def _impact(incident: IncidentView) -> str:
    if not incident.customer_impacted:
        return "No"
    ended = incident.customer_impact_end
    tail = f"\nEnded {moment(ended)}" if ended is not None else ""
    room = SECTION_FIELD_MAX - len("*Customer impact*\nYes: ") - len(tail)
    scope = safe(incident.customer_impact_scope or "scope not given", room)
    return f"Yes: {scope}{tail}"


def _button(label: str, action_id: str, style: str | None = None) -> dict[str, Any]:
    button: dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": cut(label, BUTTON_MAX)},
        "action_id": action_id,
    }
    if style:
        button["style"] = style
    return button


def card_buttons(
    incident: IncidentView, postmortem_url: str | None = None, *, postmortem: bool = True
) -> list[dict[str, Any]]:
    """While open: Post update, Update, Resolve, Page, Add to-do. Once resolved: Update,
    Reopen, Postmortem (it drafts the postmortem, or opens it once drafted: `postmortem_url`;
    `postmortem` False, DECLARE_POSTMORTEM=never, leaves it out). Then the link to Datadog."""
    elements = [] if incident.resolved else [_button("Post update", POST_UPDATE_ACTION)]
    elements.append(_button("Update", UPDATE_ACTION))
    if incident.resolved:
        elements.append(_button("Reopen", REOPEN_ACTION))
        if postmortem:
            draft = _button("Postmortem", POSTMORTEM_ACTION)
            if postmortem_url and postmortem_url.startswith("https://"):
                draft["url"] = postmortem_url
            elements.append(draft)
    else:
        elements.append(_button("Resolve", RESOLVE_ACTION, "primary"))
        elements.append(_button("Page", ids.PAGE_ACTION))
        elements.append(_button("Add to-do", ids.TODO_ACTION))
    if incident.url:
        link = _button("Open in Datadog", ids.OPEN_INCIDENT_ACTION)
        link["url"] = incident.url
        elements.append(link)
    return elements


def responder_label(responder: Responder) -> str:
    """mrkdwn: the Slack mention when the bot knows the person, else Datadog's name."""
    if responder.slack_user_id:
        return mention(responder.slack_user_id)
    return safe(responder.label, 200)


RESPONDERS_SHOWN = 20
"""Responders listed on the card; more are counted."""


def _responders_block(
    incident: IncidentView, commander_slack_id: str | None, listed: tuple[Responder, ...]
) -> dict[str, Any]:
    """The commander first, then each responder with their role."""
    lines = [f"• {_commander(incident, commander_slack_id)}: Commander"]
    for responder in listed[:RESPONDERS_SHOWN]:
        role = f": {safe(responder.role_name, 100)}" if responder.role_name else ""
        lines.append(f"• {responder_label(responder)}{role}")
    if len(listed) > RESPONDERS_SHOWN:
        lines.append(f"… and {len(listed) - RESPONDERS_SHOWN} more")
    body = cut("*Responders*\n" + "\n".join(lines), SECTION_MAX)
    return {"type": "section", "block_id": RESPONDERS_BLOCK, "text": verbatim(body)}


def staff_buttons(has_responders: bool) -> list[dict[str, Any]]:
    """Add responder, Remove responder (once there is one), Take command."""
    elements = [_button("Add responder", ADD_RESPONDER_ACTION)]
    if has_responders:
        elements.append(_button("Remove responder", REMOVE_RESPONDER_ACTION))
    elements.append(_button("Take command", TAKE_COMMAND_ACTION))
    return elements


def slack_time(at: float, pattern: str, fallback: str) -> str:
    """Slack's date token: each reader sees `pattern` ({ago}, {time}) in their own zone."""
    return f"<!date^{int(at)}^{pattern}|{fallback}>"


def status_line(status_at: float | None, status_due: float | None) -> str | None:
    """ "Last update 12 minutes ago · next due 14:30" (live in Slack), or None before any."""
    if status_at is None:
        return None
    line = f":speech_balloon: Last update {slack_time(status_at, '{ago}', 'recently')}"
    if status_due is not None:
        due = datetime.fromtimestamp(status_due, UTC).strftime("%H:%M UTC")
        line += f" · next due {slack_time(status_due, '{time}', due)}"
    return line


def notice_line(notice: StatusNoticeRef) -> str:
    """The card's link to the notice: ":loudspeaker: Status page: Login fails (Identified)"."""
    title = safe(notice.title, 300)
    shown = f"<{notice.url}|{title}>" if notice.url else title
    return f":loudspeaker: Status page: {shown} ({safe(notice.status.capitalize(), 40)})"


def card(
    incident: IncidentView,
    *,
    commander_slack_id: str | None = None,
    responders: Sequence[Responder] = (),
    status_at: float | None = None,
    status_due: float | None = None,
    notice: StatusNoticeRef | None = None,
    postmortem_url: str | None = None,
    postmortem: bool = True,
) -> Message:
    """The live card: title, severity, state, commander, customer impact, responders, the
    status line, the public notice, link and buttons.

    `commander_slack_id` is the commander's Slack user when the bot knows it (shown as a
    mention); otherwise Datadog's name for them is shown. `responders` are Datadog's (the
    commander among them is listed once, first). `status_at`/`status_due`: the last status
    update and when the next is due (a context line; bot/slack/cadence/). `notice`: the
    public notice on the status page (bot/slack/cadence/status_page_section.py).
    `postmortem_url`: the drafted postmortem (its button opens it); `postmortem` False:
    no Postmortem button (DECLARE_POSTMORTEM=never).
    """
    icon = "✅" if incident.resolved else "🚨"
    test = "[TEST] " if incident.is_test else ""
    header = safe(f"{icon} {test}{incident.label}: {incident.title}", HEADER_MAX)
    fields = [
        verbatim(f"*Severity*\n{safe(incident.severity, 200)}"),
        verbatim(f"*State*\n{safe(state_label(incident), 200)}"),
        verbatim(f"*Commander*\n{_commander(incident, commander_slack_id)}"),
        verbatim(f"*Customer impact*\n{_impact(incident)}"),
    ]
    blocks: list[dict[str, Any]] = [
        {
            "type": "header",
            "block_id": HEADER_BLOCK,
            "text": {"type": "plain_text", "text": header},
        },
        {"type": "section", "block_id": DETAILS_BLOCK, "fields": fields},
    ]
    listed = roster(list(responders), incident.commander_id)
    if listed:
        blocks.append(_responders_block(incident, commander_slack_id, listed))
    if incident.is_test:
        blocks.append({"type": "context", "elements": [verbatim(":test_tube: *TEST* incident")]})
    status = None if incident.resolved else status_line(status_at, status_due)
    if status:
        blocks.append(
            {"type": "context", "block_id": STATUS_LINE_BLOCK, "elements": [verbatim(status)]}
        )
    if notice is not None:
        blocks.append(
            {
                "type": "context",
                "block_id": ids.NOTICE_BLOCK,
                "elements": [verbatim(notice_line(notice))],
            }
        )
    buttons = card_buttons(incident, postmortem_url, postmortem=postmortem)
    blocks.append({"type": "actions", "block_id": ACTIONS_BLOCK, "elements": buttons})
    if not incident.resolved:
        staff = staff_buttons(bool(listed))
        blocks.append({"type": "actions", "block_id": STAFF_BLOCK, "elements": staff})
    text = safe(
        f"{test}{incident.label} ({incident.severity}, {incident.state}): {incident.title} "
        f"{incident.url or ''}".rstrip(),
        FALLBACK_MAX,
    )
    return text, blocks


def datadog_actor(user: IncidentUser | None) -> str:
    """Who changed the incident in Datadog, as plain text (escaped by the note builder)."""
    return f"{user.label} (in Datadog)" if user is not None else "Someone in Datadog"


def _note(who: str, lines: Sequence[str], label: str) -> Message:
    """`who` is mrkdwn already (a mention or escaped text); `lines` are plain text."""
    shown = list(lines[:NOTE_LINES_MAX])
    more = len(lines) - len(shown)
    if len(shown) == 1 and not more:
        body = f"{who} {safe(shown[0], SECTION_MAX - len(who) - 1)}"
    else:
        head = f"{who} updated {escape(label)}:"
        tail = f"\n… and {more} more" if more else ""
        room = (SECTION_MAX - len(head) - len(tail)) // max(len(shown), 1) - 3
        body = head + "".join(f"\n• {safe(line, room)}" for line in shown) + tail
    plain = " · ".join(lines) or "no visible change"
    text = safe(f"{label}: {plain}", FALLBACK_MAX)
    return text, [{"type": "section", "text": verbatim(body)}]


def change_note(actor_slack_id: str, changes: Sequence[Change], label: str) -> Message:
    """The thread reply for an update from Slack: `<@U…> changed severity SEV-2 → SEV-1`."""
    return _note(mention(actor_slack_id), [c.text for c in changes], label)


def external_note(update: ExternalUpdate, label: str) -> Message:
    """The thread reply for a change made in Datadog, naming who when Datadog says."""
    return _note(safe(datadog_actor(update.by), 300), list(update.lines), label)
