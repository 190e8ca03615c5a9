"""Acting on an incident's live card as people in Slack do: press its buttons, fill its modals.

Used by the tests and the sandbox; payloads are the ones Slack sends (block_actions from a
message container, view_submission state values), signed by the caller.
"""

from __future__ import annotations

import time
from typing import Any

import httpx

from bot.emulators.personas import ALICE, INCIDENTS, TEAM
from bot.emulators.slack.inbound import BotCaller, option_value, options_value, text_value
from bot.emulators.stack import LocalStack
from bot.slack.common.ids import ADD_RESPONDER_ACTION, HEADER_BLOCK


def card_message(stack: LocalStack, channel: str = INCIDENTS) -> dict[str, Any]:
    """The incident's card as Slack holds it now (the first message with a card header)."""
    for message in stack.slack.messages(channel):
        if any(b.get("block_id") == HEADER_BLOCK for b in message.get("blocks", [])):
            return message
    raise AssertionError("no card in the channel")


def press_message(
    stack: LocalStack,
    message: dict[str, Any],
    action: dict[str, Any],
    *,
    user: str = ALICE,
    channel: str = INCIDENTS,
    caller: BotCaller | None = None,
) -> httpx.Response:
    """One element of `message` pressed (or ticked), as Slack sends it: `action` is its part
    of the payload (action_id, block_id, type and the element's own value or selection)."""
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
            "channel_id": channel,
            "is_ephemeral": False,
        },
        "channel": {"id": channel, "name": channel},
        "message": message,
        "response_url": stack.slack.response_url(),
        "actions": [{**action, "action_ts": f"{time.time():.6f}"}],
    }
    return (caller or stack.caller).interact(payload)


def press_button(
    stack: LocalStack,
    message: dict[str, Any],
    action_id: str,
    *,
    user: str = ALICE,
    channel: str = INCIDENTS,
    caller: BotCaller | None = None,
) -> httpx.Response:
    """Press the button `action_id` of a message the bot posted (e.g. a reminder's Snooze)."""
    ((block, button),) = [
        (b, e)
        for b in message["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == action_id
    ]
    action = {"action_id": action_id, "block_id": block.get("block_id", ""), "type": "button"}
    if "value" in button:
        action["value"] = button["value"]
    return press_message(stack, message, action, user=user, channel=channel, caller=caller)


def press_card(
    stack: LocalStack,
    action_id: str,
    *,
    user: str = ALICE,
    channel: str = INCIDENTS,
    caller: BotCaller | None = None,
    message: dict[str, Any] | None = None,
) -> httpx.Response:
    """Press a button on the card, as Slack sends it (container: the message); `message`:
    this card (e.g. one in a thread), else the channel's first."""
    message = message or card_message(stack, channel)
    action = {"action_id": action_id, "block_id": "incident_card_actions", "type": "button"}
    return press_message(stack, message, action, user=user, channel=channel, caller=caller)


def initial_values(view: dict[str, Any]) -> dict[str, Any]:
    """The state a person submits without touching anything."""
    values: dict[str, Any] = {}
    for block in view["blocks"]:
        if block.get("type") != "input":
            continue
        element, block_id = block["element"], block["block_id"]
        kind = element["type"]
        if kind == "plain_text_input":
            value: dict[str, Any] = text_value(element.get("initial_value", ""))
        elif kind == "static_select":
            chosen = element.get("initial_option", {}).get("value")
            value = option_value(chosen) if chosen else {"type": kind, "selected_option": None}
        elif kind == "users_select":
            value = {"type": kind, "selected_user": element.get("initial_user")}
        elif kind in ("checkboxes", "multi_static_select"):
            chosen_many = [o["value"] for o in element.get("initial_options", [])]
            value = options_value(chosen_many, kind)
        elif kind == "datetimepicker":
            value = {"type": kind, "selected_date_time": element.get("initial_date_time")}
        else:
            continue
        values[block_id] = {element["action_id"]: value}
    return values


def with_changes(view: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """`initial_values` with some fields changed: title, severity, state, commander, impacted,
    scope, note."""
    values = initial_values(view)

    def put(block_id: str, value: dict[str, Any]) -> None:
        values[block_id] = {block_id: value}

    for name, new in changes.items():
        if name in ("title", "impact_scope", "resolution_note"):
            put(name, text_value(new))
        elif name in ("severity", "state"):
            put(name, option_value(new))
        elif name == "commander":
            put(name, {"type": "users_select", "selected_user": new})
        elif name == "customer_impacted":
            put(name, options_value(["yes"] if new else [], "checkboxes"))
        else:
            raise KeyError(name)
    return values


def open_modal(stack: LocalStack, action_id: str, **kwargs: Any) -> dict[str, Any]:
    """Press a card button that opens a modal; the modal as Slack holds it once refreshed."""
    before = len(stack.slack.calls("/api/views.open"))
    updates = len(stack.slack.calls("/api/views.update"))
    response = press_card(stack, action_id, **kwargs)
    assert response.status_code == 200, response.text
    view = stack.opened_view(count=before + 1)
    if action_id.endswith("update") or action_id == ADD_RESPONDER_ACTION:  # refreshed
        stack.slack.wait_for("/api/views.update", updates + 1, 5.0)
    return stack.current_view(view["id"])


def press_todo_box(
    stack: LocalStack, channel: str, todo_list: dict[str, Any], todo_id: str, *, user: str = ALICE
) -> httpx.Response:
    """Check (or uncheck) one to-do's box on the list in the card's thread, as Slack sends it:
    the box's element with its new selection."""
    element = next(
        e
        for b in todo_list["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["type"] == "checkboxes" and any(o["value"] == todo_id for o in e["options"])
    )
    selected = list(element.get("initial_options", []))
    if any(o["value"] == todo_id for o in selected):
        selected = [o for o in selected if o["value"] != todo_id]
    else:
        selected.append(next(o for o in element["options"] if o["value"] == todo_id))
    block = next(b for b in todo_list["blocks"] if element in b.get("elements", []))
    action = {
        "type": "checkboxes",
        "action_id": element["action_id"],
        "block_id": block["block_id"],
        "selected_options": selected,
    }
    return press_message(stack, todo_list, action, user=user, channel=channel)
