"""The whole thing on loopback: both emulators and the real bot over HTTP.

Tests, the benchmark and the sandbox all drive the bot through this, so the
same real code paths run everywhere: signed requests in, Web API calls out.
`LocalStack(socket_mode=True)` runs the same app over Socket Mode instead. The
people and channels it seeds are in `personas.py`; acting as them, in `driver.py`.
"""

from __future__ import annotations

from slack_bolt.adapter.socket_mode import SocketModeHandler

from bot.app import create_app
from bot.config import Settings, load_settings
from bot.datadog.client import RetryPolicy
from bot.domain.declare.runner import RunnerPolicy
from bot.emulators.datadog import DatadogEmulator
from bot.emulators.driver import BotDriver
from bot.emulators.personas import TEAM, seed
from bot.emulators.slack import SlackEmulator
from bot.emulators.slack.inbound import BotCaller
from bot.emulators.slack.socket_mode import SocketModeServer
from bot.metrics import MetricsServer
from bot.server import HttpServer
from bot.services import build_services
from bot.store import Store
from bot.store.sqlite import SqliteStore

SIGNING_SECRET = "emulator-signing-secret-5f1d2c"
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


class LocalStack(BotDriver):
    """Emulators plus the bot, started and seeded; `stop()` tears it all down."""

    def __init__(
        self,
        *,
        env: dict[str, str] | None = None,
        store: Store | None = None,
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
        self.metrics_server: MetricsServer | None = None
        """GET /metrics on its own port, when the settings give METRICS_PORT (0: a free one)."""

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
        self.services.start_sync()
        self.services.start_reminders()
        port = self.settings.metrics_port  # as `declare-bot run`: its own port, or none
        self.metrics_server = (
            None if port is None else self.services.metrics.serve(port, "127.0.0.1")
        )
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
        if self.metrics_server is not None:
            stops.append(self.metrics_server.stop)
        for stop in stops:
            try:
                stop()
            except Exception:  # noqa: BLE001 - best-effort teardown
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
        """The personas and their channels (see `personas.py`)."""
        self.users.update(seed(self.slack, self.datadog))
