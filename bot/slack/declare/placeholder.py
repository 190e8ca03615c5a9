"""The announcement before the incident exists: what is known, "creating in Datadog…".

Posted at once beside the create (bot/domain/declare/_placeholder.py), then edited in place into
the live card (card.py); if the create fails it says so, with who can retry. It has no
buttons: Update and Resolve act on a stored card, and there is none until the incident
exists. User text is escaped and every mrkdwn object is verbatim, as on the card.
"""

from __future__ import annotations

from typing import Any

from bot.domain.declare.record import DeclarationRecord
from bot.slack.common.ids import DETAILS_BLOCK, HEADER_BLOCK, STATUS_BLOCK
from bot.slack.common.mrkdwn import FALLBACK_MAX, HEADER_MAX, safe, verbatim
from bot.slack.incident.card import mention

Message = tuple[str, list[dict[str, Any]]]

CREATING = ":hourglass_flowing_sand: Creating the incident in Datadog…"


def _blocks(record: DeclarationRecord, icon: str, state: str, status: str) -> list[dict[str, Any]]:
    declaration = record.declaration
    test = "[TEST] " if declaration.is_test else ""
    impact = "No"
    if declaration.customer_impacted:
        impact = "Yes: " + safe(declaration.impact_scope or "scope not given", 1900)
    fields = [
        verbatim(f"*Severity*\n{safe(declaration.severity, 200)}"),
        verbatim(f"*State*\n{state}"),
        verbatim(f"*Commander*\n{mention(declaration.commander_id)}"),
        verbatim(f"*Declared by*\n{mention(declaration.origin.user_id)}"),
        verbatim(f"*Customer impact*\n{impact}"),
    ]
    return [
        {
            "type": "header",
            "block_id": HEADER_BLOCK,
            "text": {
                "type": "plain_text",
                "text": safe(f"{icon} {test}{declaration.title}", HEADER_MAX),
            },
        },
        {"type": "section", "block_id": DETAILS_BLOCK, "fields": fields},
        {"type": "context", "block_id": STATUS_BLOCK, "elements": [verbatim(status)]},
    ]


def creating(record: DeclarationRecord) -> Message:
    """Posted at once: title, severity, commander, who declared, and that Datadog is at it."""
    declaration = record.declaration
    text = safe(
        f"Declaring {declaration.title} ({declaration.severity}): creating in Datadog…",
        FALLBACK_MAX,
    )
    return text, _blocks(record, "🚨", "Creating in Datadog…", CREATING)


def not_created(record: DeclarationRecord) -> Message:
    """The create (or the commander's lookup) failed: no link, and who can retry.

    Retry stays in the declarer's own notice: a button here would be pressed by others,
    and a Retry answer through its response_url would replace this channel message.
    """
    declaration = record.declaration
    declarer = mention(declaration.origin.user_id)
    reason = safe(record.error or "an unknown error", 1500)
    status = (
        f":x: Not declared yet: {reason}\n{declarer} can press *Retry* in the notice the bot "
        "sent them; this message then becomes the incident (no duplicate is made)."
    )
    text = safe(f"Not declared yet: {declaration.title}: {record.error or ''}", FALLBACK_MAX)
    return text, _blocks(record, "⚠️", "Not created", status)
