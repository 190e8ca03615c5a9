"""The Slack side of a publish: the note in the card's thread, or the failure with Retry."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient

from bot.domain.cadence.status_page import Notice
from bot.domain.lifecycle.chores import Chore
from bot.domain.lifecycle.record import IncidentCard, StatusNoticeRef
from bot.slack.cadence.status_page_section import section_text
from bot.slack.common.mrkdwn import FALLBACK_MAX, SECTION_MAX, cut, safe, verbatim
from bot.slack.incident.card import Message, mention
from bot.slack.lifecycle.chore_retry import tell_chore_failure
from bot.slack.lifecycle.publisher import post_under_card

WHAT = "publish on the status page"


def published_note(
    actor_id: str, ref: StatusNoticeRef, notice: Notice, *, first: bool, label: str
) -> Message:
    """E.g. ":loudspeaker: <@U1> published a notice on the status page: *Login is failing*"."""
    verb = "published a notice on" if first else "updated the notice on"
    where = f"<{ref.url}|the status page>" if ref.url else "the status page"
    head = f":loudspeaker: {mention(actor_id)} {verb} {where}: *{safe(notice.title, 300)}*"
    line = safe(section_text(notice), 1000)
    quoted = safe(notice.message, SECTION_MAX - len(head) - len(line) - 10).replace("\n", "\n>")
    body = f"{head}\n{line}\n>{quoted}"
    text = safe(f"{label}: {verb.split(' ')[0]} {notice.title} on the status page", FALLBACK_MAX)
    return text, [{"type": "section", "text": verbatim(cut(body, SECTION_MAX))}]


class SlackNoticeTeller:
    """Implements `NoticeTeller` (bot/domain/cadence/publish.py)."""

    def __init__(self, client: WebClient) -> None:
        self.client = client

    def published(
        self, chore: Chore, card: IncidentCard, ref: StatusNoticeRef, notice: Notice, *, first: bool
    ) -> dict[str, Any]:
        note = published_note(chore.actor_id, ref, notice, first=first, label=card.shown.label)
        return {"note_ts": post_under_card(self.client, card, note, "the status page note")}

    def failed(self, chore: Chore, card: IncidentCard | None) -> None:
        tell_chore_failure(self.client, chore, card, WHAT)
