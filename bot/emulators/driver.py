"""How tests, the sandbox and the benchmark act as Slack users towards a running bot.

Each method sends what Slack would send when a person acts (a slash command, a modal
submission, a button press, a message shortcut) as a signed request through `caller`,
and reads back what the bot did through the Slack emulator. A mixin of `LocalStack`.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import httpx

from bot.emulators.personas import ALICE, INCIDENTS, TEAM, channel_name
from bot.emulators.slack import SlackEmulator
from bot.emulators.slack.inbound import (
    BotCaller,
    declare_form_values,
    events_api_body,
    slash_command_body,
    view_submission,
)
from bot.emulators.slack.socket_mode import SocketModeServer

if TYPE_CHECKING:
    from bot.services import Services


class BotDriver:
    """Acts as people in Slack; needs the stack's `slack`, `caller` and `services`."""

    slack: SlackEmulator
    caller: BotCaller
    services: Services
    socket: SocketModeServer | None

    # --- driving the bot -------------------------------------------------------------

    def slash(
        self, text: str = "", *, user: str = ALICE, channel: str = INCIDENTS
    ) -> httpx.Response:
        body = slash_command_body(
            text=text,
            user_id=user,
            user_name=user.lower(),
            channel_id=channel,
            channel_name=channel_name(channel),
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

    def react(self, channel: str, ts: str, reaction: str = "pushpin", *, user: str = ALICE) -> None:
        """A person adds a reaction: Slack keeps it and sends the app `reaction_added`, as a
        signed HTTP request or, in Socket Mode, an `events_api` envelope."""
        body = events_api_body(self.slack.add_reaction(channel, ts, user, reaction), team_id=TEAM)
        if self.socket is not None:
            envelope = self.socket.send_envelope(
                "events_api", body, retry_attempt=0, retry_reason=""
            )
            self.socket.wait_ack(envelope)
            return
        response = self.caller.event(body)
        assert response.status_code == 200, response.text

    def message_shortcut(
        self,
        message: dict[str, Any],
        *,
        user: str = ALICE,
        channel: str = INCIDENTS,
        callback_id: str = "declare_from_message",
    ) -> httpx.Response:
        """A message shortcut on `message` (a message_action payload); "Declare incident"
        unless `callback_id` names another."""
        payload = {
            "type": "message_action",
            "token": "unused-verification-token",
            "action_ts": f"{time.time():.6f}",
            "team": {"id": TEAM, "domain": "emulator"},
            "user": {"id": user, "name": user.lower(), "username": user.lower()},
            "channel": {"id": channel, "name": channel_name(channel)},
            "callback_id": callback_id,
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
