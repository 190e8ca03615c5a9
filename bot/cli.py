"""The `declare-bot` command (also `python -m bot`): run the bot, check a setup, or the sandbox."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from typing import TYPE_CHECKING

from bot import __version__
from bot.config import ConfigError, Settings, load_settings
from bot.logs import configure_logging

if TYPE_CHECKING:
    from slack_bolt import App

    from bot.services import Services

log = logging.getLogger("bot")

WARM_WAIT = 10.0
"""Seconds the start-up form drawing waits for the org config."""


def run(settings: Settings) -> int:
    """Start the bot in Socket Mode (SLACK_APP_TOKEN set) or HTTP mode, until stopped."""
    from slack_bolt.error import BoltError

    from bot.app import create_app
    from bot.check.store_checks import StoreUnusable, open_configured_store
    from bot.services import build_services

    configure_logging(settings.log_level, settings.log_format, settings.secret_values())
    try:
        store = open_configured_store(settings)
    except StoreUnusable as exc:
        print(f"declare-bot cannot start: {exc}", file=sys.stderr)
        return 2
    services = build_services(settings, store=store)
    try:
        # auth.test now, not on the first /declare (which would wait one round trip for it).
        app = create_app(services, verify_token=True)
        verified = True
    except BoltError as exc:
        log.debug("auth.test refused", exc_info=exc)
        print(
            "declare-bot cannot start: Slack refused SLACK_BOT_TOKEN (auth.test); "
            "run `declare-bot check`",
            file=sys.stderr,
        )
        return 2
    except Exception as exc:  # noqa: BLE001 - Slack unreachable: verify on the first request
        log.warning("auth.test failed at start-up (%s); Bolt retries it later", type(exc).__name__)
        app = create_app(services)
        verified = False
    metrics_server = None
    if settings.metrics_port is not None:
        metrics_server = services.metrics.serve(settings.metrics_port)
        log.info("metrics on :%s (GET /metrics)", metrics_server.port)
    else:  # never on PORT: that one faces Slack and the internet
        log.info("metrics off: set METRICS_PORT to serve GET /metrics on a port of its own")
    services.org_config.refresh()  # warm: the first form should not wait on Datadog
    # Resume what a crash left half-way, now and whenever a dead replica's lease runs out.
    threading.Thread(
        target=services.runner.watch, args=(threading.Event(),), daemon=True, name="resume"
    ).start()
    threading.Thread(  # and updates to incidents, the same way
        target=services.updates.watch, args=(threading.Event(),), daemon=True, name="resume-updates"
    ).start()
    threading.Thread(  # and chores (responders, pages, to-dos, …), the same way
        target=services.chores.watch, args=(threading.Event(),), daemon=True, name="resume-chores"
    ).start()
    services.start_sync()  # one replica at a time (a lease in the store) follows Datadog
    services.start_reminders()  # every replica; a lease per incident posts each reminder once
    if settings.socket_mode:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        assert settings.slack_app_token is not None
        log.info("starting in Socket Mode")
        handler = SocketModeHandler(app, settings.slack_app_token.get_secret_value())
        _start_warm(services, app, verified, None)
        handler.start()  # type: ignore[no-untyped-call]
        return 0
    from bot.server import HttpServer

    server = HttpServer(app, port=settings.port)
    signal.signal(signal.SIGTERM, lambda *_: server.stop())
    _start_warm(services, app, verified, server.url)  # answered once serve_forever runs
    log.info("listening on :%s (POST /slack/events, GET /healthz)", server.port)
    try:
        server.serve_forever()
    finally:
        if metrics_server is not None:
            metrics_server.stop()
        services.shutdown()
    return 0


def _start_warm(services: Services, app: App, verified: bool, url: str | None) -> None:
    """Warm the first request's path off the main thread (bot/warm.py), then draw the form.

    Without a verified token the warm-up only starts threads: a request through Bolt
    would make it call auth.test.
    """
    from bot.slack.listeners import LISTENER_THREADS
    from bot.warm import freeze_heap, prestart, warm_up

    def warm() -> None:
        if verified:
            secret = services.settings.slack_signing_secret
            warm_up(app, LISTENER_THREADS, url, secret.get_secret_value() if secret else "")
        else:
            prestart(app.listener_runner.listener_executor, LISTENER_THREADS)
        _draw_form_once(services)
        log.info("heap frozen in %.0f ms", freeze_heap() * 1000)

    threading.Thread(target=warm, daemon=True, name="warm").start()


def _draw_form_once(services: Services) -> None:
    """Draw the form off the request path once the org config is in, so the first /declare
    after a start finds the form's skeleton (bot/slack/declare/form/view.py) drawn; then complete
    it for a made-up person a few times, as each /declare does, JSON included."""
    import json

    from bot.domain.incident.declaration import Origin
    from bot.slack.declare.form.prefill import prefill_for
    from bot.slack.declare.form.view import declare_form
    from bot.warm import ROUNDS

    config = services.org_config.get(timeout=WARM_WAIT)
    nobody = Origin(team_id="", channel_id="", user_id="")
    declare_form(config, prefill_for(services.settings, ""), nobody)
    someone = Origin(
        team_id="T0WARMUP", channel_id="C0WARMUP", user_id="U0WARMUP", trigger_id="warm-up"
    )
    for _ in range(ROUNDS):
        json.dumps(declare_form(config, prefill_for(services.settings, "U0WARMUP"), someone))


def has_slack_credentials(environ: dict[str, str], env_file: str = ".env") -> bool:
    from dotenv import dotenv_values

    values = {**dotenv_values(env_file), **environ} if os.path.isfile(env_file) else environ
    return bool(values.get("SLACK_BOT_TOKEN"))


def select_mode(settings: Settings, mode: str) -> Settings:
    """Force a transport (the Procfile's `web` and `worker`); `auto` follows SLACK_APP_TOKEN."""
    if mode == "socket" and not settings.socket_mode:
        raise ConfigError(
            [
                "SLACK_APP_TOKEN is missing: Socket Mode (--mode socket) needs an app-level "
                "token (xapp-...) with connections:write; Slack app > Basic Information > "
                "App-Level Tokens"
            ]
        )
    if mode == "http":
        if settings.slack_signing_secret is None:
            raise ConfigError(
                [
                    "SLACK_SIGNING_SECRET is missing: HTTP mode (--mode http) needs it; find it "
                    "under Slack app > Basic Information > App Credentials"
                ]
            )
        return settings.model_copy(update={"slack_app_token": None})
    return settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="declare-bot", description=__doc__)
    parser.add_argument(
        "command",
        nargs="?",
        default="run",
        choices=["run", "check", "sandbox"],
        help="run the bot (default), check the setup, or walk a declaration in the sandbox",
    )
    parser.add_argument(
        "--mode",
        choices=["auto", "socket", "http"],
        default="auto",
        help="run: Socket Mode or HTTP on $PORT; auto (default) picks Socket Mode when "
        "SLACK_APP_TOKEN is set, and the sandbox when SLACK_BOT_TOKEN is not",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    args = parser.parse_args(argv)
    if args.command == "check":
        from bot.check import run_check

        return run_check()
    if args.command == "sandbox" or (
        args.command == "run"
        and args.mode == "auto"
        and not has_slack_credentials(dict(os.environ))
    ):
        from bot.sandbox import run_sandbox

        if args.command == "run":
            print("No Slack credentials found (SLACK_BOT_TOKEN): starting the local sandbox.\n")
        return run_sandbox()
    try:
        settings = select_mode(load_settings(), args.mode)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    return run(settings)
