"""Build the Bolt app from settings and collaborators; no I/O at import or build time."""

from __future__ import annotations

import logging

from slack_bolt import App

from bot.services import Services
from bot.slack.form import metadata
from bot.slack.listeners import ListenerExecutor, register_listeners


def create_app(services: Services) -> App:
    """One app for both transports: HTTP verifies signatures, Socket Mode doesn't need to."""
    settings = services.settings
    secret = settings.slack_signing_secret
    app = App(
        client=services.slack,
        signing_secret=secret.get_secret_value() if secret else "",
        request_verification_enabled=not settings.socket_mode,
        token_verification_enabled=False,
        process_before_response=False,
        listener_executor=ListenerExecutor(),
        logger=logging.getLogger("slack_bolt"),
    )
    key = secret or settings.slack_app_token or settings.slack_bot_token
    metadata.use_key(key.get_secret_value())
    register_listeners(app, services)
    return app
