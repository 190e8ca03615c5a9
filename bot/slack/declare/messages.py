"""Messages the bot posts: the announcement, its thread reply, failures, and help.

Pure builders returning `(text, blocks)`; user text is escaped and shown verbatim,
so nothing a person typed can ping a group or render a link.
"""

from __future__ import annotations

import re
from typing import Any

from bot.domain.declare.card import declared_view
from bot.domain.declare.record import DeclarationRecord, Delivered
from bot.slack.common import ids
from bot.slack.common.mrkdwn import FALLBACK_MAX, cut, escape, safe, verbatim
from bot.slack.incident.card import card

Message = tuple[str, list[dict[str, Any]]]

HELP_TEXT = (
    "*/declare* opens a form to declare a Datadog incident.\n"
    "• `/declare` — open the form\n"
    "• `/declare checkout is down` — open it with the title filled in\n"
    "• `/declare list` — the open incidents (active and stable), newest first, with Update\n"
    "• `/declare todo Rotate the key tomorrow` — a to-do, in an incident's channel\n"
    "• `/declare update Rolled back; watching` — a status update, in an incident's channel\n"
    "• `/declare help` — this message\n"
    "You can also declare from any message: its ⋯ menu → *Declare incident*; and add a "
    "message to an incident (*Add to incident*) or make it a to-do (*Add as to-do*)."
)


def _link_button(url: str) -> dict[str, Any]:
    return {
        "type": "button",
        "text": {"type": "plain_text", "text": "Open in Datadog"},
        "url": url,
        "action_id": ids.OPEN_INCIDENT_ACTION,
        "style": "primary",
    }


def announcement(record: DeclarationRecord) -> Message:
    """The channel announcement: the incident's live card, as declared (lifecycle/card.py)."""
    return card(declared_view(record), commander_slack_id=record.declaration.commander_id)


BOT_MENTION = re.compile(r"<([@#][UWCG][A-Z0-9]{1,30})>")
"""A user or channel mention as the bot writes it from a Slack id (never !channel, links)."""


def render_note(note: str) -> str:
    """A note as mrkdwn: the bot's own mentions before the first ": " stay mentions;
    everything else, including any error text after it, is escaped."""
    head, sep, tail = note.partition(": ")
    pieces: list[str] = []
    last = 0
    for found in BOT_MENTION.finditer(head):
        pieces += [escape(head[last : found.start()]), found.group(0)]
        last = found.end()
    pieces.append(escape(head[last:]))
    return "".join(pieces) + sep + escape(tail)


def thread_reply(record: DeclarationRecord) -> Message:
    """The reply under the announcement: the link and what was done."""
    declaration = record.declaration
    label = record.incident_label
    link = f"<{record.incident_url}|{label}>" if record.incident_url else label
    notified = ", ".join(escape(h.display_name or h.handle) for h in record.handles) or "nobody"
    seeded = "what's happening and " if declaration.summary else ""
    lines = [
        f":link: {link} is open in Datadog.",
        f"*Declared by* <@{declaration.origin.user_id}> · "
        f"*Commander* <@{declaration.commander_id}>",
        f"*Notified:* {cut(notified, 1500)}",
        f"*Timeline:* seeded with {seeded}where it was declared.",
        *(render_note(note) for note in record.notes),
    ]
    body = cut("\n".join(lines), 2900)
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": body, "verbatim": True}}]
    return f"{label}: {record.incident_url or ''}", blocks


def failure_text(record: DeclarationRecord) -> str:
    """What went wrong and what to do, as mrkdwn (user text escaped)."""
    title = safe(record.declaration.title, 300)
    reason = safe(record.error or "an unknown error", 1500)
    if record.incident_url:
        return (
            f":warning: {record.incident_label} *{title}* was created, but: {reason}\n"
            f"Incident link: {record.incident_url}"
        )
    return (
        f":x: Couldn't declare *{title}*: {reason}\n"
        "Press *Retry* to try the same declaration again (no duplicate will be made)."
    )


def failure(record: DeclarationRecord) -> Message:
    """What went wrong, what to do, and a Retry button that resumes this declaration."""
    declaration = record.declaration
    elements: list[dict[str, Any]] = [
        {
            "type": "button",
            "text": {"type": "plain_text", "text": "Retry"},
            "action_id": ids.RETRY_ACTION,
            "value": record.key,
            "style": "primary",
        }
    ]
    if record.incident_url:
        elements.append(_link_button(record.incident_url))
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": verbatim(cut(failure_text(record), 2990))},
        {"type": "actions", "elements": elements},
    ]
    text = cut(
        f"Declaring {escape(declaration.title)} failed: {escape(record.error or '')}", FALLBACK_MAX
    )
    return text, blocks


def done_text(record: DeclarationRecord) -> str:
    if record.delivered in (Delivered.CHANNEL, Delivered.THREAD):
        where = f"announced in <#{record.announce_channel}>"
    elif record.delivered is Delivered.DM:
        where = "sent to you in a direct message (the bot couldn't post in the channel)"
    else:
        where = "created"
    return (
        f":white_check_mark: {record.incident_label} *{safe(record.declaration.title, 2000)}* "
        f"is declared and {where}."
    )


def refusal(reason: str) -> str:
    return f":no_entry: {reason}"
