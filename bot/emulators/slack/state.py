"""State and shared helpers of the Slack Web API emulator (see `web_api.py`).

Kept apart from the HTTP side so the method handlers (`methods.py`, `chat.py`,
`views.py`) work on plain data and raise `SlackError` like Slack answers.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

BOT_USER_ID = "UBOT"
BOT_NAME = "declare-bot"
BOT_ID = "BBOT"
APP_ID = "A0EMULATOR"


class SlackError(Exception):
    """A Slack `{"ok": false, "error": ...}` answer, raised from deep inside a handler."""

    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.extra = extra

    def body(self) -> dict[str, Any]:
        return {"ok": False, "error": self.error, **self.extra}


def invalid_arguments(*messages: str) -> SlackError:
    """Slack's shape for schema errors: the reasons go in response_metadata.messages."""
    return SlackError("invalid_arguments", response_metadata={"messages": list(messages)})


@dataclass
class Token:
    kind: str  # "bot" or "app": decides which methods accept it
    scopes: list[str]


@dataclass
class User:
    id: str
    name: str
    real_name: str
    email: str | None
    is_bot: bool
    deleted: bool
    tz: str
    team_id: str = ""
    """The user's home workspace when it isn't this one (Slack Connect)."""
    ultra_restricted: bool = False
    """A single-channel guest (`is_ultra_restricted`); `SlackWorld.restricted` holds guests."""


@dataclass
class Channel:
    id: str
    name: str
    is_private: bool = False
    is_member: bool = True
    is_archived: bool = False
    is_im: bool = False
    user: str | None = None  # the other party of a DM
    created: int = field(default_factory=lambda: int(time.time()))
    creator: str = ""
    members: set[str] = field(default_factory=set)  # people, beside the bot (`is_member`)
    topic: str = ""


@dataclass
class Trigger:
    issued_at: float
    used: bool = False


@dataclass
class Call:
    """One authenticated API call as a handler sees it."""

    method: str
    args: dict[str, Any]
    token: Token

    def require(self, scope: str) -> None:
        if scope not in self.token.scopes:
            raise SlackError("missing_scope", needed=scope, provided=",".join(self.token.scopes))

    def text_arg(self, name: str) -> str:
        value = self.args.get(name)
        return "" if value is None else str(value)


@dataclass
class SlackWorld:
    """Everything the emulated workspace knows; guarded by the emulator's lock."""

    team_id: str
    team_domain: str
    trigger_ttl: float
    tokens: dict[str, Token] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    channels: dict[str, Channel] = field(default_factory=dict)
    usergroups: dict[str, tuple[str, list[str]]] = field(default_factory=dict)
    triggers: dict[str, Trigger] = field(default_factory=dict)
    messages: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    ephemerals: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    edits: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)
    """(channel id, ts) -> the versions chat.update replaced, oldest first."""
    edit_window: float | None = None
    views: dict[str, dict[str, Any]] = field(default_factory=dict)
    external_ids: dict[str, str] = field(default_factory=dict)
    bookmarks: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    restricted: set[str] = field(default_factory=set)  # guests: conversations.invite refuses
    last_view_id: str | None = None
    home_views: dict[str, dict[str, Any]] = field(default_factory=dict)
    """User id -> the Home tab views.publish last gave them, as Slack returns it."""
    home_enabled: bool = True
    """False: the app's manifest has no Home tab, views.publish answers `not_enabled`."""
    counter: int = 0
    last_ts_us: int = 0

    def next_id(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter:08d}"

    def next_ts(self) -> str:
        """Slack ts: '<epoch>.<6 digits>', unique and strictly increasing per workspace."""
        now_us = time.time_ns() // 1000
        self.last_ts_us = max(now_us, self.last_ts_us + 1)
        return f"{self.last_ts_us // 1_000_000}.{self.last_ts_us % 1_000_000:06d}"

    # lookups -------------------------------------------------------------------
    def find_channel(self, ref: Any) -> Channel | None:
        """By id, by name ('#name' or 'name'), or a user id meaning that user's DM."""
        if not isinstance(ref, str) or not ref:
            return None
        if ref in self.channels:
            return self.channels[ref]
        if ref[0] in "UW" and ref in self.users:
            return self.dm_for(ref)
        name = ref.removeprefix("#")
        return next((c for c in self.channels.values() if c.name == name and not c.is_im), None)

    def dm_for(self, user_id: str) -> Channel:
        """The bot's DM with a user, created on first use like Slack does."""
        for channel in self.channels.values():
            if channel.is_im and channel.user == user_id:
                return channel
        channel = Channel(id=self.next_id("D"), name=user_id, is_im=True, user=user_id)
        self.channels[channel.id] = channel
        return channel

    def find_message(self, channel_id: str, ts: Any) -> dict[str, Any] | None:
        return next((m for m in self.messages.get(channel_id, []) if m["ts"] == ts), None)

    # object shapes -------------------------------------------------------------
    def channel_object(self, channel: Channel) -> dict[str, Any]:
        if channel.is_im:
            return {
                "id": channel.id,
                "created": channel.created,
                "is_im": True,
                "is_org_shared": False,
                "user": channel.user,
                "is_user_deleted": False,
                "priority": 0,
            }
        return {
            "id": channel.id,
            "name": channel.name,
            "name_normalized": channel.name,
            "created": channel.created,
            "is_channel": not channel.is_private,
            "is_group": channel.is_private,
            "is_im": False,
            "is_mpim": False,
            "is_private": channel.is_private,
            "is_archived": channel.is_archived,
            "is_general": False,
            "is_member": channel.is_member,
            "creator": channel.creator,
            "topic": {"value": channel.topic, "creator": "", "last_set": 0},
            "is_shared": False,
            "is_ext_shared": False,
            "is_org_shared": False,
            "context_team_id": self.team_id,
        }

    def user_object(self, user: User, *, with_email: bool) -> dict[str, Any]:
        profile: dict[str, Any] = {
            "real_name": user.real_name,
            "real_name_normalized": user.real_name,
            "display_name": user.name,
            "display_name_normalized": user.name,
            "image_48": f"https://avatars.slack-edge.invalid/{user.id}_48.png",
            "team": self.team_id,
        }
        if user.is_bot:
            profile["bot_id"] = BOT_ID if user.id == BOT_USER_ID else f"B{user.id[1:]}"
        if with_email and user.email is not None:
            profile["email"] = user.email
        guest = user.id in self.restricted or user.ultra_restricted
        return {
            "id": user.id,
            "team_id": user.team_id or self.team_id,
            "is_restricted": guest,
            "is_ultra_restricted": user.ultra_restricted,
            "name": user.name,
            "deleted": user.deleted,
            "real_name": user.real_name,
            "tz": user.tz,
            "tz_label": user.tz,
            "tz_offset": _tz_offset(user.tz),
            "is_bot": user.is_bot,
            "is_app_user": False,
            "profile": profile,
        }


def _tz_offset(tz: str) -> int:
    try:
        offset = ZoneInfo(tz).utcoffset(None)
    except (ZoneInfoNotFoundError, ValueError):
        return 0
    return int(offset.total_seconds()) if offset is not None else 0
