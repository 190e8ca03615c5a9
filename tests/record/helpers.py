"""Acting on the record over real HTTP: the message shortcuts, the to-do modal, the list."""

from __future__ import annotations

import time
from typing import Any

import httpx

from bot.domain.lifecycle.record import IncidentCard
from bot.emulators.personas import ALICE, INCIDENTS, TEAM
from bot.emulators.stack import LocalStack
from bot.slack.common.ids import CAPTURE_SHORTCUT, TODO_CHECK_ACTION
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
    """Toggle one to-do's box on the list, as Slack sends it (the element's new selection)."""
    message = todo_list_message(stack, card)
    element = next(
        e for e in checkboxes(message) if any(o["value"] == todo_id for o in e["options"])
    )
    selected = list(element.get("initial_options", []))
    if any(o["value"] == todo_id for o in selected):
        selected = [o for o in selected if o["value"] != todo_id]
    else:
        selected.append(next(o for o in element["options"] if o["value"] == todo_id))
    block = next(b for b in message["blocks"] if element in b.get("elements", []))
    payload = {
        "type": "block_actions",
        "user": {"id": user, "username": user, "name": user, "team_id": TEAM},
        "api_app_id": "A0DECLARE",
        "token": "unused-verification-token",
        "trigger_id": stack.slack.issue_trigger(),
        "team": {"id": TEAM, "domain": "emulator"},
        "container": {
            "type": "message",
            "message_ts": message["ts"],
            "channel_id": card.channel,
            "is_ephemeral": False,
        },
        "channel": {"id": card.channel, "name": card.channel},
        "message": message,
        "response_url": stack.slack.response_url(),
        "actions": [
            {
                "type": "checkboxes",
                "action_id": element["action_id"],
                "block_id": block["block_id"],
                "selected_options": selected,
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }
    assert element["action_id"].startswith(TODO_CHECK_ACTION)
    return stack.caller.interact(payload)


__all__ = ["INCIDENTS", "card_message", "wait_for"]
