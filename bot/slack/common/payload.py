"""Typed, lenient reads of Slack payloads: a missing key or a wrong type reads as empty.

Slack's payloads are JSON we don't control; every listener reads them through these
few functions, so a malformed one becomes "nothing there", never a crash. Example:

    user_id = string(obj(body, "user"), "id")   # "" when body.user is absent or odd
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl


def as_str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def string(container: Any, key: str) -> str:
    """`container[key]` if it is a string, else ""."""
    return as_str(as_dict(container).get(key))


def obj(container: Any, key: str) -> dict[str, Any]:
    """`container[key]` if it is an object, else {}."""
    return as_dict(as_dict(container).get(key))


def objects(container: Any, key: str) -> list[dict[str, Any]]:
    """The objects in the list `container[key]`; anything else is skipped."""
    found = as_dict(container).get(key)
    return [x for x in found if isinstance(x, dict)] if isinstance(found, list) else []


def view(body: Any) -> dict[str, Any]:
    return obj(body, "view")


def first_action(body: Any) -> dict[str, Any]:
    """The action that a block_actions payload reports (Slack sends exactly one)."""
    actions = objects(body, "actions")
    return actions[0] if actions else {}


def block(view_: Any, block_id: str) -> dict[str, Any]:
    """The block of a view with this ID, or {}."""
    return next((b for b in objects(view_, "blocks") if b.get("block_id") == block_id), {})


def element(block_: Any) -> dict[str, Any]:
    """The element of an input block."""
    return obj(block_, "element")


def parse_body(body: str, content_type: str | None) -> Any:
    """A request body as Bolt reads it: JSON, a form with a JSON `payload`, or a plain form.

    Raises ValueError (json.JSONDecodeError) when the JSON is malformed.
    """
    if not body:
        return {}
    if content_type == "application/json" or body.startswith("{"):
        return json.loads(body)
    params = dict(parse_qsl(body, keep_blank_values=True))
    if "payload" in body:
        payload = params.get("payload")
        return json.loads(payload) if payload is not None else {}
    return params


def user_id(body: Any) -> str:
    """Who acted: `user.id` in an interaction, `user_id` in a slash command ("" if neither)."""
    return string(obj(body, "user"), "id") or string(body, "user_id")
