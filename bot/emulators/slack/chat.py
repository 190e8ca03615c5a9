"""chat.* handlers of the Slack emulator: messages, ephemerals, updates, permalinks.

Deliberate choices where Slack is vague:
- `thread_ts` must be the ts of a message already in that channel, else `thread_not_found`
  (real Slack sometimes accepts unknown ones silently; strictness catches bot bugs). A
  reply's ts is mapped to its parent, like Slack threads it. The parent gets
  `reply_count`/`latest_reply`, but no `thread_ts`, so roots stay easy to tell apart.
- postEphemeral needs the same bot membership as postMessage (Slack refuses ephemerals
  into public channels the bot is not in); user membership of the channel is not modelled.
"""

from __future__ import annotations

import copy
import time
from typing import Any

from bot.emulators.slack.blocks import block_errors
from bot.emulators.slack.state import (
    APP_ID,
    BOT_ID,
    BOT_USER_ID,
    Call,
    Channel,
    SlackError,
    SlackWorld,
)

MAX_TEXT = 40_000
MAX_MESSAGE_BLOCKS = 50


def postable_channel(world: SlackWorld, ref: Any) -> Channel:
    """Resolve a channel the bot may post into, with Slack's membership errors."""
    channel = world.find_channel(ref)
    if channel is None:
        raise SlackError("channel_not_found")
    if channel.is_private and not channel.is_member:
        raise SlackError("channel_not_found")  # a private channel is invisible to outsiders
    if channel.is_archived:
        raise SlackError("is_archived")
    if not channel.is_member:
        raise SlackError("not_in_channel")
    return channel


def _content(call: Call, *, required: bool) -> dict[str, Any]:
    """The text/blocks/attachments of a message call, checked like Slack checks them."""
    args = call.args
    content: dict[str, Any] = {}
    if "text" in args and args["text"] is not None:
        content["text"] = str(args["text"])
    for key in ("blocks", "attachments", "metadata"):
        if args.get(key) not in (None, ""):
            content[key] = args[key]
    if required and not (
        content.get("text") or content.get("blocks") or content.get("attachments")
    ):
        raise SlackError("no_text")
    if len(content.get("text", "")) > MAX_TEXT:
        raise SlackError("msg_too_long")
    if "blocks" in content:
        if isinstance(content["blocks"], str):
            raise SlackError("invalid_blocks_format")
        errors = block_errors(content["blocks"], "/blocks", limit=MAX_MESSAGE_BLOCKS)
        if errors:
            raise SlackError(
                "invalid_blocks", errors=errors, response_metadata={"messages": errors}
            )
    return content


def _thread_root(world: SlackWorld, channel: Channel, thread_ts: Any) -> str | None:
    if thread_ts in (None, ""):
        return None
    parent = world.find_message(channel.id, str(thread_ts))
    if parent is None:
        raise SlackError("thread_not_found")
    return str(parent.get("thread_ts") or parent["ts"])


def post_message(world: SlackWorld, call: Call) -> dict[str, Any]:
    channel = postable_channel(world, call.args.get("channel"))
    content = _content(call, required=True)
    root = _thread_root(world, channel, call.args.get("thread_ts"))
    ts = world.next_ts()
    message: dict[str, Any] = {
        "type": "message",
        "user": BOT_USER_ID,
        "bot_id": BOT_ID,
        "app_id": APP_ID,
        "team": world.team_id,
        "text": content.get("text", ""),
        "blocks": copy.deepcopy(content.get("blocks", [])),
        "ts": ts,
    }
    for key in ("attachments", "metadata"):
        if key in content:
            message[key] = copy.deepcopy(content[key])
    if root is not None:
        message["thread_ts"] = root
        parent = world.find_message(channel.id, root)
        if parent is not None:
            parent["reply_count"] = parent.get("reply_count", 0) + 1
            parent["latest_reply"] = ts
    world.messages.setdefault(channel.id, []).append(message)
    return {"ok": True, "channel": channel.id, "ts": ts, "message": copy.deepcopy(message)}


def post_ephemeral(world: SlackWorld, call: Call) -> dict[str, Any]:
    channel = postable_channel(world, call.args.get("channel"))
    user = call.args.get("user")
    if user not in world.users:
        raise SlackError("user_not_found")
    content = _content(call, required=True)
    root = _thread_root(world, channel, call.args.get("thread_ts"))
    ts = world.next_ts()
    record: dict[str, Any] = {
        "type": "message",
        "user": user,  # the recipient: only they see it
        "bot_id": BOT_ID,
        "text": content.get("text", ""),
        "blocks": copy.deepcopy(content.get("blocks", [])),
        "ts": ts,
    }
    if root is not None:
        record["thread_ts"] = root
    world.ephemerals.setdefault(channel.id, []).append(record)
    return {"ok": True, "message_ts": ts}


def update(world: SlackWorld, call: Call) -> dict[str, Any]:
    """Edit a message in place: it keeps its ts; the version it replaces goes in `world.edits`.

    Only the bot's own messages: another author's (a person's, another app's) answer
    `cant_update_message`. `world.edit_window` (seconds, None = Slack's "any time"
    default) models the workspace's edit setting: older messages answer
    `edit_window_closed`. Slack lets apps edit their own messages at any time; the
    emulator applies the window to them too, so the bot's handling can be tested.
    """
    channel = world.find_channel(call.args.get("channel"))
    if channel is None or (channel.is_private and not channel.is_member):
        raise SlackError("channel_not_found")
    message = world.find_message(channel.id, call.args.get("ts"))
    if message is None:
        raise SlackError("message_not_found")
    if message.get("user") != BOT_USER_ID or message.get("bot_id") != BOT_ID:
        raise SlackError("cant_update_message")
    if channel.is_archived:
        raise SlackError("is_archived")
    if world.edit_window is not None:
        age = time.time() - float(message["ts"])
        if age > world.edit_window:
            raise SlackError("edit_window_closed")
    content = _content(call, required=True)
    world.edits.setdefault((channel.id, message["ts"]), []).append(copy.deepcopy(message))
    for key in ("text", "blocks", "attachments", "metadata"):
        if key in content:
            message[key] = copy.deepcopy(content[key])
    message["edited"] = {"user": BOT_USER_ID, "ts": world.next_ts()}
    return {
        "ok": True,
        "channel": channel.id,
        "ts": message["ts"],
        "text": message["text"],
        "message": copy.deepcopy(message),
    }


def get_permalink(world: SlackWorld, call: Call) -> dict[str, Any]:
    channel = world.find_channel(call.args.get("channel"))
    if channel is None or (channel.is_private and not channel.is_member):
        raise SlackError("channel_not_found")
    message = world.find_message(channel.id, call.args.get("message_ts"))
    if message is None:
        raise SlackError("message_not_found")
    ts = str(message["ts"])
    link = f"https://{world.team_domain}.slack.com/archives/{channel.id}/p{ts.replace('.', '')}"
    if message.get("thread_ts"):
        link += f"?thread_ts={message['thread_ts']}&cid={channel.id}"
    return {"ok": True, "channel": channel.id, "permalink": link}
