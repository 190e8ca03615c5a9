"""The whole thing on loopback: both emulators and the real bot over HTTP.

Tests, the benchmark and the sandbox all drive the bot through this, so the
same real code paths run everywhere: signed requests in, Web API calls out.
`LocalStack(socket_mode=True)` runs the same app over Socket Mode instead.
"""

from __future__ import annotations

import time
from typing import Any

import httpx
from slack_bolt.adapter.socket_mode import SocketModeHandler

from bot.app import create_app
from bot.config import Settings, load_settings
from bot.datadog.client import RetryPolicy
from bot.domain.ports import DeclarationStore
from bot.domain.runner import RunnerPolicy
from bot.emulators.datadog import DatadogEmulator
from bot.emulators.slack import SlackEmulator
from bot.emulators.slack.inbound import (
    BotCaller,
    declare_form_values,
    slash_command_body,
    view_submission,
)
from bot.emulators.slack.socket_mode import SocketModeServer
from bot.server import HttpServer
from bot.services import build_services
from bot.store.sqlite import SqliteStore

SIGNING_SECRET = "emulator-signing-secret-5f1d2c"
TEAM = "T0EMULATOR"
ALICE = "U0ALICE"
"""Declares; has a Datadog account."""
BOB = "U0BOB"
"""On call; has a Datadog account."""
CAROL = "U0CAROL"
"""Has a Slack email but no Datadog account."""
DAVE = "U0DAVE"
"""Has no email on his Slack profile."""
INCIDENTS = "C0INCIDENTS"
GENERAL = "C0GENERAL"
"""Public; the bot is not a member until it joins."""
PRIVATE = "G0PRIVATE"
"""Private; the bot is not a member and cannot join."""

CHANNELS: dict[str, tuple[str, bool, bool]] = {
    INCIDENTS: ("incidents", False, True),
    GENERAL: ("general", False, False),
    PRIVATE: ("secret-ops", True, False),
}
"""Channel id → (name, is_private, bot is a member)."""

FAST_RETRY = RetryPolicy(backoff=0.01, max_backoff=0.05, max_rate_limit_wait=2.0)
FAST_RUNNER = RunnerPolicy(backoff=0.01, max_backoff=0.05, settle=0.05)


def emulator_env(slack: SlackEmulator, datadog: DatadogEmulator) -> dict[str, str]:
    """The settings that point the bot at these emulators (HTTP mode)."""
    return {
        "DD_API_KEY": datadog.api_key,
        "DD_APP_KEY": datadog.app_key,
        "DD_API_URL": datadog.url,
        "SLACK_BOT_TOKEN": slack.bot_token,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack.url + "/api/",
    }


class LocalStack:
    """Emulators plus the bot, started and seeded; `stop()` tears it all down."""

    def __init__(
        self,
        *,
        env: dict[str, str] | None = None,
        store: DeclarationStore | None = None,
        retry: RetryPolicy | None = FAST_RETRY,
        runner_policy: RunnerPolicy | None = FAST_RUNNER,
        socket_mode: bool = False,
        datadog_timeout: float | None = None,
    ) -> None:
        self.env = env or {}
        self.store = store
        self.retry = retry
        self.runner_policy = runner_policy
        self.datadog_timeout = datadog_timeout
        """Seconds per Datadog request; fault tests shrink it to provoke timeouts."""
        self.slack = SlackEmulator(team_id=TEAM)
        self.datadog = DatadogEmulator()
        self.socket = SocketModeServer() if socket_mode else None
        """Socket Mode: envelopes in through this instead of signed HTTP requests."""
        self.users: dict[str, str] = {}
        """Slack user id → Datadog user id."""

    # --- lifecycle --------------------------------------------------------------------

    def start(self) -> LocalStack:
        self.slack.start()
        self.datadog.start()
        if self.socket is not None:
            self.slack.socket_url = self.socket.start().new_url
        self.seed()
        self.settings = self.make_settings()
        self.services = build_services(
            self.settings,
            store=self.store or SqliteStore(":memory:"),
            retry=self.retry,
            runner_policy=self.runner_policy,
            datadog_timeout=self.datadog_timeout,
        )
        self.app = create_app(self.services)
        if self.socket is not None:
            self.handler = SocketModeHandler(self.app, self.slack.app_token)
            self.handler.connect()  # type: ignore[no-untyped-call]
            self.socket.wait_connections(1, timeout=5.0)
            return self
        self.server = HttpServer(self.app, host="127.0.0.1", port=0).start()
        self.caller = BotCaller(self.server.url, SIGNING_SECRET)
        return self

    def make_settings(self, **overrides: str) -> Settings:
        env = {
            **emulator_env(self.slack, self.datadog),
            **self.env,
            **overrides,
        }
        if self.socket is not None:  # Socket Mode needs the app token, not the signing secret
            env["SLACK_APP_TOKEN"] = self.slack.app_token
            env.pop("SLACK_SIGNING_SECRET")
        return load_settings(env, env_file=None)

    def stop(self) -> None:
        if self.socket is not None:
            stops = [self._close_socket_mode, self.services.shutdown, self.socket.stop]
        else:
            stops = [self.caller.close, self.server.stop, self.services.shutdown]
        for stop in stops:
            try:
                stop()
            except Exception:  # noqa: BLE001, S112 - best-effort teardown
                continue
        self.slack.stop()
        self.datadog.stop()

    def _close_socket_mode(self) -> None:
        """Close the app's client; the server's close frame frees its blocking recv at once."""
        assert self.socket is not None
        client = self.handler.client
        client.auto_reconnect_enabled = False
        self.socket.close_all()
        client.closed = True  # what close() sets first; the None wakes the queue's 1 s wait
        client.message_queue.put(None)
        self.handler.close()  # type: ignore[no-untyped-call]

    def __enter__(self) -> LocalStack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def seed(self) -> None:
        slack, datadog = self.slack, self.datadog
        slack.add_user(ALICE, "alice", real_name="Alice Ops", email="alice@example.com")
        slack.add_user(BOB, "bob", real_name="Bob Oncall", email="Bob.Oncall@example.com")
        slack.add_user(CAROL, "carol", real_name="Carol New", email="carol@example.com")
        slack.add_user(DAVE, "dave", real_name="Dave NoMail")
        self.users[ALICE] = datadog.add_user("alice@example.com", "Alice Ops")
        self.users[BOB] = datadog.add_user("bob.oncall@example.com", "Bob Oncall")
        for channel_id, (name, private, member) in CHANNELS.items():
            slack.add_channel(channel_id, name, is_private=private, is_member=member)

    # --- driving the bot -------------------------------------------------------------

    def slash(
        self, text: str = "", *, user: str = ALICE, channel: str = INCIDENTS
    ) -> httpx.Response:
        body = slash_command_body(
            text=text,
            user_id=user,
            user_name=user.lower(),
            channel_id=channel,
            channel_name=CHANNELS.get(channel, (channel, False, False))[0],
            trigger_id=self.slack.issue_trigger(),
            response_url=self.slack.response_url(),
            team_id=TEAM,
        )
        return self.caller.post(body)

    def opened_view(self, count: int = 1, timeout: float = 5.0) -> dict[str, Any]:
        """The latest view the bot opened, once `count` views.open calls were seen."""
        self.slack.wait_for("/api/views.open", count, timeout)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.slack.views) >= count:
                return dict(list(self.slack.views.values())[-1])
            time.sleep(0.01)
        raise AssertionError("views.open was called but no view was opened")

    def submit(
        self, view: dict[str, Any], values: dict[str, Any], *, user: str = ALICE
    ) -> httpx.Response:
        payload = view_submission(
            view, values, user_id=user, trigger_id=self.slack.issue_trigger(), team_id=TEAM
        )
        return self.caller.interact(payload)

    def declare(self, title: str = "Checkout API 5xx", **form: Any) -> httpx.Response:
        """The whole flow: /declare, then submit the modal with `form` answers."""
        user = form.pop("user", ALICE)
        channel = form.pop("channel", INCIDENTS)
        form.setdefault("commander", user)
        response = self.slash(user=user, channel=channel)
        assert response.status_code == 200, response.text
        view = self.opened_view(count=len(self.slack.calls("/api/views.open")) or 1)
        return self.submit(view, declare_form_values(title=title, **form), user=user)

    def wait_done(self, count: int = 1, timeout: float = 10.0) -> None:
        """Wait until `count` declarations reached a final step (done or failed)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.finished() >= count:
                return
            time.sleep(0.02)
        raise AssertionError(f"only {self.finished()} of {count} declarations finished")

    def finished(self) -> int:
        return sum(1 for r in self.services.store.all() if r.step.value in ("done", "failed"))

    # --- messages, shortcuts and actions inside a form (org-aware declaring) ----------

    def post_message(self, text: str, *, channel: str = INCIDENTS, **extra: Any) -> dict[str, Any]:
        """A message to declare from, posted through the Web API; returns it as Slack stores it."""
        response = httpx.post(
            self.slack.url + "/api/chat.postMessage",
            headers={"Authorization": f"Bearer {self.slack.bot_token}"},
            json={"channel": channel, "text": text, **extra},
            timeout=5.0,
        )
        answer = response.json()
        assert answer.get("ok"), answer
        return dict(answer["message"])

    def message_shortcut(
        self, message: dict[str, Any], *, user: str = ALICE, channel: str = INCIDENTS
    ) -> httpx.Response:
        """The "Declare incident" message shortcut on `message` (a message_action payload)."""
        payload = {
            "type": "message_action",
            "token": "unused-verification-token",
            "action_ts": f"{time.time():.6f}",
            "team": {"id": TEAM, "domain": "emulator"},
            "user": {"id": user, "name": user.lower(), "username": user.lower()},
            "channel": {"id": channel, "name": CHANNELS.get(channel, (channel, False, False))[0]},
            "callback_id": "declare_from_message",
            "trigger_id": self.slack.issue_trigger(),
            "message_ts": message["ts"],
            "message": message,
            "response_url": self.slack.response_url(),
        }
        return self.caller.interact(payload)

    def _in_view(self, view: dict[str, Any], user: str, **fields: Any) -> dict[str, Any]:
        return {
            "user": {"id": user, "username": user, "name": user, "team_id": TEAM},
            "api_app_id": "A0DECLARE",
            "token": "unused-verification-token",
            "team": {"id": TEAM, "domain": "emulator"},
            "container": {"type": "view", "view_id": view.get("id")},
            "view": view,
            **fields,
        }

    def choose(
        self,
        view: dict[str, Any],
        block_id: str,
        value: str,
        *,
        state: dict[str, Any] | None = None,
        user: str = ALICE,
    ) -> httpx.Response:
        """Pick `value` in a dispatching static select of an open view (a block_actions)."""
        option = {"text": {"type": "plain_text", "text": value}, "value": value}
        values = dict(state or {})
        values[block_id] = {block_id: {"type": "static_select", "selected_option": option}}
        action = {
            "type": "static_select",
            "action_id": block_id,
            "block_id": block_id,
            "selected_option": option,
            "action_ts": f"{time.time():.6f}",
        }
        payload = self._in_view(
            {**view, "state": {"values": values}},
            user,
            type="block_actions",
            trigger_id=self.slack.issue_trigger(),
            actions=[action],
        )
        return self.caller.interact(payload)

    def press(self, view: dict[str, Any], action_id: str, *, user: str = ALICE) -> httpx.Response:
        """Press a button in an open view."""
        block = next(b for b in view["blocks"] if b.get("type") == "actions")
        button = next(e for e in block["elements"] if e.get("action_id") == action_id)
        action = {
            "type": "button",
            "action_id": action_id,
            "block_id": block["block_id"],
            "value": button.get("value", ""),
            "action_ts": f"{time.time():.6f}",
        }
        payload = self._in_view(
            view,
            user,
            type="block_actions",
            trigger_id=self.slack.issue_trigger(),
            actions=[action],
        )
        return self.caller.interact(payload)

    def suggest(
        self, view: dict[str, Any], action_id: str, typed: str = "", *, user: str = ALICE
    ) -> list[dict[str, Any]]:
        """The options the bot offers in an external select for what was `typed`."""
        payload = self._in_view(
            view,
            user,
            type="block_suggestion",
            action_id=action_id,
            block_id=action_id,
            value=typed,
        )
        response = self.caller.interact(payload)
        assert response.status_code == 200, response.text
        return list(response.json().get("options", []))

    def current_view(self, view_id: str) -> dict[str, Any]:
        """The view as Slack holds it now (after any views.update)."""
        with self.slack.lock:
            return dict(self.slack.views[view_id])
