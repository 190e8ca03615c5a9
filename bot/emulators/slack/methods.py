"""The Slack emulator's method table and its non-chat, non-views handlers.

Each entry says which token kind the method accepts and the scope it needs up front;
handlers whose scope depends on the object (conversations.info) check it themselves.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.emulators.slack import channels, chat, history, views
from bot.emulators.slack.arguments import truthy
from bot.emulators.slack.state import (
    APP_ID,
    BOT_ID,
    BOT_NAME,
    BOT_USER_ID,
    Call,
    SlackError,
    SlackWorld,
    invalid_arguments,
)

Handler = Callable[[SlackWorld, Call], dict[str, Any]]


@dataclass(frozen=True)
class Method:
    handler: Handler
    scope: str | None = None
    token_kind: str = "bot"


def auth_test(world: SlackWorld, call: Call) -> dict[str, Any]:
    return {
        "ok": True,
        "url": f"https://{world.team_domain}.slack.com/",
        "team": world.team_domain,
        "user": BOT_NAME,
        "team_id": world.team_id,
        "user_id": BOT_USER_ID,
        "bot_id": BOT_ID,
        "is_enterprise_install": False,
    }


def connections_open(world: SlackWorld, call: Call) -> dict[str, Any]:
    """A dud Socket Mode URL (SlackEmulator.socket_url, when set, answers a live one)."""
    return {"ok": True, "url": f"wss://127.0.0.1/link/?ticket={uuid.uuid4()}&app_id={APP_ID}"}


def conversations_join(world: SlackWorld, call: Call) -> dict[str, Any]:
    channel = world.find_channel(call.args.get("channel"))
    if channel is None or (channel.is_private and not channel.is_member):
        raise SlackError("channel_not_found")
    if channel.is_private or channel.is_im:
        raise SlackError("method_not_supported_for_channel_type")
    if channel.is_archived:
        raise SlackError("is_archived")
    answer: dict[str, Any] = {"ok": True}
    if channel.is_member:
        answer["warning"] = "already_in_channel"
        answer["response_metadata"] = {"warnings": ["already_in_channel"]}
    channel.is_member = True
    answer["channel"] = world.channel_object(channel)
    return answer


def conversations_info(world: SlackWorld, call: Call) -> dict[str, Any]:
    return {"ok": True, "channel": world.channel_object(channels.readable_channel(world, call))}


def conversations_open(world: SlackWorld, call: Call) -> dict[str, Any]:
    """Opens (or reopens) the bot's DM with one user; group DMs are not emulated."""
    if call.args.get("channel"):
        channel = world.channels.get(call.text_arg("channel"))
        if channel is None or not channel.is_im:
            raise SlackError("channel_not_found")
        already = True
    else:
        users_arg = call.args.get("users")
        if not users_arg:
            raise SlackError("users_list_not_supplied")
        listed = users_arg if isinstance(users_arg, list) else str(users_arg).split(",")
        ids = [str(u).strip() for u in listed if str(u).strip()]
        if len(ids) != 1:
            raise invalid_arguments("[ERROR] the emulator only opens 1:1 DMs [json-pointer:/users]")
        user = world.users.get(ids[0])
        if user is None:
            raise SlackError("user_not_found")
        if user.deleted:
            raise SlackError("user_disabled")
        already = any(c.is_im and c.user == user.id for c in world.channels.values())
        channel = world.dm_for(user.id)
    answer: dict[str, Any] = {"ok": True}
    if already:
        answer.update(no_op=True, already_open=True)
    full = truthy(call.args.get("return_im"))
    answer["channel"] = world.channel_object(channel) if full else {"id": channel.id}
    return answer


def users_info(world: SlackWorld, call: Call) -> dict[str, Any]:
    user = world.users.get(call.text_arg("user"))
    if user is None:
        raise SlackError("user_not_found")
    with_email = "users:read.email" in call.token.scopes
    return {"ok": True, "user": world.user_object(user, with_email=with_email)}


def usergroup_users(world: SlackWorld, call: Call) -> dict[str, Any]:
    group = world.usergroups.get(call.text_arg("usergroup"))
    if group is None:
        raise SlackError("no_such_subteam")
    return {"ok": True, "users": copy.copy(group[1])}


METHODS: dict[str, Method] = {
    "auth.test": Method(auth_test),
    "apps.connections.open": Method(connections_open, "connections:write", token_kind="app"),
    "views.open": Method(views.open_view),
    "views.push": Method(views.push_view),
    "views.update": Method(views.update_view),
    "views.publish": Method(views.publish_view),
    "chat.postMessage": Method(chat.post_message, "chat:write"),
    "chat.postEphemeral": Method(chat.post_ephemeral, "chat:write"),
    "chat.update": Method(chat.update, "chat:write"),
    "chat.getPermalink": Method(chat.get_permalink),
    "conversations.join": Method(conversations_join, "channels:join"),
    "conversations.history": Method(history.history),  # scope per channel kind
    "conversations.replies": Method(history.replies),
    "conversations.info": Method(conversations_info),
    "conversations.open": Method(conversations_open, "im:write"),
    "users.info": Method(users_info, "users:read"),
    "usergroups.users.list": Method(usergroup_users, "usergroups:read"),
    **{name: Method(handler, scope) for name, (handler, scope) in channels.METHOD_TABLE.items()},
}
