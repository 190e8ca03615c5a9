"""`/declare list`: the open incidents, newest first, as an ephemeral message with Update buttons.

A pure builder. Each Update button carries its incident in a signed value
(`<incident_id>.<public_id>.<hmac>`): the list is ephemeral, so there is no stored message
to look the incident up from as the card's buttons do, and a value the client rewrote
fails the signature instead of pointing the action at another incident.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from bot.domain.incident.state import IncidentView
from bot.slack.common.ids import LIST_UPDATE_ACTION
from bot.slack.common.mrkdwn import FALLBACK_MAX, SECTION_MAX, safe, verbatim
from bot.slack.common.signed_buttons import ButtonSigner
from bot.slack.incident.card import Message, state_label

LIST_LIMIT = 20
"""Incidents listed at most (newest first); 1 + 20 + 1 blocks stay under Slack's 50."""
BLOCKS_MAX = 50


def age(created: datetime | None, now: datetime) -> str:
    """How long ago, as people say it: 45s, 12m, 3h 5m, 2d 4h."""
    if created is None:
        return "age unknown"
    seconds = max(0, int((now - created).total_seconds()))
    if seconds < 60:
        return f"{seconds}s"
    minutes, hours, days = seconds // 60, seconds // 3600, seconds // 86400
    if minutes < 60:
        return f"{minutes}m"
    if hours < 24:
        rest = minutes % 60
        return f"{hours}h {rest}m" if rest else f"{hours}h"
    rest = hours % 24
    return f"{days}d {rest}h" if rest else f"{days}d"


def _row(incident: IncidentView, now: datetime, signer: ButtonSigner) -> dict[str, Any]:
    label = incident.label
    link = f"<{incident.url}|{label}>" if incident.url else label
    commander = safe(incident.commander.label, 200) if incident.commander else "no commander"
    facts = " · ".join((safe(incident.severity, 100), safe(state_label(incident), 100), commander))
    head = f"*{link}* · {facts} · {age(incident.created, now)} ago\n"
    title = safe(incident.title or "(no title)", SECTION_MAX - len(head))
    return {
        "type": "section",
        "block_id": f"incident_list_{incident.incident_id}"[:255],
        "text": verbatim(head + title),
        "accessory": {
            "type": "button",
            "text": {"type": "plain_text", "text": "Update"},
            "action_id": LIST_UPDATE_ACTION,
            "value": signer.value(incident),
        },
    }


def incident_list(
    incidents: Sequence[IncidentView], signer: ButtonSigner, *, now: datetime | None = None
) -> Message:
    """The ephemeral answer to `/declare list`: newest first, at most LIST_LIMIT rows."""
    now = now or datetime.now(UTC)
    shown = sorted(
        incidents,
        key=lambda i: (i.created or datetime.min.replace(tzinfo=UTC), i.public_id),
        reverse=True,
    )[:LIST_LIMIT]
    if not shown:
        text = "No open incidents (active or stable) in Datadog."
        return text, [{"type": "section", "text": verbatim(text)}]
    more = len(incidents) - len(shown)
    count = f"{len(shown)} open incident{'s' if len(shown) != 1 else ''}"
    heading = f"*{count}*, newest first" + (f" (the {LIST_LIMIT} newest are shown)" if more else "")
    blocks: list[dict[str, Any]] = [{"type": "section", "text": verbatim(heading)}]
    blocks += [_row(incident, now, signer) for incident in shown]
    blocks.append(
        {
            "type": "context",
            "elements": [verbatim("Active and stable incidents. Only you can see this.")],
        }
    )
    assert len(blocks) <= BLOCKS_MAX
    plain = "; ".join(f"{i.label} {i.severity} {i.state}: {i.title}" for i in shown)
    return safe(f"{count}: {plain}", FALLBACK_MAX), blocks
