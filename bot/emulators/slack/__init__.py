"""Slack, emulated on loopback: the Web API, Socket Mode, and the signed requests Slack
sends to the bot.

`web_api` serves the Web API (handlers in `methods`, `chat`, `views`; the workspace in
`state`); `socket_mode` is the WebSocket end of apps.connections.open; `inbound` builds
what Slack sends to the bot's /slack/events.
"""

from bot.emulators.slack.web_api import SlackEmulator

__all__ = ["SlackEmulator"]
