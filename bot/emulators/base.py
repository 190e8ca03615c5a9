"""A tiny threaded HTTP server base shared by the Slack and Datadog emulators.

Each emulator subclasses `EmulatorServer`, implements `handle(request)` and gets:
a real server on 127.0.0.1 (port 0 by default), a call log, per-route added
latency, and a way to drop the connection without answering.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    """One request as the emulator saw it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    raw_body: bytes
    received_at: float = field(default_factory=time.monotonic)

    def json(self) -> Any:
        return json.loads(self.raw_body or b"null")

    def form(self) -> dict[str, str]:
        return {k: v[-1] for k, v in parse_qs(self.raw_body.decode("utf-8", "replace")).items()}

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


@dataclass
class Response:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    drop_connection: bool = False

    def encoded(self) -> bytes:
        if self.body is None:
            return b""
        if isinstance(self.body, bytes):
            return self.body
        return json.dumps(self.body).encode()


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle on, a reused keep-alive connection
    # holds the body for the client's delayed ACK (~40 ms), which real APIs don't add.
    disable_nagle_algorithm = True

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        request = Request(
            method=self.command,
            path=parts.path,
            query=parse_qs(parts.query, keep_blank_values=True),
            headers={k.lower(): v for k, v in self.headers.items()},
            raw_body=raw,
        )
        response = self.server.emulator.dispatch(request)
        if response.drop_connection:
            self.close_connection = True
            try:
                self.connection.shutdown(2)
            except OSError:
                pass
            return
        body = response.encoded()
        self.send_response(response.status)
        self.send_header("Content-Type", response.headers.pop("Content-Type", "application/json"))
        for key, value in response.headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """Quiet: the emulator's call log is the record."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], emulator: EmulatorServer) -> None:
        self.emulator = emulator
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up (timeout tests) is expected; anything else is printed."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class EmulatorServer:
    """Base: start/stop a loopback server, record calls, add per-route latency."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._address = (host, port)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.lock = threading.RLock()
        self.requests: list[Request] = []
        self.latency: dict[str, float] = {}
        """Added seconds of latency per path (key '*' applies to every path)."""
        self.answer_latency: dict[str, float] = {}
        """Seconds to hold the answer per path after the call took effect (crash tests)."""

    # lifecycle -----------------------------------------------------------------
    def start(self) -> EmulatorServer:
        self._server = _Server(self._address, self)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._server is not None, "emulator not started"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    # dispatch ------------------------------------------------------------------
    def dispatch(self, request: Request) -> Response:
        with self.lock:
            self.requests.append(request)
        delay = self.latency.get(request.path, self.latency.get("*", 0.0))
        if delay:
            time.sleep(delay)
        response = self.handle(request)
        if self.answer_latency.get(request.path):
            time.sleep(self.answer_latency[request.path])
        return response

    def handle(self, request: Request) -> Response:
        raise NotImplementedError

    def calls(self, path: str | None = None, method: str | None = None) -> list[Request]:
        """Recorded requests, optionally filtered by path and method."""
        with self.lock:
            return [
                r
                for r in self.requests
                if (path is None or r.path == path) and (method is None or r.method == method)
            ]

    def wait_for(self, path: str, count: int = 1, timeout: float = 5.0) -> list[Request]:
        """Block until `count` calls to `path` were recorded; tests use it after an ack."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.calls(path)
            if len(found) >= count:
                return found
            time.sleep(0.01)
        raise AssertionError(f"expected {count} call(s) to {path}, saw {len(self.calls(path))}")
