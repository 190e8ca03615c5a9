"""Build the Bolt app from settings and collaborators; no I/O at import or build time.

`verify_token=True` (what `declare-bot run` passes) is the one exception: Bolt calls
`auth.test` while the app is built, at start-up, as a plain Bolt app does; otherwise
Bolt calls it on the first request, and the first /declare after a start waits for it.
"""

from __future__ import annotations

import logging

from slack_bolt import App

from bot.services import Services
from bot.slack.declare.form import metadata
from bot.slack.listeners import ListenerExecutor, SetContext, register_listeners


def create_app(services: Services, *, verify_token: bool = False) -> App:
    """One app for both transports: HTTP verifies signatures, Socket Mode doesn't need to."""
    settings = services.settings
    secret = settings.slack_signing_secret
    app = App(
        client=services.slack,
        signing_secret=secret.get_secret_value() if secret else "",
        request_verification_enabled=not settings.socket_mode,
        token_verification_enabled=verify_token,
        process_before_response=False,
        # The manifests subscribe to no events: no url_verification challenge and no event
        # of the bot's own ever arrives, so those two middlewares would only cost time.
        url_verification_enabled=False,
        ignoring_self_events_enabled=False,
        listener_executor=ListenerExecutor(),
        logger=logging.getLogger("slack_bolt"),
    )
    key = secret or settings.slack_app_token or settings.slack_bot_token
    metadata.use_key(key.get_secret_value())

    # Listeners call Slack through the factory's client (bot/slack/common/client.py), which counts
    # calls and retries, rather than the plain one Bolt builds per request.
    app.use(SetContext("client", services.slack))
    register_listeners(app, services)
    return app
