"""The reference point for opening the modal: a bare Bolt app, served like the bot.

It acks `/declare` and opens a static modal, nothing else, with the same slack_sdk
WebClient, on waitress with the same thread count, against the same Slack emulator.
Bolt's own WSGI adapter serves it, plus a /healthz to know it is up. Run in its own
process, as the bot is: `python -m bench.baseline --port N --slack-api-url URL`.

The modal is `--modal FILE` (the benchmark passes the very form the bot opened, frozen,
so that both send the same payload), else a one-input form.

`--docs` is the other reference: a plain Bolt app written the way Bolt's README shows,
`App(...)` (which calls auth.test while it is built) then `app.start(port)`, Bolt's own
development server, a one-input modal. Its only change is the Web API base URL.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import Ack, App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from waitress.server import create_server

STATIC_MODAL: dict[str, Any] = {
    "type": "modal",
    "callback_id": "baseline_modal",
    "title": {"type": "plain_text", "text": "Declare an incident"},
    "submit": {"type": "plain_text", "text": "Declare"},
    "blocks": [
        {
            "type": "input",
            "block_id": "title",
            "label": {"type": "plain_text", "text": "Title"},
            "element": {"type": "plain_text_input", "action_id": "title"},
        }
    ],
}
THREADS = 16
"""waitress threads, as bot.server.HttpServer uses."""


def bare_bolt_app(
    slack_api_url: str, bot_token: str, signing_secret: str, modal: dict[str, Any] | None = None
) -> App:
    """Bolt with one command listener: ack, then views.open with a static view."""
    view = modal or STATIC_MODAL
    app = App(
        client=WebClient(token=bot_token, base_url=slack_api_url, timeout=10),
        signing_secret=signing_secret,
        token_verification_enabled=False,
        process_before_response=False,
    )

    @app.command("/declare")
    def open_static_modal(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        client.views_open(trigger_id=body["trigger_id"], view=view)

    return app


def docs_bolt_app(slack_api_url: str, bot_token: str, signing_secret: str) -> App:
    """Bolt's README app: token verification on, default executor, one listener."""
    app = App(
        client=WebClient(token=bot_token, base_url=slack_api_url),
        signing_secret=signing_secret,
    )

    @app.command("/declare")
    def open_modal(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        client.views_open(trigger_id=body["trigger_id"], view=STATIC_MODAL)

    return app


def wsgi(app: App) -> Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]:
    handler = SlackRequestHandler(app)

    def route(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/healthz":
            start_response("200 OK", [("Content-Type", "application/json")])
            return [b'{"ok": true}']
        return handler(environ, start_response)

    return route


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.baseline", description=__doc__)
    parser.add_argument("--slack-api-url", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--modal", help="a JSON file with the view to open")
    parser.add_argument("--docs", action="store_true", help="Bolt's README app on app.start()")
    args = parser.parse_args(argv)
    token, secret = os.environ["SLACK_BOT_TOKEN"], os.environ["SLACK_SIGNING_SECRET"]
    if args.docs:
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        docs = docs_bolt_app(args.slack_api_url, token, secret)
        docs.start(port=args.port, http_server_logger_enabled=False)
        return 0
    modal = None
    if args.modal:
        with open(args.modal) as file:
            modal = json.load(file)
    app = bare_bolt_app(args.slack_api_url, token, secret, modal)
    server = create_server(wsgi(app), host="127.0.0.1", port=args.port, threads=THREADS)
    signal.signal(signal.SIGTERM, lambda *_: server.close())
    try:
        server.run()
    except OSError:  # closed by SIGTERM
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
