"""State and shared helpers of the Slack Web API emulator (see `slack.py`).

Kept apart from the HTTP side so the method handlers (`slack_methods.py`,
`slack_chat.py`) work on plain data and raise `SlackError` like Slack answers.
"""

from __future__ import annotations

import copy
import json
import secrets
import string
import time
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from slack_sdk.models.blocks import Block

BOT_USER_ID = "UBOT"
BOT_NAME = "declare-bot"
BOT_ID = "BBOT"
APP_ID = "A0EMULATOR"

JSON_FIELDS = ("view", "blocks", "attachments", "metadata")
"""Arguments Slack takes as JSON text in form bodies; decoded so callers see one shape."""


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
    views: dict[str, dict[str, Any]] = field(default_factory=dict)
    external_ids: dict[str, str] = field(default_factory=dict)
    last_view_id: str | None = None
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
        return {
            "id": user.id,
            "team_id": self.team_id,
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


def decode_json_fields(args: dict[str, Any]) -> dict[str, Any]:
    """Form bodies carry blocks/view as JSON text; JSON bodies carry objects. Unify."""
    for key in JSON_FIELDS:
        value = args.get(key)
        if isinstance(value, str) and value.strip()[:1] in ("{", "["):
            try:
                args[key] = json.loads(value)
            except json.JSONDecodeError:
                pass  # handlers answer invalid_blocks_format / invalid_arguments
    return args


def truthy(value: Any) -> bool:
    """Form bodies send booleans as '1'/'0' or 'true'/'false'."""
    if isinstance(value, str):
        return value.lower() in ("1", "true", "yes")
    return bool(value)


def block_errors(blocks: Any, pointer: str, *, limit: int) -> list[str]:
    """Why Slack would refuse these blocks, judged by slack_sdk's own models; [] if fine.

    slack_sdk drops unknown block/element types silently, so dropped typed objects are
    detected by comparing what went in with what the model serialises back.
    """
    if not isinstance(blocks, list):
        return [f"[ERROR] must be an array [json-pointer:{pointer}]"]
    if len(blocks) > limit:
        return [f"[ERROR] no more than {limit} items allowed [json-pointer:{pointer}]"]
    errors: list[str] = []
    for index, raw in enumerate(blocks):
        where = f"{pointer}/{index}"
        try:
            parsed = Block.parse(raw)
            if parsed is None:
                errors.append(f"[ERROR] unsupported block type [json-pointer:{where}]")
                continue
            errors.extend(_dropped(raw, parsed.to_dict(), where))
        except Exception as exc:  # any model failure is a schema error
            errors.append(f"[ERROR] {exc} [json-pointer:{where}]")
    return errors


def _dropped(given: Any, kept: Any, pointer: str) -> list[str]:
    if isinstance(given, dict) and isinstance(kept, dict):
        errors: list[str] = []
        for key, value in given.items():
            if isinstance(value, dict | list):
                if kept.get(key) is None and _typed(value):
                    errors.append(f"[ERROR] unsupported type [json-pointer:{pointer}/{key}]")
                else:
                    errors.extend(_dropped(value, kept.get(key), f"{pointer}/{key}"))
        return errors
    if isinstance(given, list) and isinstance(kept, list):
        errors = []
        for index, value in enumerate(given):
            other = kept[index] if index < len(kept) else None
            if other is None and _typed(value):
                errors.append(f"[ERROR] unsupported type [json-pointer:{pointer}/{index}]")
            else:
                errors.extend(_dropped(value, other, f"{pointer}/{index}"))
        return errors
    return []


def _typed(value: Any) -> bool:
    if isinstance(value, dict):
        return "type" in value
    return isinstance(value, list) and any(isinstance(v, dict) and "type" in v for v in value)


def with_block_ids(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Slack gives every block without one a short random block_id; so do we."""
    out = copy.deepcopy(blocks)
    used = {b.get("block_id") for b in out}
    alphabet = string.ascii_letters + string.digits
    for block in out:
        while not block.get("block_id"):
            candidate = "".join(secrets.choice(alphabet) for _ in range(5))
            if candidate not in used:
                block["block_id"] = candidate
                used.add(candidate)
    return out
