"""A local Slack Socket Mode server: the WebSocket end of `apps.connections.open`.

slack_sdk's builtin client talks plain TCP (no TLS) to any port but 443, so this
speaks RFC 6455 on loopback: the handshake on `/link/?ticket=...` (one use per
ticket, like Slack's), a `hello` on connect, pongs for pings, envelopes out and
acks in. Tests push envelopes the way Slack does and read back the bot's acks.
Fragmented frames are not emulated: Slack's SDK clients never send them.
"""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from bot.emulators.slack.state import APP_ID
from bot.emulators.slack.websocket import (
    CLOSE,
    PING,
    PONG,
    TEXT,
    Connection,
    Frame,
    ProtocolError,
)


@dataclass
class Ack:
    """What the app answered to one envelope, and how long after it was sent."""

    envelope_id: str
    message: dict[str, Any]
    latency: float

    @property
    def payload(self) -> dict[str, Any]:
        """The body the listener acked with ({} for a bare ack)."""
        return dict(self.message.get("payload") or {})


class SocketModeServer:
    """Socket Mode on 127.0.0.1; `new_url()` is what apps.connections.open hands out."""

    def __init__(self, app_id: str = APP_ID, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app_id = app_id
        self._address = (host, port)
        self._listener: socket.socket | None = None
        self._stopping = threading.Event()
        self.lock = threading.RLock()
        self._changed = threading.Condition(self.lock)
        self._tickets: set[str] = set()
        self._issued = 0
        self._accepted = 0
        self._connections: list[Connection] = []
        self._retiring: list[Connection] = []
        self.frames: list[Frame] = []
        """Every frame in and out, in order (read under `lock`)."""
        self.sent: dict[str, tuple[dict[str, Any], float]] = {}
        """Envelope id -> (the envelope, when it was sent)."""
        self.acks: dict[str, Ack] = {}
        self.rejected: list[str] = []
        """Request targets of handshakes refused (unknown or reused ticket, wrong path)."""

    # lifecycle -----------------------------------------------------------------
    def start(self) -> SocketModeServer:
        listener = socket.create_server(self._address)
        listener.settimeout(0.05)  # accept() polls so stop() ends the thread promptly
        self._listener = listener
        threading.Thread(target=self._accept_loop, args=(listener,), daemon=True).start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        with self.lock:
            connections = list(self._connections)
        for connection in connections:
            self._drop(connection)
        if self._listener is not None:
            self._listener.close()
            self._listener = None

    def __enter__(self) -> SocketModeServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._listener is not None, "socket mode server not started"
        return int(self._listener.getsockname()[1])

    def new_url(self) -> str:
        """A fresh single-use WebSocket URL, shaped like Slack's wss://.../link/?ticket=..."""
        with self.lock:
            self._issued += 1
            ticket = f"{self._issued}-{uuid.uuid4()}"
            self._tickets.add(ticket)
        return f"ws://127.0.0.1:{self.port}/link/?ticket={ticket}&app_id={self.app_id}"

    # driving the app -------------------------------------------------------------
    def _live(self) -> list[Connection]:
        with self.lock:
            return [c for c in self._connections if c.open]

    def open_connections(self) -> list[int]:
        return [c.number for c in self._live()]

    def wait_connections(self, count: int = 1, timeout: float = 5.0) -> list[int]:
        """Block until `count` connections are open (the app connected or reconnected)."""
        with self._changed:
            if not self._changed.wait_for(lambda: len(self.open_connections()) >= count, timeout):
                raise AssertionError(f"expected {count} open connection(s): {self._connections}")
            return self.open_connections()

    def send_envelope(
        self,
        type: str,  # noqa: A002 - Slack's field name
        payload: dict[str, Any],
        *,
        accepts_response_payload: bool = True,
        **extra: Any,
    ) -> str:
        """Send an envelope on the newest open connection, as Slack does; returns its id."""
        envelope_id = str(uuid.uuid4())
        envelope = {
            "envelope_id": envelope_id,
            "payload": payload,
            "type": type,
            "accepts_response_payload": accepts_response_payload,
            **extra,
        }
        live = self._live()
        if not live:
            raise AssertionError("no Socket Mode connection is open")
        with self.lock:
            self.sent[envelope_id] = (envelope, time.monotonic())
        self._send(live[-1], TEXT, json.dumps(envelope).encode())
        return envelope_id

    def wait_ack(self, envelope_id: str, timeout: float = 3.0) -> Ack:
        """The app's ack of an envelope; Slack gives up on an envelope after 3 seconds."""
        with self._changed:
            if not self._changed.wait_for(lambda: envelope_id in self.acks, timeout):
                raise AssertionError(f"no ack for envelope {envelope_id} within {timeout}s")
            return self.acks[envelope_id]

    def refresh(self, reason: str = "refresh_requested") -> None:
        """Slack rotating its servers: a `disconnect` message, then each old connection
        is closed once the app opened a new one (slack_sdk reconnects on the message)."""
        message = {"type": "disconnect", "reason": reason, "debug_info": {"host": "emulator"}}
        with self.lock:
            live = self._live()
            self._retiring.extend(live)
        for connection in live:
            self._send_quietly(connection, TEXT, json.dumps(message).encode())

    def close_all(self, code: int = 1001, reason: str = "going away") -> None:
        """Send a close frame on every open connection, and stop reading from them."""
        self._close(self._live(), code, reason)

    def _close(self, connections: list[Connection], code: int, reason: str) -> None:
        for connection in connections:
            connection.open = False
            self._send_quietly(connection, CLOSE, struct.pack("!H", code) + reason.encode())
        with self._changed:
            self._changed.notify_all()

    # serving ---------------------------------------------------------------------
    def _accept_loop(self, listener: socket.socket) -> None:
        while not self._stopping.is_set():
            try:
                sock, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            sock.settimeout(None)
            threading.Thread(target=self._serve, args=(sock,), daemon=True).start()

    def _serve(self, sock: socket.socket) -> None:
        with self.lock:
            self._accepted += 1
            connection = Connection(self._accepted, sock)
        try:
            if not self._handshake(connection):
                return
            self._send(connection, TEXT, json.dumps(self._hello()).encode())
            with self.lock:
                retiring, self._retiring = self._retiring, []
            self._close(retiring, 1001, "refreshed")
            while True:  # after close_all too: the app's socket closing ends it
                opcode, data = connection.read_frame()
                self._record(connection, "in", opcode, data)
                if opcode == PING:
                    self._send(connection, PONG, data)
                elif opcode == TEXT:
                    self._on_text(data)
                elif opcode == CLOSE:
                    break
        except ProtocolError as exc:
            self._send_quietly(connection, CLOSE, struct.pack("!H", 1002) + str(exc).encode())
        except OSError:
            pass  # the app went away or closed its socket: nothing to answer
        finally:
            self._drop(connection)

    def _handshake(self, connection: Connection) -> bool:
        """Answer 101 with Sec-WebSocket-Accept for a known ticket, else 401 and close."""
        target, headers = connection.read_handshake()
        parts = urlsplit(target)
        ticket = parse_qs(parts.query).get("ticket", [""])[0]
        key = headers.get("sec-websocket-key", "")
        with self.lock:
            accepted = parts.path == "/link/" and ticket in self._tickets and bool(key)
            self._tickets.discard(ticket)
            if not accepted:
                self.rejected.append(target)
            else:
                self._connections.append(connection)
                self._changed.notify_all()
        if not accepted:
            connection.refuse()
            return False
        connection.accept(key)
        return True

    def _hello(self) -> dict[str, Any]:
        debug = {
            "host": "applink-emulator",
            "build_number": 1,
            "approximate_connection_time": 18060,
        }
        return {
            "type": "hello",
            "num_connections": len(self.open_connections()),
            "debug_info": debug,
            "connection_info": {"app_id": self.app_id},
        }

    def _on_text(self, data: bytes) -> None:
        try:
            message = json.loads(data)
        except ValueError:
            return  # recorded in `frames`; Slack ignores what it cannot parse too
        envelope_id = message.get("envelope_id") if isinstance(message, dict) else None
        with self._changed:
            if envelope_id in self.sent and envelope_id not in self.acks:
                latency = time.monotonic() - self.sent[envelope_id][1]
                self.acks[envelope_id] = Ack(envelope_id, message, latency)
                self._changed.notify_all()

    def _send(self, connection: Connection, opcode: int, data: bytes) -> None:
        connection.send_frame(opcode, data)
        self._record(connection, "out", opcode, data)

    def _send_quietly(self, connection: Connection, opcode: int, data: bytes) -> None:
        try:
            self._send(connection, opcode, data)
        except OSError:
            pass  # the socket is already gone; there is nobody left to tell

    def _record(self, connection: Connection, direction: str, opcode: int, data: bytes) -> None:
        with self.lock:
            self.frames.append(Frame(connection.number, direction, opcode, data))

    def _drop(self, connection: Connection) -> None:
        with self._changed:
            connection.open = False
            self._changed.notify_all()
        connection.close_socket()
