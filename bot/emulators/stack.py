"""The whole thing on loopback: both emulators and the real bot over HTTP.

Tests, the benchmark and the sandbox all drive the bot through this, so the
same real code paths run everywhere: signed requests in, Web API calls out.
"""

from __future__ import annotations

import time
from typing import Any

import httpx

from bot.app import create_app
from bot.config import Settings, load_settings
from bot.datadog.client import RetryPolicy
from bot.domain.ports import DeclarationStore
from bot.domain.runner import RunnerPolicy
from bot.emulators.datadog import DatadogEmulator
from bot.emulators.inbound import (
    BotCaller,
    declare_form_values,
    slash_command_body,
    view_submission,
)
from bot.emulators.slack import SlackEmulator
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
FAST_RUNNER = RunnerPolicy(backoff=0.01, max_backoff=0.05)


class LocalStack:
    """Emulators plus the bot, started and seeded; `stop()` tears it all down."""

    def __init__(
        self,
        *,
        env: dict[str, str] | None = None,
        store: DeclarationStore | None = None,
        retry: RetryPolicy | None = FAST_RETRY,
        runner_policy: RunnerPolicy | None = FAST_RUNNER,
    ) -> None:
        self.env = env or {}
        self.store = store
        self.retry = retry
        self.runner_policy = runner_policy
        self.slack = SlackEmulator(team_id=TEAM)
        self.datadog = DatadogEmulator()
        self.users: dict[str, str] = {}
        """Slack user id → Datadog user id."""

    # --- lifecycle --------------------------------------------------------------------

    def start(self) -> LocalStack:
        self.slack.start()
        self.datadog.start()
        self.seed()
        self.settings = self.make_settings()
        self.services = build_services(
            self.settings,
            store=self.store or SqliteStore(":memory:"),
            retry=self.retry,
            runner_policy=self.runner_policy,
        )
        self.app = create_app(self.services)
        self.server = HttpServer(self.app, host="127.0.0.1", port=0).start()
        self.caller = BotCaller(self.server.url, SIGNING_SECRET)
        return self

    def make_settings(self, **overrides: str) -> Settings:
        env = {
            "DD_API_KEY": self.datadog.api_key,
            "DD_APP_KEY": self.datadog.app_key,
            "DD_API_URL": self.datadog.url,
            "SLACK_BOT_TOKEN": self.slack.bot_token,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": self.slack.url + "/api/",
            **self.env,
            **overrides,
        }
        return load_settings(env, env_file=None)

    def stop(self) -> None:
        for stop in (self.caller.close, self.server.stop, self.services.shutdown):
            try:
                stop()
            except Exception:  # noqa: BLE001, S112 - best-effort teardown
                continue
        self.slack.stop()
        self.datadog.stop()

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
