"""The record's Slack side for its chores: the capture note, the to-do list, failures told."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.domain.lifecycle.chores import Chore
from bot.domain.lifecycle.record import IncidentCard
from bot.domain.record.capture import CapturedMessage
from bot.domain.record.todos import Todo
from bot.domain.reliability.outcomes import StepFailed
from bot.slack.common.mrkdwn import FALLBACK_MAX, SECTION_MAX, cut, safe, verbatim
from bot.slack.errors import error_of
from bot.slack.lifecycle.chore_retry import tell_chore_failure
from bot.slack.lifecycle.publisher import post_under_card, tell_person
from bot.slack.record.blocks import capture_note, todo_list

log = logging.getLogger(__name__)

GONE = frozenset({"message_not_found", "cant_update_message", "edit_window_closed"})
"""chat.update answers after which the list is posted anew instead."""


class SlackRecordNotes:
    """`RecordNotes` and `TodoBoard` over the Web API."""

    def __init__(self, client: WebClient) -> None:
        self.client = client

    def captured(self, card: IncidentCard, message: CapturedMessage, actor_id: str) -> str:
        return post_under_card(
            self.client, card, capture_note(card, message, actor_id), "the captured message"
        )

    def failed(self, chore: Chore, card: IncidentCard | None, what: str) -> None:
        tell_chore_failure(self.client, chore, card, what)

    def told(self, chore: Chore, card: IncidentCard | None, text: str) -> None:
        shown = cut(safe(text), SECTION_MAX)
        message = (cut(text, FALLBACK_MAX), [{"type": "section", "text": verbatim(shown)}])
        tell_person(self.client, chore.actor_id, card, message, chore.kind)

    def show(self, card: IncidentCard, todos: Sequence[Todo], ts: str | None) -> str:
        text, blocks = todo_list(card, todos)
        if ts:
            try:
                self.client.chat_update(channel=card.channel, ts=ts, text=text, blocks=blocks)
                return ts
            except SlackApiError as exc:
                error = error_of(exc)
                if error not in GONE:
                    raise StepFailed(
                        f"Editing the to-do list failed ({error}).", retryable=True
                    ) from exc
                log.info("the to-do list of %s can't be edited (%s): posted anew", card.key, error)
        return post_under_card(self.client, card, (text, blocks), "the to-do list")
