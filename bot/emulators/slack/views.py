"""views.* handlers of the Slack emulator: trigger exchange, view validation, hashes.

Triggers: unknown → `invalid_trigger_id`, already exchanged → `exchanged_trigger_id`,
older than trigger_ttl → `expired_trigger_id` (Slack's documented errors). A view that
fails validation does not consume the trigger.

View state: what a person typed is `view.state.values[block_id][action_id]` (tests type
with `SlackEmulator.type_into`). `views.update` keeps a value only where the new view
still has an element with the same block_id and action_id, as Slack does; a block
without a block_id gets a fresh random one, so its value is lost.
"""

from __future__ import annotations

import copy
import secrets
import time
from typing import Any

from slack_sdk.models.views import View

from bot.emulators.slack.blocks import block_errors, with_block_ids
from bot.emulators.slack.state import (
    APP_ID,
    BOT_ID,
    Call,
    SlackError,
    SlackWorld,
    invalid_arguments,
)

MAX_VIEW_BLOCKS = 100


def _check_trigger(world: SlackWorld, call: Call) -> str:
    trigger_id = call.args.get("trigger_id") or call.args.get("interactivity_pointer")
    if not trigger_id:
        raise invalid_arguments("[ERROR] missing required field: trigger_id")
    trigger = world.triggers.get(str(trigger_id))
    if trigger is None:
        raise SlackError("invalid_trigger_id")
    if trigger.used:
        raise SlackError("exchanged_trigger_id")
    if time.monotonic() - trigger.issued_at > world.trigger_ttl:
        raise SlackError("expired_trigger_id")
    return str(trigger_id)


def _text_object(value: Any) -> Any:
    return {"type": "plain_text", "text": value} if isinstance(value, str) else value


def _checked_view(call: Call, kind: str = "modal") -> dict[str, Any]:
    """The view argument if slack_sdk's View model accepts it; else invalid_arguments."""
    raw = call.args.get("view")
    if not isinstance(raw, dict):
        raise invalid_arguments("[ERROR] view must be a JSON object [json-pointer:/view]")
    if raw.get("type") != kind:
        raise invalid_arguments(f"[ERROR] only {kind} views go here [json-pointer:/view/type]")
    try:
        View(**raw).to_dict()  # validates the view and, recursively, what the model keeps
    except Exception as exc:  # any model failure is a schema error
        raise invalid_arguments(f"[ERROR] {exc} [json-pointer:/view]") from exc
    for key in ("title", "submit", "close"):
        value = raw.get(key)
        if isinstance(value, dict) and value.get("type") != "plain_text":
            raise invalid_arguments(f"[ERROR] must be plain_text [json-pointer:/view/{key}/type]")
    if kind == "modal" and not raw.get("title"):
        raise invalid_arguments("[ERROR] missing required field: title [json-pointer:/view]")
    errors = block_errors(raw.get("blocks", []), "/view/blocks", limit=MAX_VIEW_BLOCKS)
    if errors:
        raise invalid_arguments(*errors)
    return raw


def _element_ids(blocks: list[dict[str, Any]]) -> set[tuple[str, str]]:
    """(block_id, action_id) of every element that can hold a typed or picked value."""
    found: set[tuple[str, str]] = set()
    for block in blocks:
        elements = [block.get("element"), block.get("accessory"), *(block.get("elements") or [])]
        for element in elements:
            if isinstance(element, dict) and element.get("action_id"):
                found.add((str(block["block_id"]), str(element["action_id"])))
    return found


def _kept_state(state: dict[str, Any], blocks: list[dict[str, Any]]) -> dict[str, Any]:
    still = _element_ids(blocks)
    values: dict[str, Any] = {}
    for block_id, actions in (state.get("values") or {}).items():
        for action_id, value in actions.items():
            if (block_id, action_id) in still:
                values.setdefault(block_id, {})[action_id] = copy.deepcopy(value)
    return {"values": values}


def _new_hash() -> str:
    return f"{int(time.time())}.{secrets.token_urlsafe(6)[:8]}"


def _view_object(
    world: SlackWorld,
    raw: dict[str, Any],
    view_id: str,
    *,
    root: str,
    previous: str | None,
    state: dict[str, Any],
) -> dict[str, Any]:
    return {
        "id": view_id,
        "team_id": world.team_id,
        "type": raw["type"],
        "blocks": with_block_ids(raw.get("blocks", [])),
        "private_metadata": raw.get("private_metadata") or "",
        "callback_id": raw.get("callback_id") or "",
        "state": copy.deepcopy(state),
        "hash": _new_hash(),
        "title": _text_object(raw.get("title")),
        "clear_on_close": bool(raw.get("clear_on_close", False)),
        "notify_on_close": bool(raw.get("notify_on_close", False)),
        "close": _text_object(raw.get("close")),
        "submit": _text_object(raw.get("submit")),
        "previous_view_id": previous,
        "root_view_id": root,
        "app_id": APP_ID,
        "external_id": raw.get("external_id") or "",
        "app_installed_team_id": world.team_id,
        "bot_id": BOT_ID,
    }


def _store(world: SlackWorld, view: dict[str, Any]) -> dict[str, Any]:
    external_id = view["external_id"]
    if external_id and world.external_ids.get(external_id, view["id"]) != view["id"]:
        raise SlackError("duplicate_external_id")
    if external_id:
        world.external_ids[external_id] = view["id"]
    world.views[view["id"]] = view
    world.last_view_id = view["id"]
    return {"ok": True, "view": copy.deepcopy(view)}


def open_view(world: SlackWorld, call: Call) -> dict[str, Any]:
    trigger_id = _check_trigger(world, call)
    raw = _checked_view(call)
    view_id = world.next_id("V")
    view = _view_object(world, raw, view_id, root=view_id, previous=None, state={"values": {}})
    answer = _store(world, view)
    world.triggers[trigger_id].used = True
    return answer


def push_view(world: SlackWorld, call: Call) -> dict[str, Any]:
    """Pushed on top of the most recently opened/pushed view (triggers carry no origin here)."""
    trigger_id = _check_trigger(world, call)
    raw = _checked_view(call)
    view_id = world.next_id("V")
    below = world.views.get(world.last_view_id or "")
    root = below["root_view_id"] if below else view_id
    previous = below["id"] if below else None
    view = _view_object(world, raw, view_id, root=root, previous=previous, state={"values": {}})
    answer = _store(world, view)
    world.triggers[trigger_id].used = True
    return answer


def update_view(world: SlackWorld, call: Call) -> dict[str, Any]:
    view_id = call.args.get("view_id")
    external_id = call.args.get("external_id")
    if not view_id and not external_id:
        raise invalid_arguments("[ERROR] either view_id or external_id is required")
    if not view_id:
        view_id = world.external_ids.get(str(external_id))
    current = world.views.get(str(view_id)) if view_id else None
    if current is None:
        raise SlackError("not_found")
    given_hash = call.args.get("hash")
    if given_hash and given_hash != current["hash"]:
        raise SlackError("hash_conflict")
    raw = _checked_view(call)
    view = _view_object(
        world,
        raw,
        current["id"],
        root=current["root_view_id"],
        previous=current["previous_view_id"],
        state={"values": {}},
    )
    view["state"] = _kept_state(current["state"], view["blocks"])
    if not view["external_id"]:
        view["external_id"] = current["external_id"]
    top = world.last_view_id
    answer = _store(world, view)
    world.last_view_id = top  # an update does not change which view is on top
    return answer


def publish_view(world: SlackWorld, call: Call) -> dict[str, Any]:
    """views.publish: a person's Home tab (`home` views only), replaced whole each time.

    Slack's errors: `not_enabled` when the app has no Home tab, `hash_conflict` when `hash`
    is not the current view's; an unknown person is `user_not_found` here.
    """
    if not world.home_enabled:
        raise SlackError("not_enabled")
    user_id = call.text_arg("user_id")
    if not user_id:
        raise invalid_arguments("[ERROR] missing required field: user_id")
    if user_id not in world.users:
        raise SlackError("user_not_found")
    raw = _checked_view(call, "home")
    current = world.home_views.get(user_id)
    given_hash = call.args.get("hash")
    if given_hash and current is not None and given_hash != current["hash"]:
        raise SlackError("hash_conflict")
    view_id = current["id"] if current else world.next_id("V")
    view = _view_object(world, raw, view_id, root=view_id, previous=None, state={"values": {}})
    for key in ("title", "submit", "close"):
        view[key] = None
    world.home_views[user_id] = view
    return {"ok": True, "view": copy.deepcopy(view)}
