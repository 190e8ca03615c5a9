"""The Page modal: who to page (a Datadog team or a person) and an optional message.

A pure builder and its reader; the card's key travels in `private_metadata` (Slack hands it
back unchanged, and the submission asks the access policy again).
"""

from __future__ import annotations

from typing import Any

from bot.domain.responders.paging import MESSAGE_MAX
from bot.slack.common import ids
from bot.slack.common.mrkdwn import VIEW_TITLE_MAX, safe, verbatim
from bot.slack.declare.form.blocks import input_block, plain, text_input
from bot.slack.declare.form.page_field import person_block, team_block
from bot.slack.declare.form.state import text_of


def page_modal(card_key: str, label: str, title: str) -> dict[str, Any]:
    intro = (
        f"Page on-call for *{safe(label, 100)}*: {safe(title, 500)}. Datadog On-Call pages "
        "the team's on-call person, or the person you choose."
    )
    return {
        "type": "modal",
        "callback_id": ids.PAGE_CALLBACK,
        "title": plain("Page on-call", VIEW_TITLE_MAX),
        "submit": plain("Page", VIEW_TITLE_MAX),
        "close": plain("Cancel", VIEW_TITLE_MAX),
        "private_metadata": card_key,
        "blocks": [
            {"type": "section", "text": verbatim(intro)},
            team_block(optional=True, label="Team"),
            person_block(optional=True, label="…or a person"),
            input_block(
                ids.PAGE_MESSAGE_BLOCK,
                "Message",
                text_input(multiline=True, max_length=MESSAGE_MAX),
                optional=True,
                hint="Sent with the page; the incident's title is its subject.",
            ),
        ],
    }


def read_message(values: dict[str, Any]) -> str | None:
    return text_of(values, ids.PAGE_MESSAGE_BLOCK).strip() or None
