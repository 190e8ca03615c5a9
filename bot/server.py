"""HTTP mode: POST /slack/events (signature-verified by Bolt) and GET /healthz, on waitress.

Nothing else: this port faces Slack and the internet, so metrics are served only on
METRICS_PORT (bot/metrics.py), which an operator keeps private.
"""

from __future__ import annotations

import io
import json
import logging
import sys
import threading
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from waitress.server import create_server

from bot.slack.common.payload import parse_body

log = logging.getLogger(__name__)

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


MAX_BODY = 1_000_000
"""Bytes; Slack's payloads are far smaller. waitress enforces it before the app runs."""
SHAPES: dict[str, type | tuple[type, ...]] = {
    "user": (str, dict),
    "team": (str, dict),
    "channel": (str, dict),
    "enterprise": (str, dict),
    "view": dict,
    "container": dict,
    "message": dict,
    "event": dict,
    "actions": list,
    "authorizations": list,
}
"""Types Slack always sends and Bolt assumes (it raises on others before any listener runs)."""


def _malformed(environ: dict[str, Any]) -> str | None:
    """Why Bolt can't even parse this request (it would answer 500), or None.

    Reads the body and puts it back for Bolt: it must be UTF-8 of a sane size, parse (as
    Bolt parses it) to an object, and the signature timestamp, when present, be a number.
    """
    timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP")
    if timestamp is not None:
        try:
            int(timestamp)
        except ValueError:
            return "invalid_timestamp"
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return "invalid_content_length"
    if length > MAX_BODY:
        return "body_too_large"
    body = environ["wsgi.input"].read(length) if length > 0 else b""
    environ["wsgi.input"] = io.BytesIO(body)
    try:
        parsed = parse_body(body.decode("utf-8"), environ.get("CONTENT_TYPE"))
    except UnicodeDecodeError:
        return "body_not_utf8"
    except ValueError:
        return "payload_not_json"
    if not isinstance(parsed, dict):
        return "payload_not_an_object"
    for key, allowed in SHAPES.items():
        if parsed.get(key) is not None and not isinstance(parsed[key], allowed):
            return f"malformed_{key}"
    if "event" in parsed and not isinstance(parsed["event"], dict):
        return "malformed_event"  # Bolt reads body.get("event", {}).get(...) on every request
    view = parsed.get("view")
    if "view" in parsed and not isinstance(view, dict):
        return "malformed_view"  # Slack leaves the key out; Bolt indexes any view it finds
    for container in (parsed, view if isinstance(view, dict) else {}):
        if not isinstance(container.get("callback_id", ""), str):
            return "malformed_callback_id"
    if isinstance(view, dict) and "callback_id" in view and not isinstance(view.get("type"), str):
        return "malformed_view"
    for action in parsed.get("actions") or []:
        if not isinstance(action, dict) or not isinstance(action.get("action_id"), str):
            return "malformed_actions"
        if not isinstance(action.get("block_id", ""), str):
            return "malformed_actions"
    return None


def wsgi_app(app: App) -> WSGIApp:
    """Route Slack's requests to Bolt and answer health checks; 404 for the rest."""
    handler = SlackRequestHandler(app)

    def route(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "")
        if path == "/slack/events" and method == "POST":
            problem = _malformed(environ)
            if problem:
                status = "401 Unauthorized" if problem == "invalid_timestamp" else "400 Bad Request"
                start_response(status, [("Content-Type", "application/json")])
                return [json.dumps({"ok": False, "error": problem}).encode()]
            try:
                return handler(environ, start_response)
            except Exception as exc:  # Bolt choked on the payload: the sender's fault
                log.warning("unreadable request to /slack/events: %s", type(exc).__name__)
                log.debug("unreadable request", exc_info=exc)
                start_response(
                    "400 Bad Request", [("Content-Type", "application/json")], sys.exc_info()
                )
                return [b'{"ok": false, "error": "unreadable_request"}']
        if path == "/healthz" and method in ("GET", "HEAD"):
            start_response("200 OK", [("Content-Type", "application/json")])
            return [b'{"ok": true}']
        start_response("404 Not Found", [("Content-Type", "application/json")])
        return [b'{"ok": false, "error": "not_found"}']

    def answer(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        body = route(environ, start_response)
        # waitress sends whatever the app returns, HEAD or not: a body after a HEAD answer
        # would be read as the next response on a kept-alive connection.
        return [] if environ.get("REQUEST_METHOD") == "HEAD" else body

    return answer


class HttpServer:
    """waitress on a host and port (0 picks a free one); start() returns at once."""

    def __init__(
        self,
        app: App,
        host: str = "0.0.0.0",
        port: int = 3000,
        threads: int = 16,
    ):
        # waitress reads (and spills to disk) a whole body before the app sees it; with
        # this bound it answers 413 from the Content-Length header, and cuts a chunked
        # body off once it passes the bound, without ever reading more.
        self._server = create_server(
            wsgi_app(app),
            host=host,
            port=port,
            threads=threads,
            max_request_body_size=MAX_BODY + 1,  # waitress refuses lengths >= this
        )
        self._thread: threading.Thread | None = None
        self._stopping = False

    @property
    def port(self) -> int:
        return int(self._server.effective_port)  # type: ignore[union-attr]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> HttpServer:
        self._thread = threading.Thread(target=self._run_until_stopped, daemon=True)
        self._thread.start()
        return self

    def _run_until_stopped(self) -> None:
        try:
            self._server.run()
        except (OSError, ValueError):
            # stop() closes the sockets under the loop's select(); that ends the loop.
            if not self._stopping:
                raise

    def serve_forever(self) -> None:
        self._server.run()

    def stop(self) -> None:
        self._stopping = True
        self._server.close()
