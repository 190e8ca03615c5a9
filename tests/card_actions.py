"""Acting on an incident's live card in tests: press its buttons, fill its modals.

Everything goes over real HTTP: block_actions and view_submission payloads signed as Slack
signs them, to a bot that answers through the Slack emulator's Web API.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from bot.emulators.card_driver import (
    card_message,
    initial_values,
    open_modal,
    press_card,
    with_changes,
)
from bot.emulators.personas import INCIDENTS
from bot.emulators.stack import LocalStack

__all__ = ["card_message", "initial_values", "open_modal", "press_card", "with_changes"]


def wait_for(check: Callable[[], Any], *, what: str, timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def thread_notes(stack: LocalStack, channel: str = INCIDENTS) -> list[dict[str, Any]]:
    """Thread replies under the card after the declaration's own reply."""
    card = card_message(stack, channel)
    replies = [
        m
        for m in stack.slack.messages(channel)
        if m.get("thread_ts") == card["ts"] and m["ts"] != card["ts"]
    ]
    return replies[1:]


def card_text(stack: LocalStack, channel: str = INCIDENTS) -> str:
    """The card's visible text: header and fields."""
    blocks = card_message(stack, channel)["blocks"]
    parts = [blocks[0]["text"]["text"]]
    parts += [f["text"] for b in blocks for f in b.get("fields", [])]
    return "\n".join(parts)


def buttons(stack: LocalStack, channel: str = INCIDENTS) -> list[str]:
    blocks = card_message(stack, channel)["blocks"]
    return [e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]]
