"""Channel management in the Slack emulator: create, list, invite, topic, archive, bookmarks.

Modelled on Slack's documented behaviour:
- names: lowercase letters, digits, `-` and `_`, at most 80 characters; taken by any
  channel, archived or not (`name_taken`). Uppercase is refused (`invalid_name_specials`)
  rather than lowered, so a bot that forgets to lower names is caught here;
- `conversations.invite` with several users and one bad one fails whole, listing each
  failing user under `errors`; with `force=true` the valid ones are invited and the call
  still answers the first error with the list (Slack's "partially failed calls");
- the bot is creator and member of what it creates; people join through invites;
- `restricted_action` (an admin forbids creating channels) is injectable with
  `SlackEmulator.inject("conversations.create", "restricted_action")`;
- `conversations.unarchive` needs channels:manage (public) or groups:write (private) and
  answers `not_archived` for a live channel; with a bot token it answers `not_in_channel`,
  as Slack does ("Bot tokens (xoxb-...) cannot currently be used to unarchive
  conversations": the bot left the channel when it was archived).
"""

from __future__ import annotations

import re
from typing import Any

from bot.emulators.slack.arguments import truthy
from bot.emulators.slack.state import BOT_USER_ID, Call, Channel, SlackError, SlackWorld

NAME_MAX = 80
NAME_CHARS = re.compile(r"^[a-z0-9_-]+$")
TOPIC_MAX = 250
LIST_MAX = 1000


def _write_scope(call: Call, channel: Channel) -> None:
    call.require("groups:write" if channel.is_private else "channels:manage")


def _writable(world: SlackWorld, call: Call) -> Channel:
    """The `channel` argument as a channel the bot may write to: visible, not a DM, with
    the write scope of its kind."""
    channel = world.find_channel(call.args.get("channel"))
    if channel is None or (channel.is_private and not channel.is_member):
        raise SlackError("channel_not_found")
    if channel.is_im:
        raise SlackError("method_not_supported_for_channel_type")
    _write_scope(call, channel)
    return channel


def _managed(world: SlackWorld, call: Call) -> Channel:
    """A channel the bot may manage: writable, not archived, bot a member."""
    channel = _writable(world, call)
    if channel.is_archived:
        raise SlackError("is_archived")
    if not channel.is_member:
        raise SlackError("not_in_channel")
    return channel


def conversations_create(world: SlackWorld, call: Call) -> dict[str, Any]:
    name = call.text_arg("name")
    private = truthy(call.args.get("is_private"))
    call.require("groups:write" if private else "channels:manage")
    if not name:
        raise SlackError("invalid_name_required")
    if len(name) > NAME_MAX:
        raise SlackError("invalid_name_maxlength")
    if not NAME_CHARS.match(name):
        raise SlackError("invalid_name_specials")
    if not name.strip("-_"):
        raise SlackError("invalid_name_punctuation")
    if any(c.name == name and not c.is_im for c in world.channels.values()):
        raise SlackError("name_taken")
    channel = Channel(
        id=world.next_id("G" if private else "C"),
        name=name,
        is_private=private,
        is_member=True,
        creator=BOT_USER_ID,
    )
    world.channels[channel.id] = channel
    return {"ok": True, "channel": world.channel_object(channel)}


def conversations_list(world: SlackWorld, call: Call) -> dict[str, Any]:
    """Public channels (channels:read) and private ones the bot is in (groups:read)."""
    types = {t.strip() for t in (call.text_arg("types") or "public_channel").split(",")}
    if "public_channel" in types:
        call.require("channels:read")
    if "private_channel" in types:
        call.require("groups:read")
    skip_archived = truthy(call.args.get("exclude_archived"))
    visible = [
        c
        for c in world.channels.values()
        if not c.is_im
        and ("private_channel" if c.is_private else "public_channel") in types
        and (c.is_member or not c.is_private)
        and not (skip_archived and c.is_archived)
    ]
    try:
        start = int(call.text_arg("cursor") or 0)
        limit = min(int(call.text_arg("limit") or 100), LIST_MAX)
    except ValueError:
        raise SlackError("invalid_cursor") from None
    page = visible[start : start + limit]
    more = start + limit < len(visible)
    return {
        "ok": True,
        "channels": [world.channel_object(c) for c in page],
        "response_metadata": {"next_cursor": str(start + limit) if more else ""},
    }


def _invite_error(world: SlackWorld, channel: Channel, user_id: str) -> str | None:
    user = world.users.get(user_id)
    if user is None:
        return "user_not_found"
    if user_id == BOT_USER_ID:
        return "cant_invite_self"
    if user.deleted:
        return "cant_invite"
    if user_id in world.restricted:
        return "user_is_restricted"
    if user_id in channel.members:
        return "already_in_channel"
    return None


def conversations_invite(world: SlackWorld, call: Call) -> dict[str, Any]:
    channel = _managed(world, call)
    raw = call.args.get("users")
    listed = raw if isinstance(raw, list) else str(raw or "").split(",")
    users = [str(u).strip() for u in listed if str(u).strip()]
    if not users:
        raise SlackError("no_user")
    errors = [
        {"user": u, "ok": False, "error": e}
        for u in users
        if (e := _invite_error(world, channel, u)) is not None
    ]
    failed = {e["user"] for e in errors}
    if errors and not (truthy(call.args.get("force")) and len(users) > 1):
        if len(users) == 1:
            raise SlackError(str(errors[0]["error"]))
        raise SlackError(str(errors[0]["error"]), errors=errors)
    channel.members.update(u for u in users if u not in failed)
    if errors:
        raise SlackError(str(errors[0]["error"]), errors=errors)
    return {"ok": True, "channel": world.channel_object(channel)}


def conversations_set_topic(world: SlackWorld, call: Call) -> dict[str, Any]:
    channel = _managed(world, call)
    topic = call.text_arg("topic")
    if len(topic) > TOPIC_MAX:
        raise SlackError("too_long")
    channel.topic = topic
    return {"ok": True, "channel": world.channel_object(channel)}


def conversations_archive(world: SlackWorld, call: Call) -> dict[str, Any]:
    channel = world.find_channel(call.args.get("channel"))
    if channel is None or (channel.is_private and not channel.is_member) or channel.is_im:
        raise SlackError("channel_not_found")
    _write_scope(call, channel)
    if channel.is_archived:
        raise SlackError("already_archived")
    if not channel.is_member:
        raise SlackError("not_in_channel")
    channel.is_archived = True
    return {"ok": True}


def readable_channel(world: SlackWorld, call: Call) -> Channel:
    """The `channel` argument, read as conversations.info and .members read it: the scope of
    its kind, and a private channel the bot is not in is `channel_not_found`."""
    channel = world.find_channel(call.args.get("channel"))
    if channel is None:
        raise SlackError("channel_not_found")
    if channel.is_im:
        call.require("im:read")
    elif channel.is_private:
        call.require("groups:read")
        if not channel.is_member:
            raise SlackError("channel_not_found")
    else:
        call.require("channels:read")
    return channel


def conversations_members(world: SlackWorld, call: Call) -> dict[str, Any]:
    """A conversation's members, a page at a time (`limit`, `cursor`), as Slack answers."""
    channel = readable_channel(world, call)
    people = sorted(channel.members | ({channel.user} if channel.is_im and channel.user else set()))
    everyone = ([BOT_USER_ID] if channel.is_member or channel.is_im else []) + people
    try:
        limit = max(1, min(1000, int(call.args.get("limit") or 100)))
        start = int(str(call.args.get("cursor") or "0").removeprefix("members:") or 0)
    except ValueError:
        raise SlackError("invalid_cursor") from None
    page = everyone[start : start + limit]
    after = start + limit
    cursor = f"members:{after}" if after < len(everyone) else ""
    return {"ok": True, "members": page, "response_metadata": {"next_cursor": cursor}}


def conversations_unarchive(world: SlackWorld, call: Call) -> dict[str, Any]:
    channel = _writable(world, call)
    if not channel.is_archived:
        raise SlackError("not_archived")
    if call.token.kind == "bot":
        raise SlackError("not_in_channel")
    channel.is_archived = False
    return {"ok": True}


def bookmarks_add(world: SlackWorld, call: Call) -> dict[str, Any]:
    channel = world.find_channel(call.args.get("channel_id"))
    if channel is None or (channel.is_private and not channel.is_member):
        raise SlackError("channel_not_found")
    if channel.is_archived:
        raise SlackError("is_archived")
    title, kind, link = (call.text_arg(k) for k in ("title", "type", "link"))
    if not title or kind != "link" or not link.startswith(("http://", "https://")):
        raise SlackError("invalid_arguments")
    bookmark = {
        "id": world.next_id("Bk"),
        "channel_id": channel.id,
        "title": title,
        "link": link,
        "emoji": call.text_arg("emoji"),
        "type": "link",
    }
    world.bookmarks.setdefault(channel.id, []).append(bookmark)
    return {"ok": True, "bookmark": bookmark}


class ChannelsView:
    """What tests read about channels: by name, members, topic, bookmarks (under the lock)."""

    def __init__(self, world: SlackWorld, lock: Any) -> None:
        self.world = world
        self.lock = lock

    def named(self, name: str) -> list[dict[str, Any]]:
        """Every channel called `name` (so a test can prove there is one, not two)."""
        with self.lock:
            found = [c for c in self.world.channels.values() if c.name == name and not c.is_im]
            return [self._shape(c) for c in found]

    def created_by_bot(self) -> list[dict[str, Any]]:
        with self.lock:
            mine = [c for c in self.world.channels.values() if c.creator == BOT_USER_ID]
            return [self._shape(c) for c in mine]

    def restrict(self, user_id: str) -> None:
        """Make a user a guest whom conversations.invite refuses (`user_is_restricted`)."""
        with self.lock:
            self.world.restricted.add(user_id)

    def _shape(self, channel: Channel) -> dict[str, Any]:
        return {
            **self.world.channel_object(channel),
            "members": sorted(channel.members),
            "bookmarks": list(self.world.bookmarks.get(channel.id, [])),
        }


class ChannelActions:
    """A mixin of `SlackEmulator`: `add_channel`, and `emulator.channels` to read and arrange."""

    lock: Any
    _world: SlackWorld

    @property
    def channels(self) -> ChannelsView:
        return ChannelsView(self._world, self.lock)

    def add_channel(
        self,
        channel_id: str,
        name: str,
        *,
        is_private: bool = False,
        is_member: bool = True,
        is_archived: bool = False,
        members: tuple[str, ...] = (),
    ) -> None:
        """`members`: the people in it (the bot's own membership is `is_member`)."""
        with self.lock:
            self._world.channels[channel_id] = Channel(
                channel_id, name, is_private, is_member, is_archived, members=set(members)
            )


METHOD_TABLE: dict[str, tuple[Any, str | None]] = {
    "conversations.create": (conversations_create, None),
    "conversations.list": (conversations_list, None),
    "conversations.members": (conversations_members, None),
    "conversations.invite": (conversations_invite, None),
    "conversations.setTopic": (conversations_set_topic, None),
    "conversations.archive": (conversations_archive, None),
    "conversations.unarchive": (conversations_unarchive, None),
    "bookmarks.add": (bookmarks_add, "bookmarks:write"),
}
"""Handler and up-front scope; the others check channels:manage or groups:write per channel."""
