"""The Home tab's view: a Declare incident button, then the incidents the person may see,
theirs first (commander, responder, declarer), each with its card's link and its actions.

A pure builder. The Update button is /declare list's (a signed value: the Home tab is no
message the card could be found from), so it goes through the same card-action wrapper
and access policy; so does Page (the card's Page modal). The card's link is Slack's `https://slack.com/archives/<channel>/p<ts>`
form (no API call per incident). `private_metadata` keeps the person's DM with the app,
where an incident declared from the Home tab is announced.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.domain.lifecycle.record import IncidentCard
from bot.slack.common import ids
from bot.slack.common.mrkdwn import SECTION_MAX, safe, verbatim
from bot.slack.common.signed_buttons import ButtonSigner
from bot.slack.incident.card import mention, state_label

HOME_LIMIT = 30
"""Incidents shown at most: 2 blocks each, under a Home tab's 100 blocks."""


@dataclass(frozen=True)
class HomeRow:
    """One incident on a person's Home tab, and what they are to it ("" when nothing)."""

    card: IncidentCard
    role: str = ""


def involvement(card: IncidentCard, user_id: str) -> str:
    """What the person is to the incident, for "yours first": commander, a responder (with
    their role), then declarer."""
    if card.commander_slack_id == user_id:
        return "commander"
    mine = next((r for r in card.responders if r.slack_user_id == user_id), None)
    if mine is not None:
        return f"responder ({mine.role_name})" if mine.role_name else "responder"
    if card.declared_by == user_id:
        return "declarer"
    return ""


def rows_for(cards: Sequence[IncidentCard], user_id: str) -> list[HomeRow]:
    """Theirs first, then the rest; newest first within each."""
    rows = [HomeRow(card, involvement(card, user_id)) for card in cards]
    newest = sorted(rows, key=lambda r: r.card.shown.public_id, reverse=True)
    return sorted(newest, key=lambda r: not r.role)


def card_link(card: IncidentCard) -> str:
    return f"https://slack.com/archives/{card.channel}/p{card.ts.replace('.', '')}"


def _incident(row: HomeRow, signer: ButtonSigner) -> list[dict[str, Any]]:
    shown = row.card.shown
    commander = (
        mention(row.card.commander_slack_id)
        if row.card.commander_slack_id
        else safe(shown.commander.label, 200)
        if shown.commander
        else "no commander"
    )
    facts = [safe(shown.severity, 100), safe(state_label(shown), 100), f"commander {commander}"]
    if row.role:
        facts.append(f"you: {safe(row.role, 120)}")
    head = f"*<{card_link(row.card)}|{safe(shown.label, 50)}>* · {' · '.join(facts)}\n"
    text = head + safe(shown.title or "(no title)", SECTION_MAX - len(head))
    buttons: list[dict[str, Any]] = [
        {
            "type": "button",
            "text": {"type": "plain_text", "text": "Update"},
            "action_id": ids.LIST_UPDATE_ACTION,
            "value": signer.value(shown),
        },
    ]
    if not shown.resolved:
        buttons.append(
            {
                "type": "button",
                "text": {"type": "plain_text", "text": "Page"},
                "action_id": ids.HOME_PAGE_ACTION,
                "value": signer.value(shown),
            }
        )
    buttons += [
        {
            "type": "button",
            "text": {"type": "plain_text", "text": "Open the card"},
            "action_id": ids.HOME_OPEN_CARD_ACTION,
            "url": card_link(row.card),
        },
    ]
    if shown.url:
        buttons.append(
            {
                "type": "button",
                "text": {"type": "plain_text", "text": "Open in Datadog"},
                "action_id": ids.OPEN_INCIDENT_ACTION,
                "url": shown.url,
            }
        )
    block_id = f"home_{shown.incident_id}"[:250]
    return [
        {"type": "section", "block_id": f"{block_id}_s", "text": verbatim(text)},
        {"type": "actions", "block_id": f"{block_id}_a", "elements": buttons},
    ]


def home_view(rows: Sequence[HomeRow], signer: ButtonSigner, *, dm_channel: str) -> dict[str, Any]:
    declare = {
        "type": "button",
        "text": {"type": "plain_text", "text": "Declare incident"},
        "action_id": ids.HOME_DECLARE_ACTION,
        "style": "danger",
    }
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": "Incidents"}},
        {"type": "actions", "block_id": "home_declare", "elements": [declare]},
    ]
    shown = list(rows)[:HOME_LIMIT]
    if not shown:
        blocks.append({"type": "section", "text": verbatim("No open incidents you can see.")})
    mine = [r for r in shown if r.role]
    others = [r for r in shown if not r.role]
    for heading, group in (("*Yours*", mine), ("*Others you can see*", others)):
        if not group:
            continue
        blocks += [{"type": "divider"}, {"type": "section", "text": verbatim(heading)}]
        for row in group:
            blocks += _incident(row, signer)
    if len(rows) > HOME_LIMIT:
        more = f"{len(rows) - HOME_LIMIT} more: `/declare list` shows every open incident."
        blocks.append({"type": "context", "elements": [verbatim(more)]})
    return {
        "type": "home",
        "callback_id": ids.HOME_CALLBACK,
        "private_metadata": dm_channel,
        "blocks": blocks,
    }
