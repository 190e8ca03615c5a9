"""HTTP mode: POST /slack/events (signature-verified by Bolt) and GET /healthz, on waitress."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from waitress.server import create_server

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def wsgi_app(app: App) -> WSGIApp:
    """Route Slack's requests to Bolt and answer health checks; 404 for the rest."""
    handler = SlackRequestHandler(app)

    def route(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "")
        if path == "/slack/events" and method == "POST":
            return handler(environ, start_response)
        if path == "/healthz" and method in ("GET", "HEAD"):
            start_response("200 OK", [("Content-Type", "application/json")])
            return [b'{"ok": true}']
        start_response("404 Not Found", [("Content-Type", "application/json")])
        return [b'{"ok": false, "error": "not_found"}']

    return route


class HttpServer:
    """waitress on a host and port (0 picks a free one); start() returns at once."""

    def __init__(self, app: App, host: str = "0.0.0.0", port: int = 3000, threads: int = 16):
        self._server = create_server(wsgi_app(app), host=host, port=port, threads=threads)
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._server.effective_port)  # type: ignore[union-attr]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> HttpServer:
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._server.run()

    def stop(self) -> None:
        self._server.close()
