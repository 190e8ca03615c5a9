"""The `declare-bot` command (also `python -m bot`): run the bot, check a setup, or the sandbox."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading

from bot.config import ConfigError, Settings, load_settings
from bot.logs import configure_logging

log = logging.getLogger("bot")


def run(settings: Settings) -> int:
    """Start the bot in Socket Mode (SLACK_APP_TOKEN set) or HTTP mode, until stopped."""
    from bot.app import create_app
    from bot.services import build_services

    configure_logging(settings.log_level, settings.log_format, settings.secret_values())
    services = build_services(settings)
    app = create_app(services)
    threading.Thread(target=services.runner.resume_pending, daemon=True).start()
    if settings.socket_mode:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        assert settings.slack_app_token is not None
        log.info("starting in Socket Mode")
        handler = SocketModeHandler(app, settings.slack_app_token.get_secret_value())
        handler.start()  # type: ignore[no-untyped-call]
        return 0
    from bot.server import HttpServer

    server = HttpServer(app, port=settings.port)
    signal.signal(signal.SIGTERM, lambda *_: server.stop())
    log.info("listening on :%s (POST /slack/events, GET /healthz)", server.port)
    try:
        server.serve_forever()
    finally:
        services.shutdown()
    return 0


def has_slack_credentials(environ: dict[str, str], env_file: str = ".env") -> bool:
    from dotenv import dotenv_values

    values = {**dotenv_values(env_file), **environ} if os.path.isfile(env_file) else environ
    return bool(values.get("SLACK_BOT_TOKEN"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="declare-bot", description=__doc__)
    parser.add_argument(
        "command",
        nargs="?",
        default="run",
        choices=["run", "check", "sandbox"],
        help="run the bot (default), check the setup, or walk a declaration in the sandbox",
    )
    args = parser.parse_args(argv)
    if args.command == "sandbox" or (
        args.command == "run" and not has_slack_credentials(dict(os.environ))
    ):
        from bot.sandbox import run_sandbox

        if args.command == "run":
            print("No Slack credentials found (SLACK_BOT_TOKEN): starting the local sandbox.\n")
        return run_sandbox()
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    if args.command == "check":
        from bot.check import run_check

        return run_check(settings)
    return run(settings)
