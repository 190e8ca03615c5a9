"""conversations.history and conversations.replies of the Slack emulator: reading messages.

As Slack answers them: newest first for history (top-level messages and thread
broadcasts), a thread oldest first for replies; `latest`/`oldest` bound by ts, `inclusive`
keeps the bounds, `limit` caps the page. The scope is the channel's kind's
(`channels:history`, `groups:history`, `im:history`); a private channel the bot is not in
is `channel_not_found`, a public one `not_in_channel`. `conversations.replies` with the ts
of a reply answers that reply alone, as Slack does, so a reaction on any message can be read.
"""

from __future__ import annotations

import copy
from typing import Any

from bot.emulators.slack.arguments import truthy
from bot.emulators.slack.state import Call, Channel, SlackError, SlackWorld

HISTORY_LIMIT_MAX = 999


def _history_channel(world: SlackWorld, call: Call) -> Channel:
    channel = world.find_channel(call.args.get("channel"))
    if channel is None:
        raise SlackError("channel_not_found")
    if channel.is_im:
        call.require("im:history")
    elif channel.is_private:
        call.require("groups:history")
        if not channel.is_member:
            raise SlackError("channel_not_found")
    else:
        call.require("channels:history")
        if not channel.is_member:
            raise SlackError("not_in_channel")
    return channel


def _bounds(call: Call) -> tuple[float | None, float | None, bool, int]:
    try:
        latest = float(call.args["latest"]) if call.args.get("latest") else None
        oldest = float(call.args["oldest"]) if call.args.get("oldest") else None
        limit = int(call.args.get("limit") or 100)
    except (TypeError, ValueError):
        raise SlackError("invalid_arguments") from None
    return latest, oldest, truthy(call.args.get("inclusive")), max(1, min(limit, HISTORY_LIMIT_MAX))


def _within(ts: str, latest: float | None, oldest: float | None, inclusive: bool) -> bool:
    value = float(ts)
    if latest is not None and (value > latest or (value == latest and not inclusive)):
        return False
    return not (oldest is not None and (value < oldest or (value == oldest and not inclusive)))


def history(world: SlackWorld, call: Call) -> dict[str, Any]:
    channel = _history_channel(world, call)
    latest, oldest, inclusive, limit = _bounds(call)
    top = [
        m
        for m in world.messages.get(channel.id, [])
        if (not m.get("thread_ts") or m.get("subtype") == "thread_broadcast")
        and _within(str(m["ts"]), latest, oldest, inclusive)
    ]
    top.sort(key=lambda m: float(m["ts"]), reverse=True)
    page = top[:limit]
    return {
        "ok": True,
        "messages": copy.deepcopy(page),
        "has_more": len(top) > limit,
        "pin_count": 0,
        "response_metadata": {"next_cursor": ""},
    }


def replies(world: SlackWorld, call: Call) -> dict[str, Any]:
    channel = _history_channel(world, call)
    ts = call.text_arg("ts")
    if not ts:
        raise SlackError("invalid_arguments")
    message = world.find_message(channel.id, ts)
    if message is None:
        raise SlackError("thread_not_found")
    latest, oldest, inclusive, limit = _bounds(call)
    root = message.get("thread_ts")
    if root and root != message["ts"]:
        thread = [message]  # a reply's ts: that reply alone
    else:
        thread = [message] + [
            m for m in world.messages.get(channel.id, []) if m.get("thread_ts") == message["ts"]
        ]
    shown = [m for m in thread if _within(str(m["ts"]), latest, oldest, inclusive)][:limit]
    return {
        "ok": True,
        "messages": copy.deepcopy(shown),
        "has_more": len(thread) > limit,
        "response_metadata": {"next_cursor": ""},
    }
