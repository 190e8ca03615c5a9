"""What an open modal would submit: the person's entries, else each input's initial value.

The entries are `view.state.values[block_id][action_id]` (`SlackEmulator.type_into`
writes them; `views.update` keeps them where the block and action IDs stay, views.py).
Slack submits every input: an untouched one with the initial value the view shows.
`shown_values` builds that state (`SlackEmulator.shown_values`, people_actions.py), so a
test can submit what the person sees.
"""

from __future__ import annotations

import copy
from typing import Any

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
