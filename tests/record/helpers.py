"""Acting on the record over real HTTP: the message shortcuts, the to-do modal, the list."""

from __future__ import annotations

from typing import Any

import httpx

from bot.domain.lifecycle.record import IncidentCard
from bot.emulators.card_driver import press_todo_box
from bot.emulators.personas import ALICE, INCIDENTS
from bot.emulators.stack import LocalStack
from bot.slack.common.ids import CAPTURE_SHORTCUT
from tests.card_actions import card_message, wait_for


def the_card(stack: LocalStack) -> IncidentCard:
    [card] = stack.services.cards.open_cards()
    return card


def shortcut(
    stack: LocalStack,
    channel: str,
    ts: str,
    *,
    user: str = ALICE,
    callback_id: str = CAPTURE_SHORTCUT,
) -> httpx.Response:
    """A message shortcut on the message `ts` as Slack holds it."""
    return stack.message_shortcut(
        stack.slack.message(channel, ts), user=user, channel=channel, callback_id=callback_id
    )


def notes_in_thread(stack: LocalStack, card: IncidentCard, needle: str) -> list[dict[str, Any]]:
    return [
        m
        for m in stack.slack.messages(card.channel)
        if m.get("bot_id") and m.get("thread_ts") == card.thread_ts and needle in m.get("text", "")
    ]


def todo_list_message(stack: LocalStack, card: IncidentCard) -> dict[str, Any]:
    def found() -> dict[str, Any] | None:
        kept = stack.services.todo_lists.kept(card.key)
        if kept is None:
            return None
        return stack.slack.message(card.channel, str(kept.told["ts"]))

    return dict(wait_for(found, what="the to-do list"))


def checkboxes(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        e
        for b in message["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["type"] == "checkboxes"
    ]


def press_checkbox(
    stack: LocalStack, card: IncidentCard, todo_id: str, *, user: str = ALICE
) -> httpx.Response:
    """Toggle one to-do's box on the card's list."""
    return press_todo_box(stack, card.channel, todo_list_message(stack, card), todo_id, user=user)


__all__ = ["INCIDENTS", "card_message", "wait_for"]
