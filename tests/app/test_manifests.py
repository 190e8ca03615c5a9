"""The Slack app manifests: valid for Slack, and granting exactly what the code uses.

Scopes are derived from the Web API methods the code calls (grepped from bot/), so a
new call without its scope, or a scope nothing uses, fails here before it fails in Slack.
"""

from __future__ import annotations

import ast
import json
import re
import time
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator
from slack_sdk import WebClient
from slack_sdk.web.base_client import BaseClient

from bot.emulators.personas import ALICE, BOB, INCIDENTS, TEAM
from bot.emulators.slack import SlackEmulator
from bot.emulators.slack.inbound import app_home_opened, payload_body
from bot.emulators.stack import LocalStack
from bot.slack.common import ids, scopes
from tests.conftest import ROOT, shared_path

MANIFESTS = {name: ROOT / "manifests" / f"{name}.json" for name in ("socket-mode", "http")}
PLACEHOLDER = "https://declare-bot.example.com/slack/events"
HANDLER_KINDS = {
    "command": "command",
    "event": "event",
    "shortcut": "shortcut",
    "message_shortcut": "shortcut",
    "global_shortcut": "shortcut",
}
"""Bolt registrations that Slack only delivers when the manifest declares them."""


def manifest(name: str) -> dict[str, Any]:
    data = json.loads(MANIFESTS[name].read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def source_files() -> list[Path]:
    """The bot's own code; the emulators answer Slack calls, they don't make them."""
    return [p for p in sorted((ROOT / "bot").rglob("*.py")) if "emulators" not in p.parts]


def called_methods() -> set[str]:
    """Web API methods called anywhere in bot/: `x.chat_postMessage(` or `api_call("...")`."""
    api = set(dir(WebClient)) - set(dir(BaseClient))
    found: set[str] = set()
    for path in source_files():
        text = path.read_text(encoding="utf-8")
        names = re.findall(r"\.(\w+)\(", text)
        found.update(name.replace("_", ".") for name in names if name in api)
        found.update(re.findall(r"api_call\(\s*[\"']([\w.]+)[\"']", text))
    return found


def _resolve(node: ast.expr, where: str) -> str:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Attribute) and getattr(node.value, "id", None) == "ids":
        return str(getattr(ids, node.attr))
    if isinstance(node, ast.Dict):
        for key, value in zip(node.keys, node.values, strict=True):
            if isinstance(key, ast.Constant) and key.value in ("callback_id", "command"):
                return _resolve(value, where)
    raise AssertionError(
        f"{where}: cannot read the listener's id; use a string or bot.slack.common.ids"
    )


def handled() -> dict[str, set[str]]:
    """Commands and shortcut callback ids the code registers with `app.<kind>(...)`."""
    out: dict[str, set[str]] = {"command": set(), "shortcut": set(), "event": set()}
    for path in source_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            func = node.func if isinstance(node, ast.Call) else None
            if not (isinstance(func, ast.Attribute) and func.attr in HANDLER_KINDS):
                continue
            if not (isinstance(func.value, ast.Name) and func.value.id == "app"):
                continue
            assert isinstance(node, ast.Call) and node.args, f"{path}: {func.attr}() without id"
            out[HANDLER_KINDS[func.attr]].add(_resolve(node.args[0], f"{path}:{node.lineno}"))
    return out


def declared(data: dict[str, Any]) -> dict[str, set[str]]:
    features = data.get("features", {})
    return {
        "command": {c["command"] for c in features.get("slash_commands", [])},
        "shortcut": {s["callback_id"] for s in features.get("shortcuts", [])},
        "event": set(data.get("settings", {}).get("event_subscriptions", {}).get("bot_events", [])),
    }


@pytest.mark.parametrize("name", sorted(MANIFESTS))
def test_manifest_is_valid_for_slack(name: str) -> None:
    schema_file = shared_path("slack", "manifest-schema", "schemas", "manifest.schema.1.0.0.json")
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    data = manifest(name)
    errors = sorted(Draft7Validator(schema).iter_errors(data), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)
    assert data["_metadata"]["major_version"] == 1


def test_every_called_method_has_known_scopes() -> None:
    calls = called_methods()
    bot_calls = calls - set(scopes.APP_TOKEN_METHODS)
    unknown = sorted(bot_calls - set(scopes.METHOD_SCOPES))
    assert not unknown, (
        f"add these methods and their scopes to bot/slack/common/scopes.py: {unknown}"
    )
    assert bot_calls == set(scopes.USED_METHODS), (
        "bot/slack/common/scopes.py USED_METHODS is out of date: "
        f"called but not listed {sorted(bot_calls - scopes.USED_METHODS)}, "
        f"listed but not called {sorted(scopes.USED_METHODS - bot_calls)}"
    )
    assert "views.open" in calls and "chat.postMessage" in calls  # the grep sees the code


@pytest.mark.parametrize("name", sorted(MANIFESTS))
def test_manifest_grants_exactly_the_scopes_the_code_needs(name: str) -> None:
    needed = scopes.scopes_for(called_methods() - set(scopes.APP_TOKEN_METHODS))
    granted = manifest(name)["oauth_config"]["scopes"]["bot"]
    assert len(granted) == len(set(granted)), "a scope is listed twice"
    assert not needed - set(granted), f"{name}.json lacks scopes: {sorted(needed - set(granted))}"
    assert not set(granted) - needed, f"{name}.json grants unused: {sorted(set(granted) - needed)}"
    assert needed == scopes.REQUIRED_SCOPES


def test_every_required_scope_is_explained() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for scope in (*scopes.REQUIRED_SCOPES, *scopes.APP_TOKEN_SCOPES):
        assert scope in scopes.WHY, f"say why {scope} is needed in scopes.WHY"
        assert f"`{scope}`" in readme, f"README does not explain the {scope} scope"


def test_the_emulator_installs_the_app_as_the_manifest_does() -> None:
    """Tests run against a workspace with exactly the manifest's scopes."""
    assert set(SlackEmulator.BOT_SCOPES) == scopes.REQUIRED_SCOPES
    assert set(SlackEmulator.APP_SCOPES) == set(scopes.APP_TOKEN_SCOPES)


@pytest.mark.parametrize("name", sorted(MANIFESTS))
def test_manifest_declares_exactly_what_the_code_handles(name: str) -> None:
    code, data = handled(), declared(manifest(name))
    assert ids.COMMAND in code["command"], "the grep no longer finds app.command(ids.COMMAND)"
    assert code["event"] == set(scopes.BOT_EVENTS), "bot/slack/common/scopes.py BOT_EVENTS"
    home = manifest(name)["features"]["app_home"]
    assert home["home_tab_enabled"] is True, "app_home_opened needs the Home tab"
    for kind in ("command", "shortcut", "event"):
        assert not code[kind] - data[kind], f"{name}.json lacks {kind}s {code[kind] - data[kind]}"
        assert not data[kind] - code[kind], (
            f"{name}.json declares {kind}s no listener handles: {sorted(data[kind] - code[kind])}"
        )
    shortcut = manifest(name)["features"]["shortcuts"][0]
    assert (shortcut["callback_id"], shortcut["type"]) == (ids.MESSAGE_SHORTCUT, "message")


def test_command_has_description_and_usage_hint() -> None:
    for name in MANIFESTS:
        (command,) = manifest(name)["features"]["slash_commands"]
        assert command["command"] == ids.COMMAND
        assert command["description"] and command["usage_hint"]
        assert command["should_escape"] is False, "the title is plain text, not escaped ids"


def test_the_two_manifests_differ_only_in_transport() -> None:
    socket, http = manifest("socket-mode"), manifest("http")
    assert socket["settings"]["socket_mode_enabled"] is True
    assert http["settings"]["socket_mode_enabled"] is False
    assert socket["settings"]["interactivity"] == {"is_enabled": True}
    # HTTP mode also needs the options URL, or external selects (org fields) stay empty.
    assert http["settings"]["interactivity"] == {
        "is_enabled": True,
        "request_url": PLACEHOLDER,
        "message_menu_options_url": PLACEHOLDER,
    }
    assert all(c["url"] == PLACEHOLDER for c in http["features"]["slash_commands"])
    assert all("url" not in c for c in socket["features"]["slash_commands"])
    # Events arrive at the same /slack/events in HTTP mode (HTTP mode's request_url).
    assert http["settings"]["event_subscriptions"].pop("request_url") == PLACEHOLDER
    assert "request_url" not in socket["settings"]["event_subscriptions"]
    for data in (socket, http):
        data["settings"].pop("interactivity")
        data["settings"].pop("socket_mode_enabled")
        for command in data["features"]["slash_commands"]:
            command.pop("url", None)
    assert socket == http
    assert PLACEHOLDER.removesuffix("/slack/events") in (ROOT / "README.md").read_text("utf-8")


def _message_shortcut(stack: LocalStack, callback_id: str) -> dict[str, Any]:
    ts = f"{time.time():.6f}"
    return {
        "type": "message_action",
        "token": "unused-verification-token",
        "action_ts": ts,
        "team": {"id": TEAM, "domain": "emulator"},
        "user": {"id": ALICE, "username": "alice", "name": "alice", "team_id": TEAM},
        "channel": {"id": INCIDENTS, "name": "incidents"},
        "callback_id": callback_id,
        "trigger_id": stack.slack.issue_trigger(),
        "response_url": stack.slack.response_url(),
        "message_ts": ts,
        "message": {"type": "message", "user": BOB, "ts": ts, "text": "checkout is down"},
    }


def test_the_running_bot_answers_what_the_manifest_declares(stack: LocalStack) -> None:
    """Over real HTTP: Bolt answers 404 "unhandled request" for anything nobody listens to."""
    data = declared(manifest("http"))
    for command in data["command"]:
        assert command == ids.COMMAND  # LocalStack.slash sends /declare
        assert stack.slash("help").status_code == 200
    for callback_id in data["shortcut"]:
        body = payload_body(_message_shortcut(stack, callback_id))
        response = stack.caller.post(body)
        assert response.status_code != 404, f"no listener answers shortcut {callback_id}"
    assert "app_home_opened" in data["event"]
    response = stack.caller.event(app_home_opened(ALICE, team_id=TEAM))
    assert response.status_code == 200, "no listener answers the app_home_opened event"
