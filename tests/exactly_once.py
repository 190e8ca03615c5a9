"""Counting what reached Datadog and Slack, to prove each declaration happened exactly once."""

from __future__ import annotations

import json
import time
from typing import Any

from bot.emulators.datadog import DatadogEmulator
from bot.emulators.personas import ALICE, GENERAL, INCIDENTS, PRIVATE
from bot.emulators.slack import SlackEmulator
from bot.emulators.slack.inbound import block_actions
from bot.emulators.stack import LocalStack
from bot.slack.common import ids
from tests import figures

PLACES = (INCIDENTS, GENERAL, PRIVATE, ALICE)
"""Where an announcement can land: the channels, and Alice's DM (by her user id)."""


def incidents_titled(datadog: DatadogEmulator, title: str) -> list[dict[str, Any]]:
    with datadog.lock:
        return [i for i in datadog.incidents.values() if i["attributes"]["title"] == title]


def announcements(slack: SlackEmulator, title: str) -> list[dict[str, Any]]:
    """Top-level announcements (not thread replies) of `title`, wherever they landed:
    the card, or a placeholder left behind (bot/slack/declare/placeholder.py) counts as one too."""
    found = []
    placeholders = (f"Declaring {title} (", f"Not declared yet: {title}:")
    for place in PLACES:
        for message in slack.messages(place):
            if message.get("thread_ts") and message["thread_ts"] != message["ts"]:
                continue
            text = message.get("text", "")
            if f"): {title} " in text + " " or text.startswith(placeholders):  # the card's text
                found.append(message)
    return found


def tally(datadog: DatadogEmulator, slack: SlackEmulator, titles: list[str]) -> tuple[int, int]:
    """(lost, duplicates) over `titles`, recorded in the figures; callers assert both are 0."""
    lost = duplicates = 0
    for title in titles:
        made = len(incidents_titled(datadog, title))
        announced = len(announcements(slack, title))
        lost += made == 0
        duplicates += max(0, made - 1) + max(0, announced - 1)
    figures.declared(made=len(titles), lost=lost, duplicates=duplicates)
    return lost, duplicates


def assert_exactly_once(stack: LocalStack, *titles: str, settle: float = 0.3) -> None:
    """Each title made one incident and one announcement (after a pause for stragglers)."""
    time.sleep(settle)
    lost, duplicates = tally(stack.datadog, stack.slack, list(titles))
    assert (lost, duplicates) == (0, 0), {
        t: (len(incidents_titled(stack.datadog, t)), len(announcements(stack.slack, t)))
        for t in titles
    }


def wait_for(condition: Any, timeout: float = 10.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def click_retry(stack: LocalStack, key: str, *, user: str = ALICE) -> int:
    """Press the Retry button of a failure notice; returns the HTTP status."""
    payload = block_actions(
        ids.RETRY_ACTION,
        key,
        user_id=user,
        channel_id=INCIDENTS,
        response_url=stack.slack.response_url(),
        trigger_id=stack.slack.issue_trigger(),
    )
    return stack.caller.interact(payload).status_code


def retry_buttons(message: dict[str, Any]) -> list[str]:
    """The values of Retry buttons in a message's blocks."""
    values = []
    for block in message.get("blocks", []):
        for element in block.get("elements", []) if block.get("type") == "actions" else []:
            if element.get("action_id") == ids.RETRY_ACTION:
                values.append(element.get("value"))
    return values


def text_of(message: dict[str, Any]) -> str:
    return json.dumps(message, ensure_ascii=False)
