"""What Slack sends to the bot: signed slash commands, interaction payloads and events.

Shapes follow real Slack requests (bolt-python's fixtures); signing is Slack's v0
HMAC-SHA256 over `v0:{timestamp}:{raw body}`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from typing import Any
from urllib.parse import urlencode

import httpx


def sign(secret: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    """The X-Slack-Request-Timestamp and X-Slack-Signature headers for a body."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:".encode() + body, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


def slash_command_body(
    *,
    text: str = "",
    user_id: str,
    channel_id: str,
    trigger_id: str,
    response_url: str,
    team_id: str = "T0EMULATOR",
    user_name: str = "",
    channel_name: str = "",
    command: str = "/declare",
) -> bytes:
    return urlencode(
        {
            "token": "unused-verification-token",
            "team_id": team_id,
            "team_domain": "emulator",
            "channel_id": channel_id,
            "channel_name": channel_name,
            "user_id": user_id,
            "user_name": user_name,
            "command": command,
            "text": text,
            "api_app_id": "A0DECLARE",
            "response_url": response_url,
            "trigger_id": trigger_id,
        }
    ).encode()


def payload_body(payload: dict[str, Any]) -> bytes:
    """Interactions arrive form-encoded as payload=<json>."""
    return urlencode({"payload": json.dumps(payload)}).encode()


def view_submission(
    view: dict[str, Any],
    values: dict[str, Any],
    *,
    user_id: str,
    trigger_id: str,
    team_id: str = "T0EMULATOR",
) -> dict[str, Any]:
    """A view_submission for a view the emulator opened, with `values` as its state."""
    return {
        "type": "view_submission",
        "team": {"id": team_id, "domain": "emulator"},
        "user": {"id": user_id, "username": user_id, "name": user_id, "team_id": team_id},
        "api_app_id": "A0DECLARE",
        "token": "unused-verification-token",
        "trigger_id": trigger_id,
        "view": {**view, "state": {"values": values}},
        "response_urls": [],
    }


def block_actions(
    action_id: str,
    value: str,
    *,
    user_id: str,
    channel_id: str,
    response_url: str,
    trigger_id: str,
    team_id: str = "T0EMULATOR",
    view: dict[str, Any] | None = None,
    block_id: str = "actions",
) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": {"id": user_id, "username": user_id, "name": user_id, "team_id": team_id},
        "api_app_id": "A0DECLARE",
        "token": "unused-verification-token",
        "trigger_id": trigger_id,
        "team": {"id": team_id, "domain": "emulator"},
        "actions": [
            {
                "action_id": action_id,
                "block_id": block_id,
                "value": value,
                "type": "button",
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }
    if view is not None:
        payload["container"] = {"type": "view", "view_id": view.get("id")}
        payload["view"] = view
    else:
        payload["container"] = {"type": "message", "channel_id": channel_id, "is_ephemeral": True}
        payload["channel"] = {"id": channel_id, "name": channel_id}
        payload["response_url"] = response_url
    return payload


def text_value(value: str) -> dict[str, Any]:
    return {"type": "plain_text_input", "value": value}


def option_value(value: str, kind: str = "static_select") -> dict[str, Any]:
    return {
        "type": kind,
        "selected_option": {"text": {"type": "plain_text", "text": value}, "value": value},
    }


def options_value(values: list[str], kind: str = "multi_static_select") -> dict[str, Any]:
    return {
        "type": kind,
        "selected_options": [
            {"text": {"type": "plain_text", "text": v}, "value": v} for v in values
        ],
    }


def declare_form_values(
    *,
    title: str = "",
    severity: str = "UNKNOWN",
    commander: str | None = None,
    impacted: bool = False,
    scope: str = "",
    summary: str = "",
    important: bool = False,
    people: list[str] | None = None,
    channels: list[str] | None = None,
    handles: str = "",
    is_test: bool = False,
    extra: dict[str, dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """State values a person filling the /declare modal would submit."""

    def block(block_id: str, element: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        return block_id, {block_id: element}

    checkbox = options_value(["yes"], "checkboxes")
    unchecked: dict[str, Any] = {"type": "checkboxes", "selected_options": []}
    values = dict(
        [
            block("title", text_value(title)),
            block("severity", option_value(severity)),
            block("commander", {"type": "users_select", "selected_user": commander}),
            block("customer_impacted", checkbox if impacted else unchecked),
            block("impact_scope", text_value(scope)),
            block("summary", text_value(summary)),
            block("summary_important", checkbox if important else unchecked),
            block("notify_people", {"type": "multi_users_select", "selected_users": people or []}),
            block(
                "notify_channels",
                {"type": "multi_conversations_select", "selected_conversations": channels or []},
            ),
            block("notify_handles", text_value(handles)),
            block("is_test", checkbox if is_test else unchecked),
        ]
    )
    values.update(extra or {})
    return values


def app_home_opened(
    user_id: str,
    *,
    team_id: str = "T0EMULATOR",
    view: dict[str, Any] | None = None,
    tab: str = "home",
    channel: str = "",
) -> dict[str, Any]:
    """The Events API `event_callback` Slack sends when a person opens the app's Home tab
    (`view` is the Home tab last published to them, absent the first time)."""
    event: dict[str, Any] = {
        "type": "app_home_opened",
        "user": user_id,
        "channel": channel or f"D{user_id[1:]}",
        "tab": tab,
        "event_ts": f"{time.time():.6f}",
    }
    if view is not None:
        event["view"] = view
    return events_api_body(event, team_id=team_id, event_id=f"Ev{uuid.uuid4().hex[:10].upper()}")


def events_api_body(
    event: dict[str, Any], *, team_id: str = "T0EMULATOR", event_id: str | None = None
) -> dict[str, Any]:
    """The Events API envelope of one event (`event_callback`), as Slack POSTs it as JSON."""
    return {
        "token": "unused-verification-token",
        "team_id": team_id,
        "api_app_id": "A0DECLARE",
        "event": event,
        "type": "event_callback",
        "event_id": event_id or f"Ev{int(time.time() * 1_000_000):X}",
        "event_time": int(time.time()),
        "authorizations": [
            {"team_id": team_id, "user_id": "UBOT", "is_bot": True, "is_enterprise_install": False}
        ],
        "is_ext_shared_channel": False,
    }


class BotCaller:
    """Sends signed requests to a running bot's POST /slack/events."""

    def __init__(self, bot_url: str, signing_secret: str, timeout: float = 10.0) -> None:
        self.url = bot_url.rstrip("/") + "/slack/events"
        self.secret = signing_secret
        self.http = httpx.Client(timeout=timeout)

    def post(
        self, body: bytes, *, timestamp: int | None = None, secret: str | None = None
    ) -> httpx.Response:
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        headers.update(sign(secret or self.secret, body, timestamp))
        return self.http.post(self.url, content=body, headers=headers)

    def event(self, body: dict[str, Any]) -> httpx.Response:
        """An Events API request: a JSON body, signed like every other."""
        raw = json.dumps(body).encode()
        headers = {"Content-Type": "application/json", **sign(self.secret, raw)}
        return self.http.post(self.url, content=raw, headers=headers)

    def interact(self, payload: dict[str, Any]) -> httpx.Response:
        return self.post(payload_body(payload))

    def close(self) -> None:
        self.http.close()
