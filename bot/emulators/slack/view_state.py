"""What a person has entered in an open modal, and what Slack keeps of it on views.update.

Slack's rule for `views.update`: data entered or selected in an input is preserved when the
new view has an input with the same `block_id` and `action_id`; entries whose block or
action is gone are dropped, and inputs the person has not touched show the new view's
initial values. The emulator keeps the person's entries in the view's `state.values`
(`type_into` writes them) and applies that rule in `views.update`; `shown_values` is the
state Slack would submit: the entries, else each input's initial value.
"""

from __future__ import annotations

import copy
import threading
from typing import Any

from bot.emulators.slack.state import SlackWorld

Values = dict[str, dict[str, Any]]
"""`state.values`: block_id -> action_id -> the element's value object."""

_INITIAL: dict[str, tuple[str, str]] = {
    "plain_text_input": ("initial_value", "value"),
    "number_input": ("initial_value", "value"),
    "email_text_input": ("initial_value", "value"),
    "url_text_input": ("initial_value", "value"),
    "static_select": ("initial_option", "selected_option"),
    "external_select": ("initial_option", "selected_option"),
    "radio_buttons": ("initial_option", "selected_option"),
    "multi_static_select": ("initial_options", "selected_options"),
    "multi_external_select": ("initial_options", "selected_options"),
    "checkboxes": ("initial_options", "selected_options"),
    "users_select": ("initial_user", "selected_user"),
    "multi_users_select": ("initial_users", "selected_users"),
    "conversations_select": ("initial_conversation", "selected_conversation"),
    "multi_conversations_select": ("initial_conversations", "selected_conversations"),
    "channels_select": ("initial_channel", "selected_channel"),
    "datepicker": ("initial_date", "selected_date"),
    "timepicker": ("initial_time", "selected_time"),
    "datetimepicker": ("initial_date_time", "selected_date_time"),
}
"""Element type -> (its initial-value key, the key its value has in `state.values`)."""
_EMPTY: dict[str, Any] = {
    "selected_options": [],
    "selected_users": [],
    "selected_conversations": [],
}


def inputs(blocks: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    """(block_id, action_id) -> element, for every input block of a stored view."""
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for block in blocks:
        element = block.get("element")
        if block.get("type") == "input" and isinstance(element, dict):
            found[(str(block.get("block_id", "")), str(element.get("action_id", "")))] = element
    return found


def kept(values: Values, blocks: list[dict[str, Any]]) -> Values:
    """The entries Slack preserves across views.update into a view with these blocks."""
    keys = inputs(blocks)
    out: Values = {}
    for block_id, actions in values.items():
        for action_id, value in actions.items():
            if (block_id, action_id) in keys:
                out.setdefault(block_id, {})[action_id] = copy.deepcopy(value)
    return out


def initial_value(element: dict[str, Any]) -> dict[str, Any]:
    """What an untouched element submits: its initial value in state-value form."""
    kind = str(element.get("type", ""))
    initial_key, state_key = _INITIAL.get(kind, ("initial_value", "value"))
    value = element.get(initial_key)
    if value is None:
        value = copy.deepcopy(_EMPTY.get(state_key))
    return {"type": kind, state_key: copy.deepcopy(value)}


def shown_values(view: dict[str, Any]) -> Values:
    """The state Slack would submit for this view now: entries, else initial values."""
    entered: Values = view.get("state", {}).get("values", {})
    out: Values = {}
    for (block_id, action_id), element in inputs(view.get("blocks", [])).items():
        value = entered.get(block_id, {}).get(action_id)
        out.setdefault(block_id, {})[action_id] = copy.deepcopy(
            value if value is not None else initial_value(element)
        )
    return out


class PersonInViews:
    """SlackEmulator helpers: a person types into an open modal; what would be submitted."""

    lock: threading.RLock
    _world: SlackWorld

    def type_into(
        self, view_id: str, block_id: str, value: dict[str, Any], action_id: str | None = None
    ) -> None:
        """The person enters `value` (a state-value object, e.g. `text_value("x")`)."""
        with self.lock:
            view = self._world.views[view_id]
            keys = inputs(view["blocks"])
            action = action_id or next((a for b, a in keys if b == block_id), "")
            if (block_id, action) not in keys:
                raise KeyError(f"no input {block_id}/{action} in view {view_id}")
            view["state"]["values"].setdefault(block_id, {})[action] = copy.deepcopy(value)

    def shown_values(self, view_id: str) -> Values:
        with self.lock:
            return shown_values(self._world.views[view_id])
